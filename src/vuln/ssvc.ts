/**
 * The SSVC deployer decision (CERT/CC SSVC v2) for one device and one vulnerability. The tables and
 * the mappings from Vigil's facts to decision-point values are data: knowledge/vuln/ssvc-deployer.json.
 * Each decision point comes with the reason for its value, so a reader can check every step.
 */
import { join } from 'node:path';
import { knowledgeDir } from '../inventory/knowledge-dir.js';
import { asArray, isObject, metricOf } from './feed.js';
import type { EntryPolicy } from './network-context.js';
import { readKnowledgeJson } from '../inventory/knowledge-dir.js';

export type Exploitation = 'none' | 'poc' | 'active';
export type Exposure = 'small' | 'controlled' | 'open';
export type Automatable = 'yes' | 'no';
export type HumanImpact = 'low' | 'medium' | 'high' | 'very high';
export type Decision = 'defer' | 'scheduled' | 'out-of-cycle' | 'immediate';

export const SAFETY_LEVELS = ['none', 'minor', 'major', 'hazardous', 'catastrophic'] as const;
export type SituatedSafety = (typeof SAFETY_LEVELS)[number];
export const MISSION_LEVELS = ['none', 'degraded', 'crippled', 'MEF failure', 'mission failure'] as const;
export type MissionImpact = (typeof MISSION_LEVELS)[number];
export const DECISIONS: readonly Decision[] = ['defer', 'scheduled', 'out-of-cycle', 'immediate'];
const EXPLOITATION: readonly Exploitation[] = ['none', 'poc', 'active'];
const EXPOSURE: readonly Exposure[] = ['small', 'controlled', 'open'];
const AUTOMATABLE: readonly Automatable[] = ['yes', 'no'];
const HUMAN: readonly HumanImpact[] = ['low', 'medium', 'high', 'very high'];

export interface DecisionPoint<T extends string> {
  value: T;
  reason: string;
}

export interface DecisionPoints {
  exploitation: DecisionPoint<Exploitation>;
  exposure: DecisionPoint<Exposure>;
  automatable: DecisionPoint<Automatable>;
  situatedSafety: DecisionPoint<SituatedSafety>;
  missionImpact: DecisionPoint<MissionImpact>;
  humanImpact: DecisionPoint<HumanImpact>;
}

interface MissionRule {
  when: { hub?: boolean; member?: boolean; sole?: boolean };
  value: MissionImpact;
}

export class SsvcPolicy {
  private constructor(
    readonly situatedSafety: ReadonlyMap<string, SituatedSafety>,
    readonly confidentialityOnlyCap: SituatedSafety,
    private readonly missionRules: readonly MissionRule[],
    private readonly human: ReadonlyMap<string, HumanImpact>,
    private readonly deployer: ReadonlyMap<string, Decision>,
    readonly entryPoints: EntryPolicy,
  ) {}

