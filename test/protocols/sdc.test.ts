import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Analyzer } from '../../src/analyze/analyzer.js';
import type { Direction } from '../../src/protocols/dissector.js';
import { feedWhole, type Fact, type Segment, type Vector } from '../../src/protocols/harness.js';
import type { Observation } from '../../src/protocols/observation.js';
import { readSoapMessage, scanXml, SdcDissector } from '../../src/protocols/sdc/index.js';
import { describeConformance, type ConformanceVector } from './conformance.js';
import { haveTshark } from './tshark-fields.js';

// Real bytes: test/fixtures/sdc/sdc-discovery-and-metadata.pcap, recorded by scripts/record-sdc-fixtures.sh
// between two network namespaces (genuine multicast WS-Discovery and HTTP from Python's socket and
// http.server; message contents after WS-Discovery 1.1, DPWS 1.1 and sdc11073's MIT-licensed MDIB).
// Oracle: Python's xml.etree.ElementTree (an independent, namespace-aware XML parser) on the same bytes.

const PCAP = new URL('../fixtures/sdc/sdc-discovery-and-metadata.pcap', import.meta.url);
const MDIBS = new URL('../../../shared/protocol-samples/sdc-11073/', import.meta.url);
const havePython = spawnSync('python3', ['-c', 'import xml.etree.ElementTree'], { stdio: 'ignore' }).status === 0;

interface Packet {
  proto: 'udp' | 'tcp';
  src: string;
  dst: string;
  sport: number;
  dport: number;
  payload: Buffer;
  syn: boolean;
}

/** Frames of a classic little-endian pcap of Ethernet/IPv4 frames (what the recording script writes). */
function packets(path: URL): Packet[] {
  const file = readFileSync(path);
  const out: Packet[] = [];
  for (let pos = 24; pos + 16 <= file.length; ) {
    const caplen = file.readUInt32LE(pos + 8);
    const frame = file.subarray(pos + 16, pos + 16 + caplen);
    pos += 16 + caplen;
    if (frame.readUInt16BE(12) !== 0x0800) continue;
    const ihl = (frame[14] & 0x0f) * 4;
    const total = frame.readUInt16BE(16);
    const proto = frame[23];
    const src = [...frame.subarray(26, 30)].join('.');
    const dst = [...frame.subarray(30, 34)].join('.');
    const l4 = 14 + ihl;
    const end = 14 + total;
    if (proto === 17) out.push({ proto: 'udp', src, dst, sport: frame.readUInt16BE(l4), dport: frame.readUInt16BE(l4 + 2), payload: frame.subarray(l4 + 8, end), syn: false });
    if (proto === 6) {
      const off = (frame[l4 + 12] >> 4) * 4;
      out.push({ proto: 'tcp', src, dst, sport: frame.readUInt16BE(l4), dport: frame.readUInt16BE(l4 + 2), payload: frame.subarray(l4 + off, end), syn: (frame[l4 + 13] & 0x02) !== 0 });
    }
  }
  return out;
}

const recorded = packets(PCAP);
const datagrams = recorded.filter((p) => p.proto === 'udp' && (p.sport === 3702 || p.dport === 3702));
/** The one TCP connection of the recording, in capture order (veth loses nothing and keeps order). */
const tcpSegments = ((): Segment[] => {
  const syn = recorded.find((p) => p.proto === 'tcp' && p.syn);
  if (!syn) return [];
  return recorded
    .filter((p) => p.proto === 'tcp' && p.payload.length > 0)
    .map((p) => ({ dir: (p.src === syn.src && p.sport === syn.sport ? 0 : 1) as Direction, bytes: p.payload }));
})();

