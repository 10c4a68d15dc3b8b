/**
 * The capture `npm run bench` times every tool on: a simulated hospital from `vigil simulate`
 * (src/simulate), deterministic for a seed, at least the requested size (default 1 GiB).
 *
 * The simulator writes pcapng; the bare loop (bench/bare-loop.ts) reads classic pcap only, so the
 * pcapng is converted once with Wireshark's `editcap -F pcap` and every tool reads the same .pcap.
 * The output is not known in bytes beforehand: the hospital's size and span are calibrated per
 * gigabyte (smaller files, for quick checks, have fewer devices; larger ones a longer span) and, if
 * the result is short, the span is scaled up and the simulation run again (never by concatenating
 * copies, which would repeat every flow and address).
 *
 * Usage: node dist/bench/generate-capture.js [--size 1GiB] [--seed N] [--force] [--out FILE]
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultKnowledgeDir, simulate } from '../src/simulate/index.js';

/** Bump whenever the bytes produced for a given seed and size change, so caches are not reused. */
export const GENERATOR_VERSION = 2;
export const DEFAULT_SEED = 20250303;
export const DEFAULT_SIZE = 1024 * 1024 * 1024;

/**
 * A large hospital (thousands of hosts, most of them on tagged clinical VLANs) from the morning
 * shift change, with one port scan so detection has something to find. The calibration:
 * 4,000 devices made 1.14 GiB of pcap in 90 minutes (06:30 to 08:00), room to spare as the
 * catalogue changes; a shortfall costs a second, longer run.
 */
export const SIMULATION = { devicesPerGiB: 4000, maxDevices: 4000, minDevices: 150, secondsPerGiB: 5400, minSeconds: 5400, imageScale: 1, rateScale: 1, attacks: ['port-scan'] } as const;

/** Devices and seconds for a file of `size` bytes: fewer devices below 1 GiB, a longer span above. */
export function simulationFor(size: number): { devices: number; duration: number } {
  const gib = size / 2 ** 30;
  const devices = Math.min(SIMULATION.maxDevices, Math.max(SIMULATION.minDevices, Math.round(SIMULATION.devicesPerGiB * gib)));
  const duration = Math.max(SIMULATION.minSeconds, Math.ceil((SIMULATION.secondsPerGiB * gib * SIMULATION.devicesPerGiB) / devices / 60) * 60);
  return { devices, duration };
}
const MAX_ATTEMPTS = 4;

export interface GenerateStats {
  path: string;
  bytes: number;
  packets: number;
  devices: number;
  durationSeconds: number;
  attempts: number;
  /** Time in the simulator (last attempt) and its output rate, pcapng bytes per second. */
  simulateSeconds: number;
  simulateMBps: number;
  convertSeconds: number;
  seconds: number;
}

export function parseSize(s: string): number {
  const m = /^\s*(\d+(?:\.\d+)?(?:e\d+)?)\s*([kmgt]?)(i?)(b?)\s*$/i.exec(s);
  if (!m) throw new Error(`bad size: ${s}`);
  const unit = m[2].toLowerCase();
  const pow = unit === '' ? 0 : 'kmgt'.indexOf(unit) + 1;
  const binary = m[3] !== '' || m[4] === '';
  return Math.round(Number(m[1]) * (binary ? 1024 : 1000) ** pow);
}

export function formatSize(n: number): string {
  for (const [u, v] of [['GiB', 2 ** 30], ['MiB', 2 ** 20], ['KiB', 2 ** 10]] as const) {
    if (n >= v && n % v === 0) return `${n / v}${u}`;
  }
  return `${n}B`;
}

export function repoRoot(): string {
  let d = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(d, 'package.json'))) return d;
    d = dirname(d);
  }
  throw new Error('cannot find the repository root (package.json) above ' + fileURLToPath(import.meta.url));
}

export function cacheDir(): string {
  return join(repoRoot(), 'bench', '.cache');
}

export function capturePath(size: number, seed: number): string {
  return join(cacheDir(), `hospital-v${GENERATOR_VERSION}-seed${seed}-${formatSize(size)}.pcap`);
}

/**
 * What the capture's bytes depend on besides seed and size: the simulator's code, its data files and
 * the parameters above. GENERATOR_VERSION names the cache file; this only tells a stale one apart.
 */
export function simulatorFingerprint(): string {
  const h = createHash('sha256').update(JSON.stringify(SIMULATION));
  for (const dir of [fileURLToPath(new URL('../src/simulate/', import.meta.url)), defaultKnowledgeDir()]) {
    for (const f of readdirSync(dir).filter((n) => /\.(js|ts|json)$/.test(n)).sort()) h.update(f).update(readFileSync(join(dir, f)));
  }
  return h.digest('hex').slice(0, 16);
}

/**
 * The smallest classic pcap the converted pcapng can make: each 32-byte EPB header and its up to 3
 * bytes of padding become a 16-byte record header, and the pcapng header blocks a 24-byte one.
 */
function pcapLowerBound(pcapngBytes: number, packets: number): number {
  return pcapngBytes - 19 * packets - 512;
}