  static load(file = join(knowledgeDir(), 'vuln', 'ssvc-deployer.json')): SsvcPolicy {
    const doc = readKnowledgeJson<unknown>(file);
    if (!isObject(doc)) throw new Error(`${file}: expected an object`);
    const oneOf = <T extends string>(v: unknown, allowed: readonly T[], where: string): T => {
      if (typeof v !== 'string' || !allowed.includes(v as T)) throw new Error(`${file}: ${where}: ${JSON.stringify(v)} is not one of ${allowed.join(', ')}`);
      return v as T;
    };
    const safety = new Map<string, SituatedSafety>();
    for (const [k, v] of Object.entries(isObject(doc.situatedSafety) ? doc.situatedSafety : {})) if (!k.startsWith('$')) safety.set(k, oneOf(v, SAFETY_LEVELS, `situatedSafety.${k}`));
    const cap = oneOf(doc.confidentialityOnlySafetyCap, SAFETY_LEVELS, 'confidentialityOnlySafetyCap');
    const mission = asArray(isObject(doc.missionImpact) ? doc.missionImpact.rules : []).map((r, i): MissionRule => {
      if (!isObject(r) || !isObject(r.when)) throw new Error(`${file}: missionImpact.rules[${i}]: needs "when" and "value"`);
      return { when: r.when as MissionRule['when'], value: oneOf(r.value, MISSION_LEVELS, `missionImpact.rules[${i}].value`) };
    });
    if (mission.length === 0 || Object.keys(mission[mission.length - 1].when).length !== 0) throw new Error(`${file}: missionImpact.rules must end with a rule whose "when" is {}`);
    const human = new Map<string, HumanImpact>();
    asArray(doc.humanImpact).forEach((row, i) => {
      if (!Array.isArray(row) || row.length !== 3) throw new Error(`${file}: humanImpact[${i}]: expected [situated safety, mission impact, human impact]`);
      human.set(`${oneOf(row[0], SAFETY_LEVELS, `humanImpact[${i}][0]`)}|${oneOf(row[1], MISSION_LEVELS, `humanImpact[${i}][1]`)}`, oneOf(row[2], ['low', 'medium', 'high', 'very high'] as const, `humanImpact[${i}][2]`));
    });
    const deployer = new Map<string, Decision>();
    asArray(doc.deployer).forEach((row, i) => {
      if (!Array.isArray(row) || row.length !== 5) throw new Error(`${file}: deployer[${i}]: expected [exploitation, exposure, automatable, human impact, decision]`);
      const key = [oneOf(row[0], ['none', 'poc', 'active'] as const, `deployer[${i}][0]`), oneOf(row[1], ['small', 'controlled', 'open'] as const, `deployer[${i}][1]`), oneOf(row[2], ['yes', 'no'] as const, `deployer[${i}][2]`), oneOf(row[3], ['low', 'medium', 'high', 'very high'] as const, `deployer[${i}][3]`)].join('|');
      deployer.set(key, oneOf(row[4], DECISIONS, `deployer[${i}][4]`));
    });
    if (human.size !== SAFETY_LEVELS.length * MISSION_LEVELS.length) throw new Error(`${file}: humanImpact must list all ${SAFETY_LEVELS.length * MISSION_LEVELS.length} combinations, has ${human.size}`);
    if (deployer.size !== 72) throw new Error(`${file}: deployer must list all 72 combinations, has ${deployer.size}`);
    const e = isObject(doc.entryPoints) ? doc.entryPoints : {};
    const list = (k: string) => asArray(e[k]).map(String);
    const entryPoints: EntryPolicy = {
      internetZoneKinds: list('internetZoneKinds'),
      internetRoles: list('internetRoles'),
      guestZoneKinds: list('guestZoneKinds'),
      guestCategories: list('guestCategories'),
      itZoneKinds: list('itZoneKinds'),
      remoteAccessKeyPrefixes: list('remoteAccessKeyPrefixes'),
      maxHops: typeof e.maxHops === 'number' && e.maxHops >= 1 ? e.maxHops : 4,
    };
    return new SsvcPolicy(safety, cap, mission, human, deployer, entryPoints);
  }

  situated(safetyImpact: string | null, cvssVector: string | null): DecisionPoint<SituatedSafety> {
    const klass = safetyImpact ?? 'unknown';
    const base = this.situatedSafety.get(klass) ?? this.situatedSafety.get('unknown') ?? 'minor';
    const confidentialityOnly = cvssVector !== null && metricOf(cvssVector, 'I') === 'N' && metricOf(cvssVector, 'A') === 'N';
    if (confidentialityOnly && SAFETY_LEVELS.indexOf(base) > SAFETY_LEVELS.indexOf(this.confidentialityOnlyCap)) {
      return { value: this.confidentialityOnlyCap, reason: `device class ${klass} (${base}), but the vulnerability only discloses data (CVSS I:N/A:N): at most ${this.confidentialityOnlyCap}` };
    }
    return { value: base, reason: `device class ${klass}${safetyImpact ? '' : ' (category not known)'} -> ${base}` };
  }

