import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Direction } from '../../src/protocols/dissector.js';
import { DhcpDissector } from '../../src/protocols/dhcp/index.js';
import { Dhcpv6Dissector } from '../../src/protocols/dhcpv6/index.js';
import { feedWhole, type Fact, type Segment } from '../../src/protocols/harness.js';
import { describeConformance, type ConformanceVector } from './conformance.js';
import { captureSkipReason, describeUdpDifferential, list, SHARED, tsharkRows, type KeySpec } from './tshark-fields.js';

// Real DHCP bytes. Sources (see test/fixtures/README.md for licences):
//   zeek: Zeek's regression traces, BSD-3-Clause, The Regents of the University of California,
//         testing/btest/Traces/dhcp/<file> at commit a13de64fbbdb01f90961c04719b308fbbb6d199e (copies in
//         ../shared/captures/discovery/zeek/dhcp/); frame numbers are tshark's.
// Captures without a licence file (chrissanders, malcolm) or under the LGPL (nDPI) are read from ../shared
// at run time only, and those tests skip when it is absent.

const hex = (text: string): Buffer => Buffer.from(text.replace(/\s+/g, ''), 'hex');
const zeros = (n: number): string => '00'.repeat(n);
/**
 * A BOOTP/DHCP message: the first 44 octets (op .. chaddr) as given, `sname` and `file` all zero (so true of
 * every embedded Zeek message below, checked when they were extracted), the magic cookie, the options, and
 * `trailing` zero octets of padding after the END option.
 */
const bootp = (head44: string, options: string, trailing = 0): string => head44 + zeros(192) + '63825363' + options + zeros(trailing);
const fact = (from: Direction, key: string, value: Fact['value']): Fact => ({ key, value, from });
const seg = (dir: Direction, text: string): Segment => ({ dir, bytes: hex(text) });
const v4 = (name: string, segments: Segment[], expected: Fact[], exact = true): ConformanceVector => ({
  name,
  transport: 'udp',
  originatorPort: 68,
  responderPort: 67,
  segments,
  expected,
  exact,
});

// zeek dhcp/dhcp.pcap: DISCOVER, OFFER, REQUEST, ACK (frames 1, 2, 3, 6) and INFORM with a lease (9).
const DHCP_1_DISCOVER = bootp('01010600000007c0000000000000000000000000000000000000000090b11c99492900000000000000000000', '3501013204c0a8d3c20c0d62746573742e69732e636f6f6cff');
const DHCP_2_OFFER = bootp(
  '02010600000007c0000000000000000080020661ac13e6070000000090b11c99492900000000000000000000',
  '3501023604800206983304000003840104ffffff0003048002060106088002010b8002010a04088002011480020115430d6e6574776f726b2d636f6e66671c04800206ff2a0c8002011480020115800201162b0b3137322e31382e362e33373c07417275626141502c088002681d8002681e2e01020f07636d752e656475ff',
);
const DHCP_3_REQUEST = bootp('01010600000007c0000000000000000000000000000000000000000090b11c99492900000000000000000000', '3501033604800206983204c0a8d3c20c0d62746573742e69732e636f6f6cff');
const DHCP_6_ACK = bootp(
  '02010600000007c00000000000000000800206bdac13e6070000000090b11c99492900000000000000000000',
  '3501053604800206983304000003840104ffffff0003048002060106088002010b8002010a04088002011480020115430d6e6574776f726b2d636f6e66671c04800206ff2a0c8002011480020115800201162b0b3137322e31382e362e33373c07417275626141502c088002681d8002681e2e01020f07636d752e656475ff',
);
const DHCP_9_INFORM = bootp('01010600000007c4000000000000000000000000000000000000000090b11c99492900000000000000000000', '3501083304012ec3c03204800206bd0c0d62746573742e69732e636f6f6cff');
// zeek dhcp/dhcp_ack_subscriber_id_and_agent_remote_id.pcap frame 1: an ACK through a relay (option 82).
const RELAY_ACK = bootp(
  '0201060000003d110000000000000000c0a8000a0000000000000000000a2800fa4200000000000000000000',
  '3501053a04000007083b0400000c2e330400000e1036040a0a00010104ffffff005224011674686973206973206f6e6c79206120746573742e2e2e02011306072d73756249442dff',
  25,
);
// zeek dhcp/dhcp_discover_param_req_and_client_id.pcap frame 1.
const PRL_DISCOVER = bootp('0101060000003d110000000000000000000000000000000000000000000b8201fc4200000000000000000000', '3501013d0701000b8201fc423204d043dede37040103062a0c087465737430303030ff', 6);
// zeek dhcp/dhcp_inform.pcap frames 1, 2: INFORM from a configured client, ACK without an address.
const INFORM_1 = bootp('01010600a42cec51000000008002067a00000000000000000000000090b11c99492900000000000000000000', '350108370101ff');
const INFORM_2_ACK = bootp('02010600a42cec51000000008002067a00000000ac13e6070000000090b11c99492900000000000000000000', '3501053604800206980104ffffff00ff', 44);
// zeek dhcp/dhcp_time_and_nameserver.pcap frame 1: a REQUEST with an 18-item parameter request list.
const POPOS_REQUEST = bootp(
  '01010600b155616900000000000000000000000000000000000000000090f591cd1f00000000000000000000',
  '3501033204c0a80ffa0c06706f702d6f733712011c02030f06770c2c2f1a792a0405f921fcff',
  22,
);
// zeek dhcp/hw-type0.pcap frame 1: a Cisco router's REQUEST, client id type 0 (text).
const CISCO_REQUEST = bootp(
  '010106000000155c00000000c0a80003000000000000000000000000cc000ac4000000000000000000000000',
  '350103390204803d1b00636973636f2d636330302e306163342e303030302d4661302f3033040000003c0c025230370801060f2c0321962bff',
  279,
);

