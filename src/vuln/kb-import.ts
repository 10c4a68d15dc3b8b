/**
 * `vigil kb import`: reads feed files (or every .json/.csv under folders), recognises each format from
 * its content, and folds it into the store. A file that cannot be read or recognised is reported and
 * skipped; inside a readable file, a malformed entry is reported (file and entry) and the rest kept.
 *
 * Exports:
 *   importKnowledgeBase(store, paths, options?) -> ImportSummary
 *   importDefaultKnowledgeBase(store, options?) -> ImportSummary: the bundled knowledge/vuln feeds (CISA KEV,
 *     CVE records) and, when present, ../shared/knowledge/vuln/csaf-icsma (CSAF advisories that may not be
 *     copied into the repository).
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { knowledgeDir } from '../inventory/knowledge-dir.js';
import type { InventoryStore } from '../store/inventory-store.js';
import { isObject, type FeedFormat, type ParsedFeed } from './feed.js';
import { parseCsaf } from './import-csaf.js';
import { parseCve5 } from './import-cve5.js';
import { parseEpss } from './import-epss.js';
import { parseKev } from './import-kev.js';
import { parseNvd } from './import-nvd.js';
import { saveFeed } from './kb-store.js';
import { vendorKeys } from './vendor-key.js';

export interface ImportedFile {
  file: string;
  format: FeedFormat | null;
  entries: number;
  cves: number;
  products: number;
  /** Entries or the whole file that could not be read, each naming the file and the entry. */
  errors: string[];
  skipped?: string;
}

export interface ImportSummary {
  files: ImportedFile[];
  entries: number;
  cves: number;
  products: number;
  errors: number;
}

/** Recognises a feed from its content; null with the reason when it is none Vigil reads. */
export function parseFeedFile(file: string, text: string): ParsedFeed | { skip: string } | { error: string } {
  if (/\.csv$/i.test(file)) {
    if (/^(#[^\n]*\n)?\s*cve\s*,\s*epss/i.test(text)) return parseEpss(text, file);
    if (/^\uFEFF?"?cveID"?\s*,\s*"?vendorProject/.test(text)) return { skip: 'the KEV catalogue as CSV: its JSON twin is the one read' };
    return { error: `${file}: a CSV file but not FIRST EPSS scores (expected a "cve,epss,percentile" header)` };
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    return { error: `${file}: not valid JSON: ${(err as Error).message}` };
  }
  if (!isObject(doc)) return { error: `${file}: not a JSON object` };
  if (isObject(doc.document) && (doc.document.csaf_version !== undefined || isObject(doc.product_tree))) return parseCsaf(doc, file);
  if (doc.dataType === 'CVE_RECORD' || isObject(doc.cveMetadata)) return parseCve5(doc, file);
  if (doc.format === 'NVD_CVE' || (Array.isArray(doc.vulnerabilities) && isObject(doc.vulnerabilities[0]) && isObject((doc.vulnerabilities[0] as Record<string, unknown>).cve))) return parseNvd(doc, file);
  if (Array.isArray(doc.vulnerabilities) && (doc.catalogVersion !== undefined || (isObject(doc.vulnerabilities[0]) && 'cveID' in (doc.vulnerabilities[0] as object)))) return parseKev(doc, file);
  if (typeof doc.$schema === 'string' && isObject(doc.properties)) return { skip: 'a JSON schema, not a feed' };
  return { error: `${file}: not a recognised feed (CSAF 2.0, CVE JSON 5, NVD API 2.0, CISA KEV JSON or FIRST EPSS CSV)` };
}

function expand(paths: readonly string[], errors: string[]): string[] {
  const files: string[] = [];
  const visit = (p: string) => {
    let st;
    try {
      st = statSync(p);
    } catch (err) {
      errors.push(`${p}: cannot read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
      return;
    }
    if (st.isDirectory()) {
      for (const entry of readdirSync(p, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
        if (entry.isDirectory() || /\.(json|csv)$/i.test(entry.name)) visit(join(p, entry.name));
      }
    } else files.push(p);
  };
  for (const p of paths) visit(resolve(p));
  return files;
}

export async function importKnowledgeBase(store: InventoryStore, paths: readonly string[], options: { onlyIfChanged?: boolean } = {}): Promise<ImportSummary> {
  const pathErrors: string[] = [];
  const files = expand(paths, pathErrors);
  const keys = vendorKeys();
  const summary: ImportSummary = { files: [], entries: 0, cves: 0, products: 0, errors: 0 };
  for (const e of pathErrors) summary.files.push({ file: e.slice(0, e.indexOf(':')), format: null, entries: 0, cves: 0, products: 0, errors: [e] });
  const imported = options.onlyIfChanged ? new Map((await store.db.selectFrom('vuln_sources').select(['file', 'imported_at']).execute()).map((r) => [r.file, Date.parse(r.imported_at)])) : new Map<string, number>();
  for (const file of files) {
    if (options.onlyIfChanged) {
      const at = imported.get(file);
      if (at !== undefined && statSync(file).mtimeMs <= at) {
        summary.files.push({ file, format: null, entries: 0, cves: 0, products: 0, errors: [], skipped: 'unchanged since its last import' });
        continue;
      }
    }
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      summary.files.push({ file, format: null, entries: 0, cves: 0, products: 0, errors: [`${file}: cannot read: ${(err as Error).message}`] });
      continue;
    }
    const parsed = parseFeedFile(file, text);
    if ('skip' in parsed) {
      summary.files.push({ file, format: null, entries: 0, cves: 0, products: 0, errors: [], skipped: parsed.skip });
      continue;
    }
    if ('error' in parsed) {
      summary.files.push({ file, format: null, entries: 0, cves: 0, products: 0, errors: [parsed.error] });
      continue;
    }
    const saved = parsed.vulns.length || parsed.products.length ? await saveFeed(store, file, parsed, keys) : { cves: 0, products: 0 };
    summary.files.push({ file, format: parsed.format, entries: parsed.entries, cves: saved.cves, products: saved.products, errors: parsed.errors });
  }
  for (const f of summary.files) {
    summary.entries += f.entries;
    summary.cves += f.cves;
    summary.products += f.products;
    summary.errors += f.errors.length;
  }
  return summary;
}

/** The feeds bundled in knowledge/vuln, and the CSAF advisories of ../shared when that folder exists. */
export function defaultKnowledgeBasePaths(): string[] {
  const bundled = join(knowledgeDir(), 'vuln');
  const paths = [join(bundled, 'kev'), join(bundled, 'cve')].filter((p) => existsSync(p));
  const shared = resolve(knowledgeDir(), '..', '..', 'shared', 'knowledge', 'vuln', 'csaf-icsma');
  if (existsSync(shared)) paths.push(shared);
  return paths;
}

export async function importDefaultKnowledgeBase(store: InventoryStore, options: { onlyIfChanged?: boolean } = { onlyIfChanged: true }): Promise<ImportSummary> {
  return importKnowledgeBase(store, defaultKnowledgeBasePaths(), options);
}
