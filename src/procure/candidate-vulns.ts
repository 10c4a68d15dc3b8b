/**
 * Known vulnerabilities of the candidate: its model (vendor, model, software version) and every SBOM
 * component, matched against the knowledge base as live devices are (src/vuln/product-match.ts), and
 * decided with the same SSVC tree on the network as it would be with the candidate in it: a virtual
 * device in its intended zone, reached by its intended peers on the services it will offer.
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
import { cpeParts, type Sbom, type SbomComponent } from './sbom-reader.js';

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
}

export interface ComponentCoverage {
  total: number;
  withVersion: number;
  /** Components whose vendor (CPE vendor, else supplier) the knowledge base has products of: the only ones matching can speak for. */
  checkable: number;
  matched: number;
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
  mostUrgent: Decision | null;
  kev: number;
}

const DECISION_RANK: Record<Decision, number> = { immediate: 0, 'out-of-cycle': 1, scheduled: 2, defer: 3 };
const END_OF_SUPPORT = /no longer supported|end[- ]of[- ]life|\beol\b|unsupported|discontinued/i;
const UNMAINTAINED = /^(inactive|deprecated|abandoned|unmaintained)$/i;

/** A component as the matcher sees a device: vendor and product from its CPE, else its supplier and name. */
function componentDevice(id: number, c: SbomComponent, category: string): AssessDevice & { via: string } {
  const cpe = cpeParts(c.cpe);
  return { id, label: c.name, vendor: cpe.vendor ?? c.supplier, model: cpe.product ? cpe.product.replace(/_/g, ' ') : c.name, firmware: c.version ?? cpe.version, category, zone: null, via: `${c.name}${c.version ? ` ${c.version}` : ''}` };
}

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
  const kbVendors = new Set(products.map((p) => p.vendorKey));
  const matcher = new ProductMatcher(products, keys, loadMatchingRules(keys));
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
  const compDevices = (sbom?.components ?? []).map((x) => componentDevice(virtualId, x, c.category));
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
      findings.set(a.cve, { cve: a.cve, title: v?.title ?? null, cvss: v?.cvss_score ?? null, kev: Number(v?.kev ?? 0) === 1, epss: v?.epss ?? null, decision: a.decision, confidence: a.confidence, via: [via], evidence: a.evidence[0]?.test ?? '', exposure: a.decisionPoints.exposure.reason, fixedVersion: a.evidence.find((e) => e.fixedVersion)?.fixedVersion ?? null });
    }
  };
  const modelFindings = computeAssessments([modelDevice], context, matcher, vulns, policy, rules, taxonomy);
  record(modelFindings, 'model');
  let components: ComponentCoverage | null = null;
  if (sbom) {
    components = { total: sbom.components.length, withVersion: sbom.components.filter((x) => x.version).length, checkable: 0, matched: 0, notCheckable: [], pastEndOfSupport: [], unmaintained: [] };
    sbom.components.forEach((x, i) => {
      const d = compDevices[i];
      if (x.endOfSupport && (END_OF_SUPPORT.test(x.endOfSupport) || (/^\d{4}-\d{2}-\d{2}/.test(x.endOfSupport) && x.endOfSupport < new Date().toISOString().slice(0, 10)))) components!.pastEndOfSupport.push({ name: x.name, version: x.version, endOfSupport: x.endOfSupport });
      if (x.support && UNMAINTAINED.test(x.support)) components!.unmaintained.push({ name: x.name, version: x.version, support: x.support });
      if (!d.vendor) return void components!.notCheckable.push({ name: x.name, reason: 'no vendor: neither a CPE vendor nor a supplier' });
      if (!kbVendors.has(keys.key(d.vendor))) return void components!.notCheckable.push({ name: x.name, reason: `the knowledge base has no product of vendor "${d.vendor}"` });
      components!.checkable++;
      const as = computeAssessments([d], context, matcher, vulns, policy, rules, taxonomy);
      if (as.length) components!.matched++;
      record(as, d.via);
    });
  }
  const list = [...findings.values()].sort((a, b) => DECISION_RANK[a.decision] - DECISION_RANK[b.decision] || Number(b.kev) - Number(a.kev) || (b.cvss ?? 0) - (a.cvss ?? 0) || a.cve.localeCompare(b.cve));
  return {
    kbEmpty,
    kbImported,
    findings: list,
    model: { matched: new Set(modelFindings.map((a) => a.cve)).size },
    components,
    attackPaths: context.reach(virtualId, null).paths,
    mostUrgent: list[0]?.decision ?? null,
    kev: list.filter((f) => f.kev).length,
  };
}
