/**
 * Which knowledge-base products a device is: same vendor key (vendor-key.ts), then the product's words
 * against the device's model (knowledge/vuln/product-matching.json), then the device's firmware against
 * the product's version constraint. Confidence, best first:
 *   exact           the firmware equals an affected version
 *   range           the firmware is inside an affected range, or every version is affected
 *   model-only      the model matches, the firmware is unknown or not comparable with the advisory's
 *   vendor-category the device's model is unknown; its vendor and category are those of the product family
 * A firmware outside every affected version of the product is no match.
 */
import { join } from 'node:path';
import { knowledgeDir } from '../inventory/knowledge-dir.js';
import { satisfies, type Constraint } from './version.js';
import { asArray, isObject } from './feed.js';
import type { VendorKeys } from './vendor-key.js';
import { readKnowledgeJson } from '../inventory/knowledge-dir.js';

export type MatchConfidence = 'exact' | 'range' | 'model-only' | 'vendor-category';
export const CONFIDENCE_ORDER: readonly MatchConfidence[] = ['exact', 'range', 'model-only', 'vendor-category'];

/** A product row of the knowledge base, as matching needs it. */
export interface KbProduct {
  cve: string;
  source: string;
  advisory: string | null;
  vendor: string;
  vendorKey: string;
  product: string;
  versionText: string | null;
  constraint: Constraint;
  fixedVersion: string | null;
  /** Format of the source feed (csaf, cve5, nvd). */
  format?: string;
}

export interface MatchDevice {
  id: number;
  vendor: string | null;
  model: string | null;
  firmware: string | null;
  category: string | null;
}

export interface ProductEvidence {
  vendor: string;
  product: string;
  versions: string | null;
  advisory: string | null;
  source: string;
  /** How the device's model and firmware were compared with it. */
  test: string;
  fixedVersion: string | null;
}

export interface DeviceMatch {
  cve: string;
  confidence: MatchConfidence;
  products: ProductEvidence[];
}

interface ModelRange {
  prefix: string;
  lo: number;
  hi: number;
}

interface PreparedProduct {
  row: KbProduct;
  words: string[];
  ranges: ModelRange[];
  categories: string[];
}

interface MatchingRules {
  synonyms: { pattern: RegExp; replace: string }[];
  ignored: Set<string>;
  categories: { vendorKey: string | null; pattern: RegExp; categories: string[] }[];
}

const RANGE = /\b([a-z]+)(\d+)\s*-\s*([a-z]*)(\d+)\b/g;

export function loadMatchingRules(vendorKeys: VendorKeys, file = join(knowledgeDir(), 'vuln', 'product-matching.json')): MatchingRules {
  const doc = readKnowledgeJson<unknown>(file);
  if (!isObject(doc)) throw new Error(`${file}: expected an object`);
  const re = (src: unknown, where: string, flags: string) => {
    if (typeof src !== 'string' || src === '') throw new Error(`${where}: expected a regular expression`);
    try {
      return new RegExp(src, flags);
    } catch (err) {
      throw new Error(`${where}: ${(err as Error).message}`);
    }
  };
  return {
    synonyms: asArray(doc.synonyms).map((s, i) => {
      if (!isObject(s) || typeof s.replace !== 'string') throw new Error(`${file}: synonyms[${i}]: needs "pattern" and "replace"`);
      return { pattern: re(s.pattern, `${file}: synonyms[${i}].pattern`, 'giu'), replace: s.replace };
    }),
    ignored: new Set(asArray(doc.ignoredWords).map(String)),
    categories: asArray(doc.productCategories).map((c, i) => {
      if (!isObject(c) || !Array.isArray(c.categories)) throw new Error(`${file}: productCategories[${i}]: needs "pattern" and "categories"`);
      return { vendorKey: typeof c.vendor === 'string' ? vendorKeys.key(c.vendor) : null, pattern: re(c.pattern, `${file}: productCategories[${i}].pattern`, 'iu'), categories: c.categories.map(String) };
    }),
  };
}

/** Lower-cased text with synonyms applied, its model-number ranges, and its remaining words. */
export function productWords(text: string, rules: MatchingRules, extraIgnored: readonly string[] = []): { normalised: string; words: string[]; ranges: ModelRange[] } {
  let t = text.toLowerCase();
  for (const s of rules.synonyms) t = t.replace(s.pattern, s.replace);
  const normalised = t;
  const ranges: ModelRange[] = [];
  t = t.replace(RANGE, (whole, p1: string, lo: string, p2: string, hi: string) => {
    if (p2 !== '' && p2 !== p1) return whole;
    ranges.push({ prefix: p1, lo: Number(lo), hi: Number(hi) });
    return ' ';
  });
  const skip = new Set(extraIgnored);
  const words = [...new Set(t.split(/[^a-z0-9]+/).filter((w) => w !== '' && !rules.ignored.has(w) && !skip.has(w)))];
  return { normalised, words, ranges };
}

const inRange = (word: string, r: ModelRange): boolean => {
  if (!word.startsWith(r.prefix)) return false;
  const rest = word.slice(r.prefix.length);
  if (!/^\d+$/.test(rest)) return false;
  const n = Number(rest);
  return n >= r.lo && n <= r.hi;
};