const f = (key: string, value: Fact['value'], from: Direction = 0): Fact => ({ key, value, from });
const DEVICE = 'urn:uuid:5b1c9a5e-7c1f-4d2a-9d55-0a2030405060';
const XADDRS = ['http://10.203.1.1:6464/5b1c9a5e-7c1f-4d2a-9d55-0a2030405060'];
const TYPES = ['dpws:Device', 'mdpws:MedicalDevice'];
const SCOPES = ['sdc.ctxt.loc:/sdc.ctxt.loc.detail/HOSP1%2F%2F%2FICU1%2F%2FBED3?fac=HOSP1&poc=ICU1&bed=BED3', 'sdc.mds.pkp:1.2.840.10004.20701.1.1', 'sdc.ctxt.pat:present'];
const entryFacts = (message: string): Fact[] => [
  f('sdc.message', message),
  f('sdc.endpoint_reference', DEVICE),
  f('sdc.types', TYPES),
  f('sdc.scopes', SCOPES),
  f('sdc.xaddrs', XADDRS),
  f('sdc.metadata_version', 1),
];
const EXPECTED_BY_ACTION: Record<string, Fact[]> = {
  Hello: entryFacts('Hello'),
  ProbeMatches: entryFacts('ProbeMatches'),
  ResolveMatches: entryFacts('ResolveMatches'),
  Probe: [f('sdc.message', 'Probe'), f('sdc.types', ['mdpws:MedicalDevice'])],
  Resolve: [f('sdc.message', 'Resolve'), f('sdc.endpoint_reference', DEVICE)],
  Bye: [f('sdc.message', 'Bye'), f('sdc.endpoint_reference', DEVICE)],
};
const actionOf = (payload: Buffer): string => /discovery\/2009\/01\/(\w+)<\/wsa:Action>/.exec(payload.toString('utf8'))?.[1] ?? '?';

const udpVector = (p: Packet): ConformanceVector => ({
  name: `recorded ${actionOf(p.payload)} ${p.src}:${p.sport} → ${p.dst}:${p.dport}`,
  transport: 'udp',
  originatorPort: p.sport,
  responderPort: p.dport,
  segments: [{ dir: 0, bytes: p.payload }],
  expected: EXPECTED_BY_ACTION[actionOf(p.payload)] ?? [],
  exact: true,
});

const IDENTITY: Fact[] = [
  f('sdc.message', 'GetResponse', 1),
  f('sdc.manufacturer', 'Drägerwerk AG & Co. KGaA', 1),
  f('sdc.model', 'A3XX', 1),
  f('sdc.model_number', '01.00', 1),
  f('sdc.friendly_name', 'Vigil SDC test provider', 1),
  f('sdc.firmware', '0.9.1', 1),
  f('sdc.serial', 'VIGIL-SDC-0001', 1),
  f('sdc.message', 'GetMdibResponse', 1),
];

const vectors: ConformanceVector[] = [
  ...datagrams.map(udpVector),
  {
    name: 'recorded SOAP over HTTP: GetMetadata and GetMdib (keep-alive, Content-Length)',
    transport: 'tcp',
    originatorPort: 40000,
    responderPort: 6464,
    segments: tcpSegments,
    expected: [f('sdc.message', 'Get'), f('sdc.message', 'GetMdib'), ...IDENTITY],
    exact: true,
  },
  {
    name: 'built: the same response chunked, and a body cut by the close',
    transport: 'tcp',
    originatorPort: 40001,
    responderPort: 6464,
    segments: ((): Segment[] => {
      const response = tcpSegments.filter((s) => s.dir === 1).map((s) => s.bytes.toString('latin1')).join('');
      const first = response.slice(0, response.indexOf('HTTP/1', 5) > 0 ? response.indexOf('HTTP/1', 5) : response.length);
      const headEnd = first.indexOf('\r\n\r\n');
      const body = first.slice(headEnd + 4);
      const chunked = first.slice(0, headEnd).replace(/Content-Length: \d+/i, 'Transfer-Encoding: chunked') + '\r\n\r\n' +
        body.slice(0, 100).length.toString(16) + ';ext=1\r\n' + body.slice(0, 100) + '\r\n' + body.slice(100).length.toString(16) + '\r\n' + body.slice(100) + '\r\n0\r\n\r\n';
      const request = 'POST /x HTTP/1.1\r\nContent-Type: application/soap+xml\r\nContent-Length: 0\r\n\r\n';
      return [{ dir: 0, bytes: Buffer.from(request + request, 'latin1') }, { dir: 1, bytes: Buffer.from(chunked, 'latin1') }, { dir: 1, bytes: Buffer.from(first.slice(0, headEnd).replace(/\r\nContent-Length: \d+/i, '') + '\r\nConnection: close\r\n\r\n' + body.replace('GetResponse', 'GetResponse2'), 'latin1') }];
    })(),
    expected: IDENTITY.slice(0, 7).concat([f('sdc.message', 'GetResponse2', 1)]),
    exact: true,
  },
  {
    name: 'built: not SOAP (HTML over HTTP, a JSON datagram)',
    transport: 'tcp',
    originatorPort: 40002,
    responderPort: 6464,
    segments: [
      { dir: 0, bytes: Buffer.from('POST / HTTP/1.1\r\nContent-Type: text/html\r\nContent-Length: 5\r\n\r\n<b/>!', 'latin1') },
      { dir: 1, bytes: Buffer.from('HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}', 'latin1') },
    ],
    expected: [],
    exact: true,
  },
];

