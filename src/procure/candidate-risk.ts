/**
 * The candidate's projected risk with the live model (src/risk/risk-score.ts): a virtual device added to
 * the risk world in its intended zone, reached by its intended peers, with the vulnerabilities found for
 * it and the MDS2 gaps as factors. A gap that names a fact the live model weighs (cleartext HL7, a
 * remote-access tool) counts with the live weight; one with a procurement-only factor is added to a copy
 * of the model, so live devices, which never carry it, score exactly as `vigil risk` scores them.
 *
 * The what-if projects the score a second time with the secure configuration guideline applied: in the
 * guideline's zone (a clinical zone instead of a guest, IT or DMZ one), without the gaps whose rule in
 * knowledge/procure/mds2-controls.json says the guideline removes their risk (`risk.guideline`: the
 * always-on remote-access tool disabled, ports outside the allowlist blocked, no internet peer allowed).
 * Every factor that differs between the two scores is named with the guideline step that removed it.
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
  /** The same projection with the secure configuration guideline applied. */
  withGuideline: GuidelineWhatIf;
}

export interface GuidelineWhatIf {
  score: RiskScore;
  rank: number;
  zone: string;
  /** Declared score minus guideline score. */
  reduction: number;
  /** The guideline steps the projection applied. */
  applied: string[];
  /** Each factor of the declared score that the guideline removes or lowers, and the step that does it. */
  removed: { id: string; label: string; weight: number; becomes: number; because: string }[];
  /** What the guideline cannot change: said so the reduction is not read as more than it is. */
  unchanged: string;
}

const ENTRY_ZONE_KINDS = new Set(['guest', 'it', 'dmz']);

