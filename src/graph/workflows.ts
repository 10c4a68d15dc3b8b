import { join } from 'node:path';
import { knowledgeDir } from '../inventory/knowledge-dir.js';
import type { InventoryStore } from '../store/inventory-store.js';
import { readKnowledgeJson } from '../inventory/knowledge-dir.js';
import { INTERNET_PEER_KEY } from '../inventory/inventory-update.js';

interface FactCondition {
  key: string;
  sender?: 'client' | 'server';
  equals?: string;
  prefix?: string;
  contains?: string;
}

export interface WorkflowDefinition {
  id: string;
  name: string;
  hub: 'server' | 'client';
  hubPart: string;
  memberPart: string;
  facts?: FactCondition[];
  categories?: { client?: string[]; server?: string[]; either?: boolean };
  ports?: number[];
  /** Server ports whose conversations never belong to it, whatever else matches. */
  excludePorts?: number[];
  /**
   * Facts of a device itself that, with conversations to the internet, make it the hub of an instance
   * operated from outside (no member devices): remote access by a vendor through a remote-access tool.
   */
  internetFacts?: FactCondition[];
}

export interface WorkflowDevice {
  id: number;
  label: string;
  category: string | null;
}

/** One workflow around one hub: a PACS and the modalities storing on it, an engine and its senders. */
export interface WorkflowInstance {
  workflow: string;
  name: string;
  hub: WorkflowDevice & { part: string };
  /** `services`: the conversations (`tcp/104`) between the member and the hub that carry the workflow. */
  members: (WorkflowDevice & { part: string; flows: number; evidence: string[]; services: string[] })[];
  flows: number;
  firstSeen: number;
  lastSeen: number;
  /** For an instance operated from the internet: how many internet peers, and the device facts that show it. */
  internet?: { peers: number; evidence: string[] };
}

export function loadWorkflowDefinitions(file = join(knowledgeDir(), 'workflows.json')): WorkflowDefinition[] {
  const doc = readKnowledgeJson<{ workflows?: WorkflowDefinition[] }>(file);
  if (!Array.isArray(doc.workflows)) throw new Error(`${file}: expected {"workflows": [...]}`);
  doc.workflows.forEach((w, i) => {
    const where = `${file}: workflows[${i}]${w?.id ? ` (${w.id})` : ''}`;
    if (typeof w.id !== 'string' || typeof w.name !== 'string') throw new Error(`${where}: "id" and "name" are required`);
    if (w.hub !== 'server' && w.hub !== 'client') throw new Error(`${where}: "hub" must be server or client`);
    if (!w.facts?.length && !w.categories && !w.ports?.length) throw new Error(`${where}: needs facts, categories or ports to match`);
    if (w.excludePorts !== undefined && (!Array.isArray(w.excludePorts) || w.excludePorts.some((p) => !Number.isInteger(p)))) throw new Error(`${where}: "excludePorts" must be a list of port numbers`);
    for (const f of [...(w.facts ?? []), ...(w.internetFacts ?? [])]) if (typeof f.key !== 'string') throw new Error(`${where}: every fact condition needs a "key"`);
  });
  return doc.workflows;
}

const factValue = (valueText: string): string => {
  try {
    const v = JSON.parse(valueText);
    return Array.isArray(v) ? v.join(',') : String(v);
  } catch {
    return valueText;
  }
};

const factHolds = (c: FactCondition, sender: string, key: string, valueText: string): boolean => {
  if (c.key !== key || (c.sender && c.sender !== sender)) return false;
  if (c.equals === undefined && c.prefix === undefined && c.contains === undefined) return true;
  const value = factValue(valueText);
  if (c.equals !== undefined) return value === c.equals;
  if (c.prefix !== undefined) return value.startsWith(c.prefix);
  return value.toLowerCase().includes(c.contains!.toLowerCase());
};

/** A definition with its lists as sets: every conversation is tested against every definition. */
interface CompiledDefinition {
  def: WorkflowDefinition;
  factKeys: Set<string>;
  ports: Set<number>;
  excluded: Set<number>;
  client: Set<string> | null;
  server: Set<string> | null;
  either: boolean;
  hasCategories: boolean;
}

const compile = (w: WorkflowDefinition): CompiledDefinition => ({
  def: w,
  factKeys: new Set((w.facts ?? []).map((f) => f.key)),
  ports: new Set(w.ports ?? []),
  excluded: new Set(w.excludePorts ?? []),
  client: w.categories?.client ? new Set(w.categories.client) : null,
  server: w.categories?.server ? new Set(w.categories.server) : null,
  either: w.categories?.either ?? false,
  hasCategories: w.categories !== undefined,
});

