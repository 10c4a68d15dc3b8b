/**
 * The knowledge base in the store. A feed file's product rows are replaced whole when the file is
 * imported again; per CVE, facts merge across files: a value a file states replaces the stored one
 * (the last import wins), KEV stays set once any file says so, and advisories, remediations and
 * sources accumulate without duplicates.
 */
import { sql, type Selectable } from 'kysely';
import type { InventoryStore } from '../store/inventory-store.js';
import type { VulnerabilityTable } from '../store/schema.js';
import { upsertRows } from '../store/upsert.js';
import type { ParsedFeed, Remediation, VulnPatch } from './feed.js';
import type { KbProduct } from './product-match.js';
import type { Constraint } from './version.js';
import type { VendorKeys } from './vendor-key.js';

export type VulnerabilityRow = Selectable<VulnerabilityTable>;

const json = <T>(text: string | null | undefined, fallback: T): T => {
  if (!text) return fallback;
  try {
    return JSON.parse(text) as T;
  } catch {
    return fallback;
  }
};

function emptyRow(cve: string): VulnerabilityRow {
  return {
    cve,
    title: null,
    description: null,
    cvss_score: null,
    cvss_vector: null,
    attack_vector: null,
    cwe: null,
    kev: 0,
    kev_date_added: null,
    kev_ransomware: null,
    epss: null,
    epss_percentile: null,
    exploitation: null,
    automatable: null,
    technical_impact: null,
    advisories: '[]',
    remediations: '[]',
    sources: '[]',
  };
}

/** Descriptions are kept for service matching and display; advisories can run to pages. */
const MAX_DESCRIPTION = 2000;

function merge(row: VulnerabilityRow, p: VulnPatch, file: string): VulnerabilityRow {
  const r = { ...row };
  if (p.title) r.title = p.title;
  else if (p.fallbackTitle && !r.title) r.title = p.fallbackTitle;
  if (p.description) r.description = p.description.slice(0, MAX_DESCRIPTION);
  if (p.cvssScore !== undefined) {
    r.cvss_score = p.cvssScore;
    r.cvss_vector = p.cvssVector ?? null;
    r.attack_vector = p.attackVector ?? null;
  }
  if (p.cwe) r.cwe = p.cwe;
  if (p.kev) {
    r.kev = 1;
    r.kev_date_added = p.kev.dateAdded ?? r.kev_date_added;
    r.kev_ransomware = p.kev.ransomware ?? r.kev_ransomware;
  }
  if (p.epss) {
    r.epss = p.epss.score;
    r.epss_percentile = p.epss.percentile;
  }
  // A CVE in KEV is exploited whatever an older SSVC assessment said.
  if (p.exploitation && !(r.kev && p.exploitation !== 'active')) r.exploitation = p.exploitation;
  if (r.kev) r.exploitation = 'active';
  if (p.automatable) r.automatable = p.automatable;
  if (p.technicalImpact) r.technical_impact = p.technicalImpact;
  if (p.advisories?.length) r.advisories = JSON.stringify([...new Set([...json<string[]>(r.advisories, []), ...p.advisories])].sort());
  if (p.remediations?.length) {
    const have = json<Remediation[]>(r.remediations, []);
    const seen = new Set(have.map((x) => `${x.category}\u0000${x.details}`));
    for (const x of p.remediations) if (!seen.has(`${x.category}\u0000${x.details}`)) (have.push(x), seen.add(`${x.category}\u0000${x.details}`));
    r.remediations = JSON.stringify(have);
  }
  const sources = json<string[]>(r.sources, []);
  if (!sources.includes(file)) r.sources = JSON.stringify([...sources, file]);
  return r;
}

/** Folds one parsed feed file into the store, in one transaction. Returns how many CVEs and products it wrote. */
export async function saveFeed(store: InventoryStore, file: string, feed: ParsedFeed, vendorKeys: VendorKeys): Promise<{ cves: number; products: number }> {
  return store.transaction(async (tx) => {
    const db = tx.db;
    await db.deleteFrom('vuln_products').where('source', '=', file).execute();
    // Several entries of one file may name one CVE (a CSAF vulnerability per advisory update).
    const patches = new Map<string, VulnPatch[]>();
    for (const p of feed.vulns) {
      const list = patches.get(p.cve);
      if (list) list.push(p);
      else patches.set(p.cve, [p]);
    }
    const cves = [...patches.keys()];
    const existing = new Map<string, VulnerabilityRow>();
    for (let i = 0; i < cves.length; i += 500) {
      for (const row of await db.selectFrom('vulnerabilities').selectAll().where('cve', 'in', cves.slice(i, i + 500)).execute()) existing.set(row.cve, row);
    }
    const rows = cves.map((cve) => patches.get(cve)!.reduce((row, p) => merge(row, p, file), existing.get(cve) ?? emptyRow(cve)));
    await upsertRows(db, 'vulnerabilities', rows as never, ['cve'], Object.fromEntries(Object.keys(emptyRow('x')).filter((k) => k !== 'cve').map((k) => [k, excludedRef(k)])) as never);
    const products = feed.products.map((p) => ({
      cve: p.cve,
      source: file,
      advisory: p.advisory,
      vendor: p.vendor,
      vendor_key: vendorKeys.key(p.vendor),
      product: p.product.trim(),
      status: p.status,
      ...constraintColumns(p.constraint),
      version_text: p.versionText,
      fixed_version: p.fixedVersion,
    }));
    // 15 columns a row: 1000 rows stay under both dialects' bound-parameter limits.
    for (let i = 0; i < products.length; i += 1000) await db.insertInto('vuln_products').values(products.slice(i, i + 1000)).execute();
    // Products of CVEs that no feed describes still need a row to join: add an empty one.
    const missing = [...new Set(feed.products.map((p) => p.cve))].filter((c) => !patches.has(c) && !existing.has(c));
    if (missing.length) await upsertRows(db, 'vulnerabilities', missing.map((c) => ({ ...emptyRow(c), sources: JSON.stringify([file]) })) as never, ['cve'], null);
    await upsertRows(
      db,
      'vuln_sources',
      [{ file, format: feed.format, imported_at: new Date().toISOString(), published: feed.published, entries: feed.entries, errors: JSON.stringify(feed.errors) }],
      ['file'],
      { format: excludedRef('format'), imported_at: excludedRef('imported_at'), published: excludedRef('published'), entries: excludedRef('entries'), errors: excludedRef('errors') } as never,
    );
    return { cves: rows.length, products: products.length };
  });
}