export async function candidateRisk(store: InventoryStore, c: Candidate, placement: Placement, virtualId: number, vulns: CandidateVulnerabilities, gaps: Gap[]): Promise<CandidateRisk> {
  const base = loadRiskModel();
  const taxonomy = Taxonomy.load();
  const world = await gatherRiskWorld(store, taxonomy, base);
  const cat = taxonomy.category(c.category);
  const siteOf = (zone: string | null) => (zone ? (world.zones.get(zone)?.site ?? '') : '');
  let same = 0;
  for (const i of world.inputs.values()) if (i.category === c.category && siteOf(world.devices.get(i.deviceId)?.zone ?? null) === (placement.zone?.site ?? '')) same++;
  const peerIds = [...new Set(placement.peers.flatMap((p) => p.devices.map((d) => d.id)))];
  const hubs = peerIds.filter((id) => world.inputs.get(id)?.hub).length;
  const inbound: { client: number; service: string }[] = [];
  const outbound: number[] = [];
  for (const f of placement.flows) {
    if (f.direction === 'from-peer') inbound.push({ client: f.peer.id, service: `${f.transport}/${f.port}` });
    else outbound.push(f.peer.id);
  }
  const live = [...world.inputs.values()].map((i) => ({ id: i.deviceId, category: i.category, score: scoreDevice(i, base).score }));
  live.sort((a, b) => b.score - a.score || a.id - b.id);

  /** The candidate scored in `zone` with `used` of its MDS2 gaps: the world's virtual device is set to match. */
  const project = (used: Gap[], zone: string): RiskScore => {
    const model: RiskModel = { ...base, likelihood: { ...base.likelihood, behaviours: [...base.likelihood.behaviours] } };
    const facts = new Map<string, string[]>();
    const gapExposure = new Map<string, string>();
    for (const g of used) {
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
    world.devices.set(virtualId, { id: virtualId, label: `${c.vendor} ${c.model} (candidate)`, zone });
    world.inbound.set(virtualId, inbound);
    world.outbound.set(virtualId, outbound);
    const inputs: RiskInputs = {
      deviceId: virtualId,
      category: c.category,
      safetyImpact: cat?.safetyImpact ?? null,
      holdsPhi: cat?.holdsPhi ?? false,
      movesPhi: cat?.movesPhi ?? false,
      os: null,
      facts,
      // Findings the SBOM's VEX rules out are reported, not scored.
      vulnerabilities: { decision: vulns.mostUrgent, count: vulns.counted, kev: vulns.kev },
      exposure: new Map(),
      workflows: hubs,
      hub: false,
      // The candidate joins the devices of its category on its site, `count` times over.
      sameCategory: same + c.count,
    };
    world.inputs.set(virtualId, inputs);
    const exposure = exposureOf(world, virtualId);
    const zoneKind = world.zones.get(zone)?.kind ?? 'kind unknown';
    for (const k of entryKinds(world, virtualId)) if (!exposure.has(k)) exposure.set(k, k === 'remote-access' && facts.has('remote-access.tool') ? (facts.get('remote-access.tool') ?? []).map((v) => JSON.parse(v) as string).join('; ') : `placed in zone ${zone} (${zoneKind})`);
    for (const [k, why] of gapExposure) if (!exposure.has(k)) exposure.set(k, why);
    inputs.exposure = exposure;
    const score = scoreDevice(inputs, model);
    // The model names the fact that held; for a candidate the fact is the vendor's answer, which says more.
    for (const f of score.factors) {
      const key = f.detail.split(' ')[0];
      const why = facts.get(key)?.map((v) => JSON.parse(v) as string);
      if (why) f.detail = why.join('; ');
    }
    world.inputs.delete(virtualId);
    world.devices.delete(virtualId);
    return score;
  };
  const rankOf = (score: number) => live.filter((l) => l.score > score).length + 1;

  const score = project(gaps, c.zone);
  const above = rankOf(score.score) - 1;
  const label = (id: number) => world.devices.get(id)?.label ?? String(id);

  // The guideline's zone: the one secure-config.ts advises (where most devices of the category are) when
  // the intended zone is an entry point; otherwise the intended zone stays.
  const zoneKind = placement.zone?.kind ?? null;
  const zoneCount = new Map<string, number>();
  for (const d of placement.sameCategory) if (d.zone && !ENTRY_ZONE_KINDS.has(world.zones.get(d.zone)?.kind ?? '')) zoneCount.set(d.zone, (zoneCount.get(d.zone) ?? 0) + 1);
  const usual = [...zoneCount].sort((a, b) => b[1] - a[1])[0]?.[0];
  const applied: string[] = [];
  let guidelineZone = c.zone;
  if (zoneKind && ENTRY_ZONE_KINDS.has(zoneKind)) {
    if (usual) {
      guidelineZone = usual;
      applied.push(`placed in zone ${usual} instead of the ${zoneKind} zone ${c.zone}`);
    } else applied.push(`zone ${c.zone} is a ${zoneKind} zone, but no clinical zone holds a device of its category to move it to: kept`);
  }
  const kept = gaps.filter((g) => !g.risk?.guideline);
  for (const g of gaps) if (g.risk?.guideline) applied.push(`${g.risk.guideline} (MDS2 ${g.question} = ${g.answer})`);
  const withGuideline = project(kept, guidelineZone);
  const after = new Map(withGuideline.factors.map((f) => [f.id, f]));
  const stepFor = (id: string): string => {
    const g = gaps.find((x) => x.risk?.guideline && (x.risk.factor?.id === id || (x.risk.fact && score.factors.find((f) => f.id === id)?.detail.includes(`MDS2 ${x.question}`)) || (x.risk.exposure && id === `exposure-${x.risk.exposure}`)));
    if (g) return `${g.risk!.guideline} (MDS2 ${g.question} = ${g.answer})`;
    // The live model counts a device's own remote-access tool as an entry too.
    if (id === 'exposure-remote-access') {
      const rmot = gaps.find((x) => x.risk?.guideline && x.risk.fact === 'remote-access.tool');
      if (rmot) return `${rmot.risk!.guideline} (MDS2 ${rmot.question} = ${rmot.answer})`;
    }
    if (id.startsWith('exposure-') && guidelineZone !== c.zone) return `placed in zone ${guidelineZone} instead of the ${zoneKind} zone ${c.zone}`;
    if (id === 'privacy-class') return 'no patient data seen in clear once the gaps above are closed';
    return 'guideline applied';
  };
  const removed: GuidelineWhatIf['removed'] = [];
  for (const f of score.factors) {
    if (f.kind !== 'likelihood' && f.id !== 'privacy-class') continue;
    const now = after.get(f.id)?.weight ?? 0;
    if (now < f.weight) removed.push({ id: f.id, label: f.label, weight: f.weight, becomes: now, because: stepFor(f.id) });
  }
  return {
    score,
    rank: above + 1,
    of: live.length + 1,
    sameCategory: live.filter((l) => l.category === c.category).map((l) => ({ label: label(l.id), score: l.score })),
    neighbours: [...live.slice(Math.max(0, above - 2), above), ...live.slice(above, above + 2)].map((l) => ({ label: label(l.id), score: l.score, category: l.category })),
    withGuideline: {
      score: withGuideline,
      rank: rankOf(withGuideline.score),
      zone: guidelineZone,
      reduction: Math.round((score.score - withGuideline.score) * 10) / 10,
      applied,
      removed,
      unchanged: 'known vulnerabilities (decided as declared: patching, not configuration, closes them), gaps a control cannot close (no encryption, no patch process, fixed default accounts), and the impact of the device (its category, workflows and patient data)',
    },
  };
}
