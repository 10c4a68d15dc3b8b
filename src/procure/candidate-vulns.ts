/**
 * Known vulnerabilities of the candidate: its model (vendor, model, software version) matched against
 * the knowledge base as live devices are (src/vuln/product-match.ts), every SBOM component by its CPE or
 * purl (component-knowledge.ts), and each match decided with the same SSVC tree on the network as it
 * would be with the candidate in it: a virtual device in its intended zone, reached by its intended
 * peers on the services it will offer. The SBOM's own VEX is honoured: a CVE the vendor states
 * not_affected (or false_positive) stays in the report, marked with the justification, and leaves the
 * projected risk.
 */
import { Taxonomy } from '../inventory/taxonomy.js';
import type { InventoryStore } from '../store/inventory-store.js';
import { computeAssessments, type AssessDevice, type Assessment } from '../vuln/assess.js';
import { kbStatus, loadKbProducts, loadVulnerabilities } from '../vuln/kb-store.js';
import { importDefaultKnowledgeBase } from '../vuln/kb-import.js';
import { NetworkContext, type AttackPath, type ListenService } from '../vuln/network-context.js';
import { loadMatchingRules, ProductMatcher } from '../vuln/product-match.js';
import { ServiceExposureRules } from '../vuln/service-exposure.js';
import { SsvcPolicy, type Decision } from '../vuln/ssvc.js';
import { vendorKeys } from '../vuln/vendor-key.js';
import type { Candidate } from './candidate.js';
import type { Placement } from './intended-peers.js';
import { componentKnowledge, KNOWLEDGE_SCOPE, type ComponentKnowledge } from './component-knowledge.js';
import type { Sbom, VexStatement } from './sbom-reader.js';

export interface CandidateFinding {
  cve: string;
  title: string | null;
  cvss: number | null;
  kev: boolean;
  epss: number | null;
  decision: Decision;
  confidence: Assessment['confidence'];
  /** "model" or the SBOM component (name version) it was found through. */
  via: string[];
  evidence: string;
  exposure: string;
  fixedVersion: string | null;
  /** The SBOM's VEX statement on this CVE, when it has one. */
  vex: { state: VexStatement['state']; justification: string | null; detail: string | null; response: string[] } | null;
  /** True when the VEX says not_affected or false_positive: shown, but not counted in the projected risk. */
  excluded: boolean;
}

export interface ComponentCoverage {
  total: number;
  withVersion: number;
  /** Components whose CPE or purl names a product the knowledge base has records of: the only ones it can speak for. */
  checkable: number;
  /** Components with at least one finding (affected, or possibly affected when the version cannot be compared). */
  matched: number;
  /** Every component with what the knowledge base says of it. */
  perComponent: Omit<ComponentKnowledge, 'rows'>[];
  /** What "no knowledge" means with this knowledge base. */
  scope: string;
  notCheckable: { name: string; reason: string }[];
  pastEndOfSupport: { name: string; version: string | null; endOfSupport: string }[];
  unmaintained: { name: string; version: string | null; support: string }[];
}

export interface CandidateVulnerabilities {
  kbEmpty: boolean;
  kbImported: boolean;
  findings: CandidateFinding[];
  model: { matched: number };
  components: ComponentCoverage | null;
  /** Shortest paths from each kind of entry point to the candidate, once it is in place. */
  attackPaths: AttackPath[];
  /** Over the findings that count (not excluded by the SBOM's VEX). */
  mostUrgent: Decision | null;
  kev: number;
  counted: number;
  /** VEX statements of the SBOM, and those that name a CVE Vigil did not find for the candidate. */
  vex: { statements: number; excluded: number; unmatched: VexStatement[] };
}

const DECISION_RANK: Record<Decision, number> = { immediate: 0, 'out-of-cycle': 1, scheduled: 2, defer: 3 };
const END_OF_SUPPORT = /no longer supported|end[- ]of[- ]life|\beol\b|unsupported|discontinued/i;
const UNMAINTAINED = /^(inactive|deprecated|abandoned|unmaintained)$/i;
/** VEX states under which the vendor says the device is not exposed to the CVE. */
const VEX_EXCLUDES = new Set<VexStatement['state']>(['not_affected', 'false_positive']);

export function parseListen(s: string): ListenService {
  const m = /^(tcp|udp)\/(\d+)(?: (.+))?$/.exec(s);
  return m ? { transport: m[1], port: Number(m[2]), service: m[3] ?? null } : { transport: 'tcp', port: 0, service: s };
}

