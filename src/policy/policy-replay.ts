/**
 * Proof that a policy can be enforced without stopping care: the capture's conversations are
 * replayed through it. Clinical conversations blocked must be 0; the attack paths to the members
 * and the unexplained conversations it stops are counted.
 */
import type { InventoryStore } from '../store/inventory-store.js';
import { NetworkContext, type AttackPath } from '../vuln/network-context.js';
import { SsvcPolicy } from '../vuln/ssvc.js';
import { permits, type Policy } from './allowlist.js';

export interface ReplayResult {
  /** Conversations of the members that carry a workflow or infrastructure service, and how many the policy blocks. */
  clinical: { conversations: number; flows: number; blocked: number };
  /** Other observed conversations of the members: stopped by the policy, listed for review. */
  other: { conversations: number; flows: number; blocked: number };
  /**
   * Shortest paths over lateral-movement conversations from each kind of entry point (internet,
   * guest, remote-access tool, IT) to each member, and how many the policy cuts (a hop it blocks).
   * A member that is itself an entry point has no path to cut; `selfEntry` counts those.
   */
  attackPaths: { paths: number; cut: number; selfEntry: number; uncut: { to: string; from: string; hops: string[] }[] };
}

const parseService = (s: string) => {
  const m = /^(\w+)\/(\d+)/.exec(s);
  return m ? { transport: m[1], port: Number(m[2]) } : null;
};

export async function replayPolicy(store: InventoryStore, policy: Policy): Promise<ReplayResult> {
  const clinical = { conversations: 0, flows: 0, blocked: 0 };
  const other = { conversations: 0, flows: 0, blocked: 0 };
  const covered = new Set(policy.allow.map((r) => `${r.from.id}/${r.to.id}/${r.transport}/${r.port}`));
  const memberIds = policy.members.map((m) => m.id);
  for (const c of await store.connectionsOf(memberIds)) {
    const conv = { from: Number(c.client_id), to: Number(c.server_id), transport: c.transport, port: c.port };
    const isClinical = covered.has(`${conv.from}/${conv.to}/${conv.transport}/${conv.port}`);
    const bucket = isClinical ? clinical : other;
    bucket.conversations++;
    bucket.flows += Number(c.flows);
    if (!permits(policy, conv)) bucket.blocked++;
  }
  const attackPaths: ReplayResult['attackPaths'] = { paths: 0, cut: 0, selfEntry: 0, uncut: [] };
  const context = await NetworkContext.load(store, SsvcPolicy.load().entryPoints);
  for (const m of policy.members) {
    for (const p of context.reach(m.id, null).paths as AttackPath[]) {
      if (p.hops.length === 0) {
        attackPaths.selfEntry++;
        continue;
      }
      attackPaths.paths++;
      // A path is cut when some hop has no service the policy lets through.
      const cut = p.hops.some(
        (h) =>
          !h.services.some((s) => {
            const svc = parseService(s);
            return svc !== null && permits(policy, { from: h.from.id, to: h.to.id, ...svc });
          }),
      );
      if (cut) attackPaths.cut++;
      else attackPaths.uncut.push({ to: m.label, from: p.from, hops: p.hops.map((h) => `${h.from.label} -> ${h.to.label} (${h.services.join(', ')})`) });
    }
  }
  return { clinical, other, attackPaths };
}
