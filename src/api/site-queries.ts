/**
 * The sites of a scale-out deployment as the dashboard asks for them: each site's devices, the
 * sensors that report from it and what the central service did with their windows. A store filled by
 * local analyses only has no sites, and answers an empty list.
 *
 * Shapes (stable; GET /api/sites returns them as JSON, the dashboard reads them):
 *   siteSummaries(store): Promise<SiteSummary[]>   sites by name; each site's sensors by name.
 */
import { sql } from 'kysely';
import type { InventoryStore } from '../store/inventory-store.js';

/** Windows the central service committed or refused, and why it last refused one. */
export interface IngestCounts {
  stored: number;
  rejected: number;
  lastRejection: { sensor: string; reason: string | null; at: number } | null;
}

/** What a sensor last reported, drops included, and how its windows fared. */
export interface SensorStatus {
  sensor: string;
  version: string;
  windows: number;
  lastWindowAt: number;
  lastPacketTs: number | null;
  droppedWindows: number;
  droppedBytes: number;
  captureDrops: number;
  ingest: IngestCounts;
}

export interface SiteSummary {
  site: string;
  devices: number;
  /** Null while the site's sensors have reported no device. */
  firstSeen: number | null;
  lastSeen: number | null;
  sensors: SensorStatus[];
  /** Every window received for the site, including those of sensors that never registered. */
  ingest: IngestCounts;
}

const noIngest = (): IngestCounts => ({ stored: 0, rejected: 0, lastRejection: null });

export async function siteSummaries(store: InventoryStore): Promise<SiteSummary[]> {
  const db = store.db;
  // The (site, device_id) index answers this without reading the devices.
  const deviceRows = await db
    .selectFrom('device_sites')
    .select(['site', (eb) => eb.fn.countAll<number>().as('n'), (eb) => eb.fn.min('first_seen').as('first_seen'), (eb) => eb.fn.max('last_seen').as('last_seen')])
    .groupBy('site')
    .execute();
  const sensorRows = await db.selectFrom('sensors').selectAll().orderBy('site').orderBy('sensor').execute();
  const ingestRows = await db
    .selectFrom('ingest_batches')
    .select(['site', 'sensor', 'status', (eb) => eb.fn.countAll<number>().as('n')])
    .groupBy(['site', 'sensor', 'status'])
    .execute();
  // Each sensor's latest refusal: few rows, as rejected windows are the exception.
  const rejections = await db
    .selectFrom('ingest_batches as b')
    .select(['b.site', 'b.sensor', 'b.reason', 'b.stored_at', 'b.batch'])
    .where('b.status', '=', 'rejected')
    .where(
      'b.stored_at',
      '=',
      sql<number>`(select max(r.stored_at) from ingest_batches r where r.status = 'rejected' and r.site = ${sql.ref('b.site')} and r.sensor = ${sql.ref('b.sensor')})`,
    )
    .orderBy('b.batch')
    .execute();

  const sites = new Map<string, SiteSummary>();
  const siteOf = (name: string): SiteSummary => {
    let s = sites.get(name);
    if (!s) sites.set(name, (s = { site: name, devices: 0, firstSeen: null, lastSeen: null, sensors: [], ingest: noIngest() }));
    return s;
  };
  for (const r of deviceRows) Object.assign(siteOf(r.site), { devices: Number(r.n), firstSeen: r.first_seen === null ? null : Number(r.first_seen), lastSeen: r.last_seen === null ? null : Number(r.last_seen) });

  const bySensor = new Map<string, IngestCounts>();
  const sensorKey = (site: string, sensor: string) => JSON.stringify([site, sensor]);
  const sensorIngest = (site: string, sensor: string): IngestCounts => {
    const k = sensorKey(site, sensor);
    let c = bySensor.get(k);
    if (!c) bySensor.set(k, (c = noIngest()));
    return c;
  };
  for (const r of ingestRows) {
    const n = Number(r.n);
    for (const c of [siteOf(r.site).ingest, sensorIngest(r.site, r.sensor)]) {
      if (r.status === 'stored') c.stored += n;
      else c.rejected += n;
    }
  }
  for (const r of rejections) {
    const last = { sensor: r.sensor, reason: r.reason, at: Number(r.stored_at) };
    const own = sensorIngest(r.site, r.sensor);
    // Two refusals in the same second: the later batch id wins, the same on both back ends.
    own.lastRejection = last;
    const site = siteOf(r.site).ingest;
    if (!site.lastRejection || last.at >= site.lastRejection.at) site.lastRejection = last;
  }

  for (const r of sensorRows) {
    siteOf(r.site).sensors.push({
      sensor: r.sensor,
      version: r.version,
      windows: Number(r.windows),
      lastWindowAt: Number(r.last_window_at),
      lastPacketTs: r.last_packet_ts === null ? null : Number(r.last_packet_ts),
      droppedWindows: Number(r.dropped_windows),
      droppedBytes: Number(r.dropped_bytes),
      captureDrops: Number(r.capture_drops),
      ingest: bySensor.get(sensorKey(r.site, r.sensor)) ?? noIngest(),
    });
  }
  return [...sites.values()].sort((a, b) => (a.site < b.site ? -1 : a.site > b.site ? 1 : 0));
}