/** A product matches a model when all its words (and model ranges) are in the model, or all the model's words are in it. */
function modelMatches(p: PreparedProduct, model: readonly string[]): boolean {
  if (model.length === 0 || (p.words.length === 0 && p.ranges.length === 0)) return false;
  const productInModel = p.words.every((w) => model.includes(w)) && p.ranges.every((r) => model.some((w) => inRange(w, r)));
  if (productInModel) return true;
  return model.every((w) => p.words.includes(w) || p.ranges.some((r) => inRange(w, r)));
}

function versionTest(firmware: string | null, c: Constraint, versionText: string | null): { level: 'exact' | 'range' | 'model-only' | null; test: string } {
  const shown = versionText ?? (c.kind === 'all' ? 'all versions' : '');
  if (c.kind === 'all') return { level: 'range', test: 'every version is affected' };
  if (!firmware) return { level: 'model-only', test: `firmware unknown; affected: ${shown}` };
  const s = satisfies(firmware, c);
  if (s === null) return { level: 'model-only', test: `firmware ${firmware} not comparable with "${shown}"` };
  if (!s) return { level: null, test: `firmware ${firmware} outside "${shown}"` };
  return c.kind === 'exact' ? { level: 'exact', test: `firmware ${firmware} = ${c.version}` } : { level: 'range', test: `firmware ${firmware} within "${shown}"` };
}

/** The knowledge base's products, indexed by vendor key, ready to match devices. */
export class ProductMatcher {
  private readonly byVendor = new Map<string, PreparedProduct[]>();
  private readonly memo = new Map<string, DeviceMatch[]>();

  constructor(
    products: readonly KbProduct[],
    private readonly vendorKeys: VendorKeys,
    private readonly rules: MatchingRules,
  ) {
    // CISA's CSAF advisories often list every product of the advisory under every CVE; a CVE record from
    // the CNA (usually the vendor itself) says which products each CVE affects. Where both speak of one
    // CVE and vendor, the CVE record is taken.
    const fromCveRecord = new Set(products.filter((p) => p.format === 'cve5').map((p) => `${p.cve}\u0000${p.vendorKey}`));
    for (const row of products) {
      if (row.format === 'csaf' && fromCveRecord.has(`${row.cve}\u0000${row.vendorKey}`)) continue;
      const vendorWords = row.vendor.toLowerCase().split(/[^a-z0-9]+/).filter(Boolean);
      const { normalised, words, ranges } = productWords(row.product, rules, vendorWords);
      const categories = rules.categories.filter((c) => (c.vendorKey === null || c.vendorKey === row.vendorKey) && c.pattern.test(normalised)).flatMap((c) => c.categories);
      let list = this.byVendor.get(row.vendorKey);
      if (!list) this.byVendor.set(row.vendorKey, (list = []));
      list.push({ row, words, ranges, categories });
    }
  }

  get vendorCount(): number {
    return this.byVendor.size;
  }

  /** Every CVE whose affected products the device is, best confidence per CVE. Devices alike share one answer. */
  match(d: MatchDevice): DeviceMatch[] {
    if (!d.vendor) return [];
    const vendorKey = this.vendorKeys.key(d.vendor);
    const candidates = this.byVendor.get(vendorKey);
    if (!candidates) return [];
    const memoKey = `${vendorKey}\u0000${d.model ?? ''}\u0000${d.firmware ?? ''}\u0000${d.category ?? ''}`;
    const hit = this.memo.get(memoKey);
    if (hit) return hit;
    const vendorWords = d.vendor.toLowerCase().split(/[^a-z0-9]+/).filter(Boolean);
    const model = d.model ? productWords(d.model, this.rules, vendorWords).words : [];
    // A model the inventory knows rules out other models: fall back to the category only without one.
    const byCve = new Map<string, DeviceMatch>();
    for (const p of candidates) {
      let level: MatchConfidence | null;
      let test: string;
      if (model.length > 0) {
        if (!modelMatches(p, model)) continue;
        ({ level, test } = versionTest(d.firmware, p.row.constraint, p.row.versionText));
        test = `model "${d.model}" matches "${p.row.product}"; ${test}`;
      } else if (d.category && p.categories.includes(d.category)) {
        const v = versionTest(d.firmware, p.row.constraint, p.row.versionText);
        if (v.level === null) continue;
        level = 'vendor-category';
        test = `model unknown; ${d.category} of ${p.row.vendor} is the family of "${p.row.product}"; ${v.test}`;
      } else continue;
      if (level === null) continue;
      const evidence: ProductEvidence = { vendor: p.row.vendor, product: p.row.product, versions: p.row.versionText, advisory: p.row.advisory, source: p.row.source, test, fixedVersion: p.row.fixedVersion };
      const prev = byCve.get(p.row.cve);
      if (!prev) byCve.set(p.row.cve, { cve: p.row.cve, confidence: level, products: [evidence] });
      else {
        if (CONFIDENCE_ORDER.indexOf(level) < CONFIDENCE_ORDER.indexOf(prev.confidence)) {
          prev.confidence = level;
          prev.products.unshift(evidence);
        } else if (prev.products.length < 4 && !prev.products.some((x) => x.product === evidence.product && x.versions === evidence.versions && x.advisory === evidence.advisory)) prev.products.push(evidence);
        if (prev.products.length > 4) prev.products.length = 4;
      }
    }
    const out = [...byCve.values()].sort((a, b) => (a.cve < b.cve ? -1 : a.cve > b.cve ? 1 : 0));
    if (this.memo.size > 100_000) this.memo.clear();
    this.memo.set(memoKey, out);
    return out;
  }
}
