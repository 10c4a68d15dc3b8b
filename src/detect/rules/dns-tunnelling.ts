/**
 * `dns.tunnelling`: data carried in DNS names. Many distinct long query names (a label of at least
 * `minLabelLength` characters, or a name over 100) under one domain from one querier within the window:
 * the encoded payload of iodine, dnscat2 and DNS-based exfiltration. Reverse lookups are left out.
 */
import type { Observation } from '../../protocols/observation.js';
import { host, WindowedSets } from '../detect-util.js';
import type { DetectionRule, FindingSink } from '../rule.js';
import type { Thresholds } from '../thresholds.js';

function longestLabel(name: string): number {
  let best = 0;
  let start = 0;
  for (let i = 0; i <= name.length; i++) {
    if (i === name.length || name.charCodeAt(i) === 46) {
      if (i - start > best) best = i - start;
      start = i + 1;
    }
  }
  return best;
}

/** The last two labels: close enough to the registered domain for counting subdomains. */
function baseDomain(name: string): string {
  const parts = name.split('.');
  return parts.slice(-2).join('.');
}

export function dnsTunnellingRule(t: Thresholds): DetectionRule {
  const { windowS, minLongNames, minLabelLength } = t['dns.tunnelling'];
  const names = new WindowedSets<string>(windowS);
  return {
    id: 'dns.tunnelling',
    rawKeys: ['dns.query'],
    raw(o: Observation, out: FindingSink) {
      const name = o.value as string;
      if (name.length < minLabelLength || (longestLabel(name) < minLabelLength && name.length <= 100)) return;
      if (name.endsWith('.arpa')) return;
      const domain = baseDomain(name);
      const r = names.add(`${o.src.ip}|${domain}`, name, o.ts, minLongNames);
      if (!r.reached) return;
      out.raise({
        rule: 'dns.tunnelling',
        severity: 'high',
        title: `DNS tunnelling from ${o.src.ip} via ${domain}`,
        description: `${o.src.ip} asked ${r.count} distinct long names under ${domain} within ${windowS} s: data encoded in DNS queries.`,
        ts: o.ts,
        src: host(o.src),
        dst: host(o.dst),
        device: 'src',
        evidence: { domain, names: r.count, windowS },
      });
    },
  };
}
