/**
 * `npm run bench:central`: the scale-out target (docs/scale-out.md): a central service ingests
 * >= 50,000 observations (stored facts) per second into PostgreSQL on this machine.
 *
 * Simulated hospitals are analysed by sensors and published to the real JetStream (127.0.0.1:4222,
 * a namespace of the benchmark's own); then one, and then two, central processes (child processes
 * sharing one durable consumer, as in production) store them into a fresh PostgreSQL database.
 * Two workloads:
 *   - first contact: each site's first window (every device new, every fact new): the ingest rate,
 *     facts stored / seconds from the first central process ready to consume to the last window stored.
 *     Twelve sites by default: a central service runs for weeks, and a freshly started process spends
 *     its first few windows compiling its own code (four windows stored in a new process took 3.0-3.5 s
 *     of CPU, the same four stored again in that process 1.6-2.3 s; docs/benchmark.md). Twelve still count
 *     that start, spread over a health system's worth of sites rather than a handful;
 *   - a running site: one hospital in one-minute windows, where later windows mostly update known
 *     devices: the time per window.
 *
 * Usage: node dist/bench/central-bench.js [--sites 12] [--devices 1500] [--duration 10m] [--window 60] [--skip-two] [--concurrency N] [--cpu-prof DIR]
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { openNatsLink, removeNamespace } from '../src/scale/nats-link.js';
import { SensorRun } from '../src/scale/sensor-run.js';

const TARGET = 50_000;
const NATS = process.env.VIGIL_BENCH_NATS ?? 'nats://127.0.0.1:4222';
const PG_ADMIN = process.env.VIGIL_BENCH_PG ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const VIGIL = fileURLToPath(new URL('../../bin/vigil.js', import.meta.url));

/** `--cpu-prof DIR`: each central process writes a V8 CPU profile there, to see where a window's time goes. */
/** `--concurrency N`: windows each central process stores at once (the service's default otherwise). */
const CONCURRENCY = process.argv.includes('--concurrency') ? ['--concurrency', process.argv[process.argv.indexOf('--concurrency') + 1]] : [];
const PROFILE = process.argv.includes('--cpu-prof') ? ['--cpu-prof', '--cpu-prof-dir', process.argv[process.argv.indexOf('--cpu-prof') + 1]] : [];

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
}

/** CPU seconds (user + system) a process has used so far, from /proc; 0 where there is none. */
function cpuSeconds(pid: number | undefined): number {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(f[11]) + Number(f[12])) / 100;
  } catch {
    return 0;
  }
}

/** Runs vigil; `ready` and `lastStored` are when the process said it was consuming and when it last stored a window; `cpu` its CPU seconds. */
function run(args: string[]): Promise<{ code: number | null; err: string; ready: number | null; lastStored: number | null; cpu: number }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...PROFILE, VIGIL, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    // Sampled while it runs: once it has exited, /proc no longer has it.
    let cpu = 0;
    const sampler = setInterval(() => (cpu = Math.max(cpu, cpuSeconds(child.pid))), 100);
    let err = '';
    let ready: number | null = null;
    let lastStored: number | null = null;
    child.stderr.on('data', (d: Buffer) => {
      const text = d.toString();
      err += text;
      if (ready === null && /consuming /.test(text)) ready = performance.now();
      if (/stored \S+ \(/.test(text)) lastStored = performance.now();
    });
    child.on('close', (code) => {
      clearInterval(sampler);
      resolve({ code, err, ready, lastStored, cpu });
    });
  });
}

async function publish(pcap: string, siteFile: string, site: string, namespace: string, windowS: number, spool: string): Promise<number> {
  const sensor = new SensorRun({ site, sensorId: `${site}-sensor`, publish: NATS, namespace, spoolDir: spool, spoolMaxBytes: 4 * 1024 ** 3, windowS, zonesFile: siteFile, detect: true, flushTimeoutS: 120, log: () => undefined });
  await sensor.start();
  await sensor.read(pcap);
  const r = await sensor.end(sensor.finishAndCut(pcap));
  if (r.spooled > 0) throw new Error(`${r.spooled} windows could not be published`);
  return r.published;
}

