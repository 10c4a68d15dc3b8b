import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ipv6Text } from '../../src/decode/address-text.js';
import type { Direction } from '../../src/protocols/dissector.js';
import {
  DnsDissector,
  MAX_NAME_LENGTH,
  parseDnsMessage,
  readName,
} from '../../src/protocols/dns/index.js';
import { feed, feedWhole, type Fact, type Segment } from '../../src/protocols/harness.js';
import { describeConformance, type ConformanceVector } from './conformance.js';

// Real DNS bytes. Sources (see test/fixtures/README.md for licences):
//   zeek:    Zeek's regression traces, BSD-3-Clause, copyright The Regents of the University of California,
//            testing/btest/Traces/<file> at commit a13de64fbbdb01f90961c04719b308fbbb6d199e (copies in
//            ../shared/captures/.../zeek/); the frame numbers are tshark's.
//   dnsmasq: recorded for Vigil: dnsmasq 2.90 on 127.0.0.2:53 answering dig 9.18 (`dig +tcp +keepopen`
//            for the TCP streams), captured with dumpcap on lo.

const hex = (text: string): Buffer => Buffer.from(text.replace(/\s+/g, ''), 'hex');
const q = (value: string | number, key = 'dns.query'): Fact => ({ key, value, from: 0 });
const r = (key: string, value: string | number): Fact => ({ key, value, from: 1 });
const udp = (name: string, segments: Segment[], expected: Fact[], exact = true): ConformanceVector => ({
  name,
  transport: 'udp',
  originatorPort: 43927,
  responderPort: 53,
  segments,
  expected,
  exact,
});
const seg = (dir: Direction, text: string): Segment => ({ dir, bytes: hex(text) });

// zeek wikipedia.pcap
const WIKI_16_AAAA_QUERY = 'a7f4010000010000000000000675706c6f61640977696b696d65646961036f726700001c0001';
const WIKI_17_NODATA =
  'a7f4818000010000000100000675706c6f61640977696b696d65646961036f726700001c0001c0130006000100000db70027036e7330c0130a686f73746d6173746572c01377dde9080000a8c000001c200012750000000258';
const WIKI_18_QUERY = '673c010000010000000000000675706c6f61640977696b696d65646961036f7267046e63736104756975630365647500001c0001';
const WIKI_19_NXDOMAIN =
  '673c858300010000000100000675706c6f61640977696b696d65646961036f7267046e63736104756975630365647500001c0001c02100060001000003840023036e7330c021066e6574646576c021000063e300000e100000038400093a8000000384';
const WIKI_20_A_QUERY = '65f0010000010000000000000675706c6f61640977696b696d65646961036f72670000010001';
const WIKI_21_CNAME_A =
  '65f0818000010002000300030675706c6f61640977696b696d65646961036f72670000010001c00c000500010000007c000f0675706c6f616405706d747061c013c032000100010000086c0004d0509803c013000200010000c0480006036e7331c013c013000200010000c0480006036e7332c013c013000200010000c0480006036e7330c013c081000100010000085d0004d0509882c05d000100010000085d0004d050988ec06f000100010000085d00045bc6ae04';
const WIKI_46_AAAA_QUERY = '42fb01000001000000000000046d6574610977696b696d65646961036f726700001c0001';
const WIKI_47_CNAME_CHAIN =
  '42fb81800001000200010000046d6574610977696b696d65646961036f726700001c0001c00c00050001000002d300070474657874c011c0300005000100000251000d047465787405706d747061c011c01100060001000027920027036e7330c0110a686f73746d6173746572c01177dde9080000a8c000001c200012750000000258';
// zeek var-services-std-ports.pcap
const VAR_240_PTR_QUERY = '45270100000100000000000002333903313932033134320331343107696e2d61646472046172706100000c0001';
const VAR_241_PTR =
  '45278180000100010002000202333903313932033134320331343107696e2d61646472046172706100000c0001c00c000c000100000005001c086f736167652d766d046e63736108696c6c696e6f69730365647500c00f00020001000000050010036e7331046e6373610475697563c050c00f00020001000000050006036e7330c065c07d000100010000000500048d8e0202c061000100010000000500048d8ee690';
