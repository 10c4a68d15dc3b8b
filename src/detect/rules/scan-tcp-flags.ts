/**
 * `scan.tcp-flags`: an originator sending flag combinations no TCP stack sends (RFC 9293 §3.10.7: every
 * segment after the SYN carries ACK): SYN with FIN, no flags at all (NULL scan), FIN without ACK (FIN and
 * Xmas scans). These are nmap's OS-fingerprinting probes (T2-T7) and stealth scans.
 */
import type { FlowRecord } from '../../analyze/flow-record.js';
import { flowRef, host, TCP_ACK, TCP_FIN, TCP_PSH, TCP_SYN, TCP_URG } from '../detect-util.js';
import type { DetectionRule, FindingSink } from '../rule.js';

function shape(flags: number): string | null {
  if (flags & TCP_ACK) return null;
  if ((flags & (TCP_SYN | TCP_FIN)) === (TCP_SYN | TCP_FIN)) return 'syn+fin';
  if (flags === 0) return 'null';
  if ((flags & (TCP_FIN | TCP_PSH | TCP_URG)) === (TCP_FIN | TCP_PSH | TCP_URG)) return 'xmas';
  if (flags & TCP_FIN) return 'fin';
  return null;
}

export function tcpFlagsRule(): DetectionRule {
  return {
    id: 'scan.tcp-flags',
    flow(f: FlowRecord, out: FindingSink) {
      if (f.proto !== 'tcp' || !f.tcp || f.origPackets === 0) return;
      const s = shape(f.tcp.origFlags);
      if (s === null) return;
      out.raise({
        rule: 'scan.tcp-flags',
        severity: 'medium',
        title: `Illegal TCP flags (${s}) from ${f.originator.ip}`,
        description: `${f.originator.ip} sent ${s} segments to ${f.responder.ip}:${f.responder.port}: a stealth scan or OS fingerprinting probe (no TCP stack sends these).`,
        ts: f.firstTs,
        src: host(f.originator),
        dst: host(f.responder),
        evidence: { shape: s, flags: f.tcp.origFlags, port: f.responder.port },
        flows: [flowRef(f)],
      });
    },
  };
}
