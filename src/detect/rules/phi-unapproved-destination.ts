/**
 * `phi.unapproved-destination`: HL7 or DICOM carrying patient data (`hl7.phi_present`, `dicom.phi_present`)
 * (or a DICOM storage association, `dicom.abstract_syntax` ending in `Storage`) sent to a destination outside the approved set: the destinations that received patient data during the
 * learning window (the first `learningFraction` of the analysis, at most `maxLearningS`), plus a site's list.
 * A public destination is high; a local one never seen receiving patient data is medium.
 */
import type { Observation } from '../../protocols/observation.js';
import type { FlowRef, Host } from '../alert.js';
import { host, isPublic, pushBounded } from '../detect-util.js';
import type { DeviceContext } from '../device-context.js';
import type { DetectionRule, FindingSink } from '../rule.js';
import type { Thresholds } from '../thresholds.js';

interface Transfer {
  sender: Host;
  receiver: Host;
  protocol: string;
  first: number;
  last: number;
  flows: FlowRef[];
  count: number;
}

export function phiDestinationRule(t: Thresholds, approved: ReadonlySet<string> = new Set()): DetectionRule {
  const { learningFraction, maxLearningS } = t['phi.unapproved-destination'];
  const transfers = new Map<string, Transfer>();
  let first = Infinity;
  let last = -Infinity;
  return {
    id: 'phi.unapproved-destination',
    rawKeys: ['hl7.phi_present', 'dicom.phi_present', 'dicom.abstract_syntax'],
    raw(o: Observation) {
      // A storage association proposed by the requestor carries images, and images carry patient data.
      if (o.key === 'dicom.abstract_syntax' ? !String(o.value).endsWith(' Storage') : o.value !== true) return;
      const protocol = o.key.slice(0, o.key.indexOf('.'));
      first = Math.min(first, o.ts);
      last = Math.max(last, o.ts);
      const key = `${o.src.ip}>${o.dst.ip}|${protocol}`;
      let tr = transfers.get(key);
      if (!tr) {
        if (transfers.size >= 200_000) return;
        transfers.set(key, (tr = { sender: host(o.src), receiver: host(o.dst), protocol, first: o.ts, last: o.ts, flows: [], count: 0 }));
      }
      tr.count++;
      tr.first = Math.min(tr.first, o.ts);
      tr.last = Math.max(tr.last, o.ts);
      if (o.flow !== undefined) pushBounded(tr.flows, { id: o.flow, proto: 'tcp', src: o.src.ip, sport: o.src.port, dst: o.dst.ip, dport: o.dst.port, ts: o.ts }, 10);
    },
    finish(_ctx: DeviceContext, out: FindingSink) {
      if (transfers.size === 0) return;
      const learnedUntil = first + Math.min((last - first) * learningFraction, maxLearningS);
      const known = new Set<string>(approved);
      for (const tr of transfers.values()) if (tr.first <= learnedUntil) known.add(tr.receiver.ip);
      for (const tr of transfers.values()) {
        const outside = isPublic(tr.receiver.ip);
        if (!outside && (tr.first <= learnedUntil || known.has(tr.receiver.ip))) continue;
        if (outside && approved.has(tr.receiver.ip)) continue;
        out.raise({
          rule: 'phi.unapproved-destination',
          severity: outside ? 'high' : 'medium',
          title: `Patient data (${tr.protocol.toUpperCase()}) to ${outside ? 'internet address' : 'new destination'} ${tr.receiver.ip}`,
          description: `${tr.sender.ip} sent ${tr.protocol.toUpperCase()} carrying patient data to ${tr.receiver.ip}, ${outside ? 'a public address' : 'which received no patient data during the learning window and is not on the approved list'}.`,
          ts: tr.first,
          src: tr.sender,
          dst: tr.receiver,
          device: 'src',
          evidence: { protocol: tr.protocol, transfers: tr.count, public: outside, lastTs: tr.last },
          flows: tr.flows,
        });
      }
    },
  };
}
