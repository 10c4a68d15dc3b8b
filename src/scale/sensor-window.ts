/**
 * A sensor window: what one sensor learned in one stretch of traffic (a file, or a few minutes of a
 * mirror port), as the central service receives it. Version 1 of the schema; a central service
 * refuses a version it does not know rather than guessing (docs/scale-out.md).
 *
 * Facts travel as tuples, not objects: a large site's window holds hundreds of thousands of them,
 * and a tuple is a third of the bytes and quicker to check.
 */
import { gunzipSync, gzipSync } from 'node:zlib';
import { z } from 'zod';
import { EvidenceSnapshot, type HostEvidence, type SeenConnection, type SeenConnectionFact, type SeenFact, type SeenHost, type SeenService } from '../inventory/inventory-collector.js';
import type { SiteZone } from '../inventory/site-zones.js';
import type { Alert, Incident } from '../detect/alert.js';
import { SEVERITIES } from '../detect/alert.js';

export const WINDOW_SCHEMA_VERSION = 1;

/** Names a site or sensor may have: they become parts of NATS subjects, so no dots, spaces or wildcards. */
export const NAME_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

const num = z.number().finite();
const name = z.string().regex(NAME_PATTERN, 'letters, digits, - and _ only (at most 64)');

const hostTuple = z.tuple([z.string(), z.string().nullable(), z.string(), num, num, z.number().int().nullable()]);
const factTuple = z.tuple([z.string(), z.string(), z.string(), z.number().int().nonnegative(), num, num, z.number().int().nullable()]);
const serviceTuple = z.tuple([z.string(), z.string(), z.number().int(), z.enum(['listen', 'client']), z.string().nullable(), z.number().int().nonnegative(), num, num]);
const connectionTuple = z.tuple([z.string(), z.string(), z.string(), z.number().int(), z.string().nullable(), z.number().int().nonnegative(), z.number().nonnegative(), num, num]);
const connectionFactTuple = z.tuple([z.number().int().nonnegative(), z.string(), z.string(), z.boolean(), z.number().int().nonnegative(), num, num]);

const zoneSchema = z.object({
  id: z.string(),
  name: z.string(),
  kind: z.string(),
  site: z.string().nullable(),
  department: z.string().nullable(),
  subnets: z.array(z.object({ base: z.number().int(), bits: z.number().int().min(0).max(128), text: z.string() })),
  vlans: z.array(z.number().int()),
});

const severity = z.enum(SEVERITIES as unknown as [string, ...string[]]);
const evidenceValue = z.union([z.string(), num, z.boolean(), z.array(z.string()), z.array(num)]);
const hostSchema = z.object({ ip: z.string(), mac: z.string().nullable() });
const flowRef = z.object({ id: z.number().int(), proto: z.string(), src: z.string(), sport: z.number().int(), dst: z.string(), dport: z.number().int(), ts: num });
const alertSchema = z.object({
  uid: z.string().min(1),
  rule: z.string().min(1),
  severity,
  baseSeverity: severity,
  status: z.enum(['new', 'acknowledged', 'resolved']),
  title: z.string(),
  description: z.string(),
  device: hostSchema,
  deviceId: z.number().int().nullable(),
  category: z.string().nullable(),
  safetyImpact: z.string().nullable(),
  srcIp: z.string(),
  dstIp: z.string().nullable(),
  firstTs: num,
  lastTs: num,
  count: z.number().int().nonnegative(),
  incident: z.string().nullable(),
  evidence: z.record(z.string(), evidenceValue),
  flows: z.array(flowRef),
  severityReasons: z.array(z.string()),
});
const incidentSchema = z.object({
  uid: z.string().min(1),
  title: z.string(),
  severity,
  firstTs: num,
  lastTs: num,
  hosts: z.array(z.string()),
  rules: z.array(z.string()),
  alerts: z.array(z.string()),
});

