/**
 * Vulnerabilities that can be exploited here: every device matched against the knowledge base, each
 * match weighed against what Vigil observed (attack vector, service in use, who reaches it, attack
 * paths from entry points) and decided with the SSVC deployer tree.
 *
 * Exported for the CLI and the HTTP API:
 *
 *   assessVulnerabilities(store: InventoryStore): Promise<AssessmentSummary>
 *     Computes every (device, CVE) assessment, replaces the device_vulnerabilities rows, returns
 *     { devices, devicesAffected, findings, byDecision: {defer, scheduled, 'out-of-cycle', immediate},
 *       byConfidence: {exact, range, 'model-only', 'vendor-category'}, kev, assessedAt, kbEmpty }.
 *
 *   readDeviceVulnerabilities(store, deviceId?: number): Promise<DeviceVulnerability[]>
 *     The stored assessments (all devices, or one), most urgent first. Each DeviceVulnerability is
 *     { deviceId, device: {id, label, vendor, model, firmware, category, zone}, cve, title, cvss: {score, vector},
 *       attackVector, cwe, kev, kevDateAdded, epss, confidence, evidence: ProductEvidence[],
 *       exploitability: Exploitability, decision, decisionPoints: DecisionPoints, vexState, remediations, advisories }.
 *
 *   computeAssessments(devices, context, matcher, vulns, policy, exposureRules, taxonomy): Assessment[]
 *     The pure computation (no store), used by the benchmark and tests.
 */
import { Taxonomy } from '../inventory/taxonomy.js';
import type { InventoryStore } from '../store/inventory-store.js';
import { upsertRows } from '../store/upsert.js';
import { metricOf, type Remediation } from './feed.js';
import { kbStatus, loadKbProducts, loadVulnerabilities, type VulnerabilityRow } from './kb-store.js';
import { NetworkContext, type AttackPath, type Reach } from './network-context.js';
import { loadMatchingRules, ProductMatcher, type DeviceMatch, type MatchConfidence, type MatchDevice, type ProductEvidence } from './product-match.js';
import { ServiceExposureRules, serviceMatches, type ServiceNeed } from './service-exposure.js';
import { automatablePoint, exploitationPoint, SsvcPolicy, type Automatable, type Decision, type DecisionPoint, type DecisionPoints, type Exploitation, type Exposure, type SituatedSafety } from './ssvc.js';
import { vendorKeys } from './vendor-key.js';

export type VexState = 'exploitable' | 'not_affected' | 'in_triage';

export interface Exploitability {
  attackVector: string | null;
  service: {
    /** Rules of service-exposure.json that name the service; empty when none does. */
    rules: string[];
    /** in-use: a listening port the vulnerability needs; not-in-use: the device listens, not on it; no-listening-service: nothing seen listening; radio; not-network: AV local/physical. */
    status: 'in-use' | 'not-in-use' | 'no-listening-service' | 'radio' | 'not-network';
    inUse: string[];
    listening: string[];
  };
  reach: Reach;
  entryPoint: string[];
  internetFacing: boolean;
  /** MITRE medical-device CVSS rubric answers Vigil can derive. */
  rubric: { attackVector: string | null; phiAtScale: boolean; therapyOrMonitoringImpact: boolean };
  /** Why the VEX state is what it is. */
  vexDetail?: string;
}

export interface Assessment {
  deviceId: number;
  cve: string;
  confidence: MatchConfidence;
  evidence: ProductEvidence[];
  exploitability: Exploitability;
  decision: Decision;
  decisionPoints: DecisionPoints;
  vexState: VexState;
  vexDetail: string;
}

export interface AssessDevice extends MatchDevice {
  label: string;
  zone: string | null;
}

const DECISION_RANK: Record<Decision, number> = { immediate: 0, 'out-of-cycle': 1, scheduled: 2, defer: 3 };