/** One conversation as workflow recognition reads it (a row of `connections`). */
export interface WorkflowConnection {
  client_id: number;
  server_id: number;
  transport: string;
  port: number;
  flows: number;
  first_seen: number;
  last_seen: number;
}

type ConnectionFactRow = { client_id: number | string; server_id: number | string; transport: string; port: number; sender: string; key: string; value: string };
type CrossedFact = { sender: string; key: string; value: string };
const noFacts: CrossedFact[] = [];

/** What crossed each conversation, keyed `client/server/transport/port`. */
function factsByConversation(rows: readonly ConnectionFactRow[]): Map<string, CrossedFact[]> {
  const facts = new Map<string, CrossedFact[]>();
  for (const f of rows) {
    const id = `${f.client_id}/${f.server_id}/${f.transport}/${f.port}`;
    let list = facts.get(id);
    if (!list) facts.set(id, (list = []));
    list.push({ sender: f.sender, key: f.key, value: f.value });
  }
  return facts;
}

/** The tests of a definition one conversation passes, as bits; 0 when it passes none. */
const FACTS = 1;
const FORWARD = 2;
const BACKWARD = 4;
const PORT = 8;

/** Most conversations match no definition: this decides that before any evidence is built. */
function conversationMatch(w: CompiledDefinition, port: number, clientCat: string, serverCat: string, crossed: readonly CrossedFact[]): number {
  if (w.excluded.has(port)) return 0;
  let match = 0;
  if (w.factKeys.size) for (const f of crossed) if (w.factKeys.has(f.key)) match |= FACTS;
  if (w.hasCategories && (!w.client || w.client.has(clientCat)) && (!w.server || w.server.has(serverCat))) match |= FORWARD;
  if (w.either && (!w.client || w.client.has(serverCat)) && (!w.server || w.server.has(clientCat))) match |= BACKWARD;
  if (w.ports.has(port)) match |= PORT;
  return match;
}

/** With categories matched backwards, the hub is the device whose category names the hub's side. */
const serverIsHub = (w: CompiledDefinition, match: number): boolean => {
  const reversed = (match & BACKWARD) !== 0 && (match & FORWARD) === 0;
  return w.def.hub === 'server' ? !reversed : reversed;
};

/**
 * Every workflow instance in the store: each conversation is tested against each definition (facts
 * that crossed it, its devices' categories, its port), then grouped by the definition's hub end.
 */
export async function recogniseWorkflows(store: InventoryStore, definitions = loadWorkflowDefinitions()): Promise<WorkflowInstance[]> {
  const devices = new Map((await store.db.selectFrom('devices').select(['id', 'hostname', 'ip', 'mac', 'category']).execute()).map((d) => [Number(d.id), { id: Number(d.id), label: d.hostname ?? d.ip ?? d.mac ?? String(d.id), category: d.category }]));
  const conns = await store.db.selectFrom('connections').select(['client_id', 'server_id', 'transport', 'port', 'flows', 'first_seen', 'last_seen']).execute();
  const keys = [...new Set(definitions.flatMap((d) => (d.internetFacts ?? []).map((f) => f.key)))];
  const deviceFacts = new Map<number, Map<string, string[]>>();
  if (keys.length) {
    for (const o of await store.db.selectFrom('observations').select(['device_id', 'key', 'value']).where('key', 'in', [...keys, INTERNET_PEER_KEY]).execute()) {
      const id = Number(o.device_id);
      let m = deviceFacts.get(id);
      if (!m) deviceFacts.set(id, (m = new Map()));
      let list = m.get(o.key);
      if (!list) m.set(o.key, (list = []));
      list.push(o.value);
    }
  }
  return recogniseWorkflowsIn(devices, conns as WorkflowConnection[], await store.connectionFacts(), definitions, deviceFacts);
}

