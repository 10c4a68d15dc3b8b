/**
 * Root cause of an alert: walk back from the alert's device over the graph and over time to the earliest
 * anomalous contact that led there, "patient zero".
 *
 * At each step the current device has a compromise time: the earliest of the contact that led the walk to
 * it and its own first anomalous act (an alert with it as the source). The candidates are its anomalous
 * inbound contacts before that time:
 *   - alerts against it (it is the destination, or the alert is about it and another device is the source),
 *     from the alert's incident (or, without one, the `lookbackS` before the alert), of rules that report
 *     something done to the destination: not those that report what the source does with data or on its
 *     own (cleartext credentials, PHI to a new destination, beaconing...), which are no way in;
 *   - connections to it first seen in the `contactWindowS` before, from a device that itself raised an
 *     attacker's alert as a source (a scan, an exploit, lateral movement, beaconing...: ATTACKER_ACTS).
 * A device's own first anomalous act counts only from ATTACKER_ACTS too: a vendor's remote-access session
 * or a device talking to the internet says nothing about when it was compromised.
 * The earliest alert wins (then the lower id); only when no alert is against the device does the earliest
 * connection count (a connection is weaker evidence: a guest laptop that raised alerts elsewhere may have
 * fetched a web page from it minutes before the worm arrived). The walk moves to the winner's source. It stops when there is none, at a device already on the path, at a source the inventory holds
 * no device for (outside the hospital: the current device is then where the attack came in), or after
 * `maxDepth` steps, so the answer is deterministic and the work bounded.
 *
 *   rootCause(store, alertId, { contactWindowS?, lookbackS?, maxDepth? }): Promise<RootCause>
 *
 * Throws RootCauseError for an unknown alert or one that names no inventory device.
 */
import type { Selectable } from 'kysely';
import type { AlertTable } from '../store/schema.js';
import type { InventoryStore } from '../store/inventory-store.js';
import { AddressBook, deviceRefs } from './device-ref.js';
import type { DeviceRef, RootCause, RootCauseStep, RootCauseVia } from './timeline-types.js';

export type { RootCause, RootCauseStep, RootCauseVia } from './timeline-types.js';

export class RootCauseError extends Error {
  override name = 'RootCauseError';
  constructor(
    /** `unknown-alert`: no such alert; `no-device`: the alert names no inventory device to start from. */
    readonly reason: 'unknown-alert' | 'no-device',
    message: string,
  ) {
    super(message);
  }
}

export interface RootCauseOptions {
  /** How long before a device's compromise a new inbound connection still counts (default 300 s). */
  contactWindowS?: number;
  /** Without an incident, how far before the alert other alerts are considered (default one day). */
  lookbackS?: number;
  /** Steps walked at most (default 32). */
  maxDepth?: number;
}

/** Rules whose alerts say what the source does (looks around, with data, or on its own), not something done to the destination. */
const NOT_A_WAY_IN: ReadonlySet<string> = new Set([
  // Reconnaissance touches many hosts and compromises none: the exploit that follows is the way in.
  'scan.horizontal', 'scan.vertical', 'scan.tcp-flags',
  'cleartext.credentials', 'medical.internet', 'phi.unapproved-destination', 'dicom.bulk-query', 'beaconing', 'dns.tunnelling',
  'dhcp.rogue-server', 'dhcp.starvation', 'baseline.new-service',
  // What one device does against its category's baseline; a protocol alert's peer may be its attacker.
  'baseline.category-volume', 'baseline.category-protocol',
]);

/** Rules whose source acts as an attacker or as a compromised host does: only these date a compromise. */
const ATTACKER_ACTS: ReadonlySet<string> = new Set([
  'scan.horizontal', 'scan.vertical', 'scan.tcp-flags', 'arp.spoofing', 'dhcp.rogue-server', 'dhcp.starvation', 'bruteforce.login',
  'smb.v1-exploit', 'smb.ghost', 'tls.heartbleed', 'web.attack', 'lateral.movement', 'beaconing', 'dns.tunnelling', 'ioc.match',
]);

