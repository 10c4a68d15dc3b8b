/**
 * `dhcp.starvation`: a burst of DHCP client messages (DISCOVER, REQUEST, INFORM) within a short window,
 * from many client MACs (pool exhaustion with forged `chaddr`s) or in great number from few (a flood that
 * ties up the server). `dhcp.msg_type` and `dhcp.client_mac` of every client message are counted.
 */
import type { Observation } from '../../protocols/observation.js';
import { WindowedCounter, WindowedSets } from '../detect-util.js';
import type { DetectionRule, FindingSink } from '../rule.js';
import type { Thresholds } from '../thresholds.js';

const CLIENT_TYPES = new Set([1, 3, 8]);

export function dhcpStarvationRule(t: Thresholds): DetectionRule {
  const { windowS, minClientMacs, minDiscovers } = t['dhcp.starvation'];
  const messages = new WindowedCounter(windowS);
  const macs = new WindowedSets<string>(windowS);
  return {
    id: 'dhcp.starvation',
    rawKeys: ['dhcp.msg_type', 'dhcp.client_mac'],
    raw(o: Observation, out: FindingSink) {
      let r: { count: number; reached: boolean };
      if (o.key === 'dhcp.msg_type') {
        if (!CLIENT_TYPES.has(Number(o.value))) return;
        r = messages.add('', o.ts, minDiscovers);
      } else r = macs.add('', String(o.value), o.ts, minClientMacs);
      if (!r.reached) return;
      const what = o.key === 'dhcp.msg_type' ? `${r.count} DHCP client messages` : `DHCP client messages from ${r.count} client MACs`;
      out.raise({
        rule: 'dhcp.starvation',
        severity: 'high',
        title: 'DHCP flood',
        description: `${what} within ${windowS} s: address pool starvation or a flood of the DHCP server.`,
        ts: o.ts,
        // The flood names no one host (forged MACs, 0.0.0.0): one alert for the segment.
        src: { ip: '0.0.0.0', mac: null },
        dst: null,
        device: 'src',
        evidence: o.key === 'dhcp.msg_type' ? { messages: r.count, windowS } : { clientMacs: r.count, windowS },
      });
    },
  };
}
