/**
 * What an importer reads out of one feed file, before it is stored: per CVE the facts the file states
 * (a patch: absent fields say nothing), the products it names with their version constraints, and one
 * error per entry it could not read. Every importer is a pure function of the parsed file.
 */
import type { Constraint } from './version.js';

export type FeedFormat = 'csaf' | 'cve5' | 'kev' | 'nvd' | 'epss';

export type AttackVector = 'network' | 'adjacent' | 'local' | 'physical';

export interface Remediation {
  /** CSAF remediation category: vendor_fix, workaround, mitigation, none_available, no_fix_planned. */
  category: string;
  details: string;
  url?: string;
  advisory?: string;
}

export interface VulnPatch {
  cve: string;
  title?: string;
  /** A title for the CVE when no feed gives a better one (a CSAF advisory's own title). */
  fallbackTitle?: string;
  description?: string;
  cvssScore?: number;
  cvssVector?: string;
  attackVector?: AttackVector;
  cwe?: string;
  kev?: { dateAdded: string | null; ransomware: string | null };
  epss?: { score: number; percentile: number | null };
  /** SSVC Exploitation: none, poc, active. */
  exploitation?: 'none' | 'poc' | 'active';
  automatable?: 'yes' | 'no';
  technicalImpact?: 'partial' | 'total';
  advisories?: string[];
  remediations?: Remediation[];
}

export interface ProductEntry {
  cve: string;
  advisory: string | null;
  vendor: string;
  product: string;
  status: 'affected' | 'fixed' | 'unaffected';
  versionText: string | null;
  constraint: Constraint;
  fixedVersion: string | null;
}

export interface ParsedFeed {
  format: FeedFormat;
  /** The feed's own date, when it states one. */
  published: string | null;
  /** Entries read (CVEs, KEV entries, EPSS rows), whether or not they carried products. */
  entries: number;
  vulns: VulnPatch[];
  products: ProductEntry[];
  /** `file: entry: problem`, one per entry that was skipped. */
  errors: string[];
}

export class FeedError extends Error {
  override name = 'FeedError';
}

const AV: Record<string, AttackVector> = { N: 'network', A: 'adjacent', L: 'local', P: 'physical' };

/** The attack vector of a CVSS v3 or v4 vector string ("CVSS:3.1/AV:N/..."). */
export function attackVectorOf(vector: string | undefined | null): AttackVector | undefined {
  const m = vector ? /(?:^|\/)AV:([NALP])(?:\/|$)/.exec(vector) : null;
  return m ? AV[m[1]] : undefined;
}

const vectorCache = new Map<string, Map<string, string>>();

/** One metric of a CVSS vector, e.g. metricOf(v, 'AC') -> 'L'. Vectors are parsed once: a site has a few thousand. */
export function metricOf(vector: string | undefined | null, metric: string): string | undefined {
  if (!vector) return undefined;
  let parsed = vectorCache.get(vector);
  if (!parsed) {
    parsed = new Map();
    for (const part of vector.split('/')) {
      const i = part.indexOf(':');
      if (i > 0) parsed.set(part.slice(0, i), part.slice(i + 1));
    }
    if (vectorCache.size > 20_000) vectorCache.clear();
    vectorCache.set(vector, parsed);
  }
  return parsed.get(metric);
}

export const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
export const asArray = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
export const asString = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined);

export const CVE_ID = /^CVE-\d{4}-\d{4,}$/;

/** Text of the first English description (CVE 5 and NVD both use [{lang, value}]). */
export function englishText(list: unknown): string | undefined {
  const items = asArray(list).filter(isObject);
  const en = items.find((d) => typeof d.lang === 'string' && d.lang.toLowerCase().startsWith('en')) ?? items[0];
  return en ? asString(en.value) : undefined;
}

const FIXED_IN = [
  /(?:version|release|firmware|software|v)\s*([0-9][0-9a-z.\-_]*[0-9a-z])\s*(?:\([^)]*\)\s*)?(?:or|and)\s*(?:later|higher|newer|above)/i,
  /(?:upgrade|update|updating|upgrading)\s+to\s+(?:[^\s\d]\S*\s+){0,6}?(?:version\s+|v)?([0-9][0-9a-z.\-_]*[0-9a-z])/i,
  /fixed\s+in\s+(?:version\s+|v)?([0-9][0-9a-z.\-_]*[0-9a-z])/i,
];

/** The fixed version a vendor_fix remediation names ("update to version 12.3.1 or later"), if any. */
export function fixedVersionIn(text: string): string | null {
  for (const re of FIXED_IN) {
    const m = re.exec(text);
    if (m) return m[1].replace(/[.\-_]+$/, '');
  }
  return null;
}
