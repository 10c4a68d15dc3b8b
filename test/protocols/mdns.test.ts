import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Direction, Dissector } from '../../src/protocols/dissector.js';
import { LlmnrDissector } from '../../src/protocols/llmnr/index.js';
import { IDENTITY_TXT_KEYS, MdnsDissector } from '../../src/protocols/mdns/index.js';
import { feedWhole, type Fact, type Segment } from '../../src/protocols/harness.js';
import { describeConformance, type ConformanceVector } from './conformance.js';
import { captureSkipReason, describeUdpDifferential, list, SHARED, tsharkRows, type KeySpec } from './tshark-fields.js';

// Real mDNS and LLMNR bytes. Sources (see test/fixtures/README.md for licences):
//   zeek: Zeek's regression traces, BSD-3-Clause, The Regents of the University of California,
//         testing/btest/Traces/<file> at commit a13de64fbbdb01f90961c04719b308fbbb6d199e (copies in
//         ../shared/captures/); frame numbers are tshark's.
// nDPI's captures (LGPL-3.0) are read from ../shared at run time only, and skipped when it is absent.

const hex = (text: string): Buffer => Buffer.from(text.replace(/\s+/g, ''), 'hex');
const fact = (from: Direction, key: string, value: Fact['value']): Fact => ({ key, value, from });
const seg = (dir: Direction, text: string): Segment => ({ dir, bytes: hex(text) });
const udp = (port: number, name: string, segments: Segment[], expected: Fact[], exact = true): ConformanceVector => ({
  name,
  transport: 'udp',
  originatorPort: port,
  responderPort: port,
  segments,
  expected,
  exact,
});

// zeek dns/mdns.pcap frame 1: browsing for IPP printers; frame 4: a host announcing its addresses.
const MDNS_1_QUERY = '000000000002000000000000045f697070045f746370056c6f63616c00000c0001055f69707073c011000c0001';
const MDNS_4_ANNOUNCE =
  '0000840000000006000000001c6a6f68616e6e612d51454d552d5669727475616c2d4d616368696e65056c6f63616c00001c8001000000000010fd52429ec03c8235883cd6fffee14dc40134016301640134013101650165016601660166013601640163013301380138013501330132013801630133013001630165013901320134013201350164016603697036046172706100000c8001000000000002c00cc00c001c8001000000000010fd52429ec03c823559685bc61563f82f0166013201380166013301360135013101360163016201350138013601390135c06a000c8001000000000002c00cc00c000180010000000000040a00020701370132013002313007696e2d61646472c08e000c8001000000000002c00c';
// zeek wikipedia.pcap frames 1-2: an SRV query and its answer with the host's addresses (and NSEC records).
const WIKI_1_SRV_QUERY = '0000000000010000000000000667656d696e69095f736674702d737368045f746370056c6f63616c0000210001';
const WIKI_2_SRV_ANSWER =
  '0000840000000001000000040667656d696e69095f736674702d737368045f746370056c6f63616c000021800100000078000f0000000000160667656d696e69c022c039001c8001000000780010fe800000000000000217f2fffed7cf65c039000180010000007800048d8edc32c00c002f8001000000780009c00c00050000800040c039002f8001000000780008c039000440000008';
// zeek wikipedia.pcap frame 120: an LLMNR query for a printer's name.
const WIKI_120_LLMNR = '4620000000010000000000000f4252574330434233383344314634320000010001';

// Built by hand (Apache-2.0 with the rest of Vigil).
const u16 = (n: number): string => n.toString(16).padStart(4, '0');
const wire = (name: string): string =>
  name
    .split('.')
    .map((label) => Buffer.from([Buffer.byteLength(label)]).toString('hex') + Buffer.from(label).toString('hex'))
    .join('') + '00';
const header = (flags: number, qd: number, an: number, ns = 0, ar = 0): string => ['0000', u16(flags), u16(qd), u16(an), u16(ns), u16(ar)].join('');
const rr = (name: string, type: number, rdata: string, klass = 0x8001): string => `${wire(name)}${u16(type)}${u16(klass)}00001194${u16(rdata.length / 2)}${rdata}`;
const txtData = (...strings: string[]): string => strings.map((s) => Buffer.from([Buffer.byteLength(s)]).toString('hex') + Buffer.from(s).toString('hex')).join('');
const INSTANCE = 'Ward7 Printer._ipp._tcp.local';
/** A DNS-SD printer announcement: service type, instance, SRV, TXT, host addresses; a CHAOS-class TXT is ignored. */
const PRINTER_ANNOUNCE =
  header(0x8400, 0, 5, 0, 3) +
  rr('_services._dns-sd._udp.local', 12, wire('_ipp._tcp.local'), 1) +
  rr('_ipp._tcp.local', 12, wire(INSTANCE), 1) +
  rr(INSTANCE, 33, '0000' + '0000' + u16(631) + wire('ward7-printer.local')) +
  rr(INSTANCE, 16, txtData('txtvers=1', 'ty=HP LaserJet M404', 'product=(HP LaserJet M404)', 'usb_MDL=LaserJet M404', 'pdl=application/pdf', 'TY=duplicate', '=bad', 'Color')) +
  rr(INSTANCE, 16, txtData('')) +
  rr('ward7-printer.local', 1, '0a070014') +
  rr('ward7-printer.local', 28, 'fd000000000000000000000000070014') +
  rr('ward7-printer.local', 16, txtData('model=chaos'), 3);