interface ScopedAlert {
  row: Selectable<AlertTable>;
  id: number;
  ts: number;
  src: number | null;
  dst: number | null;
  about: number | null;
}

interface Candidate {
  ts: number;
  /** Null: an address the inventory holds no device for (`address`). */
  source: number | null;
  address: string;
  via: RootCauseVia;
  /** Alerts before connections at the same time, then the lower id or client, port. */
  order: [number, number, number];
}

const iso = (ts: number): string => new Date(ts * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');

function earlier(a: Candidate, b: Candidate): boolean {
  if (a.ts !== b.ts) return a.ts < b.ts;
  for (let i = 0; i < 3; i++) if (a.order[i] !== b.order[i]) return a.order[i] < b.order[i];
  return false;
}

export async function rootCause(store: InventoryStore, alertId: number, o: RootCauseOptions = {}): Promise<RootCause> {
  const windowS = o.contactWindowS ?? 300;
  const lookbackS = o.lookbackS ?? 86_400;
  const maxDepth = o.maxDepth ?? 32;
  const alert = Number.isSafeInteger(alertId) ? await store.db.selectFrom('alerts').selectAll().where('id', '=', alertId).executeTakeFirst() : undefined;
  if (!alert) throw new RootCauseError('unknown-alert', `no alert ${alertId}`);

  const scopeRows =
    alert.incident_id !== null
      ? await store.db.selectFrom('alerts').selectAll().where('incident_id', '=', alert.incident_id).execute()
      : await store.db.selectFrom('alerts').selectAll().where('first_ts', '>=', alert.first_ts - lookbackS).where('first_ts', '<=', alert.last_ts).execute();
  const scopeText = alert.incident_id !== null ? `incident ${alert.incident_id}` : `the ${Math.round(lookbackS / 3600)} h before alert ${alert.id}`;
  const book = await AddressBook.load(store, [alert, ...scopeRows].flatMap((a) => [a.src_ip, a.dst_ip ?? '']));
  const scoped: ScopedAlert[] = scopeRows
    .map((r) => ({ row: r, id: Number(r.id), ts: r.first_ts, src: book.deviceAt(r.src_ip, r.first_ts), dst: book.deviceAt(r.dst_ip, r.first_ts), about: r.device_id === null ? null : Number(r.device_id) }))
    .sort((a, b) => a.ts - b.ts || a.id - b.id);
  /** Each device's first anomalous act as a source. */
  const firstAct = new Map<number, number>();
  for (const a of scoped) if (a.src !== null && ATTACKER_ACTS.has(a.row.rule) && !firstAct.has(a.src)) firstAct.set(a.src, a.ts);

  const start = alert.device_id !== null ? Number(alert.device_id) : (book.deviceAt(alert.src_ip, alert.first_ts) ?? book.deviceAt(alert.dst_ip, alert.first_ts));
  if (start === null) throw new RootCauseError('no-device', `alert ${alert.id} names no device in the inventory (${alert.src_ip}${alert.dst_ip ? ` → ${alert.dst_ip}` : ''})`);

  const visited = new Set<number>([start]);
  /** From the alert's device back: each device with the contact that reached it. */
  const back: { device: number; via: RootCauseVia | null; ts: number }[] = [];
  const lines: string[] = [];
  const hops: { device: number; candidate: Candidate; before: number }[] = [];
  let current = start;
  let t = Math.min(alert.first_ts, firstAct.get(start) ?? Infinity);
  let stoppedAtDepth = false;
  let external: { candidate: Candidate; before: number } | null = null;
  for (let depth = 0; ; depth++) {
    if (depth >= maxDepth) {
      stoppedAtDepth = true;
      break;
    }
    let best: Candidate | null = null;
    for (const a of scoped) {
      if (a.ts > t) break;
      if (NOT_A_WAY_IN.has(a.row.rule)) continue;
      const against = a.dst === current || (a.about === current && a.src !== current);
      if (!against || a.src === current || (a.src !== null && visited.has(a.src))) continue;
      if (a.src === null && (a.row.src_ip === '' || a.row.src_ip === '0.0.0.0')) continue;
      const c: Candidate = { ts: a.ts, source: a.src, address: a.row.src_ip, via: { kind: 'alert', alertId: a.id, rule: a.row.rule, severity: a.row.severity, title: a.row.title }, order: [0, a.id, 0] };
      if (!best || earlier(c, best)) best = c;
    }
    // A connection is weaker evidence than an alert: only without an alert against the device does one count.
    const conns = best ? [] : await store.db
      .selectFrom('connections')
      .select(['client_id', 'transport', 'port', 'service', 'first_seen'])
      .where('server_id', '=', current)
      .where('first_seen', '>=', t - windowS)
      .where('first_seen', '<=', t)
      .execute();
    for (const c of conns) {
      const client = Number(c.client_id);
      if (client === current || visited.has(client) || !firstAct.has(client)) continue;
      const cand: Candidate = { ts: c.first_seen, source: client, address: '', via: { kind: 'connection', transport: c.transport, port: c.port, service: c.service }, order: [1, client, c.port] };
      if (!best || earlier(cand, best)) best = cand;
    }
    if (!best) break;
    if (best.source === null) {
      external = { candidate: best, before: t };
      break;
    }
    back.push({ device: current, via: best.via, ts: best.ts });
    hops.push({ device: current, candidate: best, before: t });
    visited.add(best.source);
    current = best.source;
    t = Math.min(best.ts, firstAct.get(current) ?? Infinity);
  }
  back.push({ device: current, via: null, ts: t });

  const refs = await deviceRefs(store, visited);
  const ref = (id: number): DeviceRef => refs.get(id) ?? { id, label: String(id), ip: null, mac: null, hostname: null, category: null };
  const name = (id: number): string => {
    const r = ref(id);
    return r.ip && r.ip !== r.label ? `${r.label} (${r.ip})` : r.label;
  };
  const via = (v: RootCauseVia): string =>
    v.kind === 'alert' ? `alert ${v.alertId} (${v.rule}, ${v.severity}: ${v.title})` : `a new connection on ${v.transport}/${v.port}${v.service ? ` (${v.service})` : ''}`;

  lines.push(`Alert ${alert.id} (${alert.rule}, ${alert.severity}) at ${iso(alert.first_ts)} is about ${name(start)}.`);
  for (const h of hops) {
    lines.push(`${name(h.device)} was reached at ${iso(h.candidate.ts)} from ${name(h.candidate.source!)} by ${via(h.candidate.via)}: the earliest anomalous inbound contact up to ${iso(h.before)}.`);
  }
  if (external)
    lines.push(
      `${name(current)} was reached at ${iso(external.candidate.ts)} from ${external.candidate.address}, an address the inventory holds no device for, by ${via(external.candidate.via)}: the earliest anomalous inbound contact up to ${iso(external.before)}. The attack came in here: patient zero is ${name(current)}.`,
    );
  else if (stoppedAtDepth) lines.push(`Stopped after ${maxDepth} steps: ${name(current)} is the furthest back this walk goes.`);
  else
    lines.push(
      `${name(current)} has no earlier anomalous inbound contact (no alert against it in ${scopeText} up to ${iso(t)}, no connection to it first seen in the ${windowS} s before from a device that raised an attacker's alert): patient zero.`,
    );

  const path: RootCauseStep[] = back.reverse().map((s) => ({ device: ref(s.device), via: s.via, ts: s.ts }));
  return { alertId: Number(alert.id), patientZero: ref(current), path, externalSource: external?.candidate.address ?? null, explanation: lines };
}
