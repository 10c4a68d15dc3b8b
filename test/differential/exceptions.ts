import type { Difference, PairSplit } from './compare.js';

/**
 * A difference between Vigil and tshark 4.0 that is meant. Each names one capture (its path under
 * ../shared/captures), the check, the exact text the comparison prints for the difference, and
 * why. A conversation count difference also lists every pair the two tools split differently;
 * the exception must say, as a predicate, what each of those pairs has to look like, so a new
 * split of another kind in the same capture is still reported.
 *
 * The test fails on an exception that matches no difference, so the table cannot go stale.
 */
export interface DifferentialException {
  capture: string;
  check: Difference['check'];
  detail: string;
  pairs?: { rule: string; test: (p: PairSplit) => boolean };
  reason: string;
}

const port = (pair: string, n: number) => pair.split(' <-> ').some((e) => e.endsWith(`:${n}`));

const SNMP_SPLIT = {
  rule: 'a pair on port 161 or 162 that tshark shows as two rows, one of them a single frame, and Vigil as one flow',
  test: (p: PairSplit) =>
    (port(p.pair, 161) || port(p.pair, 162)) && p.tsharkRows === 2 && p.tsharkRowFrames.includes(1) && p.vigilFlows === 1,
};
const SNMP_REASON =
  "tshark's SNMP dissector looks up the packet's conversation and, when that conversation has no SNMP dissector " +
  'attached (true of the one the UDP dissector made for the first packet of a pair), creates a second conversation ' +
  'for the same addresses and ports (packet-snmp.c, snmp_find_conversation_and_get_conv_data). Every later packet ' +
  "of the pair finds that newer conversation, so tshark's table shows the pair's first frame as a row of its own. " +
  'One address/port pair is one UDP flow for Vigil.';

const snmp = (capture: string, detail: string): DifferentialException => ({
  capture,
  check: 'udp-conversations',
  detail,
  pairs: SNMP_SPLIT,
  reason: SNMP_REASON,
});

const DHCP_FUZZED_FRAGMENT =
  'frame 72 of this fuzzed capture is an IPv4 first fragment (MF set, offset 0) of a 768-byte datagram of which 92 bytes ' +
  'were captured. tshark does not reassemble a fragment it did not capture whole (packet-ip.c: tvb_bytes_exist) and ' +
  'dissects a first fragment as if unfragmented, so it shows UDP 514 > 546 and a conversation for it. Vigil gives a ' +
  'fragment that completes no datagram no layer 4 (DecodedPacket.fragment) and counts this one as ipv4 ' +
  '"fragment cut by snaplen".';

export const EXCEPTIONS: readonly DifferentialException[] = [
  {
    capture: 'discovery/malcolm/DHCP.pcap',
    check: 'frame',
    detail: 'frame 72 (eth:ethertype:ip:udp:syslog): tshark 251.73.86.150 > 126.172.217.192 udp 514 > 546, vigil 251.73.86.150 > 126.172.217.192',
    reason: DHCP_FUZZED_FRAGMENT,
  },
  {
    capture: 'discovery/malcolm/DHCP.pcap',
    check: 'udp-pairs',
    detail: '126.172.217.192:546 <-> 251.73.86.150:514: tshark 1 frames, vigil has no flow',
    reason: DHCP_FUZZED_FRAGMENT,
  },
  {
    capture: 'discovery/malcolm/DHCP.pcap',
    check: 'udp-conversations',
    detail: 'tshark 18 rows, vigil 17 flows, 1 pair(s) split differently',
    pairs: {
      rule: 'only the pair of frame 72',
      test: (p) => p.pair === '126.172.217.192:546 <-> 251.73.86.150:514' && p.tsharkRows === 1 && p.vigilFlows === 0,
    },
    reason: DHCP_FUZZED_FRAGMENT,
  },
  snmp('discovery/ndpi/snmp.pcap', 'tshark 34 rows, vigil 17 flows, 17 pair(s) split differently'),
  snmp('discovery/zeek/snmp/snmpv1_get.pcap', 'tshark 58 rows, vigil 30 flows, 28 pair(s) split differently'),
  snmp('discovery/zeek/snmp/snmpv1_set.pcap', 'tshark 2 rows, vigil 1 flows, 1 pair(s) split differently'),
  snmp('discovery/zeek/snmp/snmpv2_get.pcap', 'tshark 2 rows, vigil 1 flows, 1 pair(s) split differently'),
  snmp('discovery/zeek/snmp/snmpv2_get_bulk.pcap', 'tshark 2 rows, vigil 1 flows, 1 pair(s) split differently'),
  snmp('discovery/zeek/snmp/snmpv2_get_next.pcap', 'tshark 8 rows, vigil 4 flows, 4 pair(s) split differently'),
  snmp('discovery/zeek/snmp/snmpv3_get_next.pcap', 'tshark 2 rows, vigil 1 flows, 1 pair(s) split differently'),
  snmp('discovery/zeek/snmp/snmpwalk-short.pcap', 'tshark 2 rows, vigil 1 flows, 1 pair(s) split differently'),
];

/** Why `exception` does not cover `d`, or null when it does. */
export function uncovered(exception: DifferentialException, d: Difference): string | null {
  if (!d.pairs) return null;
  if (!exception.pairs) return 'the difference splits pairs but the exception names no rule for them';
  const bad = d.pairs.filter((p) => !exception.pairs!.test(p));
  if (bad.length === 0) return null;
  const text = (p: PairSplit) =>
    `${p.pair} (tshark ${p.tsharkRows} rows of ${p.tsharkRowFrames.join('+')} frames, vigil ${p.vigilFlows} flows on ${p.vigilVlans} VLANs)`;
  return `pairs outside the rule "${exception.pairs.rule}": ${bad.map(text).join('; ')}`;
}