  mission(w: { hub: number; member: number; names: string[] }, sameCategory: number, category: string | null): DecisionPoint<MissionImpact> {
    const facts = { hub: w.hub > 0, member: w.member > 0, sole: category !== null && sameCategory <= 1 };
    const rule = this.missionRules.find((r) => Object.entries(r.when).every(([k, v]) => facts[k as keyof typeof facts] === v))!;
    const parts = [
      w.hub ? `hub of ${w.hub} workflow${w.hub > 1 ? 's' : ''}` : w.member ? `part of ${w.member} workflow${w.member > 1 ? 's' : ''}` : 'in no recognised workflow',
      w.names.length ? `(${w.names.join(', ')})` : '',
      category ? (facts.sole ? `the only ${category} seen` : `${sameCategory} devices of category ${category}: others can stand in`) : 'category unknown',
    ].filter(Boolean);
    return { value: rule.value, reason: parts.join(' ') };
  }

  private readonly humanPoints = new Map<string, DecisionPoint<HumanImpact>>();

  humanImpact(safety: SituatedSafety, mission: MissionImpact): DecisionPoint<HumanImpact> {
    const key = `${safety}|${mission}`;
    let point = this.humanPoints.get(key);
    if (!point) this.humanPoints.set(key, (point = { value: this.human.get(key)!, reason: `situated safety ${safety} with mission impact ${mission}` }));
    return point;
  }

  /** The deployer table as an array indexed by the four values' positions: no string per decision. */
  private table: Decision[] | null = null;

  decide(points: Omit<DecisionPoints, 'humanImpact'> & { humanImpact: DecisionPoint<HumanImpact> }): Decision {
    const table = (this.table ??= this.indexTable());
    return table[((EXPLOITATION.indexOf(points.exploitation.value) * 3 + EXPOSURE.indexOf(points.exposure.value)) * 2 + AUTOMATABLE.indexOf(points.automatable.value)) * 4 + HUMAN.indexOf(points.humanImpact.value)];
  }

  private indexTable(): Decision[] {
    const t: Decision[] = [];
    for (const e of EXPLOITATION) for (const x of EXPOSURE) for (const a of AUTOMATABLE) for (const h of HUMAN) t.push(this.deployer.get(`${e}|${x}|${a}|${h}`)!);
    return t;
  }
}

/** SSVC Exploitation from the knowledge base: KEV is active; else CISA ADP's (or an advisory's) value; else none. */
export function exploitationPoint(v: { kev: number; kev_date_added: string | null; exploitation: string | null; epss: number | null }): DecisionPoint<Exploitation> {
  const epss = v.epss !== null ? `; EPSS ${v.epss.toFixed(4)}` : '';
  if (v.kev) return { value: 'active', reason: `in CISA KEV${v.kev_date_added ? ` since ${v.kev_date_added}` : ''}${epss}` };
  if (v.exploitation === 'active' || v.exploitation === 'poc') return { value: v.exploitation, reason: `reported ${v.exploitation === 'poc' ? 'proof of concept' : 'active exploitation'} (CISA ADP SSVC or advisory)${epss}` };
  return { value: 'none', reason: `not in CISA KEV; ${v.exploitation === 'none' ? 'CISA ADP SSVC says none' : 'no exploitation reported'}${epss}` };
}

/** SSVC Automatable: CISA ADP's answer when there is one; else from CVSS (network, low complexity, no privileges, no user). */
export function automatablePoint(v: { automatable: string | null; cvss_vector: string | null }): DecisionPoint<Automatable> {
  if (v.automatable === 'yes' || v.automatable === 'no') return { value: v.automatable, reason: 'CISA ADP SSVC' };
  const vec = v.cvss_vector;
  if (!vec) return { value: 'no', reason: 'no CVSS vector: not known to be automatable' };
  const yes = metricOf(vec, 'AV') === 'N' && metricOf(vec, 'AC') === 'L' && metricOf(vec, 'PR') === 'N' && metricOf(vec, 'UI') === 'N';
  return { value: yes ? 'yes' : 'no', reason: yes ? 'CVSS AV:N/AC:L/PR:N/UI:N: reconnaissance to exploitation needs no human step' : `CVSS ${['AV', 'AC', 'PR', 'UI'].map((m) => `${m}:${metricOf(vec, m) ?? '?'}`).join('/')}: not automatable end to end` };
}