// Built by hand (Apache-2.0 with the rest of Vigil).
const MAC = '001b2c3d4e5f';
const head = (op: number, ciaddr = '00000000', yiaddr = '00000000', giaddr = '00000000', htype = 1, hlen = 6, chaddr = MAC): string =>
  `${op.toString(16).padStart(2, '0')}${htype.toString(16).padStart(2, '0')}${hlen.toString(16).padStart(2, '0')}00` +
  '11223344' + '0000' + '0000' + ciaddr + yiaddr + '00000000' + giaddr + (chaddr + zeros(16)).slice(0, 32);
const opt = (code: number, valueHex: string): string =>
  code.toString(16).padStart(2, '0') + (valueHex.length / 2).toString(16).padStart(2, '0') + valueHex;
const ascii = (text: string): string => Buffer.from(text, 'latin1').toString('hex');
/** A relayed DISCOVER from an infusion pump: vendor class, FQDN (wire form), vendor-specific, option 82. */
const RELAYED_DISCOVER = bootp(
  head(1, '00000000', '00000000', '0a140001'),
  opt(53, '01') +
    opt(12, ascii('PUMP-0042\0')) +
    opt(60, ascii('Alaris PC 9.19')) +
    opt(81, '050000' + '07' + ascii('pump-42') + '03' + ascii('ICU') + '00') +
    opt(55, '0103060f2b') +
    opt(43, 'aa' + 'bb'.repeat(99)) +
    opt(82, opt(1, ascii('sw3/ge1/0/14')) + opt(2, MAC)) +
    'ff',
);
/** Option 52 = 3: more options in `file` (hostname) and `sname` (vendor class), read in that order. */
const OVERLOAD_REQUEST = (() => {
  const msg = hex(bootp(head(1), opt(53, '03') + opt(52, '03') + 'ff'));
  hex(opt(12, ascii('overloaded')) + 'ff').copy(msg, 108);
  hex(opt(60, ascii('in-sname')) + 'ff').copy(msg, 44);
  return msg.toString('hex');
})();
/** A BOOTP reply (no option 53) binding an address, as RFC 951 clients still get. */
const BOOTP_REPLY = bootp(head(2, '00000000', '0a140063'), '0104ffffff00ff');
/** A reply whose options overrun: the lease time option claims 200 octets. No BOOTP binding is inferred. */
const OVERRUN_REPLY = bootp(head(2, '00000000', '0a140064'), '0104ffffff0033c8000000');
/** Non-Ethernet hardware (htype 6, IEEE 802; hlen 0) and an ASCII-form FQDN with a NUL in the hostname. */
const ODD_REQUEST = bootp(head(1, '00000000', '00000000', '00000000', 6, 0, ''), opt(53, '03') + opt(12, '6869 5c 07 0a'.replace(/ /g, '')) + opt(81, '010000' + ascii('Host.Example')) + 'ff');
const ODD_ACK = bootp(head(2, '00000000', '0a140065', '00000000', 6, 0, ''), opt(53, '05') + 'ff');

