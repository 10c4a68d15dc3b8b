/**
 * MAC address to manufacturer, from the IEEE Registration Authority's public listings: MA-L (24-bit OUI),
 * MA-M (28 bits) and MA-S (36 bits) from the `oui-data` package, and IAB (36 bits, no longer assigned
 * but still in use) plus anything else the package lacks from knowledge/oui/*.tsv (scripts/make-oui-data.sh).
 */
import { readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { knowledgeDir } from './knowledge-dir.js';
import { canonicalVendor } from './vendor-names.js';

export type OuiRegistryName = 'MA-L' | 'MA-M' | 'MA-S' | 'IAB';

export interface OuiMatch {
  /** Canonical short name (vendor-names.ts), e.g. `Philips`. */
  vendor: string;
  /** The registry's organisation name, first line only (no address). */
  organisation: string;
  registry: OuiRegistryName;
  /** The assignment as hex digit pairs, upper case, a trailing single digit for MA-M and MA-S/IAB:
   *  `00:50:56` (24 bits), `20:85:93:B` (28), `70:B3:D5:71:9` (36). */
  prefix: string;
}

/** Hex digits of an assignment in each registry. */
const HEX_DIGITS: Readonly<Record<OuiRegistryName, number>> = { 'MA-L': 6, 'MA-M': 7, 'MA-S': 9, IAB: 9 };
/** The IEEE's own name on the MA-L blocks it subdivides into MA-M, MA-S and IAB: not a manufacturer. */
const PARENT_BLOCK_ORGANISATION = 'IEEE Registration Authority';
/** Assignments whose holder paid to stay unlisted. */
const UNLISTED_ORGANISATION = 'Private';
/** I/G bit (IEEE 802 §8.2): a group (multicast or broadcast) address names no device. */
const GROUP_BIT = 0x01;
/** U/L bit: set for locally administered addresses, which includes the randomised MACs of phones and
 *  laptops (IEEE 802c); their first octets are no OUI. */
const LOCAL_BIT = 0x02;
/** An organisation line longer than this is a corrupt file, not a company name. */
const MAX_ORGANISATION_LENGTH = 200;

const COLON_OR_DASH_MAC = /^[0-9a-f]{2}([:-])[0-9a-f]{2}(?:\1[0-9a-f]{2}){4}$/i;
const DOTTED_MAC = /^[0-9a-f]{4}\.[0-9a-f]{4}\.[0-9a-f]{4}$/i;
const BARE_MAC = /^[0-9a-f]{12}$/i;
/** One entry of oui-data's index.json, which has one key per line: ` "0050C2": "org\naddress...",`. */
const OUI_DATA_LINE = /^\s*"([0-9A-F]+)"\s*:\s*("(?:[^"\\]|\\.)*")\s*,?\s*$/;
const TSV_LINE = /^(MA-L|MA-M|MA-S|IAB)\t([0-9A-F]+)\t([^\t]+)$/;
const HEX_PREFIX = /^[0-9A-F]+$/;

/** The 12 hex digits of a MAC in colon, dash, Cisco-dotted or bare form; null when malformed. */
function macHex(mac: string): string | null {
  if (mac.length === 17 && COLON_OR_DASH_MAC.test(mac)) return mac.replace(/[:-]/g, '');
  if (mac.length === 14 && DOTTED_MAC.test(mac)) return mac.replace(/\./g, '');
  if (mac.length === 12 && BARE_MAC.test(mac)) return mac;
  return null;
}

/** True when the U/L bit of the first octet is set: the address was assigned locally (a VM, a container,
 *  or a randomised MAC), so it has no manufacturer. False for malformed strings. */
export function isLocallyAdministered(mac: string): boolean {
  const hex = macHex(mac);
  return hex !== null && (parseInt(hex.slice(0, 2), 16) & LOCAL_BIT) !== 0;
}

/** 1-based line of the first occurrence of `needle` (1 when absent). */
function lineOf(text: string, needle: string): number {
  const at = text.indexOf(needle);
  if (at < 0) return 1;
  let line = 1;
  for (let i = text.indexOf('\n'); i !== -1 && i < at; i = text.indexOf('\n', i + 1)) line++;
  return line;
}

function formatPrefix(hex: string): string {
  return hex.toUpperCase().replace(/(..)(?=.)/g, '$1:');
}

export interface OuiSources {
  /** oui-data's index.json (MA-L, MA-M, MA-S). */
  ouiDataFile?: string;
  /** A folder of `.tsv` files in the knowledge/oui format. */
  supplementDir?: string;
}

interface Assignment {
  organisation: string;
  registry: OuiRegistryName;
  /** The assignment's hex digits; formatted only for the matches asked for. */
  hex: string;
}

export class OuiRegistry {
  private readonly by24 = new Map<number, Assignment>();
  private readonly by28 = new Map<number, Assignment>();
  private readonly by36 = new Map<number, Assignment>();
  private readonly vendorByOrganisation = new Map<string, string>();

  /** Number of assignments loaded, per registry. */
  readonly counts: Record<OuiRegistryName, number> = { 'MA-L': 0, 'MA-M': 0, 'MA-S': 0, IAB: 0 };

