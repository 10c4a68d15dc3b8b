/**
 * CSAF 2.0 security advisories (OASIS CSAF v2.0, e.g. CISA's ICS Medical Advisories): the product tree
 * (branches vendor -> product_name/product_family -> product_version/product_version_range, and
 * full_product_names), each vulnerability's product_status, remediations, threats, CVSS v3 scores and CWE.
 */
import { parseConstraint, type Constraint } from './version.js';
import { asArray, asString, attackVectorOf, CVE_ID, fixedVersionIn, isObject, type ParsedFeed, type ProductEntry, type Remediation, type VulnPatch } from './feed.js';

interface TreeProduct {
  vendor: string;
  product: string;
  versionText: string | null;
  constraints: Constraint[];
}

const STATUS: Record<string, ProductEntry['status']> = {
  known_affected: 'affected',
  first_affected: 'affected',
  last_affected: 'affected',
  fixed: 'fixed',
  first_fixed: 'fixed',
  known_not_affected: 'unaffected',
};

/** "B.02 | C.02 | C.03" lists versions; "v8.x (with ... >= v20D29 | <= v20D32)" is one version with notes. */
function versionConstraints(name: string, range: boolean): Constraint[] {
  const withoutNotes = name.replace(/\(.*$/, '').trim();
  if (!range && /\|/.test(withoutNotes) && !/[<>]/.test(withoutNotes)) {
    return withoutNotes.split('|').map((p) => p.trim()).filter(Boolean).map((p) => parseConstraint(p));
  }
  return [parseConstraint(withoutNotes === '' ? name : withoutNotes)];
}

function readTree(tree: Record<string, unknown>, where: string, errors: string[]): Map<string, TreeProduct> {
  const products = new Map<string, TreeProduct>();
  const walk = (branches: unknown, path: { category: string; name: string }[], at: string) => {
    asArray(branches).forEach((b, i) => {
      const here = `${at}[${i}]`;
      if (!isObject(b) || typeof b.category !== 'string' || typeof b.name !== 'string') {
        errors.push(`${where}: ${here}: branch without category and name`);
        return;
      }
      const next = [...path, { category: b.category, name: b.name }];
      const p = isObject(b.product) ? b.product : null;
      if (p && typeof p.product_id === 'string') {
        const vendor = next.find((x) => x.category === 'vendor')?.name ?? '';
        const names = next.filter((x) => x.category === 'product_name' || x.category === 'product_family').map((x) => x.name);
        const versionNode = next.find((x) => x.category === 'product_version' || x.category === 'product_version_range');
        const product = names.length > 0 ? names.join(' ') : typeof p.name === 'string' ? p.name : b.name;
        const constraints = versionNode ? versionConstraints(versionNode.name, versionNode.category === 'product_version_range') : [{ kind: 'all' as const }];
        products.set(p.product_id, { vendor, product, versionText: versionNode?.name ?? null, constraints });
      }
      walk(b.branches, next, `${here}.branches`);
    });
  };
  walk(tree.branches, [], 'product_tree.branches');
  const singleVendor = (() => {
    const vendors = new Set([...products.values()].map((p) => p.vendor).filter(Boolean));
    return vendors.size === 1 ? [...vendors][0] : '';
  })();
  asArray(tree.full_product_names).forEach((f, i) => {
    if (!isObject(f) || typeof f.product_id !== 'string' || typeof f.name !== 'string') {
      errors.push(`${where}: product_tree.full_product_names[${i}]: needs product_id and name`);
      return;
    }
    if (!products.has(f.product_id)) products.set(f.product_id, { vendor: singleVendor, product: f.name, versionText: null, constraints: [{ kind: 'all' }] });
  });
  return products;
}

function exploitationFromThreats(threats: unknown): VulnPatch['exploitation'] | undefined {
  for (const t of asArray(threats)) {
    if (!isObject(t) || t.category !== 'exploit_status' || typeof t.details !== 'string') continue;
    const d = t.details.toLowerCase();
    if (/exploited in the wild|active(ly)? exploit|known exploited/.test(d)) return 'active';
    if (/proof[- ]of[- ]concept|\bpoc\b|public(ly)? (available )?exploit/.test(d)) return 'poc';
    if (/no known (public )?exploit/.test(d)) return 'none';
  }
  return undefined;
}

export function parseCsaf(doc: unknown, file: string): ParsedFeed {
  const feed: ParsedFeed = { format: 'csaf', published: null, entries: 0, vulns: [], products: [], errors: [] };
  if (!isObject(doc) || !isObject(doc.document)) {
    feed.errors.push(`${file}: not a CSAF document (no "document" object)`);
    return feed;
  }
  const tracking = isObject(doc.document.tracking) ? doc.document.tracking : {};
  const advisory = asString(tracking.id) ?? null;
  const where = advisory ? `${file} (${advisory})` : file;
  feed.published = asString(tracking.current_release_date) ?? null;
  const docTitle = asString(doc.document.title);
  const tree = readTree(isObject(doc.product_tree) ? doc.product_tree : {}, where, feed.errors);
  asArray(doc.vulnerabilities).forEach((v, i) => {
    const at = `vulnerabilities[${i}]`;
    if (!isObject(v)) {
      feed.errors.push(`${where}: ${at}: not an object`);
      return;
    }
    const cve = asString(v.cve);
    if (!cve || !CVE_ID.test(cve)) {
      feed.errors.push(`${where}: ${at}: missing or malformed "cve" (${JSON.stringify(v.cve ?? null)})`);
      return;
    }
    feed.entries++;
    const patch: VulnPatch = { cve, advisories: advisory ? [advisory] : [] };
    // Some advisories title a vulnerability with its own CVE id: that says nothing.
    const title = asString(v.title);
    if (title && title !== cve) patch.title = title;
    else if (docTitle) patch.fallbackTitle = docTitle;
    const notes = asArray(v.notes).filter(isObject);
    const summary = notes.find((n) => n.category === 'summary') ?? notes.find((n) => n.category === 'description');
    if (summary) patch.description = asString(summary.text);
    if (isObject(v.cwe) && typeof v.cwe.id === 'string') patch.cwe = v.cwe.id;
    let best = -1;
    for (const s of asArray(v.scores)) {
      const c = isObject(s) ? (isObject(s.cvss_v3) ? s.cvss_v3 : null) : null;
      if (!c || typeof c.baseScore !== 'number') continue;
      if (c.baseScore > best) {
        best = c.baseScore;
        patch.cvssScore = c.baseScore;
        patch.cvssVector = asString(c.vectorString);
        patch.attackVector = attackVectorOf(patch.cvssVector);
      }
    }
    const exploitation = exploitationFromThreats(v.threats);
    if (exploitation) patch.exploitation = exploitation;
    // Remediations name the products they apply to: a vendor_fix that states a version is the fixed version of those.
    const fixedFor = new Map<string, string>();
    const remediations: Remediation[] = [];
    asArray(v.remediations).forEach((r) => {
      if (!isObject(r) || typeof r.category !== 'string' || typeof r.details !== 'string') return;
      remediations.push({ category: r.category, details: r.details, ...(typeof r.url === 'string' ? { url: r.url } : {}), ...(advisory ? { advisory } : {}) });
      if (r.category !== 'vendor_fix') return;
      const fixed = fixedVersionIn(r.details);
      if (fixed) for (const id of asArray(r.product_ids)) if (typeof id === 'string' && !fixedFor.has(id)) fixedFor.set(id, fixed);
    });
    patch.remediations = remediations;
    feed.vulns.push(patch);
    const status = isObject(v.product_status) ? v.product_status : {};
    for (const [key, value] of Object.entries(status)) {
      const st = STATUS[key];
      if (!st) continue;
      for (const id of asArray(value)) {
        const p = typeof id === 'string' ? tree.get(id) : undefined;
        if (!p) {
          feed.errors.push(`${where}: ${at} (${cve}): product_status.${key} names unknown product ${JSON.stringify(id)}`);
          continue;
        }
        for (const constraint of p.constraints) {
          feed.products.push({ cve, advisory, vendor: p.vendor, product: p.product, status: st, versionText: p.versionText, constraint, fixedVersion: fixedFor.get(id as string) ?? null });
        }
      }
    }
  });
  return feed;
}