// zeek var-services-std-ports.pcap 170/175: docs.google.com, 16 A records, NS and glue (425 octets)
const VAR_170_QUERY = '53c20100000100000000000004646f637306676f6f676c6503636f6d0000010001';
const VAR_175_MANY_A =
  '53c28180000100100004000404646f637306676f6f676c6503636f6d0000010001c00c000100010000000500044a7de144c00c000100010000000500044a7de145c00c000100010000000500044a7de146c00c000100010000000500044a7de147c00c000100010000000500044a7de148c00c000100010000000500044a7de149c00c000100010000000500044a7de14ac00c000100010000000500044a7de14bc00c000100010000000500044a7de14cc00c000100010000000500044a7de14dc00c000100010000000500044a7de14ec00c000100010000000500044a7de14fc00c000100010000000500044a7de140c00c000100010000000500044a7de141c00c000100010000000500044a7de142c00c000100010000000500044a7de143c01100020001000000050006036e7331c011c01100020001000000050006036e7332c011c01100020001000000050006036e7334c011c01100020001000000050006036e7333c011c12d00010001000000050004d8ef200ac13f00010001000000050004d8ef220ac16300010001000000050004d8ef240ac15100010001000000050004d8ef260a';
// zeek dns/mdns-no-assoc.pcap frame 4: an unsolicited mDNS AAAA answer (same message format as DNS)
const MDNS_4_AAAA = '00008400000000010000000014756e72656c617465642d7265706c792d61616161056c6f63616c00001c0001000000780010fe800000000000000200defffeadbeef';

// dnsmasq, UDP: PTR, AAAA, REFUSED
const GEN_27 = 'd4640120000100000000000002343002333002323002313007696e2d61646472046172706100000c0001';
const GEN_28 = 'd4648580000100010000000002343002333002323002313007696e2d61646472046172706100000c0001c00c000c0001000000000018047061637309726164696f6c6f6779076578616d706c6500';
const GEN_29 = '49cf01200001000000000000047061637309726164696f6c6f6779076578616d706c6500001c0001';
const GEN_30 = '49cf85800001000100000000047061637309726164696f6c6f6779076578616d706c6500001c0001c00c001c0001000000000010fd000020000000000000000000000040';
const GEN_31 = '35780120000100000000000007756e6b6e6f776e09726164696f6c6f6779076578616d706c650000010001';
const GEN_32 = '35788185000100000000000007756e6b6e6f776e09726164696f6c6f6779076578616d706c650000010001';
// dnsmasq, TCP stream 0 (length-prefixed): A then AAAA for dicom.radiology.example, a CNAME to pacs.
const TCP0_4 = '0040a35501200001000000000001056469636f6d09726164696f6c6f6779076578616d706c65000001000100002904d000000000000c000a00080282d3dda87bcff1';
const TCP0_6 =
  '0068a35585800001000200000001056469636f6d09726164696f6c6f6779076578616d706c650000010001c00c00050001000000000018047061637309726164696f6c6f6779076578616d706c6500c035000100010000000000040a141e2800002904d0000000000000';
const TCP0_8 = '0040584301200001000000000001056469636f6d09726164696f6c6f6779076578616d706c6500001c000100002904d000000000000c000a00080282d3dda87bcff1';
const TCP0_9 =
  '0074584385800001000200000001056469636f6d09726164696f6c6f6779076578616d706c6500001c0001c00c00050001000000000018047061637309726164696f6c6f6779076578616d706c6500c035001c0001000000000010fd00002000000000000000000000004000002904d0000000000000';