const vectors: ConformanceVector[] = [
  v4('zeek dhcp 1-6: DISCOVER, OFFER, REQUEST, ACK', [seg(0, DHCP_1_DISCOVER), seg(1, DHCP_2_OFFER), seg(0, DHCP_3_REQUEST), seg(1, DHCP_6_ACK)], [
    fact(0, 'dhcp.msg_type', 1),
    fact(0, 'dhcp.client_mac', '90:b1:1c:99:49:29'),
    fact(0, 'dhcp.requested_ip', '192.168.211.194'),
    fact(0, 'dhcp.hostname', 'btest.is.cool'),
    fact(1, 'dhcp.msg_type', 2),
    fact(1, 'dhcp.offered_ip', '90:b1:1c:99:49:29 128.2.6.97'),
    fact(1, 'dhcp.server_id', '128.2.6.152'),
    fact(1, 'dhcp.lease_time', 900),
    fact(1, 'dhcp.vendor_specific', '3137322e31382e362e3337'),
    fact(1, 'dhcp.vendor_specific_length', 11),
    fact(0, 'dhcp.msg_type', 3),
    fact(0, 'dhcp.client_mac', '90:b1:1c:99:49:29'),
    fact(0, 'dhcp.server_id', '128.2.6.152'),
    fact(0, 'dhcp.requested_ip', '192.168.211.194'),
    fact(0, 'dhcp.hostname', 'btest.is.cool'),
    fact(1, 'dhcp.msg_type', 5),
    fact(1, 'dhcp.assigned_ip', '90:b1:1c:99:49:29 128.2.6.189'),
    fact(1, 'dhcp.server_id', '128.2.6.152'),
    fact(1, 'dhcp.lease_time', 900),
    fact(1, 'dhcp.vendor_specific', '3137322e31382e362e3337'),
    fact(1, 'dhcp.vendor_specific_length', 11),
  ]),
  v4('zeek dhcp 9: INFORM asking for a lease time', [seg(0, DHCP_9_INFORM)], [
    fact(0, 'dhcp.msg_type', 8),
    fact(0, 'dhcp.client_mac', '90:b1:1c:99:49:29'),
    fact(0, 'dhcp.lease_time', 19841984),
    fact(0, 'dhcp.requested_ip', '128.2.6.189'),
    fact(0, 'dhcp.hostname', 'btest.is.cool'),
  ]),
  v4('zeek dhcp_ack_subscriber_id_and_agent_remote_id: ACK with relay agent information', [seg(1, RELAY_ACK)], [
    fact(1, 'dhcp.msg_type', 5),
    fact(1, 'dhcp.assigned_ip', '00:0a:28:00:fa:42 192.168.0.10'),
    fact(1, 'dhcp.lease_time', 3600),
    fact(1, 'dhcp.server_id', '10.10.0.1'),
    fact(1, 'dhcp.relay_circuit_id', '74686973206973206f6e6c79206120746573742e2e2e'),
    fact(1, 'dhcp.relay_remote_id', '13'),
  ]),
  v4('zeek dhcp_discover_param_req_and_client_id: DISCOVER with client id and parameter list', [seg(0, PRL_DISCOVER)], [
    fact(0, 'dhcp.msg_type', 1),
    fact(0, 'dhcp.client_mac', '00:0b:82:01:fc:42'),
    fact(0, 'dhcp.client_id', '01000b8201fc42'),
    fact(0, 'dhcp.requested_ip', '208.67.222.222'),
    fact(0, 'dhcp.param_request_list', [1, 3, 6, 42]),
    fact(0, 'dhcp.hostname', 'test0000'),
  ]),
  v4('zeek dhcp_inform: INFORM and an ACK that assigns nothing', [seg(0, INFORM_1), seg(1, INFORM_2_ACK)], [
    fact(0, 'dhcp.msg_type', 8),
    fact(0, 'dhcp.client_mac', '90:b1:1c:99:49:29'),
    fact(0, 'dhcp.client_ip', '128.2.6.122'),
    fact(0, 'dhcp.param_request_list', [1]),
    fact(1, 'dhcp.msg_type', 5),
    fact(1, 'dhcp.server_id', '128.2.6.152'),
  ]),
  v4('zeek dhcp_time_and_nameserver 1: REQUEST with an 18-item fingerprint', [seg(0, POPOS_REQUEST)], [
    fact(0, 'dhcp.msg_type', 3),
    fact(0, 'dhcp.client_mac', '00:90:f5:91:cd:1f'),
    fact(0, 'dhcp.requested_ip', '192.168.15.250'),
    fact(0, 'dhcp.hostname', 'pop-os'),
    fact(0, 'dhcp.param_request_list', [1, 28, 2, 3, 15, 6, 119, 12, 44, 47, 26, 121, 42, 4, 5, 249, 33, 252]),
  ]),
  v4('zeek hw-type0: Cisco REQUEST with a text client id', [seg(0, CISCO_REQUEST)], [
    fact(0, 'dhcp.msg_type', 3),
    fact(0, 'dhcp.client_mac', 'cc:00:0a:c4:00:00'),
    fact(0, 'dhcp.client_ip', '192.168.0.3'),
    fact(0, 'dhcp.client_id', '00636973636f2d636330302e306163342e303030302d4661302f30'),
    fact(0, 'dhcp.lease_time', 60),
    fact(0, 'dhcp.hostname', 'R0'),
    fact(0, 'dhcp.param_request_list', [1, 6, 15, 44, 3, 33, 150, 43]),
  ]),
  {
    ...v4('built: relayed DISCOVER with vendor class, FQDN, vendor-specific and option 82', [seg(0, RELAYED_DISCOVER)], [
      fact(0, 'dhcp.msg_type', 1),
      fact(0, 'dhcp.client_mac', '00:1b:2c:3d:4e:5f'),
      fact(0, 'dhcp.relay_ip', '10.20.0.1'),
      fact(0, 'dhcp.hostname', 'PUMP-0042'),
      fact(0, 'dhcp.vendor_class', 'Alaris PC 9.19'),
      fact(0, 'dhcp.fqdn', 'pump-42.icu'),
      fact(0, 'dhcp.param_request_list', [1, 3, 6, 15, 43]),
      fact(0, 'dhcp.vendor_specific', 'aa' + 'bb'.repeat(63)),
      fact(0, 'dhcp.vendor_specific_length', 100),
      fact(0, 'dhcp.relay_circuit_id', ascii('sw3/ge1/0/14')),
      fact(0, 'dhcp.relay_remote_id', MAC),
    ]),
    originatorPort: 67,
  },
  v4('built: option overload puts the hostname in file and the vendor class in sname', [seg(0, OVERLOAD_REQUEST)], [
    fact(0, 'dhcp.msg_type', 3),
    fact(0, 'dhcp.client_mac', '00:1b:2c:3d:4e:5f'),
    fact(0, 'dhcp.hostname', 'overloaded'),
    fact(0, 'dhcp.vendor_class', 'in-sname'),
  ]),
  v4('built: BOOTP reply binds; an overrunning reply binds nothing', [seg(1, BOOTP_REPLY), seg(1, OVERRUN_REPLY)], [
    fact(1, 'dhcp.assigned_ip', '00:1b:2c:3d:4e:5f 10.20.0.99'),
  ]),
  v4('built: non-Ethernet hardware, escaped hostname, ASCII FQDN', [seg(0, ODD_REQUEST), seg(1, ODD_ACK)], [
    fact(0, 'dhcp.msg_type', 3),
    fact(0, 'dhcp.hostname', 'hi\\\\\\007\\010'),
    fact(0, 'dhcp.fqdn', 'host.example'),
    fact(1, 'dhcp.msg_type', 5),
    fact(1, 'dhcp.assigned_ip', '- 10.20.0.101'),
  ]),
  v4('built: too short, op 3, and a BOOTP request without the cookie (header only)', [seg(0, '0101060000'), seg(0, bootp(head(3), opt(53, '01') + 'ff')), seg(0, head(1) + zeros(196))], [
    fact(0, 'dhcp.client_mac', '00:1b:2c:3d:4e:5f'),
  ]),
];

