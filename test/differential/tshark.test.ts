import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { compareCapture, pairKey, type Comparison, type Difference } from './compare.js';
import { EXCEPTIONS, uncovered, type DifferentialException } from './exceptions.js';
import { clientOf, pcapOf, PORT_REUSE_CASES, SERVER } from './port-reuse.js';
import { findTshark, runTshark, type TsharkCapture, type TsharkInfo } from './tshark.js';
import { runVigil, type VigilCapture } from './vigil.js';

// Differential test: Vigil's reader, decoder and flow table against tshark on every capture in
// ../shared/captures. What is compared and why is documented in compare.ts and layering.ts.

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const CAPTURES = join(REPO, '..', 'shared', 'captures');
const CONCURRENCY = 2;

function findCaptures(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...findCaptures(path));
    else if (/\.(pcap|pcapng|cap)(\.gz)?$/i.test(name)) out.push(path);
  }
  return out;
}

/** A capture's group: its first two folders (`general/zeek`, `attacks/ndpi`). */
function groupOf(capture: string): string {
  const parts = capture.split('/');
  return parts.slice(0, Math.min(2, parts.length - 1)).join('/');
}

async function compareFile(tshark: TsharkInfo, file: string): Promise<Comparison> {
  // tshark runs in its own process while Vigil reads the same file here.
  const t = runTshark(tshark, file);
  try {
    const v = await runVigil(file);
    return compareCapture(await t, v);
  } catch (err) {
    await t.catch(() => undefined);
    return { packets: 0, framesCompared: 0, conversations: { tcp: 0, udp: 0 }, differences: [{ check: 'read', detail: String(err) }] };
  }
}

function skipReason(): string | null {
  if (!existsSync(CAPTURES)) return `${CAPTURES} not found (the shared data sits beside the repository)`;
  const t = findTshark();
  if ('missing' in t) return t.missing;
  return null;
}

const reason = skipReason();
if (reason) console.log(`differential test against tshark skipped: ${reason}`);

interface Result {
  capture: string;
  comparison: Comparison;
  /** Differences no exception explains. */
  unexplained: Difference[];
  explained: { difference: Difference; exception: DifferentialException }[];
}

async function pool<T, R>(items: T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await work(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

describe.skipIf(reason !== null)('differential: Vigil against tshark on ../shared/captures', () => {
  const results: Result[] = [];
  let tshark: TsharkInfo;

  beforeAll(async () => {
    tshark = findTshark() as TsharkInfo;
    const files = findCaptures(CAPTURES);
    const started = Date.now();
    const done = await pool(files, CONCURRENCY, async (file): Promise<Result> => {
      const capture = relative(CAPTURES, file).split(sep).join('/');
      const comparison = await compareFile(tshark, file);
      const unexplained: Difference[] = [];
      const explained: Result['explained'] = [];
      for (const d of comparison.differences) {
        const exception = EXCEPTIONS.find((e) => e.capture === capture && e.check === d.check && e.detail === d.detail);
        const why = exception ? uncovered(exception, d) : null;
        if (exception && !why) explained.push({ difference: d, exception });
        else unexplained.push(why ? { ...d, detail: `${d.detail}: the exception does not cover it: ${why}` } : d);
      }
      return { capture, comparison, unexplained, explained };
    });
    results.push(...done);
    console.log(`tshark ${tshark.version}: ${files.length} captures in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }, 600_000);

  it('finds the captures', () => {
    expect(results.length).toBeGreaterThan(0);
  });

  it('prints a summary per capture group and finds no unexplained difference', () => {
    const groups = new Map<string, Result[]>();
    for (const r of results) {
      const g = groupOf(r.capture);
      groups.set(g, [...(groups.get(g) ?? []), r]);
    }
    const lines: string[] = [];
    for (const [group, rs] of groups) {
      const sum = (f: (r: Result) => number) => rs.reduce((n, r) => n + f(r), 0);
      lines.push(
        `${group.padEnd(22)} files ${String(rs.length).padStart(3)}  packets ${String(sum((r) => r.comparison.framesCompared)).padStart(6)}` +
          `  tcp conv ${String(sum((r) => r.comparison.conversations.tcp)).padStart(5)}  udp conv ${String(sum((r) => r.comparison.conversations.udp)).padStart(4)}` +
          `  mismatches ${sum((r) => r.unexplained.length)} (+${sum((r) => r.explained.length)} excepted)`,
      );
    }
    console.log(lines.join('\n'));
    const report = results.flatMap((r) => r.unexplained.map((d) => `${r.capture}: ${d.check}: ${d.detail}`));
    expect(report).toEqual([]);
  });

  it('uses every exception, each for exactly one difference', () => {
    const used = new Map<DifferentialException, number>();
    for (const r of results) for (const e of r.explained) used.set(e.exception, (used.get(e.exception) ?? 0) + 1);
    const stale = EXCEPTIONS.filter((e) => used.get(e) !== 1).map((e) => `${e.capture}: ${e.check}: ${e.detail}`);
    expect(stale).toEqual([]);
  });
});

describe.skipIf(reason !== null)('differential: TCP port reuse, on a synthetic capture', () => {
  const port = (i: number) => 40001 + i;
  let tshark: TsharkCapture;
  let vigil: VigilCapture;
  let comparison: Comparison;

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-port-reuse-'));
    try {
      const file = join(dir, 'port-reuse.pcap');
      writeFileSync(file, pcapOf(PORT_REUSE_CASES.flatMap((c, i) => c.frames(port(i)))));
      [tshark, vigil] = await Promise.all([runTshark(findTshark() as TsharkInfo, file), runVigil(file)]);
      comparison = compareCapture(tshark, vigil);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);

  it('agrees on every frame and on the frames of every pair', () => {
    expect(comparison.packets).toBe(PORT_REUSE_CASES.reduce((n, c, i) => n + c.frames(port(i)).length, 0));
    expect(comparison.differences.filter((d) => d.check !== 'tcp-conversations')).toEqual([]);
  });

  PORT_REUSE_CASES.forEach((c, i) => {
    it(`${c.name}: tshark ${c.tsharkRows} conversation(s), vigil ${c.vigilFlows} flow(s)`, () => {
      const pair = pairKey(clientOf(port(i)), SERVER);
      const rows = tshark.conversations.tcp.filter((r) => pairKey(r.a, r.b) === pair).length;
      const flows = vigil.flows.filter((f) => f.proto === 'tcp' && f.l4Packets > 0 && pairKey(f.a, f.b) === pair).length;
      expect({ rows, flows }).toEqual({ rows: c.tsharkRows, flows: c.vigilFlows });
      // A case where the tools differ says why.
      expect(c.reason !== undefined).toBe(c.tsharkRows !== c.vigilFlows);
    });
  });
});