const PRINTER_FACTS = [
  fact(0, 'mdns.ptr', '_services._dns-sd._udp.local _ipp._tcp.local'),
  fact(0, 'mdns.ptr', `_ipp._tcp.local ward7\\032printer._ipp._tcp.local`),
  fact(0, 'mdns.srv', 'ward7\\032printer._ipp._tcp.local 631 ward7-printer.local'),
  fact(0, 'mdns.txt', 'ward7\\032printer._ipp._tcp.local ty=HP LaserJet M404'),
  fact(0, 'mdns.txt', 'ward7\\032printer._ipp._tcp.local product=(HP LaserJet M404)'),
  fact(0, 'mdns.txt', 'ward7\\032printer._ipp._tcp.local usb_mdl=LaserJet M404'),
  fact(0, 'mdns.txt_keys', ['txtvers', 'ty', 'product', 'usb_mdl', 'pdl', 'color']),
  fact(0, 'mdns.a', 'ward7-printer.local 10.7.0.20'),
  fact(0, 'mdns.aaaa', 'ward7-printer.local fd00::7:14'),
];
/** A query carrying a known answer (RFC 6762 §7.1): only the question is the sender's. */
const KNOWN_ANSWER_QUERY = header(0x0000, 1, 1) + `${wire('_ipp._tcp.local')}000c0001` + rr('_ipp._tcp.local', 12, wire(INSTANCE), 1);
/** Opcode 1 and rcode 3 responses are to be ignored (RFC 6762 §18.3, §18.11). */
const OPCODE_1 = header(0x8c00, 0, 1) + rr('x.local', 1, '01020304');
const RCODE_3 = header(0x8403, 0, 1) + rr('x.local', 1, '01020304');

/** An LLMNR response for the queried name (RFC 4795 §2.1.1): the responder claims it. */
const LLMNR_RESPONSE =
  '4620' + u16(0x8000) + '0001000200000000' + `${wire('brwc0cb383d1f42')}00010001` + `${wire('BRWC0CB383D1F42')}00010001000001e000040a070015` +
  `c00c001c0001000001e00010fe800000000000000000000000000015`;
const LLMNR_REFUSED = '4620' + u16(0x8005) + '0001000100000000' + `${wire('x')}00010001` + `c00c0001000100000000000401020304`;

const mdnsVectors: ConformanceVector[] = [
  udp(5353, 'zeek mdns 1: browsing for printers', [seg(0, MDNS_1_QUERY)], [fact(0, 'mdns.query', '_ipp._tcp.local'), fact(0, 'mdns.query', '_ipps._tcp.local')]),
  udp(5353, 'zeek mdns 4: a host announcing its addresses', [seg(0, MDNS_4_ANNOUNCE)], [
    fact(0, 'mdns.aaaa', 'johanna-qemu-virtual-machine.local fd52:429e:c03c:8235:883c:d6ff:fee1:4dc4'),
    fact(0, 'mdns.ptr', '4.c.d.4.1.e.e.f.f.f.6.d.c.3.8.8.5.3.2.8.c.3.0.c.e.9.2.4.2.5.d.f.ip6.arpa johanna-qemu-virtual-machine.local'),
    fact(0, 'mdns.aaaa', 'johanna-qemu-virtual-machine.local fd52:429e:c03c:8235:5968:5bc6:1563:f82f'),
    fact(0, 'mdns.ptr', 'f.2.8.f.3.6.5.1.6.c.b.5.8.6.9.5.5.3.2.8.c.3.0.c.e.9.2.4.2.5.d.f.ip6.arpa johanna-qemu-virtual-machine.local'),
    fact(0, 'mdns.a', 'johanna-qemu-virtual-machine.local 10.0.2.7'),
    fact(0, 'mdns.ptr', '7.2.0.10.in-addr.arpa johanna-qemu-virtual-machine.local'),
  ]),
  udp(5353, 'zeek wikipedia 1-2: SRV query and answer with addresses', [seg(0, WIKI_1_SRV_QUERY), seg(0, WIKI_2_SRV_ANSWER)], [
    fact(0, 'mdns.query', 'gemini._sftp-ssh._tcp.local'),
    fact(0, 'mdns.srv', 'gemini._sftp-ssh._tcp.local 22 gemini.local'),
    fact(0, 'mdns.aaaa', 'gemini.local fe80::217:f2ff:fed7:cf65'),
    fact(0, 'mdns.a', 'gemini.local 141.142.220.50'),
  ]),
  udp(5353, 'built: DNS-SD printer announcement', [seg(0, PRINTER_ANNOUNCE)], PRINTER_FACTS),
  udp(5353, 'built: known-answer query, ignored opcode and rcode', [seg(0, KNOWN_ANSWER_QUERY), seg(0, OPCODE_1), seg(0, RCODE_3)], [fact(0, 'mdns.query', '_ipp._tcp.local')]),
];
const llmnrVectors: ConformanceVector[] = [
  { ...udp(5355, 'zeek wikipedia 120 and a built answer', [seg(0, WIKI_120_LLMNR), seg(1, LLMNR_RESPONSE), seg(1, LLMNR_REFUSED)], [
    fact(0, 'llmnr.query', 'brwc0cb383d1f42'),
    fact(0, 'llmnr.qtype', 1),
    fact(1, 'llmnr.answer.a', 'brwc0cb383d1f42 10.7.0.21'),
    fact(1, 'llmnr.answer.aaaa', 'brwc0cb383d1f42 fe80::15'),
  ]), originatorPort: 65373 },
];