// DHCPv6, built by hand after RFC 8415 (no DHCPv6 capture in ../shared has a licence that allows copying).
const u16 = (n: number): string => n.toString(16).padStart(4, '0');
const o6 = (code: number, valueHex: string): string => u16(code) + u16(valueHex.length / 2) + valueHex;
const DUID_LLT = '000100012c7a1b00' + MAC;
const SERVER_DUID = '00030001' + '0a0b0c0d0e0f';
const items = (...texts: string[]): string => texts.map((t) => u16(t.length) + ascii(t)).join('');
const SOLICIT =
  '01abcdef' +
  o6(1, DUID_LLT) +
  o6(8, '0000') +
  o6(3, '0000000100000000' + '00000000') +
  o6(6, u16(23) + u16(24) + u16(39) + u16(82)) +
  o6(15, items('imaging', 'ward-7')) +
  o6(16, '00000137' + items('MSFT 5.0')) +
  o6(39, '01' + '0a' + ascii('ct-scanner') + '03' + ascii('RAD') + '00');
const ADDR = '20010db8000000000000000000001002';
const IAADDR = (address: string, valid: number): string => o6(5, address + '00001c20' + valid.toString(16).padStart(8, '0'));
const ADVERTISE = '02abcdef' + o6(3, '00000001' + '00000e10' + '00001518' + IAADDR(ADDR, 7200)) + o6(1, DUID_LLT) + o6(2, SERVER_DUID);
const REPLY = '07abcdef' + o6(1, DUID_LLT) + o6(2, SERVER_DUID) + o6(3, '00000001' + '00000e10' + '00001518' + IAADDR(ADDR, 7200) + IAADDR('20010db8000000000000000000000bad', 0));
const RELAY_FORW = '0c01' + '20010db8000000000000000000000001' + 'fe800000000000000211223344556677' + o6(18, ascii('eth0')) + o6(9, '0b123456' + o6(1, DUID_LLT) + o6(6, u16(23)));
/** A relay chain 40 deep: unwrapped only to the hop count limit. */
const DEEP_RELAY = (() => {
  let inner = '0b123456' + o6(1, DUID_LLT);
  for (let i = 0; i < 40; i++) inner = '0c00' + zeros(32) + o6(9, inner);
  return inner;
})();

