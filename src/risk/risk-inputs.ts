/**
 * What the risk formula needs about every device, read from the store in a handful of queries:
 * categories and clinical context, the facts behaviour rules test, vulnerability decisions, who
 * reaches each device, workflows and how many devices of the same category share its site. Kept as
 * a `RiskWorld` so a what-if can change a device's zone or remove a factor and re-derive only what
 * depends on it.
 */
import { sql } from 'kysely';
import { loadWorkflowDefinitions, workflowRoles, type ConversationColumns, type WorkflowInstance } from '../graph/workflows.js';
import { INTERNET_PEER_KEY } from '../inventory/inventory-update.js';
import type { Taxonomy } from '../inventory/taxonomy.js';
import type { InventoryStore } from '../store/inventory-store.js';
import { behaviourKeys, type RiskModel } from './risk-model.js';
import type { RiskInputs } from './risk-score.js';
import { grown } from '../flow/grown-array.js';

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

/** A device's exposure before any conversation to it: its own internet peers. */
function ownExposure(world: RiskWorld, id: number): Map<string, string> {
  const out = new Map<string, string>();
  const peers = world.inputs.get(id)?.facts.get(INTERNET_PEER_KEY);
  if (peers) out.set('internet', `talks with ${peers.length} internet peer${peers.length === 1 ? '' : 's'}, e.g. ${JSON.parse(peers[0])}`);
  return out;
}

/** What one conversation from `client` adds to its server's exposure: each entry kind of the client not yet in it, with the client as example. */
function exposeTo(world: RiskWorld, out: Map<string, string>, client: number, service: string): void {
  for (const k of world.entry.get(client) ?? []) if (!out.has(k)) out.set(k, `${world.devices.get(client)?.label ?? client} connects to ${service}`);
}

/** Who reaches the device, by entry kind, with an example each: its own internet peers, then entry devices connecting to it. */
export function exposureOf(world: RiskWorld, id: number): Map<string, string> {
  const out = ownExposure(world, id);
  for (const c of world.inbound.get(id) ?? []) exposeTo(world, out, c.client, c.service);
  return out;
}

const siteOf = (world: RiskWorld, zone: string | null) => (zone ? (world.zones.get(zone)?.site ?? '') : '');

/** Per device, in `world.inputs` order: devices of its category on its site, as `world` stands (0 without a category). */
function categoryCounts(world: RiskWorld): Int32Array {
  // Per site, per category; each device's site is looked up once.
  const counts = new Map<string, Map<string, number>>();
  const sites: string[] = [];
  for (const i of world.inputs.values()) {
    const site = siteOf(world, world.devices.get(i.deviceId)?.zone ?? null);
    sites.push(site);
    if (!i.category) continue;
    let bySite = counts.get(site);
    if (!bySite) counts.set(site, (bySite = new Map()));
    bySite.set(i.category, (bySite.get(i.category) ?? 0) + 1);
  }
  const out = new Int32Array(sites.length);
  let k = 0;
  for (const i of world.inputs.values()) {
    out[k] = i.category ? (counts.get(sites[k])?.get(i.category) ?? 1) : 0;
    k++;
  }
  return out;
}

/**
 * Devices of each category on each site: the scarcity term of criticality, as `world` stands (its
 * devices' zones may have moved). Returns each device whose count differs from its inputs, with the new count.
 */
export function recountCategories(world: RiskWorld): Map<number, number> {
  const counts = categoryCounts(world);
  const changed = new Map<number, number>();
  let k = 0;
  for (const [id, i] of world.inputs) {
    const n = counts[k++];
    if (n !== i.sameCategory) changed.set(id, n);
  }
  return changed;
}

export async function gatherRiskWorld(store: InventoryStore, taxonomy: Taxonomy, model: RiskModel, workflows?: WorkflowInstance[]): Promise<RiskWorld> {
  return gather(store, taxonomy, model, workflows, true);
}

/** Every device's inputs, as `gatherRiskWorld` has them, without the conversation lists only a what-if needs. */
export async function gatherRiskInputs(store: InventoryStore, taxonomy: Taxonomy, model: RiskModel, workflows?: WorkflowInstance[]): Promise<RiskInputs[]> {
  return [...(await gather(store, taxonomy, model, workflows, false)).inputs.values()];
}