function exposurePoint(av: string | null, status: Exploitability['service']['status'], reach: Reach, entry: string[], zoneKind: string | null, zoneDevices: number, guestZones: readonly string[]): DecisionPoint<Exposure> {
  if (av === 'physical' || av === 'local') return { value: 'small', reason: `CVSS attack vector ${av}: needs ${av === 'physical' ? 'physical access to' : 'a session on'} the device` };
  if (status === 'radio') return { value: 'small', reason: 'reached over a radio link (Bluetooth, RF telemetry): needs proximity, not the network' };
  if (av === 'adjacent') {
    if (zoneKind && guestZones.includes(zoneKind)) return { value: 'open', reason: `attack vector adjacent, and the device sits in a ${zoneKind} zone anyone can join` };
    if (reach.reachers > 0 || zoneDevices > 1) return { value: 'controlled', reason: `attack vector adjacent: needs a foothold on its segment (${zoneDevices} devices share its zone${reach.reachers ? `, ${reach.reachers} reach its service` : ''})` };
    return { value: 'small', reason: 'attack vector adjacent, and no other device was seen on its segment' };
  }
  if (status === 'not-in-use') return { value: 'small', reason: 'the service the vulnerability needs is not in use on this device' };
  const open = reach.paths.filter((p) => p.from === 'internet' || p.from === 'guest');
  if (entry.includes('internet') || entry.includes('guest')) return { value: 'open', reason: `the device is itself an entry point (${entry.join(', ')})` };
  if (open.length) return { value: 'open', reason: `reachable from ${open.map((p) => `${p.from} in ${p.hops.length} hop${p.hops.length > 1 ? 's' : ''}`).join(' and ')}` };
  const controlled = reach.paths.filter((p) => p.from === 'it' || p.from === 'remote-access');
  if (controlled.length || reach.reachers > 0 || entry.length) {
    const parts = [reach.reachers ? `${reach.reachers} device${reach.reachers > 1 ? 's' : ''} seen connecting to the service (zones ${reach.zones.map((z) => z.zone).join(', ')})` : '', controlled.map((p) => `a path from ${p.from} in ${p.hops.length} hop${p.hops.length === 1 ? '' : 's'}`).join(', '), entry.length ? `the device is an ${entry.join(', ')} entry point` : ''].filter(Boolean);
    return { value: 'controlled', reason: parts.join('; ') };
  }
  return { value: 'small', reason: status === 'no-listening-service' ? 'no listening service seen on the device and nothing connects to it' : 'no device was seen reaching the service' };
}

function vexOf(confidence: MatchConfidence, ex: Exploitability): { state: VexState; detail: string } {
  if (ex.service.status === 'not-in-use' && (ex.attackVector === 'network' || ex.attackVector === 'adjacent' || ex.attackVector === null)) {
    return { state: 'not_affected', detail: `vulnerable code not reachable: the service it needs (${ex.service.rules.join(', ')}) is not in use; the device listens on ${ex.service.listening.join(', ') || 'nothing seen'}` };
  }
  if (confidence === 'model-only' || confidence === 'vendor-category') return { state: 'in_triage', detail: confidence === 'model-only' ? 'model matches an affected product; firmware version not known or not comparable' : 'model not known; vendor and device category match an affected product family' };
  if (ex.service.status === 'no-listening-service' && (ex.attackVector === 'network' || ex.attackVector === null)) return { state: 'in_triage', detail: 'affected version; no listening service was seen on the device during the capture' };
  return { state: 'exploitable', detail: `affected version (${confidence}); attack vector ${ex.attackVector ?? 'unknown'}` };
}