const dissector = new SdcDissector();

describe('the SDC recording', () => {
  it('holds every WS-Discovery message kind and one HTTP connection', () => {
    expect(datagrams.map((p) => actionOf(p.payload)).sort()).toEqual(['Bye', 'Hello', 'Probe', 'ProbeMatches', 'Resolve', 'ResolveMatches']);
    expect(datagrams.filter((p) => p.dst === '239.255.255.250').length).toBe(4);
    expect(tcpSegments.length).toBeGreaterThanOrEqual(4);
  });
});

describeConformance(dissector, vectors);

describe('SdcDissector', () => {
  it('claims UDP 3702 and probes SOAP POSTs and discovery envelopes elsewhere', () => {
    expect(dissector.udpPorts).toEqual([3702]);
    const probe = (text: string, transport: 'udp' | 'tcp'): boolean => {
      const b = Buffer.from(`..${text}`, 'latin1');
      return dissector.probe(transport, 0, b, 2, b.length - 2);
    };
    expect(probe('POST /dev HTTP/1.1\r\nContent-Type: Application/SOAP+xml\r\n\r\n', 'tcp')).toBe(true);
    expect(probe('POST /form HTTP/1.1\r\nContent-Type: text/plain\r\n\r\n', 'tcp')).toBe(false);
    expect(probe('GET / HTTP/1.1\r\nAccept: application/soap+xml\r\n\r\n', 'tcp')).toBe(false);
    expect(probe(datagrams[0].payload.toString('latin1'), 'udp')).toBe(true);
    expect(probe('<html>Envelope</html>', 'udp')).toBe(false);
  });

  it('runs through the real pipeline: the probe finds the HTTP flow on an unclaimed port', async () => {
    const seen: Observation[] = [];
    const analyzer = new Analyzer({ dissectors: [dissector], onObservation: (o) => seen.push(o) });
    await analyzer.addCapture(PCAP.pathname);
    analyzer.finish();
    const keys = (from: string) => new Set(seen.filter((o) => o.src.ip === from).map((o) => `${o.key}=${JSON.stringify(o.value)}`));
    const device = keys('10.203.1.1');
    expect(device).toContain('sdc.serial="VIGIL-SDC-0001"');
    expect(device).toContain('sdc.message="Hello"');
    expect(keys('10.203.1.2')).toContain('sdc.message="Probe"');
  });

  it('never reports patient, workflow or operator context, from scopes or from an MDIB', () => {
    const facts = vectors.flatMap((v) => feedWhole(dissector, v).facts);
    const text = JSON.stringify(facts);
    expect(text).toContain('sdc.ctxt.pat:present');
    for (const phi of ['MRN-PLACEHOLDER', 'Given', 'Familiy', '1970-01-01']) expect(text).not.toContain(phi);
    const scopes = readSoapMessage(envelope('<d:Hello xmlns:d="http://docs.oasis-open.org/ws-dd/ns/discovery/2009/01"><d:Scopes>sdc.ctxt.wfl:/x/ACC-123 sdc.ctxt.opr:/x/NURSE-7 SDC.CTXT.ENS:/e/1</d:Scopes></d:Hello>'));
    expect(scopes?.entries[0].scopes).toEqual(['sdc.ctxt.wfl:present', 'sdc.ctxt.opr:present', 'sdc.ctxt.ens:present']);
  });

  it('resolves type QNames by their in-scope namespace, whatever the prefix', () => {
    const m = readSoapMessage(
      envelope('<x:Hello xmlns:x="http://docs.oasis-open.org/ws-dd/ns/discovery/2009/01" xmlns:a="http://docs.oasis-open.org/ws-dd/ns/dpws/2009/01" xmlns:b="urn:vendor"><x:Types>a:Device b:Pump c:Unbound</x:Types></x:Hello>'),
    );
    expect(m?.entries[0].types).toEqual(['dpws:Device', '{urn:vendor}Pump', 'c:Unbound']);
  });

  it('reads nothing from a cut envelope, and survives deep nesting and entity tricks', () => {
    const whole = envelope('<d:Bye xmlns:d="http://docs.oasis-open.org/ws-dd/ns/discovery/2009/01"/>');
    expect(readSoapMessage(whole)?.action).toBe('Bye');
    expect(readSoapMessage(whole.slice(0, -5))).toBeNull();
    expect(readSoapMessage(envelope('<a>'.repeat(5000) + '</a>'.repeat(5000)))).toBeNull();
    let texts = 0;
    scanXml('<!DOCTYPE x [<!ENTITY e "boom">]><r>&e;&#x41;&lt;</r>', { close: (_e, t) => { texts++; expect(t).toBe('&e;A<'); } });
    expect(texts).toBe(1);
  });
});