/** The same over rows already read (the risk recompute reads devices and conversations once for everything). */
export function recogniseWorkflowsIn(
  devices: ReadonlyMap<number, WorkflowDevice>,
  conns: Iterable<WorkflowConnection>,
  connectionFacts: readonly ConnectionFactRow[],
  definitions = loadWorkflowDefinitions(),
  /** Per device, its own facts by key (values as stored JSON text): at least the definitions' `internetFacts` keys and the internet peers. */
  deviceFacts: ReadonlyMap<number, ReadonlyMap<string, readonly string[]>> = new Map(),
): WorkflowInstance[] {
  const compiled = definitions.map(compile);
  const facts = factsByConversation(connectionFacts);
  const instances = new Map<string, WorkflowInstance>();
  // Per instance, its members by device id: a hub with thousands of members stays linear.
  const memberIndex = new Map<WorkflowInstance, Map<number, WorkflowInstance['members'][number]>>();
  for (const c of conns) {
    const client = devices.get(Number(c.client_id));
    const server = devices.get(Number(c.server_id));
    if (!client || !server) continue;
    const crossed = facts.size ? (facts.get(`${c.client_id}/${c.server_id}/${c.transport}/${c.port}`) ?? noFacts) : noFacts;
    const clientCat = client.category ?? '';
    const serverCat = server.category ?? '';
    for (const w of compiled) {
      const match = conversationMatch(w, c.port, clientCat, serverCat, crossed);
      if (match === 0) continue;
      const evidence: string[] = [];
      if (match & FACTS) for (const cond of w.def.facts ?? []) for (const f of crossed) if (factHolds(cond, f.sender, f.key, f.value)) evidence.push(`${f.key}=${f.value} (${f.sender})`);
      if (match & (FORWARD | BACKWARD)) evidence.push(`categories ${client.category} → ${server.category}`);
      if (match & PORT) evidence.push(`${c.transport}/${c.port}`);
      if (evidence.length === 0) continue;
      const hub = serverIsHub(w, match) ? server : client;
      const member = serverIsHub(w, match) ? client : server;
      const key = `${w.def.id}/${hub.id}`;
      let inst = instances.get(key);
      if (!inst) {
        inst = { workflow: w.def.id, name: w.def.name, hub: { ...hub, part: w.def.hubPart }, members: [], flows: 0, firstSeen: c.first_seen, lastSeen: c.last_seen };
        instances.set(key, inst);
      }
      inst.flows += Number(c.flows);
      inst.firstSeen = Math.min(inst.firstSeen, c.first_seen);
      inst.lastSeen = Math.max(inst.lastSeen, c.last_seen);
      let index = memberIndex.get(inst);
      if (!index) memberIndex.set(inst, (index = new Map()));
      const m = index.get(member.id);
      const service = `${c.transport}/${c.port}`;
      if (m) {
        m.flows += Number(c.flows);
        for (const e of evidence) if (!m.evidence.includes(e) && m.evidence.length < 8) m.evidence.push(e);
        if (!m.services.includes(service)) m.services.push(service);
      } else {
        const added = { ...member, part: w.def.memberPart, flows: Number(c.flows), evidence: evidence.slice(0, 8), services: [service] };
        inst.members.push(added);
        index.set(member.id, added);
      }
    }
  }
  for (const w of compiled) {
    if (!w.def.internetFacts?.length) continue;
    for (const [id, facts] of deviceFacts) {
      const peers = facts.get(INTERNET_PEER_KEY);
      const device = devices.get(id);
      if (!peers?.length || !device) continue;
      const evidence: string[] = [];
      for (const cond of w.def.internetFacts) for (const v of facts.get(cond.key) ?? []) if (factHolds(cond, '', cond.key, v)) evidence.push(`${cond.key}=${v}`);
      if (evidence.length === 0) continue;
      const key = `${w.def.id}/${id}`;
      const inst = instances.get(key);
      if (inst) inst.internet = { peers: peers.length, evidence: evidence.slice(0, 8) };
      else instances.set(key, { workflow: w.def.id, name: w.def.name, hub: { ...device, part: w.def.hubPart }, members: [], flows: 0, firstSeen: 0, lastSeen: 0, internet: { peers: peers.length, evidence: evidence.slice(0, 8) } });
    }
  }
  return [...instances.values()].sort((a, b) => a.workflow.localeCompare(b.workflow) || b.members.length - a.members.length || a.hub.id - b.hub.id);
}

/** Conversations as columns, `length` entries in each: read without an object per row. */
export interface ConversationColumns {
  length: number;
  client: ArrayLike<number>;
  server: ArrayLike<number>;
  /** Indexes into `transports`. */
  transport: ArrayLike<number>;
  transports: readonly string[];
  port: ArrayLike<number>;
}

/**
 * Per device, how many workflow instances it is the hub of and a member of: the instances
 * `recogniseWorkflowsIn` finds from these conversations, by the same tests, without building them
 * (no evidence, flows or labels). Instances operated from the internet have no members and are not
 * counted: no device depends on them.
 */
