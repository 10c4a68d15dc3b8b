/**
 * What-if: apply mitigations to devices, or move devices to another zone, on a copy of the risk
 * inputs, never touching the store; rescore and compare, per device and for the hospital.
 *
 *   runWhatIf(world, actions, model, catalogue): WhatIfResult
 */
import { entryKinds, exposureOf, recountCategories, type RiskWorld } from './risk-inputs.js';
import type { MitigationCatalogue } from './mitigations.js';
import { withoutFactors } from './mitigations.js';
import type { RiskModel } from './risk-model.js';
import { scoreDevice, type RiskScore } from './risk-score.js';

export interface WhatIfAction {
  deviceIds: number[];
  /** Mitigation ids from the catalogue. */
  apply?: string[];
  /** A zone id from the site file. */
  moveTo?: string;
}

export interface HospitalRisk {
  devices: number;
  total: number;
  mean: number;
  max: number;
  aboveTarget: number;
  safetyAboveTarget: number;
  privacyAboveTarget: number;
}

export interface WhatIfResult {
  target: number;
  before: HospitalRisk;
  after: HospitalRisk;
  devices: { id: number; label: string; before: { score: number; safety: number; privacy: number }; after: { score: number; safety: number; privacy: number }; changes: string[] }[];
}

function hospital(scores: Iterable<RiskScore>, target: number): HospitalRisk {
  let devices = 0;
  let total = 0;
  let max = 0;
  let above = 0;
  let safety = 0;
  let privacy = 0;
  for (const s of scores) {
    devices++;
    total += s.score;
    max = Math.max(max, s.score);
    if (s.score >= target) above++;
    if (s.safety >= target) safety++;
    if (s.privacy >= target) privacy++;
  }
  return { devices, total: Math.round(total * 10) / 10, mean: devices ? Math.round((total / devices) * 10) / 10 : 0, max, aboveTarget: above, safetyAboveTarget: safety, privacyAboveTarget: privacy };
}

const matches = (pattern: string, id: string) => (pattern.endsWith('*') ? id.startsWith(pattern.slice(0, -1)) : id === pattern);

export function runWhatIf(world: RiskWorld, actions: readonly WhatIfAction[], model: RiskModel, catalogue: MitigationCatalogue): WhatIfResult {
  const beforeScores = new Map<number, RiskScore>();
  for (const [id, i] of world.inputs) beforeScores.set(id, scoreDevice(i, model));

  // Copy on write: only the devices an action touches (and those whose reach it changes) get new inputs.
  const inputs = new Map(world.inputs);
  const devices = new Map(world.devices);
  const entry = new Map(world.entry);
  const after: RiskWorld = { ...world, inputs, devices, entry };
  const changes = new Map<number, string[]>();
  const note = (id: number, text: string) => {
    let list = changes.get(id);
    if (!list) changes.set(id, (list = []));
    list.push(text);
  };
  const byId = new Map(catalogue.mitigations.map((m) => [m.id, m]));
  const reexpose = new Set<number>();
  const blocked = new Map<number, Set<string>>();
  let moved = false;
  for (const a of actions) {
    for (const m of a.apply ?? []) if (!byId.has(m)) throw new Error(`unknown mitigation "${m}" (known: ${[...byId.keys()].join(', ')})`);
    if (a.moveTo !== undefined && !world.zones.has(a.moveTo)) throw new Error(`unknown zone "${a.moveTo}" (known: ${[...world.zones.keys()].join(', ')})`);
    for (const id of a.deviceIds) {
      const d = inputs.get(id);
      if (!d) throw new Error(`no device ${id} in the inventory`);
      if (a.moveTo !== undefined) {
        devices.set(id, { ...devices.get(id)!, zone: a.moveTo });
        note(id, `moved to zone ${a.moveTo}`);
        moved = true;
      }
      for (const mid of a.apply ?? []) {
        const m = byId.get(mid)!;
        const present = scoreDevice(inputs.get(id)!, model).factors.filter((f) => f.kind === 'likelihood').map((f) => f.id);
        const removes = present.filter((f) => m.removes.some((p) => matches(p, f)));
        inputs.set(id, withoutFactors(inputs.get(id)!, removes, model));
        for (const r of removes) if (r.startsWith('exposure-')) (blocked.get(id) ?? blocked.set(id, new Set()).get(id)!).add(r.slice('exposure-'.length));
        note(id, `${m.id}: removes ${removes.length ? removes.join(', ') : 'nothing present'}`);
      }
      // Its own entry kinds may change (a remote-access tool removed, its zone moved): the devices it reaches are re-derived.
      const kinds = entryKinds(after, id);
      if (kinds.join() !== (world.entry.get(id) ?? []).join()) {
        if (kinds.length) entry.set(id, kinds);
        else entry.delete(id);
        for (const server of world.outbound.get(id) ?? []) reexpose.add(server);
      }
    }
  }
  for (const server of reexpose) {
    const d = inputs.get(server);
    if (!d) continue;
    // Exposure a mitigation removed from the server itself stays removed.
    const exposure = new Map([...exposureOf(after, server)].filter(([k]) => !blocked.get(server)?.has(k)));
    for (const k of d.exposure.keys()) if (!exposure.has(k)) note(server, `no longer reached from ${k}`);
    inputs.set(server, { ...d, exposure });
  }
  if (moved) {
    // A device that changes site changes how many of its category each site has: only those inputs are copied.
    for (const [id, n] of recountCategories(after)) inputs.set(id, { ...inputs.get(id)!, sameCategory: n });
  }

  const afterScores = new Map<number, RiskScore>();
  for (const [id, i] of inputs) afterScores.set(id, i === world.inputs.get(id) ? beforeScores.get(id)! : scoreDevice(i, model));
  const changed: WhatIfResult['devices'] = [];
  for (const [id, b] of beforeScores) {
    const a = afterScores.get(id)!;
    if (a.score === b.score && a.safety === b.safety && a.privacy === b.privacy && !changes.has(id)) continue;
    changed.push({ id, label: devices.get(id)?.label ?? String(id), before: { score: b.score, safety: b.safety, privacy: b.privacy }, after: { score: a.score, safety: a.safety, privacy: a.privacy }, changes: changes.get(id) ?? [] });
  }
  changed.sort((x, y) => y.before.score - y.after.score - (x.before.score - x.after.score));
  return { target: catalogue.target, before: hospital(beforeScores.values(), catalogue.target), after: hospital(afterScores.values(), catalogue.target), devices: changed };
}
