/**
 * `arp.spoofing`: ARP claims (`arp.ip`, every one) that contradict each other. Two shapes: an address
 * claimed by two MACs within the window (a MAC-IP conflict: poisoning, or a duplicate address); one MAC
 * claiming several addresses of one subnet (a man in the middle answering for the gateway and its victims).
 * Repeated claims of one binding (gratuitous ARP, ARP scans) contradict nothing and are not raised.
 */
import type { Observation } from '../../protocols/observation.js';
import { subnetOf } from '../../inventory/address-kinds.js';
import type { DetectionRule, FindingSink } from '../rule.js';
import type { Thresholds } from '../thresholds.js';

export function arpSpoofingRule(t: Thresholds): DetectionRule {
  const { windowS, minClaimedAddresses } = t['arp.spoofing'];
  const claimer = new Map<string, { mac: string; ts: number }>();
  const claims = new Map<string, { start: number; ips: Set<string>; raised: boolean }>();
  return {
    id: 'arp.spoofing',
    rawKeys: ['arp.ip'],
    raw(o: Observation, out: FindingSink) {
      const mac = o.src.mac;
      const ip = String(o.value);
      if (!mac) return;
      const prev = claimer.get(ip);
      claimer.set(ip, { mac, ts: o.ts });
      if (prev && prev.mac !== mac && o.ts - prev.ts <= windowS) {
        out.raise({
          rule: 'arp.spoofing',
          severity: 'high',
          title: `${ip} claimed by two MACs`,
          description: `${mac} claims ${ip}, which ${prev.mac} claimed ${Math.round(o.ts - prev.ts)} s earlier: ARP cache poisoning or an address conflict.`,
          ts: o.ts,
          src: { ip, mac },
          dst: { ip, mac: prev.mac },
          device: 'src',
          evidence: { shape: 'conflict', address: ip, macs: [prev.mac, mac] },
        });
      }
      const key = `${mac}|${subnetOf(ip)}`;
      let c = claims.get(key);
      if (!c || o.ts - c.start > windowS) claims.set(key, (c = { start: o.ts, ips: new Set(), raised: false }));
      if (c.ips.size < 256) c.ips.add(ip);
      if (!c.raised && c.ips.size >= minClaimedAddresses) {
        c.raised = true;
        const ips = [...c.ips].sort();
        out.raise({
          rule: 'arp.spoofing',
          severity: 'medium',
          title: `${mac} claims ${ips.length} addresses`,
          description: `${mac} claimed ${ips.join(', ')} by ARP within ${windowS} s: a host answering for others (ARP spoofing, or proxy ARP).`,
          ts: o.ts,
          // The address just claimed: whoever resolves it now sends its traffic to `mac`.
          src: { ip: ips[0], mac },
          dst: { ip, mac: null },
          device: 'src',
          evidence: { shape: 'multiple-addresses', mac, addresses: ips.slice(0, 32) },
        });
      }
    },
  };
}
