/** `scan.vertical`: one source probing many ports of one host (a port scan of a device). */
import type { FlowRecord } from '../../analyze/flow-record.js';
import type { FlowRef } from '../alert.js';
import { WindowedSets, entryFor, flowRef, host, pushBounded } from '../detect-util.js';
import type { DetectionRule, FindingSink } from '../rule.js';
import type { Thresholds } from '../thresholds.js';
import { isTcpProbe } from './tcp-probe.js';

export function verticalScanRule(t: Thresholds): DetectionRule {
  const { windowS, minPorts } = t['scan.vertical'];
  const ports = new WindowedSets<number>(windowS);
  const samples = new Map<string, FlowRef[]>();
  return {
    id: 'scan.vertical',
    flow(f: FlowRecord, out: FindingSink) {
      if (!isTcpProbe(f)) return;
      const key = `${f.originator.ip}>${f.responder.ip}`;
      const r = ports.add(key, f.responder.port, f.firstTs, minPorts);
      const s = entryFor(samples, key, (): FlowRef[] => []);
      pushBounded(s, flowRef(f), 10);
      if (!r.reached) return;
      const list = [...r.members].sort((a, b) => a - b);
      out.raise({
        rule: 'scan.vertical',
        severity: 'medium',
        title: `Port scan of ${f.responder.ip} from ${f.originator.ip}`,
        description: `${f.originator.ip} probed ${r.count} ports of ${f.responder.ip} within ${windowS} s without exchanging data.`,
        ts: f.firstTs,
        src: host(f.originator),
        dst: host(f.responder),
        evidence: { ports: list.slice(0, 32), portCount: r.count, windowS },
        flows: s,
      });
      samples.delete(key);
    },
  };
}
