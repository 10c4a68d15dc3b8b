/**
 * What the risk formula needs about every device, read from the store in a handful of queries:
 * categories and clinical context, the facts behaviour rules test, vulnerability decisions, who
 * reaches each device, workflows and how many devices of the same category share its site. Kept as
 * a `RiskWorld` so a what-if can change a device's zone or remove a factor and re-derive only what
 * depends on it.
 */
import { loadWorkflowDefinitions, recogniseWorkflowsIn, type WorkflowConnection, type WorkflowInstance } from '../graph/workflows.js';
import { INTERNET_PEER_KEY } from '../inventory/inventory-update.js';
import type { Taxonomy } from '../inventory/taxonomy.js';
import type { InventoryStore } from '../store/inventory-store.js';
import { behaviourKeys, type RiskModel } from './risk-model.js';
import type { RiskInputs } from './risk-score.js';

const DECISION_ORDER = ['immediate', 'out-of-cycle', 'scheduled', 'defer'];
/** Zone kinds whose devices are entry points, by exposure kind (site files name zone kinds). */
const ENTRY_ZONE_KINDS: Record<string, string> = { guest: 'guest', it: 'it', dmz: 'internet' };

export interface WorldDevice {
  id: number;
  label: string;
  zone: string | null;
}

export interface RiskWorld {
  inputs: Map<number, RiskInputs>;
  devices: Map<number, WorldDevice>;
  zones: Map<string, { kind: string; site: string | null }>;
  /** Per server: the clients seen connecting to it, with the service. */
  inbound: Map<number, { client: number; service: string }[]>;
  /** Per client: the servers it connects to. */
  outbound: Map<number, number[]>;
  /** Per device: the entry kinds it is (guest, it, internet, remote-access). */
  entry: Map<number, string[]>;
}

export function entryKinds(world: RiskWorld, id: number): string[] {
  const d = world.devices.get(id);
  const kinds: string[] = [];
  const zk = d?.zone ? world.zones.get(d.zone)?.kind : undefined;
  if (zk && ENTRY_ZONE_KINDS[zk]) kinds.push(ENTRY_ZONE_KINDS[zk]);
  const f = world.inputs.get(id)?.facts;
  if (f?.has(INTERNET_PEER_KEY)) kinds.push('internet');
  if (f?.has('remote-access.tool')) kinds.push('remote-access');
  return kinds;
}

/** Who reaches the device, by entry kind, with an example each: its own internet peers, then entry devices connecting to it. */
export function exposureOf(world: RiskWorld, id: number): Map<string, string> {
  const out = new Map<string, string>();
  const peers = world.inputs.get(id)?.facts.get(INTERNET_PEER_KEY);
  if (peers) out.set('internet', `talks with ${peers.length} internet peer${peers.length === 1 ? '' : 's'}, e.g. ${JSON.parse(peers[0])}`);
  for (const c of world.inbound.get(id) ?? []) {
    for (const k of world.entry.get(c.client) ?? []) if (!out.has(k)) out.set(k, `${world.devices.get(c.client)?.label ?? c.client} connects to ${c.service}`);
  }
  return out;
}

const siteOf = (world: RiskWorld, zone: string | null) => (zone ? (world.zones.get(zone)?.site ?? '') : '');

/**
 * Devices of each category on each site: the scarcity term of criticality, as `world` stands (its
 * devices' zones may have moved). Returns each device whose count differs from its inputs, with the new count.
 */
export function recountCategories(world: RiskWorld): Map<number, number> {
  const key = (i: RiskInputs) => `${siteOf(world, world.devices.get(i.deviceId)?.zone ?? null)}\u0000${i.category}`;
  const counts = new Map<string, number>();
  for (const i of world.inputs.values()) if (i.category) counts.set(key(i), (counts.get(key(i)) ?? 0) + 1);
  const changed = new Map<number, number>();
  for (const [id, i] of world.inputs) {
    const n = i.category ? (counts.get(key(i)) ?? 1) : 0;
    if (n !== i.sameCategory) changed.set(id, n);
  }
  return changed;
}

