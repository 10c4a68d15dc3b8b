/**
 * `dicom.bulk-query`: many DICOM query or retrieve associations (C-FIND, C-MOVE, C-GET) from one SCU to one
 * SCP within the window: harvesting the archive's patient list or pulling studies in bulk. The dissector
 * reports each command once per association, so associations are counted, not individual queries.
 */
import type { Observation } from '../../protocols/observation.js';
import { host, WindowedSets } from '../detect-util.js';
import type { DetectionRule, FindingSink } from '../rule.js';
import type { Thresholds } from '../thresholds.js';

const QUERIES = new Set(['C-FIND-RQ', 'C-MOVE-RQ', 'C-GET-RQ']);

export function dicomBulkQueryRule(t: Thresholds): DetectionRule {
  const { windowS, minAssociations } = t['dicom.bulk-query'];
  const associations = new WindowedSets<number>(windowS);
  return {
    id: 'dicom.bulk-query',
    rawKeys: ['dicom.command'],
    raw(o: Observation, out: FindingSink) {
      if (!QUERIES.has(String(o.value)) || o.flow === undefined) return;
      const r = associations.add(`${o.src.ip}>${o.dst.ip}`, o.flow, o.ts, minAssociations);
      if (!r.reached) return;
      out.raise({
        rule: 'dicom.bulk-query',
        severity: 'medium',
        title: `Bulk DICOM queries from ${o.src.ip} to ${o.dst.ip}`,
        description: `${o.src.ip} opened ${r.count} query/retrieve associations (${String(o.value)}...) to ${o.dst.ip} within ${windowS} s.`,
        ts: o.ts,
        src: host(o.src),
        dst: host(o.dst),
        evidence: { associations: r.count, command: String(o.value), windowS },
      });
    },
  };
}
