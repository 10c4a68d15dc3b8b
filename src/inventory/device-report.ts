import type { InventoryStore, DeviceRow } from '../store/inventory-store.js';

export interface DeviceReport {
  id: number;
  identity: { kind: string; value: string };
  mac: string | null;
  ip: string | null;
  vlan: number | null;
  zone: string | null;
  firstSeen: string;
  lastSeen: string;
  hostname: string | null;
  vendor: string | null;
  model: string | null;
  firmware: string | null;
  os: string | null;
  serial: string | null;
  category: string | null;
  role: string | null;
  randomisedMac: boolean;
  sharedAddress: boolean;
  /** Per attribute: the chosen value's confidence, whether sources disagree, the runners-up. */
  confidence: Record<string, { confidence: number; disagreement: boolean; alternatives: { value: string; confidence: number }[] }>;
  addresses?: { kind: string; value: string; firstSeen: string; lastSeen: string }[];
  services?: { transport: string; port: number; direction: string; service: string | null; flows: number }[];
  /** Every candidate value with its source and the facts that prove it. */
  evidence?: { attribute: string; value: string; source: string; confidence: number; count: number; facts: unknown[] }[];
}

const iso = (ts: number) => new Date(ts * 1000).toISOString();

export function deviceSummary(d: DeviceRow): DeviceReport {
  return {
    id: Number(d.id),
    identity: { kind: d.identity_kind, value: d.identity },
    mac: d.mac,
    ip: d.ip,
    vlan: d.vlan,
    zone: d.zone,
    firstSeen: iso(d.first_seen),
    lastSeen: iso(d.last_seen),
    hostname: d.hostname,
    vendor: d.vendor,
    model: d.model,
    firmware: d.firmware,
    os: d.os,
    serial: d.serial,
    category: d.category,
    role: d.role,
    randomisedMac: d.randomised_mac === 1,
    sharedAddress: d.shared_address === 1,
    confidence: JSON.parse(d.attribute_summary || '{}'),
  };
}

/** The inventory with, per device, its addresses, services and evidence: what `devices.json` holds. */
export async function deviceReports(store: InventoryStore, options: { detail?: boolean; category?: string } = {}): Promise<DeviceReport[]> {
  const rows = await store.devices({ category: options.category });
  return options.detail ? detailedReports(store, rows) : rows.map(deviceSummary);
}

/** Reports for these devices with their addresses, services and evidence. */
export async function detailedReports(store: InventoryStore, rows: readonly DeviceRow[]): Promise<DeviceReport[]> {
  const reports = rows.map(deviceSummary);
  if (reports.length === 0) return reports;
  const ids = reports.map((r) => r.id);
  const byId = new Map(reports.map((r) => [r.id, r]));
  for (const r of reports) {
    r.addresses = [];
    r.services = [];
    r.evidence = [];
  }
  for (const i of await store.identifiersOf(ids)) byId.get(Number(i.device_id))!.addresses!.push({ kind: i.kind, value: i.value, firstSeen: iso(i.first_seen), lastSeen: iso(i.last_seen) });
  for (const sv of await store.servicesOf(ids)) byId.get(Number(sv.device_id))!.services!.push({ transport: sv.transport, port: sv.port, direction: sv.direction, service: sv.service, flows: Number(sv.flows) });
  for (const c of await store.candidatesOf(ids)) byId.get(Number(c.device_id))!.evidence!.push({ attribute: c.attribute, value: c.value, source: c.source, confidence: c.confidence, count: Number(c.count), facts: JSON.parse(c.evidence) });
  for (const r of reports) {
    r.services!.sort((a, b) => a.direction.localeCompare(b.direction) || a.transport.localeCompare(b.transport) || a.port - b.port);
    r.evidence!.sort((a, b) => a.attribute.localeCompare(b.attribute) || b.confidence - a.confidence);
  }
  return reports;
}

const CSV_COLUMNS = ['id', 'ip', 'mac', 'hostname', 'vendor', 'model', 'firmware', 'os', 'serial', 'category', 'role', 'zone', 'vlan', 'firstSeen', 'lastSeen'] as const;

/** RFC 4180 CSV; cells starting with = + - @ are prefixed with ' so spreadsheets do not run them. */
export function devicesCsv(reports: readonly DeviceReport[]): string {
  const cell = (v: unknown) => {
    let s = v === null || v === undefined ? '' : String(v);
    if (/^[=+\-@]/.test(s)) s = `'${s}`;
    return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
  };
  return [CSV_COLUMNS.join(','), ...reports.map((r) => CSV_COLUMNS.map((c) => cell(r[c])).join(','))].join('\r\n') + '\r\n';
}

/** A fixed-width table for the terminal; `~` marks a value whose sources disagree. */
export function devicesTable(reports: readonly DeviceReport[]): string {
  const cols: [string, (r: DeviceReport) => string][] = [
    ['IP', (r) => r.ip ?? ''],
    ['MAC', (r) => r.mac ?? ''],
    ['HOSTNAME', (r) => r.hostname ?? ''],
    ['VENDOR', (r) => mark(r, 'vendor', r.vendor)],
    ['MODEL', (r) => mark(r, 'model', r.model)],
    ['CATEGORY', (r) => mark(r, 'category', r.category)],
    ['ROLE', (r) => mark(r, 'role', r.role)],
    ['ZONE', (r) => r.zone ?? ''],
  ];
  const cells = reports.map((r) => cols.map(([, f]) => f(r).slice(0, 32)));
  const widths = cols.map(([h], i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const line = (c: string[]) => c.map((x, i) => x.padEnd(widths[i])).join('  ').trimEnd();
  return [line(cols.map(([h]) => h)), ...cells.map(line)].join('\n');
}

function mark(r: DeviceReport, attr: string, value: string | null): string {
  if (value === null) return '';
  return r.confidence[attr]?.disagreement ? `${value} ~` : value;
}