const v6 = (name: string, segments: Segment[], expected: Fact[], exact = true): ConformanceVector => ({
  name,
  transport: 'udp',
  originatorPort: 546,
  responderPort: 547,
  segments,
  expected,
  exact,
});
const vectors6: ConformanceVector[] = [
  v6('built: SOLICIT, ADVERTISE, REPLY', [seg(0, SOLICIT), seg(1, ADVERTISE), seg(1, REPLY)], [
    fact(0, 'dhcpv6.msg_type', 1),
    fact(0, 'dhcpv6.client_duid', DUID_LLT),
    fact(0, 'dhcpv6.option_request', [23, 24, 39, 82]),
    fact(0, 'dhcpv6.user_class', ['imaging', 'ward-7']),
    fact(0, 'dhcpv6.vendor_enterprise', 311),
    fact(0, 'dhcpv6.vendor_class', ['MSFT 5.0']),
    fact(0, 'dhcpv6.fqdn', 'ct-scanner.rad'),
    fact(1, 'dhcpv6.msg_type', 2),
    fact(1, 'dhcpv6.offered_ip', `${DUID_LLT} 2001:db8::1002`),
    fact(1, 'dhcpv6.server_duid', SERVER_DUID),
    fact(1, 'dhcpv6.msg_type', 7),
    fact(1, 'dhcpv6.server_duid', SERVER_DUID),
    fact(1, 'dhcpv6.assigned_ip', `${DUID_LLT} 2001:db8::1002`),
  ]),
  v6('built: RELAY-FORW wrapping an INFORMATION-REQUEST', [seg(0, RELAY_FORW)], [
    fact(0, 'dhcpv6.msg_type', 12),
    fact(0, 'dhcpv6.msg_type', 11),
    fact(0, 'dhcpv6.client_duid', DUID_LLT),
    fact(0, 'dhcpv6.option_request', [23]),
  ]),
  v6('built: relay chain deeper than the hop limit', [seg(0, DEEP_RELAY)], Array.from({ length: 9 }, () => fact(0, 'dhcpv6.msg_type', 12))),
  v6('built: not DHCPv6 (empty, type 0, short header, overrunning option)', [seg(0, ''), seg(0, '00000000'), seg(0, '01ab'), seg(0, '01abcdef' + '0001ffff00')], [
    fact(0, 'dhcpv6.msg_type', 1),
  ]),
];