// dnsmasq, TCP stream 1: TXT, MX, SRV for radiology.example.
const TCP1_16 = '003a90c30120000100000000000109726164696f6c6f6779076578616d706c65000010000100002904d000000000000c000a0008c8c66e5c3915aed9';
const TCP1_18 = '005090c38580000100010000000109726164696f6c6f6779076578616d706c650000100001c00c001000010000000000160b763d73706631202d616c6c0961653d50414353303100002904d0000000000000';
const TCP1_20 = '003aee420120000100000000000109726164696f6c6f6779076578616d706c6500000f000100002904d000000000000c000a0008c8c66e5c3915aed9';
const TCP1_21 = '0054ee428580000100010000000109726164696f6c6f6779076578616d706c6500000f0001c00c000f000100000000001a000a046d61696c09726164696f6c6f6779076578616d706c650000002904d0000000000000';
const TCP1_22 = '00464aa601200001000000000001065f6469636f6d045f74637009726164696f6c6f6779076578616d706c65000021000100002904d000000000000c000a0008c8c66e5c3915aed9';
const TCP1_23 =
  '00904aa685800001000100000003065f6469636f6d045f74637009726164696f6c6f6779076578616d706c650000210001c00c0021000100000000001e0000000a0068047061637309726164696f6c6f6779076578616d706c6500c041000100010000000000040a141e28c041001c0001000000000010fd00002000000000000000000000004000002904d0000000000000';

/** Adds the TCP length prefix (RFC 1035 §4.2.2). */
const tcpFrame = (text: string): string => (text.length / 2).toString(16).padStart(4, '0') + text;
/** Strips the TCP length prefix. */
const body = (text: string): Buffer => hex(text).subarray(2);

// Hostile messages, built by hand.
/** Wire form of a dotted name. */
function wireName(name: string): string {
  if (name === '') return '00';
  return (
    name
      .split('.')
      .map((label) => Buffer.from([label.length]).toString('hex') + Buffer.from(label, 'latin1').toString('hex'))
      .join('') + '00'
  );
}
const u16 = (n: number): string => n.toString(16).padStart(4, '0');
const header = (id: number, flags: number, qd: number, an: number, ns = 0, ar = 0): string =>
  [id, flags, qd, an, ns, ar].map(u16).join('');
const question = (nameHex: string, type = 1): string => `${nameHex}${u16(type)}0001`;
const rr = (nameHex: string, type: number, rdataHex: string): string =>
  `${nameHex}${u16(type)}0001${'00000e10'}${u16(rdataHex.length / 2)}${rdataHex}`;

/** A query whose name is a pointer to itself (offset 12). */
const SELF_POINTER_QUERY = header(0x1001, 0x0100, 1, 0) + question('c00c');
/** A query whose name is a label then a pointer back to that label: a loop that grows the name each turn. */
const GROWING_LOOP_QUERY = header(0x1002, 0x0100, 1, 0) + question('0161c00c');
/**
 * A response: question loop.example A; a CNAME whose target points at itself (offset 42 = its own rdata);
 * then a sound A record. The loop costs the CNAME only.
 */
const LOOP_RESPONSE =
  header(0x1003, 0x8180, 1, 2) + question(wireName('loop.example')) + rr('c00c', 5, 'c02a') + rr('c00c', 1, '01020304');
const LABEL_63 = 'a'.repeat(63);
/** 4 labels of 63: 257 octets on the wire, over RFC 1035's 255. */
const LONG_NAME_QUERY = header(0x1004, 0x0100, 1, 0) + question(wireName([LABEL_63, LABEL_63, LABEL_63, LABEL_63].join('.')));
/**
 * A response whose question name is 193 octets (legal), then an A record owned by a 63-octet label plus a
 * pointer to the question name: 257 octets once decompressed, so dropped; then a sound A record.
 */
const LONG_AFTER_DECOMPRESSION =
  header(0x1005, 0x8180, 1, 2) +
  question(wireName([LABEL_63, LABEL_63, LABEL_63].join('.'))) +
  rr(wireName(LABEL_63).slice(0, -2) + 'c00c', 1, '0a000001') +
  rr(wireName('ok.example'), 1, '0a000002');
