/**
 * Loads and validates the simulator's data files (knowledge/simulator/*.json). Errors name the file,
 * the entry and the field, because these files are meant to be edited by users.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ipv4 } from './bytes.js';

export interface Zone {
  id: string;
  code: string;
  name: string;
  vlan: number;
  tagged: boolean;
  subnet: string;
  clinical?: boolean;
}

export interface Topology {
  site: { name: string; domain: string; start: string; hl7Facility: string };
  zones: Zone[];
  external: { name: string; ip: string }[];
  internetScanners: string[];
}

export interface DhcpHabits {
  vendorClass?: string;
  paramList: number[];
  clientId?: boolean;
  sendHostname?: boolean;
  maxSize?: number;
}

export interface DicomProfile {
  aeTitle: string;
  modality?: string;
  sopClass?: string;
  implClassUid: string;
  implVersion: string;
  manufacturer?: string;
  imageBytes?: number;
  images?: [number, number];
}

export interface WorkflowSpec {
  type: string;
  every?: string;
  to?: string;
  port?: number;
  bytes?: number;
  names?: string[];
  messages?: string[];
  sendingApp?: string;
  receivingApp?: string;
  path?: string;
  userAgent?: string;
  legacyTls?: boolean;
  community?: string;
  sysDescr?: string;
  sysObjectId?: string;
  /** smb: the share mapped on the server (its address is used in the path, so NTLM authenticates). */
  share?: string;
}

/** How a Windows host speaks SMB and NTLM (src/simulate/workflows-it.ts). */
export interface SmbProfile {
  /** NT version and build the NTLMSSP VERSION field carries, e.g. "6.1.7601". */
  ntVersion: string;
  /** SMB2 dialects spoken, as text: "2.0.2", "2.1", "3.0", "3.0.2", "3.1.1". */
  dialects: string[];
  /** SMB1: "none", "offer" (multi-protocol negotiate; a server that accepts SMB1), "only" (the SMB2 client is disabled). */
  smb1: 'none' | 'offer' | 'only';
  /** SMB1 Session Setup NativeOS and NativeLanMan strings. */
  nativeOs?: string;
  nativeLanMan?: string;
}

export interface CatalogueEntry {
  id: string;
  category: string;
  role: string;
  roles?: string[];
  vendor: string;
  oui: string;
  ouiOrganization: string;
  model: string;
  firmware: string[];
  os: string;
  zones: string[];
  count: { fixed?: number; weight?: number; min?: number };
  hostname: string;
  addressing: 'static' | 'dhcp';
  ttl: number;
  dhcp?: DhcpHabits;
  dicom?: DicomProfile;
  bacnet?: { vendorId: number; instanceBase: number };
  smb?: SmbProfile;
  /** IPv6 interface identifiers: "random" (Windows' randomised IIDs) or "eui64" (RFC 4291 modified EUI-64). */
  ipv6?: 'random' | 'eui64';
  userAgent?: string;
  services?: string[];
  hazards?: string[];
  workflows: WorkflowSpec[];
}

export const WORKFLOW_TYPES = new Set([
  'dhcp', 'dns', 'ntp', 'syslog', 'snmp-agent', 'https', 'http', 'hl7', 'dicom-store', 'dicom-worklist', 'rdp', 'print',
  'sip', 'bacnet', 'tcp-heartbeat', 'udp-stream', 'telnet', 'teamviewer', 'inbound-scan', 'lldp', 'astm', 'netbios',
  'intellivue', 'sdc', 'poct1a', 'fhir',
  'smb', 'ipv6', 'dicom-move',
]);

export class CatalogueError extends Error {
  constructor(file: string, where: string, message: string) {
    super(`${file}: ${where}: ${message}`);
    this.name = 'CatalogueError';
  }
}

export function defaultKnowledgeDir(): string {
  // src/simulate or dist/src/simulate: walk up to the folder holding knowledge/.
  let d = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    const k = join(d, 'knowledge', 'simulator');
    try {
      readFileSync(join(k, 'catalogue.json'));
      return k;
    } catch {
      d = dirname(d);
    }
  }
  throw new Error('cannot find knowledge/simulator/catalogue.json above ' + fileURLToPath(import.meta.url));
}

