/**
 * `medical.internet`: a medical device exchanging packets with a public address. Flows between a local and
 * a public address are summed per pair during the analysis; at the end, pairs whose local side is a medical
 * device (inventory category, or clinical protocols seen from it) are raised, high. A pair whose every name
 * (TLS SNI, HTTP Host, or the DNS answer that gave the address) is on the site's approved list (contracted
 * vendor remote services, `--approved`) is kept at low: seen, and expected.
 */
import type { FlowRecord } from '../../analyze/flow-record.js';
import type { Observation } from '../../protocols/observation.js';
import type { FlowRef, Host } from '../alert.js';
import { flowRef, host, isLocal, isPublic, pushBounded } from '../detect-util.js';
import type { DeviceContext } from '../device-context.js';
import type { DetectionRule, FindingSink } from '../rule.js';

interface Pair {
  local: Host;
  remote: Host;
  flows: number;
  bytes: number;
  ports: Set<number>;
  first: number;
  last: number;
  refs: FlowRef[];
  outbound: boolean;
  names: Set<string>;
}

const MAX_PAIRS = 200_000;

/** Whether `name` is an approved domain or a subdomain of one. */
export function domainApproved(name: string, approved: ReadonlySet<string>): boolean {
  const n = name.toLowerCase().replace(/:\d+$/, '');
  if (approved.has(n)) return true;
  for (let i = n.indexOf('.'); i >= 0; i = n.indexOf('.', i + 1)) if (approved.has(n.slice(i + 1))) return true;
  return false;
}

export function medicalInternetRule(approvedDomains: ReadonlySet<string> = new Set(), approvedAddresses: ReadonlySet<string> = new Set()): DetectionRule {
  const pairs = new Map<string, Pair>();
  const flowName = new Map<number, string>();
  const dnsName = new Map<string, string>();
  /** The last name (SNI, Host) seen on any flow of a pair, answered or not. */
  const pairNames = new Map<string, string>();
  return {
    id: 'medical.internet',
    rawKeys: ['tls.sni', 'http.host', 'dns.answer.a'],
    raw(o: Observation) {
      if (o.key === 'dns.answer.a') {
        const [name, ip] = String(o.value).split(' ');
        if (ip && isPublic(ip)) {
          if (dnsName.size > 100_000) dnsName.clear();
          dnsName.set(ip, name);
        }
        return;
      }
      if (o.flow === undefined || !isPublic(o.dst.ip)) return;
      if (flowName.size > 100_000) flowName.clear();
      flowName.set(o.flow, String(o.value));
    },
    flow(f: FlowRecord) {
      const o = f.originator.ip;
      const r = f.responder.ip;
      let local, remote, outbound;
      if (isLocal(o) && isPublic(r)) [local, remote, outbound] = [f.originator, f.responder, true];
      else if (isPublic(o) && isLocal(r)) [local, remote, outbound] = [f.responder, f.originator, false];
      else return;
      const key = `${local.ip}|${remote.ip}`;
      const name = flowName.get(f.id);
      flowName.delete(f.id);
      if (name !== undefined) {
        if (pairNames.size > 100_000) pairNames.clear();
        pairNames.set(key, name.toLowerCase().replace(/:\d+$/, ''));
      }
      // Nothing came back: a packet into the void proves no conversation. (Where routing splits a conversation,
      // the answering half is a flow of its own, with packets from the responder.)
      if (f.respPackets === 0) return;
      let p = pairs.get(key);
      if (!p) {
        if (pairs.size >= MAX_PAIRS) return;
        pairs.set(key, (p = { local: host(local), remote: host(remote), flows: 0, bytes: 0, ports: new Set(), first: f.firstTs, last: f.lastTs, refs: [], outbound, names: new Set() }));
      }
      const seen = pairNames.get(key) ?? dnsName.get(remote.ip);
      if (seen !== undefined && p.names.size < 8) p.names.add(seen.toLowerCase());
      p.flows++;
      p.bytes += f.origBytes + f.respBytes;
      if (p.ports.size < 16) p.ports.add(outbound ? f.responder.port : f.originator.port);
      p.first = Math.min(p.first, f.firstTs);
      p.last = Math.max(p.last, f.lastTs);
      pushBounded(p.refs, flowRef(f), 10);
    },
    finish(ctx: DeviceContext, out: FindingSink) {
      for (const p of pairs.values()) {
        const d = ctx.device(p.local.ip, p.local.mac);
        if (!d?.medical) continue;
        // A name learnt from DNS after the flows (or before the capture's first flow of the pair) still counts.
        for (const late of [dnsName.get(p.remote.ip), pairNames.get(`${p.local.ip}|${p.remote.ip}`)]) if (late !== undefined) p.names.add(late.toLowerCase());
        const names = [...p.names];
        const approved = approvedAddresses.has(p.remote.ip) || (names.length > 0 && names.every((n) => domainApproved(n, approvedDomains)));
        out.raise({
          rule: 'medical.internet',
          severity: approved ? 'low' : 'high',
          title: `Medical device ${p.local.ip} talks to ${approved ? 'approved service' : 'the internet'} ${names[0] ?? p.remote.ip}`,
          description: `${p.local.ip}${d.category ? ` (${d.category})` : ''} exchanged ${p.flows} flows (${p.bytes} bytes) with public address ${p.remote.ip} (${p.outbound ? 'outbound' : 'inbound'}, ports ${[...p.ports].join(', ')}).`,
          ts: p.first,
          src: p.outbound ? p.local : p.remote,
          dst: p.outbound ? p.remote : p.local,
          device: p.outbound ? 'src' : 'dst',
          contextRaise: !approved,
          evidence: { flows: p.flows, bytes: p.bytes, ports: [...p.ports], direction: p.outbound ? 'outbound' : 'inbound', lastTs: p.last, names, approved },
          flows: p.refs,
        });
      }
    },
  };
}