export function computeAssessments(
  devices: readonly AssessDevice[],
  context: NetworkContext,
  matcher: ProductMatcher,
  vulns: ReadonlyMap<string, VulnerabilityRow>,
  policy: SsvcPolicy,
  exposureRules: ServiceExposureRules,
  taxonomy: Taxonomy,
): Assessment[] {
  const out: Assessment[] = [];
  // Most of the work repeats: per CVE (exploitation, automatable), per category and vector (safety,
  // rubric), per device and service need (reach, exposure). Each is computed once.
  const perCve = new Map<string, { exploitation: DecisionPoint<Exploitation>; automatable: DecisionPoint<Automatable> }>();
  const perClass = new Map<string, { safety: DecisionPoint<SituatedSafety>; rubric: Exploitability['rubric'] }>();
  const needOf = new WeakMap<DeviceMatch, { need: ServiceNeed | null; key: string }>();
  // Devices nobody connects to (most pumps and monitors: clients only) differ by nothing the assessment
  // reads once their matches, services, entry kinds, zone and mission are equal: assess one, copy the rest.
  const alike = new WeakMap<DeviceMatch[], Map<string, Assessment[]>>();
  for (const d of devices) {
    const matches = matcher.match(d);
    if (matches.length === 0) continue;
    const cat = d.category ? taxonomy.category(d.category) : undefined;
    const listening = context.input.listening.get(d.id) ?? [];
    const listeningText = listening.map((s) => `${s.transport}/${s.port}${s.service ? ` ${s.service}` : ''}`);
    const entry = context.entryKinds.get(d.id) ?? [];
    const mission = policy.mission(context.workflowRole(d.id), d.category ? (context.categoryCount.get(d.category) ?? 0) : 0, d.category);
    const zoneKind = context.zoneKindOf(d.id);
    const zoneDevices = context.devicesInZone(d.zone);
    let sameAs: Map<string, Assessment[]> | undefined;
    let situationKey = '';
    if (context.inboundCount(d.id) === 0) {
      situationKey = `${listeningText.join(',')}|${entry.join(',')}|${zoneKind}|${zoneDevices}|${mission.value}|${mission.reason}`;
      sameAs = alike.get(matches);
      if (!sameAs) alike.set(matches, (sameAs = new Map()));
      const done = sameAs.get(situationKey);
      if (done) {
        for (const a of done) out.push({ ...a, deviceId: d.id });
        continue;
      }
    }
    const firstOfDevice = out.length;
    const perNeed = new Map<string, { service: Exploitability['service']; reach: Reach; exposure: DecisionPoint<Exposure>; internetFacing: boolean; shared: Map<string, Exploitability> }>();
    const vexFor = new Map<string, { state: VexState; detail: string }>();
    for (const m of matches) {
      const v = vulns.get(m.cve);
      if (!v) continue;
      const av = v.attack_vector;
      // Matches are shared by every device of one vendor, model, firmware and category: so is their need.
      let needed = needOf.get(m);
      if (needed === undefined) {
        const need = exposureRules.need(v, m.products.map((p) => p.product));
        needOf.set(m, (needed = { need, key: `${av}|${need ? need.rules.join(',') : ''}` }));
      }
      const { need, key: needKey } = needed;
      let situation = perNeed.get(needKey);
      if (!situation) {
        let status: Exploitability['service']['status'];
        let inUse: string[] = [];
        if (av === 'physical' || av === 'local') status = 'not-network';
        else if (need?.radio && need.ports.size === 0 && need.services.size === 0 && !need.anyPort) status = 'radio';
        else if (listening.length === 0) status = 'no-listening-service';
        else {
          inUse = listening.filter((s) => serviceMatches(need, s.transport, s.port, s.service)).map((s) => `${s.transport}/${s.port}${s.service ? ` ${s.service}` : ''}`);
          status = inUse.length ? 'in-use' : 'not-in-use';
        }
        const reach: Reach = status === 'not-network' || status === 'radio' ? { reachers: 0, zones: [], sample: [], paths: [] } : context.reach(d.id, need);
        situation = {
          service: { rules: need?.rules ?? [], status, inUse, listening: listeningText },
          reach,
          exposure: exposurePoint(av, status, reach, entry, zoneKind, zoneDevices, policy.entryPoints.guestZoneKinds),
          internetFacing: entry.includes('internet') || reach.paths.some((p) => p.from === 'internet'),
          shared: new Map(),
        };
        perNeed.set(needKey, situation);
      }
      const vector = v.cvss_vector;
      let cve = perCve.get(v.cve);
      if (!cve) perCve.set(v.cve, (cve = { exploitation: exploitationPoint(v), automatable: automatablePoint(v) }));
      const classKey = `${d.category ?? ''}|${vector ?? ''}`;
      let klass = perClass.get(classKey);
      if (!klass) {
        klass = {
          safety: policy.situated(cat?.safetyImpact ?? null, vector),
          rubric: {
            attackVector: av,
            phiAtScale: Boolean(cat && (cat.holdsPhi || cat.movesPhi) && vector && metricOf(vector, 'C') === 'H'),
            therapyOrMonitoringImpact: Boolean(cat && ['life-sustaining', 'therapeutic', 'monitoring'].includes(cat.safetyImpact) && vector && (metricOf(vector, 'I') !== 'N' || metricOf(vector, 'A') !== 'N')),
          },
        };
        perClass.set(classKey, klass);
      }
      // One exploitability object per service need, vector and confidence: findings alike share it.
      const sharedKey = `${m.confidence}|${vector ?? ''}`;
      let exploitability = situation.shared.get(sharedKey);
      if (!exploitability) {
        exploitability = { attackVector: av, service: situation.service, reach: situation.reach, entryPoint: entry, internetFacing: situation.internetFacing, rubric: klass.rubric };
        const vex = vexOf(m.confidence, exploitability);
        exploitability.vexDetail = vex.detail;
        situation.shared.set(sharedKey, exploitability);
        vexFor.set(`${m.confidence}|${needKey}`, vex);
      }
      const points: DecisionPoints = {
        exploitation: cve.exploitation,
        exposure: situation.exposure,
        automatable: cve.automatable,
        situatedSafety: klass.safety,
        missionImpact: mission,
        humanImpact: policy.humanImpact(klass.safety.value, mission.value),
      };
      const vex = vexFor.get(`${m.confidence}|${needKey}`)!;
      out.push({ deviceId: d.id, cve: m.cve, confidence: m.confidence, evidence: m.products, exploitability, decision: policy.decide(points), decisionPoints: points, vexState: vex.state, vexDetail: vex.detail });
    }
    sameAs?.set(situationKey, out.slice(firstOfDevice));
  }
  return out;
}

