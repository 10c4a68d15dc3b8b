/**
 * `lateral.movement`: administrative protocols (SMB, RPC, RDP, WinRM, SSH) between two local hosts where one
 * is a medical device: how ransomware and intruders move onto clinical systems. Established sessions (payload
 * both ways) are summed per pair; at the end, pairs touching a medical device are raised, medium, raised
 * further by the device's patient-safety class. A medical device's SMB or RPC to a server (its domain controller,
 * a file server) is domain membership and is not raised.
 */
import type { FlowRecord } from '../../analyze/flow-record.js';
import type { FlowRef, Host } from '../alert.js';
import { flowRef, host, isLocal, pushBounded } from '../detect-util.js';
import type { DeviceContext } from '../device-context.js';
import type { DetectionRule, FindingSink } from '../rule.js';
import type { Thresholds } from '../thresholds.js';

/** SMB and RPC: what a domain member uses on its domain controller and file servers. */
const DOMAIN_SERVICE_PORTS = new Set([135, 139, 445]);

const NAMES: Record<number, string> = { 22: 'ssh', 135: 'msrpc', 139: 'smb', 445: 'smb', 3389: 'rdp', 5985: 'winrm', 5986: 'winrm' };

export function lateralMovementRule(t: Thresholds): DetectionRule {
  const ports = new Set(t['lateral.movement'].ports);
  const pairs = new Map<string, { client: Host; server: Host; port: number; flows: number; first: number; refs: FlowRef[] }>();
  return {
    id: 'lateral.movement',
    flow(f: FlowRecord) {
      if (f.proto !== 'tcp' || !ports.has(f.responder.port) || !f.tcp?.history.startsWith('S') || f.origPayloadBytes + f.respPayloadBytes === 0) return;
      if (!isLocal(f.originator.ip) || !isLocal(f.responder.ip)) return;
      const key = `${f.originator.ip}>${f.responder.ip}|${f.responder.port}`;
      let p = pairs.get(key);
      if (!p) {
        if (pairs.size >= 200_000) return;
        pairs.set(key, (p = { client: host(f.originator), server: host(f.responder), port: f.responder.port, flows: 0, first: f.firstTs, refs: [] }));
      }
      p.flows++;
      p.first = Math.min(p.first, f.firstTs);
      pushBounded(p.refs, flowRef(f), 10);
    },
    finish(ctx: DeviceContext, out: FindingSink) {
      for (const p of pairs.values()) {
        const s = ctx.device(p.server.ip, p.server.mac);
        const c = ctx.device(p.client.ip, p.client.mac);
        if (!s?.medical && !c?.medical) continue;
        // A Windows-based modality or reading workstation maps its shares and logs on at the domain controller
        // and file servers over SMB and RPC: that is domain membership, not movement. Movement is toward a
        // clinical device, or from one to a peer that is not such a server.
        if (!s?.medical && s?.category === 'server' && DOMAIN_SERVICE_PORTS.has(p.port)) continue;
        const proto = NAMES[p.port] ?? `tcp/${p.port}`;
        const medical = s?.medical ? p.server.ip : p.client.ip;
        out.raise({
          rule: 'lateral.movement',
          severity: 'medium',
          title: `${proto.toUpperCase()} ${s?.medical ? 'to' : 'from'} medical device ${medical}`,
          description: `${p.client.ip} opened ${p.flows} ${proto} sessions to ${p.server.ip}; ${medical} is a medical device. Administrative access to clinical devices is how intrusions spread.`,
          ts: p.first,
          src: p.client,
          dst: p.server,
          device: s?.medical ? 'dst' : 'src',
          evidence: { protocol: proto, port: p.port, sessions: p.flows },
          flows: p.refs,
        });
      }
    },
  };
}
