/**
 * Fuzz run: mutated and random inputs through dissectors via the harness, counting crashes (a throw, or a
 * write into the input buffer) and hangs (one input over the time limit). `npm run fuzz -- [--iterations N]
 * [--only name,name] [--seed S] [--limit-ms MS] [--show-seeds]`. Exit code 1 if anything crashed or hung.
 *
 * Each target is a dissector and seed vectors of real or hand-built messages; three inputs in four are
 * mutations of a seed (harness `mutateVector`: bit flips, extreme octets and words, copied ranges,
 * insertions, deletions, dropped and repeated datagrams), one in four is random octets on the seed's ports.
 * To fuzz another dissector, add a target to TARGETS.
 */
import { performance } from 'node:perf_hooks';
import type { Direction, Dissector } from '../src/protocols/dissector.js';
import { DhcpDissector } from '../src/protocols/dhcp/index.js';
import { Dhcpv6Dissector } from '../src/protocols/dhcpv6/index.js';
import { LlmnrDissector } from '../src/protocols/llmnr/index.js';
import { MdnsDissector } from '../src/protocols/mdns/index.js';
import { NbnsDissector } from '../src/protocols/nbns/index.js';
import { describeVector, feed, mulberry32, mutateVector, planSplit, randomInt, randomVector, type Vector } from '../src/protocols/harness.js';

interface Target {
  dissector: Dissector;
  seeds: Vector[];
}

const hex = (text: string): Buffer => Buffer.from(text, 'hex');
const udp = (originatorPort: number, responderPort: number, ...datagrams: Array<[Direction, string]>): Vector => ({
  transport: 'udp',
  originatorPort,
  responderPort,
  segments: datagrams.map(([dir, text]) => ({ dir, bytes: hex(text) })),
});

// Seeds: payloads from Zeek's BSD-3-Clause regression traces (see test/fixtures/README.md) and messages
// built by hand after the RFCs (the same ones the conformance tests use).
const zeros = (n: number): string => '00'.repeat(n);
const bootp = (head44: string, options: string): string => head44 + zeros(192) + '63825363' + options;
const DHCP_DISCOVER = bootp('01010600000007c0000000000000000000000000000000000000000090b11c99492900000000000000000000', '3501013204c0a8d3c20c0d62746573742e69732e636f6f6cff');
const DHCP_OFFER = bootp(
  '02010600000007c0000000000000000080020661ac13e6070000000090b11c99492900000000000000000000',
  '3501023604800206983304000003840104ffffff0003048002060106088002010b8002010a04088002011480020115430d6e6574776f726b2d636f6e66671c04800206ff2a0c8002011480020115800201162b0b3137322e31382e362e33373c07417275626141502c088002681d8002681e2e01020f07636d752e656475ff',
);
const DHCP_RELAY_ACK = bootp(
  '0201060000003d110000000000000000c0a8000a0000000000000000000a2800fa4200000000000000000000',
  '3501053a04000007083b0400000c2e330400000e1036040a0a00010104ffffff005224011674686973206973206f6e6c79206120746573742e2e2e02011306072d73756249442dff',
);
// Hand-built messages, assembled from their fields so they stay readable.
const u8 = (n: number): string => n.toString(16).padStart(2, '0');
const u16 = (n: number): string => n.toString(16).padStart(4, '0');
const ascii = (text: string): string => Buffer.from(text, 'latin1').toString('hex');
const opt = (code: number, value: string): string => u8(code) + u8(value.length / 2) + value;
const DHCP_OVERLOAD = (() => {
  const head = '01010600' + '11223344' + zeros(20) + '001b2c3d4e5f' + zeros(10);
  const msg = hex(bootp(head, opt(53, '03') + opt(52, '03') + opt(82, opt(1, ascii('sw3/ge1/0/14')) + opt(2, '001b2c3d4e5f')) + 'ff'));
  hex(opt(12, ascii('overloaded')) + opt(81, '050000' + '07' + ascii('pump-42') + '03' + ascii('ICU') + '00') + 'ff').copy(msg, 108);
  hex(opt(60, ascii('in-sname')) + opt(55, '0103060f2b') + 'ff').copy(msg, 44);
  return msg.toString('hex');
})();
const o6 = (code: number, value: string): string => u16(code) + u16(value.length / 2) + value;
const items = (...texts: string[]): string => texts.map((t) => u16(t.length) + ascii(t)).join('');
const DUID = '000100012c7a1b00001b2c3d4e5f';
const IAADDR = o6(5, '20010db8000000000000000000001002' + '00001c20' + '00001c20');
const DHCPV6_SOLICIT =
  '01abcdef' + o6(1, DUID) + o6(8, '0000') + o6(3, '00000001' + zeros(8)) + o6(6, u16(23) + u16(24) + u16(39)) +
  o6(15, items('imaging', 'ward-7')) + o6(16, '00000137' + items('MSFT 5.0')) + o6(39, '01' + '0a' + ascii('ct-scanner') + '03' + ascii('RAD') + '00');