export interface AssessmentSummary {
  devices: number;
  devicesAffected: number;
  findings: number;
  byDecision: Record<Decision, number>;
  byConfidence: Record<MatchConfidence, number>;
  byVexState: Record<VexState, number>;
  kev: number;
  assessedAt: number;
  /** True when no knowledge base has been imported: nothing could match. */
  kbEmpty: boolean;
}

export async function assessVulnerabilities(store: InventoryStore): Promise<AssessmentSummary> {
  const policy = SsvcPolicy.load();
  const keys = vendorKeys();
  const matcher = new ProductMatcher(await loadKbProducts(store), keys, loadMatchingRules(keys));
  const context = await NetworkContext.load(store, policy.entryPoints);
  const rows = await store.db.selectFrom('devices').select(['id', 'hostname', 'ip', 'mac', 'vendor', 'model', 'firmware', 'category', 'zone']).execute();
  const devices: AssessDevice[] = rows.map((r) => ({ id: Number(r.id), label: r.hostname ?? r.ip ?? r.mac ?? String(r.id), vendor: r.vendor, model: r.model, firmware: r.firmware, category: r.category, zone: r.zone }));
  const vulns = await loadVulnerabilities(store);
  const assessments = computeAssessments(devices, context, matcher, vulns, policy, ServiceExposureRules.load(), Taxonomy.load());
  const assessedAt = Date.now() / 1000;
  await store.transaction(async (tx) => {
    await tx.db.deleteFrom('device_vulnerabilities').execute();
    await upsertRows(
      tx.db,
      'device_vulnerabilities',
      assessments.map((a) => ({
        device_id: a.deviceId,
        cve: a.cve,
        confidence: a.confidence,
        evidence: JSON.stringify(a.evidence),
        exploitability: JSON.stringify(a.exploitability),
        decision: a.decision,
        decision_points: JSON.stringify(a.decisionPoints),
        vex_state: a.vexState,
        assessed_at: assessedAt,
      })),
      ['device_id', 'cve'],
      null,
    );
  });
  const summary: AssessmentSummary = {
    devices: devices.length,
    devicesAffected: new Set(assessments.map((a) => a.deviceId)).size,
    findings: assessments.length,
    byDecision: { immediate: 0, 'out-of-cycle': 0, scheduled: 0, defer: 0 },
    byConfidence: { exact: 0, range: 0, 'model-only': 0, 'vendor-category': 0 },
    byVexState: { exploitable: 0, in_triage: 0, not_affected: 0 },
    kev: 0,
    assessedAt,
    kbEmpty: (await kbStatus(store)).vulnerabilities === 0,
  };
  for (const a of assessments) {
    summary.byDecision[a.decision]++;
    summary.byConfidence[a.confidence]++;
    summary.byVexState[a.vexState]++;
    if (vulns.get(a.cve)?.kev) summary.kev++;
  }
  return summary;
}