/** A header that promises 65535 answers and carries none. */
const EMPTY_PROMISES = header(0x1006, 0x8183, 0xffff, 0xffff, 0xffff, 0xffff);

const vectors: ConformanceVector[] = [
  udp('zeek wikipedia 16-17: AAAA query, NOERROR with only an SOA', [seg(0, WIKI_16_AAAA_QUERY), seg(1, WIKI_17_NODATA)], [
    q('upload.wikimedia.org'),
    q(28, 'dns.qtype'),
  ]),
  udp('zeek wikipedia 18-19: NXDOMAIN for a search-list name', [seg(0, WIKI_18_QUERY), seg(1, WIKI_19_NXDOMAIN)], [
    q('upload.wikimedia.org.ncsa.uiuc.edu'),
    q(28, 'dns.qtype'),
    r('dns.rcode', 3),
  ]),
  udp('zeek wikipedia 20-21: A answered by a CNAME, an A and glue', [seg(0, WIKI_20_A_QUERY), seg(1, WIKI_21_CNAME_A)], [
    q('upload.wikimedia.org'),
    q(1, 'dns.qtype'),
    r('dns.answer.cname', 'upload.wikimedia.org upload.pmtpa.wikimedia.org'),
    r('dns.answer.a', 'upload.pmtpa.wikimedia.org 208.80.152.3'),
    r('dns.answer.a', 'ns0.wikimedia.org 208.80.152.130'),
    r('dns.answer.a', 'ns1.wikimedia.org 208.80.152.142'),
    r('dns.answer.a', 'ns2.wikimedia.org 91.198.174.4'),
  ]),
  udp('zeek wikipedia 46-47: AAAA answered by a CNAME chain', [seg(0, WIKI_46_AAAA_QUERY), seg(1, WIKI_47_CNAME_CHAIN)], [
    q('meta.wikimedia.org'),
    q(28, 'dns.qtype'),
    r('dns.answer.cname', 'meta.wikimedia.org text.wikimedia.org'),
    r('dns.answer.cname', 'text.wikimedia.org text.pmtpa.wikimedia.org'),
  ]),
  udp('zeek var-services 240-241: PTR with glue', [seg(0, VAR_240_PTR_QUERY), seg(1, VAR_241_PTR)], [
    q('39.192.142.141.in-addr.arpa'),
    q(12, 'dns.qtype'),
    r('dns.answer.ptr', '39.192.142.141.in-addr.arpa osage-vm.ncsa.illinois.edu'),
    r('dns.answer.a', 'ns0.ncsa.uiuc.edu 141.142.2.2'),
    r('dns.answer.a', 'ns1.ncsa.uiuc.edu 141.142.230.144'),
  ]),
  {
    ...udp('zeek mdns-no-assoc 4: AAAA answer in mDNS (message format only)', [seg(0, MDNS_4_AAAA)], [
      q('unrelated-reply-aaaa.local fe80::200:deff:fead:beef', 'dns.answer.aaaa'),
    ]),
    originatorPort: 5353,
    responderPort: 5353,
  },
  udp(
    'dnsmasq UDP: PTR, AAAA, REFUSED',
    [seg(0, GEN_27), seg(1, GEN_28), seg(0, GEN_29), seg(1, GEN_30), seg(0, GEN_31), seg(1, GEN_32)],
    [
      q('40.30.20.10.in-addr.arpa'),
      q(12, 'dns.qtype'),
      r('dns.answer.ptr', '40.30.20.10.in-addr.arpa pacs.radiology.example'),
      q('pacs.radiology.example'),
      q(28, 'dns.qtype'),
      r('dns.answer.aaaa', 'pacs.radiology.example fd00:20::40'),
      q('unknown.radiology.example'),
      q(1, 'dns.qtype'),
      r('dns.rcode', 5),
    ],
  ),
  {
    name: 'dnsmasq TCP: two queries and two answers on one connection',
    transport: 'tcp',
    originatorPort: 38707,
    responderPort: 53,
    segments: [seg(0, TCP0_4), seg(1, TCP0_6), seg(0, TCP0_8), seg(1, TCP0_9)],
    expected: [
      q('dicom.radiology.example'),
      q(1, 'dns.qtype'),
      r('dns.answer.cname', 'dicom.radiology.example pacs.radiology.example'),
      r('dns.answer.a', 'pacs.radiology.example 10.20.30.40'),
      q('dicom.radiology.example'),
      q(28, 'dns.qtype'),
      r('dns.answer.cname', 'dicom.radiology.example pacs.radiology.example'),
      r('dns.answer.aaaa', 'pacs.radiology.example fd00:20::40'),
    ],
    exact: true,
  },
  {
    // RFC 7766 §6.2.1.1 pipelining: both queries in one segment, both answers in the next.
    name: 'dnsmasq TCP: the same two exchanges pipelined',
    transport: 'tcp',
    originatorPort: 38707,
    responderPort: 53,
    segments: [seg(0, TCP0_4 + TCP0_8), seg(1, TCP0_6 + TCP0_9)],
    expected: [
      q('dicom.radiology.example'),
      q(1, 'dns.qtype'),
      q(28, 'dns.qtype'),
      r('dns.answer.a', 'pacs.radiology.example 10.20.30.40'),
      r('dns.answer.aaaa', 'pacs.radiology.example fd00:20::40'),
    ],
  },
  {
    name: 'dnsmasq TCP: TXT, MX and SRV on one connection',
    transport: 'tcp',
    originatorPort: 36889,
    responderPort: 53,
    segments: [seg(0, TCP1_16), seg(1, TCP1_18), seg(0, TCP1_20), seg(1, TCP1_21), seg(0, TCP1_22), seg(1, TCP1_23)],
    expected: [
      q('radiology.example'),
      q(16, 'dns.qtype'),
      q('radiology.example'),
      q(15, 'dns.qtype'),
      q('_dicom._tcp.radiology.example'),
      q(33, 'dns.qtype'),
      r('dns.answer.a', 'pacs.radiology.example 10.20.30.40'),
      r('dns.answer.aaaa', 'pacs.radiology.example fd00:20::40'),
    ],
    exact: true,
  },
  {
    // The UDP exchange above re-framed as DNS over TCP, so the length prefix's high octet matters (0x01a9).
    // A second exchange follows, so a length prefix split after its high octet must not leak into the next.
    name: 'zeek var-services 170/175 and wikipedia 20/21 in TCP framing: a 425-octet answer first',
    transport: 'tcp',
    originatorPort: 59573,
    responderPort: 53,
    segments: [
      seg(0, tcpFrame(VAR_170_QUERY)),
      seg(1, tcpFrame(VAR_175_MANY_A)),
      seg(0, tcpFrame(WIKI_20_A_QUERY)),
      seg(1, tcpFrame(WIKI_21_CNAME_A)),
    ],
    expected: [
      q('docs.google.com'),
      q(1, 'dns.qtype'),
      r('dns.answer.a', 'docs.google.com 74.125.225.68'),
      r('dns.answer.a', 'docs.google.com 74.125.225.67'),
      r('dns.answer.a', 'ns4.google.com 216.239.38.10'),
      q('upload.wikimedia.org'),
      r('dns.answer.a', 'upload.pmtpa.wikimedia.org 208.80.152.3'),
    ],
  },
  udp('hostile: query name is a pointer to itself', [seg(0, SELF_POINTER_QUERY)], []),
  udp('hostile: label and pointer looping back to it', [seg(0, GROWING_LOOP_QUERY)], []),
  udp('hostile: CNAME target pointing at itself, then a sound A', [seg(1, LOOP_RESPONSE)], [
    r('dns.answer.a', 'loop.example 1.2.3.4'),
  ]),
  udp('hostile: 257-octet name', [seg(0, LONG_NAME_QUERY)], []),
  udp('hostile: name over 255 octets only once decompressed', [seg(1, LONG_AFTER_DECOMPRESSION)], [
    r('dns.answer.a', 'ok.example 10.0.0.2'),
  ]),
  udp('hostile: header promising 65535 of everything', [seg(1, EMPTY_PROMISES)], [r('dns.rcode', 3)]),
  {
    name: 'hostile TCP: zero-length message, then a loop, then a real query',
    transport: 'tcp',
    originatorPort: 40000,
    responderPort: 53,
    segments: [seg(0, '0000' + u16(SELF_POINTER_QUERY.length / 2) + SELF_POINTER_QUERY + TCP0_4)],
    expected: [q('dicom.radiology.example'), q(1, 'dns.qtype')],
    exact: true,
  },
];

