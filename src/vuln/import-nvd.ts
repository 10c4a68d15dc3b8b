/**
 * NVD CVE API 2.0 responses ({"format": "NVD_CVE", "vulnerabilities": [{"cve": {...}}]}): description,
 * CVSS v3.1/v3.0 (the NVD's Primary score first), CWE, and the configurations' cpeMatch entries that are
 * vulnerable, each a product (CPE vendor and product) with versionStart/End bounds.
 */
import { parseConstraint, type Constraint } from './version.js';
import { asArray, asString, attackVectorOf, CVE_ID, englishText, isObject, type ParsedFeed, type ProductEntry, type VulnPatch } from './feed.js';

/** cpe:2.3:part:vendor:product:version:... with `\:` escapes; null when it is not a CPE 2.3 name. */
export function splitCpe(cpe: string): { vendor: string; product: string; version: string } | null {
  const parts = cpe.split(/(?<!\\):/);
  if (parts.length < 6 || parts[0] !== 'cpe' || parts[1] !== '2.3') return null;
  const unescape = (s: string) => s.replace(/\\(.)/g, '$1').replace(/_/g, ' ');
  return { vendor: unescape(parts[3]), product: unescape(parts[4]), version: parts[5].replace(/\\(.)/g, '$1') };
}

function cpeConstraint(m: Record<string, unknown>, version: string): { text: string; constraint: Constraint } {
  const si = asString(m.versionStartIncluding);
  const se = asString(m.versionStartExcluding);
  const ei = asString(m.versionEndIncluding);
  const ee = asString(m.versionEndExcluding);
  if (si || se || ei || ee) {
    const text = [si && `>= ${si}`, se && `> ${se}`, ei && `<= ${ei}`, ee && `< ${ee}`].filter(Boolean).join(', ');
    return { text, constraint: { kind: 'range', min: si ?? se ?? null, minInclusive: !se, max: ei ?? ee ?? null, maxInclusive: !ee } };
  }
  if (version === '*' || version === '-') return { text: version, constraint: { kind: 'all' } };
  return { text: version, constraint: parseConstraint(version) };
}

export function parseNvd(doc: unknown, file: string): ParsedFeed {
  const feed: ParsedFeed = { format: 'nvd', published: null, entries: 0, vulns: [], products: [], errors: [] };
  if (!isObject(doc) || !Array.isArray(doc.vulnerabilities)) {
    feed.errors.push(`${file}: not an NVD API 2.0 response (no "vulnerabilities" array)`);
    return feed;
  }
  feed.published = asString(doc.timestamp) ?? null;
  asArray(doc.vulnerabilities).forEach((item, i) => {
    const c = isObject(item) && isObject(item.cve) ? item.cve : null;
    const cve = c ? asString(c.id) : undefined;
    if (!c || !cve || !CVE_ID.test(cve)) {
      feed.errors.push(`${file}: vulnerabilities[${i}]: missing or malformed cve.id`);
      return;
    }
    feed.entries++;
    const patch: VulnPatch = { cve };
    const description = englishText(c.descriptions);
    if (description) patch.description = description;
    const metrics = isObject(c.metrics) ? c.metrics : {};
    for (const key of ['cvssMetricV31', 'cvssMetricV30']) {
      const list = asArray(metrics[key]).filter(isObject);
      const chosen = list.find((m) => m.type === 'Primary') ?? list[0];
      const data = chosen && isObject(chosen.cvssData) ? chosen.cvssData : null;
      if (data && typeof data.baseScore === 'number') {
        patch.cvssScore = data.baseScore;
        patch.cvssVector = asString(data.vectorString);
        patch.attackVector = attackVectorOf(patch.cvssVector);
        break;
      }
    }
    for (const w of asArray(c.weaknesses)) {
      for (const d of asArray(isObject(w) ? w.description : [])) {
        const v = isObject(d) ? asString(d.value) : undefined;
        if (v && /^CWE-\d+$/.test(v) && !patch.cwe) patch.cwe = v;
      }
    }
    if (asString(c.cisaExploitAdd)) patch.kev = { dateAdded: asString(c.cisaExploitAdd) ?? null, ransomware: null };
    if (patch.kev) patch.exploitation = 'active';
    feed.vulns.push(patch);
    asArray(c.configurations).forEach((conf, ci) => {
      asArray(isObject(conf) ? conf.nodes : []).forEach((node, ni) => {
        if (!isObject(node) || node.negate === true) return;
        asArray(node.cpeMatch).forEach((m, mi) => {
          if (!isObject(m) || m.vulnerable !== true) return;
          const cpe = typeof m.criteria === 'string' ? splitCpe(m.criteria) : null;
          if (!cpe) {
            feed.errors.push(`${file}: vulnerabilities[${i}] (${cve}): configurations[${ci}].nodes[${ni}].cpeMatch[${mi}]: "criteria" is not a CPE 2.3 name`);
            return;
          }
          const { text, constraint } = cpeConstraint(m, cpe.version);
          const entry: ProductEntry = { cve, advisory: null, vendor: cpe.vendor, product: cpe.product, status: 'affected', versionText: text, constraint, fixedVersion: asString(m.versionEndExcluding) ?? null };
          feed.products.push(entry);
        });
      });
    });
  });
  return feed;
}