export function generateCapture(path: string, size: number, seed: number, log: (s: string) => void = (s) => process.stderr.write(s)): GenerateStats {
  mkdirSync(dirname(path), { recursive: true });
  const editcap = spawnSync('editcap', ['-h'], { encoding: 'utf8' });
  if (editcap.error) {
    throw new Error('editcap is needed to convert the simulator\'s pcapng to the classic pcap the bare loop reads ' +
      '(Debian package wireshark-common, installed with tshark by bench/install-tools.sh)');
  }
  const ng = `${path}.pcapng.partial-${process.pid}`;
  const tmp = `${path}.partial-${process.pid}`;
  const t0 = process.hrtime.bigint();
  const plan = simulationFor(size);
  const devices = plan.devices;
  let duration = plan.duration;
  try {
    let attempt = 0;
    for (;;) {
      attempt++;
      log(`simulating ${devices} devices for ${duration} s (seed ${seed}) into ${ng}...\n`);
      const r = simulate({
        seed, devices, duration, imageScale: SIMULATION.imageScale, rateScale: SIMULATION.rateScale,
        attacks: [...SIMULATION.attacks], out: ng,
      });
      const mbps = r.bytes / 1e6 / r.seconds;
      log(`  ${(r.bytes / 2 ** 20).toFixed(1)} MiB pcapng, ${r.packets} packets in ${r.seconds.toFixed(1)} s (${mbps.toFixed(0)} MB/s)\n`);
      const low = pcapLowerBound(r.bytes, r.packets);
      if (low < size) {
        if (attempt >= MAX_ATTEMPTS) throw new Error(`the simulator made ${r.bytes} bytes in ${duration} s after ${attempt} attempts, short of ${size}`);
        // Deterministic: the next duration depends only on this run's (deterministic) output.
        duration = Math.ceil((duration * (size / Math.max(low, 1)) * 1.05) / 60) * 60;
        log(`  short of ${formatSize(size)} once converted; again with a longer span\n`);
        continue;
      }
      const c0 = process.hrtime.bigint();
      const cv = spawnSync('editcap', ['-F', 'pcap', ng, tmp], { encoding: 'utf8' });
      if (cv.status !== 0) throw new Error(`editcap -F pcap failed (exit ${cv.status}): ${(cv.stderr ?? '').trim()}`);
      const convertSeconds = Number(process.hrtime.bigint() - c0) / 1e9;
      rmSync(ng, { force: true });
      renameSync(tmp, path);
      const bytes = statSync(path).size;
      const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
      const st: GenerateStats = {
        path, bytes, packets: r.packets, devices: r.devices, durationSeconds: duration, attempts: attempt,
        simulateSeconds: r.seconds, simulateMBps: mbps, convertSeconds, seconds,
      };
      // The parameters beside the file, so a figure can be traced to the hospital it was measured on.
      writeFileSync(`${path}.json`, JSON.stringify({ generatorVersion: GENERATOR_VERSION, seed, size, simulator: simulatorFingerprint(), simulation: { ...SIMULATION, devices, durationSeconds: duration }, ...st }, null, 2) + '\n');
      log(`converted to pcap in ${convertSeconds.toFixed(1)} s: ${path} (${(bytes / 2 ** 20).toFixed(1)} MiB), ${seconds.toFixed(1)} s in all\n`);
      return st;
    }
  } finally {
    rmSync(ng, { force: true });
    rmSync(tmp, { force: true });
  }
}

/**
 * Returns the cached capture for (size, seed), generating it first if it is absent. A cached file
 * the simulator would no longer make is kept (figures stay comparable) but said to be stale.
 */
export function ensureCapture(size: number, seed: number, log: (s: string) => void = (s) => process.stderr.write(s)): { path: string; generated: boolean } {
  const path = capturePath(size, seed);
  if (existsSync(path) && statSync(path).size > 0) {
    let made: string | undefined;
    try {
      made = (JSON.parse(readFileSync(`${path}.json`, 'utf8')) as { simulator?: string }).simulator;
    } catch {
      made = undefined;
    }
    if (made !== simulatorFingerprint()) {
      log(`note: ${path} was made by another version of the simulator (code or knowledge/simulator changed since); ` +
        `delete it, or run node dist/bench/generate-capture.js --force, for a capture from this one\n`);
    }
    return { path, generated: false };
  }
  generateCapture(path, size, seed, log);
  return { path, generated: true };
}

function main(argv: string[]): void {
  let size = DEFAULT_SIZE;
  let seed = DEFAULT_SEED;
  let force = false;
  let out: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const val = (): string => {
      const v = a.includes('=') ? a.slice(a.indexOf('=') + 1) : argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a.startsWith('--size')) size = parseSize(val());
    else if (a.startsWith('--seed')) seed = Number(val()) >>> 0;
    else if (a === '--force') force = true;
    else if (a.startsWith('--out')) out = resolve(val());
    else if (a === '-h' || a === '--help') {
      process.stdout.write('usage: generate-capture [--size 1GiB] [--seed N] [--force] [--out FILE]\n');
      return;
    } else throw new Error(`unknown argument: ${a}`);
  }
  const path = out ?? capturePath(size, seed);
  if (!force && existsSync(path)) {
    process.stdout.write(`${path} (cached)\n`);
    return;
  }
  generateCapture(path, size, seed);
  process.stdout.write(`${path}\n`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2));
}