const dissector = new DnsDissector();

describeConformance(dissector, vectors);

describe('DnsDissector', () => {
  it('claims UDP and TCP port 53 only, leaving mDNS and LLMNR to their own dissectors', () => {
    expect(dissector.name).toBe('dns');
    expect(dissector.udpPorts).toEqual([53]);
    expect(dissector.tcpPorts).toEqual([53]);
    expect(dissector.reassemble).toBe(true);
  });

  it('emits facts from the side that sent them', () => {
    const vector = vectors[2];
    const facts = feedWhole(dissector, vector).facts;
    expect(facts.filter((f) => f.key === 'dns.query').every((f) => f.from === 0)).toBe(true);
    expect(facts.filter((f) => f.key.startsWith('dns.answer.')).every((f) => f.from === 1)).toBe(true);
  });

  it('skips a TCP message longer than its cap and keeps the framing', () => {
    const small = new DnsDissector({ maxTcpMessage: 100 });
    const big = Buffer.concat([hex('00c8'), Buffer.alloc(200, 0x41), hex(TCP0_4)]);
    const result = feed(small, { transport: 'tcp', originatorPort: 1, responderPort: 53, segments: [] }, [
      { dir: 0, bytes: big.subarray(0, 7) },
      { dir: 0, bytes: big.subarray(7, 150) },
      { dir: 0, bytes: big.subarray(150) },
    ]);
    expect(result.threw).toBe(false);
    expect(result.facts).toEqual([q('dicom.radiology.example'), q(1, 'dns.qtype')]);
  });

  it('after a TCP gap inside a message, loses only that message', () => {
    const stream = hex(TCP0_4 + TCP0_8);
    const { facts, session } = openTcp();
    session.data(0, stream, 0, 20);
    session.gap?.(0, hex(TCP0_4).length - 20);
    session.data(0, stream, hex(TCP0_4).length, stream.length - hex(TCP0_4).length);
    expect(facts).toEqual([q('dicom.radiology.example'), q(28, 'dns.qtype')]);
  });

  it('after a TCP gap over a length prefix, gives up on that direction, and is done once both are lost', () => {
    const stream = hex(TCP0_4 + TCP0_8);
    const { facts, session } = openTcp();
    session.data(0, stream, 0, 1);
    session.gap?.(0, 5);
    session.data(0, stream, hex(TCP0_4).length, stream.length - hex(TCP0_4).length);
    expect(facts).toEqual([]);
    expect(session.done).toBe(false);
    session.gap?.(1, 10);
    expect(session.done).toBe(true);
  });

  it('parses a pointer loop in bounded time', () => {
    // Every name in the message is a chain of pointers to the previous one, ending in a loop.
    const parts = [header(0x2000, 0x0100, 200, 0)];
    for (let i = 0; i < 200; i++) parts.push(question(u16(0xc000 | (i === 0 ? 12 : 12 + (i - 1) * 6))));
    const message = hex(parts.join(''));
    const started = performance.now();
    const result = feed(dissector, { transport: 'udp', originatorPort: 1, responderPort: 53, segments: [] }, [{ dir: 0, bytes: message }]);
    expect(performance.now() - started).toBeLessThan(1000);
    expect(result.facts).toEqual([]);
  });
});

