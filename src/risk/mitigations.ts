/**
 * The mitigation catalogue (knowledge/risk/mitigations.json) applied to one device: each option
 * that would change something, with its predicted risk after (the device rescored without the
 * factors it removes) and its operational cost; the cheapest option that brings the device under
 * the target first.
 */
import { join } from 'node:path';
import { INTERNET_PEER_KEY } from '../inventory/inventory-update.js';
import { knowledgeDir } from '../inventory/knowledge-dir.js';
import type { InventoryStore } from '../store/inventory-store.js';
import type { RiskModel } from './risk-model.js';
import { scoreDevice, type RiskInputs, type RiskScore } from './risk-score.js';
import { readKnowledgeJson } from '../inventory/knowledge-dir.js';

export interface Mitigation {
  id: string;
  label: string;
  /** Factor ids it removes; `prefix-*` removes every factor starting with `prefix-`. */
  removes: string[];
  /** A remediation category the device's advisories must offer (vendor_fix, workaround). */
  requires?: string;
  cost: number;
  careImpact: string;
  detail: string;
}

export interface MitigationCatalogue {
  target: number;
  mitigations: Mitigation[];
}

export interface MitigationOption {
  mitigation: Mitigation;
  before: number;
  after: number;
  reduction: number;
  /** The factors it removes on this device. */
  removes: string[];
  bringsUnderTarget: boolean;
}

export function loadMitigations(file = join(knowledgeDir(), 'risk', 'mitigations.json')): MitigationCatalogue {
  const doc = readKnowledgeJson<MitigationCatalogue>(file);
  if (typeof doc.target !== 'number' || !Array.isArray(doc.mitigations)) throw new Error(`${file}: expected {"target": number, "mitigations": [...]}`);
  doc.mitigations.forEach((m, i) => {
    const at = `${file}: mitigations[${i}]${m?.id ? ` (${m.id})` : ''}`;
    if (typeof m.id !== 'string' || typeof m.label !== 'string' || !Array.isArray(m.removes)) throw new Error(`${at}: "id", "label" and "removes" are required`);
    if (typeof m.cost !== 'number' || m.cost < 0 || m.cost > 5) throw new Error(`${at}: "cost" must be 0 to 5`);
  });
  return doc;
}

const matches = (pattern: string, id: string) => (pattern.endsWith('*') ? id.startsWith(pattern.slice(0, -1)) : id === pattern);

/** The device's inputs with the factors removed: what the scorer sees after the mitigation. */
export function withoutFactors(d: RiskInputs, removed: readonly string[], model: RiskModel): RiskInputs {
  const gone = (id: string) => removed.includes(id);
  const keys = new Set(model.likelihood.behaviours.filter((b) => gone(b.id)).flatMap((b) => (b.when.key ? [b.when.key] : (b.when.keyIn ?? []))));
  return {
    ...d,
    // Blocking its internet traffic also ends its role as a way in for the devices it talks to.
    facts: new Map([...d.facts].filter(([key]) => !keys.has(key) && !(key === INTERNET_PEER_KEY && gone('exposure-internet')))),
    os: gone('end-of-life-os') ? null : d.os,
    vulnerabilities: removed.some((r) => r.startsWith('vulnerabilities-')) ? { decision: null, count: 0, kev: 0 } : d.vulnerabilities,
    exposure: new Map([...d.exposure].filter(([kind]) => !gone(`exposure-${kind}`))),
  };
}

/** The remediation categories (vendor_fix, workaround, mitigation) the advisories of the device's vulnerabilities offer. */
export async function remediationCategories(store: InventoryStore, deviceId: number): Promise<Set<string>> {
  const rows = await store.db
    .selectFrom('device_vulnerabilities')
    .innerJoin('vulnerabilities', 'vulnerabilities.cve', 'device_vulnerabilities.cve')
    .select('vulnerabilities.remediations')
    .where('device_vulnerabilities.device_id', '=', deviceId)
    .execute();
  const out = new Set<string>();
  for (const r of rows) {
    try {
      for (const x of JSON.parse(r.remediations) as { category?: string }[]) if (x.category) out.add(x.category);
    } catch {
      // A row written by an older importer: no categories to offer.
    }
  }
  return out;
}

export function mitigationOptions(d: RiskInputs, model: RiskModel, catalogue: MitigationCatalogue, remediations: ReadonlySet<string>): { before: RiskScore; options: MitigationOption[] } {
  const before = scoreDevice(d, model);
  const present = before.factors.filter((f) => f.kind === 'likelihood').map((f) => f.id);
  const options: MitigationOption[] = [];
  for (const m of catalogue.mitigations) {
    if (m.requires && !remediations.has(m.requires)) continue;
    const removes = present.filter((id) => m.removes.some((p) => matches(p, id)));
    if (removes.length === 0 && m.id !== 'monitor-only') continue;
    const after = scoreDevice(withoutFactors(d, removes, model), model).score;
    options.push({ mitigation: m, before: before.score, after, reduction: Math.round((before.score - after) * 10) / 10, removes, bringsUnderTarget: after < catalogue.target });
  }
  // Under the target first, cheapest first among them; then the rest by how much they cut.
  options.sort((a, b) => Number(b.bringsUnderTarget) - Number(a.bringsUnderTarget) || (a.bringsUnderTarget ? a.mitigation.cost - b.mitigation.cost : b.reduction - a.reduction) || a.mitigation.cost - b.mitigation.cost);
  return { before, options };
}
