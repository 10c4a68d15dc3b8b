/**
 * A device's history from the inventory, in time order: when it appeared, its addresses and names, its
 * DHCP conversation, each new peer, service and workflow fact, and the alerts about it. Everything comes
 * from first-seen times the store already keeps, so a timeline needs no packets. Observation and
 * workflow values are the dissectors' PHI-free vocabulary (message types, vendor classes), never
 * patient data.
 *
 *   deviceTimeline(store, deviceId, { from?, to?, limit?, order? }): Promise<TimelineEvent[]>
 *   incidentTimeline(store, incidentId, { marginS?, limit?, order? }): Promise<TimelineEvent[]>
 *
 * Both throw TimelineError for an id the store does not hold.
 */
import type { DeviceRow, InventoryStore } from '../store/inventory-store.js';
import { WORKFLOW_KEYS } from '../inventory/inventory-collector.js';
import { AddressBook, deviceRefs } from './device-ref.js';
import type { TimelineEvent, TimelineKind } from './timeline-types.js';

export type { TimelineEvent, TimelineKind } from './timeline-types.js';

export class TimelineError extends Error {
  override name = 'TimelineError';
}

export interface TimelineOptions {
  /** Seconds since the epoch, inclusive. */
  from?: number;
  to?: number;
  /** Events kept (default 1000): the earliest in `asc` order, the newest in `desc`. */
  limit?: number;
  order?: 'asc' | 'desc';
}

export interface IncidentTimelineOptions {
  /** Seconds before the incident's first alert and after its last (default 600). */
  marginS?: number;
  limit?: number;
  order?: 'asc' | 'desc';
}

export const DEFAULT_TIMELINE_LIMIT = 1000;
/** An incident may involve dozens of hosts; beyond this many, the devices with the most alerts are shown. */
const MAX_INCIDENT_DEVICES = 50;

/** An event with a key that names the fact behind it, so a merge of two timelines lists it once. */
interface Keyed {
  key: string;
  event: TimelineEvent;
}

const KIND_ORDER: readonly TimelineKind[] = ['first-seen', 'address', 'hostname', 'dhcp', 'service', 'peer', 'workflow', 'alert'];

