/**
 * Loads knowledge/port-hints.json (and any user files after it): which medical protocol, vendors and
 * device categories a port suggests. A port is a hint, never proof: confidence is capped at
 * MAX_CONFIDENCE, and every entry must name its published source. Files are validated on load, and a
 * bad entry fails with the file, the entry's index and port, and the problem.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { knowledgeDir } from './knowledge-dir.js';

export type HintTransport = 'tcp' | 'udp';

export interface PortHint {
  readonly transport: HintTransport;
  readonly port: number;
  readonly protocol: string;
  readonly vendors: readonly string[];
  /** Category ids, with `prefix-*` patterns expanded to every matching id. */
  readonly categories: readonly string[];
  readonly roles: readonly string[];
  readonly confidence: number;
  readonly source: string;
  /** The file the entry came from. */
  readonly file: string;
}

export interface PortHints {
  /** Hints for a port, in file order (files in load order); empty when none. */
  hintsFor(transport: HintTransport, port: number): readonly PortHint[];
  readonly all: readonly PortHint[];
}

/** A port alone never says more than this about a device. */
export const MAX_CONFIDENCE = 0.3;

/** The category vocabulary (the ids of knowledge/taxonomy.json). */
export const CATEGORY_IDS: readonly string[] = [
  'infusion-pump', 'pump-server', 'patient-monitor', 'central-station', 'ventilator', 'anaesthesia-machine', 'imaging-ct',
  'imaging-mr', 'imaging-us', 'imaging-dx', 'imaging-cr', 'imaging-mg', 'imaging-nm', 'imaging-xa', 'pacs', 'ris',
  'modality-worklist', 'lab-analyzer', 'lis', 'hl7-engine', 'ehr', 'poct-device', 'medical-gateway', 'workstation', 'server',
  'printer', 'voip-phone', 'network', 'building-controller', 'badge-reader', 'camera', 'guest', 'iot',
];

const ENTRY_KEYS: ReadonlySet<string> = new Set(['transport', 'port', 'protocol', 'vendors', 'categories', 'roles', 'confidence', 'source']);
const PROTOCOL_NAME = /^[a-z0-9][a-z0-9.+-]{0,63}$/;

export class PortHintError extends Error {}

/** knowledge/port-hints.json, or exactly the files of `paths` in order (a user file extends the default by listing both). */
export function loadPortHints(paths?: string[]): PortHints {
  const files = paths ?? [join(knowledgeDir(), 'port-hints.json')];
  const roles = taxonomyRoles();
  const all: PortHint[] = [];
  for (const file of files) all.push(...readFile(file, roles));
  const byPort = new Map<string, PortHint[]>();
  for (const hint of all) {
    const key = `${hint.transport}/${hint.port}`;
    const list = byPort.get(key);
    if (list === undefined) byPort.set(key, [hint]);
    else list.push(hint);
  }
  const none: readonly PortHint[] = Object.freeze([]);
  return {
    all,
    hintsFor: (transport, port) => byPort.get(`${transport}/${port}`) ?? none,
  };
}

/** Role ids of knowledge/taxonomy.json, or null when it cannot be read (roles then go unchecked). */
function taxonomyRoles(): ReadonlySet<string> | null {
  try {
    const taxonomy = JSON.parse(readFileSync(join(knowledgeDir(), 'taxonomy.json'), 'utf8')) as { roles?: Array<{ id?: unknown }> };
    return new Set((taxonomy.roles ?? []).map((r) => String(r.id)));
  } catch {
    return null;
  }
}

function readFile(file: string, roles: ReadonlySet<string> | null): PortHint[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new PortHintError(`${file}: cannot read port hints: ${error instanceof Error ? error.message : String(error)}`);
  }
  const hints = (parsed as { hints?: unknown } | null)?.hints;
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed) || !Array.isArray(hints)) {
    throw new PortHintError(`${file}: expected an object with a "hints" array`);
  }
  return hints.map((entry, index) => readEntry(entry, `${file}: hints[${index}]`, file, roles));
}

function readEntry(entry: unknown, where: string, file: string, roles: ReadonlySet<string> | null): PortHint {
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) throw new PortHintError(`${where}: expected an object`);
  const e = entry as Record<string, unknown>;
  const label = `${where} (${String(e.transport)}/${String(e.port)})`;
  const fail = (problem: string): never => {
    throw new PortHintError(`${label}: ${problem}`);
  };
  for (const key of Object.keys(e)) if (!ENTRY_KEYS.has(key)) fail(`unknown field "${key}"`);
  for (const key of ENTRY_KEYS) if (!(key in e)) fail(`missing field "${key}"`);
  if (e.transport !== 'tcp' && e.transport !== 'udp') fail('transport must be "tcp" or "udp"');
  if (typeof e.port !== 'number' || !Number.isInteger(e.port) || e.port < 1 || e.port > 65535) fail('port must be an integer from 1 to 65535');
  if (typeof e.protocol !== 'string' || !PROTOCOL_NAME.test(e.protocol)) fail('protocol must be a lower-case name ([a-z0-9.+-])');
  const vendors = stringList(e.vendors, 'vendors', fail);
  const categories: string[] = [];
  for (const category of stringList(e.categories, 'categories', fail)) {
    const matches = category.endsWith('*') ? CATEGORY_IDS.filter((id) => id.startsWith(category.slice(0, -1))) : CATEGORY_IDS.filter((id) => id === category);
    if (matches.length === 0) fail(`unknown category "${category}" (known: ${CATEGORY_IDS.join(', ')})`);
    for (const id of matches) if (!categories.includes(id)) categories.push(id);
  }
  const roleList = stringList(e.roles, 'roles', fail);
  if (roles !== null) for (const role of roleList) if (!roles.has(role)) fail(`unknown role "${role}" (not a role of knowledge/taxonomy.json)`);
  if (typeof e.confidence !== 'number' || !(e.confidence > 0 && e.confidence <= MAX_CONFIDENCE)) fail(`confidence must be a number in (0, ${MAX_CONFIDENCE}]: a port is a hint, not proof`);
  if (typeof e.source !== 'string' || e.source.trim().length < 8) fail('source must say where the port is published');
  return {
    transport: e.transport as HintTransport,
    port: e.port as number,
    protocol: e.protocol as string,
    vendors,
    categories,
    roles: roleList,
    confidence: e.confidence as number,
    source: e.source as string,
    file,
  };
}

function stringList(value: unknown, name: string, fail: (problem: string) => never): string[] {
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string' && v.length > 0)) fail(`${name} must be an array of non-empty strings`);
  return [...new Set(value as string[])];
}
