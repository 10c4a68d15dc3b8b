/**
 * `npm run bench:store`: the inventory store's targets (docs/benchmark.md):
 *   - ingest of 1 M observations into SQLite at >= 200k observations/s;
 *   - with 100k devices in the store, the inventory query (a page of devices, newest first, and
 *     one category's page) in <= 50 ms.
 * Also prints, for information, reading all 100k devices and the same ingest into PostgreSQL
 * when one is reachable (VIGIL_BENCH_PG, default postgres://postgres@127.0.0.1:5432/postgres).
 *
 * Usage: node dist/bench/store-bench.js [--observations 1000000] [--devices 100000] [--skip-pg]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { InventoryStore } from '../src/store/inventory-store.js';
import { Rng } from '../src/simulate/rng.js';
import { fillDevices } from './synthetic-devices.js';

const TARGET_INGEST_PER_S = 200_000;
const TARGET_QUERY_MS = 50;
const KEYS = ['dhcp.hostname', 'dhcp.param_request_list', 'dhcp.vendor_class', 'http.user_agent', 'tls.ja3', 'tls.sni', 'dns.query', 'ntp.version', 'snmp.sysdescr', 'hl7.message_type'];

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}

async function ingest(store: InventoryStore, deviceIds: number[], n: number, rng: Rng): Promise<number> {
  const capture = await store.addCapture({ name: 'bench', packets: 0, bytes: 0, first_ts: 0, last_ts: 0 });
  const rows: Parameters<InventoryStore["upsertObservations"]>[0][number][] = [];
  for (let i = 0; i < n; i++) {
    const key = KEYS[i % KEYS.length];
    rows.push({ device_id: deviceIds[i % deviceIds.length], key, value: JSON.stringify(`${key}-value-${Math.floor(i / deviceIds.length)}-${rng.below(1000)}`), count: 1, first_ts: 1e9 + i, last_ts: 1e9 + i, capture_id: capture, flow: i });
  }
  const t0 = process.hrtime.bigint();
  await store.transaction((s) => s.upsertObservations(rows));
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

async function timeQuery(run: () => Promise<unknown[]>, repeat = 20): Promise<{ ms: number; rows: number }> {
  let best = Infinity;
  let rows = 0;
  for (let i = 0; i < repeat; i++) {
    const t0 = process.hrtime.bigint();
    rows = (await run()).length;
    best = Math.min(best, Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return { ms: best, rows };
}

const verdict = (ok: boolean) => (ok ? 'meets target' : 'MISSES target');

async function sqliteBench(observations: number, devices: number): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-store-bench-'));
  try {
    const rng = new Rng(7);
    const store = await InventoryStore.open(join(dir, 'bench.db'));
    const ids = await fillDevices(store, 10_000, rng);
    const s = await ingest(store, ids, observations, rng);
    const rate = observations / s;
    console.log(`SQLite ingest: ${observations.toLocaleString('en')} observations in ${s.toFixed(2)} s = ${Math.round(rate).toLocaleString('en')}/s (target >= ${TARGET_INGEST_PER_S.toLocaleString('en')}/s: ${verdict(rate >= TARGET_INGEST_PER_S)})`);
    const s2 = await ingest(store, ids, observations, rng);
    console.log(`SQLite ingest into a store already holding them: ${Math.round(observations / s2).toLocaleString('en')}/s`);
    await fillDevices(store, devices - 10_000, rng, 10_000);
    const total = (await store.allDeviceIds()).length;
    const page = await timeQuery(() => store.devices({ limit: 100 }));
    const cat = await timeQuery(() => store.devices({ category: 'infusion-pump', limit: 100 }));
    const all = await timeQuery(() => store.devices(), 3);
    console.log(`SQLite inventory with ${total.toLocaleString('en')} devices: first page (100, newest first) ${page.ms.toFixed(2)} ms, one category's page ${cat.ms.toFixed(2)} ms (target <= ${TARGET_QUERY_MS} ms: ${verdict(page.ms <= TARGET_QUERY_MS && cat.ms <= TARGET_QUERY_MS)}); all ${all.rows.toLocaleString('en')} devices ${all.ms.toFixed(0)} ms`);
    await store.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function postgresBench(observations: number): Promise<void> {
  const admin = process.env.VIGIL_BENCH_PG ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const name = `vigil_bench_${process.pid}`;
  const c = new pg.Client({ connectionString: admin, connectionTimeoutMillis: 3000 });
  try {
    await c.connect();
  } catch (err) {
    console.log(`PostgreSQL: not reachable at ${admin} (${(err as Error).message}); skipped`);
    return;
  }
  await c.query(`create database ${name}`);
  try {
    const u = new URL(admin);
    u.pathname = `/${name}`;
    const store = await InventoryStore.open(u.toString());
    const rng = new Rng(7);
    const ids = await fillDevices(store, 10_000, rng);
    const s = await ingest(store, ids, observations, rng);
    console.log(`PostgreSQL ingest (for information): ${observations.toLocaleString('en')} observations in ${s.toFixed(2)} s = ${Math.round(observations / s).toLocaleString('en')}/s`);
    await store.close();
  } finally {
    await c.query(`drop database if exists ${name} with (force)`);
    await c.end();
  }
}

const observations = arg('observations', 1_000_000);
const devices = arg('devices', 100_000);
await sqliteBench(observations, devices);
if (!process.argv.includes('--skip-pg')) await postgresBench(observations);