const iso = (ts: number): string => new Date(ts * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');

function valueText(json: string): string {
  let v: unknown;
  try {
    v = JSON.parse(json);
  } catch {
    v = json;
  }
  const text = typeof v === 'string' ? v : Array.isArray(v) ? v.join(',') : JSON.stringify(v);
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}

const portText = (transport: string, port: number, service: string | null): string => `${transport}/${port}${service ? ` (${service})` : ''}`;

const DHCP_TYPES: Record<string, string> = { 1: 'DISCOVER', 2: 'OFFER', 3: 'REQUEST', 4: 'DECLINE', 5: 'ACK', 6: 'NAK', 7: 'RELEASE', 8: 'INFORM' };

function dhcpTitle(key: string, value: string): string {
  const v = valueText(value);
  switch (key) {
    case 'dhcp.msg_type':
      return `DHCP ${DHCP_TYPES[v] ?? `message type ${v}`}`;
    case 'dhcp.hostname':
      return `DHCP hostname ${v}`;
    case 'dhcp.vendor_class':
      return `DHCP vendor class ${v}`;
    case 'dhcp.lease_time':
      return `DHCP lease of ${v} s`;
    case 'dhcp.requested_ip':
      return `DHCP request for ${v}`;
    default:
      return `DHCP ${key.slice('dhcp.'.length).replace(/_/g, ' ')} ${v}`;
  }
}

const WORKFLOW_LABELS: Record<string, string> = {
  'dicom.command': 'DICOM',
  'dicom.sop_class': 'DICOM',
  'hl7.message_type': 'HL7',
  'hl7.ack_code': 'HL7 acknowledgement',
  'astm.record_types': 'ASTM records',
  'poct1a.message': 'POCT1-A',
  'intellivue.message': 'IntelliVue',
  'sdc.message': 'SDC',
  'http.fhir_resource': 'FHIR resource',
  'http.fhir_interaction': 'FHIR',
  'remote-access.tool': 'remote access by',
  'telnet.login_prompt': 'telnet login prompt',
  'rdp.selected_protocol': 'RDP security',
};

function workflowFact(key: string, value: string): string {
  const label = WORKFLOW_LABELS[key] ?? key;
  const v = valueText(value);
  return v === 'true' ? label : `${label} ${v}`;
}

function sortEvents(events: TimelineEvent[]): TimelineEvent[] {
  return events.sort(
    (a, b) =>
      a.ts - b.ts ||
      KIND_ORDER.indexOf(a.kind) - KIND_ORDER.indexOf(b.kind) ||
      (a.deviceId ?? 0) - (b.deviceId ?? 0) ||
      (a.alertId ?? 0) - (b.alertId ?? 0) ||
      (a.peerId ?? 0) - (b.peerId ?? 0) ||
      (a.title < b.title ? -1 : a.title > b.title ? 1 : 0),
  );
}

function finish(keyed: Keyed[], o: { from?: number; to?: number; limit?: number; order?: 'asc' | 'desc' }): TimelineEvent[] {
  const seen = new Set<string>();
  const events: TimelineEvent[] = [];
  for (const k of keyed) {
    if (seen.has(k.key)) continue;
    if ((o.from !== undefined && k.event.ts < o.from) || (o.to !== undefined && k.event.ts > o.to)) continue;
    seen.add(k.key);
    events.push(k.event);
  }
  sortEvents(events);
  const limit = Math.max(0, o.limit ?? DEFAULT_TIMELINE_LIMIT);
  if (o.order === 'desc') return events.reverse().slice(0, limit);
  return events.slice(0, limit);
}

/** Everything the store records about one device inside the window, with keys for merging. */
async function deviceEvents(store: InventoryStore, device: DeviceRow, o: { from?: number; to?: number }): Promise<Keyed[]> {
  const id = Number(device.id);
  const from = o.from;
  const to = o.to;
  const out: Keyed[] = [];
  const add = (key: string, event: TimelineEvent) => out.push({ key, event });

  add(`first-seen:${id}`, {
    ts: device.first_seen, kind: 'first-seen', title: 'First seen', deviceId: id,
    detail: `known by its ${device.identity_kind} ${device.identity}${device.ip && device.identity !== device.ip ? `, IP ${device.ip}` : ''}${device.mac && device.identity !== device.mac ? `, MAC ${device.mac}` : ''}`,
  });

  const identifiers = (await store.identifiersOf([id])).sort((a, b) => a.first_seen - b.first_seen || (a.value < b.value ? -1 : 1));
  const previous = new Map<string, string>();
  for (const i of identifiers) {
    if (i.kind !== 'ip' && i.kind !== 'mac' && i.kind !== 'hostname') continue;
    const name = i.kind === 'ip' ? 'IP address' : i.kind === 'mac' ? 'MAC address' : 'Hostname';
    const before = previous.get(i.kind);
    previous.set(i.kind, i.value);
    add(`identifier:${id}:${i.kind}:${i.value}`, {
      ts: i.first_seen, kind: i.kind === 'hostname' ? 'hostname' : 'address', deviceId: id,
      title: before === undefined ? `${name} ${i.value}` : i.kind === 'hostname' ? `Hostname changed to ${i.value}` : `New ${name} ${i.value}`,
      detail: `${before === undefined ? '' : `previously ${before}; `}held until ${iso(i.last_seen)} (from ${i.source})`,
    });
  }

  const dhcp = await store.db
    .selectFrom('observations')
    .select(['key', 'value', 'count', 'first_ts', 'last_ts'])
    .where('device_id', '=', id)
    .where('key', 'like', 'dhcp.%')
    .$if(from !== undefined, (q) => q.where('first_ts', '>=', from!))
    .$if(to !== undefined, (q) => q.where('first_ts', '<=', to!))
    .execute();
  for (const r of dhcp) {
    add(`dhcp:${id}:${r.key}:${r.value}`, { ts: r.first_ts, kind: 'dhcp', title: dhcpTitle(r.key, r.value), detail: `${r.key}, seen ${Number(r.count)} times until ${iso(r.last_ts)}`, deviceId: id });
  }

  const services = await store.db
    .selectFrom('services')
    .selectAll()
    .where('device_id', '=', id)
    .where('direction', '=', 'listen')
    .$if(from !== undefined, (q) => q.where('first_seen', '>=', from!))
    .$if(to !== undefined, (q) => q.where('first_seen', '<=', to!))
    .execute();
  for (const s of services) {
    add(`service:${id}:${s.transport}:${s.port}`, { ts: s.first_seen, kind: 'service', title: `New service ${portText(s.transport, s.port, s.service)}`, detail: `answered in ${Number(s.flows)} flows until ${iso(s.last_seen)}`, deviceId: id });
  }

  const conns = await store.db
    .selectFrom('connections')
    .selectAll()
    .where((eb) => eb.or([eb('client_id', '=', id), eb('server_id', '=', id)]))
    .$if(from !== undefined, (q) => q.where('first_seen', '>=', from!))
    .$if(to !== undefined, (q) => q.where('first_seen', '<=', to!))
    .execute();
  const facts = await store.db
    .selectFrom('connection_facts')
    .selectAll()
    .where((eb) => eb.or([eb('client_id', '=', id), eb('server_id', '=', id)]))
    .where('key', 'in', [...WORKFLOW_KEYS])
    .$if(from !== undefined, (q) => q.where('first_seen', '>=', from!))
    .$if(to !== undefined, (q) => q.where('first_seen', '<=', to!))
    .execute();

  const ips = new Set<string>(identifiers.filter((i) => i.kind === 'ip').map((i) => i.value));
  if (device.ip) ips.add(device.ip);
  const alerts = await store.db
    .selectFrom('alerts')
    .selectAll()
    .where((eb) => eb.or([eb('device_id', '=', id), ...(ips.size ? [eb('src_ip', 'in', [...ips]), eb('dst_ip', 'in', [...ips])] : [])]))
    .$if(from !== undefined, (q) => q.where('first_ts', '>=', from!))
    .$if(to !== undefined, (q) => q.where('first_ts', '<=', to!))
    .execute();
  const book = await AddressBook.load(store, alerts.flatMap((a) => [a.src_ip, a.dst_ip ?? '']));

  const peerIds = new Set<number>();
  for (const c of conns) peerIds.add(Number(c.client_id) === id ? Number(c.server_id) : Number(c.client_id));
  for (const f of facts) peerIds.add(Number(f.client_id) === id ? Number(f.server_id) : Number(f.client_id));
  const alertPeers = new Map<number, number | null>();
  for (const a of alerts) {
    const about = a.device_id === null ? null : Number(a.device_id);
    const src = book.deviceAt(a.src_ip, a.first_ts);
    const dst = book.deviceAt(a.dst_ip, a.first_ts);
    // An address match alone may be a lease another device held at the time.
    if (about !== id && src !== id && dst !== id) continue;
    const peer = about !== null && about !== id ? about : src === id ? dst : src;
    alertPeers.set(Number(a.id), peer !== null && peer !== id ? peer : null);
    if (peer !== null && peer !== id) peerIds.add(peer);
  }
  const refs = await deviceRefs(store, peerIds);
  const name = (peer: number): string => refs.get(peer)?.label ?? `device ${peer}`;

  for (const c of conns) {
    const client = Number(c.client_id);
    const server = Number(c.server_id);
    if (client === server) continue;
    const outbound = client === id;
    const peer = outbound ? server : client;
    add(`peer:${client}:${server}:${c.transport}:${c.port}`, {
      ts: c.first_seen, kind: 'peer', deviceId: id, peerId: peer,
      title: outbound ? `New peer: connected to ${name(peer)} on ${portText(c.transport, c.port, c.service)}` : `New peer: ${name(peer)} connected on ${portText(c.transport, c.port, c.service)}`,
      detail: `${Number(c.flows)} flows, ${Number(c.bytes)} bytes until ${iso(c.last_seen)}`,
    });
  }

  for (const f of facts) {
    const client = Number(f.client_id);
    const server = Number(f.server_id);
    const sender = f.sender === 'client' ? client : server;
    const peer = client === id ? server : client;
    const fact = workflowFact(f.key, f.value);
    add(`workflow:${client}:${server}:${f.transport}:${f.port}:${f.sender}:${f.key}:${f.value}`, {
      ts: f.first_seen, kind: 'workflow', deviceId: id, ...(peer !== id ? { peerId: peer } : {}),
      title: sender === id ? `First ${fact} to ${name(peer)}` : `First ${fact} from ${name(peer)}`,
      detail: `${f.key} on ${f.transport}/${f.port}, ${Number(f.count)} times until ${iso(f.last_seen)}`,
    });
  }

  for (const a of alerts) {
    if (!alertPeers.has(Number(a.id))) continue;
    const peer = alertPeers.get(Number(a.id)) ?? null;
    add(`alert:${a.id}`, alertEvent(a, id, peer));
  }
  return out;
}

function alertEvent(a: { id: number; rule: string; severity: string; title: string; src_ip: string; dst_ip: string | null; count: number; last_ts: number; first_ts: number }, deviceId: number | null, peer: number | null): TimelineEvent {
  return {
    ts: a.first_ts, kind: 'alert', deviceId, alertId: Number(a.id), ...(peer !== null ? { peerId: peer } : {}),
    title: `${a.severity} ${a.rule}: ${a.title}`,
    detail: `${a.src_ip}${a.dst_ip ? ` → ${a.dst_ip}` : ''}, ${Number(a.count)} times until ${iso(a.last_ts)}`,
  };
}

export async function deviceTimeline(store: InventoryStore, deviceId: number, o: TimelineOptions = {}): Promise<TimelineEvent[]> {
  const [device] = Number.isSafeInteger(deviceId) ? await store.devicesById([deviceId]) : [];
  if (!device) throw new TimelineError(`no device ${deviceId}`);
  return finish(await deviceEvents(store, device, o), o);
}

/** The incident's alerts and the timelines of the devices they are about, inside the incident's window ± a margin. */
export async function incidentTimeline(store: InventoryStore, incidentId: number, o: IncidentTimelineOptions = {}): Promise<TimelineEvent[]> {
  const incident = Number.isSafeInteger(incidentId) ? await store.db.selectFrom('incidents').selectAll().where('id', '=', incidentId).executeTakeFirst() : undefined;
  if (!incident) throw new TimelineError(`no incident ${incidentId}`);
  const margin = o.marginS ?? 600;
  const window = { from: incident.first_ts - margin, to: incident.last_ts + margin };
  const alerts = await store.db.selectFrom('alerts').selectAll().where('incident_id', '=', incidentId).orderBy('first_ts').orderBy('id').execute();
  const book = await AddressBook.load(store, alerts.flatMap((a) => [a.src_ip, a.dst_ip ?? '']));
  const keyed: Keyed[] = [];
  const alertsPerDevice = new Map<number, number>();
  for (const a of alerts) {
    const about = a.device_id === null ? null : Number(a.device_id);
    const src = book.deviceAt(a.src_ip, a.first_ts);
    const dst = book.deviceAt(a.dst_ip, a.first_ts);
    const peer = about === null ? null : about === src ? dst : src;
    keyed.push({ key: `alert:${a.id}`, event: alertEvent(a, about, peer !== about ? peer : null) });
    if (about !== null) alertsPerDevice.set(about, (alertsPerDevice.get(about) ?? 0) + 1);
  }
  const devices = [...alertsPerDevice].sort((a, b) => b[1] - a[1] || a[0] - b[0]).slice(0, MAX_INCIDENT_DEVICES).map(([id]) => id);
  for (const d of await store.devicesById(devices.sort((a, b) => a - b))) keyed.push(...(await deviceEvents(store, d, window)));
  return finish(keyed, { ...window, limit: o.limit, order: o.order });
}

