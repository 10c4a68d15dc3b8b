/**
 * The candidate's projected risk with the live model (src/risk/risk-score.ts): a virtual device added to
 * the risk world in its intended zone, reached by its intended peers, with the vulnerabilities found for
 * it and the MDS2 gaps as factors. A gap that names a fact the live model weighs (cleartext HL7, a
 * remote-access tool) counts with the live weight; one with a procurement-only factor is added to a copy
 * of the model, so live devices, which never carry it, score exactly as `vigil risk` scores them.
 */
import { Taxonomy } from '../inventory/taxonomy.js';
import { entryKinds, exposureOf, gatherRiskWorld } from '../risk/risk-inputs.js';
import { loadRiskModel, type RiskModel } from '../risk/risk-model.js';
import { scoreDevice, type RiskInputs, type RiskScore } from '../risk/risk-score.js';
import type { InventoryStore } from '../store/inventory-store.js';
import type { Candidate } from './candidate.js';
import type { CandidateVulnerabilities } from './candidate-vulns.js';
import type { Placement } from './intended-peers.js';
import type { Gap } from './mds2-controls.js';

export interface CandidateRisk {
  score: RiskScore;
  /** 1 = the riskiest device; out of `of` devices (the live ones plus the candidate). */
  rank: number;
  of: number;
  /** Live devices of the same category: their scores, for comparison. */
  sameCategory: { label: string; score: number }[];
  /** The live devices just above and below the candidate. */
  neighbours: { label: string; score: number; category: string | null }[];
}

export async function candidateRisk(store: InventoryStore, c: Candidate, placement: Placement, virtualId: number, vulns: CandidateVulnerabilities, gaps: Gap[]): Promise<CandidateRisk> {
  const base = loadRiskModel();
  const taxonomy = Taxonomy.load();
  const world = await gatherRiskWorld(store, taxonomy, base);
  const model: RiskModel = { ...base, likelihood: { ...base.likelihood, behaviours: [...base.likelihood.behaviours] } };
  const facts = new Map<string, string[]>();
  const gapExposure = new Map<string, string>();
  for (const g of gaps) {
    const r = g.risk;
    if (!r) continue;
    if (r.fact) facts.set(r.fact, [...(facts.get(r.fact) ?? []), JSON.stringify(`MDS2 ${g.question} = ${g.answer}`)]);
    if (r.exposure) gapExposure.set(r.exposure, `MDS2 ${g.question} = ${g.answer}: ${g.finding}`);
    if (r.factor) {
      const key = `procure.${r.factor.id}`;
      if (!model.likelihood.behaviours.some((b) => b.id === r.factor!.id)) model.likelihood.behaviours.push({ id: r.factor.id, label: r.factor.label, when: { key }, weight: r.factor.weight, privacy: r.factor.privacy });
      facts.set(key, [JSON.stringify(`MDS2 ${g.question} = ${g.answer}`)]);
    }
  }
  const cat = taxonomy.category(c.category);
  const siteOf = (zone: string | null) => (zone ? (world.zones.get(zone)?.site ?? '') : '');
  let same = 0;
  for (const i of world.inputs.values()) if (i.category === c.category && siteOf(world.devices.get(i.deviceId)?.zone ?? null) === (placement.zone?.site ?? '')) same++;
  const peerIds = [...new Set(placement.peers.flatMap((p) => p.devices.map((d) => d.id)))];
  const hubs = peerIds.filter((id) => world.inputs.get(id)?.hub).length;
  world.devices.set(virtualId, { id: virtualId, label: `${c.vendor} ${c.model} (candidate)`, zone: c.zone });
  const inbound: { client: number; service: string }[] = [];
  for (const f of placement.flows) {
    if (f.direction === 'from-peer') inbound.push({ client: f.peer.id, service: `${f.transport}/${f.port}` });
    else (world.outbound.get(virtualId) ?? world.outbound.set(virtualId, []).get(virtualId)!).push(f.peer.id);
  }
  world.inbound.set(virtualId, inbound);
  const inputs: RiskInputs = {
    deviceId: virtualId,
    category: c.category,
    safetyImpact: cat?.safetyImpact ?? null,
    holdsPhi: cat?.holdsPhi ?? false,
    movesPhi: cat?.movesPhi ?? false,
    os: null,
    facts,
    vulnerabilities: { decision: vulns.mostUrgent, count: vulns.findings.length, kev: vulns.kev },
    exposure: new Map(),
    workflows: hubs,
    hub: false,
    // The candidate joins the devices of its category on its site, `count` times over.
    sameCategory: same + c.count,
  };
  world.inputs.set(virtualId, inputs);
  const exposure = exposureOf(world, virtualId);
  for (const k of entryKinds(world, virtualId)) if (!exposure.has(k)) exposure.set(k, `placed in zone ${c.zone} (${placement.zone?.kind ?? 'kind unknown'})`);
  for (const [k, why] of gapExposure) if (!exposure.has(k)) exposure.set(k, why);
  inputs.exposure = exposure;
  const score = scoreDevice(inputs, model);
  // The model names the fact that held; for a candidate the fact is the vendor's answer, which says more.
  for (const f of score.factors) {
    const key = f.detail.split(' ')[0];
    const why = facts.get(key)?.map((v) => JSON.parse(v) as string);
    if (why) f.detail = why.join('; ');
  }
  const live = [...world.inputs.values()].filter((i) => i.deviceId !== virtualId).map((i) => ({ id: i.deviceId, category: i.category, score: scoreDevice(i, base).score }));
  live.sort((a, b) => b.score - a.score || a.id - b.id);
  const above = live.filter((l) => l.score > score.score).length;
  const label = (id: number) => world.devices.get(id)?.label ?? String(id);
  return {
    score,
    rank: above + 1,
    of: live.length + 1,
    sameCategory: live.filter((l) => l.category === c.category).map((l) => ({ label: label(l.id), score: l.score })),
    neighbours: [...live.slice(Math.max(0, above - 2), above), ...live.slice(above, above + 2)].map((l) => ({ label: label(l.id), score: l.score, category: l.category })),
  };
}
