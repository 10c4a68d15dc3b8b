/**
 * `scan.tool-signature`: a SYN whose TCP/IP fields match a userland scanner's signature in the p0f database
 * (`tcp.tool`: Nmap's SYN scan, its OS-detection probes), not any operating system's stack. Active OS
 * detection sends malformed and unusual probes that fragile medical devices are known to fail on; the alert
 * names the tool, the source and the first device it probed, once per tool and source.
 */
import type { Observation } from '../../protocols/observation.js';
import { host } from '../detect-util.js';
import type { DetectionRule, FindingSink } from '../rule.js';

export function scanToolSignatureRule(): DetectionRule {
  const seen = new Set<string>();
  return {
    id: 'scan.tool-signature',
    rawKeys: ['tcp.tool'],
    raw(o: Observation, out: FindingSink) {
      const tool = String(o.value);
      const key = `${tool}|${o.src.ip}`;
      if (seen.has(key)) return;
      if (seen.size < 100_000) seen.add(key);
      const osDetection = /OS detection/i.test(tool);
      out.raise({
        rule: 'scan.tool-signature',
        severity: osDetection ? 'high' : 'medium',
        title: `${tool} from ${o.src.ip}`,
        description: `${o.src.ip} sent a SYN to ${o.dst.ip}:${o.dst.port} that matches the p0f signature of ${tool}, a scanner rather than an operating system${osDetection ? ': active OS detection sends probes that fragile medical devices may fail on' : ''}.`,
        ts: o.ts,
        src: host(o.src),
        dst: host(o.dst),
        evidence: { tool, port: o.dst.port },
        flows: o.flow === undefined ? [] : [{ id: o.flow, proto: 'tcp', src: o.src.ip, sport: o.src.port, dst: o.dst.ip, dport: o.dst.port, ts: o.ts }],
      });
    },
  };
}