const excludedRef = (column: string) => sql.ref(`excluded.${column}`);

function constraintColumns(c: Constraint): { version_kind: string; version_min: string | null; min_inclusive: number; version_max: string | null; max_inclusive: number } {
  switch (c.kind) {
    case 'all':
      return { version_kind: 'all', version_min: null, min_inclusive: 1, version_max: null, max_inclusive: 1 };
    case 'exact':
      return { version_kind: 'exact', version_min: c.version, min_inclusive: 1, version_max: c.version, max_inclusive: 1 };
    case 'range':
      return { version_kind: 'range', version_min: c.min, min_inclusive: c.minInclusive ? 1 : 0, version_max: c.max, max_inclusive: c.maxInclusive ? 1 : 0 };
    default:
      return { version_kind: 'unparsed', version_min: null, min_inclusive: 1, version_max: null, max_inclusive: 1 };
  }
}

export function constraintFromColumns(r: { version_kind: string; version_min: string | null; min_inclusive: number; version_max: string | null; max_inclusive: number; version_text: string | null }): Constraint {
  switch (r.version_kind) {
    case 'all':
      return { kind: 'all' };
    case 'exact':
      return r.version_min ? { kind: 'exact', version: r.version_min } : { kind: 'unparsed', text: r.version_text ?? '' };
    case 'range':
      return { kind: 'range', min: r.version_min, minInclusive: r.min_inclusive === 1, max: r.version_max, maxInclusive: r.max_inclusive === 1 };
    default:
      return { kind: 'unparsed', text: r.version_text ?? '' };
  }
}

/** The affected products of the whole knowledge base. */
export async function loadKbProducts(store: InventoryStore): Promise<KbProduct[]> {
  const rows = await store.db
    .selectFrom('vuln_products as p')
    .leftJoin('vuln_sources as s', 's.file', 'p.source')
    .selectAll('p')
    .select('s.format')
    .where('p.status', '=', 'affected')
    .execute();
  return rows.map((r) => ({
    format: r.format ?? undefined,
    cve: r.cve,
    source: r.source,
    advisory: r.advisory,
    vendor: r.vendor,
    vendorKey: r.vendor_key,
    product: r.product,
    versionText: r.version_text,
    constraint: constraintFromColumns(r),
    fixedVersion: r.fixed_version,
  }));
}

export async function loadVulnerabilities(store: InventoryStore, cves?: readonly string[]): Promise<Map<string, VulnerabilityRow>> {
  const out = new Map<string, VulnerabilityRow>();
  if (cves === undefined) {
    for (const r of await store.db.selectFrom('vulnerabilities').selectAll().execute()) out.set(r.cve, r);
    return out;
  }
  for (let i = 0; i < cves.length; i += 500) {
    for (const r of await store.db.selectFrom('vulnerabilities').selectAll().where('cve', 'in', cves.slice(i, i + 500)).execute()) out.set(r.cve, r);
  }
  return out;
}

export interface KbStatus {
  sources: { file: string; format: string; importedAt: string; published: string | null; entries: number; errors: string[] }[];
  vulnerabilities: number;
  kev: number;
  withEpss: number;
  products: number;
  vendors: number;
}

export async function kbStatus(store: InventoryStore): Promise<KbStatus> {
  const sources = await store.db.selectFrom('vuln_sources').selectAll().orderBy('format').orderBy('file').execute();
  const count = async (q: Promise<{ n: unknown } | undefined>) => Number((await q)?.n ?? 0);
  const db = store.db;
  return {
    sources: sources.map((s) => ({ file: s.file, format: s.format, importedAt: s.imported_at, published: s.published, entries: Number(s.entries), errors: json<string[]>(s.errors, []) })),
    vulnerabilities: await count(db.selectFrom('vulnerabilities').select((eb) => eb.fn.countAll().as('n')).executeTakeFirst()),
    kev: await count(db.selectFrom('vulnerabilities').select((eb) => eb.fn.countAll().as('n')).where('kev', '=', 1).executeTakeFirst()),
    withEpss: await count(db.selectFrom('vulnerabilities').select((eb) => eb.fn.countAll().as('n')).where('epss', 'is not', null).executeTakeFirst()),
    products: await count(db.selectFrom('vuln_products').select((eb) => eb.fn.countAll().as('n')).executeTakeFirst()),
    vendors: await count(db.selectFrom('vuln_products').select((eb) => eb.fn.count('vendor_key').distinct().as('n')).executeTakeFirst()),
  };
}
