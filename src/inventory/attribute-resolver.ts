import type { Fact, FingerprintRules, RuleHit } from './fingerprint-rules.js';
import { fieldValue, type IdentityField } from './identity-fields.js';
import type { OuiRegistry } from './oui.js';
import type { Taxonomy } from './taxonomy.js';
import { canonicalVendor } from './vendor-names.js';

export const ATTRIBUTES = ['hostname', 'vendor', 'model', 'firmware', 'os', 'serial', 'category', 'role'] as const;
export type DeviceAttribute = (typeof ATTRIBUTES)[number];

/** A fact as stored for a device: how often and when it was seen. */
export interface DeviceFact extends Fact {
  count: number;
  first: number;
  last: number;
}

export interface Candidate {
  attribute: DeviceAttribute;
  value: string;
  source: string;
  confidence: number;
  count: number;
  first: number;
  last: number;
  evidence: Fact[];
}

export interface ChosenAttribute {
  value: string;
  /** Combined support of every source naming this value: 1 - Π(1 - confidence). */
  confidence: number;
  /** Another value has at least half the chosen one's support. */
  disagreement: boolean;
  alternatives: { value: string; confidence: number }[];
  /** Set when the value was implied by another attribute (a role's category). */
  impliedBy?: DeviceAttribute;
}

/** What the inventory needs of the port hints (knowledge/port-hints.json): a port is a hint, not proof. */
export interface PortHintSource {
  hintsFor(transport: 'tcp' | 'udp', port: number): readonly { protocol: string; categories: readonly string[]; confidence: number }[];
}

export interface AttributeKnowledge {
  rules: FingerprintRules;
  fields: Map<string, IdentityField[]>;
  oui: OuiRegistry;
  portHints: PortHintSource | null;
  taxonomy: Taxonomy;
}

/** A NIC's maker is often not the device's (pumps and monitors embed Lantronix, Digi, Intel radios). */
const OUI_CONFIDENCE = 0.5;

/**
 * Every candidate value of every attribute one device's facts support: the fields that state an
 * attribute, the fingerprint rules, the MAC's registry, port hints and behaviour.
 */
export function candidatesFor(facts: readonly DeviceFact[], mac: string | null, listen: readonly string[], extra: readonly RuleHit[], k: AttributeKnowledge): Candidate[] {
  const out: Candidate[] = [];
  let first = Infinity;
  let last = -Infinity;
  for (const f of facts) {
    if (f.first < first) first = f.first;
    if (f.last > last) last = f.last;
    for (const field of k.fields.get(f.key) ?? []) {
      const value = fieldValue(field, f.value);
      if (value !== null) out.push({ attribute: field.attribute, value, source: `field:${f.key}`, confidence: field.confidence, count: f.count, first: f.first, last: f.last, evidence: [{ key: f.key, value: f.value }] });
    }
  }
  if (!Number.isFinite(first)) first = last = 0;
  const ruleFacts: Fact[] = facts.map((f) => ({ key: f.key, value: f.value }));
  const oui = mac ? k.oui.lookup(mac) : null;
  if (oui) {
    ruleFacts.push({ key: 'oui.vendor', value: oui.vendor }, { key: 'oui.organisation', value: oui.organisation });
    out.push({ attribute: 'vendor', value: oui.vendor, source: `oui:${oui.registry}`, confidence: OUI_CONFIDENCE, count: 1, first, last, evidence: [{ key: 'oui.vendor', value: oui.vendor }, { key: 'mac', value: mac! }] });
  }
  for (const l of listen) ruleFacts.push({ key: 'service.listen', value: l });
  const hitTimes = (h: RuleHit) => {
    let n = 0;
    let a = Infinity;
    let b = -Infinity;
    for (const e of h.evidence) {
      const f = facts.find((x) => x.key === e.key && (x.value === e.value || JSON.stringify(x.value) === JSON.stringify(e.value)));
      if (f) {
        n += f.count;
        a = Math.min(a, f.first);
        b = Math.max(b, f.last);
      }
    }
    return { count: Math.max(1, n), first: Number.isFinite(a) ? a : first, last: Number.isFinite(b) ? b : last };
  };
  for (const h of [...k.rules.match(ruleFacts), ...extra]) {
    const source = h.rule.startsWith('behaviour:') ? h.rule : `rule:${h.rule}`;
    const value = h.attribute === 'vendor' ? canonicalVendor(h.value) : h.value;
    out.push({ attribute: h.attribute, value, source, confidence: h.confidence, ...hitTimes(h), evidence: h.evidence });
  }
  if (k.portHints) {
    for (const l of listen) {
      const [transport, port] = l.split('/');
      for (const hint of k.portHints.hintsFor(transport as 'tcp' | 'udp', Number(port))) {
        const categories = hint.categories.filter((c) => !c.includes('*'));
        // A port naming several possible categories says "one of these": its support is shared.
        for (const category of categories) {
          out.push({ attribute: 'category', value: category, source: `port-hint:${hint.protocol}`, confidence: hint.confidence / categories.length, count: 1, first, last, evidence: [{ key: 'service.listen', value: l }] });
        }
      }
    }
  }
  return out;
}

