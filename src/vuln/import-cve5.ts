/**
 * CVE JSON 5 records (CVE Record Format 5.x, as published by cvelistV5 and CISA's vulnrichment): the CNA
 * container's title, description, CVSS v3.x (v4.0 when no v3), CWE and affected[] products with their
 * versions (version, lessThan, lessThanOrEqual, status), and the ADP containers: CISA ADP's SSVC options
 * (Exploitation, Automatable, Technical Impact), its KEV entry, scores and affected products.
 */
import { parseConstraint, type Constraint } from './version.js';
import { asArray, asString, attackVectorOf, CVE_ID, englishText, isObject, type ParsedFeed, type ProductEntry, type VulnPatch } from './feed.js';

const NO_BOUND = new Set(['0', '*', 'unspecified', 'n/a', '-', '']);

function constraintOf(v: Record<string, unknown>): { text: string; constraint: Constraint } {
  const version = asString(v.version) ?? '';
  const lt = asString(v.lessThan);
  const lte = asString(v.lessThanOrEqual);
  // Dates and git commits are no firmware version: keep the text, match on the model only.
  if (v.versionType === 'date' || v.versionType === 'git') return { text: [version, lt ?? lte].filter(Boolean).join(' - '), constraint: { kind: 'unparsed', text: version } };
  if (lt || lte) {
    const max = (lt ?? lte)!;
    const min = NO_BOUND.has(version.toLowerCase()) ? null : version;
    if (max === '*') return { text: `>= ${version}`, constraint: { kind: 'range', min, minInclusive: true, max: null, maxInclusive: true } };
    return { text: `${min ? `>= ${min}, ` : ''}${lt ? '<' : '<='} ${max}`, constraint: { kind: 'range', min, minInclusive: true, max, maxInclusive: !lt } };
  }
  return { text: version, constraint: NO_BOUND.has(version.toLowerCase()) && version !== '0' ? { kind: 'all' } : parseConstraint(version) };
}

function readAffected(list: unknown, cve: string, where: string, out: ProductEntry[], errors: string[]): void {
  asArray(list).forEach((a, i) => {
    if (!isObject(a)) {
      errors.push(`${where}: affected[${i}]: not an object`);
      return;
    }
    const vendor = asString(a.vendor);
    const product = asString(a.product);
    // "n/a" vendors name no product (the CVE Program's placeholder for legacy records).
    if (!vendor || !product || vendor.toLowerCase() === 'n/a' || product.toLowerCase() === 'n/a') return;
    const versions = asArray(a.versions).filter(isObject);
    if (versions.length === 0) {
      if (a.defaultStatus === 'affected') out.push({ cve, advisory: null, vendor, product, status: 'affected', versionText: null, constraint: { kind: 'all' }, fixedVersion: null });
      return;
    }
    for (const v of versions) {
      const status = v.status === 'unaffected' ? 'unaffected' : v.status === 'affected' ? 'affected' : null;
      if (!status) {
        errors.push(`${where}: affected[${i}] (${vendor} ${product}): version ${JSON.stringify(v.version ?? null)} has no status affected|unaffected`);
        continue;
      }
      const { text, constraint } = constraintOf(v);
      // lessThan is the first fixed version when the record says nothing else.
      const fixed = status === 'affected' && typeof v.lessThan === 'string' && v.lessThan !== '*' ? v.lessThan.trim() : null;
      out.push({ cve, advisory: null, vendor, product, status, versionText: text, constraint, fixedVersion: fixed });
    }
  });
}

function readMetrics(metrics: unknown, patch: VulnPatch): void {
  let v4: Record<string, unknown> | null = null;
  for (const m of asArray(metrics)) {
    if (!isObject(m)) continue;
    const v3 = isObject(m.cvssV3_1) ? m.cvssV3_1 : isObject(m.cvssV3_0) ? m.cvssV3_0 : null;
    if (v3 && typeof v3.baseScore === 'number' && patch.cvssScore === undefined) {
      patch.cvssScore = v3.baseScore;
      patch.cvssVector = asString(v3.vectorString);
      patch.attackVector = attackVectorOf(patch.cvssVector);
    }
    if (isObject(m.cvssV4_0)) v4 = m.cvssV4_0;
    const other = isObject(m.other) ? m.other : null;
    if (other?.type === 'ssvc' && isObject(other.content)) {
      for (const o of asArray(other.content.options)) {
        if (!isObject(o)) continue;
        const e = asString(o.Exploitation)?.toLowerCase();
        if (e === 'none' || e === 'poc' || e === 'active') patch.exploitation = e;
        const a = asString(o.Automatable)?.toLowerCase();
        if (a === 'yes' || a === 'no') patch.automatable = a;
        const t = asString(o['Technical Impact'])?.toLowerCase();
        if (t === 'partial' || t === 'total') patch.technicalImpact = t;
      }
    }
    if (other?.type === 'kev' && isObject(other.content)) {
      patch.kev = { dateAdded: asString(other.content.dateAdded) ?? null, ransomware: null };
      patch.exploitation = 'active';
    }
  }
  if (patch.cvssScore === undefined && v4 && typeof v4.baseScore === 'number') {
    patch.cvssScore = v4.baseScore;
    patch.cvssVector = asString(v4.vectorString);
    patch.attackVector = attackVectorOf(patch.cvssVector);
  }
}

function cweOf(problemTypes: unknown): string | undefined {
  for (const p of asArray(problemTypes)) {
    for (const d of asArray(isObject(p) ? p.descriptions : [])) {
      if (isObject(d) && typeof d.cweId === 'string' && /^CWE-\d+$/.test(d.cweId)) return d.cweId;
    }
  }
  return undefined;
}

export function parseCve5(doc: unknown, file: string): ParsedFeed {
  const feed: ParsedFeed = { format: 'cve5', published: null, entries: 0, vulns: [], products: [], errors: [] };
  const meta = isObject(doc) && isObject(doc.cveMetadata) ? doc.cveMetadata : null;
  const cve = meta ? asString(meta.cveId) : undefined;
  if (!isObject(doc) || !cve || !CVE_ID.test(cve)) {
    feed.errors.push(`${file}: not a CVE JSON 5 record (cveMetadata.cveId missing or malformed)`);
    return feed;
  }
  const where = `${file} (${cve})`;
  if (meta?.state === 'REJECTED') return feed;
  feed.published = asString(meta?.dateUpdated) ?? null;
  const containers = isObject(doc.containers) ? doc.containers : {};
  const cna = isObject(containers.cna) ? containers.cna : null;
  if (!cna) {
    feed.errors.push(`${where}: containers.cna missing`);
    return feed;
  }
  feed.entries = 1;
  const patch: VulnPatch = { cve };
  const title = asString(cna.title);
  if (title) patch.title = title;
  const description = englishText(cna.descriptions);
  if (description) patch.description = description;
  patch.cwe = cweOf(cna.problemTypes);
  readMetrics(cna.metrics, patch);
  readAffected(cna.affected, cve, `${where}: containers.cna`, feed.products, feed.errors);
  asArray(containers.adp).forEach((adp, i) => {
    if (!isObject(adp)) return;
    readMetrics(adp.metrics, patch);
    patch.cwe ??= cweOf(adp.problemTypes);
    readAffected(adp.affected, cve, `${where}: containers.adp[${i}]`, feed.products, feed.errors);
  });
  if (patch.cwe === undefined) delete patch.cwe;
  feed.vulns.push(patch);
  return feed;
}