  /** The bundled registries; throws with file and line on a corrupt data file. `sources` replaces them
   *  (tests, or a newer listing). */
  static load(sources: OuiSources = {}): OuiRegistry {
    const registry = new OuiRegistry();
    const ouiDataFile = sources.ouiDataFile ?? createRequire(import.meta.url).resolve('oui-data');
    registry.addOuiData(ouiDataFile, readFileSync(ouiDataFile, 'utf8'));
    const dir = sources.supplementDir ?? join(knowledgeDir(), 'oui');
    for (const name of readdirSync(dir).filter((n) => n.endsWith('.tsv')).sort()) {
      const file = join(dir, name);
      registry.addTsv(file, readFileSync(file, 'utf8'));
    }
    return registry;
  }

  /** Longest-prefix match: MA-S/IAB (36 bits), then MA-M (28), then MA-L (24). Null for malformed, unknown,
   *  multicast and locally administered (randomised) addresses, for blocks listed as `Private`, and for a
   *  block the IEEE subdivides when no sub-assignment matches. */
  lookup(mac: string): OuiMatch | null {
    const hex = macHex(mac);
    if (hex === null) return null;
    const prefix36 = parseInt(hex.slice(0, 9), 16);
    const firstOctet = Math.floor(prefix36 / 0x10000000);
    if ((firstOctet & (GROUP_BIT | LOCAL_BIT)) !== 0) return null;
    const hit =
      this.by36.get(prefix36) ?? this.by28.get(Math.floor(prefix36 / 0x100)) ?? this.by24.get(Math.floor(prefix36 / 0x1000));
    if (hit === undefined) return null;
    if (hit.organisation === PARENT_BLOCK_ORGANISATION || hit.organisation === UNLISTED_ORGANISATION) return null;
    let vendor = this.vendorByOrganisation.get(hit.organisation);
    if (vendor === undefined) {
      vendor = canonicalVendor(hit.organisation);
      this.vendorByOrganisation.set(hit.organisation, vendor);
    }
    return { vendor, organisation: hit.organisation, registry: hit.registry, prefix: formatPrefix(hit.hex) };
  }

  /** oui-data's index.json: `{ "<hex>": "<organisation>\n<address lines>", ... }`, one key per line. */
  private addOuiData(file: string, text: string): void {
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch (e) {
      // Find the line for the message; JSON.parse does not always give a position.
      OuiRegistry.findCorruptLine(file, text);
      throw new Error(`${file}: ${(e as Error).message}`);
    }
    if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new Error(`${file}:1: not a JSON object`);
    for (const [hex, value] of Object.entries(doc as Record<string, unknown>)) {
      const registry = !HEX_PREFIX.test(hex) ? null : hex.length === 6 ? 'MA-L' : hex.length === 7 ? 'MA-M' : hex.length === 9 ? 'MA-S' : null;
      const problem =
        registry === null
          ? `prefix ${hex} is not 6, 7 or 9 upper-case hex digits`
          : typeof value !== 'string'
            ? `the organisation of ${hex} is not a string`
            : this.add(registry, hex, value.split('\n', 1)[0], false);
      if (problem !== null) throw new Error(`${file}:${lineOf(text, `"${hex}"`)}: ${problem}`);
    }
  }

  /** Throws naming the first line of an oui-data file that is not a `"prefix": "text",` entry. */
  private static findCorruptLine(file: string, text: string): void {
    const lines = text.split('\n');
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i].trim();
      if (line === '' || line === '{' || line === '}') continue;
      const m = OUI_DATA_LINE.exec(line);
      let ok = m !== null;
      if (m !== null) {
        try {
          JSON.parse(m[2]);
        } catch {
          ok = false;
        }
      }
      if (!ok) throw new Error(`${file}:${i + 1}: not a "prefix": "organisation" entry`);
    }
    // A trailing comma before the closing brace is valid line by line but not JSON.
    let last = lines.length - 1;
    while (last > 0 && (lines[last].trim() === '' || lines[last].trim() === '}')) last--;
    if (lines[last].trim().endsWith(',')) throw new Error(`${file}:${last + 1}: trailing comma before "}"`);
  }

  /** knowledge/oui/*.tsv: `#` comments, then `registry<TAB>hex prefix<TAB>organisation` lines. */
  private addTsv(file: string, text: string): void {
    const lines = text.split('\n');
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i].replace(/\r$/, '');
      if (line === '' || line.startsWith('#')) continue;
      const m = TSV_LINE.exec(line);
      if (m === null) throw new Error(`${file}:${i + 1}: expected registry, prefix and organisation separated by tabs`);
      const problem = this.add(m[1] as OuiRegistryName, m[2], m[3], true);
      if (problem !== null) throw new Error(`${file}:${i + 1}: ${problem}`);
    }
  }

  /** Records one assignment; returns what is wrong with it, or null. */
  private add(registry: OuiRegistryName, hex: string, organisation: string, keepExisting: boolean): string | null {
    if (hex.length !== HEX_DIGITS[registry]) return `${registry} prefix ${hex} must have ${HEX_DIGITS[registry]} hex digits`;
    const org = organisation.trim();
    if (org === '' || org.length > MAX_ORGANISATION_LENGTH) return `organisation of ${hex} missing or too long`;
    const map = hex.length === 6 ? this.by24 : hex.length === 7 ? this.by28 : this.by36;
    const key = parseInt(hex, 16);
    // oui-data is the newer listing: the supplement only fills its gaps.
    if (keepExisting && map.has(key)) return null;
    map.set(key, { organisation: org, registry, hex });
    this.counts[registry]++;
    return null;
  }

}
