import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Direction } from '../../src/protocols/dissector.js';
import { Analyzer } from '../../src/analyze/analyzer.js';
import { feedWhole, type Fact, type Segment } from '../../src/protocols/harness.js';
import type { Observation } from '../../src/protocols/observation.js';
import { IntellivueDissector } from '../../src/protocols/intellivue/index.js';
import { describeConformance, type ConformanceVector } from './conformance.js';
import { haveTshark } from './tshark-fields.js';
import { tsharkFields } from './tshark-streams.js';

// Real bytes: ../shared/protocol-samples/intellivue/Koshsky_my_assoc.hexdump.txt, one Connect Indication
// broadcast by a real Philips IntelliVue monitor (Koshsky/Intellivue-api, no licence file): read here at
// run time only, never copied into the repository. Its decoded fields were checked by hand against the
// dump (offsets in comments) and, for MAC and IP, against tshark's Ethernet and IP fields of the same frame.
// The other messages are built below from the structures of the Philips Data Export Interface Programming
// Guide (PIPG): no Debian package implements the protocol, and no other public capture exists.

const HEX_DUMP = new URL('../../../shared/protocol-samples/intellivue/Koshsky_my_assoc.hexdump.txt', import.meta.url);
const ONE_FRAME = new URL('../../../shared/protocol-samples/intellivue/intellivue_connect_indication_from_hexdump.pcap', import.meta.url);
const haveDump = existsSync(HEX_DUMP);
if (!haveDump) console.info('intellivue.test: skipping the real Connect Indication tests: ../shared is absent');

/** The frame of a Wireshark-style hex dump (offset, then up to 16 octets per line). */
function frameFromHexDump(text: string): Buffer {
  const octets: string[] = [];
  for (const line of text.split('\n')) {
    const m = /^[0-9a-f]{4}\s+((?:[0-9a-f]{2}\s*)+)/i.exec(line.trim());
    if (m) octets.push(...m[1].trim().split(/\s+/));
  }
  return Buffer.from(octets.join(''), 'hex');
}

/** UDP payload of an Ethernet/IPv4/UDP frame. */
function udpPayload(frame: Buffer): Buffer {
  const ihl = (frame[14] & 0x0f) * 4;
  return frame.subarray(14 + ihl + 8);
}

const realConnectIndication = haveDump ? udpPayload(frameFromHexDump(readFileSync(HEX_DUMP, 'utf8'))) : null;

// ---- Encoder after the PIPG structures (big-endian), independent of the dissector's reader -------------
const u16 = (n: number): string => n.toString(16).padStart(4, '0');
const ascii = (text: string): string => Buffer.from(text, 'latin1').toString('hex');
const len = (hex: string): number => hex.length / 2;
const label = (text: string, size = text.length + 1 + (text.length % 2 === 0 ? 1 : 0)): string => u16(size) + ascii(text).padEnd(size * 2, '0');
const ava = (id: number, value: string): string => u16(id) + u16(len(value)) + value;
const list = (...items: string[]): string => u16(items.length) + u16(len(items.join(''))) + items.join('');
const specEntry = (type: number, component: number, text: string): string => u16(type) + u16(component) + label(text);
const MO_MDS = '0021' + '0000' + '0000';

const MODEL = ava(0x0928, label('Philips') + label('M8007A'));
const PROD_SPEC = ava(0x092d, list(specEntry(1, 8, 'XX00000042'), specEntry(3, 8, ' B.01.00'), specEntry(4, 0x58, 'M.00.03'), specEntry(5, 0x78, 'DEP-3.1')));
const SYS_ID = ava(0x0984, u16(6) + '0009fb0102aa');
const NET_ADDR = ava(0xf100, '0009fb0102aa' + '0acb0105' + 'ffffff00');
const PCOL = ava(0xf101, list('0001' + '0001' + u16(24105) + '0000', '0005' + '0001' + u16(24105) + '0000'));
/** A bed label: not identity, and close enough to patient context never to be emitted. */
const BED_LABEL = ava(0x091e, label('ICU-BED-7 DOE'));

