/**
 * No loss across faults, on a NATS server and a PostgreSQL cluster of the test's own (real binaries,
 * killed and restarted here): NATS killed under a consuming central service, PostgreSQL stopped mid
 * ingest, and a sensor that cannot reach NATS at all. Each counts windows sent, stored and stored twice.
 */
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InventoryStore } from '../../src/store/inventory-store.js';
import { SensorRun } from '../../src/scale/sensor-run.js';
import { ingestWindowBytes } from '../../src/scale/window-ingest.js';
import { loadAttributeKnowledge } from '../../src/inventory/knowledge.js';
import { Taxonomy } from '../../src/inventory/taxonomy.js';
import { loadThresholds } from '../../src/detect/thresholds.js';
import { central, runSensor, simulatedSites, type SiteCapture } from './scale-fixture.js';
import { freePort, PrivateNats, PrivatePostgres, privateServersSkipReason } from './private-servers.js';

if (privateServersSkipReason) console.warn(`skipping scale-out fault tests: ${privateServersSkipReason}`);
const FIXTURES = join(tmpdir(), 'vigil-scale-sites');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(!!privateServersSkipReason)('scale-out faults: nothing lost, nothing stored twice', () => {
  let site: SiteCapture;
  let nats: PrivateNats;
  let postgres: PrivatePostgres;
  const dirs: string[] = [];
  const tmp = () => {
    const d = mkdtempSync(join(tmpdir(), 'vigil-faults-'));
    dirs.push(d);
    return d;
  };
  let dbs = 0;
  const database = async () => {
    const name = `t${++dbs}`;
    const c = new pg.Client({ connectionString: postgres.url });
    await c.connect();
    await c.query(`create database ${name}`);
    await c.end();
    return postgres.url.replace(/\/postgres$/, `/${name}`);
  };
  const totals = async (spec: string) => {
    const st = await InventoryStore.open(spec);
    try {
      const batches = (await st.db.selectFrom('ingest_batches').select(['batch', 'status']).execute()).filter((b) => b.status === 'stored').length;
      const o = await st.db.selectFrom('observations').select((eb) => eb.fn.sum<number>('count').as('n')).executeTakeFirstOrThrow();
      const c = await st.db.selectFrom('connections').select((eb) => eb.fn.sum<number>('flows').as('n')).executeTakeFirstOrThrow();
      const d = await st.db.selectFrom('devices').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow();
      return { batches, facts: Number(o.n), flows: Number(c.n), devices: Number(d.n) };
    } finally {
      await st.close();
    }
  };
  let reference: Awaited<ReturnType<typeof totals>>;
  let sentPerRun = 0;

  beforeAll(async () => {
    [site] = simulatedSites(FIXTURES, [{ site: 'north', seed: 11 }]);
    nats = new PrivateNats(await freePort());
    await nats.start();
    postgres = new PrivatePostgres(await freePort());
    await postgres.init();
    // The reference: the same windows, stored with no fault at all.
    const { result } = await runSensor(site, { namespace: 'ref', spoolDir: join(tmp(), 'spool'), windowS: 120, publish: nats.url });
    sentPerRun = result.published;
    const db = await database();
    await central({ nats: nats.url, namespace: 'ref', store: db }).run();
    reference = await totals(db);
    expect(reference.batches).toBe(sentPerRun);
  }, 180_000);
  afterAll(async () => {
    await nats?.stop();
    await postgres?.destroy();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  /** Publishes the site's windows, starts a central service and, after its first stored window, runs the fault. */
  const underFault = async (namespace: string, fault: () => Promise<void>, idleExitS: number) => {
    const { result } = await runSensor(site, { namespace, spoolDir: join(tmp(), 'spool'), windowS: 120, publish: nats.url });
    expect(result.published).toBe(sentPerRun);
    const db = await database();
    let faulted: Promise<void> | null = null;
    const stats = await central({
      nats: nats.url,
      namespace,
      store: db,
      idleExitS,
      onOutcome: (o) => {
        if (o.status === 'stored' && !faulted) faulted = fault();
      },
    }).run();
    expect(faulted).not.toBeNull();
    await faulted;
    return { stats, got: await totals(db) };
  };

  it('NATS killed and restarted while the central service consumes', async () => {
    const { stats, got } = await underFault('natsfault', () => nats.kill().then(() => sleep(1500)).then(() => nats.start()), 8);
    console.log(`NATS restart: sent ${sentPerRun}, stored ${got.batches}, redelivered ${stats.redelivered}, duplicates recognised ${stats.duplicates}, duplicates stored ${got.batches - sentPerRun}`);
    expect(got).toEqual(reference);
  }, 120_000);

  it('PostgreSQL stopped mid-ingest and started again', async () => {
    const { stats, got } = await underFault('pgfault', () => postgres.stopNow().then(() => sleep(2000)).then(() => postgres.start()), 10);
    console.log(`PostgreSQL restart: sent ${sentPerRun}, stored ${got.batches}, retried ${stats.retried}, duplicates recognised ${stats.duplicates}, duplicates stored ${got.batches - sentPerRun}`);
    expect(stats.retried).toBeGreaterThan(0);
    expect(got).toEqual(reference);
  }, 120_000);

  it('a sensor without NATS spools within its bound, reports what it dropped, and publishes the rest once NATS is back', async () => {
    const port = await freePort();
    const url = `nats://127.0.0.1:${port}`;
    const spoolDir = join(tmp(), 'spool');
    const log: string[] = [];
    // One-minute windows into a spool that holds only a few of them.
    const { result } = await runSensor(site, { namespace: 'offline', spoolDir, windowS: 60, publish: url, spoolMaxBytes: 40_000, flushTimeoutS: 1, log });
    expect(result.published).toBe(0);
    expect(result.dropped.windows).toBeGreaterThan(0);
    expect(result.spooled + result.dropped.windows).toBe(result.windows);
    expect(log.some((l) => /dropped window \S+ \(\d+ bytes\): spool full/.test(l))).toBe(true);
    const spooled = readdirSync(spoolDir).filter((f) => f.endsWith('.window.gz'));
    expect(spooled.length).toBe(result.spooled);
    const copy = join(tmp(), 'spool-copy');
    cpSync(spoolDir, copy, { recursive: true });
    const window = readFileSync(join(copy, spooled[0]));

    // NATS comes up; the next start of the sensor publishes what waited.
    const late = new PrivateNats(port);
    await late.start();
    try {
      const again = new SensorRun({ site: site.site, sensorId: `${site.site}-sensor`, publish: url, namespace: 'offline', spoolDir, spoolMaxBytes: 40_000, windowS: 0, detect: false, flushTimeoutS: 10, log: () => undefined });
      await again.start();
      expect(await again.flush(10)).toBe(0);
      await again.end(again.analyzer.finish());
      const db = await database();
      const stats = await central({ nats: url, namespace: 'offline', store: db }).run();
      const st = await InventoryStore.open(db);
      const sensor = await st.db.selectFrom('sensors').selectAll().executeTakeFirstOrThrow();
      await st.close();
      console.log(`sensor offline: windows ${result.windows}, dropped ${result.dropped.windows} (${result.dropped.bytes} bytes; central was told ${sensor.dropped_windows}), spooled ${result.spooled}, stored ${stats.stored}, duplicates stored 0`);
      expect(stats.stored).toBe(result.spooled);
      expect(Number(sensor.dropped_windows)).toBe(result.dropped.windows);

      // The sensor dies after publishing but before clearing its spool: it publishes the same windows
      // again. JetStream drops the repeats; the store would refuse them anyway.
      const replay = new SensorRun({ site: site.site, sensorId: `${site.site}-sensor`, publish: url, namespace: 'offline', spoolDir: copy, spoolMaxBytes: 40_000, windowS: 0, detect: false, flushTimeoutS: 10, log: () => undefined });
      await replay.start();
      expect(await replay.flush(10)).toBe(0);
      await replay.end(replay.analyzer.finish());
      const second = await central({ nats: url, namespace: 'offline', store: db }).run();
      expect(second.stored).toBe(0);
      const st2 = await InventoryStore.open(db);
      const ctx = { knowledge: loadAttributeKnowledge({ rulesDirs: [] }), taxonomy: Taxonomy.load(), thresholds: loadThresholds() };
      const [, run, seq] = /^(.+)-(\d{12})\.window\.gz$/.exec(spooled[0])!;
      const batch = `${site.site}-sensor/${run}/${Number(seq)}`;
      const direct = await ingestWindowBytes(st2, window, ctx, { batch, site: site.site });
      await st2.close();
      expect(direct.status).toBe('duplicate');
    } finally {
      await late.stop();
    }
  }, 180_000);
});