const skipWhy = captureSkipReason('mdns.test');

if (!skipWhy) {
  for (const capture of ['discovery/ndpi/iphone.pcap', 'discovery/ndpi/android.pcap']) {
    const rows = tsharkRows(capture, 'mdns && udp', ['udp.payload']);
    if (rows.length > 0) {
      mdnsVectors.push(udp(5353, `shared ${capture} (run time only)`, rows.slice(0, 8).map(([p]) => ({ dir: 0 as Direction, bytes: hex(p) })), [], false));
    }
  }
}

const mdns = new MdnsDissector();
const llmnr = new LlmnrDissector();
describeConformance(mdns, mdnsVectors);
describeConformance(llmnr, llmnrVectors);

describe('MdnsDissector and LlmnrDissector', () => {
  it('claim UDP 5353 and 5355', () => {
    expect(mdns.udpPorts).toEqual([5353]);
    expect(llmnr.udpPorts).toEqual([5355]);
  });

  it('bound the TXT keys listed per record', () => {
    const many = Array.from({ length: 40 }, (_, i) => `k${i}=v`);
    const message = header(0x8400, 0, 1) + rr('x._http._tcp.local', 16, txtData(...many, 'model=late'));
    const facts = feedWhole(mdns, udp(5353, 'many keys', [seg(0, message)], [])).facts;
    expect(facts).toHaveLength(1);
    expect((facts[0].value as string[]).length).toBe(32);
  });
});

// ---------------------------------------------------------------------------------------------------------
// Differential test against tshark. Names are compared in Vigil's form: tshark's text is turned into it
// (lower case, `\DDD` for the space and octets outside printable ASCII).

function vigilName(text: string): string {
  let out = '';
  for (const octet of Buffer.from(text, 'utf8')) {
    const c = octet >= 0x41 && octet <= 0x5a ? octet | 0x20 : octet;
    out += c > 0x20 && c < 0x7f ? String.fromCharCode(c) : `\\${String(c).padStart(3, '0')}`;
  }
  return out;
}


const FIELDS = ['dns.flags.response', 'dns.flags.opcode', 'dns.flags.rcode', 'dns.qry.name', 'dns.qry.type', 'dns.resp.name', 'dns.a', 'dns.aaaa', 'dns.ptr.domain_name', 'dns.srv.service', 'dns.srv.proto', 'dns.srv.name', 'dns.srv.port', 'dns.srv.target', 'dns.txt'] as const;
const c = (name: (typeof FIELDS)[number]) => FIELDS.indexOf(name);
const isResponse = (row: string[]): boolean => row[c('dns.flags.response')] === '1' || row[c('dns.flags.response')] === 'True';
/** Opcode 0 and rcode 0 (tshark leaves the rcode empty in queries). */
const plain = (row: string[]): boolean => row[c('dns.flags.opcode')] === '0' && (row[c('dns.flags.rcode')] ?? '') in { '': 1, '0': 1 };
/**
 * tshark's per-record owner names cannot be paired with record data reliably (SRV owners are split into
 * service, proto and name fields, NSEC type bitmaps add entries to dns.resp.type), so record data are compared
 * on their own (the part after the owner), and owners separately: every owner emitted must be one tshark shows.
 */
