/**
 * `tls.heartbleed`: CVE-2014-0160. A heartbeat request claiming more payload than its record carries
 * (`tls.heartbeat_overread`) is the attack (high); a server heartbeat response larger than the request that
 * prompted it means memory leaked (critical). Heartbeats sent after ChangeCipherSpec are encrypted and not seen,
 * and the TLS dissector stops reading a server at its ServerHelloDone, so a response to a request sent during
 * the handshake (what Heartbleed tools do) is not seen either: the attempt is raised, success not confirmed.
 */
import type { Observation } from '../../protocols/observation.js';
import { host } from '../detect-util.js';
import type { DetectionRule, FindingSink } from '../rule.js';

export function heartbleedRule(): DetectionRule {
  const requestLength = new Map<number, number>();
  return {
    id: 'tls.heartbleed',
    rawKeys: ['tls.heartbeat_overread', 'tls.heartbeat_length', 'tls.heartbeat'],
    raw(o: Observation, out: FindingSink) {
      const flows = o.flow === undefined ? [] : [{ id: o.flow, proto: 'tcp', src: o.src.ip, sport: o.src.port, dst: o.dst.ip, dport: o.dst.port, ts: o.ts }];
      if (o.key === 'tls.heartbeat_overread') {
        out.raise({
          rule: 'tls.heartbleed', severity: 'high', title: `Heartbleed attempt against ${o.dst.ip}`,
          description: `${o.src.ip} sent a cleartext TLS heartbeat request whose payload_length claims ${o.value} octets more than its record holds with the 16 octets of padding RFC 6520 requires: the Heartbleed request shape (CVE-2014-0160).`,
          ts: o.ts, src: host(o.src), dst: host(o.dst), evidence: { overreadOctets: o.value as number }, flows,
        });
        return;
      }
      if (o.key !== 'tls.heartbeat_length' || o.flow === undefined) return;
      // The side on the lower port is taken as the server; heartbeats are rare enough that this is enough.
      const fromServer = o.src.port < o.dst.port;
      const length = o.value as number;
      if (!fromServer) {
        if (requestLength.size > 10_000) requestLength.clear();
        requestLength.set(o.flow, Math.min(length, requestLength.get(o.flow) ?? Infinity));
        return;
      }
      const asked = requestLength.get(o.flow);
      if (asked === undefined || length <= asked + 16) return;
      out.raise({
        rule: 'tls.heartbleed', severity: 'critical', title: `Heartbleed: ${o.src.ip} leaked memory`,
        description: `${o.src.ip} answered a ${asked}-octet heartbeat request with ${length} octets: server memory (keys, passwords, patient data) leaked to ${o.dst.ip}.`,
        ts: o.ts, src: host(o.dst), dst: host(o.src), evidence: { requestOctets: asked, responseOctets: length }, flows,
      });
    },
  };
}
