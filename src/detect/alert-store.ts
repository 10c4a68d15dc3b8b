/**
 * Alerts and incidents in the store (tables of migration 0004-alerts), for the CLI and the HTTP API.
 * Works on SQLite and PostgreSQL.
 *
 * Shapes (stable; the API returns them as JSON):
 *   listAlerts(store, { status?, severity?, deviceId?, site?, limit = 100, offset = 0 }): Promise<StoredAlert[]>
 *     newest first (last_ts descending). `severity` is a minimum: 'high' returns high and critical.
 *   countAlerts(store, { status?, severity?, deviceId?, site? }): Promise<number>
 *   setAlertStatus(store, id, status, by): Promise<boolean>   false when no alert has that id;
 *     sets status_changed_at (seconds since the epoch) and status_by.
 *   listIncidents(store): Promise<StoredIncident[]>   most recent first, each with its alert ids.
 *   saveAlerts(store, result): upserts by uid (a re-analysis updates count, last_ts, severity, evidence,
 *     never the status a person set) and returns the number written.
 * StoredAlert = { id, uid, rule, severity, status, title, description, deviceId, srcIp, dstIp, firstTs,
 *   lastTs, count, incidentId, evidence (object), flows (FlowRef[]), statusChangedAt, statusBy, site }
 * StoredIncident = { id, uid, title, severity, status, firstTs, lastTs, hosts, rules, alertIds }
 */
import type { InventoryStore } from '../store/inventory-store.js';
import { SEVERITIES, type Alert, type AlertStatus, type Incident, type Severity, type StoredAlert, type StoredIncident } from './alert.js';

export type { StoredAlert, StoredIncident };

export interface AlertFilter {
  status?: AlertStatus;
  severity?: Severity;
  deviceId?: number;
  /** The scale-out site whose sensor raised it. */
  site?: string;
}

function filtered(store: InventoryStore, f: AlertFilter) {
  let q = store.db.selectFrom('alerts');
  if (f.status) q = q.where('status', '=', f.status);
  if (f.severity) q = q.where('severity', 'in', SEVERITIES.slice(SEVERITIES.indexOf(f.severity)) as Severity[]);
  if (f.deviceId !== undefined) q = q.where('device_id', '=', f.deviceId);
  if (f.site) q = q.where('site', '=', f.site);
  return q;
}

export async function listAlerts(store: InventoryStore, f: AlertFilter & { limit?: number; offset?: number } = {}): Promise<StoredAlert[]> {
  const rows = await filtered(store, f).selectAll().orderBy('last_ts', 'desc').orderBy('id', 'desc').limit(f.limit ?? 100).offset(f.offset ?? 0).execute();
  return rows.map((r) => ({
    id: Number(r.id), uid: r.uid, rule: r.rule, severity: r.severity, status: r.status, title: r.title, description: r.description,
    deviceId: r.device_id === null ? null : Number(r.device_id), srcIp: r.src_ip, dstIp: r.dst_ip, firstTs: r.first_ts, lastTs: r.last_ts,
    count: Number(r.count), incidentId: r.incident_id === null ? null : Number(r.incident_id), evidence: JSON.parse(r.evidence), flows: JSON.parse(r.flows),
    statusChangedAt: r.status_changed_at, statusBy: r.status_by, site: r.site ?? null,
  }));
}

export async function countAlerts(store: InventoryStore, f: AlertFilter = {}): Promise<number> {
  const row = await filtered(store, f).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirst();
  return Number(row?.n ?? 0);
}