// Vectors from captures that may not be copied: read at run time from ../shared when it and tshark exist.
const skipWhy = captureSkipReason('dhcp.test');

/** The datagrams of `capture` as one vector per capture (direction 0 towards the server port). */
function captureVector(capture: string, filter: string, serverPort: number, clientPort: number): ConformanceVector | null {
  if (skipWhy) return null;
  const rows = tsharkRows(capture, `${filter} && udp`, ['udp.dstport', 'udp.payload']);
  if (rows.length === 0) return null;
  return {
    name: `shared ${capture} (run time only)`,
    transport: 'udp',
    originatorPort: clientPort,
    responderPort: serverPort,
    segments: rows.slice(0, 40).map(([dst, payload]) => ({ dir: (Number(dst) === serverPort ? 0 : 1) as Direction, bytes: hex(payload) })),
    expected: [],
  };
}
for (const capture of ['discovery/chrissanders/dhcp_nolease_initialization.pcapng', 'discovery/ndpi/iphone.pcap', 'discovery/ndpi/dhcp-fuzz.pcapng']) {
  const vector = captureVector(capture, 'dhcp', 67, 68);
  if (vector) vectors.push(vector);
}
for (const capture of ['discovery/chrissanders/dhcp6_outlease_acquisition.pcapng', 'discovery/malcolm/DHCP.pcap']) {
  const vector = captureVector(capture, 'dhcpv6', 547, 546);
  if (vector) vectors6.push(vector);
}

const dhcp = new DhcpDissector();
const dhcpv6 = new Dhcpv6Dissector();
describeConformance(dhcp, vectors);
describeConformance(dhcpv6, vectors6);

describe('DhcpDissector', () => {
  it('claims UDP 67 and 68', () => {
    expect(dhcp.udpPorts).toEqual([67, 68]);
    expect(dhcp.tcpPorts).toEqual([]);
    expect(dhcpv6.udpPorts).toEqual([546, 547]);
  });

  it('emits client identity only from requests, and the binding with the client MAC from the server', () => {
    const facts = feedWhole(dhcp, vectors[0]).facts;
    for (const key of ['dhcp.client_mac', 'dhcp.hostname', 'dhcp.requested_ip']) {
      expect(facts.filter((f) => f.key === key).every((f) => f.from === 0), key).toBe(true);
    }
    expect(facts.filter((f) => f.key === 'dhcp.assigned_ip')).toEqual([fact(1, 'dhcp.assigned_ip', '90:b1:1c:99:49:29 128.2.6.189')]);
  });
});

// ---------------------------------------------------------------------------------------------------------
// Differential test against tshark: every value tshark extracts for a key is emitted, and nothing emitted
// is a value tshark does not show. Recall per key is printed.


