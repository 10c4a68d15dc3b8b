/**
 * The risk formula (docs/risk.md), as a pure function over one device's inputs: no store, so the
 * benchmark and the what-if can run it on any state. Every factor that moved the score is returned
 * with its weight, so the number explains itself.
 */
import type { RiskModel } from './risk-model.js';
import type { RiskFactor, RiskScore } from './risk-types.js';

export type { RiskFactor, RiskScore };

export interface RiskInputs {
  deviceId: number;
  category: string | null;
  safetyImpact: string | null;
  holdsPhi: boolean;
  movesPhi: boolean;
  os: string | null;
  /** Observation keys seen on the device, with their values (JSON text) where a rule tests one. */
  facts: Map<string, string[]>;
  /** The device's vulnerabilities: most urgent decision and how many, and how many are KEV. */
  vulnerabilities: { decision: string | null; count: number; kev: number };
  /** Entry kinds seen reaching the device (internet, guest, remote-access, it), with one example each. */
  exposure: Map<string, string>;
  /** Clinical workflows it serves (as hub counts 2) and devices of its category on its site. */
  workflows: number;
  hub: boolean;
  sameCategory: number;
}

const combine = (ws: number[]): number => 1 - ws.reduce((p, w) => p * (1 - w), 1);
const round1 = (x: number) => Math.round(x * 10) / 10;

function behaviourHolds(rule: RiskModel['likelihood']['behaviours'][number], d: RiskInputs): string | null {
  const w = rule.when;
  if (w.attribute) {
    const v = w.attribute === 'os' ? d.os : null;
    return v && rule.regex?.test(v) ? `${w.attribute} ${v}` : null;
  }
  for (const key of w.key ? [w.key] : (w.keyIn ?? [])) {
    const values = d.facts.get(key);
    if (!values) continue;
    if (w.equals === undefined) return key;
    if (values.some((v) => v === w.equals || v === JSON.stringify(w.equals) || v === `"${w.equals}"`)) return `${key} = ${w.equals}`;
  }
  return null;
}

const IMPACT_LABELS: Record<string, string> = {
  'safety-class': 'Patient-safety class',
  criticality: 'Criticality (workflows served, devices that could take over)',
  'privacy-class': 'Patient data',
};
const EXPOSURE_LABELS: Record<string, string> = {
  internet: 'Reached from the internet',
  guest: 'Reached from a guest zone',
  'remote-access': 'Reached from a device running a remote-access tool',
  it: 'Reached from the IT zone',
};

/** One label per decision, not one per device. */
const vulnerabilityLabels = new Map<string, string>();

/** A factor's label and kind follow from its id: stores keep `[id, weight, detail]` and rebuild the rest. */
export function factor(id: string, weight: number, detail: string, model: RiskModel): RiskFactor {
  if (IMPACT_LABELS[id]) return { id, label: IMPACT_LABELS[id], kind: 'impact', weight, detail };
  if (id.startsWith('vulnerabilities-')) {
    let label = vulnerabilityLabels.get(id);
    if (label === undefined) {
      label = `Vulnerabilities: most urgent decision ${id.slice('vulnerabilities-'.length)}`;
      if (vulnerabilityLabels.size < 64) vulnerabilityLabels.set(id, label);
    }
    return { id, label, kind: 'likelihood', weight, detail };
  }
  if (id.startsWith('exposure-')) return { id, label: EXPOSURE_LABELS[id.slice('exposure-'.length)] ?? id, kind: 'likelihood', weight, detail };
  return { id, label: model.likelihood.behaviours.find((b) => b.id === id)?.label ?? id, kind: 'likelihood', weight, detail };
}

/**
 * `strings`, when given, holds one copy of each detail text: scoring a whole inventory keeps every
 * score, and most details ("0 workflows; one of 12 of its category") repeat across devices.
 */
export function scoreDevice(d: RiskInputs, model: RiskModel, strings?: Map<string, string>): RiskScore {
  const one = (text: string): string => {
    if (!strings) return text;
    const kept = strings.get(text);
    if (kept !== undefined) return kept;
    strings.set(text, text);
    return text;
  };
  const factors: RiskFactor[] = [];
  const ways: number[] = [];
  const L = model.likelihood;
  if (d.vulnerabilities.decision) {
    const w = L.vulnerabilityDecision[d.vulnerabilities.decision] ?? 0;
    ways.push(w);
    factors.push(factor(`vulnerabilities-${d.vulnerabilities.decision}`, w, one(`${d.vulnerabilities.count} known, ${d.vulnerabilities.kev} exploited in the wild (KEV)`), model));
  }
  for (const [kind, example] of d.exposure) {
    const w = L.exposure[kind] ?? 0;
    if (w <= 0) continue;
    ways.push(w);
    factors.push(factor(`exposure-${kind}`, w, example, model));
  }
  let phiSeen = false;
  for (const rule of L.behaviours) {
    const seen = behaviourHolds(rule, d);
    if (!seen) continue;
    ways.push(rule.weight);
    if (rule.privacy) phiSeen = true;
    factors.push(factor(rule.id, rule.weight, one(seen), model));
  }
  const likelihood = combine(ways);

  const I = model.impact;
  const safetyClass = d.safetyImpact ?? 'unknown';
  const safetyWeight = I.safety[safetyClass] ?? I.safety.unknown ?? 0.3;
  const C = I.criticality;
  const workflowPart = Math.min(2, d.workflows) / 2;
  const scarcityPart = d.sameCategory > 0 ? 1 / d.sameCategory : 1;
  const criticality = Math.min(1, C.base + C.workflow * workflowPart + C.scarcity * scarcityPart);
  const safetyImpact = safetyWeight * criticality;
  factors.push(factor('safety-class', safetyWeight, one(`${safetyClass} (${d.category ?? 'category unknown'})`), model));
  factors.push(
    factor(
      'criticality',
      Math.round(criticality * 1000) / 1000,
      one(`${d.workflows} workflow${d.workflows === 1 ? '' : 's'}${d.hub ? ' as hub' : ''}; ${d.sameCategory <= 1 ? 'the only one of its category' : `one of ${d.sameCategory} of its category`}`),
      model,
    ),
  );

  const P = I.privacy;
  let privacyImpact = d.holdsPhi ? P.holdsPhi : d.movesPhi ? P.movesPhi : P.none;
  if (phiSeen) privacyImpact = Math.max(privacyImpact, P.observedPhi);
  if (d.hub && (d.holdsPhi || d.movesPhi)) privacyImpact = Math.min(1, privacyImpact + P.hubBonus);
  factors.push(factor('privacy-class', Math.round(privacyImpact * 100) / 100, one(`${d.holdsPhi ? 'holds' : d.movesPhi ? 'moves' : 'no'} patient data by category${phiSeen ? '; seen crossing the wire in clear' : ''}${d.hub ? '; hub of a workflow' : ''}`), model));

  const safety = round1(100 * likelihood * safetyImpact);
  const privacy = round1(100 * likelihood * privacyImpact);
  return { deviceId: d.deviceId, score: Math.max(safety, privacy), safety, privacy, likelihood: Math.round(likelihood * 1000) / 1000, safetyImpact: Math.round(safetyImpact * 1000) / 1000, privacyImpact: Math.round(privacyImpact * 1000) / 1000, criticality: Math.round(criticality * 1000) / 1000, factors };
}