function connectIndication(attributes: string): string {
  const info = attributes;
  const arg = MO_MDS.replace('0021', '0023') + '00000000' + u16(0x0d17) + u16(len(info)) + info;
  const roiv = '0000' + u16(0) + u16(len(arg)) + arg;
  return '00000100' + u16(1) + u16(len(roiv)) + roiv;
}

function dataExport(roType: number, command: number, argument: string, linked = false): string {
  const ro = (linked ? '0101' : '') + '0007' + u16(command) + u16(len(argument)) + argument;
  return 'e1000002' + u16(roType) + u16(len(ro)) + ro;
}

function session(type: number, body: string): string {
  return len(body) < 255 ? type.toString(16).padStart(2, '0') + len(body).toString(16).padStart(2, '0') + body : type.toString(16).padStart(2, '0') + 'ff' + u16(len(body)) + body;
}

const BUILT_CI = connectIndication(list(ava(0x0986, '0001114d'), MODEL, PROD_SPEC, SYS_ID, NET_ADDR, PCOL, BED_LABEL));
const MDS_CREATE = dataExport(1, 1, MO_MDS + '00000000' + u16(0x0d06) + u16(len(MO_MDS + list(MODEL, BED_LABEL))) + MO_MDS + list(MODEL, BED_LABEL));
const MDS_CREATE_RESULT = dataExport(2, 1, MO_MDS + '00000000' + u16(0x0d06) + '0000');
const POLL_REQ_BODY = '0001' + '0001' + '0006' + '0000';
const POLL = dataExport(1, 7, MO_MDS + '00000000' + u16(0x0c16) + u16(len(POLL_REQ_BODY)) + POLL_REQ_BODY);
/** A poll reply whose content carries a patient name attribute: its type is read, its content never. */
const PT_NAME = ava(0x095d, label('DOE^JANE'));
const POLL_REPLY_BODY = '0001' + '00000000' + '0'.repeat(16) + '00010006' + '0000' + list('0000' + list(u16(1) + list(PT_NAME)));
const POLL_RESULT = dataExport(2, 7, MO_MDS + u16(0x0c16) + u16(len(POLL_REPLY_BODY)) + POLL_REPLY_BODY);
const EXT_POLL_RESULT = dataExport(5, 7, MO_MDS + u16(0xf13b) + u16(len(POLL_REPLY_BODY)) + POLL_REPLY_BODY, true);
const GET = dataExport(1, 3, MO_MDS + '00000000' + '0000');
/** PIPG's fixed Association Request prefix (session data, start of the presentation header), then filler. */
const ASSOC_REQUEST = session(0x0d, '0508130100160102800014020002' + 'c1' + 'ff'.repeat(1) + '31' + '80a0808001010000a280a0030000' + '00'.repeat(260));
const ASSOC_RESPONSE = session(0x0e, '05081301001601028000140200 02'.replace(' ', '') + 'c1' + '00'.repeat(40));
const REFUSE = session(0x0c, '0c03' + '000000');
const RELEASE = session(0x09, 'c116' + '61803080020101a0806280800100' + '0000000000000000');
const ABORT = session(0x19, '11' + '00'.repeat(17));

const hex = (text: string): Buffer => Buffer.from(text, 'hex');
const f = (key: string, value: Fact['value'], from: Direction = 0): Fact => ({ key, value, from });
const seg = (dir: Direction, text: string): Segment => ({ dir, bytes: hex(text) });
const udp = (name: string, segments: Segment[], expected: Fact[], exact = true, responderPort = 24105): ConformanceVector => ({
  name,
  transport: 'udp',
  originatorPort: responderPort === 24005 ? 24005 : 50321,
  responderPort,
  segments,
  expected,
  exact,
});