describe('parseDnsMessage', () => {
  it('reads TXT, MX and SRV data in master-file order', () => {
    expect(parseDnsMessage(body(TCP1_18))?.answers[0].data).toEqual(['v=spf1 -all', 'ae=PACS01']);
    expect(parseDnsMessage(body(TCP1_21))?.answers[0].data).toBe('10 mail.radiology.example');
    const srv = parseDnsMessage(body(TCP1_23));
    // tshark: priority 0, weight 10, port 104, target pacs.radiology.example
    expect(srv?.answers[0]).toMatchObject({ name: '_dicom._tcp.radiology.example', type: 33, data: '0 10 104 pacs.radiology.example' });
    expect(srv?.additionals.map((rec) => rec.data)).toEqual(['10.20.30.40', 'fd00:20::40', null]);
    expect(srv?.additionals[2]).toMatchObject({ name: '<Root>', type: 41 });
  });

  it('reads NS and SOA sections and header flags', () => {
    const message = parseDnsMessage(hex(WIKI_21_CNAME_A));
    expect(message).toMatchObject({ id: 0x65f0, isResponse: true, opcode: 0, recursionAvailable: true, rcode: 0, malformed: false });
    expect(message?.authorities.map((rec) => `${rec.name} ${rec.data}`)).toEqual([
      'wikimedia.org ns1.wikimedia.org',
      'wikimedia.org ns2.wikimedia.org',
      'wikimedia.org ns0.wikimedia.org',
    ]);
    const nodata = parseDnsMessage(hex(WIKI_17_NODATA));
    expect(nodata?.authorities[0]).toMatchObject({ name: 'wikimedia.org', type: 6, ttl: 3511, data: null });
  });

  it('keeps what came before a fault and says the message is malformed', () => {
    const cut = hex(WIKI_21_CNAME_A).subarray(0, 70);
    const message = parseDnsMessage(cut);
    expect(message?.malformed).toBe(true);
    expect(message?.questions).toHaveLength(1);
    expect(message?.answers.map((rec) => rec.data)).toEqual(['upload.pmtpa.wikimedia.org']);
    expect(parseDnsMessage(hex('0001'))).toBeNull();
  });
});

