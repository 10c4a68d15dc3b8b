/**
 * Scale-out against the real NATS JetStream and PostgreSQL on this machine: two sensors on two
 * simulated hospitals feed one central service, whose view must equal analysing each capture
 * locally; and windows are stored exactly once when a central process dies mid-batch.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyzeCommand } from '../../src/cli/analyze-command.js';
import { InventoryStore } from '../../src/store/inventory-store.js';
import { VIGIL } from '../cli/cli-helpers.js';
import { PG_ADMIN_URL, pgSkipReason, postgresTarget } from '../store/store-targets.js';
import { central, dropNamespace, NATS_URL, natsSkipReason, runSensor, simulatedSites, type SiteCapture } from './scale-fixture.js';

const skip = natsSkipReason ?? pgSkipReason;
const FIXTURES = join(tmpdir(), 'vigil-scale-sites');

/** What a site's inventory says, in terms both a local and a central store can answer. */
async function siteView(spec: string, site: string | null) {
  const store = await InventoryStore.open(spec);
  try {
    let q = store.db.selectFrom('devices').select(['id', 'mac', 'ip', 'hostname', 'vendor', 'model', 'firmware', 'os', 'category', 'role', 'zone', 'vlan']);
    if (site) q = q.where((eb) => eb.exists(eb.selectFrom('device_sites').select('device_id').whereRef('device_sites.device_id', '=', 'devices.id').where('device_sites.site', '=', site)));
    const devices = await q.execute();
    const label = new Map(devices.map((d) => [Number(d.id), `${d.mac ?? ''}|${d.ip ?? ''}`]));
    const obs = await store.db.selectFrom('observations').select(['device_id', 'key', 'value', 'count']).where('device_id', 'in', [...label.keys(), -1]).execute();
    const conns = await store.db.selectFrom('connections').select(['client_id', 'server_id', 'transport', 'port', 'flows', 'bytes']).where('client_id', 'in', [...label.keys(), -1]).execute();
    return {
      devices: devices.map((d) => [d.mac, d.ip, d.hostname, d.vendor, d.model, d.firmware, d.os, d.category, d.role, d.zone, d.vlan].join('|')).sort(),
      observations: obs.map((o) => `${label.get(Number(o.device_id))}|${o.key}|${o.value}|${o.count}`).sort(),
      connections: conns.map((c) => `${label.get(Number(c.client_id))}>${label.get(Number(c.server_id))}|${c.transport}/${c.port}|${c.flows}|${c.bytes}`).sort(),
    };
  } finally {
    await store.close();
  }
}

async function count(spec: string, sql: (s: InventoryStore) => Promise<number>): Promise<number> {
  const store = await InventoryStore.open(spec);
  try {
    return await sql(store);
  } finally {
    await store.close();
  }
}