const DHCP_CAPTURES = [
  'discovery/zeek/dhcp/dhcp.pcap',
  'discovery/zeek/dhcp/dhcp_ack_subscriber_id_and_agent_remote_id.pcap',
  'discovery/zeek/dhcp/dhcp_discover_param_req_and_client_id.pcap',
  'discovery/zeek/dhcp/dhcp_inform.pcap',
  'discovery/zeek/dhcp/dhcp_time_and_nameserver.pcap',
  'discovery/zeek/dhcp/hw-type0.pcap',
  'discovery/malcolm/DHCP.pcap',
  'discovery/chrissanders/dhcp_nolease_initialization.pcapng',
  'discovery/chrissanders/dhcp_inlease_renewal.pcapng',
  'discovery/ndpi/iphone.pcap',
  'discovery/ndpi/android.pcap',
  'discovery/ndpi/dhcp-fuzz.pcapng',
  'attacks/zeek/dhcp/dhcp_flood.pcap',
];
const F4 = [
  'dhcp.type',
  'dhcp.option.dhcp',
  'dhcp.hw.mac_addr',
  'dhcp.ip.client',
  'dhcp.ip.your',
  'dhcp.ip.relay',
  'dhcp.option.requested_ip_address',
  'dhcp.option.hostname',
  'dhcp.option.request_list_item',
  'dhcp.option.vendor_class_id',
  'dhcp.option.type',
  'dhcp.option.value',
  'dhcp.option.dhcp_server_id',
  'dhcp.option.ip_address_lease_time',
  'dhcp.fqdn.name',
  'dhcp.option.agent_information_option.agent_circuit_id',
  'dhcp.option.agent_information_option.agent_remote_id',
  'dhcp.hw.type',
  'dhcp.hw.len',
] as const;
const col = (name: (typeof F4)[number]) => F4.indexOf(name);
const isRequest = (row: string[]): boolean => row[col('dhcp.type')] === '1';
const msgType = (row: string[]): string => list(row[col('dhcp.option.dhcp')])[0] ?? '';
/** chaddr is an Ethernet MAC (the first dhcp.hw.type: a client id of type 1 repeats the field). */
const ethernet = (row: string[]): boolean => list(row[col('dhcp.hw.type')])[0] === '0x01' && list(row[col('dhcp.hw.len')])[0] === '6';
const onRequest = (field: (typeof F4)[number], map = (v: string): string => v) => (row: string[]) => (isRequest(row) ? list(row[col(field)]).map(map) : []);
/** Option values by code, pairing tshark's dhcp.option.type and dhcp.option.value (END has no value, and comes last). */
const optionValues = (row: string[], code: string): string[] => {
  const types = list(row[col('dhcp.option.type')]);
  return list(row[col('dhcp.option.value')]).filter((_, i) => types[i] === code);
};
const binding = (type: string) => (row: string[]): string[] => {
  const yiaddr = row[col('dhcp.ip.your')];
  if (isRequest(row) || msgType(row) !== type || yiaddr === '0.0.0.0' || !ethernet(row)) return [];
  return [`${list(row[col('dhcp.hw.mac_addr')])[0]} ${yiaddr}`];
};

describeUdpDifferential('DHCPv4', dhcp, DHCP_CAPTURES, 'dhcp', F4, [
  { key: 'dhcp.msg_type', tshark: (row) => list(row[col('dhcp.option.dhcp')]).slice(0, 1) },
  { key: 'dhcp.client_mac', tshark: (row) => (isRequest(row) && ethernet(row) ? list(row[col('dhcp.hw.mac_addr')]).slice(0, 1) : []) },
  { key: 'dhcp.client_ip', tshark: (row) => (isRequest(row) && row[col('dhcp.ip.client')] !== '0.0.0.0' ? [row[col('dhcp.ip.client')]] : []) },
  { key: 'dhcp.relay_ip', tshark: (row) => (row[col('dhcp.ip.relay')] !== '0.0.0.0' ? [row[col('dhcp.ip.relay')]] : []) },
  { key: 'dhcp.offered_ip', tshark: binding('2') },
  { key: 'dhcp.assigned_ip', tshark: binding('5') },
  { key: 'dhcp.requested_ip', tshark: onRequest('dhcp.option.requested_ip_address') },
  { key: 'dhcp.hostname', tshark: onRequest('dhcp.option.hostname') },
  {
    key: 'dhcp.param_request_list',
    tshark: (row) => {
      const items = onRequest('dhcp.option.request_list_item')(row);
      return items.length > 0 ? [items.join(',')] : [];
    },
    ours: (facts) => facts.filter((f) => f.key === 'dhcp.param_request_list').map((f) => (f.value as number[]).join(',')),
  },
  { key: 'dhcp.vendor_class', tshark: onRequest('dhcp.option.vendor_class_id') },
  { key: 'dhcp.client_id', tshark: (row) => (isRequest(row) ? optionValues(row, '61') : []) },
  { key: 'dhcp.server_id', tshark: (row) => list(row[col('dhcp.option.dhcp_server_id')]) },
  { key: 'dhcp.lease_time', tshark: (row) => list(row[col('dhcp.option.ip_address_lease_time')]) },
  { key: 'dhcp.fqdn', tshark: onRequest('dhcp.fqdn.name', (v) => v.toLowerCase()) },
  { key: 'dhcp.vendor_specific', tshark: (row) => optionValues(row, '43').map((v) => v.slice(0, 128)) },
  { key: 'dhcp.relay_circuit_id', tshark: (row) => list(row[col('dhcp.option.agent_information_option.agent_circuit_id')]) },
  { key: 'dhcp.relay_remote_id', tshark: (row) => list(row[col('dhcp.option.agent_information_option.agent_remote_id')]) },
]);