/** The world; `edges` fills `inbound` and `outbound` (left empty otherwise). */
async function gather(store: InventoryStore, taxonomy: Taxonomy, model: RiskModel, workflows: WorkflowInstance[] | undefined, edges: boolean): Promise<RiskWorld> {
  // Every table is streamed as rows of values (InventoryStore.eachRow), in the order a select returns
  // them: at 100k devices and 300k conversations an object per row is most of a recompute's time.
  const definitions = loadWorkflowDefinitions();
  const zones = new Map((await store.zones()).map((z) => [z.id, { kind: z.kind, site: z.site }]));
  const facts = new Map<number, Map<string, string[]>>();
  const keys = [...new Set([...behaviourKeys(model), INTERNET_PEER_KEY, 'remote-access.tool', ...definitions.flatMap((d) => (d.internetFacts ?? []).map((f) => f.key))])];
  await store.eachRow(store.db.selectFrom('observations').select(['device_id', 'key', 'value']).where('key', 'in', keys), (o) => {
    const id = Number(o[0]);
    const key = o[1] as string;
    let m = facts.get(id);
    if (!m) facts.set(id, (m = new Map()));
    let list = m.get(key);
    if (!list) m.set(key, (list = []));
    list.push(o[2] as string);
  });

  const vulns = new Map<number, { decision: string | null; count: number; kev: number }>();
  const found = store.db
    .selectFrom('device_vulnerabilities')
    .leftJoin('vulnerabilities', 'vulnerabilities.cve', 'device_vulnerabilities.cve')
    .select(['device_vulnerabilities.device_id as device_id', 'device_vulnerabilities.decision as decision', 'vulnerabilities.kev as kev']);
  await store.eachRow(found, (r) => {
    const id = Number(r[0]);
    const decision = r[1] as string;
    let v = vulns.get(id);
    if (!v) vulns.set(id, (v = { decision: null, count: 0, kev: 0 }));
    v.count++;
    if (r[2]) v.kev++;
    if (v.decision === null || DECISION_ORDER.indexOf(decision) < DECISION_ORDER.indexOf(v.decision)) v.decision = decision;
  });

  const world: RiskWorld = { inputs: new Map(), devices: new Map(), zones, inbound: new Map(), outbound: new Map(), entry: new Map() };
  // Inputs are read, never changed in place (a what-if copies a device's before changing it): devices
  // with no facts or findings share one empty value, and exposure is set below.
  const noFacts = new Map<string, string[]>();
  const noVulnerabilities = Object.freeze({ decision: null, count: 0, kev: 0 });
  const noExposure = new Map<string, string>();
  // A category, zone or OS is one string for all its devices, not a copy per row.
  const strings = new Map<string, string>();
  const intern = (v: string | null) => (v === null ? null : (strings.get(v) ?? (strings.set(v, v), v)));
  await store.eachRow(store.db.selectFrom('devices').select(['id', 'category', 'os', 'zone', 'hostname', 'ip']), (d) => {
    const id = Number(d[0]);
    const category = intern(d[1] as string | null);
    const hostname = d[4] as string | null;
    const ip = d[5] as string | null;
    world.devices.set(id, { id, label: hostname ?? ip ?? String(id), zone: intern(d[3] as string | null) });
    const c = category ? taxonomy.category(category) : undefined;
    world.inputs.set(id, {
      deviceId: id,
      category,
      safetyImpact: c?.safetyImpact ?? null,
      holdsPhi: c?.holdsPhi ?? false,
      movesPhi: c?.movesPhi ?? false,
      os: intern(d[2] as string | null),
      facts: facts.get(id) ?? noFacts,
      vulnerabilities: vulns.get(id) ?? noVulnerabilities,
      exposure: noExposure,
      workflows: 0,
      hub: false,
      sameCategory: 0,
    });
  });

  // Conversations are read once, as columns, for reachability and for workflows. Typed arrays live
  // outside the JavaScript heap: the garbage collector never copies them.
  let capacity = 1024;
  await store.eachRow(store.db.selectFrom('connections').select((eb) => eb.fn.countAll().as('n')), (r) => (capacity = Math.max(capacity, Number(r[0]))));
  const conns: ConversationColumns & { client: Float64Array; server: Float64Array; transport: Uint32Array; transports: string[]; port: Float64Array } = {
    length: 0,
    client: new Float64Array(capacity),
    server: new Float64Array(capacity),
    transport: new Uint32Array(capacity),
    transports: [],
    port: new Float64Array(capacity),
  };
  const transports = new Map<string, number>();
  // The order matters (each device's first entry-point client is its example). On SQLite the whole
  // select scans the table in rowid order; the four columns used, without it, would come in the
  // covering index's order instead, so the rowid order is asked for.
  const conversations =
    store.dialect === 'sqlite'
      ? store.db.selectFrom('connections').select(['client_id', 'server_id', 'transport', 'port']).orderBy(sql`rowid`)
      : store.db.selectFrom('connections').select(['client_id', 'server_id', 'transport', 'port', 'flows', 'first_seen', 'last_seen']);
  await store.eachRow(conversations, (c) => {
    const k = conns.length++;
    if (k === conns.client.length) {
      // More rows than counted a moment ago: the store is being written.
      conns.client = grown(conns.client, 2 * k);
      conns.server = grown(conns.server, 2 * k);
      conns.transport = grown(conns.transport, 2 * k);
      conns.port = grown(conns.port, 2 * k);
    }
    conns.client[k] = Number(c[0]);
    conns.server[k] = Number(c[1]);
    const t = c[2] as string;
    let ti = transports.get(t);
    if (ti === undefined) transports.set(t, (ti = conns.transports.push(t) - 1));
    conns.transport[k] = ti;
    conns.port[k] = c[3] as number;
  });

  if (workflows) {
    for (const w of workflows) {
      // Operated from the internet, with no device depending on it: exposure (counted elsewhere), not a service to others.
      if (w.members.length === 0) continue;
      const h = world.inputs.get(w.hub.id);
      if (h) {
        h.workflows += 2;
        h.hub = true;
      }
      for (const m of w.members) {
        const e = world.inputs.get(m.id);
        if (e) e.workflows += 1;
      }
    }
  } else {
    const factKeys = [...new Set(definitions.flatMap((d) => (d.facts ?? []).map((f) => f.key)))];
    const crossed: { client_id: number; server_id: number; transport: string; port: number; sender: string; key: string; value: string }[] = [];
    if (factKeys.length)
      await store.eachRow(store.db.selectFrom('connection_facts').select(['client_id', 'server_id', 'transport', 'port', 'sender', 'key', 'value']).where('key', 'in', factKeys), (f) => {
        crossed.push({ client_id: Number(f[0]), server_id: Number(f[1]), transport: f[2] as string, port: Number(f[3]), sender: f[4] as string, key: f[5] as string, value: f[6] as string });
      });
    for (const [id, r] of workflowRoles(world.inputs, conns, crossed, definitions)) {
      const i = world.inputs.get(id)!;
      i.workflows = 2 * r.hubOf + r.memberOf;
      i.hub = r.hubOf > 0;
    }
  }

  // One string per service, not one per conversation.
  const services = new Map<number, Map<number, string>>();
  const serviceOf = (k: number) => {
    let byPort = services.get(conns.transport[k]);
    if (!byPort) services.set(conns.transport[k], (byPort = new Map()));
    let service = byPort.get(conns.port[k]);
    if (service === undefined) byPort.set(conns.port[k], (service = `${conns.transports[conns.transport[k]]}/${conns.port[k]}`));
    return service;
  };
  if (edges)
    for (let k = 0; k < conns.length; k++) {
      const server = conns.server[k];
      const client = conns.client[k];
      let list = world.inbound.get(server);
      if (!list) world.inbound.set(server, (list = []));
      list.push({ client, service: serviceOf(k) });
      let out = world.outbound.get(client);
      if (!out) world.outbound.set(client, (out = []));
      out.push(server);
    }
  for (const id of world.devices.keys()) {
    const kinds = entryKinds(world, id);
    if (kinds.length) world.entry.set(id, kinds);
  }
  // exposureOf for every device at once: one pass over the conversations, in the order each
  // device's inbound list has them, touching only those from an entry device.
  for (const [id, i] of world.inputs) if (i.facts.has(INTERNET_PEER_KEY)) i.exposure = ownExposure(world, id);
  for (let k = 0; k < conns.length; k++) {
    const client = conns.client[k];
    if (!world.entry.has(client)) continue;
    const i = world.inputs.get(conns.server[k]);
    if (!i) continue;
    if (i.exposure === noExposure) i.exposure = new Map();
    exposeTo(world, i.exposure, client, serviceOf(k));
  }
  const counts = categoryCounts(world);
  let k = 0;
  for (const i of world.inputs.values()) i.sameCategory = counts[k++];
  return world;
}
