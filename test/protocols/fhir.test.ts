import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Analyzer } from '../../src/analyze/analyzer.js';
import type { Direction } from '../../src/protocols/dissector.js';
import { feedWhole, type Fact, type Segment } from '../../src/protocols/harness.js';
import { classifyFhirRequest, fhirVersion } from '../../src/protocols/http/fhir-rest.js';
import { HttpDissector } from '../../src/protocols/http/index.js';
import type { Observation } from '../../src/protocols/observation.js';
import { describeConformance, type ConformanceVector } from './conformance.js';
import { haveTshark } from './tshark-fields.js';
import { tsharkFields } from './tshark-streams.js';

// Real bytes: test/fixtures/fhir/fhir-rest.pcap, recorded by scripts/record-fhir-fixtures.sh: Debian's curl
// against a FHIR-shaped responder on Python's http.server, two keep-alive connections (reads and searches,
// then writes). Patient ids, names and values in it are invented placeholders, and must never come out.

const PCAP = new URL('../fixtures/fhir/fhir-rest.pcap', import.meta.url);

interface TcpPacket {
  client: number;
  fromClient: boolean;
  payload: Buffer;
}

/** TCP payloads of a classic little-endian pcap of Ethernet/IPv4 frames, keyed by the client's port. */
function tcpPackets(path: URL, serverPort: number): TcpPacket[] {
  const file = readFileSync(path);
  const out: TcpPacket[] = [];
  for (let pos = 24; pos + 16 <= file.length; ) {
    const caplen = file.readUInt32LE(pos + 8);
    const frame = file.subarray(pos + 16, pos + 16 + caplen);
    pos += 16 + caplen;
    if (frame.readUInt16BE(12) !== 0x0800 || frame[23] !== 6) continue;
    const l4 = 14 + (frame[14] & 0x0f) * 4;
    const sport = frame.readUInt16BE(l4);
    const dport = frame.readUInt16BE(l4 + 2);
    const payload = frame.subarray(l4 + (frame[l4 + 12] >> 4) * 4, 14 + frame.readUInt16BE(16));
    if (payload.length === 0) continue;
    out.push({ client: sport === serverPort ? dport : sport, fromClient: dport === serverPort, payload });
  }
  return out;
}

const packets = tcpPackets(PCAP, 8080);
const clients = [...new Set(packets.map((p) => p.client))];
const connection = (client: number): Segment[] =>
  packets.filter((p) => p.client === client).map((p) => ({ dir: (p.fromClient ? 0 : 1) as Direction, bytes: p.payload }));

const c = (key: string, value: Fact['value']): Fact => ({ key, value, from: 0 });
const s = (key: string, value: Fact['value']): Fact => ({ key, value, from: 1 });
const server = [s('http.fhir_server', true), s('http.fhir_version', '4.0'), s('http.status', 200)];

const vectors: ConformanceVector[] = [
  {
    name: 'recorded curl: capabilities, read, search, vread, $everything, compartment search',
    transport: 'tcp',
    originatorPort: clients[0],
    responderPort: 8080,
    segments: connection(clients[0]),
    expected: [
      c('http.fhir_client', true),
      c('http.fhir_version', '4.0'),
      c('http.fhir_interaction', 'capabilities'),
      c('http.path', '/fhir/metadata'),
      c('http.fhir_resource', 'Patient'),
      c('http.fhir_interaction', 'read'),
      c('http.path', '/fhir/Patient/{id}'),
      c('http.fhir_resource', 'Observation'),
      c('http.fhir_interaction', 'search-type'),
      c('http.path', '/fhir/Observation'),
      c('http.fhir_interaction', 'vread'),
      c('http.path', '/fhir/Patient/{id}/_history/{id}'),
      c('http.fhir_interaction', 'operation'),
      c('http.path', '/fhir/Patient/{id}/$everything'),
      c('http.fhir_interaction', 'search-compartment'),
      c('http.path', '/fhir/Patient/{id}/Observation'),
      ...server,
    ],
  },
  {
    name: 'recorded curl: create, update, patch, delete, _search, transaction, system history',
    transport: 'tcp',
    originatorPort: clients[1],
    responderPort: 8080,
    segments: connection(clients[1]),
    expected: [
      c('http.fhir_client', true),
      c('http.fhir_version', '4.0'),
      c('http.fhir_resource', 'Observation'),
      c('http.fhir_interaction', 'create'),
      c('http.path', '/fhir/Observation'),
      c('http.fhir_resource', 'Patient'),
      c('http.fhir_interaction', 'update'),
      c('http.fhir_interaction', 'patch'),
      c('http.path', '/fhir/Patient/{id}'),
      c('http.fhir_interaction', 'delete'),
      c('http.path', '/fhir/Observation/{id}'),
      c('http.fhir_interaction', 'search-type'),
      c('http.path', '/fhir/Patient/_search'),
      c('http.fhir_interaction', 'batch/transaction'),
      c('http.path', '/fhir'),
      c('http.fhir_interaction', 'history'),
      c('http.path', '/fhir/_history'),
      s('http.status', 204),
      ...server,
    ],
  },
];

