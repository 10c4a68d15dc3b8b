/**
 * CISA's Known Exploited Vulnerabilities catalogue (known_exploited_vulnerabilities.json, schema in
 * cisagov/kev-data). A KEV entry says a CVE is exploited in the wild: SSVC Exploitation "active". It
 * names a vendor and product but no versions, so it adds no product rows: on its own it would match
 * every version of a product (every Windows host against every Windows KEV entry).
 */
import { asArray, asString, CVE_ID, isObject, type ParsedFeed } from './feed.js';

export function parseKev(doc: unknown, file: string): ParsedFeed {
  const feed: ParsedFeed = { format: 'kev', published: null, entries: 0, vulns: [], products: [], errors: [] };
  if (!isObject(doc) || !Array.isArray(doc.vulnerabilities)) {
    feed.errors.push(`${file}: not a KEV catalogue (no "vulnerabilities" array)`);
    return feed;
  }
  feed.published = asString(doc.dateReleased) ?? asString(doc.catalogVersion) ?? null;
  asArray(doc.vulnerabilities).forEach((e, i) => {
    const cve = isObject(e) ? asString(e.cveID) : undefined;
    if (!isObject(e) || !cve || !CVE_ID.test(cve)) {
      feed.errors.push(`${file}: vulnerabilities[${i}]: missing or malformed "cveID" (${JSON.stringify(isObject(e) ? (e.cveID ?? null) : e)})`);
      return;
    }
    const dateAdded = asString(e.dateAdded) ?? null;
    if (dateAdded !== null && !/^\d{4}-\d{2}-\d{2}$/.test(dateAdded)) {
      feed.errors.push(`${file}: vulnerabilities[${i}] (${cve}): "dateAdded" is not a date (${JSON.stringify(dateAdded)})`);
      return;
    }
    feed.entries++;
    const cwes = asArray(e.cwes).filter((c): c is string => typeof c === 'string' && /^CWE-\d+$/.test(c));
    feed.vulns.push({
      cve,
      kev: { dateAdded, ransomware: asString(e.knownRansomwareCampaignUse) ?? null },
      exploitation: 'active',
      ...(asString(e.vulnerabilityName) ? { title: asString(e.vulnerabilityName) } : {}),
      ...(asString(e.shortDescription) ? { description: asString(e.shortDescription) } : {}),
      ...(cwes.length > 0 ? { cwe: cwes[0] } : {}),
      ...(asString(e.requiredAction) ? { remediations: [{ category: 'kev_required_action', details: asString(e.requiredAction)! }] } : {}),
    });
  });
  return feed;
}