const REAL_FACTS: Fact[] = [
  f('intellivue.message', 'connect-indication'),
  // 0x0118-0x0127: NOM_ATTR_ID_MODEL, VariableLabel "Philips\0" and "866062\0\0".
  f('intellivue.manufacturer', 'Philips'),
  f('intellivue.model', '866062'),
  // 0x012e-0x0199: NOM_ATTR_ID_PROD_SPECN, 6 entries: serial (type 1, 12 octets, NUL after 10), part
  // numbers (type 2, not emitted), hardware " A.00.30" (type 3), protocol "--------" (type 5: a
  // placeholder, not emitted), software "L.01.18\n" (type 4).
  f('intellivue.serial', 'DE351A4061'),
  f('intellivue.hardware', 'A.00.30'),
  f('intellivue.software', 'L.01.18'),
  // 0x0108: NOM_ATTR_SYS_ID, 8 octets 00:09:fb:ff:ff:88:c1:bd, the EUI-64 form of the frame's source MAC.
  f('intellivue.system_id', '00:09:fb:88:c1:bd'),
  // 0x00b2: NOM_ATTR_NET_ADDR_INFO (the second copy; the first is nested in attribute 0xf27c, not read).
  f('intellivue.ip_address', '192.168.247.101'),
  // 0x00c4: NOM_ATTR_PCOL_SUPPORT, 5 entries.
  f('intellivue.protocol_support', 'acse/transport-3:24000'),
  f('intellivue.protocol_support', 'appl-2/transport-3:24000'),
  f('intellivue.protocol_support', 'acse/udp:24105'),
  f('intellivue.protocol_support', 'data-export/udp:24105'),
  f('intellivue.protocol_support', 'appl-10/udp:24012'),
];

const vectors: ConformanceVector[] = [
  ...(realConnectIndication !== null
    ? [udp('real Connect Indication (Koshsky hex dump, read from ../shared)', [{ dir: 0 as Direction, bytes: realConnectIndication }], REAL_FACTS, true, 24005)]
    : []),
  udp(
    'built Connect Indication: model, production specification, MAC, IP, protocol support, bed label',
    [seg(0, BUILT_CI), seg(0, BUILT_CI)],
    [
      f('intellivue.message', 'connect-indication'),
      f('intellivue.manufacturer', 'Philips'),
      f('intellivue.model', 'M8007A'),
      f('intellivue.serial', 'XX00000042'),
      f('intellivue.hardware', 'B.01.00'),
      f('intellivue.software', 'M.00.03'),
      f('intellivue.protocol_version', 'DEP-3.1'),
      f('intellivue.system_id', '00:09:fb:01:02:aa'),
      f('intellivue.ip_address', '10.203.1.5'),
      f('intellivue.protocol_support', 'acse/udp:24105'),
      f('intellivue.protocol_support', 'data-export/udp:24105'),
    ],
    true,
    24005,
  ),
  udp(
    'built association, MDS create, polls, get, release',
    [seg(0, ASSOC_REQUEST), seg(1, ASSOC_RESPONSE), seg(1, MDS_CREATE), seg(0, MDS_CREATE_RESULT), seg(0, POLL), seg(1, POLL_RESULT), seg(1, EXT_POLL_RESULT), seg(0, GET), seg(0, RELEASE)],
    [
      f('intellivue.message', 'association-request'),
      f('intellivue.message', 'association-response', 1),
      f('intellivue.message', 'mds-create-event-report', 1),
      f('intellivue.manufacturer', 'Philips', 1),
      f('intellivue.model', 'M8007A', 1),
      f('intellivue.message', 'mds-create-event-result'),
      f('intellivue.message', 'poll-request'),
      f('intellivue.poll', true),
      f('intellivue.message', 'poll-result', 1),
      f('intellivue.poll', true, 1),
      f('intellivue.message', 'extended-poll-result', 1),
      f('intellivue.message', 'get-request'),
      f('intellivue.message', 'release-request'),
    ],
  ),
  udp('built refuse and abort', [seg(0, ASSOC_REQUEST), seg(1, REFUSE), seg(0, ABORT)], [
    f('intellivue.message', 'association-request'),
    f('intellivue.message', 'association-refuse', 1),
    f('intellivue.message', 'abort'),
  ]),
  udp('not IntelliVue: DNS-like, text, a session type with a length past the datagram', [seg(0, '12340100000100000000000003777777'), seg(0, ascii('hello world')), seg(0, '0d40' + '00'.repeat(10))], []),
];