describe('domain names', () => {
  const at12 = (nameHex: string): string | null => {
    const buf = hex(header(0, 0, 1, 0) + nameHex);
    return readName(buf, 0, buf.length, 12);
  };

  it('are lower-cased, escaped like master files, and the root is <Root> as tshark shows it', () => {
    expect(at12('00')).toBe('<Root>');
    // tshark shows "Ab c.D\.x\000y.COM": we also lower-case, and escape the space so values can be split on it.
    expect(at12('07416220632e445c0378007903434f4d00')).toBe('ab\\032c\\.d\\\\.x\\000y.com');
    expect(at12('03613d6202c3a900')).toBe('a=b.\\195\\169');
  });

  it('stop at 255 octets', () => {
    const label61 = 'b'.repeat(61);
    expect(at12(wireName([LABEL_63, LABEL_63, LABEL_63, label61].join('.')))).toHaveLength(MAX_NAME_LENGTH - 2);
    expect(at12(wireName([LABEL_63, LABEL_63, LABEL_63, label61 + 'b'].join('.')))).toBeNull();
  });

  it('reject reserved label types and pointers out of the message', () => {
    expect(at12('416100')).toBeNull();
    expect(at12('816100')).toBeNull();
    expect(at12('c0ff')).toBeNull();
    expect(at12('0361')).toBeNull();
  });
});

describe('ipv6Text', () => {
  it('writes RFC 5952 text', () => {
    const cases: Array<[string, string]> = [
      ['20010db8000000000000000000000001', '2001:db8::1'],
      ['20010db8000000010000000000000001', '2001:db8:0:1::1'],
      ['00010000000000010000000000000001', '1:0:0:1::1'],
      ['00000000000000000000000000000000', '::'],
      ['00000000000000000000000000000001', '::1'],
      ['00010000000000000000000000000000', '1::'],
      ['20010db8000100010001000100010001', '2001:db8:1:1:1:1:1:1'],
      ['20010db8000000010001000100010001', '2001:db8:0:1:1:1:1:1'],
      ['00000000000000000000ffff01020304', '::ffff:1.2.3.4'],
      ['fe800000000000000200defffeadbeef', 'fe80::200:deff:fead:beef'],
    ];
    for (const [bytes, text] of cases) expect(ipv6Text(hex(bytes), 0)).toBe(text);
  });
});

