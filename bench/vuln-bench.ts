/**
 * `npm run bench:vuln`: 100k devices against the full knowledge base (bundled KEV and CVE records, and
 * the 144 CSAF ICS Medical Advisories of ../shared when present): product matching plus the SSVC
 * decision of every match, target <= 2 s (docs/vulnerabilities.md). The devices are drawn from the
 * simulator catalogue's models (some with the model or the firmware unknown, as the inventory often
 * leaves them), with listening services and conversations to a pool of servers.
 *
 * Usage: node dist/bench/vuln-bench.js [--devices 100000] [--conversations 300000]
 */
import { readFileSync } from 'node:fs';
import v8 from 'node:v8';
import vm from 'node:vm';
import { join } from 'node:path';
import { knowledgeDir } from '../src/inventory/knowledge-dir.js';
import { Taxonomy } from '../src/inventory/taxonomy.js';
import { LateralMovement } from '../src/graph/lateral-movement.js';
import { Rng } from '../src/simulate/rng.js';
import { InventoryStore } from '../src/store/inventory-store.js';
import { computeAssessments, type AssessDevice } from '../src/vuln/assess.js';
import { importDefaultKnowledgeBase } from '../src/vuln/kb-import.js';
import { loadKbProducts, loadVulnerabilities } from '../src/vuln/kb-store.js';
import { NetworkContext, type ContextDevice, type ListenService } from '../src/vuln/network-context.js';
import { loadMatchingRules, ProductMatcher } from '../src/vuln/product-match.js';
import { ServiceExposureRules } from '../src/vuln/service-exposure.js';
import { SsvcPolicy } from '../src/vuln/ssvc.js';
import { vendorKeys } from '../src/vuln/vendor-key.js';

const TARGET_S = 2;

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}

const n = arg('devices', 100_000);
const m = arg('conversations', 300_000);
const ms = (t: bigint) => Number(process.hrtime.bigint() - t) / 1e6;

// The knowledge base, imported once into a memory store (not timed: it is done once per feed update).
let t = process.hrtime.bigint();
const store = await InventoryStore.open(':memory:');
const imported = await importDefaultKnowledgeBase(store, {});
const products = await loadKbProducts(store);
const vulns = await loadVulnerabilities(store);
await store.close();
console.log(`knowledge base: ${imported.files.filter((f) => f.format).length} files, ${vulns.size.toLocaleString('en')} CVEs, ${products.length.toLocaleString('en')} affected-product rows (imported in ${ms(t).toFixed(0)} ms, not part of the target)`);

interface CatalogueModel {
  vendor: string;
  model: string;
  firmware?: string[];
  category: string;
  zones: string[];
  services?: string[];
}
const catalogue = (JSON.parse(readFileSync(join(knowledgeDir(), 'simulator', 'catalogue.json'), 'utf8')) as { devices: CatalogueModel[] }).devices;
const rng = new Rng(7);
const zoneKind = (z: string) => (z.startsWith('it-') || z === 'administration' ? 'it' : z.startsWith('guest') ? 'guest' : z === 'edge' ? 'edge' : 'clinical');
const devices: AssessDevice[] = [];
const context: ContextDevice[] = [];
const listening = new Map<number, ListenService[]>();
const servers: { id: number; port: number; service: string }[] = [];
for (let i = 0; i < n; i++) {
  const c = catalogue[rng.below(catalogue.length)];
  const id = i + 1;
  const zone = c.zones[rng.below(c.zones.length)];
  // The inventory often learns the vendor and category but not the model, or the model but not the firmware.
  const model = rng.chance(0.3) ? null : c.model;
  const firmware = model && c.firmware?.length && rng.chance(0.6) ? c.firmware[rng.below(c.firmware.length)] : null;
  devices.push({ id, label: `d${id}`, vendor: c.vendor, model, firmware, category: c.category, zone });
  context.push({ id, label: `d${id}`, ip: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`, zone, category: c.category, role: null });
  const svc = (c.services ?? []).map((s) => {
    const [name, port] = s.split('/');
    return { transport: name === 'ntp' || name === 'dns' || name === 'snmp' || name === 'bacnet' || name === 'syslog' || name === 'dhcp' ? 'udp' : 'tcp', port: Number(port), service: name };
  });
  if (svc.length) {
    listening.set(id, svc);
    for (const s of svc) servers.push({ id, port: s.port, service: s.service });
  }
}
const connections: { client: number; server: number; transport: string; port: number; service: string | null }[] = [];
for (let i = 0; i < m && servers.length; i++) {
  const s = servers[rng.below(servers.length)];
  connections.push({ client: 1 + rng.below(n), server: s.id, transport: 'tcp', port: s.port, service: s.service });
}
const zoneKinds = new Map<string, string>();
for (const d of devices) if (d.zone) zoneKinds.set(d.zone, zoneKind(d.zone));

const policy = SsvcPolicy.load();
const keys = vendorKeys();
const rules = loadMatchingRules(keys);
const exposure = ServiceExposureRules.load();
const taxonomy = Taxonomy.load();

// Collect the setup's garbage first, so that each timed phase pays for its own collections only.
v8.setFlagsFromString('--expose-gc');
const collect = vm.runInNewContext('gc') as () => void;
collect();
t = process.hrtime.bigint();
const net = new NetworkContext({ devices: context, zoneKinds, listening, connections, remoteAccess: new Set([1, 2, 3]), workflows: new Map(), lateral: LateralMovement.load() }, policy.entryPoints);
const contextMs = ms(t);

collect();
t = process.hrtime.bigint();
// CPU time too: on a shared 2-core machine the wall clock also counts other processes' turns.
const cpu0 = process.cpuUsage();
const matcher = new ProductMatcher(products, keys, rules);
const assessments = computeAssessments(devices, net, matcher, vulns, policy, exposure, taxonomy);
const assessMs = ms(t);
const cpu = process.cpuUsage(cpu0);
const assessCpuS = (cpu.user + cpu.system) / 1e6;

const byDecision: Record<string, number> = {};
const byConfidence: Record<string, number> = {};
for (const a of assessments) {
  byDecision[a.decision] = (byDecision[a.decision] ?? 0) + 1;
  byConfidence[a.confidence] = (byConfidence[a.confidence] ?? 0) + 1;
}
console.log(`devices: ${n.toLocaleString('en')}; conversations: ${connections.length.toLocaleString('en')}`);
console.log(`network context (graph, entry points, 4 breadth-first searches): ${contextMs.toFixed(0)} ms`);
console.log(`matching + decisions: ${(assessMs / 1000).toFixed(2)} s wall, ${assessCpuS.toFixed(2)} s CPU, for ${assessments.length.toLocaleString('en')} (device, CVE) findings on ${new Set(assessments.map((a) => a.deviceId)).size.toLocaleString('en')} devices (target <= ${TARGET_S} s) ${assessMs / 1000 <= TARGET_S ? 'OK' : 'OVER'}`);
console.log(`  by decision: ${JSON.stringify(byDecision)}`);
console.log(`  by confidence: ${JSON.stringify(byConfidence)}`);
console.log(`total with the network context: ${((contextMs + assessMs) / 1000).toFixed(2)} s`);
