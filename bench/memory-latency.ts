/**
 * How long one read at a random place in memory takes on this machine, for working sets of a few
 * sizes: a dependent chain of reads (each address comes from the previous read, so the CPU cannot
 * overlap them), one read per 64-byte line, in a random cycle that visits every line once.
 *
 * Why the benchmark prints it: the bare loop touches the packet in hand and a small flow table,
 * while `vigil analyze` also reads each flow's state, its dissector's session and the facts already
 * reported, at places that change from packet to packet. Beyond the last-level cache, each of those
 * reads waits for memory. Two machines with the same bare-loop time can therefore give different
 * "vigil / bare loop" ratios, and this line tells a reader which kind of machine a figure came from.
 *
 * Usage: node dist/bench/memory-latency.js [--json]
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface LatencyPoint {
  mib: number;
  ns: number;
}

const LINE_WORDS = 16;

/** A fixed generator, so every run walks the same cycle. */
function xorshift(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s;
  };
}

/** Nanoseconds per read over a working set of `mib` MiB; the fastest of `rounds` walks of `reads` reads. */
export function latencyAt(mib: number, reads = 4_000_000, rounds = 3): number {
  const lines = Math.max(2, Math.floor((mib * 1024 * 1024) / (LINE_WORDS * 4)));
  const next = new Int32Array(lines * LINE_WORDS);
  // Sattolo's shuffle: a single cycle through every line.
  const order = new Int32Array(lines);
  for (let i = 0; i < lines; i++) order[i] = i;
  const random = xorshift(0x9e3779b9 ^ lines);
  for (let i = lines - 1; i > 0; i--) {
    const j = random() % i;
    const t = order[i];
    order[i] = order[j];
    order[j] = t;
  }
  for (let i = 0; i < lines; i++) next[order[i] * LINE_WORDS] = order[(i + 1) % lines] * LINE_WORDS;
  let best = Infinity;
  let at = 0;
  for (let r = 0; r < rounds; r++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < reads; i++) at = next[at];
    best = Math.min(best, Number(process.hrtime.bigint() - t0) / reads);
  }
  // Using `at` keeps the chain from being optimised away.
  if (at < 0) throw new Error('unreachable');
  return best;
}

/** The default sizes: inside the per-core caches, around a typical last-level cache, and well past it. */
export function memoryLatency(sizes: readonly number[] = [1, 4, 16, 64]): LatencyPoint[] {
  return sizes.map((mib) => ({ mib, ns: Math.round(latencyAt(mib) * 10) / 10 }));
}

export function formatLatency(points: readonly LatencyPoint[]): string {
  return points.map((p) => `${p.mib} MiB ${p.ns.toFixed(0)} ns`).join(', ');
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const points = memoryLatency();
  process.stdout.write(process.argv.includes('--json') ? JSON.stringify(points) + '\n' : `random read latency: ${formatLatency(points)}\n`);
}
