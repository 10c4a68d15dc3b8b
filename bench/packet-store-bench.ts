/**
 * The cost of writing the packet store while reading a capture: the same file is read and decoded
 * (CaptureReader + PacketDecoder, as `vigil analyze` does before any dissector) with and without
 * PacketStore.append on every packet, alternately, and the fastest run of each is kept. The store's cost
 * is the difference, reported against the reading pass and against `vigil analyze`'s wall time on the
 * same file from `npm run bench` (bench/.cache/last-run.json) when that run exists. Target: ≤ 20%.
 *
 * With --analyze, `vigil analyze --no-db FILE` (dist/src/cli/main.js) is timed in the same alternation, so
 * the comparison is made under the same machine load.
 *
 * Usage: node dist/bench/packet-store-bench.js [FILE] [--runs N] [--segment-mib N] [--max-mib N] [--key] [--analyze]
 * FILE defaults to the `npm run bench` capture in bench/.cache, else data/demo/hospital-demo.pcapng.gz.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { readCaptureFile } from '../src/capture/capture-reader.js';
import { PacketDecoder } from '../src/decode/packet-decoder.js';
import { PacketStore } from '../src/forensics/packet-store.js';
import { cacheDir, capturePath, DEFAULT_SEED, DEFAULT_SIZE, repoRoot } from './generate-capture.js';

interface Pass {
  seconds: number;
  packets: number;
  bytes: number;
  storeBytes: number;
  dropped: number;
}

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function pass(file: string, storeDir: string | null, segmentBytes: number, maxBytes: number, key: Buffer | undefined, hashSegments = true): Promise<Pass> {
  const decoder = new PacketDecoder();
  const store = storeDir ? PacketStore.open(storeDir, { segmentBytes, maxBytes, maxAgeS: 365 * 86400, key, hashSegments }) : null;
  let packets = 0;
  let sink = 0;
  const t0 = process.hrtime.bigint();
  const r = await readCaptureFile(file, {
    packet(rec) {
      const p = decoder.decode(rec);
      packets++;
      // Keeps the decode from being optimised away when nothing else reads it.
      sink += p.srcPort;
      store?.append(rec, p);
    },
  });
  store?.close();
  // Segment hashes are computed on a worker thread; the pass ends when they are recorded.
  await store?.drain();
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  if (sink < 0) console.log(sink);
  let storeBytes = 0;
  if (storeDir) for (const f of readdirSync(storeDir)) storeBytes += statSync(join(storeDir, f)).size;
  return { seconds, packets, bytes: r.bytes, storeBytes, dropped: store?.stats().dropped.packets ?? 0 };
}

async function main(): Promise<void> {
  const positional = process.argv.slice(2).find((a, i, all) => !a.startsWith('--') && !(i > 0 && all[i - 1].startsWith('--') && all[i - 1] !== '--key'));
  const benchCapture = capturePath(DEFAULT_SIZE, DEFAULT_SEED);
  const file = positional ?? (existsSync(benchCapture) ? benchCapture : join(repoRoot(), 'data/demo/hospital-demo.pcapng.gz'));
  const runs = Number(arg('--runs') ?? 3);
  const segmentBytes = Number(arg('--segment-mib') ?? 64) * 2 ** 20;
  const maxBytes = Number(arg('--max-mib') ?? 512) * 2 ** 20;
  const key = process.argv.includes('--key') ? randomBytes(32) : undefined;
  console.log(`capture ${file} (${(statSync(file).size / 2 ** 20).toFixed(0)} MiB on disk)`);
  console.log(`store: segments ${segmentBytes / 2 ** 20} MiB, bound ${maxBytes / 2 ** 20} MiB${key ? ', AES-256-GCM' : ''}; ${runs} alternating runs each, fastest kept`);
  let base: Pass | null = null;
  let withStore: Pass | null = null;
  let noHash: Pass | null = null;
  const inStore = async (hash: boolean): Promise<Pass> => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-store-bench-'));
    try {
      return await pass(file, dir, segmentBytes, maxBytes, key, hash);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
  const analyze = process.argv.includes('--analyze');
  let analyzeBest = Infinity;
  const main = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
  for (let i = 0; i < runs; i++) {
    if (analyze) {
      const t = process.hrtime.bigint();
      const r = spawnSync(process.execPath, [main, 'analyze', '--no-db', file], { stdio: 'ignore' });
      const sec = Number(process.hrtime.bigint() - t) / 1e9;
      if (r.status === 0) analyzeBest = Math.min(analyzeBest, sec);
      console.log(`  run ${i + 1}: vigil analyze ${r.status === 0 ? sec.toFixed(2) + ' s' : 'failed (exit ' + r.status + ')'}`);
    }
    const b = await pass(file, null, segmentBytes, maxBytes, key);
    const s = await inStore(true);
    const n = await inStore(false);
    console.log(`  run ${i + 1}: read+decode ${b.seconds.toFixed(2)} s, with store ${s.seconds.toFixed(2)} s, with store without segment hashes ${n.seconds.toFixed(2)} s`);
    if (!base || b.seconds < base.seconds) base = b;
    if (!withStore || s.seconds < withStore.seconds) withStore = s;
    if (!noHash || n.seconds < noHash.seconds) noHash = n;
  }
  const b = base!;
  const s = withStore!;
  const cost = s.seconds - b.seconds;
  const mb = b.bytes / 1e6;
  console.log(`packets ${b.packets}, ${mb.toFixed(0)} MB of capture`);
  console.log(`read+decode:             ${b.seconds.toFixed(2)} s (${(b.packets / b.seconds / 1e3).toFixed(0)} kpkt/s, ${(mb / b.seconds).toFixed(0)} MB/s)`);
  console.log(`read+decode+store:       ${s.seconds.toFixed(2)} s (${(s.packets / s.seconds / 1e3).toFixed(0)} kpkt/s); store on disk at the end ${(s.storeBytes / 2 ** 20).toFixed(0)} MiB, ${s.dropped} packets dropped by retention`);
  console.log(`store cost:              ${cost.toFixed(2)} s = ${((100 * cost) / b.seconds).toFixed(1)}% of read+decode`);
  console.log(`  without segment hashes: ${(noHash!.seconds - b.seconds).toFixed(2)} s (hashSegments: false)`);
  if (Number.isFinite(analyzeBest)) {
    const share = cost / analyzeBest;
    console.log(`vs vigil analyze (same runs): ${analyzeBest.toFixed(2)} s: the store adds ${(100 * share).toFixed(1)}% (target ≤ 20%: ${share <= 0.2 ? 'met' : 'NOT met'})`);
  }
  const last = join(cacheDir(), 'last-run.json');
  if (file === benchCapture && existsSync(last)) {
    const run = JSON.parse(readFileSync(last, 'utf8')) as { date: string; results: { id: string; status: string; wallSeconds?: number }[] };
    const vigil = run.results.find((r) => r.id === 'vigil' && r.status === 'ok');
    if (vigil?.wallSeconds) {
      const share = cost / vigil.wallSeconds;
      console.log(`vs vigil analyze:        ${vigil.wallSeconds.toFixed(2)} s in npm run bench (${run.date}): the store adds ${(100 * share).toFixed(1)}% (target ≤ 20%: ${share <= 0.2 ? 'met' : 'NOT met'})`);
    }
  } else {
    console.log('vs vigil analyze:        run `npm run bench` first (and bench the same capture) to compare with its wall time');
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : String(err));
  process.exitCode = 1;
});