export async function gatherRiskWorld(store: InventoryStore, taxonomy: Taxonomy, model: RiskModel, workflows?: WorkflowInstance[]): Promise<RiskWorld> {
  const rows = await store.db.selectFrom('devices').select(['id', 'category', 'os', 'zone', 'hostname', 'ip', 'mac']).execute();
  // Conversations are read once, for reachability and for workflows.
  const conns = (await store.db.selectFrom('connections').select(['client_id', 'server_id', 'transport', 'port', 'flows', 'first_seen', 'last_seen']).execute()) as WorkflowConnection[];
  const zones = new Map((await store.zones()).map((z) => [z.id, { kind: z.kind, site: z.site }]));
  const facts = new Map<number, Map<string, string[]>>();
  const definitions = loadWorkflowDefinitions();
  const keys = [...new Set([...behaviourKeys(model), INTERNET_PEER_KEY, 'remote-access.tool', ...definitions.flatMap((d) => (d.internetFacts ?? []).map((f) => f.key))])];
  for (const o of await store.db.selectFrom('observations').select(['device_id', 'key', 'value']).where('key', 'in', keys).execute()) {
    const id = Number(o.device_id);
    let m = facts.get(id);
    if (!m) facts.set(id, (m = new Map()));
    let list = m.get(o.key);
    if (!list) m.set(o.key, (list = []));
    list.push(o.value);
  }

  const vulns = new Map<number, { decision: string | null; count: number; kev: number }>();
  const found = await store.db
    .selectFrom('device_vulnerabilities')
    .leftJoin('vulnerabilities', 'vulnerabilities.cve', 'device_vulnerabilities.cve')
    .select(['device_vulnerabilities.device_id as device_id', 'device_vulnerabilities.decision as decision', 'vulnerabilities.kev as kev'])
    .execute();
  for (const r of found) {
    const id = Number(r.device_id);
    const v = vulns.get(id) ?? { decision: null, count: 0, kev: 0 };
    v.count++;
    if (r.kev) v.kev++;
    if (v.decision === null || DECISION_ORDER.indexOf(r.decision) < DECISION_ORDER.indexOf(v.decision)) v.decision = r.decision;
    vulns.set(id, v);
  }

  const wf = workflows ?? recogniseWorkflowsIn(new Map(rows.map((d) => [Number(d.id), { id: Number(d.id), label: d.hostname ?? d.ip ?? d.mac ?? String(d.id), category: d.category }])), conns, await store.connectionFacts(), definitions, facts);
  const served = new Map<number, { n: number; hub: boolean }>();
  for (const w of wf) {
    // Operated from the internet, with no device depending on it: exposure (counted elsewhere), not a service to others.
    if (w.members.length === 0) continue;
    const h = served.get(w.hub.id) ?? { n: 0, hub: false };
    h.n += 2;
    h.hub = true;
    served.set(w.hub.id, h);
    for (const m of w.members) {
      const e = served.get(m.id) ?? { n: 0, hub: false };
      e.n += 1;
      served.set(m.id, e);
    }
  }

  const world: RiskWorld = { inputs: new Map(), devices: new Map(), zones, inbound: new Map(), outbound: new Map(), entry: new Map() };
  for (const d of rows) {
    const id = Number(d.id);
    world.devices.set(id, { id, label: d.hostname ?? d.ip ?? String(id), zone: d.zone });
    const c = d.category ? taxonomy.category(d.category) : undefined;
    const w = served.get(id);
    world.inputs.set(id, {
      deviceId: id,
      category: d.category,
      safetyImpact: c?.safetyImpact ?? null,
      holdsPhi: c?.holdsPhi ?? false,
      movesPhi: c?.movesPhi ?? false,
      os: d.os,
      facts: facts.get(id) ?? new Map(),
      vulnerabilities: vulns.get(id) ?? { decision: null, count: 0, kev: 0 },
      exposure: new Map(),
      workflows: w?.n ?? 0,
      hub: w?.hub ?? false,
      sameCategory: 0,
    });
  }
  // One string per service, not one per conversation.
  const services = new Map<string, string>();
  for (const c of conns) {
    const server = Number(c.server_id);
    let list = world.inbound.get(server);
    if (!list) world.inbound.set(server, (list = []));
    const sk = c.transport + c.port;
    let service = services.get(sk);
    if (service === undefined) services.set(sk, (service = `${c.transport}/${c.port}`));
    list.push({ client: Number(c.client_id), service });
    let out = world.outbound.get(Number(c.client_id));
    if (!out) world.outbound.set(Number(c.client_id), (out = []));
    out.push(server);
  }
  for (const id of world.devices.keys()) {
    const kinds = entryKinds(world, id);
    if (kinds.length) world.entry.set(id, kinds);
  }
  for (const [id, i] of world.inputs) i.exposure = exposureOf(world, id);
  for (const [id, n] of recountCategories(world)) world.inputs.get(id)!.sameCategory = n;
  return world;
}

export async function gatherRiskInputs(store: InventoryStore, taxonomy: Taxonomy, model: RiskModel, workflows?: WorkflowInstance[]): Promise<RiskInputs[]> {
  return [...(await gatherRiskWorld(store, taxonomy, model, workflows)).inputs.values()];
}
