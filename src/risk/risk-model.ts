/** The risk model's weights (knowledge/risk/risk-model.json), loaded and checked. */
import { join } from 'node:path';
import { knowledgeDir } from '../inventory/knowledge-dir.js';
import { readKnowledgeJson } from '../inventory/knowledge-dir.js';

export interface BehaviourRule {
  id: string;
  label: string;
  when: { key?: string; keyIn?: string[]; equals?: string; attribute?: string; pattern?: string };
  weight: number;
  /** A privacy finding: patient data exposed rather than a way in. */
  privacy?: boolean;
}

export interface RiskModel {
  likelihood: {
    vulnerabilityDecision: Record<string, number>;
    exposure: Record<string, number>;
    behaviours: (BehaviourRule & { regex?: RegExp })[];
  };
  impact: {
    safety: Record<string, number>;
    criticality: { base: number; workflow: number; scarcity: number };
    privacy: { holdsPhi: number; movesPhi: number; observedPhi: number; none: number; hubBonus: number };
  };
}

const isWeight = (v: unknown): v is number => typeof v === 'number' && v >= 0 && v <= 1;

export function loadRiskModel(file = join(knowledgeDir(), 'risk', 'risk-model.json')): RiskModel {
  const doc = readKnowledgeJson<RiskModel>(file);
  const where = (path: string) => `${file}: ${path}`;
  const weights = (o: Record<string, unknown> | undefined, path: string) => {
    if (!o || typeof o !== 'object') throw new Error(`${where(path)} is missing`);
    for (const [k, v] of Object.entries(o)) if (!k.startsWith('$') && !isWeight(v)) throw new Error(`${where(`${path}.${k}`)} must be a number from 0 to 1`);
  };
  weights(doc.likelihood?.vulnerabilityDecision, 'likelihood.vulnerabilityDecision');
  weights(doc.likelihood?.exposure, 'likelihood.exposure');
  weights(doc.impact?.safety, 'impact.safety');
  weights(doc.impact?.criticality as never, 'impact.criticality');
  weights(doc.impact?.privacy as never, 'impact.privacy');
  if (!Array.isArray(doc.likelihood.behaviours)) throw new Error(`${where('likelihood.behaviours')} must be a list`);
  doc.likelihood.behaviours = doc.likelihood.behaviours.map((b, i) => {
    const at = `likelihood.behaviours[${i}]${b?.id ? ` (${b.id})` : ''}`;
    if (typeof b.id !== 'string' || typeof b.label !== 'string') throw new Error(`${where(at)}: "id" and "label" are required`);
    if (!isWeight(b.weight)) throw new Error(`${where(at)}: "weight" must be a number from 0 to 1`);
    if (!b.when || (!b.when.key && !b.when.keyIn && !b.when.attribute)) throw new Error(`${where(at)}: "when" needs key, keyIn or attribute`);
    if (b.when.attribute && !b.when.pattern) throw new Error(`${where(at)}: an attribute test needs a "pattern"`);
    let regex: RegExp | undefined;
    try {
      regex = b.when.pattern ? new RegExp(b.when.pattern, 'i') : undefined;
    } catch (err) {
      throw new Error(`${where(at)}: bad pattern: ${(err as Error).message}`);
    }
    return { ...b, regex };
  });
  return doc;
}

/** Observation keys the behaviour rules read: the only facts risk needs from the store. */
export function behaviourKeys(model: RiskModel): string[] {
  const keys = new Set<string>();
  for (const b of model.likelihood.behaviours) {
    if (b.when.key) keys.add(b.when.key);
    for (const k of b.when.keyIn ?? []) keys.add(k);
  }
  return [...keys];
}
