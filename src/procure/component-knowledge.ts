/**
 * What the vulnerability knowledge base knows of each SBOM component. An SBOM names a component by
 * identifiers, not by a model string seen on the wire, so matching is by identity, not by words:
 *   - CPE 2.3 vendor:product equal to a record's affected vendor and product (CVE JSON 5 affected[],
 *     CISA ADP's CPE-style entries, CSAF product tree), compared without case, spaces or punctuation
 *     ("vue_pacs" is "Vue PACS"), the vendor also through the vendor aliases;
 *   - a purl whose name is the record's product and whose namespace names the record's vendor
 *     (pkg:maven/com.fasterxml.jackson.core/jackson-databind is fasterxml's jackson-databind). A purl
 *     with no namespace names no vendor and is never matched on its name alone: too many products
 *     share a name ("dicom viewer").
 * Then the component's version (its own, else the CPE's, else the purl's) against each record's
 * affected versions. Every component gets an answer: affected (records listed), possibly affected
 * (version unknown or not comparable), not affected (the records name the product but not this
 * version), or no knowledge, which says nothing about its safety.
 *
 *   componentKnowledge(components, products, keys) -> ComponentKnowledge[]
 */
import type { KbProduct } from '../vuln/product-match.js';
import { satisfies } from '../vuln/version.js';
import type { VendorKeys } from '../vuln/vendor-key.js';
import { cpeParts, type SbomComponent } from './sbom-reader.js';

/** What "no knowledge" means with the knowledge base Vigil bundles: printed wherever the answer is shown. */
export const KNOWLEDGE_SCOPE =
  'The bundled knowledge base holds medical-device advisories only (CISA ICS medical advisories, the CVE records they name, the KEV catalogue): "no knowledge" means a component is unknown to it, not that it has no known vulnerability. Import an open-source feed (vigil kb import) to check libraries and operating systems.';

export type ComponentStatus = 'affected' | 'possibly-affected' | 'not-affected' | 'no-knowledge';

export interface ComponentRecord {
  cve: string;
  vendor: string;
  product: string;
  versions: string | null;
  advisory: string | null;
  source: string;
  fixedVersion: string | null;
  /** How the component's version was compared with the record's. */
  test: string;
}

export interface ComponentKnowledge {
  name: string;
  version: string | null;
  bomRef: string | null;
  /** The identifier that found the records, and the product it names. */
  identity: { via: 'cpe' | 'purl'; vendor: string; product: string } | null;
  status: ComponentStatus;
  affected: ComponentRecord[];
  possible: ComponentRecord[];
  /** Records that name the product but whose affected versions leave this version out. */
  outside: ComponentRecord[];
  reason: string;
  /** The knowledge-base rows that found it (affected or possibly affected): for the SSVC decision. */
  rows: KbProduct[];
}

const norm = (s: string): string => s.normalize('NFKD').toLowerCase().replace(/[^a-z0-9]+/g, '');

