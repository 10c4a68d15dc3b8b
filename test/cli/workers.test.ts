import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, ROOT, vigil } from './cli-helpers.js';

// Worker threads must change only the speed: the same flows and facts as one thread.
const DEMO = join(ROOT, 'data/demo/hospital-demo.pcapng.gz');

function lines(path: string, drop: string[]): string[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => {
      const o = JSON.parse(l) as Record<string, unknown>;
      for (const k of drop) delete o[k];
      return JSON.stringify(o);
    })
    .sort();
}

describe('vigil analyze --workers', () => {
  let tmp: string;
  beforeAll(() => {
    ensureBuilt();
    tmp = mkdtempSync(join(tmpdir(), 'vigil-workers-'));
  });
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  /**
   * Analyses `capture` with one thread and with `workers`, into `<name>-1` and `<name>-<workers>`, and
   * expects the summaries equal in `keys` and the same flows and observations; returns both summaries.
   */
  const sameWithWorkers = (capture: string, name: string, workers: number, keys: string[]) => {
    const one = join(tmp, `${name}-1`);
    const many = join(tmp, `${name}-${workers}`);
    expect(vigil(['analyze', capture, '-q', '--out', one]).status).toBe(0);
    expect(vigil(['analyze', capture, '-q', '--workers', String(workers), '--out', many]).status).toBe(0);
    const a = JSON.parse(readFileSync(join(one, 'summary.json'), 'utf8'));
    const b = JSON.parse(readFileSync(join(many, 'summary.json'), 'utf8'));
    for (const k of keys) expect(b[k], k).toEqual(a[k]);
    expect(b.analysis.workers).toBe(workers);
    // Flow numbers are assigned per worker, so compare flows without them.
    expect(lines(join(many, 'flows.jsonl'), ['id'])).toEqual(lines(join(one, 'flows.jsonl'), ['id']));
    expect(lines(join(many, 'observations.jsonl'), ['flow', 'ts'])).toEqual(lines(join(one, 'observations.jsonl'), ['flow', 'ts']));
    return { a, b };
  };

  it('gives the same summary, flows and observations with 1 and 3 workers', () => {
    sameWithWorkers(DEMO, 'gz', 3, ['packets', 'bytes', 'flows', 'observations', 'errors', 'firstTs', 'lastTs', 'truncated']);
  });

  // An uncompressed file is read by every worker itself (each keeps the packets of its own flows);
  // a gzip'd one goes through the reading thread's rings, as above.
  it('gives the same results when each worker reads an uncompressed file itself', () => {
    const plain = join(tmp, 'demo.pcapng');
    writeFileSync(plain, gunzipSync(readFileSync(DEMO)));
    const { a, b } = sameWithWorkers(plain, 'plain', 2, ['packets', 'bytes', 'capturedBytes', 'flows', 'observations', 'errors', 'firstTs', 'lastTs', 'truncated', 'files']);
    expect(b.files[0].gzip).toBe(false);
    // Two files: each worker reads both in turn; the counts are the files' sums.
    const twice = join(tmp, 'plain-twice');
    expect(vigil(['analyze', plain, plain, '-q', '--workers', '2', '--out', twice]).status).toBe(0);
    const c = JSON.parse(readFileSync(join(twice, 'summary.json'), 'utf8'));
    expect(c.packets).toBe(2 * a.packets);
    expect(c.bytes).toBe(2 * a.bytes);
    expect(c.files).toEqual([a.files[0], a.files[0]]);
  });

  it('keeps what precedes damage and rejects a non-capture, with workers reading the files', () => {
    const plain = gunzipSync(readFileSync(DEMO));
    const cut = join(tmp, 'cut.pcapng');
    writeFileSync(cut, plain.subarray(0, Math.floor(plain.length / 2)));
    const out = join(tmp, 'cut-two');
    const r = vigil(['analyze', cut, '-q', '--workers', '2', '--out', out]);
    expect(r.status).toBe(0);
    const s = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    expect(s.truncated).toBe(true);
    expect(s.packets).toBeGreaterThan(0);
    expect(s.files[0].damage.offset).toBeGreaterThan(0);
    // Worker 0 speaks for the file: the warning is printed once.
    expect(r.stderr.match(/kept the \d+ packets before it/g)?.length).toBe(1);
    const notCapture = join(tmp, 'notes.txt');
    writeFileSync(notCapture, 'not a capture at all\n');
    const bad = vigil(['analyze', notCapture, '-q', '--workers', '2']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain(notCapture);
  });
});
