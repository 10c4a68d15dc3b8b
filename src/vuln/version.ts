/**
 * Versions as medical device firmware writes them (12.1.2, 8.00.01, M.00.03, R3.1.1, v20D29, 4.33,
 * 12.2.x.x) and the version constraints advisories state (CSAF `vers:` strings and product_version_range
 * names such as "<= 2.3.6", "2.3.6 and below", "v8.x", CVE 5 lessThan/lessThanOrEqual).
 *
 * A version is a list of segments split at dots, dashes, underscores, spaces and letter/digit
 * boundaries; numbers compare as numbers, letters as text, and where one has a number and the other a
 * letter the number sorts last. A missing segment is 0 (12.1 = 12.1.0) and sorts before a letter
 * (2.4 < 2.4A < 2.4.1). `x` or `*` is a wildcard: as an upper bound it stands for any value.
 */

export type Segment = number | string | typeof WILDCARD;
export const WILDCARD = Symbol('wildcard');

export type Constraint =
  | { kind: 'all' }
  | { kind: 'exact'; version: string }
  | { kind: 'range'; min: string | null; minInclusive: boolean; max: string | null; maxInclusive: boolean }
  | { kind: 'unparsed'; text: string };

const parsedCache = new Map<string, Segment[] | null>();

/** Segments of a version, or null when the text holds no digit (a name, not a version). */
export function parseVersion(text: string): Segment[] | null {
  const hit = parsedCache.get(text);
  if (hit !== undefined) return hit;
  let t = text.trim().toLowerCase();
  if (!/\d/.test(t)) {
    remember(text, null);
    return null;
  }
  // "v8.x", "version 12.1", "ver. 2": the prefix is not part of the version.
  t = t.replace(/^(?:version|ver\.?|v(?=\d))\s*/, '');
  const segments: Segment[] = [];
  for (const part of t.split(/[.\-_\s/()]+/)) {
    if (part === '') continue;
    if (part === 'x' || part === '*') {
      segments.push(WILDCARD);
      continue;
    }
    for (const m of part.matchAll(/\d+|[a-z]+/g)) segments.push(/\d/.test(m[0][0]) ? Number(m[0]) : m[0]);
  }
  remember(text, segments);
  return segments;
}

function remember(text: string, v: Segment[] | null): void {
  if (parsedCache.size > 50_000) parsedCache.clear();
  parsedCache.set(text, v);
}

/**
 * -1, 0 or 1. `wildcardAs` says what a wildcard segment in either version means: 'high' sorts it after
 * any value (an upper bound 12.2.x), 'low' before any (a lower bound), 'equal' matches anything.
 */
export function compareSegments(a: readonly Segment[], b: readonly Segment[], wildcardAs: 'high' | 'low' | 'equal' = 'equal'): number {
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a[i];
    const y = b[i];
    if (x === WILDCARD || y === WILDCARD) {
      if (wildcardAs === 'equal') return 0;
      const sign = wildcardAs === 'high' ? 1 : -1;
      return x === WILDCARD ? (y === WILDCARD ? 0 : sign) : -sign;
    }
    // A missing segment is 0 (12.1 = 12.1.0); a missing segment before a letter sorts first (2.4 < 2.4a).
    const xv = x ?? (typeof y === 'number' ? 0 : '');
    const yv = y ?? (typeof x === 'number' ? 0 : '');
    if (typeof xv === 'number' && typeof yv === 'number') {
      if (xv !== yv) return xv < yv ? -1 : 1;
    } else if (typeof xv === 'string' && typeof yv === 'string') {
      if (xv !== yv) return xv < yv ? -1 : 1;
    } else {
      // Numbers after letters: a release (2.4.1) follows a lettered pre-release label (2.4.a) at the same place.
      return typeof xv === 'number' ? 1 : -1;
    }
  }
  return 0;
}

/** Compares two version strings; null when either is no version. */
export function compareVersions(a: string, b: string): number | null {
  const x = parseVersion(a);
  const y = parseVersion(b);
  if (!x || !y) return null;
  return compareSegments(x, y);
}

const VERSION_TOKEN = /^(?:v|r)?\d+(?:[.\-_][0-9a-z*]+)*[a-z]?$|^[a-z]\.\d+(?:\.\d+)*$|^v?\d+[a-z]\d+$/i;

/**
 * The version inside a longer text: "Systems Manager 4.33" -> 4.33, "PIIC iX C.03" -> C.03,
 * "v8.x model 35700BAX2" -> v8.x. The first token that looks like a version; null when there is none.
 */