const responseValues = (row: string[], field: (typeof FIELDS)[number], map = (v: string): string => v): string[] =>
  isResponse(row) && plain(row) ? list(row[c(field)]).map(map) : [];
function srvValues(row: string[]): string[] {
  const ports = responseValues(row, 'dns.srv.port');
  return responseValues(row, 'dns.srv.target', vigilName).map((target, i) => `${ports[i]} ${target}`);
}
function ownerNames(row: string[]): string[] {
  const services = responseValues(row, 'dns.srv.service');
  const protos = responseValues(row, 'dns.srv.proto');
  const srv = responseValues(row, 'dns.srv.name').map((name, i) => vigilName(`${services[i]}.${protos[i]}.${name}`));
  return [...new Set([...responseValues(row, 'dns.resp.name', vigilName), ...srv])];
}
const after = (key: string) => (facts: readonly Fact[]): string[] =>
  facts.filter((f) => f.key === key).map((f) => String(f.value).slice(String(f.value).indexOf(' ') + 1));
const OWNER_KEYS = new Set(['mdns.a', 'mdns.aaaa', 'mdns.ptr', 'mdns.srv', 'mdns.txt']);
const owners = (facts: readonly Fact[]): string[] =>
  [...new Set(facts.filter((f) => OWNER_KEYS.has(f.key)).map((f) => String(f.value).slice(0, String(f.value).indexOf(' '))))];
/** TXT strings of responses, as `key=value` with the key lower-cased. */
function txtStrings(row: string[]): string[] {
  if (!isResponse(row) || !plain(row)) return [];
  return list(row[c('dns.txt')]).map((s) => {
    const eq = s.indexOf('=');
    return eq < 0 ? s.toLowerCase() : s.slice(0, eq).toLowerCase() + s.slice(eq);
  });
}
const unique = (values: string[]): string[] => [...new Set(values)];

describeUdpDifferential(
  'mDNS',
  mdns,
  ['discovery/zeek/dns/mdns.pcap', 'discovery/zeek/dns/mdns-no-assoc.pcap', 'general/zeek/wikipedia.pcap', 'general/zeek/var-services-std-ports.pcap', 'discovery/ndpi/iphone.pcap', 'discovery/ndpi/android.pcap'],
  'mdns',
  FIELDS,
  [
    { key: 'mdns.query', tshark: (row) => (!isResponse(row) && plain(row) ? list(row[c('dns.qry.name')]).map(vigilName) : []) },
    { key: 'mdns.a', tshark: (row) => responseValues(row, 'dns.a'), ours: after('mdns.a') },
    { key: 'mdns.aaaa', tshark: (row) => responseValues(row, 'dns.aaaa'), ours: after('mdns.aaaa') },
    { key: 'mdns.ptr', tshark: (row) => responseValues(row, 'dns.ptr.domain_name', vigilName), ours: after('mdns.ptr') },
    { key: 'mdns.srv', tshark: srvValues, ours: after('mdns.srv') },
    { key: 'owners of mdns.a/aaaa/ptr/srv/txt', tshark: ownerNames, ours: owners, subsetOnly: true },
    {
      key: 'mdns.txt',
      tshark: (row) => unique(txtStrings(row).filter((s) => s.indexOf('=') > 0 && IDENTITY_TXT_KEYS.has(s.slice(0, s.indexOf('='))))),
      ours: (facts) => unique(facts.filter((f) => f.key === 'mdns.txt').map((f) => String(f.value).slice(String(f.value).indexOf(' ') + 1))),
    },
    {
      key: 'mdns.txt_keys',
      tshark: (row) => unique(txtStrings(row).filter((s) => s.length > 0 && !s.startsWith('=')).map((s) => (s.includes('=') ? s.slice(0, s.indexOf('=')) : s))),
      ours: (facts) => unique(facts.filter((f) => f.key === 'mdns.txt_keys').flatMap((f) => f.value as string[])),
    },
  ],
);

describeUdpDifferential('LLMNR', llmnr, ['general/zeek/wikipedia.pcap'], 'llmnr', FIELDS, [
  { key: 'llmnr.query', tshark: (row) => (!isResponse(row) && row[c('dns.flags.opcode')] === '0' ? list(row[c('dns.qry.name')]).slice(0, 1).map(vigilName) : []) },
  { key: 'llmnr.qtype', tshark: (row) => (!isResponse(row) && row[c('dns.flags.opcode')] === '0' ? list(row[c('dns.qry.type')]).slice(0, 1) : []) },
  { key: 'llmnr.answer.a', tshark: (row) => responseValues(row, 'dns.a'), ours: after('llmnr.answer.a') },
  { key: 'llmnr.answer.aaaa', tshark: (row) => responseValues(row, 'dns.aaaa'), ours: after('llmnr.answer.aaaa') },
]);