export const sensorWindowSchema = z.object({
  v: z.literal(WINDOW_SCHEMA_VERSION),
  sensor: name,
  site: name,
  /** One run of the sensor process: with `seq`, names the window however often it is delivered. */
  run: z.string().regex(/^[A-Za-z0-9-]{1,64}$/),
  seq: z.number().int().positive(),
  vigil: z.string(),
  capture: z.object({ name: z.string(), packets: z.number().int().nonnegative(), bytes: z.number().nonnegative(), firstTs: num.nullable(), lastTs: num.nullable() }),
  zones: z.array(zoneSchema),
  /** Counts since the sensor started, so the newest window tells the whole story even if an older one was lost. */
  drops: z.object({ windows: z.number().int().nonnegative(), bytes: z.number().nonnegative(), capture: z.number().int().nonnegative() }),
  evidence: z.object({
    /** [key, mac, ip, first, last, vlan] */
    hosts: z.array(hostTuple),
    /** [host key, fact key, value as JSON text, count, first, last, flow] */
    facts: z.array(factTuple),
    /** [host key, transport, port, direction, service, flows, first, last] */
    services: z.array(serviceTuple),
    /** [client host key, server host key, transport, port, service, flows, bytes, first, last] */
    connections: z.array(connectionTuple),
    /** [index into connections, key, value as JSON text, sent by the client, count, first, last] */
    connectionFacts: z.array(connectionFactTuple),
  }),
  alerts: z.array(alertSchema),
  incidents: z.array(incidentSchema),
});

export type SensorWindow = z.infer<typeof sensorWindowSchema>;
export type WindowEvidence = SensorWindow['evidence'];

/** `sensor/run/seq`: the window's id in ingest_batches and the JetStream de-duplication header. */
export const batchId = (w: Pick<SensorWindow, 'sensor' | 'run' | 'seq'>): string => `${w.sensor}/${w.run}/${w.seq}`;

export class WindowFormatError extends Error {
  override name = 'WindowFormatError';
}

/** The evidence as tuples. */
export function encodeEvidence(e: HostEvidence): WindowEvidence {
  e.finish();
  const hosts = [...e.hosts.values()].map((h) => [h.key, h.mac, h.ip, h.first, h.last, h.vlan] as [string, string | null, string, number, number, number | null]);
  const facts: WindowEvidence['facts'] = [];
  for (const [host, map] of e.facts) for (const f of map.values()) facts.push([host, f.key, f.valueText, f.count, f.first, f.last, f.flow]);
  const services: WindowEvidence['services'] = [];
  for (const [host, map] of e.services) for (const s of map.values()) services.push([host, s.transport, s.port, s.direction, s.service, s.flows, s.first, s.last]);
  const connections: WindowEvidence['connections'] = [];
  const index = new Map<string, number>();
  for (const [id, c] of e.connections) {
    index.set(id, connections.length);
    connections.push([c.client, c.server, c.transport, c.port, c.service, c.flows, c.bytes, c.first, c.last]);
  }
  const connectionFacts: WindowEvidence['connectionFacts'] = [];
  for (const [id, list] of e.connectionFacts()) {
    const i = index.get(id);
    if (i === undefined) continue;
    for (const f of list) connectionFacts.push([i, f.key, f.valueText, f.fromClient, f.count, f.first, f.last]);
  }
  return { hosts, facts, services, connections, connectionFacts };
}

