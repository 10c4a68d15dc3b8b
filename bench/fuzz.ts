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
import { DnsDissector } from '../src/protocols/dns/index.js';
import { Dhcpv6Dissector } from '../src/protocols/dhcpv6/index.js';
import { LlmnrDissector } from '../src/protocols/llmnr/index.js';
import { MdnsDissector } from '../src/protocols/mdns/index.js';
import { NbnsDissector } from '../src/protocols/nbns/index.js';
import { HttpDissector } from '../src/protocols/http/index.js';
import { SsdpDissector } from '../src/protocols/ssdp/index.js';
import { TlsDissector } from '../src/protocols/tls/index.js';
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

// HTTP, TLS and SSDP seeds. TLS: TCP payloads of Zeek's tls/tls13_wolfssl.pcap and tls/cert-no-cn.pcap
// (BSD-3-Clause, as in test/protocols/tls.test.ts), so the certificate parser is fuzzed too.
const tcp = (originatorPort: number, responderPort: number, ...segments: Array<[Direction, Buffer]>): Vector => ({
  transport: 'tcp',
  originatorPort,
  responderPort,
  segments: segments.map(([dir, bytes]) => ({ dir, bytes })),
});
const latin1 = (text: string): Buffer => Buffer.from(text, 'latin1');
const HTTP_PIPELINED_REQ = latin1(
  'GET /description.xml?x=1 HTTP/1.1\r\nHost: 10.1.2.3:49152\r\nUser-Agent: Vigil-Test/1.0\r\nAuthorization: Basic Zm9vOmJhcg==\r\n\r\n' +
    'POST /upload HTTP/1.1\r\nHost: h\r\nContent-Type: application/octet-stream\r\nTransfer-Encoding: chunked\r\n\r\n5;e=1\r\nhello\r\n0\r\nT: x\r\n\r\n' +
    'HEAD / HTTP/1.1\r\nHost: h\r\n\r\n',
);
const UPNP_XML =
  '<?xml version="1.0"?><root xmlns="urn:schemas-upnp-org:device-1-0"><device><deviceType>urn:schemas-upnp-org:device:Basic:1</deviceType>' +
  '<friendlyName>Pump &amp; Dock</friendlyName><manufacturer>Example</manufacturer><modelName>PG-200</modelName><modelNumber>200</modelNumber>' +
  '<serialNumber>SN1</serialNumber><UDN>uuid:1</UDN></device></root>';
