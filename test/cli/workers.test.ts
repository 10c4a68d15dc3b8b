import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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

  it('gives the same summary, flows and observations with 1 and 3 workers', () => {
    const one = join(tmp, 'one');
    const three = join(tmp, 'three');
    expect(vigil(['analyze', DEMO, '-q', '--out', one]).status).toBe(0);
    expect(vigil(['analyze', DEMO, '-q', '--workers', '3', '--out', three]).status).toBe(0);
    const a = JSON.parse(readFileSync(join(one, 'summary.json'), 'utf8'));
    const b = JSON.parse(readFileSync(join(three, 'summary.json'), 'utf8'));
    for (const k of ['packets', 'bytes', 'flows', 'observations', 'errors', 'firstTs', 'lastTs', 'truncated']) expect(b[k], k).toEqual(a[k]);
    expect(b.analysis.workers).toBe(3);
    // Flow numbers are assigned per worker, so compare flows without them.
    expect(lines(join(three, 'flows.jsonl'), ['id'])).toEqual(lines(join(one, 'flows.jsonl'), ['id']));
    expect(lines(join(three, 'observations.jsonl'), ['flow', 'ts'])).toEqual(lines(join(one, 'observations.jsonl'), ['flow', 'ts']));
  });
});
