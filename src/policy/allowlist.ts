/**
 * A policy from observed behaviour: for a device or a group, the allowlist of exactly the peers,
 * ports and protocols its clinical workflows (and its infrastructure services) used; everything
 * else to or from it is denied. Built from the store's conversations, so it names real peers.
 */
import { join } from 'node:path';
import type { WorkflowInstance } from '../graph/workflows.js';
import { knowledgeDir, readKnowledgeJson } from '../inventory/knowledge-dir.js';
import type { InventoryStore } from '../store/inventory-store.js';

export interface PolicyEndpoint {
  id: number;
  label: string;
  ip: string | null;
}

export interface AllowRule {
  from: PolicyEndpoint;
  to: PolicyEndpoint;
  transport: string;
  port: number;
  service: string | null;
  /** The workflow or infrastructure service that justifies it. */
  reason: string;
  flows: number;
}

export interface Conversation {
  from: PolicyEndpoint;
  to: PolicyEndpoint;
  transport: string;
  port: number;
  service: string | null;
  flows: number;
}

export interface Policy {
  name: string;
  /** The devices the policy protects. */
  members: PolicyEndpoint[];
  allow: AllowRule[];
  /** Observed conversations of the members that the allowlist does not cover: what enforcing it stops. */
  denied: Conversation[];
}

export function loadInfrastructureServices(file = join(knowledgeDir(), 'risk', 'infrastructure-services.json')): Set<string> {
  const doc = readKnowledgeJson<{ services?: { transport: string; port: number }[] }>(file);
  if (!Array.isArray(doc.services)) throw new Error(`${file}: expected {"services": [...]}`);
  return new Set(doc.services.map((s, i) => {
    if (typeof s.transport !== 'string' || !Number.isInteger(s.port)) throw new Error(`${file}: services[${i}] needs "transport" and an integer "port"`);
    return `${s.transport}/${s.port}`;
  }));
}

/** Conversations that carry a workflow: the hub with each member on the services seen, whichever side connected. */
function workflowConversations(workflows: readonly WorkflowInstance[]): Map<string, string> {
  const pairs = new Map<string, string>();
  for (const w of workflows)
    for (const m of w.members)
      for (const s of m.services) {
        pairs.set(`${w.hub.id}/${m.id}/${s}`, w.name);
        pairs.set(`${m.id}/${w.hub.id}/${s}`, w.name);
      }
  return pairs;
}

export async function buildPolicy(store: InventoryStore, name: string, memberIds: readonly number[], workflows: readonly WorkflowInstance[], infrastructure = loadInfrastructureServices()): Promise<Policy> {
  const members = new Set(memberIds);
  const conns = await store.connectionsOf([...members]);
  const ids = [...new Set(conns.flatMap((c) => [Number(c.client_id), Number(c.server_id)]).concat([...members]))];
  const devices = new Map((await store.devicesById(ids)).map((d) => [Number(d.id), { id: Number(d.id), label: d.hostname ?? d.ip ?? d.mac ?? String(d.id), ip: d.ip }]));
  const endpoint = (id: number): PolicyEndpoint => devices.get(id) ?? { id, label: String(id), ip: null };
  const pairs = workflowConversations(workflows);
  const allow: AllowRule[] = [];
  const denied: Conversation[] = [];
  for (const c of conns) {
    const from = endpoint(Number(c.client_id));
    const to = endpoint(Number(c.server_id));
    const conv = { from, to, transport: c.transport, port: c.port, service: c.service, flows: Number(c.flows) };
    const workflow = pairs.get(`${from.id}/${to.id}/${c.transport}/${c.port}`);
    const infra = infrastructure.has(`${c.transport}/${c.port}`) ? `infrastructure: ${c.service ?? `${c.transport}/${c.port}`}` : undefined;
    const reason = workflow ?? infra;
    if (reason) allow.push({ ...conv, reason });
    else denied.push(conv);
  }
  const order = (a: Conversation, b: Conversation) => a.to.id - b.to.id || a.from.id - b.from.id || a.port - b.port;
  return { name, members: [...members].map(endpoint), allow: allow.sort(order), denied: denied.sort(order) };
}

/** Whether the policy lets a conversation through: always, unless it touches a member. */
export function permits(policy: Policy, c: { from: number; to: number; transport: string; port: number }): boolean {
  const members = new Set(policy.members.map((m) => m.id));
  if (!members.has(c.from) && !members.has(c.to)) return true;
  return policy.allow.some((r) => r.from.id === c.from && r.to.id === c.to && r.transport === c.transport && r.port === c.port);
}