/** pkg:type/namespace/name@version?qualifiers#subpath (the purl spec), percent-decoded. */
export function purlParts(purl: string | null): { type: string; namespace: string[]; name: string; version: string | null } | null {
  const m = purl ? /^pkg:([^/]+)\/([^?#]+?)(?:@([^?#]*))?(?:\?[^#]*)?(?:#.*)?$/.exec(purl.trim()) : null;
  if (!m) return null;
  const dec = (s: string) => {
    try {
      return decodeURIComponent(s);
    } catch {
      return s;
    }
  };
  const path = m[2].split('/').filter(Boolean).map(dec);
  const name = path.pop();
  return name ? { type: m[1].toLowerCase(), namespace: path, name, version: m[3] ? dec(m[3]) : null } : null;
}

function versionTest(version: string | null, row: KbProduct): { holds: boolean | null; test: string } {
  const shown = row.versionText ?? (row.constraint.kind === 'all' ? 'all versions' : '');
  if (row.constraint.kind === 'all') return { holds: true, test: 'every version is affected' };
  if (!version) return { holds: null, test: `version unknown; affected: ${shown}` };
  const s = satisfies(version, row.constraint);
  if (s === null) return { holds: null, test: `version ${version} not comparable with "${shown}"` };
  return { holds: s, test: s ? `version ${version} within "${shown}"` : `version ${version} outside "${shown}"` };
}

export function componentKnowledge(components: readonly SbomComponent[], products: readonly KbProduct[], keys: VendorKeys): ComponentKnowledge[] {
  const byProduct = new Map<string, KbProduct[]>();
  const vendors = new Map<string, string>();
  for (const p of products) {
    const k = norm(p.product);
    (byProduct.get(k) ?? byProduct.set(k, []).get(k)!).push(p);
    vendors.set(p.vendorKey, p.vendor);
    vendors.set(norm(p.vendor), p.vendor);
  }
  const sameVendor = (name: string, row: KbProduct) => keys.key(name) === row.vendorKey || norm(name) === norm(row.vendor);

  return components.map((c) => {
    const cpe = cpeParts(c.cpe);
    const purl = purlParts(c.purl);
    const version = c.version ?? cpe.version ?? purl?.version ?? null;
    const base = { name: c.name, version, bomRef: c.bomRef ?? null };
    let identity: ComponentKnowledge['identity'] = null;
    let rows: KbProduct[] = [];
    if (cpe.vendor && cpe.product) {
      rows = (byProduct.get(norm(cpe.product)) ?? []).filter((r) => sameVendor(cpe.vendor!, r));
      if (rows.length) identity = { via: 'cpe', vendor: cpe.vendor, product: cpe.product };
    }
    if (!rows.length && purl && purl.namespace.length) {
      const ns = norm(purl.namespace.join('.'));
      rows = (byProduct.get(norm(purl.name)) ?? []).filter((r) => ns.includes(norm(r.vendor)) || ns.includes(norm(r.vendorKey)));
      if (rows.length) identity = { via: 'purl', vendor: rows[0].vendor, product: purl.name };
    }
    if (!identity) {
      const vendorName = cpe.vendor ?? c.supplier;
      const known = vendorName ? (vendors.get(keys.key(vendorName)) ?? vendors.get(norm(vendorName))) : undefined;
      const named = [c.cpe ? `CPE ${cpe.vendor ?? '?'}:${cpe.product ?? '?'}` : null, c.purl ? `purl ${c.purl}` : null].filter(Boolean).join(' or ');
      const reason = !named
        ? 'no knowledge: the component has neither a CPE nor a purl to identify it by'
        : known
          ? `no knowledge: the knowledge base has records of vendor ${known}, none of this product (${named})`
          : `no knowledge: no record of the knowledge base names ${named}`;
      return { ...base, identity: null, status: 'no-knowledge' as const, affected: [], possible: [], outside: [], reason, rows: [] };
    }
    const affected: ComponentRecord[] = [];
    const possible: ComponentRecord[] = [];
    const outside: ComponentRecord[] = [];
    const hitRows: KbProduct[] = [];
    // One answer per CVE: the strongest of its rows (a CVE record and its ADP often state one range twice).
    const best = new Map<string, { rank: number; rec: ComponentRecord; row: KbProduct }>();
    for (const row of rows) {
      const t = versionTest(version, row);
      const rank = t.holds === true ? 0 : t.holds === null ? 1 : 2;
      const rec: ComponentRecord = { cve: row.cve, vendor: row.vendor, product: row.product, versions: row.versionText, advisory: row.advisory, source: row.source, fixedVersion: row.fixedVersion, test: t.test };
      const prev = best.get(row.cve);
      if (!prev || rank < prev.rank) best.set(row.cve, { rank, rec, row });
    }
    for (const { rank, rec, row } of [...best.values()].sort((a, b) => a.rec.cve.localeCompare(b.rec.cve))) {
      [affected, possible, outside][rank].push(rec);
      if (rank < 2) hitRows.push(...rows.filter((r) => r.cve === row.cve));
    }
    const status: ComponentStatus = affected.length ? 'affected' : possible.length ? 'possibly-affected' : 'not-affected';
    const id = `${identity.vendor}:${identity.product}`;
    const reason =
      status === 'affected'
        ? `${id} (by ${identity.via}): version ${version ?? '(any)'} is affected by ${affected.map((r) => r.cve).join(', ')}`
        : status === 'possibly-affected'
          ? `${id} (by ${identity.via}): ${possible.map((r) => `${r.cve}: ${r.test}`).join('; ')}`
          : `${id} (by ${identity.via}): version ${version} is outside the affected versions of ${outside.map((r) => `${r.cve} (${r.versions ?? 'all'})`).join(', ')}`;
    return { ...base, identity, status, affected, possible, outside, reason, rows: hitRows };
  });
}