export interface DeviceVulnerability {
  deviceId: number;
  device: { id: number; label: string; vendor: string | null; model: string | null; firmware: string | null; category: string | null; zone: string | null };
  cve: string;
  title: string | null;
  cvss: { score: number | null; vector: string | null };
  attackVector: string | null;
  cwe: string | null;
  kev: boolean;
  kevDateAdded: string | null;
  epss: number | null;
  confidence: MatchConfidence;
  evidence: ProductEvidence[];
  exploitability: Exploitability;
  decision: Decision;
  decisionPoints: DecisionPoints;
  vexState: VexState;
  advisories: string[];
  remediations: Remediation[];
  assessedAt: number;
}

const parse = <T>(text: string, fallback: T): T => {
  try {
    return JSON.parse(text) as T;
  } catch {
    return fallback;
  }
};

/** Stored assessments, most urgent first (decision, then KEV, then CVSS). */
export async function readDeviceVulnerabilities(store: InventoryStore, deviceId?: number): Promise<DeviceVulnerability[]> {
  let q = store.db
    .selectFrom('device_vulnerabilities as dv')
    .innerJoin('devices as d', 'd.id', 'dv.device_id')
    .leftJoin('vulnerabilities as v', 'v.cve', 'dv.cve')
    .select([
      'dv.device_id',
      'dv.cve',
      'dv.confidence',
      'dv.evidence',
      'dv.exploitability',
      'dv.decision',
      'dv.decision_points',
      'dv.vex_state',
      'dv.assessed_at',
      'd.hostname',
      'd.ip',
      'd.mac',
      'd.vendor',
      'd.model',
      'd.firmware',
      'd.category',
      'd.zone',
      'v.title',
      'v.cvss_score',
      'v.cvss_vector',
      'v.attack_vector',
      'v.cwe',
      'v.kev',
      'v.kev_date_added',
      'v.epss',
      'v.advisories',
      'v.remediations',
    ]);
  if (deviceId !== undefined) q = q.where('dv.device_id', '=', deviceId);
  const rows = await q.execute();
  const out = rows.map(
    (r): DeviceVulnerability => ({
      deviceId: Number(r.device_id),
      device: { id: Number(r.device_id), label: r.hostname ?? r.ip ?? r.mac ?? String(r.device_id), vendor: r.vendor, model: r.model, firmware: r.firmware, category: r.category, zone: r.zone },
      cve: r.cve,
      title: r.title ?? null,
      cvss: { score: r.cvss_score ?? null, vector: r.cvss_vector ?? null },
      attackVector: r.attack_vector ?? null,
      cwe: r.cwe ?? null,
      kev: Number(r.kev ?? 0) === 1,
      kevDateAdded: r.kev_date_added ?? null,
      epss: r.epss ?? null,
      confidence: r.confidence as MatchConfidence,
      evidence: parse(r.evidence, []),
      exploitability: parse(r.exploitability, {} as Exploitability),
      decision: r.decision as Decision,
      decisionPoints: parse(r.decision_points, {} as DecisionPoints),
      vexState: r.vex_state as VexState,
      advisories: parse(r.advisories ?? '[]', []),
      remediations: parse(r.remediations ?? '[]', []),
      assessedAt: Number(r.assessed_at),
    }),
  );
  return out.sort((a, b) => DECISION_RANK[a.decision] - DECISION_RANK[b.decision] || Number(b.kev) - Number(a.kev) || (b.cvss.score ?? 0) - (a.cvss.score ?? 0) || a.deviceId - b.deviceId || a.cve.localeCompare(b.cve));
}

export type { AttackPath };