const HTTP_PIPELINED_RESP = latin1(
  `HTTP/1.1 200 OK\r\nServer: Linux UPnP/1.0 X/1\r\nContent-Type: text/xml\r\nContent-Length: ${UPNP_XML.length}\r\n\r\n${UPNP_XML}` +
    'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nWWW-Authenticate: NTLM\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n' +
    'HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\n',
);
const HTTP_CLOSE_XML = latin1(`HTTP/1.0 200 OK\r\nContent-Type: application/xml\r\n\r\n${UPNP_XML}`);
const TLS13_WOLFSSL: Array<[Direction, Buffer]> = [
  [0, hex('16030300c7010000c30303c6e550c8939853f74bb084d6f54e6e450b980bf96a3119f4bd5bc8ab82ec56200000021302010000980033004700450017004104a664a53c214d4bf17548d86c6d86d36413fd2d9b9fd3fe9e9e0adeeb422476cc5c9399970c001b39e33b91928f00f496c98090a7571bf31e6a90f6717efa9021002b000706030403030302000d0020001e06030503040302030806080b0805080a0804080906010501040103010201000b00020100000a0010000e001900180017001500130010010000170000')],
  [1, hex('160303007b0200007703036bba3137df6e1c4c68565243a7fbab5f5c6bdf1ab11a1800c3c6ca64786fbdbd00130200004f003300450017004104f6b563a3ba8e4d9a945bcb83eb8be292b04724749724b0ebbb6ab726ac9cc82a41268a752326b1118a099d9f43b27027f224ed1a719b3762acfcb93fa2dc9461002b00020304')],
  [1, hex('1703030017758a108978437bc4a9a66719e6640e704e32bd348d4ff5')],
];
const TLS12_NO_CN: Array<[Direction, Buffer]> = [
  [0, hex('16030100f4010000f0030354f652a773f0003a5f2828eb432c654199fc792e4ba1b84e9f5e15d77f743acd000084c030c02cc028c024c014c00a00a3009f006b006a0039003800880087c032c02ec02ac026c00fc005009d003d00350084c012c00800160013c00dc003000ac02fc02bc027c023c013c00900a2009e0067004000330032009a009900450044c031c02dc029c025c00ec004009c003c002f009600410007c011c007c00cc0020005000400ff01000043000b000403000102000a0008000600190018001700230000000d002200200601060206030501050205030401040204030301030203030201020202030101000f000101')],
  [1, hex('160301003502000031030154f6530f1c38809d03c80c4937955fc27383590657b218e8cc0cbe76014aaca4000039000009ff010001000023000016030103070b0003030003000002fd308202f9308201e1a003020102020900fa17a614059b1ef3300d06092a864886f70d010105050030133111300f060355040a0c0854657374436f7270301e170d3135303330343030333130355a170d3136303330333030333130355a30133111300f060355040a0c0854657374436f727030820122300d06092a864886f70d01010105000382010f003082010a0282010100c9918b57a7abacd4cc5eb12b66abd4306083c8934c89163af20428c4ca1288233dca39cca9751faa3cb6e2ec79b0b0591293245603fdc25f593d3115d9d8dbb9eb6dc7ddb8880723753813a704a5798f213fccd3f6c83e7cc4ef717f6693f23f61247916622260c09b085d3fc958ae6757ea96bfafcdddfae96eed6342281b93a45037d6c1e889c16306e984b5b238e7486d5dfdc0a93a71a77d40569a6e91e717688658864e5de9ff2a895f838da548a86fe83447716939c6858b6cc4be25535bdfc808b5dfc5576bda950e6494aaacf8458b773022788fe934d8461ba5f2657b82e556d2d38e0c2656182948d6a5bd8532af234c8bbf7ce5a8909ebc5ab4f30203010001a350304e301d0603551d0e04160414e1f58593c54a947e2c722ad0019fcb1098819b2e301f0603551d23041830168014e1f58593c54a947e2c722ad0019fcb1098819b2e300c0603551d13040530030101ff300d06092a864886f70d010105050003820101000d13d36ef2cd24e5c6e1acb954db825ebff75ceff2b273809a7bb8c0a9f7e70c8cd327ba1d5bfedbf5a91801cae4ccf355d3093c1feee3e3f9920413428e51e6f2a4d4d5c7a095e2a13bd76186bb8b46f9c360df24e2400b32a7927d90571b6f8706676c626d2d9317b8c0ab50e9eac0ca0ff78a6cf9b9d84b2beeffd53a3178d9156f7e9016526d291eb0b1d85720c47da512dfe4629487b7a44f46a6f4d68591aad9fb753e585185124ef762356e299301744b7a63cdf431b639f0c6fa53bfa666ffe563c5d1d712dbe338d1d697fc09391879312bb5668ca8ab8a21a834e8d120493b2691ab3ccdd206ab535e3c1a7b9a8b28e289cb559b90363f20cec0a7160301018d0c0001890040da583c16d9852289d0e4af756f4cca92dd4be533b804fb0fed94ef9c8a4403ed574650d36999db29d776276ba2d3d412e218f4dd1e084cf6d8003e7c4774e83300010200407354e88a85dae6e781af9f58cd188da3994663765ce3c0b245dbe8d8b3814c00d109e9e72d6f432936eb9e226bc8e6d8859f2f15a833cff480e15b32b799905801004e4da2eead1f91dbaba87e35f0c96ea857a3cb46918ca1960e898397d513823a1f9d5652fb513bba492247850d2689dc6f8e4cd33ea36ed1d2e47d97e83e8f5c0ed121006899ebd89914d377702b8840ae0d8e98f2fdf20a4dbc0ec33fee2c8a1642bfd1f9bf60f1c8c2134ddfac2a859f69e08e540c30ec1d8879159fc18c8409fcadc8a6171839ed2de94f70c7c2b0a69d78c964c00bea75836ae57e9aa13dc8cfbfc78e2fbe264e6c8df2006c8f09249bc3a8b61e276b0267e4570862f529b938b9b8f2249cd5bbb0eb48389592e960cc58c59475dd95e3e9ea6f4fd4b52e14aac7b3c9c79ee0eb04342710572424ba7340365444fed6866c04ada7ce163016030100040e000000')],
  [0, hex('1603010046100000420040ae0fe24b2e72e326065018c87ab70af1847781803c92b4f435eca3a5676118d48ad5558234dd077f0d30a5c879ad7124bb11e22b5caac97ab89d9080efcde14114030100010116030100307f887c312b605b4b98e7aa18e1e0c089341d8cbb4b910cead5b111802ff44d9e6e92108ef6da05599853879637eea8c4')],
  [1, hex('16030100aa040000a60000000000a06cc14be47a8bed6a7ab8483548acc738ea81ce02c80f4c5d6faecd8993165fca53df1adcbf2b7a366a0156c37d970944062b0351fccd3d82ea38a515e5d2c869941a793a2a953e4dba4105efd2f411ac9bf5fa76fa1c6ca162af0f5be7f182c096e6b9cf42cc06dab45e1998ac81249e76a55351398bc61edfdc734ed6b0977f874ef54c8004c0fa1045026c2f65302b401cd1f1f00d6912615894ec71f4bc291403010001011603010030e5a7d8511f72b22d0ba0d1cfdd24e06aa9d89c39f2f36837b7412d478a98bb2f758c7e09486dc539d3e364144e866cd3')],
  [0, hex('1503010020aa7b9b7980d37675d3e3509155242116b7f1404ceaadc9536c0e9c465ff99a7e')],
];
/** Zeek tls/dtls1_2.pcap, first 12 datagrams (BSD-3-Clause): DTLS with fragmented hellos and certificate. */
const DTLS12_DATAGRAMS: Array<[Direction, string]> = [
  [0, '16fefd000000000000000000d70100011f00000000000000cbfefd06ac4343e701fd74cac15bdb8d0fb735dca354f8e4cc1e65944f8d443a1af9b2000000a0c030c02cc028c024c014c00a00a500a300a1009f006b006a0069006800390038003700360088008700860085c032c02ec02ac026c00fc005009d003d00350084c02fc02bc027c023c013c00900a400a200a0009e00670040003f003e0033003200310030009a0099009800970045004400430042c031c02dc029c025c00ec004009c003c002f009600410007c012c008001600130010000dc00dc003000a00ff0100005500'],
  [0, '16fefd000000000000000100600100011f00000000cb0000540b000403000102000a001c001a00170019001c001b0018001a0016000e000d000b000c0009000a00230000000d0020001e060106020603050105020503040104020403030103020303020102020203000f000101'],
  [1, '16feff00000000000000000023030000170000000000000017feff144c281da5216e0bcdc6d35770176ee12f676baa9b'],
  [0, '16fefd000000000000000200d70100013300010000000000cbfefd06ac4343e701fd74cac15bdb8d0fb735dca354f8e4cc1e65944f8d443a1af9b200144c281da5216e0bcdc6d35770176ee12f676baa9b00a0c030c02cc028c024c014c00a00a500a300a1009f006b006a0069006800390038003700360088008700860085c032c02ec02ac026c00fc005009d003d00350084c02fc02bc027c023c013c00900a400a200a0009e00670040003f003e0033003200310030009a0099009800970045004400430042c031c02dc029c025c00ec004009c003c002f009600410007c012c00800'],
  [0, '16fefd000000000000000300740100013300010000cb0000681600130010000dc00dc003000a00ff01000055000b000403000102000a001c001a00170019001c001b0018001a0016000e000d000b000c0009000a00230000000d0020001e060106020603050105020503040104020403030103020303020102020203000f000101'],
  [1, '16fefd00000000000000010045020000390001000000000039fefd07c5aefa1fea3e397e8a4533a9f4fd6e82cd650533269d28dc7b2d62496dc49000c030000011ff01000100000b0004030001020023000016fefd000000000000000200850b00036a00020000000000790003670003643082036030820248a00302010202090087aaffbca26e44bf300d06092a864886f70d01010b05003045310b30090603550406130241553113301106035504080c0a536f6d652d53746174653121301f060355040a0c18496e7465726e6574205769646769747320507479204c7464301e170d31'],
  [1, '16fefd000000000000000300d70b00036a00020000790000cb37313133303139323832385a170d3138313133303139323832385a3045310b30090603550406130241553113301106035504080c0a536f6d652d53746174653121301f060355040a0c18496e7465726e6574205769646769747320507479204c746430820122300d06092a864886f70d01010105000382010f003082010a0282010100ee50a6e16ea79b348dbff15de65687024a1bf11c433a91c0553f1b9ad0a540ceec5b4660b77de53f11e0ca4a5cdc67a1d0f0715f3c7a7ded8b37d3ec6b6421deece82ddcd1c68dff'],
  [1, '16fefd000000000000000400d70b00036a00020001440000cbcd90b0d924c78bc50f22f9e568d08db7cd15902725a1aa7e77cd361121cae0b51debf9f57bce5722bc4bcadc2459b85dfa7ed8d22a00315b003aecc070537195c0d5fa090ce72696d194f8a96f56ba490ea12a6eef99339d12391ebc6bcbf0b004ec1afc32af73e9df3db5675f929963d3c062467065b6c1963c614a903c469f5b410b2bd690296e344959f6edba861955f142c98d177e3e85ba63cd0e7e52aca9d5d4f2f5989a022fd8642a23a0935340da7b54e40d01430203010001a3533051301d0603551d0e041604'],
  [1, '16fefd000000000000000500d70b00036a000200020f0000cb14c326eadfa5bcc189058f15e9f72e61f02742e422301f0603551d23041830168014c326eadfa5bcc189058f15e9f72e61f02742e422300f0603551d130101ff040530030101ff300d06092a864886f70d01010b05000382010100c506f9a39146bec0d8c26b47564be51866f4e3040d85fb2ad7a82925a76ae2cb29db09ad2e79c21253db352330cba0b1f2585428b4360ef91333e3f89ee5394d2b4ba738f7c2b4f33d2fea7af50829c3c15554032d932d6569a50699fa3a69a4e21275a4e0f9d3636463a8eda6ff07c0'],
  [1, '16fefd0000000000000006009c0b00036a00020002da0000905dc48fe413af1c2eaa5e9e2993c1a635ba0be11346cfb3cff7c2ba3725c11441fbf186d49339f2c63ab52845632d91aa0e12e5e9d7d90a19fa57741cd0bd2f058f964730c45c2d1248e3a0c98b7e248370b7a12d8c7b21d65079cd4233a8a28c71220e5270a2adf2a76cc065eea3c91cde086cffdb87b089337713a5aa2e44e436b8dc4307ba12e8a0941ea0fd9521f316fefd0000000000000007002e0c000149000300000000002203001741049e5bb8781f90c66cae6b86d7a74977bccd02963bb55631fe7d916ba91c'],
  [1, '16fefd000000000000000800d70c00014900030000220000cb9af9a9562dec1c71b66005503523fbb72a95874bc77394aed429093ad69d7971fb13a906010100e55f866f29d42c23dc5e87acaccff3fd5da17f001fbfcc1060188cc4351101bb53355ee7015edec32874dad840669578101ec98f898b87d1ce5f045ed990e1655dc9562dc83193ec2b6fbcb9410af9efd6d04c434d29cf809ee0be4bde51674ccfc2c662f76a6c2092cae471c0560f3cc358ed4211b8c6da4f2350ed479f82da84ec6d072e2b31cc0b982c2181af2066b502f5cb1b2e6becdd1e8bbd897a103893912149'],
  [1, '16fefd000000000000000900680c00014900030000ed00005c1c39294e3b584b618d5f9ae7dbc4b36b1a6ac99b92799ab2c8600f1698423bdde64e7476db84afaef919655f6b3dda48400995cf9334564ba70606004d805f4d9aeb4f0df42cea6034d42261d03544efeee721204c30de62268a217c16fefd000000000000000a000c0e0000000004000000000000'],
];
const SSDP_NOTIFY = ascii(
  'NOTIFY * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\nLOCATION: http://10.0.0.5:49152/d.xml\r\nNT: upnp:rootdevice\r\nNTS: ssdp:alive\r\n' +
    'SERVER: Linux/4.14 UPnP/1.0 X/2.1\r\nUSN: uuid:1::upnp:rootdevice\r\n\r\n',
);
const SSDP_SEARCH = ascii('M-SEARCH * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\nMAN: "ssdp:discover"\r\nMX: 1\r\nST: ssdp:all\r\nUSER-AGENT: Chrome/99\r\n\r\n');
const SSDP_RESPONSE = ascii('HTTP/1.1 200 OK\r\nEXT:\r\nLOCATION: http://10.0.0.5:49152/d.xml\r\nSERVER: Linux UPnP/1.0 X/2.1\r\nST: upnp:rootdevice\r\nUSN: uuid:1\r\n\r\n');

