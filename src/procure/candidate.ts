/**
 * The device the hospital intends to buy, as a candidate file (YAML) describes it. Every missing or
 * malformed field is reported at once, naming the file and the field, so the author fixes them in one pass.
 */
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';

export interface Candidate {
  vendor: string;
  model: string;
  softwareVersion: string;
  /** A category id of knowledge/taxonomy.json. */
  category: string;
  site: string;
  /** A zone id of the site file (the store's zones). */
  zone: string;
  /** Device names, IP addresses, roles or categories (pacs, hl7-engine, pump-server) it will talk with. */
  peers: string[];
  count: number;
  /** Services it will listen on, e.g. "tcp/104 dicom" (optional: the vendor's port list). */
  listens: string[];
}

const REQUIRED = ['vendor', 'model', 'softwareVersion', 'category', 'site', 'zone', 'peers', 'count'] as const;
/** Spellings accepted for each field: YAML authors write software_version or version as often as softwareVersion. */
const ALIASES: Record<string, string[]> = {
  softwareVersion: ['softwareVersion', 'software_version', 'software version', 'version', 'firmware'],
  zone: ['zone', 'intendedZone', 'intended_zone', 'vlan'],
  peers: ['peers', 'intendedPeers', 'intended_peers'],
  count: ['count', 'quantity'],
};

export class CandidateError extends Error {
  constructor(
    readonly file: string,
    readonly problems: string[],
  ) {
    super(`${file}: ${problems.length} problem${problems.length === 1 ? '' : 's'}:\n  - ${problems.join('\n  - ')}`);
  }
}

export function parseCandidate(text: string, file: string, categories?: ReadonlySet<string>): Candidate {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (err) {
    throw new CandidateError(file, [`not valid YAML: ${(err as Error).message}`]);
  }
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) throw new CandidateError(file, ['expected a mapping of fields (vendor, model, softwareVersion, category, site, zone, peers, count)']);
  const o = doc as Record<string, unknown>;
  const problems: string[] = [];
  const get = (field: string): unknown => {
    for (const k of ALIASES[field] ?? [field]) if (o[k] !== undefined && o[k] !== null && o[k] !== '') return o[k];
    return undefined;
  };
  const missing = REQUIRED.filter((f) => get(f) === undefined);
  if (missing.length) problems.push(`missing field${missing.length > 1 ? 's' : ''}: ${missing.join(', ')}`);
  const text1 = (field: string): string => {
    const v = get(field);
    if (v === undefined) return '';
    if (typeof v === 'string' || typeof v === 'number') return String(v).trim();
    problems.push(`${field}: expected text, got ${JSON.stringify(v)}`);
    return '';
  };
  const list = (field: string): string[] => {
    const v = get(field);
    if (v === undefined) return [];
    const items = Array.isArray(v) ? v : [v];
    const out: string[] = [];
    items.forEach((x, i) => {
      if (typeof x === 'string' || typeof x === 'number') out.push(String(x).trim());
      else problems.push(`${field}[${i}]: expected text, got ${JSON.stringify(x)}`);
    });
    return out.filter(Boolean);
  };
  const c: Candidate = {
    vendor: text1('vendor'),
    model: text1('model'),
    softwareVersion: text1('softwareVersion'),
    category: text1('category'),
    site: text1('site'),
    zone: text1('zone'),
    peers: list('peers'),
    count: 0,
    listens: list('listens'),
  };
  const count = get('count');
  if (count !== undefined) {
    if (typeof count === 'number' && Number.isInteger(count) && count >= 1) c.count = count;
    else problems.push(`count: expected a whole number of at least 1, got ${JSON.stringify(count)}`);
  }
  if (get('peers') !== undefined && c.peers.length === 0 && !problems.some((p) => p.startsWith('peers'))) problems.push('peers: the list is empty');
  if (c.category && categories && !categories.has(c.category)) problems.push(`category: "${c.category}" is not a category of knowledge/taxonomy.json`);
  c.listens.forEach((s, i) => {
    if (!/^(tcp|udp)\/\d{1,5}( .+)?$/.test(s)) problems.push(`listens[${i}]: "${s}" is not "tcp/PORT [service]" or "udp/PORT [service]"`);
  });
  if (problems.length) throw new CandidateError(file, problems);
  return c;
}

export function readCandidate(file: string, categories?: ReadonlySet<string>): Candidate {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new CandidateError(file, [`not readable: ${(err as Error).message}`]);
  }
  return parseCandidate(text, file, categories);
}