export function workflowRoles(
  devices: ReadonlyMap<number, { category: string | null }>,
  conns: ConversationColumns,
  connectionFacts: readonly ConnectionFactRow[],
  definitions = loadWorkflowDefinitions(),
): Map<number, { hubOf: number; memberOf: number }> {
  const compiled = definitions.map(compile);
  const facts = factsByConversation(connectionFacts);
  // Per definition id (instances are keyed by it), per hub, its member devices.
  const byId = new Map<string, Map<number, Set<number>>>();
  const instances = compiled.map((w) => byId.get(w.def.id) ?? byId.set(w.def.id, new Map()).get(w.def.id)!);
  /** The definitions a conversation makes an instance of, as pairs of definition index and match bits. */
  const matchAll = (port: number, clientCat: string, serverCat: string, crossed: readonly CrossedFact[]): number[] => {
    const out: number[] = [];
    for (let d = 0; d < compiled.length; d++) {
      const w = compiled[d];
      const match = conversationMatch(w, port, clientCat, serverCat, crossed);
      if (match === 0) continue;
      // Matched on facts alone, an instance needs one of the conditions to hold, as its evidence.
      if (match === FACTS && !(w.def.facts ?? []).some((cond) => crossed.some((f) => factHolds(cond, f.sender, f.key, f.value)))) continue;
      out.push(d, match);
    }
    return out;
  };
  // Without facts, a conversation's matches follow from its two categories and its port: each
  // combination is tested once, not each of hundreds of thousands of conversations.
  const categories: string[] = [];
  const categoryIds = new Map<string, number>();
  // Each device's category as a small number: in an array by device id when ids are dense (SQLite's
  // are), else in a map; -1 for no such device.
  let maxId = 0;
  for (const id of devices.keys()) maxId = Number.isInteger(id) && id >= 0 && maxId >= 0 ? Math.max(maxId, id) : -1;
  const dense = maxId >= 0 && maxId <= 4 * devices.size + 1024 ? new Int32Array(maxId + 1).fill(-1) : null;
  const sparse = dense ? null : new Map<number, number>();
  for (const [id, d] of devices) {
    const c = d.category ?? '';
    let n = categoryIds.get(c);
    if (n === undefined) categoryIds.set(c, (n = categories.push(c) - 1));
    if (dense) dense[id] = n;
    else sparse!.set(id, n);
  }
  const categoryOf = (id: number): number => (dense ? (Number.isInteger(id) && id >= 0 && id < dense.length ? dense[id] : -1) : (sparse!.get(id) ?? -1));
  const tested = new Map<number, number[]>();
  for (let i = 0; i < conns.length; i++) {
    const clientId = conns.client[i];
    const serverId = conns.server[i];
    const clientC = categoryOf(clientId);
    const serverC = categoryOf(serverId);
    if (clientC < 0 || serverC < 0) continue;
    const port = conns.port[i];
    const crossed = facts.size ? (facts.get(`${clientId}/${serverId}/${conns.transports[conns.transport[i]]}/${port}`) ?? noFacts) : noFacts;
    const clientCat = categories[clientC];
    const serverCat = categories[serverC];
    let matches: number[];
    if (crossed === noFacts && Number.isInteger(port) && port >= 0 && port < 65536 && categories.length < 65536) {
      const key = (clientC * 65536 + serverC) * 65536 + port;
      let m = tested.get(key);
      if (!m) tested.set(key, (m = matchAll(port, clientCat, serverCat, crossed)));
      matches = m;
    } else matches = matchAll(port, clientCat, serverCat, crossed);
    for (let j = 0; j < matches.length; j += 2) {
      const toServer = serverIsHub(compiled[matches[j]], matches[j + 1]);
      const hub = toServer ? serverId : clientId;
      const byHub = instances[matches[j]];
      let members = byHub.get(hub);
      if (!members) byHub.set(hub, (members = new Set()));
      members.add(toServer ? clientId : serverId);
    }
  }
  const roles = new Map<number, { hubOf: number; memberOf: number }>();
  const role = (id: number) => {
    let r = roles.get(id);
    if (!r) roles.set(id, (r = { hubOf: 0, memberOf: 0 }));
    return r;
  };
  for (const byHub of byId.values())
    for (const [hub, members] of byHub) {
      role(hub).hubOf++;
      for (const m of members) role(m).memberOf++;
    }
  return roles;
}

/** The workflows a device's loss breaks: all of those it is the hub of, and its own part in the others. */
export function workflowsOf(instances: readonly WorkflowInstance[], deviceId: number): { instance: WorkflowInstance; as: 'hub' | 'member' }[] {
  const out: { instance: WorkflowInstance; as: 'hub' | 'member' }[] = [];
  for (const i of instances) {
    if (i.hub.id === deviceId) out.push({ instance: i, as: 'hub' });
    else if (i.members.some((m) => m.id === deviceId)) out.push({ instance: i, as: 'member' });
  }
  return out;
}