/** The evidence back as the inventory update reads it. Throws WindowFormatError for a fact value that is not JSON. */
export function decodeEvidence(w: WindowEvidence): HostEvidence {
  // Tuples are read by index: destructuring them would step an iterator per field, and a window has
  // tens of thousands of them.
  const hosts = new Map<string, SeenHost>();
  for (const t of w.hosts) hosts.set(t[0], { key: t[0], mac: t[1], ip: t[2], first: t[3], last: t[4], vlan: t[5] });
  const facts = new Map<string, Map<string, SeenFact>>();
  for (const t of w.facts) {
    const host = t[0];
    const key = t[1];
    const valueText = t[2];
    let value: SeenFact['value'];
    try {
      value = JSON.parse(valueText) as SeenFact['value'];
    } catch {
      throw new WindowFormatError(`fact ${key} of host ${host}: value is not JSON`);
    }
    let map = facts.get(host);
    if (!map) facts.set(host, (map = new Map()));
    map.set(`${key}\u0000${valueText}`, { key, value, valueText, count: t[3], first: t[4], last: t[5], flow: t[6] });
  }
  const services = new Map<string, Map<string, SeenService>>();
  for (const t of w.services) {
    let map = services.get(t[0]);
    if (!map) services.set(t[0], (map = new Map()));
    map.set(`${t[1]}/${t[2]}/${t[3]}`, { transport: t[1], port: t[2], direction: t[3], service: t[4], flows: t[5], first: t[6], last: t[7] });
  }
  const connections = new Map<string, SeenConnection>();
  const ids: string[] = [];
  for (const t of w.connections) {
    const id = `${t[0]}\u0000${t[1]}\u0000${t[2]}/${t[3]}`;
    ids.push(id);
    connections.set(id, { client: t[0], server: t[1], transport: t[2], port: t[3], service: t[4], flows: t[5], bytes: t[6], first: t[7], last: t[8] });
  }
  const byConnection = new Map<string, SeenConnectionFact[]>();
  for (const t of w.connectionFacts) {
    const id = ids[t[0]];
    if (id === undefined) throw new WindowFormatError(`connection fact ${t[1]}: connection ${t[0]} is not in the window`);
    let list = byConnection.get(id);
    if (!list) byConnection.set(id, (list = []));
    list.push({ key: t[1], valueText: t[2], fromClient: t[3], count: t[4], first: t[5], last: t[6] });
  }
  return new EvidenceSnapshot(hosts, facts, services, connections, byConnection);
}

export interface WindowParts {
  sensor: string;
  site: string;
  run: string;
  seq: number;
  vigil: string;
  capture: SensorWindow['capture'];
  zones: readonly SiteZone[];
  drops: SensorWindow['drops'];
  evidence: HostEvidence;
  alerts: readonly Alert[];
  incidents: readonly Incident[];
}

export function buildWindow(p: WindowParts): SensorWindow {
  return {
    v: WINDOW_SCHEMA_VERSION,
    sensor: p.sensor,
    site: p.site,
    run: p.run,
    seq: p.seq,
    vigil: p.vigil,
    capture: p.capture,
    zones: p.zones.map((z) => ({ ...z, subnets: z.subnets.map((s) => ({ ...s })), vlans: [...z.vlans] })),
    drops: p.drops,
    evidence: encodeEvidence(p.evidence),
    alerts: p.alerts.map((a) => ({ ...a, flows: [...a.flows], severityReasons: [...a.severityReasons] })) as SensorWindow['alerts'],
    incidents: p.incidents.map((i) => ({ ...i })),
  };
}

/** gzip'd JSON: facts repeat keys and values, so it shrinks several times over. */
export function serializeWindow(w: SensorWindow): Buffer {
  return gzipSync(Buffer.from(JSON.stringify(w)), { level: 6 });
}