export async function setAlertStatus(store: InventoryStore, id: number, status: AlertStatus, by: string): Promise<boolean> {
  const r = await store.db.updateTable('alerts').set({ status, status_changed_at: Date.now() / 1000, status_by: by }).where('id', '=', id).executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

export async function listIncidents(store: InventoryStore): Promise<StoredIncident[]> {
  const rows = await store.db.selectFrom('incidents').selectAll().orderBy('last_ts', 'desc').execute();
  const links = await store.db.selectFrom('alerts').select(['id', 'incident_id']).where('incident_id', 'is not', null).execute();
  const byIncident = new Map<number, number[]>();
  for (const l of links) {
    const k = Number(l.incident_id);
    let list = byIncident.get(k);
    if (!list) byIncident.set(k, (list = []));
    list.push(Number(l.id));
  }
  return rows.map((r) => ({
    id: Number(r.id), uid: r.uid, title: r.title, severity: r.severity, status: r.status, firstTs: r.first_ts, lastTs: r.last_ts,
    hosts: JSON.parse(r.hosts), rules: JSON.parse(r.rules), alertIds: (byIncident.get(Number(r.id)) ?? []).sort((a, b) => a - b),
  }));
}

/** Writes one analysis's alerts and incidents (device ids already resolved on each alert). */
export async function saveAlerts(store: InventoryStore, result: { alerts: readonly Alert[]; incidents: readonly Incident[] }): Promise<number> {
  return store.transaction((tx) => writeAlerts(tx, result));
}

/** The same inside the caller's transaction; `site` names the site whose sensor raised them. */
export async function writeAlerts(tx: InventoryStore, result: { alerts: readonly Alert[]; incidents: readonly Incident[] }, site: string | null = null): Promise<number> {
  // Many rows a statement: a central service writes hundreds of alerts per window. A status an analyst
  // set is kept; everything the detector knows is updated.
  const incidentIds = new Map<string, number>();
  const incidents = lastByUid(result.incidents).map((inc) => ({ uid: inc.uid, status: 'new' as const, title: inc.title, severity: inc.severity, first_ts: inc.firstTs, last_ts: inc.lastTs, hosts: JSON.stringify(inc.hosts), rules: JSON.stringify(inc.rules) }));
  for (let i = 0; i < incidents.length; i += ALERT_ROWS) {
    const rows = await tx.db
      .insertInto('incidents')
      .values(incidents.slice(i, i + ALERT_ROWS))
      .onConflict((oc) => oc.column('uid').doUpdateSet((eb) => ({ title: eb.ref('excluded.title'), severity: eb.ref('excluded.severity'), first_ts: eb.ref('excluded.first_ts'), last_ts: eb.ref('excluded.last_ts'), hosts: eb.ref('excluded.hosts'), rules: eb.ref('excluded.rules') })))
      .returning(['uid', 'id'])
      .execute();
    for (const r of rows) incidentIds.set(r.uid, Number(r.id));
  }
  const alerts = lastByUid(result.alerts).map((a) => ({
    uid: a.uid, status: 'new' as const, rule: a.rule, severity: a.severity, title: a.title, description: a.description, device_id: a.deviceId, src_ip: a.srcIp, dst_ip: a.dstIp,
    first_ts: a.firstTs, last_ts: a.lastTs, count: a.count, incident_id: a.incident ? (incidentIds.get(a.incident) ?? null) : null,
    evidence: JSON.stringify(a.evidence), flows: JSON.stringify(a.flows), site,
  }));
  const updated = ['rule', 'severity', 'title', 'description', 'device_id', 'src_ip', 'dst_ip', 'first_ts', 'last_ts', 'count', 'incident_id', 'evidence', 'flows', 'site'] as const;
  for (let i = 0; i < alerts.length; i += ALERT_ROWS) {
    await tx.db
      .insertInto('alerts')
      .values(alerts.slice(i, i + ALERT_ROWS))
      .onConflict((oc) => oc.column('uid').doUpdateSet((eb) => Object.fromEntries(updated.map((c) => [c, eb.ref(`excluded.${c}`)])) as never))
      .execute();
  }
  return result.alerts.length;
}

/** Rows per statement: 16 columns stay well under either dialect's parameter limit. */
const ALERT_ROWS = 500;

/** One row per uid (the last wins): an upsert may not touch a row twice in one statement. */
function lastByUid<T extends { uid: string }>(items: readonly T[]): T[] {
  return [...new Map(items.map((x) => [x.uid, x])).values()];
}