describe.skipIf(!!skip)('scale-out: sensors, NATS JetStream, central, PostgreSQL', () => {
  const pgTarget = postgresTarget();
  const dirs: string[] = [];
  const namespaces: string[] = [];
  let sites: SiteCapture[];
  const tmp = () => {
    const d = mkdtempSync(join(tmpdir(), 'vigil-scale-'));
    dirs.push(d);
    return d;
  };
  const namespace = (tag: string) => {
    const ns = `vt${process.pid}${tag}`;
    namespaces.push(ns);
    return ns;
  };

  beforeAll(() => {
    sites = simulatedSites(FIXTURES, [
      { site: 'north', seed: 11 },
      { site: 'south', seed: 12 },
    ]);
  }, 120_000);
  afterAll(async () => {
    for (const ns of namespaces) await dropNamespace(ns).catch(() => undefined);
    await pgTarget.cleanup();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('two sensors on two sites feed one central, whose view equals analysing each capture locally', async () => {
    const ns = namespace('union');
    for (const s of sites) {
      const { result } = await runSensor(s, { namespace: ns, spoolDir: join(tmp(), 'spool') });
      expect(result.published).toBe(1);
      expect(result.spooled).toBe(0);
    }
    const pg = await pgTarget.create();
    // With analytics on, the central service also scores every device it stored.
    const c = central({ nats: NATS_URL, namespace: ns, store: pg, analyticsIntervalS: 1 });
    const stats = await c.run();
    expect(stats.analyticsRuns).toBeGreaterThanOrEqual(1);
    console.log(`union: ${stats.stored} windows stored, ${stats.observations} facts, ${stats.duplicates} duplicates, ${stats.rejected} rejected`);
    expect(stats).toMatchObject({ stored: 2, duplicates: 0, rejected: 0 });

    for (const s of sites) {
      const local = join(tmp(), 'local.db');
      await analyzeCommand([s.pcap], { db: local, site: s.siteFile, quiet: true });
      const want = await siteView(local, null);
      const got = await siteView(pg, s.site);
      expect(want.devices.length).toBeGreaterThan(50);
      expect(got.devices).toEqual(want.devices);
      expect(got.observations).toEqual(want.observations);
      expect(got.connections).toEqual(want.connections);
    }
    // Nothing of one site leaks into the other: the sites' devices are disjoint and add up.
    const total = await count(pg, async (st) => Number((await st.db.selectFrom('devices').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n));
    const north = (await siteView(pg, 'north')).devices.length;
    const south = (await siteView(pg, 'south')).devices.length;
    expect(north + south).toBe(total);
    const scored = await count(pg, async (st) => Number((await st.db.selectFrom('device_risk').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n));
    expect(scored).toBe(total);
    // Alerts arrive with their site, once each.
    const alerts = await count(pg, async (st) => (await st.db.selectFrom('alerts').select(['site']).where('site', 'in', ['north', 'south']).execute()).length);
    expect(alerts).toBeGreaterThan(0);
  }, 240_000);

  it('a central process killed mid-batch: another takes over and every window is stored once', async () => {
    const ns = namespace('kill');
    let sent = 0;
    for (const s of sites) {
      // Two-minute windows: several per site, so the kill lands with windows still to do.
      const { result } = await runSensor(s, { namespace: ns, spoolDir: join(tmp(), 'spool'), windowS: 120 });
      expect(result.spooled).toBe(0);
      sent += result.published;
    }
    expect(sent).toBeGreaterThanOrEqual(10);
    const pg = await pgTarget.create();

    // The first central runs as its own process. After its first window it is killed with SIGKILL the
    // moment PostgreSQL shows it inside a transaction: in the middle of storing a window. It stores
    // one window at a time, so the one it dies holding is the only one open.
    const child = spawn(process.execPath, [VIGIL, 'central', '--nats', NATS_URL, '--namespace', ns, '--postgres', pg, '--durable', 'shared', '--analytics-interval', '0', '--ack-wait', '4', '--concurrency', '1'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    const closed = new Promise((r) => child.on('close', r));
    const dbName = new URL(pg).pathname.slice(1);
    const watcher = new (await import('pg')).default.Client({ connectionString: PG_ADMIN_URL });
    await watcher.connect();
    try {
      const until = Date.now() + 60_000;
      for (;;) {
        if (Date.now() > until || child.exitCode !== null) throw new Error(`the central process was never caught mid-window:\n${err}`);
        if (/stored \S+/.test(err)) {
          const open = await watcher.query(`select count(*)::int as n from pg_stat_activity where datname = $1 and xact_start is not null and pid <> pg_backend_pid()`, [dbName]);
          if (open.rows[0].n > 0) break;
        }
        await new Promise((r) => setTimeout(r, 10));
      }
      child.kill('SIGKILL');
    } finally {
      await watcher.end();
    }
    await closed;
    const beforeTakeover = await count(pg, async (st) => (await st.db.selectFrom('ingest_batches').select('batch').execute()).length);
    expect(beforeTakeover).toBeGreaterThanOrEqual(1);
    expect(beforeTakeover).toBeLessThan(sent);

    // A second central on the same durable consumer finishes the work, including the window the
    // first was holding (redelivered once its acknowledgement wait runs out).
    const log: string[] = [];
    const stats = await central({ nats: NATS_URL, namespace: ns, store: pg, durable: 'shared', idleExitS: 8, log }).run();
    if (stats.stored + beforeTakeover !== sent) console.log(log.slice(-20).join('\n'));
    const rows = await count(pg, async (st) => (await st.db.selectFrom('ingest_batches').select('batch').where('status', '=', 'stored').execute()).length);
    console.log(`kill mid-batch: sent ${sent}, stored ${rows} (${beforeTakeover} before the kill, ${stats.stored} after, ${stats.redelivered} redelivered), duplicates recognised ${stats.duplicates}, duplicates stored 0`);
    expect(rows).toBe(sent);
    // The window it died holding came back to the second process.
    expect(stats.redelivered).toBeGreaterThanOrEqual(1);
    expect(beforeTakeover + stats.stored).toBe(sent);

    // Stored once means counted once: the same windows into a clean store give the same totals.
    const reference = await pgTarget.create();
    const ns2 = namespace('killref');
    for (const s of sites) await runSensor(s, { namespace: ns2, spoolDir: join(tmp(), 'spool'), windowS: 120 });
    await central({ nats: NATS_URL, namespace: ns2, store: reference }).run();
    const totals = async (spec: string) =>
      count(spec, async (st) => {
        const o = await st.db.selectFrom('observations').select((eb) => eb.fn.sum<number>('count').as('n')).executeTakeFirstOrThrow();
        const c = await st.db.selectFrom('connections').select((eb) => eb.fn.sum<number>('flows').as('n')).executeTakeFirstOrThrow();
        return Number(o.n) * 1e6 + Number(c.n);
      });
    expect(await totals(pg)).toBe(await totals(reference));
  }, 300_000);
});