/** Parses and checks a window; every failure is a WindowFormatError naming what is wrong and where. */
export function parseWindow(bytes: Uint8Array): SensorWindow {
  let json: unknown;
  try {
    json = JSON.parse(gunzipSync(bytes).toString('utf8'));
  } catch (err) {
    throw new WindowFormatError(`not a gzip'd JSON window (${(err as Error).message})`);
  }
  if (json && typeof json === 'object' && 'v' in json && (json as { v: unknown }).v !== WINDOW_SCHEMA_VERSION) {
    throw new WindowFormatError(`schema version ${String((json as { v: unknown }).v)} is not one this central service reads (it reads ${WINDOW_SCHEMA_VERSION})`);
  }
  // The evidence is most of a window: checked here in one pass, without zod's copy of every tuple.
  // Anything this check does not accept goes through zod whole, which names the first problem.
  const evidence = checkedEvidence(json);
  if (evidence) {
    const rest = sensorWindowSchema.safeParse({ ...(json as object), evidence: { hosts: [], facts: [], services: [], connections: [], connectionFacts: [] } });
    if (rest.success) return { ...rest.data, evidence };
  }
  const parsed = sensorWindowSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new WindowFormatError(`${issue.path.join('.') || '(window)'}: ${issue.message}${parsed.error.issues.length > 1 ? ` (and ${parsed.error.issues.length - 1} more)` : ''}`);
  }
  return parsed.data;
}

const isInt = (v: unknown): v is number => Number.isSafeInteger(v);
const isCount = (v: unknown): boolean => Number.isSafeInteger(v) && (v as number) >= 0;
const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isStr = (v: unknown): v is string => typeof v === 'string';
const isStrOrNull = (v: unknown): boolean => v === null || typeof v === 'string';
const isIntOrNull = (v: unknown): boolean => v === null || Number.isSafeInteger(v);

/** Every tuple of `list` has exactly `length` elements, each passing its test. */
function allTuples(list: unknown, length: number, test: (t: unknown[]) => boolean): list is unknown[][] {
  if (!Array.isArray(list)) return false;
  for (const t of list) if (!Array.isArray(t) || t.length !== length || !test(t)) return false;
  return true;
}

/**
 * The window's evidence if every tuple is one the schema accepts (the same tests, or stricter), else
 * null. Only a sufficient check: what it refuses, the schema judges.
 */
function checkedEvidence(json: unknown): WindowEvidence | null {
  if (!json || typeof json !== 'object' || Array.isArray(json)) return null;
  const e = (json as { evidence?: unknown }).evidence;
  if (!e || typeof e !== 'object' || Array.isArray(e)) return null;
  const { hosts, facts, services, connections, connectionFacts } = e as Record<string, unknown>;
  const ok =
    allTuples(hosts, 6, (t) => isStr(t[0]) && isStrOrNull(t[1]) && isStr(t[2]) && isNum(t[3]) && isNum(t[4]) && isIntOrNull(t[5])) &&
    allTuples(facts, 7, (t) => isStr(t[0]) && isStr(t[1]) && isStr(t[2]) && isCount(t[3]) && isNum(t[4]) && isNum(t[5]) && isIntOrNull(t[6])) &&
    allTuples(services, 8, (t) => isStr(t[0]) && isStr(t[1]) && isInt(t[2]) && (t[3] === 'listen' || t[3] === 'client') && isStrOrNull(t[4]) && isCount(t[5]) && isNum(t[6]) && isNum(t[7])) &&
    allTuples(connections, 9, (t) => isStr(t[0]) && isStr(t[1]) && isStr(t[2]) && isInt(t[3]) && isStrOrNull(t[4]) && isCount(t[5]) && isNum(t[6]) && (t[6] as number) >= 0 && isNum(t[7]) && isNum(t[8])) &&
    allTuples(connectionFacts, 7, (t) => isCount(t[0]) && isStr(t[1]) && isStr(t[2]) && typeof t[3] === 'boolean' && isCount(t[4]) && isNum(t[5]) && isNum(t[6]));
  return ok ? ({ hosts, facts, services, connections, connectionFacts } as WindowEvidence) : null;
}

/** Zones as the inventory reads them (the schema checks shape; the kinds are the site file's own). */
export const windowZones = (w: SensorWindow): SiteZone[] => w.zones as SiteZone[];
export const windowAlerts = (w: SensorWindow): { alerts: Alert[]; incidents: Incident[] } => ({ alerts: w.alerts as Alert[], incidents: w.incidents as Incident[] });