/** DNS over TCP: RFC 1035 §4.2.2's two-octet length before each message. */
const lengthPrefixed = (text: string): Buffer => {
  const message = hex(text);
  const prefix = Buffer.alloc(2);
  prefix.writeUInt16BE(message.length);
  return Buffer.concat([prefix, message]);
};

const TARGETS: Target[] = [
  {
    // Unicast DNS shares LLMNR's message format: the same question and answer, on port 53.
    dissector: new DnsDissector(),
    seeds: [
      udp(53000, 53, [0, LLMNR_QUERY.replace(/^46200000/, '46200100')], [1, LLMNR_ANSWER.replace(/^46208000/, '46208180')]),
      tcp(53001, 53, [0, lengthPrefixed(LLMNR_QUERY)], [1, Buffer.concat([lengthPrefixed(LLMNR_ANSWER), lengthPrefixed(LLMNR_QUERY)])]),
    ],
  },
  {
    dissector: new DhcpDissector(),
    seeds: [udp(68, 67, [0, DHCP_DISCOVER], [1, DHCP_OFFER]), udp(67, 68, [0, DHCP_RELAY_ACK]), udp(68, 67, [0, DHCP_OVERLOAD])],
  },
  { dissector: new Dhcpv6Dissector(), seeds: [udp(546, 547, [0, DHCPV6_SOLICIT], [1, DHCPV6_REPLY]), udp(547, 547, [0, DHCPV6_RELAY])] },
  { dissector: new MdnsDissector(), seeds: [udp(5353, 5353, [0, MDNS_QUERY], [0, MDNS_SRV_ANSWER]), udp(5353, 5353, [0, MDNS_TXT])] },
  { dissector: new LlmnrDissector(), seeds: [udp(60000, 5355, [0, LLMNR_QUERY], [1, LLMNR_ANSWER])] },
  { dissector: new NbnsDissector(), seeds: [udp(137, 137, [0, NBNS_QUERY], [0, NBNS_REGISTRATION]), udp(137, 137, [1, NBNS_STATUS], [1, NBNS_POSITIVE])] },
  {
    dissector: new HttpDissector(),
    seeds: [tcp(51000, 80, [0, HTTP_PIPELINED_REQ], [1, HTTP_PIPELINED_RESP]), tcp(51000, 80, [0, latin1('GET /d.xml HTTP/1.0\r\n\r\n')], [1, HTTP_CLOSE_XML])],
  },
  { dissector: new TlsDissector(), seeds: [tcp(43056, 9090, ...TLS13_WOLFSSL), tcp(42764, 8888, ...TLS12_NO_CN), udp(60934, 4400, ...DTLS12_DATAGRAMS)] },
  { dissector: new SsdpDissector(), seeds: [udp(1900, 1900, [0, SSDP_NOTIFY]), udp(50123, 1900, [0, SSDP_SEARCH], [1, SSDP_RESPONSE])] },
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
    // TCP inputs are split at a random offset of each direction, so framing code sees every boundary
    // (UDP targets draw nothing here, so their input sequence does not depend on this).
    const plan = planSplit(input, input.transport === 'tcp' ? 1 + randomInt(rng, 2048) : 1);
    const result = feed(dissector, input, plan);
    facts += result.facts.length;
    bytes += result.bytes;
    if (result.ms > slowest) slowest = result.ms;
    // One slow input is re-run before it counts as a hang (a GC pause or a busy machine is not one).
    const hung = !result.threw && result.ms > limitMs && feed(dissector, input, plan).ms > limitMs;
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