function readJson(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new CatalogueError(path, 'file', `cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new CatalogueError(path, 'file', `not valid JSON: ${(e as Error).message}`);
  }
}

/** "90s", "5m", "4h", or a number of seconds. */
export function parseDuration(s: string | number): number {
  if (typeof s === 'number') return s;
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$/.exec(s);
  if (!m) throw new Error(`bad duration "${s}" (expected e.g. 90s, 5m, 2h)`);
  const mult = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400 }[m[2] ?? 's']!;
  return Number(m[1]) * mult;
}

type Check = (cond: unknown, where: string, msg: string) => void;

export function loadTopology(dir: string): Topology {
  const file = join(dir, 'topology.json');
  const t = readJson(file) as Topology;
  const check: Check = (c, w, m) => {
    if (!c) throw new CatalogueError(file, w, m);
  };
  check(t && typeof t === 'object', 'top level', 'expected an object');
  check(t.site && typeof t.site.domain === 'string', 'site', 'needs name, domain, start, hl7Facility');
  check(!Number.isNaN(Date.parse(t.site.start)), 'site.start', `not an ISO date: ${t.site.start}`);
  check(Array.isArray(t.zones) && t.zones.length > 0, 'zones', 'expected a non-empty array');
  const ids = new Set<string>();
  const vlans = new Set<number>();
  t.zones.forEach((z, i) => {
    const w = `zones[${i}] (${z?.id ?? '?'})`;
    check(typeof z.id === 'string' && !ids.has(z.id), w, 'id missing or duplicated');
    check(Number.isInteger(z.vlan) && z.vlan >= 1 && z.vlan <= 4094 && !vlans.has(z.vlan), w, `vlan must be a unique 1..4094 (got ${z.vlan})`);
    check(typeof z.code === 'string' && /^[A-Z0-9]{1,5}$/.test(z.code), w, 'code must be 1-5 capitals/digits (used in hostnames)');
    const m = /^(\d+\.\d+\.\d+\.\d+)\/(\d+)$/.exec(z.subnet ?? '');
    check(m && Number(m[2]) >= 16 && Number(m[2]) <= 28, w, `subnet must be a.b.c.d/16..28 (got ${z.subnet})`);
    try {
      ipv4(m![1]);
    } catch (e) {
      check(false, w, (e as Error).message);
    }
    ids.add(z.id);
    vlans.add(z.vlan);
  });
  check(Array.isArray(t.external), 'external', 'expected an array of {name, ip}');
  for (const [i, e] of t.external.entries()) {
    check(typeof e.name === 'string' && typeof e.ip === 'string', `external[${i}]`, 'needs name and ip');
    ipv4(e.ip);
  }
  check(Array.isArray(t.internetScanners), 'internetScanners', 'expected an array of IPv4 addresses');
  return t;
}

export function loadCatalogue(dir: string, topo: Topology): CatalogueEntry[] {
  const file = join(dir, 'catalogue.json');
  const doc = readJson(file) as { devices?: CatalogueEntry[] };
  const check: Check = (c, w, m) => {
    if (!c) throw new CatalogueError(file, w, m);
  };
  check(doc && Array.isArray(doc.devices), 'top level', 'expected {"devices": [...]}');
  const zoneIds = new Set(topo.zones.map((z) => z.id));
  const ids = new Set<string>();
  const str = (e: Record<string, unknown>, k: string, w: string): void =>
    check(typeof e[k] === 'string' && (e[k] as string).length > 0, w, `"${k}" must be a non-empty string`);
  doc.devices!.forEach((e, i) => {
    const w = `devices[${i}] (${e?.id ?? '?'})`;
    check(e && typeof e === 'object', w, 'expected an object');
    const r = e as unknown as Record<string, unknown>;
    for (const k of ['id', 'category', 'role', 'vendor', 'oui', 'ouiOrganization', 'model', 'os', 'hostname']) str(r, k, w);
    check(!ids.has(e.id), w, 'duplicate id');
    ids.add(e.id);
    check(/^[0-9A-F]{2}:[0-9A-F]{2}:[0-9A-F]{2}$/.test(e.oui), w, `oui must look like "00:09:5C" (got ${e.oui})`);
    check((parseInt(e.oui.slice(0, 2), 16) & 3) === 0, w, 'oui must be a universally administered unicast block');
    check(Array.isArray(e.firmware) && e.firmware.length > 0, w, 'firmware must be a non-empty array of strings');
    check(Array.isArray(e.zones) && e.zones.length > 0, w, 'zones must be a non-empty array');
    for (const z of e.zones) check(zoneIds.has(z), w, `unknown zone "${z}" (topology has ${[...zoneIds].join(', ')})`);
    check(e.count && (Number.isInteger(e.count.fixed) || typeof e.count.weight === 'number'), w, 'count must be {fixed: n} or {weight: x, min: n}');
    check(e.addressing === 'static' || e.addressing === 'dhcp', w, 'addressing must be "static" or "dhcp"');
    check(e.ttl === 64 || e.ttl === 128 || e.ttl === 255, w, 'ttl must be 64, 128 or 255');
    if (e.addressing === 'dhcp') check(e.dhcp && Array.isArray(e.dhcp.paramList), w, 'dhcp addressing needs dhcp.paramList');
    check(Array.isArray(e.workflows), w, 'workflows must be an array');
    e.workflows.forEach((f, j) => {
      const fw = `${w}.workflows[${j}]`;
      check(WORKFLOW_TYPES.has(f.type), fw, `unknown type "${f.type}" (known: ${[...WORKFLOW_TYPES].join(', ')})`);
      if (f.every !== undefined) {
        try {
          check(parseDuration(f.every) > 0, fw, 'every must be positive');
        } catch (err) {
          check(false, fw, (err as Error).message);
        }
      }
      if (['https', 'http', 'hl7', 'astm', 'dicom-store', 'dicom-worklist', 'dicom-move', 'rdp', 'print', 'sip', 'tcp-heartbeat', 'udp-stream', 'telnet', 'intellivue', 'poct1a', 'fhir'].includes(f.type)) {
        check(typeof f.to === 'string', fw, `${f.type} needs "to" (role:NAME or an external host name)`);
      }
      if (f.type === 'hl7') check(Array.isArray(f.messages) && f.messages.every((m) => /^[A-Z]{3}\^[A-Z0-9]{3}(\^[A-Z0-9_]+)?$/.test(m)), fw, 'hl7 needs messages like "ORU^R01^ORU_R01"');
      if (f.type.startsWith('dicom')) check(e.dicom, fw, `${f.type} needs the entry's "dicom" profile`);
      if (f.type === 'bacnet') check(e.bacnet, fw, 'bacnet needs the entry\'s "bacnet" profile');
      if (f.type === 'smb') check(e.smb && typeof f.to === 'string' && typeof f.share === 'string', fw, 'smb needs the entry\'s "smb" profile, "to" and "share"');
      if (f.type === 'ipv6') check(e.ipv6 === 'random' || e.ipv6 === 'eui64', fw, 'ipv6 needs the entry\'s "ipv6": "random" or "eui64"');
      if (f.type === 'snmp-agent') check(f.community && f.sysDescr && f.sysObjectId, fw, 'snmp-agent needs community, sysDescr, sysObjectId');
    });
    if (e.dicom) {
      check(/^[ -~]{1,16}$/.test(e.dicom.aeTitle.replace(/\{n(:\d+)?\}/, '1')), w, 'dicom.aeTitle must be 1-16 printable ASCII characters');
      check(/^[0-9.]+$/.test(e.dicom.implClassUid) && e.dicom.implClassUid.length <= 64, w, 'dicom.implClassUid must be a UID (digits and dots, <= 64)');
      check(e.dicom.implVersion.length <= 16, w, 'dicom.implVersion must be at most 16 characters');
    }
  });
  // Every "role:X" target must name a role some entry provides.
  const roles = new Set(doc.devices!.flatMap((e) => [e.role, ...(e.roles ?? [])]));
  const externals = new Set(topo.external.map((x) => x.name));
  doc.devices!.forEach((e, i) => e.workflows.forEach((f, j) => {
    if (!f.to) return;
    const w = `devices[${i}] (${e.id}).workflows[${j}]`;
    if (f.to.startsWith('role:')) check(roles.has(f.to.slice(5)), w, `no catalogue entry has role "${f.to.slice(5)}"`);
    else check(externals.has(f.to), w, `"${f.to}" is neither role:NAME nor a topology external name`);
  }));
  return doc.devices!;
}