const F6 = [
  'dhcpv6.msgtype',
  'dhcpv6.option.type',
  'dhcpv6.duid.bytes',
  'dhcpv6.requested_option_code',
  'dhcpv6.vendorclass.enterprise',
  'dhcpv6.vendorclass.data',
  'dhcpv6.client_domain',
  'dhcpv6.iaaddr.ip',
  'dhcpv6.iaaddr.valid_lifetime',
  'dhcpv6.userclass.opaque_data',
] as const;
const c6 = (name: (typeof F6)[number]) => F6.indexOf(name);
const CLIENT_TYPES = new Set(['1', '3', '4', '5', '6', '8', '9', '11']);
/** The innermost message's type (a relay's inner message comes after it in tree order). */
const inner = (row: string[]): string => list(row[c6('dhcpv6.msgtype')]).at(-1) ?? '';
const fromClient = (row: string[]): boolean => CLIENT_TYPES.has(inner(row));
/** DUIDs paired with the option (1 client, 2 server) that carried them, in tree order. */
const duids = (row: string[], code: string): string[] => {
  const carriers = list(row[c6('dhcpv6.option.type')]).filter((t) => t === '1' || t === '2');
  return list(row[c6('dhcpv6.duid.bytes')]).filter((_, i) => carriers[i] === code);
};
const grant6 = (type: string) => (row: string[]): string[] => {
  if (inner(row) !== type) return [];
  const client = duids(row, '1')[0];
  const valid = list(row[c6('dhcpv6.iaaddr.valid_lifetime')]);
  return client === undefined ? [] : list(row[c6('dhcpv6.iaaddr.ip')]).filter((_, i) => valid[i] !== '0').map((ip) => `${client} ${ip}`);
};

describeUdpDifferential(
  'DHCPv6',
  dhcpv6,
  ['discovery/malcolm/DHCP.pcap', 'discovery/chrissanders/dhcp6_outlease_acquisition.pcapng', 'discovery/ndpi/android.pcap'],
  'dhcpv6',
  F6,
  [
    { key: 'dhcpv6.msg_type', tshark: (row) => list(row[c6('dhcpv6.msgtype')]) },
    { key: 'dhcpv6.client_duid', tshark: (row) => (fromClient(row) ? duids(row, '1') : []) },
    { key: 'dhcpv6.server_duid', tshark: (row) => (fromClient(row) || inner(row) === '12' || inner(row) === '13' ? [] : duids(row, '2')) },
    {
      key: 'dhcpv6.option_request',
      tshark: (row) => (fromClient(row) && row[c6('dhcpv6.requested_option_code')] ? [list(row[c6('dhcpv6.requested_option_code')]).join(',')] : []),
      ours: (facts) => facts.filter((f) => f.key === 'dhcpv6.option_request').map((f) => (f.value as number[]).join(',')),
    },
    { key: 'dhcpv6.vendor_enterprise', tshark: (row) => (fromClient(row) ? list(row[c6('dhcpv6.vendorclass.enterprise')]) : []) },
    {
      key: 'dhcpv6.vendor_class',
      tshark: (row) => (fromClient(row) ? list(row[c6('dhcpv6.vendorclass.data')]) : []),
      ours: (facts) => facts.filter((f) => f.key === 'dhcpv6.vendor_class').flatMap((f) => f.value as string[]),
    },
    {
      key: 'dhcpv6.user_class',
      tshark: (row) => (fromClient(row) ? list(row[c6('dhcpv6.userclass.opaque_data')]) : []),
      ours: (facts) => facts.filter((f) => f.key === 'dhcpv6.user_class').flatMap((f) => (f.value as string[]).map((s) => Buffer.from(s, 'latin1').toString('hex'))),
    },
    { key: 'dhcpv6.fqdn', tshark: (row) => (fromClient(row) ? list(row[c6('dhcpv6.client_domain')]).map((v) => v.toLowerCase()) : []) },
    { key: 'dhcpv6.offered_ip', tshark: grant6('2') },
    { key: 'dhcpv6.assigned_ip', tshark: grant6('7') },
  ],
);