/** Same value from several sources adds support; the best-supported value is chosen, and none when the best two tie. */
export function chooseAttributes(candidates: readonly Candidate[], taxonomy: Taxonomy): Partial<Record<DeviceAttribute, ChosenAttribute>> {
  const support = new Map<DeviceAttribute, Map<string, { value: string; miss: number; count: number }>>();
  for (const c of candidates) {
    let values = support.get(c.attribute);
    if (!values) support.set(c.attribute, (values = new Map()));
    // Case and spacing differ between protocols naming the same thing ("SIEMENS", "Siemens").
    const norm = c.value.toLowerCase().replace(/\s+/g, ' ');
    const s = values.get(norm);
    if (s) {
      s.miss *= 1 - c.confidence;
      s.count += c.count;
    } else values.set(norm, { value: c.value, miss: 1 - c.confidence, count: c.count });
  }
  const chosen: Partial<Record<DeviceAttribute, ChosenAttribute>> = {};
  for (const [attribute, values] of support) {
    const ranked = [...values.values()].map((v) => ({ value: v.value, confidence: round(1 - v.miss), count: v.count })).sort((a, b) => b.confidence - a.confidence || b.count - a.count || a.value.localeCompare(b.value));
    const best = ranked[0];
    // Two values with the same support and the same number of sightings: nothing tells them apart, so
    // naming either would be a guess (a DICOM port alone hints at ten categories at once).
    if (ranked.length > 1 && ranked[1].confidence === best.confidence && ranked[1].count === best.count) continue;
    chosen[attribute] = {
      value: best.value,
      confidence: best.confidence,
      disagreement: ranked.length > 1 && ranked[1].confidence >= best.confidence / 2,
      alternatives: ranked.slice(1, 6).map((r) => ({ value: r.value, confidence: r.confidence })),
    };
  }
  // A role implies its category when nothing better says what the device is.
  const role = chosen.role ? taxonomy.role(chosen.role.value) : undefined;
  if (role && (!chosen.category || chosen.category.confidence < chosen.role!.confidence * 0.8)) {
    chosen.category = { value: role.category, confidence: round(chosen.role!.confidence * 0.8), disagreement: chosen.category !== undefined, alternatives: chosen.category ? [{ value: chosen.category.value, confidence: chosen.category.confidence }] : [], impliedBy: 'role' };
  }
  // A device category that is also a role (an infusion pump's role is infusion-pump) gives the role.
  if (!chosen.role && chosen.category && taxonomy.role(chosen.category.value)) {
    chosen.role = { value: chosen.category.value, confidence: chosen.category.confidence, disagreement: false, alternatives: [], impliedBy: 'category' };
  }
  return chosen;
}

const round = (x: number) => Math.round(x * 1000) / 1000;