const dissector = new HttpDissector();

describe('the FHIR recording', () => {
  it('holds two connections with 6 and 7 requests', () => {
    expect(clients.length).toBe(2);
    const requests = (client: number) => connection(client).filter((x) => x.dir === 0 && /^[A-Z]+ \//.test(x.bytes.toString('latin1'))).length;
    expect([requests(clients[0]), requests(clients[1])]).toEqual([6, 7]);
  });
});

describeConformance(dissector, vectors);

describe('FHIR over HTTP', () => {
  it('never emits logical ids, search values, names or observation values', () => {
    const facts = vectors.flatMap((v) => feedWhole(dissector, v).facts);
    const text = JSON.stringify(facts);
    for (const phi of ['pat-jane-doe', 'jane', 'Doe', '8867', 'obs-77', '1970', 'loinc', '"72"', '_count', 'family=']) expect(text.toLowerCase()).not.toContain(phi.toLowerCase());
    expect(facts.filter((f) => f.key === 'http.path').every((f) => !String(f.value).includes('?'))).toBe(true);
  });

  it('masks ids of any shape in FHIR paths, not only numeric ones', () => {
    const read = (target: string, method = 'GET') => classifyFhirRequest(method, target, null, null);
    expect(read('/fhir/Patient/smith-john')).toEqual({ resource: 'Patient', interaction: 'read', maskedPath: '/fhir/Patient/{id}' });
    expect(read('/r4/Observation/a.b-c/_history/v1')?.maskedPath).toBe('/r4/Observation/{id}/_history/{id}');
    expect(read('/Encounter/e1/$validate', 'POST')).toEqual({ resource: 'Encounter', interaction: 'operation', maskedPath: '/Encounter/{id}/$validate' });
    expect(read('/Patient/x/$<script>', 'POST')?.maskedPath).toBe('/Patient/{id}/${op}');
  });

  it('reads every interaction of the FHIR RESTful API from method and path', () => {
    const table: Array<[string, string, string | null, string | null, string | null]> = [
      ['GET', '/base/Patient/1', null, 'Patient', 'read'],
      ['HEAD', '/base/Patient/1', null, 'Patient', 'read'],
      ['GET', '/base/Patient/1/_history/2', null, 'Patient', 'vread'],
      ['PUT', '/base/Patient/1', null, 'Patient', 'update'],
      ['PUT', '/base/Patient?identifier=x', null, 'Patient', 'update'],
      ['PATCH', '/base/Patient/1', null, 'Patient', 'patch'],
      ['DELETE', '/base/Patient/1', null, 'Patient', 'delete'],
      ['DELETE', '/base/Patient?identifier=x', null, 'Patient', 'delete'],
      ['GET', '/base/Patient/1/_history', null, 'Patient', 'history'],
      ['GET', '/base/Patient/_history', null, 'Patient', 'history'],
      ['GET', '/fhir/_history', null, null, 'history'],
      ['POST', '/base/Patient', null, 'Patient', 'create'],
      ['GET', '/base/Patient?name=x', null, 'Patient', 'search-type'],
      ['POST', '/base/Patient/_search', null, 'Patient', 'search-type'],
      ['GET', '/base/Patient/1/*', null, null, 'search-compartment'],
      ['GET', '/base?_type=Patient', 'application/fhir+json', null, 'search-system'],
      ['POST', '/base/_search', 'application/fhir+json', null, 'search-system'],
      ['GET', '/base/metadata', 'application/fhir+xml', null, 'capabilities'],
      ['POST', '/base', 'application/fhir+json', null, 'batch/transaction'],
      ['POST', '/base/$convert', 'application/json+fhir', null, 'operation'],
    ];
    for (const [method, target, media, resource, interaction] of table) {
      const got = classifyFhirRequest(method, target, media, null);
      expect([method, target, got?.resource ?? null, got?.interaction ?? null]).toEqual([method, target, resource, interaction]);
    }
  });

  it('leaves ordinary web traffic alone', () => {
    for (const [method, target] of [['GET', '/'], ['GET', '/index.html'], ['GET', '/metadata'], ['POST', '/api/login'], ['GET', '/patient/123'], ['GET', '/static/Patient/a/b/c'], ['POST', '/_search']]) {
      expect(classifyFhirRequest(method, target, 'text/html', '*/*'), `${method} ${target}`).toBeNull();
    }
  });

  it('reads fhirVersion only from a FHIR media type', () => {
    expect(fhirVersion('application/fhir+json; fhirVersion=4.0')).toBe('4.0');
    expect(fhirVersion('text/html, application/fhir+xml;q=0.9;fhirVersion="5.0"')).toBe('5.0');
    expect(fhirVersion('application/json; fhirVersion=4.0')).toBeNull();
    expect(fhirVersion('application/fhir+json; fhirVersion=4.0; x=<script>')).toBe('4.0');
    expect(fhirVersion('application/fhir+json; fhirVersion=abc')).toBeNull();
  });

  it('runs through the real pipeline: the client and server roles land on the right hosts', async () => {
    const seen: Observation[] = [];
    const analyzer = new Analyzer({ dissectors: [dissector], onObservation: (o) => seen.push(o) });
    await analyzer.addCapture(PCAP.pathname);
    analyzer.finish();
    const on = (key: string) => new Set(seen.filter((o) => o.key === key).map((o) => o.src.ip));
    expect(on('http.fhir_client')).toEqual(new Set(['10.203.2.2']));
    expect(on('http.fhir_server')).toEqual(new Set(['10.203.2.1']));
  });
});

if (!haveTshark) console.info('fhir.test: skipping the tshark differential test: tshark is not installed');

describe.skipIf(!haveTshark)('FHIR requests against tshark', () => {
  it('every request tshark decodes is read: its method, its masked path and its FHIR reading', () => {
    const rows = tsharkFields(PCAP.pathname, 'http.request', ['tcp.srcport', 'http.request.method', 'http.request.uri', 'http.content_type', 'http.accept']);
    expect(rows.length).toBe(13);
    for (const [port, method, uri, contentType, accept] of rows) {
      const vector = vectors.find((v) => v.originatorPort === Number(port))!;
      const facts = feedWhole(dissector, vector).facts.filter((f) => f.from === 0).map((f) => `${f.key}=${String(f.value)}`);
      const fhir = classifyFhirRequest(method, uri, contentType || null, accept || null);
      expect(fhir, `${method} ${uri}`).not.toBeNull();
      expect(facts).toContain(`http.method=${method}`);
      expect(facts).toContain(`http.fhir_interaction=${fhir!.interaction}`);
      if (fhir!.resource !== null) expect(facts).toContain(`http.fhir_resource=${fhir!.resource}`);
      // tshark's URI with its query cut and its id segments (what follows a type, or _history) replaced.
      const masked = uri.split('?')[0].replace(/(\/(?:Patient|Observation)|\/_history)\/(?!_|\$|Observation)[^/]+/g, '$1/{id}');
      expect(facts).toContain(`http.path=${masked}`);
    }
  });
});
