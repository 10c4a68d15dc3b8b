import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WindowSpool, type SpooledWindow } from '../../src/scale/window-spool.js';

let dir: string;
beforeEach(() => {
  dir = join(mkdtempSync(join(tmpdir(), 'vigil-spool-')), 'spool');
});
afterEach(() => rmSync(join(dir, '..'), { recursive: true, force: true }));

/** A window's bytes: distinct content per window, so a read can tell which one came back. */
const data = (label: string, size: number) => Buffer.concat([Buffer.from(label), Buffer.alloc(size - label.length, 0x2e)]);

describe('WindowSpool', () => {
  it('lists windows oldest first, with their batch ids, sizes and bytes', () => {
    const spool = new WindowSpool(dir, 'ward-3', 1_000_000);
    // Sequence numbers past 9 check the order is numeric, not by text.
    for (const seq of [1, 2, 9, 10, 11, 100]) expect(spool.add('lq2x9k1a-0badc0de', seq, data(`w${seq}`, 50 + seq))).not.toBeNull();
    const list = spool.list();
    expect(list.map((w) => w.batch)).toEqual([1, 2, 9, 10, 11, 100].map((s) => `ward-3/lq2x9k1a-0badc0de/${s}`));
    expect(list.map((w) => w.seq)).toEqual([1, 2, 9, 10, 11, 100]);
    expect(list.map((w) => w.bytes)).toEqual([1, 2, 9, 10, 11, 100].map((s) => 50 + s));
    expect(spool.read(list[3]).equals(data('w10', 60))).toBe(true);
    expect(spool.bytes).toBe([1, 2, 9, 10, 11, 100].reduce((n, s) => n + 50 + s, 0));
    expect(spool.dropped).toEqual({ windows: 0, bytes: 0 });
  });

  it('lists the windows an earlier run left before those of the run after it', () => {
    // A restarted sensor begins a new run at sequence 1; its predecessor's windows are older still.
    const before = new WindowSpool(dir, 'ward-3', 1_000_000);
    for (const seq of [1, 2, 3]) before.add('lq2x9k1a-aaaaaaaa', seq, data(`a${seq}`, 100));
    const after = new WindowSpool(dir, 'ward-3', 1_000_000);
    after.add('lq2xa000-bbbbbbbb', 1, data('b1', 100));
    expect(after.list().map((w) => w.batch)).toEqual(['ward-3/lq2x9k1a-aaaaaaaa/1', 'ward-3/lq2x9k1a-aaaaaaaa/2', 'ward-3/lq2x9k1a-aaaaaaaa/3', 'ward-3/lq2xa000-bbbbbbbb/1']);
  });

  it('past the bound, drops the oldest windows and counts them and their bytes', () => {
    const dropped: [SpooledWindow, string][] = [];
    const spool = new WindowSpool(dir, 'ward-3', 1000, (w, why) => dropped.push([w, why]));
    for (let seq = 1; seq <= 4; seq++) spool.add('run-1', seq, data(`w${seq}`, 300));
    // 4 × 300 > 1000: the first went to make room for the fourth.
    expect(spool.list().map((w) => w.seq)).toEqual([2, 3, 4]);
    expect(spool.dropped).toEqual({ windows: 1, bytes: 300 });
    expect(dropped.map(([w]) => w.batch)).toEqual(['ward-3/run-1/1']);
    expect(dropped[0][0].bytes).toBe(300);
    expect(dropped[0][1]).toMatch(/spool full \(1000 bytes\)/);

    // A larger window needs two to go, and no more: 300 + 700 is exactly the bound.
    spool.add('run-1', 5, data('w5', 700));
    expect(spool.list().map((w) => w.seq)).toEqual([4, 5]);
    expect(spool.dropped).toEqual({ windows: 3, bytes: 900 });
    expect(dropped.map(([w]) => w.seq)).toEqual([1, 2, 3]);
    expect(spool.bytes).toBeLessThanOrEqual(1000);
    expect(spool.read(spool.list()[1]).equals(data('w5', 700))).toBe(true);
  });

  it('a window built from the drop counts carries the drops made to fit it', () => {
    const spool = new WindowSpool(dir, 'ward-3', 1000);
    for (let seq = 1; seq <= 3; seq++) spool.add('run-1', seq, data(`w${seq}`, 300));
    const seen: { windows: number; bytes: number }[] = [];
    const build = (d: { windows: number; bytes: number }) => {
      seen.push({ ...d });
      return data(JSON.stringify(d), 300);
    };
    const w = spool.add('run-1', 4, build)!;
    expect(w).not.toBeNull();
    expect(spool.dropped).toEqual({ windows: 1, bytes: 300 });
    // What is on disk tells the central service about the window dropped to make room for it.
    expect(spool.read(w).toString('latin1')).toMatch(/^\{"windows":1,"bytes":300\}/);
    expect(seen.at(-1)).toEqual({ windows: 1, bytes: 300 });
  });

  it('drops at once, and counts, a window larger than the whole spool, keeping the others', () => {
    const dropped: [SpooledWindow, string][] = [];
    const spool = new WindowSpool(dir, 'ward-3', 1000, (w, why) => dropped.push([w, why]));
    spool.add('run-1', 1, data('w1', 400));
    expect(spool.add('run-1', 2, data('w2', 1001))).toBeNull();
    expect(spool.list().map((w) => w.seq)).toEqual([1]);
    expect(spool.dropped).toEqual({ windows: 1, bytes: 1001 });
    expect(dropped).toHaveLength(1);
    expect(dropped[0][0]).toMatchObject({ batch: 'ward-3/run-1/2', seq: 2, bytes: 1001 });
    expect(dropped[0][1]).toMatch(/1001 bytes is larger than the spool \(1000 bytes\)/);
    expect(readdirSync(dir).filter((f) => f.includes('000000000002'))).toEqual([]);
    // Exactly the bound fits.
    expect(spool.add('run-1', 3, data('w3', 1000))).not.toBeNull();
    expect(spool.list().map((w) => w.seq)).toEqual([3]);
  });

  it('the drop counts survive a new WindowSpool on the same folder, and keep adding up', () => {
    const first = new WindowSpool(dir, 'ward-3', 500);
    first.add('run-1', 1, data('w1', 400));
    first.add('run-1', 2, data('w2', 400));
    first.add('run-1', 3, data('w3', 600));
    expect(first.dropped).toEqual({ windows: 2, bytes: 1000 });

    const second = new WindowSpool(dir, 'ward-3', 500);
    expect(second.dropped).toEqual({ windows: 2, bytes: 1000 });
    expect(second.list().map((w) => w.batch)).toEqual(['ward-3/run-1/2']);
    second.add('run-2', 4, data('w4', 400));
    expect(second.dropped).toEqual({ windows: 3, bytes: 1400 });
    expect(new WindowSpool(dir, 'ward-3', 500).dropped).toEqual({ windows: 3, bytes: 1400 });
  });

  it('a damaged counter file restarts the counts without losing the windows', () => {
    const first = new WindowSpool(dir, 'ward-3', 500);
    first.add('run-1', 1, data('w1', 100));
    writeFileSync(join(dir, 'spool-state.json'), '{"windows": 3, "by');
    const second = new WindowSpool(dir, 'ward-3', 500);
    expect(second.dropped).toEqual({ windows: 0, bytes: 0 });
    expect(second.list().map((w) => w.seq)).toEqual([1]);
  });

  it('removes a stale .tmp file (a crash mid-write) and does not list it', () => {
    const spool = new WindowSpool(dir, 'ward-3', 10_000);
    spool.add('run-1', 1, data('w1', 100));
    const stale = join(dir, '000000000002-run-1.window.gz.tmp');
    writeFileSync(stale, 'half a win');
    expect(spool.list().map((w) => w.batch)).toEqual(['ward-3/run-1/1']);
    expect(existsSync(stale)).toBe(false);
    // No temporary file is left behind by a normal write.
    spool.add('run-1', 2, data('w2', 100));
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('ignores files that are not windows', () => {
    const spool = new WindowSpool(dir, 'ward-3', 10_000);
    writeFileSync(join(dir, 'notes.txt'), 'x');
    writeFileSync(join(dir, '12-run.window.gz'), 'x');
    spool.add('run-1', 1, data('w1', 100));
    expect(spool.list().map((w) => w.batch)).toEqual(['ward-3/run-1/1']);
  });

  it('remove() deletes the window: it is neither listed nor on disk, and is not counted as dropped', () => {
    const spool = new WindowSpool(dir, 'ward-3', 10_000);
    const a = spool.add('run-1', 1, data('w1', 100))!;
    const b = spool.add('run-1', 2, data('w2', 100))!;
    spool.remove(a);
    expect(existsSync(a.path)).toBe(false);
    expect(spool.list().map((w) => w.batch)).toEqual([b.batch]);
    expect(readFileSync(b.path).equals(data('w2', 100))).toBe(true);
    expect(spool.dropped).toEqual({ windows: 0, bytes: 0 });
    // Removing twice (NATS acknowledged a redelivery) is harmless.
    spool.remove(a);
    expect(spool.list()).toHaveLength(1);
  });
});