function envelope(body: string): string {
  return `<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body>${body}</s:Body></s:Envelope>`;
}

// The MDIB samples of ../shared (sdc11073, MIT), as a GetMdibResponse body, against ElementTree.
const mdibFiles = existsSync(MDIBS) ? ['70041_MDIB_Final.xml', 'PlugathonMdibV2.xml', 'mdib_tns.xml', 'reference_mdib.xml'] : [];
const skipMdib = !existsSync(MDIBS) ? '../shared is absent' : !havePython ? 'python3 is not installed' : '';
if (skipMdib) console.info(`sdc.test: skipping the MDIB sample tests: ${skipMdib}`);

const ORACLE = `
import sys, json, xml.etree.ElementTree as ET
PM = '{http://standards.ieee.org/downloads/11073/11073-10207-2017/participant}'
out = []
root = ET.parse(sys.argv[1]).getroot()
for mds in root.iter(PM + 'Mds'):
    meta = mds.find(PM + 'MetaData')
    if meta is None: continue
    for tag, key in (('Manufacturer', 'manufacturer'), ('ModelName', 'model'), ('ModelNumber', 'model_number'), ('SerialNumber', 'serial')):
        e = meta.find(PM + tag)
        if e is not None and (e.text or '').strip(): out.append([key, ' '.join(e.text.split())])
print(json.dumps(out))
`;

describe.skipIf(skipMdib !== '')('MDIB samples against ElementTree', () => {
  for (const name of mdibFiles) {
    it(`${name}: the MetaData ElementTree finds, and nothing from context states`, () => {
      const path = new URL(name, MDIBS).pathname;
      const oracle = spawnSync('python3', ['-c', ORACLE, path], { encoding: 'utf8' });
      expect(oracle.status, oracle.stderr).toBe(0);
      const expected = JSON.parse(oracle.stdout) as Array<[string, string]>;
      const xml = readFileSync(path, 'utf8').replace(/^\s*<\?xml[^>]*\?>/, '');
      const body = Buffer.from(envelope(xml), 'utf8');
      const http = Buffer.concat([Buffer.from(`HTTP/1.1 200 OK\r\nContent-Type: application/soap+xml\r\nContent-Length: ${body.length}\r\n\r\n`, 'latin1'), body]);
      const vector: Vector = { transport: 'tcp', originatorPort: 1, responderPort: 2, segments: [{ dir: 0, bytes: Buffer.from('POST / HTTP/1.1\r\nContent-Length: 0\r\n\r\n') }, { dir: 1, bytes: http }] };
      const facts = feedWhole(dissector, vector).facts.filter((x) => x.key !== 'sdc.message');
      expect(facts.map((x) => [x.key.slice(4), x.value])).toEqual(expected);
      expect(feedWhole(dissector, vector).facts.find((x) => x.key === 'sdc.message')?.value).toBe('GetMdibResponse');
      expect(JSON.stringify(facts)).not.toMatch(/Givenname|Familiy|Birthname/);
    });
  }
});

// tshark as an independent oracle for SOAP over HTTP: its HTTP and XML dissectors on the same capture
// (it has no WS-Discovery dissector, and will not decode UDP 3702 as XML).
if (!haveTshark) console.info('sdc.test: skipping the tshark differential test: tshark is not installed');

