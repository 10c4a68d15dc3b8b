/**
 * One key per vendor, so that "Becton, Dickinson and Company (BD)" in an advisory, "BD (CareFusion)"
 * in the inventory and "Becton Dickinson & Co" in a CVE record meet. knowledge/vuln/vendor-aliases.json
 * is tried first, then the inventory's own canonical names (knowledge/vendors.json, medical context:
 * advisories are about medical products), then sameCompany folds names of one company together.
 */
import { join } from 'node:path';
import { knowledgeDir } from '../inventory/knowledge-dir.js';
import { canonicalVendor } from '../inventory/vendor-names.js';
import { asArray, isObject } from './feed.js';
import { readKnowledgeJson } from '../inventory/knowledge-dir.js';

export class VendorKeys {
  private readonly cache = new Map<string, string>();

  private constructor(
    private readonly aliases: readonly { name: string; patterns: RegExp[] }[],
    private readonly company: ReadonlyMap<string, string>,
  ) {}

  static load(file = join(knowledgeDir(), 'vuln', 'vendor-aliases.json')): VendorKeys {
    const doc = readKnowledgeJson<unknown>(file);
    if (!isObject(doc) || !Array.isArray(doc.aliases)) throw new Error(`${file}: expected {"aliases": [...]}`);
    const aliases = doc.aliases.map((a: unknown, i) => {
      const where = `${file}: aliases[${i}]`;
      if (!isObject(a) || typeof a.name !== 'string' || !Array.isArray(a.patterns) || a.patterns.length === 0) throw new Error(`${where}: needs "name" and a non-empty "patterns" array`);
      return {
        name: a.name,
        patterns: a.patterns.map((p: unknown, j) => {
          if (typeof p !== 'string') throw new Error(`${where}.patterns[${j}]: not a string`);
          try {
            return new RegExp(p, 'iu');
          } catch (err) {
            throw new Error(`${where}.patterns[${j}]: ${(err as Error).message}`);
          }
        }),
      };
    });
    const company = new Map<string, string>();
    asArray(doc.sameCompany).forEach((group, i) => {
      if (!Array.isArray(group) || group.length < 2 || !group.every((g) => typeof g === 'string')) throw new Error(`${file}: sameCompany[${i}]: expected an array of two or more names`);
      for (const name of group) company.set(name, group[0]);
    });
    return new VendorKeys(aliases, company);
  }

  /** The canonical vendor name for display ("BD (CareFusion)"). */
  canonical(name: string): string {
    const trimmed = name.trim();
    for (const a of this.aliases) if (a.patterns.some((p) => p.test(trimmed))) return a.name;
    return canonicalVendor(trimmed, 'medical');
  }

  /** The matching key: lower-case canonical name of the company. */
  key(name: string): string {
    const hit = this.cache.get(name);
    if (hit !== undefined) return hit;
    const canonical = this.canonical(name);
    const key = (this.company.get(canonical) ?? canonical).toLowerCase();
    if (this.cache.size > 20_000) this.cache.clear();
    this.cache.set(name, key);
    return key;
  }
}

let shared: VendorKeys | null = null;

export function vendorKeys(): VendorKeys {
  return (shared ??= VendorKeys.load());
}