export function extractVersion(text: string): string | null {
  const tokens = text.trim().split(/[\s,;()]+/).filter(Boolean);
  if (tokens.length === 1 && /^\d+$/.test(tokens[0])) return tokens[0];
  for (const t of tokens) {
    // A bare integer inside a longer text is more often a model number ("HD 16", "CR-IR 357").
    if (/^\d+$/.test(t)) continue;
    if (VERSION_TOKEN.test(t) && /\d/.test(t)) return t;
  }
  return null;
}

const UPPER_WORDS = /\s+(?:and|or)\s+(?:below|earlier|prior|older|lower|before)\b.*$/i;
const BEFORE_WORDS = /^(?:prior\s+to|before|earlier\s+than|older\s+than|up\s+to\s+but\s+not\s+including)\s+/i;

/** Reads a constraint as advisories write it. Anything it cannot read is `unparsed`, keeping the text. */
export function parseConstraint(raw: string): Constraint {
  const text = raw.trim();
  const lower = text.toLowerCase();
  if (lower === '' || lower === '*' || lower === 'vers:all/*' || /\ball\s+versions?\b/.test(lower) || lower === 'all') return { kind: 'all' };
  if (lower.startsWith('vers:')) return parseVers(text);
  if (UPPER_WORDS.test(text)) {
    const v = extractVersion(text.replace(UPPER_WORDS, ''));
    return v ? { kind: 'range', min: null, minInclusive: true, max: v, maxInclusive: true } : { kind: 'unparsed', text };
  }
  if (BEFORE_WORDS.test(text)) {
    const v = extractVersion(text.replace(BEFORE_WORDS, ''));
    return v ? { kind: 'range', min: null, minInclusive: true, max: v, maxInclusive: false } : { kind: 'unparsed', text };
  }
  if (/[<>]/.test(text)) return parseComparisons(text.split(/\s*(?:\||,|\band\b)\s*/i), text);
  const span = /^(\S+)\s+(?:to|through|-)\s+(\S+)$/i.exec(text);
  if (span && extractVersion(span[1]) && extractVersion(span[2])) {
    return { kind: 'range', min: extractVersion(span[1]), minInclusive: true, max: extractVersion(span[2]), maxInclusive: true };
  }
  const v = extractVersion(text);
  if (!v) return { kind: 'unparsed', text };
  // "2.X", "v8.x": every version under that prefix.
  if (/[.\-_](?:x|\*)$/i.test(v)) return { kind: 'range', min: v, minInclusive: true, max: v, maxInclusive: true };
  return { kind: 'exact', version: v };
}

function parseVers(text: string): Constraint {
  // vers:<scheme>/<constraint>|<constraint>...  (https://github.com/package-url/purl-spec VERS)
  const body = text.slice(text.indexOf('/') + 1);
  if (body.trim() === '*') return { kind: 'all' };
  const parts = body.split('|').map((p) => p.trim()).filter(Boolean);
  if (parts.length === 1 && !/^[<>=!]/.test(parts[0])) {
    const v = extractVersion(parts[0]);
    return v ? { kind: 'exact', version: v } : { kind: 'unparsed', text };
  }
  return parseComparisons(parts, text);
}

function parseComparisons(parts: readonly string[], text: string): Constraint {
  let min: string | null = null;
  let max: string | null = null;
  let minInclusive = true;
  let maxInclusive = true;
  for (const p of parts) {
    const m = /^\s*([<>]=?|=)\s*(.+?)\s*$/.exec(p);
    if (!m) continue;
    const v = extractVersion(m[2]) ?? (parseVersion(m[2]) ? m[2].trim() : null);
    if (!v) continue;
    if (m[1].startsWith('<')) {
      max = v;
      maxInclusive = m[1] === '<=';
    } else if (m[1].startsWith('>')) {
      min = v;
      minInclusive = m[1] === '>=';
    } else return { kind: 'exact', version: v };
  }
  if (min === null && max === null) return { kind: 'unparsed', text };
  return { kind: 'range', min, minInclusive, max, maxInclusive };
}

/** Whether `version` satisfies the constraint: true, false, or null when either cannot be read. */
export function satisfies(version: string, c: Constraint): boolean | null {
  if (c.kind === 'all') return true;
  if (c.kind === 'unparsed') return null;
  const v = parseVersion(extractVersion(version) ?? version);
  if (!v) return null;
  if (c.kind === 'exact') {
    const e = parseVersion(c.version);
    return e ? compareSegments(v, e, 'equal') === 0 : null;
  }
  if (c.min !== null) {
    const lo = parseVersion(c.min);
    if (!lo) return null;
    const cmp = compareSegments(v, lo, 'low');
    if (cmp < 0 || (cmp === 0 && !c.minInclusive)) return false;
  }
  if (c.max !== null) {
    const hi = parseVersion(c.max);
    if (!hi) return null;
    const cmp = compareSegments(v, hi, 'high');
    if (cmp > 0 || (cmp === 0 && !c.maxInclusive)) return false;
  }
  return true;
}