/** Text of a PDML `show` attribute, and then of the XML character data it holds. */
const unPdml = (text: string): string => text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&amp;/g, '&');
const unXml = (text: string): string =>
  text.replace(/&#(\d+);/g, (_m, d: string) => String.fromCodePoint(Number(d))).replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

describe.skipIf(!haveTshark)('SDC over HTTP against tshark', () => {
  it('the action and every identity field match the XML tshark decodes, frame by frame', () => {
    const pdml = spawnSync('tshark', ['-r', PCAP.pathname, '-Y', 'xml', '-T', 'pdml'], { encoding: 'utf8', maxBuffer: 1 << 26 }).stdout;
    const tagToKey: Record<string, string> = {
      'dpws:Manufacturer': 'manufacturer', 'dpws:ModelName': 'model', 'dpws:ModelNumber': 'model_number', 'dpws:FriendlyName': 'friendly_name',
      'dpws:FirmwareVersion': 'firmware', 'dpws:SerialNumber': 'serial', 'pm:Manufacturer': 'manufacturer', 'pm:ModelName': 'model',
      'pm:ModelNumber': 'model_number', 'pm:SerialNumber': 'serial',
    };
    const expected = new Set<string>();
    let frames = 0;
    for (const packet of pdml.split('<packet>').slice(1)) {
      frames++;
      const taken = new Set<string>();
      let tag = '';
      for (const m of packet.matchAll(/<field name="xml\.(tag|cdata)"[^>]* show="([^"]*)"/g)) {
        const show = unPdml(m[2]);
        if (m[1] === 'tag') {
          tag = /^<([^\s>/]+)/.exec(show)?.[1] ?? '';
          continue;
        }
        const text = unXml(show).trim();
        if (tag === 'wsa:Action') expected.add(`sdc.message=${text.slice(text.lastIndexOf('/') + 1)}`);
        const key = tagToKey[tag];
        // Localized strings repeat per language: the first one is the fact.
        if (key !== undefined && !taken.has(tag)) {
          taken.add(tag);
          expected.add(`sdc.${key}=${text}`);
        }
      }
    }
    expect(frames).toBe(4);
    const tcpVector = vectors.find((v) => v.transport === 'tcp')!;
    const ours = new Set(feedWhole(dissector, tcpVector).facts.map((x) => `${x.key}=${String(x.value)}`));
    expect([...ours].sort()).toEqual([...expected].sort());
  });
});

// Real WS-Discovery from Windows (the 2005 draft, IPv4 and IPv6 multicast) in nDPI's upnp.pcap (LGPL-3.0,
// read from ../shared at run time, not copied): tshark cuts out the datagrams, ElementTree reads them.
const NDPI_UPNP = new URL('../../../shared/captures/discovery/ndpi/upnp.pcap', import.meta.url);
const skipNdpi = !existsSync(NDPI_UPNP) ? '../shared is absent' : !haveTshark ? 'tshark is not installed' : !havePython ? 'python3 is not installed' : '';
if (skipNdpi) console.info(`sdc.test: skipping the nDPI WS-Discovery test: ${skipNdpi}`);

const WSD_ORACLE = `
import sys, json, xml.etree.ElementTree as ET
out = []
for line in sys.stdin.read().split():
    root = ET.fromstring(bytes.fromhex(line))
    action = address = None
    for e in root.iter():
        local = e.tag.split('}')[-1]
        if local == 'Action': action = e.text.strip().rsplit('/', 1)[-1]
        if local == 'Address' and address is None: address = e.text.strip()
    out.append([action, address])
print(json.dumps(out))
`;

describe.skipIf(skipNdpi !== '')('real WS-Discovery (nDPI upnp.pcap) against ElementTree', () => {
  it('reads the action and endpoint of every datagram, over IPv4 and IPv6', () => {
    const payloads = spawnSync('tshark', ['-r', NDPI_UPNP.pathname, '-Y', 'udp.port == 3702', '-T', 'fields', '-e', 'udp.payload'], { encoding: 'utf8' })
      .stdout.split('\n')
      .filter((l) => l.length > 0);
    expect(payloads.length).toBe(14);
    const oracle = spawnSync('python3', ['-c', WSD_ORACLE], { input: payloads.join('\n'), encoding: 'utf8' });
    expect(oracle.status, oracle.stderr).toBe(0);
    const expected = JSON.parse(oracle.stdout) as Array<[string, string]>;
    payloads.forEach((hex, i) => {
      const facts = feedWhole(dissector, { transport: 'udp', originatorPort: 58931, responderPort: 3702, segments: [{ dir: 0, bytes: Buffer.from(hex, 'hex') }] }).facts;
      expect(facts.map((x) => [x.key, x.value])).toEqual([
        ['sdc.message', expected[i][0]],
        ['sdc.endpoint_reference', expected[i][1]],
      ]);
    });
  });
});