const dissector = new IntellivueDissector();

describeConformance(dissector, vectors);

describe('IntellivueDissector', () => {
  it('claims UDP 24005 and 24105 and probes Connect Indications and data export elsewhere', () => {
    expect(dissector.udpPorts).toEqual([24005, 24105]);
    const probe = (text: string, transport: 'udp' | 'tcp' = 'udp'): boolean => {
      const b = Buffer.concat([hex('ffff'), hex(text)]);
      return dissector.probe(transport, 0, b, 2, b.length - 2);
    };
    expect(probe(BUILT_CI)).toBe(true);
    expect(probe(POLL)).toBe(true);
    expect(probe(BUILT_CI, 'tcp')).toBe(false);
    expect(probe(POLL.slice(0, -4))).toBe(false);
    expect(probe(ascii('GET / HTTP/1.1\r\n\r\n'))).toBe(false);
  });

  it('never emits patient data carried in poll replies or the bed label', () => {
    const facts = vectors.flatMap((v) => feedWhole(dissector, v).facts);
    const text = JSON.stringify(facts);
    expect(text).not.toContain('DOE');
    expect(text).not.toContain('BED');
    expect(facts.some((x) => x.key === 'intellivue.poll')).toBe(true);
  });

  it('reads the same identity from a 6-octet and an EUI-64 system id', () => {
    const eui = connectIndication(list(ava(0x0984, u16(8) + '0009fbfffe0102aa')));
    const facts = feedWhole(dissector, udp('eui', [seg(0, eui)], [])).facts;
    expect(facts.find((x) => x.key === 'intellivue.system_id')?.value).toBe('00:09:fb:01:02:aa');
  });
});

describe.skipIf(!haveDump || !haveTshark || !existsSync(ONE_FRAME))('IntelliVue Connect Indication against tshark', () => {
  it('system id and IP address match the frame tshark decodes (source MAC and IPv4 source)', () => {
    const [row] = tsharkFields(ONE_FRAME.pathname, 'udp.port == 24005', ['eth.src', 'ip.src', 'udp.payload']);
    expect(row).toBeDefined();
    const payload = Buffer.from(row[2].replace(/:/g, ''), 'hex');
    expect(payload.equals(realConnectIndication!)).toBe(true);
    const facts = feedWhole(dissector, { transport: 'udp', originatorPort: 24005, responderPort: 24005, segments: [{ dir: 0, bytes: payload }] }).facts;
    expect(facts.find((x) => x.key === 'intellivue.system_id')?.value).toBe(row[0]);
    expect(facts.find((x) => x.key === 'intellivue.ip_address')?.value).toBe(row[1]);
  });
});

describe.skipIf(!haveDump || !existsSync(ONE_FRAME))('IntelliVue Connect Indication through the real pipeline', () => {
  it('is claimed on UDP 24005, and its system id and IP address are the frame\'s own source MAC and IPv4 address', async () => {
    const seen: Observation[] = [];
    const analyzer = new Analyzer({ dissectors: [dissector], onObservation: (o) => seen.push(o) });
    await analyzer.addCapture(ONE_FRAME.pathname);
    analyzer.finish();
    const value = (key: string) => seen.find((o) => o.key === key);
    expect(value('intellivue.message')?.value).toBe('connect-indication');
    const systemId = value('intellivue.system_id')!;
    expect(systemId.value).toBe(systemId.src.mac);
    expect(value('intellivue.ip_address')!.value).toBe(systemId.src.ip);
  });
});