function openTcp() {
  const facts: Fact[] = [];
  const session = dissector.open({
    emit: (key, value, from) => facts.push({ key, value, from }),
    ts: 0,
    transport: 'tcp',
    originatorPort: 40000,
    responderPort: 53,
  });
  return { facts, session };
}

// Differential test against tshark over every DNS message in the BSD-licensed Zeek captures of ../shared.
const SHARED = new URL('../../../shared/captures/', import.meta.url);
const CAPTURES = [
  'general/zeek/wikipedia.pcap',
  'general/zeek/var-services-std-ports.pcap',
  'general/zeek/modbus/modbusSmall.pcap',
  'attacks/zeek/nmap-vsn.pcap',
  'discovery/zeek/dns/mdns.pcap',
  'discovery/zeek/dns/mdns-no-assoc.pcap',
];
const haveShared = existsSync(SHARED);
const haveTshark = spawnSync('tshark', ['-v'], { stdio: 'ignore' }).status === 0;
const skipWhy = !haveShared ? '../shared is absent' : !haveTshark ? 'tshark is not installed' : '';
if (skipWhy) console.info(`dns.test: skipping the tshark differential test: ${skipWhy}`);

describe.skipIf(skipWhy !== '')('DNS against tshark on the Zeek captures', () => {
  const FIELDS = ['udp.payload', 'dns.flags.response', 'dns.flags.opcode', 'dns.qry.name', 'dns.qry.type', 'dns.a', 'dns.aaaa', 'dns.cname', 'dns.ptr.domain_name', 'dns.flags.rcode'];

  for (const capture of CAPTURES) {
    it(capture, () => {
      const out = execFileSync(
        'tshark',
        ['-r', new URL(capture, SHARED).pathname, '-Y', '(dns || mdns) && udp', '-T', 'fields', '-E', 'occurrence=a', '-E', 'aggregator=|', ...FIELDS.flatMap((f) => ['-e', f])],
        { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] },
      );
      const lines = out.split('\n').filter((line) => line.length > 0);
      expect(lines.length).toBeGreaterThan(0);
      for (const line of lines) {
        const [payload, response, opcode, qnames, qtypes, a, aaaa, cname, ptr, rcode] = line.split('\t');
        const list = (field: string): string[] => (field === '' ? [] : field.split('|'));
        const facts = feedWhole(dissector, { transport: 'udp', originatorPort: 1, responderPort: 53, segments: [{ dir: 0, bytes: hex(payload) }] }).facts;
        const values = (key: string): string[] => facts.filter((f) => f.key === key).map((f) => String(f.value));
        const data = (key: string): string[] => values(key).map((v) => v.slice(v.indexOf(' ') + 1)).sort();
        const context = `${capture}: ${payload}`;
        if (response === '0' || response === 'False') {
          if (opcode !== '0') continue;
          expect(values('dns.query'), context).toEqual(list(qnames).map((n) => n.toLowerCase()));
          expect(values('dns.qtype'), context).toEqual(list(qtypes));
        } else {
          expect(data('dns.answer.a'), context).toEqual(list(a).sort());
          expect(data('dns.answer.aaaa'), context).toEqual(list(aaaa).sort());
          expect(data('dns.answer.cname'), context).toEqual(list(cname).map((n) => n.toLowerCase()).sort());
          expect(data('dns.answer.ptr'), context).toEqual(list(ptr).map((n) => n.toLowerCase()).sort());
          expect(values('dns.rcode'), context).toEqual(rcode === '0' ? [] : [rcode]);
        }
      }
    });
  }
});
