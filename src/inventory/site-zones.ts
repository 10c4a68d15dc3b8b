import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { isLocalAddress } from './address-kinds.js';

export type ZoneKind = 'clinical' | 'it' | 'guest' | 'building' | 'management' | 'dmz';
const KINDS = new Set<ZoneKind>(['clinical', 'it', 'guest', 'building', 'management', 'dmz']);

export interface SiteZone {
  id: string;
  name: string;
  kind: ZoneKind;
  site: string | null;
  department: string | null;
  subnets: { base: number; bits: number; text: string }[];
  vlans: number[];
}

export interface ZoneRow {
  id: string;
  name: string;
  kind: string;
  site: string | null;
  department: string | null;
  subnet: string | null;
  vlan: number | null;
  inferred: number;
}

function ipv4(ip: string): number | null {
  const p = ip.split('.');
  if (p.length !== 4) return null;
  let n = 0;
  for (const x of p) {
    const v = Number(x);
    if (!Number.isInteger(v) || v < 0 || v > 255) return null;
    n = n * 256 + v;
  }
  return n;
}

/**
 * A site file (YAML) maps subnets and VLANs to site, department and zone:
 * ```yaml
 * site: St Example
 * zones:
 *   - id: icu
 *     name: Intensive care
 *     kind: clinical          # clinical | it | guest | building | management | dmz
 *     department: ICU
 *     subnets: [10.20.0.0/22]
 *     vlans: [20]
 * ```
 */
export function loadSiteFile(file: string): SiteZone[] {
  let doc: { site?: unknown; zones?: unknown };
  try {
    doc = parse(readFileSync(file, 'utf8')) ?? {};
  } catch (err) {
    throw new Error(`site file ${file}: ${(err as Error).message}`);
  }
  if (!Array.isArray(doc.zones)) throw new Error(`site file ${file}: expected a "zones" list`);
  const site = typeof doc.site === 'string' ? doc.site : null;
  return doc.zones.map((z: Record<string, unknown>, i: number) => {
    const where = `site file ${file}: zones[${i}]`;
    if (typeof z?.id !== 'string' || z.id === '') throw new Error(`${where}: "id" is required`);
    const kind = (z.kind ?? 'it') as ZoneKind;
    if (!KINDS.has(kind)) throw new Error(`${where} (${z.id}): kind must be one of ${[...KINDS].join(', ')}`);
    const subnets = ((z.subnets ?? []) as unknown[]).map((s) => {
      const m = typeof s === 'string' ? /^(\d+\.\d+\.\d+\.\d+)\/(\d+)$/.exec(s) : null;
      const base = m ? ipv4(m[1]) : null;
      const bits = m ? Number(m[2]) : NaN;
      if (base === null || !(bits >= 0 && bits <= 32)) throw new Error(`${where} (${z.id}): bad subnet ${JSON.stringify(s)}; expected a.b.c.d/n`);
      return { base, bits, text: s as string };
    });
    const vlans = ((z.vlans ?? []) as unknown[]).map((v) => {
      if (!Number.isInteger(v) || (v as number) < 0 || (v as number) > 4095) throw new Error(`${where} (${z.id}): bad VLAN ${JSON.stringify(v)}`);
      return v as number;
    });
    return { id: z.id, name: typeof z.name === 'string' ? z.name : z.id, kind, site: typeof z.site === 'string' ? z.site : site, department: typeof z.department === 'string' ? z.department : null, subnets, vlans };
  });
}

const inSubnet = (ip: number, s: { base: number; bits: number }) => s.bits === 0 || ip >>> (32 - s.bits) === s.base >>> (32 - s.bits);

/** Zone id of an address: the site file's most specific subnet, then its VLAN; else an inferred zone. */
export function zoneOf(zones: readonly SiteZone[], ip: string | null, vlan: number | null): { id: string; inferred: boolean; subnet: string | null } {
  const n = ip ? ipv4(ip) : null;
  let best: SiteZone | null = null;
  let bestBits = -1;
  if (n !== null) for (const z of zones) for (const s of z.subnets) if (s.bits > bestBits && inSubnet(n, s)) ((best = z), (bestBits = s.bits));
  if (!best && vlan !== null) best = zones.find((z) => z.vlans.includes(vlan)) ?? null;
  if (best) return { id: best.id, inferred: false, subnet: null };
  if (vlan) return { id: `vlan-${vlan}`, inferred: true, subnet: n !== null ? `${ip!.slice(0, ip!.lastIndexOf('.'))}.0/24` : null };
  if (n !== null && isLocalAddress(ip!)) {
    const subnet = `${ip!.slice(0, ip!.lastIndexOf('.'))}.0/24`;
    return { id: `subnet-${subnet}`, inferred: true, subnet };
  }
  return { id: 'unzoned', inferred: true, subnet: null };
}

const MEDICAL_HINT = /infusion|monitor|ventilator|anaesthesia|imaging|pacs|ris|lab|lis|hl7|ehr|poct|medical|pump|central/;

/** The kind of an inferred zone, from what lives in it. */
export function inferZoneKind(categories: readonly (string | null)[]): ZoneKind {
  const known = categories.filter((c): c is string => !!c);
  if (known.length === 0) return 'it';
  const count = (test: (c: string) => boolean) => known.filter(test).length;
  if (count((c) => c === 'guest') * 2 >= known.length) return 'guest';
  if (count((c) => c === 'building-controller' || c === 'badge-reader' || c === 'camera') * 2 >= known.length) return 'building';
  if (count((c) => MEDICAL_HINT.test(c)) * 3 >= known.length) return 'clinical';
  if (count((c) => c === 'network') * 2 >= known.length) return 'management';
  return 'it';
}