const DHCPV6_REPLY = '07abcdef' + o6(1, DUID) + o6(2, '000300010a0b0c0d0e0f') + o6(3, '00000001' + zeros(8) + IAADDR) + o6(4, '00000002' + IAADDR);
const DHCPV6_RELAY = '0c01' + '20010db8000000000000000000000001' + 'fe800000000000000211223344556677' + o6(18, ascii('eth0')) + o6(9, '0b123456' + o6(1, DUID) + o6(6, u16(23)));
const name = (dotted: string): string => dotted.split('.').map((l) => u8(l.length) + ascii(l)).join('') + '00';
const rr = (owner: string, type: number, rdata: string, klass = 0x8001): string => owner + u16(type) + u16(klass) + '00001194' + u16(rdata.length / 2) + rdata;
const txt = (...strings: string[]): string => strings.map((t) => u8(t.length) + ascii(t)).join('');
const MDNS_QUERY = '000000000002000000000000045f697070045f746370056c6f63616c00000c0001055f69707073c011000c0001';
const MDNS_SRV_ANSWER =
  '0000840000000001000000040667656d696e69095f736674702d737368045f746370056c6f63616c000021800100000078000f0000000000160667656d696e69c022c039001c8001000000780010fe800000000000000217f2fffed7cf65c039000180010000007800048d8edc32c00c002f8001000000780009c00c00050000800040c039002f8001000000780008c039000440000008';
/** DNS-SD: PTR, SRV, TXT with identity keys (compressed owners), A. */
const MDNS_TXT =
  '0000' + '8400' + '0000' + '0004' + '0000' + '0000' +
  rr(name('_ipp._tcp.local'), 12, u8(7) + ascii('printer') + 'c00c', 1) +
  rr('c027', 33, '00000000' + u16(631) + u8(7) + ascii('printer') + 'c016') +
  rr('c027', 16, txt('txtvers=1', 'ty=HP LaserJet M404', 'product=(M404)', 'usb_MDL=M404', 'Color', '=x')) +
  rr(name('printer.local'), 1, '0a070014');
const LLMNR_QUERY = '4620000000010000000000000f4252574330434233383344314634320000010001';
const LLMNR_ANSWER = '4620800000010002000000000f42525743304342333833443146343200000100010f42525743304342333833443146343200000100010000' +
  '01e000040a070015c00c001c0001000001e00010fe800000000000000000000000000015';
/** First-level encoding (RFC 1001 §14.1) of a padded NetBIOS name and suffix, as a DNS label. */
const netbios = (nb: string, suffix: number): string => {
  let letters = '';
  for (const octet of Buffer.concat([Buffer.from(nb.padEnd(15, ' '), 'latin1'), Buffer.from([suffix])])) letters += String.fromCharCode(0x41 + (octet >> 4), 0x41 + (octet & 15));
  return '20' + ascii(letters) + '00';
};
const rawNetbios = (nb: string, suffix: number): string => ascii(nb.padEnd(15, ' ')) + u8(suffix);
const NBNS_QUERY = 'ff6e011000010000000000002045434643464845444441454445434444444944444545444245474445444341410000200001';
const NBNS_REGISTRATION = '1234' + '2910' + '0001000000000001' + netbios('INFUSION-07', 0) + '00200001' + 'c00c' + '00200001' + '000493e0' + '0006' + '0000' + '0a0b0c0d';
const STATUS_RDATA = '03' + rawNetbios('INFUSION-07', 0) + '0400' + rawNetbios('RADIOLOGY', 0) + '8400' + rawNetbios('MED LAB', 0x20) + '0400' + '0050569a0b0c' + zeros(40);
const NBNS_STATUS = '3000' + '8400' + '0000000100000000' + netbios('*'.padEnd(15, '\0'), 0) + '00210001' + '00000000' + u16(STATUS_RDATA.length / 2) + STATUS_RDATA;
const NBNS_POSITIVE = '2000' + '8500' + '0000000100000000' + netbios('PACS01', 0x20) + '00200001' + '000493e0' + '000c' + '00000a0b0c0e' + '0000c0a80a0e';

