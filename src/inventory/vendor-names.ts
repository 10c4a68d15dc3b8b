/**
 * Canonical vendor names, so that an OUI organisation ("Philips Medical Systems - Cardiac and Monitoring
 * Systems (CM"), a DICOM Manufacturer ("Philips Medical Systems") and a UPnP manufacturer ("Philips") fuse
 * into one vendor. The names and their aliases are data: knowledge/vendors.json.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { knowledgeDir } from './knowledge-dir.js';

/** Where a name was read. Some spellings are ambiguous outside medicine: a DICOM Manufacturer `SIEMENS`
 *  is Siemens Healthineers, a MAC block registered to `Siemens AG` may be any Siemens business. */
export type VendorContext = 'medical' | 'any';

export interface Vendor {
  name: string;
  medical: boolean;
  aliases: readonly RegExp[];
  medicalAliases: readonly RegExp[];
}

/** Distinct names remembered; a capture has a few hundred, the bound only stops a hostile stream. */
const MAX_CACHED_NAMES = 10_000;
/** Longer input is no vendor name (DICOM LO is 64 characters, UPnP manufacturer 64). */
const MAX_NAME_LENGTH = 256;

export class VendorNames {
  readonly vendors: readonly Vendor[];
  private readonly cache = new Map<string, string>();

  constructor(vendors: readonly Vendor[]) {
    this.vendors = vendors;
  }

  /** knowledge/vendors.json (or `file`); throws naming the file, the entry and the problem. */
  static load(file: string = join(knowledgeDir(), 'vendors.json')): VendorNames {
    let doc: unknown;
    try {
      doc = JSON.parse(readFileSync(file, 'utf8'));
    } catch (e) {
      throw new Error(`${file}: ${(e as Error).message}`);
    }
    const list = (doc as { vendors?: unknown } | null)?.vendors;
    if (!Array.isArray(list)) throw new Error(`${file}: expected an object with a "vendors" array`);
    const seen = new Set<string>();
    const vendors = list.map((entry: unknown, i): Vendor => {
      const where = `${file}: vendors[${i}]`;
      if (typeof entry !== 'object' || entry === null) throw new Error(`${where}: not an object`);
      const v = entry as Record<string, unknown>;
      for (const k of Object.keys(v)) {
        if (!['name', 'medical', 'aliases', 'medicalAliases'].includes(k)) throw new Error(`${where}: unknown field "${k}"`);
      }
      if (typeof v.name !== 'string' || v.name.trim() === '') throw new Error(`${where}: "name" must be a non-empty string`);
      if (seen.has(v.name)) throw new Error(`${where} (${v.name}): duplicate name`);
      seen.add(v.name);
      if (typeof v.medical !== 'boolean') throw new Error(`${where} (${v.name}): "medical" must be true or false`);
      return {
        name: v.name,
        medical: v.medical,
        aliases: compileAliases(v.aliases, `${where} (${v.name}).aliases`, true),
        medicalAliases: compileAliases(v.medicalAliases ?? [], `${where} (${v.name}).medicalAliases`, false),
      };
    });
    return new VendorNames(vendors);
  }

  canonical(name: string, context: VendorContext = 'any'): string {
    const trimmed = name.trim();
    if (trimmed === '' || trimmed.length > MAX_NAME_LENGTH) return trimmed;
    const cacheKey = context === 'medical' ? '\u0001' + trimmed : trimmed;
    const hit = this.cache.get(cacheKey);
    if (hit !== undefined) return hit;
    let result = trimmed;
    outer: for (const v of this.vendors) {
      for (const re of v.aliases) {
        if (re.test(trimmed)) {
          result = v.name;
          break outer;
        }
      }
      if (context === 'medical') {
        for (const re of v.medicalAliases) {
          if (re.test(trimmed)) {
            result = v.name;
            break outer;
          }
        }
      }
    }
    if (this.cache.size >= MAX_CACHED_NAMES) this.cache.clear();
    this.cache.set(cacheKey, result);
    return result;
  }

  /** The entry of a canonical name, e.g. to ask whether a vendor makes medical devices. */
  vendor(canonicalName: string): Vendor | undefined {
    return this.vendors.find((v) => v.name === canonicalName);
  }
}

function compileAliases(value: unknown, where: string, required: boolean): RegExp[] {
  if (!Array.isArray(value) || (required && value.length === 0)) {
    throw new Error(`${where}: must be ${required ? 'a non-empty' : 'an'} array of regular expressions`);
  }
  return value.map((src: unknown, i) => {
    if (typeof src !== 'string' || src === '') throw new Error(`${where}[${i}]: not a non-empty string`);
    try {
      return new RegExp(src, 'iu');
    } catch (e) {
      throw new Error(`${where}[${i}]: ${(e as Error).message}`);
    }
  });
}

let shared: VendorNames | null = null;

/** The bundled names, loaded once per process. */
export function vendorNames(): VendorNames {
  return (shared ??= VendorNames.load());
}

/** Canonical vendor name from any spelling (registry organisation, DICOM Manufacturer, HL7 application,
 *  User-Agent product): 'Philips Medical Systems - Cardiac and Monitoring Systems (CM' -> 'Philips',
 *  'GE Medical Systems' -> 'GE Healthcare', 'SIEMENS' -> 'Siemens Healthineers' in a medical context.
 *  Returns the input trimmed when no alias matches. */
export function canonicalVendor(name: string, context: VendorContext = 'any'): string {
  return vendorNames().canonical(name, context);
}
