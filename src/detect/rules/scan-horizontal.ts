/**
 * `scan.horizontal`: one source probing many hosts (a sweep, or a worm looking for its next victim). A probe
 * is a TCP connection attempt that carried no payload either way (SYN answered by RST or nothing, or a
 * connect-then-reset); ordinary failed connections retry the same few hosts, not `minHosts` of them.
 */
import type { FlowRecord } from '../../analyze/flow-record.js';
import type { FlowRef } from '../alert.js';
import { WindowedSets, entryFor, flowRef, host, pushBounded } from '../detect-util.js';
import type { DetectionRule, FindingSink } from '../rule.js';
import type { Thresholds } from '../thresholds.js';
import { isTcpProbe } from './tcp-probe.js';

export function horizontalScanRule(t: Thresholds): DetectionRule {
  const { windowS, minHosts } = t['scan.horizontal'];
  const hosts = new WindowedSets<string>(windowS);
  const ports = new Map<string, Set<number>>();
  const samples = new Map<string, FlowRef[]>();
  return {
    id: 'scan.horizontal',
    flow(f: FlowRecord, out: FindingSink) {
      if (!isTcpProbe(f)) return;
      const key = f.originator.ip;
      const r = hosts.add(key, f.responder.ip, f.firstTs, minHosts);
      const p = entryFor(ports, key, () => new Set<number>());
      if (p.size < 64) p.add(f.responder.port);
      const s = entryFor(samples, key, (): FlowRef[] => []);
      pushBounded(s, flowRef(f), 10);
      if (!r.reached) return;
      const portList = [...p].sort((a, b) => a - b);
      out.raise({
        rule: 'scan.horizontal',
        severity: 'medium',
        title: `Host sweep from ${key}`,
        description: `${key} probed ${r.count} hosts within ${windowS} s (ports ${portList.slice(0, 10).join(', ')}${portList.length > 10 ? ', ...' : ''}) without exchanging data.`,
        ts: f.firstTs,
        src: host(f.originator),
        dst: null,
        device: 'src',
        evidence: { hosts: r.count, ports: portList.slice(0, 32), windowS },
        flows: s,
      });
      samples.delete(key);
      ports.delete(key);
    },
  };
}