const TARGETS: Target[] = [
  {
    dissector: new DhcpDissector(),
    seeds: [udp(68, 67, [0, DHCP_DISCOVER], [1, DHCP_OFFER]), udp(67, 68, [0, DHCP_RELAY_ACK]), udp(68, 67, [0, DHCP_OVERLOAD])],
  },
  { dissector: new Dhcpv6Dissector(), seeds: [udp(546, 547, [0, DHCPV6_SOLICIT], [1, DHCPV6_REPLY]), udp(547, 547, [0, DHCPV6_RELAY])] },
  { dissector: new MdnsDissector(), seeds: [udp(5353, 5353, [0, MDNS_QUERY], [0, MDNS_SRV_ANSWER]), udp(5353, 5353, [0, MDNS_TXT])] },
  { dissector: new LlmnrDissector(), seeds: [udp(60000, 5355, [0, LLMNR_QUERY], [1, LLMNR_ANSWER])] },
  { dissector: new NbnsDissector(), seeds: [udp(137, 137, [0, NBNS_QUERY], [0, NBNS_REGISTRATION]), udp(137, 137, [1, NBNS_STATUS], [1, NBNS_POSITIVE])] },
];

function option(name: string, fallback: string): string {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 && at + 1 < process.argv.length ? process.argv[at + 1] : fallback;
}

const iterations = Number(option('iterations', '100000'));
const seed = Number(option('seed', '1'));
const limitMs = Number(option('limit-ms', '50'));
const only = option('only', '')
  .split(',')
  .filter((s) => s.length > 0);

if (process.argv.includes('--show-seeds')) {
  // What each seed yields, to check that the seeds exercise the dissectors beyond their first checks.
  for (const { dissector, seeds } of TARGETS) {
    for (const vector of seeds) {
      const result = feed(dissector, vector, planSplit(vector, 1));
      console.log(`${dissector.name}: ${result.facts.map((f) => `${f.key}=${JSON.stringify(f.value)}`).join(' ')}`);
    }
  }
}

let failed = false;
for (const { dissector, seeds } of TARGETS) {
  if (only.length > 0 && !only.includes(dissector.name)) continue;
  const rng = mulberry32(seed ^ dissector.name.length * 0x9e3779b1);
  let crashes = 0;
  let hangs = 0;
  let facts = 0;
  let bytes = 0;
  let slowest = 0;
  let first = '';
  const started = performance.now();
  for (let i = 0; i < iterations; i++) {
    const base = seeds[i % seeds.length];
    const input = randomInt(rng, 4) === 0 ? randomVector(rng, base, 1500) : mutateVector(base, rng);
    const result = feed(dissector, input, planSplit(input, 1));
    facts += result.facts.length;
    bytes += result.bytes;
    if (result.ms > slowest) slowest = result.ms;
    // One slow input is re-run before it counts as a hang (a GC pause or a busy machine is not one).
    const hung = !result.threw && result.ms > limitMs && feed(dissector, input, planSplit(input, 1)).ms > limitMs;
    if (result.threw) crashes++;
    if (hung) hangs++;
    if ((result.threw || hung) && first === '') first = `${result.threw ? String(result.error) : `took ${result.ms.toFixed(1)} ms`}\n${describeVector(input)}`;
  }
  const seconds = (performance.now() - started) / 1000;
  console.log(
    `${dissector.name.padEnd(8)} ${iterations} inputs, ${(bytes / 1e6).toFixed(1)} MB, ${facts} facts, ${crashes} crashes, ${hangs} hangs, ` +
      `slowest ${slowest.toFixed(2)} ms, ${seconds.toFixed(1)} s`,
  );
  if (first) console.log(`  first failure: ${first}`);
  if (crashes > 0 || hangs > 0) failed = true;
}
process.exitCode = failed ? 1 : 0;