/** Parses `stored <batch> (...): N devices (...), F facts, ... in X ms` lines, with the time each was printed. */
async function centrals(n: number, namespace: string, db: string, admin: pg.Client): Promise<{ facts: number; windows: number; seconds: number; perWindowMs: number[]; cpu: number; pgCpu: number }> {
  const children = Array.from({ length: n }, () => run(['central', '--nats', NATS, '--namespace', namespace, '--postgres', db, '--durable', 'bench', '--analytics-interval', '0', '--idle-exit', '2', ...CONCURRENCY]));
  // The PostgreSQL server processes serving the benchmark's database, sampled while they live.
  const name = db.slice(db.lastIndexOf('/') + 1);
  const backends = new Map<number, number>();
  let sampling = true;
  const sample = async () => {
    while (sampling) {
      const r = await admin.query('select pid from pg_stat_activity where datname = $1', [name]).catch(() => ({ rows: [] as { pid: number }[] }));
      for (const { pid } of r.rows) backends.set(pid, Math.max(backends.get(pid) ?? 0, cpuSeconds(pid)));
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  const sampler = sample();
  const results = await Promise.all(children);
  sampling = false;
  await sampler;
  // Ingest time: from the first process consuming (started, store migrated, consumer bound) to the
  // last window committed. Process start-up and the idle wait before leaving are not ingest.
  const readyAt = Math.min(...results.map((r) => r.ready ?? Infinity));
  const doneAt = Math.max(...results.map((r) => r.lastStored ?? -Infinity));
  const seconds = (doneAt - readyAt) / 1000;
  let facts = 0;
  let windows = 0;
  const perWindowMs: number[] = [];
  for (const r of results) {
    if (r.code !== 0) throw new Error(`central failed: ${r.err}`);
    for (const m of r.err.matchAll(/stored \S+ \(\S+\): \d+ devices \(\d+ new\), (\d+) facts, \d+ alerts in (\d+) ms/g)) {
      facts += Number(m[1]);
      windows++;
      perWindowMs.push(Number(m[2]));
    }
  }
  return { facts, windows, seconds, perWindowMs, cpu: results.reduce((n, r) => n + r.cpu, 0), pgCpu: [...backends.values()].reduce((n, c) => n + c, 0) };
}

async function main(): Promise<void> {
  const devices = arg('devices', '1500');
  const duration = arg('duration', '10m');
  const windowS = Number(arg('window', '60'));
  const dir = mkdtempSync(join(tmpdir(), 'vigil-central-bench-'));
  const admin = new pg.Client({ connectionString: PG_ADMIN });
  await admin.connect();
  const dbs: string[] = [];
  const sites = Number(arg('sites', '12'));
  const ingest = async (label: string, captures: { pcap: string; siteFile: string; site: string }[], windowS: number, processes: number) => {
    const namespace = `bench${process.pid}${label}${processes}`;
    let windows = 0;
    for (const c of captures) windows += await publish(c.pcap, c.siteFile, c.site, namespace, windowS, join(dir, `spool-${namespace}-${c.site}`));
    const name = `vigil_central_bench_${process.pid}_${label}_${processes}`;
    await admin.query(`create database ${name}`);
    dbs.push(name);
    const r = await centrals(processes, namespace, PG_ADMIN.replace(/\/[^/]*$/, `/${name}`), admin);
    const link = await openNatsLink(NATS, 'vigil-bench-cleanup', { namespace });
    await removeNamespace(link);
    await link.close();
    if (r.windows !== windows) throw new Error(`published ${windows} windows, stored ${r.windows}`);
    return r;
  };
  try {
    const captures = [];
    for (let i = 0; i < sites; i++) {
      const pcap = join(dir, `site${i}.pcapng`);
      const siteFile = join(dir, `site${i}.yaml`);
      const sim = await run(['simulate', '--seed', String(100 + i), '--devices', devices, '--duration', duration, '--out', pcap, '--site', siteFile]);
      if (sim.code !== 0) throw new Error(`simulate failed: ${sim.err}`);
      captures.push({ pcap, siteFile, site: `site${i}` });
    }
    for (const processes of process.argv.includes('--skip-two') ? [1] : [1, 2]) {
      const r = await ingest('first', captures, 0, processes);
      const rate = r.facts / r.seconds;
      console.log(
        `first contact, central x${processes}: ${r.windows} sites' first windows (${devices} devices each), ${r.facts.toLocaleString('en')} facts in ${r.seconds.toFixed(2)} s = ${Math.round(rate).toLocaleString('en')} facts/s; ` +
          `target >= ${TARGET.toLocaleString('en')}/s: ${rate >= TARGET ? 'meets target' : 'MISSES target'}; ` +
          `CPU: central ${r.cpu.toFixed(2)} s (with start-up), PostgreSQL backends ${r.pgCpu.toFixed(2)} s; load average ${loadavg()[0].toFixed(2)}`,
      );
    }
    const r = await ingest('running', captures.slice(0, 1), windowS, 1);
    const sorted = [...r.perWindowMs].sort((a, b) => a - b);
    console.log(`running site, central x1: ${r.windows} windows of ${windowS} s (${devices} devices), ${r.facts.toLocaleString('en')} facts; per window: first ${r.perWindowMs[0]} ms, median ${sorted[sorted.length >> 1]} ms, max ${sorted[sorted.length - 1]} ms`);
  } finally {
    for (const name of dbs) await admin.query(`drop database if exists ${name} with (force)`).catch(() => undefined);
    await admin.end();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exitCode = 1;
});
