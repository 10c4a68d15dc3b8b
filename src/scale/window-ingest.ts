/**
 * One sensor window into the store, exactly once. The window's id goes into ingest_batches in the same
 * transaction as its devices, facts and alerts: a window delivered again (a central process died
 * before acknowledging it, a sensor republished it) finds its id there and is not applied twice. Two
 * central processes given the same window at once meet on that row's primary key; the second waits,
 * then sees the first's commit.
 */
import type { AttributeKnowledge } from '../inventory/attribute-resolver.js';
import { applyEvidence } from '../inventory/inventory-update.js';
import type { Taxonomy } from '../inventory/taxonomy.js';
import type { Thresholds } from '../detect/thresholds.js';
import { writeAlerts } from '../detect/alert-store.js';
import type { InventoryStore } from '../store/inventory-store.js';
import { greatest } from '../store/upsert.js';
import { sql } from 'kysely';
import { centralAlerts } from './central-alerts.js';
import { batchId, decodeEvidence, parseWindow, windowAlerts, windowZones, type SensorWindow } from './sensor-window.js';

export interface IngestContext {
  knowledge: AttributeKnowledge;
  taxonomy: Taxonomy;
  thresholds: Thresholds;
}

export type IngestOutcome =
  | { status: 'stored'; batch: string; site: string; devices: number; created: number; observations: number; alerts: number; ms: number }
  | { status: 'duplicate'; batch: string }
  | { status: 'rejected'; batch: string; reason: string };

/** Has this window been stored (or rejected) already? Checked before fetching it, so a redelivery costs one query. */
export async function isIngested(store: InventoryStore, batch: string): Promise<boolean> {
  return (await store.db.selectFrom('ingest_batches').select('batch').where('batch', '=', batch).executeTakeFirst()) !== undefined;
}

/** A window the central service cannot read: recorded with the reason, so it is neither retried nor silently lost. */
export async function recordRejected(store: InventoryStore, r: { batch: string; sensor: string; site: string; seq: number; reason: string }): Promise<void> {
  await store.db
    .insertInto('ingest_batches')
    .values({ batch: r.batch, sensor: r.sensor, site: r.site, seq: r.seq, status: 'rejected', observations: 0, alerts: 0, reason: r.reason.slice(0, 500), stored_at: Date.now() / 1000 })
    .onConflict((oc) => oc.column('batch').doNothing())
    .execute();
}

/** The window's own row already there: another delivery of it committed first. Any other conflict is a real error. */
const isSameWindow = (err: unknown): boolean => {
  const e = err as { code?: string; constraint?: string; message?: string };
  if (e.code === '23505') return e.constraint === 'ingest_batches_pkey';
  return /UNIQUE constraint failed: ingest_batches\.batch/.test(e.message ?? '');
};

/**
 * Stores a window's bytes (gzip'd JSON, see sensor-window.ts). A window that does not parse is
 * recorded as rejected under `fallbackBatch`; store errors (PostgreSQL down) are thrown for the
 * caller to retry.
 */
export async function ingestWindowBytes(store: InventoryStore, bytes: Uint8Array, ctx: IngestContext, fallback: { batch: string; site: string }): Promise<IngestOutcome> {
  let w: SensorWindow;
  try {
    w = parseWindow(bytes);
  } catch (err) {
    const reason = (err as Error).message;
    const [sensor = 'unknown', , seq = '0'] = fallback.batch.split('/');
    await recordRejected(store, { batch: fallback.batch, sensor, site: fallback.site, seq: Number(seq) || 0, reason });
    return { status: 'rejected', batch: fallback.batch, reason };
  }
  if (batchId(w) !== fallback.batch) {
    const reason = `window ${batchId(w)} arrived under the notice of ${fallback.batch}`;
    await recordRejected(store, { batch: fallback.batch, sensor: w.sensor, site: w.site, seq: w.seq, reason });
    return { status: 'rejected', batch: fallback.batch, reason };
  }
  return ingestWindow(store, w, ctx);
}

export async function ingestWindow(store: InventoryStore, w: SensorWindow, ctx: IngestContext): Promise<IngestOutcome> {
  const batch = batchId(w);
  const t0 = performance.now();
  let evidence;
  try {
    evidence = decodeEvidence(w.evidence);
  } catch (err) {
    const reason = (err as Error).message;
    await recordRejected(store, { batch, sensor: w.sensor, site: w.site, seq: w.seq, reason });
    return { status: 'rejected', batch, reason };
  }
  try {
    return await store.transaction(async (tx) => {
      const now = Date.now() / 1000;
      const { alerts, incidents } = windowAlerts(w);
      await tx.db.insertInto('ingest_batches').values({ batch, sensor: w.sensor, site: w.site, seq: w.seq, status: 'stored', observations: w.evidence.facts.length, alerts: alerts.length, reason: null, stored_at: now }).execute();
      const u = await applyEvidence(tx, evidence, { name: w.capture.name, packets: w.capture.packets, bytes: w.capture.bytes, firstTs: w.capture.firstTs, lastTs: w.capture.lastTs, site: w.site, sensor: w.sensor }, ctx.knowledge, windowZones(w));
      if (alerts.length) await writeAlerts(tx, await centralAlerts(tx, w.site, { alerts, incidents }, ctx.taxonomy, ctx.thresholds), w.site);
      await recordSensor(tx, w, now);
      return { status: 'stored' as const, batch, site: w.site, devices: u.devices, created: u.created, observations: u.observations, alerts: alerts.length, ms: Math.round(performance.now() - t0) };
    });
  } catch (err) {
    if (isSameWindow(err)) return { status: 'duplicate', batch };
    throw err;
  }
}

/** Counters are the sensor's totals since it started: the largest seen is the truth, whatever order windows arrive in. */
async function recordSensor(tx: InventoryStore, w: SensorWindow, now: number): Promise<void> {
  const d = tx.dialect;
  const ex = (c: string) => sql.ref(`excluded.${c}`);
  const cur = (c: string) => sql.ref(`sensors.${c}`);
  await tx.db
    .insertInto('sensors')
    .values({ sensor: w.sensor, site: w.site, version: w.vigil, windows: 1, last_window_at: now, last_packet_ts: w.capture.lastTs, dropped_windows: w.drops.windows, dropped_bytes: w.drops.bytes, capture_drops: w.drops.capture })
    .onConflict((oc) =>
      oc.column('sensor').doUpdateSet({
        site: ex('site') as never,
        version: ex('version') as never,
        windows: sql`${cur('windows')} + 1` as never,
        last_window_at: ex('last_window_at') as never,
        last_packet_ts: sql`coalesce(${greatest(d, cur('last_packet_ts'), ex('last_packet_ts'))}, ${ex('last_packet_ts')}, ${cur('last_packet_ts')})` as never,
        dropped_windows: greatest(d, cur('dropped_windows'), ex('dropped_windows')) as never,
        dropped_bytes: greatest(d, cur('dropped_bytes'), ex('dropped_bytes')) as never,
        capture_drops: greatest(d, cur('capture_drops'), ex('capture_drops')) as never,
      }),
    )
    .execute();
}