export async function candidateVulnerabilities(store: InventoryStore, c: Candidate, placement: Placement, virtualId: number, sbom?: Sbom): Promise<CandidateVulnerabilities> {
  let kbImported = false;
  if ((await kbStatus(store)).vulnerabilities === 0) {
    await importDefaultKnowledgeBase(store, { onlyIfChanged: false });
    kbImported = true;
  }
  const kbEmpty = (await kbStatus(store)).vulnerabilities === 0;
  const policy = SsvcPolicy.load();
  const keys = vendorKeys();
  const products = await loadKbProducts(store);
  const matchingRules = loadMatchingRules(keys);
  const matcher = new ProductMatcher(products, keys, matchingRules);
  const live = await NetworkContext.load(store, policy.entryPoints);
  const listens = c.listens.map(parseListen);
  const connections = [...live.input.connections];
  for (const f of placement.flows) {
    connections.push(f.direction === 'to-peer' ? { client: virtualId, server: f.peer.id, transport: f.transport, port: f.port, service: f.service } : { client: f.peer.id, server: virtualId, transport: f.transport, port: f.port, service: f.service });
  }
  const workflows = new Map(live.input.workflows);
  const hubs = [...new Set(placement.peers.flatMap((p) => p.devices))].filter((d) => (live.input.workflows.get(d.id)?.hub ?? 0) > 0);
  workflows.set(virtualId, { hub: 0, member: hubs.length, names: hubs.map((d) => d.label) });
  const context = new NetworkContext(
    {
      ...live.input,
      devices: [...live.input.devices, { id: virtualId, label: `${c.vendor} ${c.model} (candidate)`, ip: null, zone: c.zone, category: c.category, role: null }],
      listening: new Map([...live.input.listening, [virtualId, listens]]),
      connections,
      workflows,
    },
    policy.entryPoints,
  );
  const modelDevice: AssessDevice = { id: virtualId, label: `${c.vendor} ${c.model}`, vendor: c.vendor, model: c.model, firmware: c.softwareVersion, category: c.category, zone: c.zone };
  const vulns = await loadVulnerabilities(store);
  const taxonomy = Taxonomy.load();
  const rules = ServiceExposureRules.load();
  const findings = new Map<string, CandidateFinding>();
  const record = (as: Assessment[], via: string) => {
    for (const a of as) {
      const v = vulns.get(a.cve);
      const prev = findings.get(a.cve);
      if (prev) {
        if (!prev.via.includes(via)) prev.via.push(via);
        if (DECISION_RANK[a.decision] < DECISION_RANK[prev.decision]) prev.decision = a.decision;
        continue;
      }
      findings.set(a.cve, { cve: a.cve, title: v?.title ?? null, cvss: v?.cvss_score ?? null, kev: Number(v?.kev ?? 0) === 1, epss: v?.epss ?? null, decision: a.decision, confidence: a.confidence, via: [via], evidence: a.evidence[0]?.test ?? '', exposure: a.decisionPoints.exposure.reason, fixedVersion: a.evidence.find((e) => e.fixedVersion)?.fixedVersion ?? null, vex: null, excluded: false });
    }
  };
  const modelFindings = computeAssessments([modelDevice], context, matcher, vulns, policy, rules, taxonomy);
  record(modelFindings, 'model');
  let components: ComponentCoverage | null = null;
  // Which SBOM components each CVE was found through: a VEX statement's `affects` names them by bom-ref.
  const refsOf = new Map<string, Set<string>>();
  if (sbom) {
    const known = componentKnowledge(sbom.components, products, keys);
    components = { total: sbom.components.length, withVersion: sbom.components.filter((x) => x.version).length, checkable: 0, matched: 0, perComponent: known.map(({ rows: _rows, ...k }) => k), scope: KNOWLEDGE_SCOPE, notCheckable: [], pastEndOfSupport: [], unmaintained: [] };
    sbom.components.forEach((x, i) => {
      const k = known[i];
      if (x.endOfSupport && (END_OF_SUPPORT.test(x.endOfSupport) || (/^\d{4}-\d{2}-\d{2}/.test(x.endOfSupport) && x.endOfSupport < new Date().toISOString().slice(0, 10)))) components!.pastEndOfSupport.push({ name: x.name, version: x.version, endOfSupport: x.endOfSupport });
      if (x.support && UNMAINTAINED.test(x.support)) components!.unmaintained.push({ name: x.name, version: x.version, support: x.support });
      if (k.status === 'no-knowledge') return void components!.notCheckable.push({ name: x.name, reason: k.reason });
      components!.checkable++;
      if (!k.rows.length) return;
      // The component as a device of the product its identifier names: the same SSVC decision as a live
      // device, on the rows its identity found (a matcher over those rows only, so no word match widens it).
      const own = new ProductMatcher(k.rows, keys, matchingRules);
      const as = computeAssessments([{ id: virtualId, label: x.name, vendor: k.rows[0].vendor, model: k.rows[0].product, firmware: k.version, category: c.category, zone: c.zone }], context, own, vulns, policy, rules, taxonomy);
      if (as.length) components!.matched++;
      record(as, `${x.name}${k.version ? ` ${k.version}` : ''}`);
      for (const a of as) if (x.bomRef) (refsOf.get(a.cve) ?? refsOf.set(a.cve, new Set()).get(a.cve)!).add(x.bomRef);
    });
  }
  const statements = sbom?.vex ?? [];
  const unmatched: VexStatement[] = [];
  for (const st of statements) {
    const f = findings.get(st.id);
    // A statement scoped to components speaks only for the CVE found through them (or the device itself).
    const applies = f && (st.affects.length === 0 || st.affects.some((r) => refsOf.get(st.id)?.has(r) || (r === sbom?.subjectRef && f.via.includes('model'))));
    if (!f || !applies) {
      unmatched.push(st);
      continue;
    }
    f.vex = { state: st.state, justification: st.justification, detail: st.detail, response: st.response };
    f.excluded = VEX_EXCLUDES.has(st.state);
  }
  const list = [...findings.values()].sort((a, b) => DECISION_RANK[a.decision] - DECISION_RANK[b.decision] || Number(b.kev) - Number(a.kev) || (b.cvss ?? 0) - (a.cvss ?? 0) || a.cve.localeCompare(b.cve));
  return {
    kbEmpty,
    kbImported,
    findings: list,
    model: { matched: new Set(modelFindings.map((a) => a.cve)).size },
    components,
    attackPaths: context.reach(virtualId, null).paths,
    mostUrgent: list.find((f) => !f.excluded)?.decision ?? null,
    kev: list.filter((f) => f.kev && !f.excluded).length,
    counted: list.filter((f) => !f.excluded).length,
    vex: { statements: statements.length, excluded: list.filter((f) => f.excluded).length, unmatched },
  };
}
