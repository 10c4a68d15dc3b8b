/**
 * Risk for the whole store: gather, score, replace the `device_risk` rows; and read them back
 * ranked by patient safety or by privacy.
 *
 *   computeRisk(store): Promise<{ devices, computedAt, scores: RiskScore[] }> (scores with equal factors share one frozen list)
 *   readRisk(store, { by: 'safety' | 'privacy' | 'score', limit, offset, deviceId? }): Promise<StoredRisk[]>
 */
import { Taxonomy } from '../inventory/taxonomy.js';
import type { InventoryStore } from '../store/inventory-store.js';
import { gatherRiskInputs } from './risk-inputs.js';
import { loadRiskModel, type RiskModel } from './risk-model.js';
import { factor, scoreDevice, type RiskInputs, type RiskScore } from './risk-score.js';

/** A stored score, as `scoreDevice` made it, with the device it belongs to and when it was computed. */
export interface StoredRisk extends RiskScore {
  device: { label: string; category: string | null; vendor: string | null; model: string | null; zone: string | null };
  computedAt: number;
}

/** What `scoreDevice` reads of a device without facts or exposure, as one text; null for any other device. */
function plainKey(d: RiskInputs): string | null {
  if (d.facts.size !== 0 || d.exposure.size !== 0) return null;
  const v = d.vulnerabilities;
  return `${d.category}\0${d.safetyImpact}\0${d.holdsPhi}\0${d.movesPhi}\0${d.os}\0${v.decision}\0${v.count}\0${v.kev}\0${d.workflows}\0${d.hub}\0${d.sameCategory}`;
}

export async function computeRisk(store: InventoryStore, options: { model?: RiskModel; taxonomy?: Taxonomy } = {}): Promise<{ devices: number; computedAt: number; scores: RiskScore[]; seconds: { gather: number; score: number; write: number } }> {
  const model = options.model ?? loadRiskModel();
  const clock = () => Number(process.hrtime.bigint()) / 1e9;
  const t0 = clock();
  const inputs = await gatherRiskInputs(store, options.taxonomy ?? Taxonomy.load(), model);
  const t1 = clock();
  // Devices alike in everything but their id (two in three at 100k devices) get equal factors: they
  // share one list of them and one stored text. Every score is kept until written, so what is not
  // copied is what the garbage collector does not move.
  const strings = new Map<string, string>();
  const alike = new Map<string, { text: string; factors: RiskScore['factors'] }>();
  const texts: string[] = [];
  // A device with no behaviour facts and no exposure scores as its category, OS, findings and
  // workflow counts say: fleets of one model (twelve ultrasounds, hundreds of pumps) are scored once.
  const plain = new Map<string, { score: RiskScore; text: string }>();
  const scores = inputs.map((d): RiskScore => {
    const key = plainKey(d);
    const known = key === null ? undefined : plain.get(key);
    if (known) {
      texts.push(known.text);
      return { ...known.score, deviceId: d.deviceId };
    }
    const r = scoreDevice(d, model, strings);
    const text = JSON.stringify(r.factors.map((f) => [f.id, f.weight, f.detail]));
    const kept = alike.get(text);
    if (kept) {
      r.factors = kept.factors;
      texts.push(kept.text);
    } else {
      alike.set(text, { text, factors: Object.freeze(r.factors) as RiskScore['factors'] });
      texts.push(text);
    }
    if (key !== null) plain.set(key, { score: r, text: texts[texts.length - 1] });
    return r;
  });
  const t2 = clock();
  const computedAt = Date.now() / 1000;
  await store.transaction((s) =>
    s.replaceDeviceRisk(scores.map((r, i) => ({ device_id: r.deviceId, score: r.score, safety: r.safety, privacy: r.privacy, likelihood: r.likelihood, safety_impact: r.safetyImpact, privacy_impact: r.privacyImpact, criticality: r.criticality, factors: texts[i], computed_at: computedAt }))),
  );
  return { devices: scores.length, computedAt, scores, seconds: { gather: t1 - t0, score: t2 - t1, write: clock() - t2 } };
}

export async function readRisk(store: InventoryStore, q: { by?: 'safety' | 'privacy' | 'score'; limit?: number; offset?: number; deviceId?: number } = {}, model: RiskModel = loadRiskModel()): Promise<StoredRisk[]> {
  let query = store.db
    .selectFrom('device_risk')
    .innerJoin('devices', 'devices.id', 'device_risk.device_id')
    .select(['device_risk.device_id', 'score', 'safety', 'privacy', 'likelihood', 'safety_impact', 'privacy_impact', 'criticality', 'factors', 'computed_at', 'devices.hostname', 'devices.ip', 'devices.mac', 'devices.category', 'devices.vendor', 'devices.model', 'devices.zone'])
    .orderBy(q.by ?? 'score', 'desc')
    .orderBy('device_risk.device_id', 'asc');
  if (q.deviceId !== undefined) query = query.where('device_risk.device_id', '=', q.deviceId);
  const rows = await query.limit(q.limit ?? 100).offset(q.offset ?? 0).execute();
  return rows.map((r) => ({
    deviceId: Number(r.device_id),
    device: { label: r.hostname ?? r.ip ?? r.mac ?? String(r.device_id), category: r.category, vendor: r.vendor, model: r.model, zone: r.zone },
    score: r.score,
    safety: r.safety,
    privacy: r.privacy,
    likelihood: r.likelihood,
    safetyImpact: r.safety_impact,
    privacyImpact: r.privacy_impact,
    criticality: r.criticality,
    factors: (JSON.parse(r.factors) as [string, number, string][]).map(([id, weight, detail]) => factor(id, weight, detail, model)),
    computedAt: r.computed_at,
  }));
}
