import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Direction } from '../../src/protocols/dissector.js';
import { feed, feedWhole, mulberry32, mutateVector, randomInt, type Fact, type Segment } from '../../src/protocols/harness.js';
import { HttpDissector, readDeviceDescription, requestPath } from '../../src/protocols/http/index.js';
import { describeConformance, type ConformanceVector } from './conformance.js';
import { AGGREGATOR, tcpFlows } from './tshark-streams.js';

// Real HTTP bytes. Sources (see test/fixtures/README.md for licences):
//   zeek: Zeek's regression traces, BSD-3-Clause, testing/btest/Traces/http/<file> (copies in
//         ../shared/captures/general/zeek/http/); one segment per TCP segment of the capture.
// Hand-built messages (pipelining, chunked bodies, UPnP descriptions, authentication) are written here.

const hex = (text: string): Buffer => Buffer.from(text.replace(/\s+/g, ''), 'hex');
const txt = (text: string): Buffer => Buffer.from(text, 'latin1');
const c = (key: string, value: string | number | boolean): Fact => ({ key, value, from: 0 });
const s = (key: string, value: string | number | boolean): Fact => ({ key, value, from: 1 });
const seg = (dir: Direction, bytes: Buffer): Segment => ({ dir, bytes });

// zeek http/basic-auth-with-colon.pcap: python-requests with `Authorization: Basic  dGVzdDoxOjM0` (two
// spaces; the test credential is Zeek's) to Python's http.server.
const BASIC_REQ =
  '474554202f20485454502f312e310d0a486f73743a203137322e32342e3133332e3230353a383030300d0a557365722d4167656e743a20707974686f6e2d72657175657374732f322e33312e300d0a4163636570742d456e636f64696e673a20677a69702c206465666c6174650d0a4163636570743a202a2f2a0d0a436f6e6e656374696f6e3a206b6565702d616c6976650d0a417574686f72697a6174696f6e3a20426173696320206447567a64446f784f6a4d300d0a0d0a';
const BASIC_RESP_HEAD =
  '485454502f312e3020323030204f4b0d0a5365727665723a2053696d706c65485454502f302e3620507974686f6e2f332e31302e360d0a446174653a204d6f6e2c203236204a756e20323032332031303a35333a303020474d540d0a436f6e74656e742d747970653a20746578742f68746d6c3b20636861727365743d7574662d380d0a436f6e74656e742d4c656e6774683a203634330d0a0d0a';
const BASIC_RESP_BODY =
  '3c21444f43545950452048544d4c205055424c494320222d2f2f5733432f2f4454442048544d4c20342e30312f2f454e222022687474703a2f2f7777772e77332e6f72672f54522f68746d6c342f7374726963742e647464223e0a3c68746d6c3e0a3c686561643e0a3c6d65746120687474702d65717569763d22436f6e74656e742d547970652220636f6e74656e743d22746578742f68746d6c3b20636861727365743d7574662d38223e0a3c7469746c653e4469726563746f7279206c697374696e6720666f72202f3c2f7469746c653e0a3c2f686561643e0a3c626f64793e0a3c68313e4469726563746f7279206c697374696e6720666f72202f3c2f68313e0a3c68723e0a3c756c3e0a3c6c693e3c6120687265663d222e6769742f223e2e6769742f3c2f613e3c2f6c693e0a3c6c693e3c6120687265663d222e67697469676e6f7265223e2e67697469676e6f72653c2f613e3c2f6c693e0a3c6c693e3c6120687265663d22636c75737465722d6465706c6f792e6d64223e636c75737465722d6465706c6f792e6d643c2f613e3c2f6c693e0a3c6c693e3c6120687265663d226675636b2e70636170223e6675636b2e706361703c2f613e3c2f6c693e0a3c6c693e3c6120687265663d227061636b6167652f223e7061636b6167652f3c2f613e3c2f6c693e0a3c6c693e3c6120687265663d22706c7567696e2f223e706c7567696e2f3c2f613e3c2f6c693e0a3c6c693e3c6120687265663d22524541444d452e6d64223e524541444d452e6d643c2f613e3c2f6c693e0a3c6c693e3c6120687265663d227265706f7274642f223e7265706f7274642f3c2f613e3c2f6c693e0a3c2f756c3e0a3c68723e0a3c2f626f64793e0a3c2f68746d6c3e0a';
// zeek http/post.pcap: curl POST with an 11-octet body; the status line arrives in its own segment.
const POST_REQ =
  '504f5354202f706f737420485454502f312e310d0a557365722d4167656e743a206375726c2f372e32392e300d0a486f73743a206874747062696e2e6f72670d0a4163636570743a202a2f2a0d0a436f6e74656e742d4c656e6774683a2031310d0a436f6e74656e742d547970653a206170706c69636174696f6e2f782d7777772d666f726d2d75726c656e636f6465640d0a0d0a68656c6c6f20776f726c64';
const POST_RESP_LINE = '485454502f312e3120323030204f4b0d0a';
const POST_RESP_REST =
  '5365727665723a2067756e69636f726e2f302e31362e310d0a446174653a205475652c203139204d617220323031332031363a30353a313120474d540d0a436f6e74656e742d547970653a206170706c69636174696f6e2f6a736f6e0d0a436f6e74656e742d4c656e6774683a203336360d0a436f6e6e656374696f6e3a20636c6f73650d0a0d0a7b0a2020226f726967696e223a202231302e3134322e3133332e313438222c0a20202266696c6573223a207b7d2c0a202022666f726d223a206e756c6c2c0a20202275726c223a2022687474703a2f2f6874747062696e2e6f72672f706f7374222c0a20202261726773223a207b7d2c0a20202268656164657273223a207b0a2020202022436f6e74656e742d4c656e677468223a20223131222c0a2020202022436f6e6e656374696f6e223a2022636c6f7365222c0a2020202022416363657074223a20222a2f2a222c0a2020202022557365722d4167656e74223a20226375726c2f372e32392e30222c0a2020202022486f7374223a20226874747062696e2e6f7267222c0a2020202022436f6e74656e742d54797065223a20226170706c69636174696f6e2f782d7777772d666f726d2d75726c656e636f646564220a20207d2c0a2020226a736f6e223a206e756c6c2c0a20202264617461223a202268656c6c6f20776f726c64220a7d';

// Hand-built: a UPnP device description, as an infusion pump's gateway might serve it.
const DESCRIPTION = [
  '<?xml version="1.0"?>',
  '<root xmlns="urn:schemas-upnp-org:device-1-0">',
  '<specVersion><major>1</major><minor>0</minor></specVersion>',
  '<device>',
  '<deviceType>urn:schemas-upnp-org:device:Basic:1</deviceType>',
  '<friendlyName>Pump Gateway &amp; Dock (ICU-3)</friendlyName>',
  '<manufacturer>Example Medical</manufacturer>',
  '<modelName>PG-200</modelName>',
  '<modelNumber>200</modelNumber>',
  '<serialNumber>SN0042</serialNumber>',
  '<UDN>uuid:2f402f80-da50-11e1-9b23-00178809ea66</UDN>',
  '</device>',
  '</root>',
  '',
].join('\r\n');
/** The description in two chunks (RFC 9112 §7.1), with a chunk extension and a trailer field. */
function chunked(body: string): string {
  const cut = 100;
  const a = body.slice(0, cut);
  const b = body.slice(cut);
  return `${a.length.toString(16)};ext=1\r\n${a}\r\n${b.length.toString(16).toUpperCase()}\r\n${b}\r\n0\r\nX-Trailer: yes\r\n\r\n`;
}
const PIPELINED_REQ = txt(
  'GET /description.xml?session=SECRET HTTP/1.1\r\nHost: 10.1.2.3:49152\r\nUser-Agent: Vigil-Test/1.0 UPnP/1.1\r\n\r\n' +
    'HEAD /status HTTP/1.1\r\nHost: 10.1.2.3:49152\r\nUser-Agent: Vigil-Test/1.0 UPnP/1.1\r\n\r\n' +
    'POST /upload HTTP/1.1\r\nHost: 10.1.2.3:49152\r\nExpect: 100-continue\r\nContent-Type: application/octet-stream\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n' +
    'GET /after HTTP/1.1\r\nHost: 10.1.2.3:49152\r\n\r\n',
);
const PIPELINED_RESP = txt(
  `HTTP/1.1 200 OK\r\nServer: Linux/4.9 UPnP/1.0 PumpGW/2.1\r\nContent-Type: text/xml; charset="utf-8"\r\nTransfer-Encoding: chunked\r\n\r\n${chunked(DESCRIPTION)}` +
    // A HEAD response announces a length it does not send (RFC 9110 §9.3.2).
    'HTTP/1.1 200 OK\r\nServer: Linux/4.9 UPnP/1.0 PumpGW/2.1\r\nContent-Length: 5000\r\n\r\n' +
    'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n' +
    'HTTP/1.1 404 Not Found\r\nServer: Other/9\r\nContent-Length: 3\r\n\r\nno\n',
);
const AUTH_REQ = txt(
  'GET /api/patients HTTP/1.1\r\nHost: emr.example\r\nAuthorization: NTLM TlRMTVNTUAABAAAAB4IIogAAAAAAAAAAAAAAAAAAAAAGAbEdAAAADw==\r\nCookie: sid=SECRET\r\n\r\n' +
    'GET /api/orders HTTP/1.1\r\nHost: emr.example\r\nProxy-Authorization: basic Zm9vOmJhcg==\r\nAuthorization: Bearer eyJhbGciOi.SECRET\r\n\r\n',
);
const AUTH_RESP = txt(
  'HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Negotiate\r\nWWW-Authenticate: NTLM\r\nContent-Length: 0\r\n\r\n' +
    'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}',
);

const tcp = (name: string, segments: Segment[], expected: Fact[], exact = true, responderPort = 80): ConformanceVector => ({
  name,
  transport: 'tcp',
  originatorPort: 51000,
  responderPort,
  segments,
  expected,
  exact,
});

const vectors: ConformanceVector[] = [
  tcp(
    'zeek basic-auth-with-colon: Basic credentials to http.server on 8000',
    [seg(0, hex(BASIC_REQ)), seg(1, hex(BASIC_RESP_HEAD)), seg(1, hex(BASIC_RESP_BODY))],
    [
      c('http.method', 'GET'),
      c('http.path', '/'),
      c('http.host', '172.24.133.205:8000'),
      c('http.user_agent', 'python-requests/2.31.0'),
      c('http.auth_scheme', 'Basic'),
      c('http.basic_auth', true),
      s('http.status', 200),
      s('http.server', 'SimpleHTTP/0.6 Python/3.10.6'),
      s('http.content_type', 'text/html; charset=utf-8'),
    ],
    true,
    8000,
  ),
  tcp(
    'zeek post: a form POST; status line in its own segment',
    [seg(0, hex(POST_REQ)), seg(1, hex(POST_RESP_LINE)), seg(1, hex(POST_RESP_REST))],
    [
      c('http.method', 'POST'),
      c('http.path', '/post'),
      c('http.host', 'httpbin.org'),
      c('http.user_agent', 'curl/7.29.0'),
      c('http.content_type', 'application/x-www-form-urlencoded'),
      s('http.status', 200),
      s('http.server', 'gunicorn/0.16.1'),
      s('http.content_type', 'application/json'),
    ],
  ),
  tcp(
    'pipelined GET/HEAD/POST/GET: chunked UPnP description, HEAD, 100 Continue, then a 404',
    [seg(0, PIPELINED_REQ), seg(1, PIPELINED_RESP)],
    [
      c('http.method', 'GET'),
      c('http.path', '/description.xml'),
      c('http.host', '10.1.2.3:49152'),
      c('http.user_agent', 'Vigil-Test/1.0 UPnP/1.1'),
      c('http.method', 'HEAD'),
      c('http.path', '/status'),
      c('http.method', 'POST'),
      c('http.path', '/upload'),
      c('http.content_type', 'application/octet-stream'),
      c('http.path', '/after'),
      s('http.status', 200),
      s('http.server', 'Linux/4.9 UPnP/1.0 PumpGW/2.1'),
      s('http.content_type', 'text/xml; charset="utf-8"'),
      s('http.upnp.device_type', 'urn:schemas-upnp-org:device:Basic:1'),
      s('http.upnp.friendly_name', 'Pump Gateway & Dock (ICU-3)'),
      s('http.upnp.manufacturer', 'Example Medical'),
      s('http.upnp.model_name', 'PG-200'),
      s('http.upnp.model_number', '200'),
      s('http.upnp.serial_number', 'SN0042'),
      s('http.upnp.udn', 'uuid:2f402f80-da50-11e1-9b23-00178809ea66'),
      s('http.status', 100),
      s('http.status', 201),
      s('http.status', 404),
      s('http.server', 'Other/9'),
    ],
    true,
    49152,
  ),
  tcp(
    'NTLM, Basic to a proxy and Bearer; challenges; never a credential or cookie',
    [seg(0, AUTH_REQ), seg(1, AUTH_RESP)],
    [
      c('http.method', 'GET'),
      c('http.path', '/api/patients'),
      c('http.host', 'emr.example'),
      c('http.auth_scheme', 'NTLM'),
      c('http.path', '/api/orders'),
      c('http.auth_scheme', 'Basic'),
      c('http.basic_auth', true),
      c('http.auth_scheme', 'Bearer'),
      s('http.status', 401),
      s('http.auth_challenge', 'Negotiate'),
      s('http.auth_challenge', 'NTLM'),
      s('http.status', 200),
    ],
  ),
  tcp('not HTTP: TLS on port 80 stops at once', [seg(0, hex('16030100a1010000'))], []),
];

const dissector = new HttpDissector();

describeConformance(dissector, vectors);

describe('HttpDissector', () => {
  it('claims the usual TCP ports and probes request and status lines', () => {
    expect(dissector.tcpPorts).toEqual([80, 8080, 8000, 8042]);
    const probe = (text: string, transport: 'tcp' | 'udp' = 'tcp'): boolean => {
      const b = Buffer.concat([Buffer.from('xx'), txt(text)]);
      return dissector.probe(transport, 0, b, 2, b.length - 2);
    };
    expect(probe('GET / HTTP/1.1\r\n')).toBe(true);
    expect(probe('PROPFIND /dav')).toBe(true);
    expect(probe('HTTP/1.0 200 OK')).toBe(true);
    expect(probe('GETX / HTTP/1.1')).toBe(false);
    expect(probe('\x16\x03\x01\x00')).toBe(false);
    expect(probe('NOTIFY * HTTP/1.1', 'udp')).toBe(false);
  });

  it('never emits an Authorization, Proxy-Authorization or Cookie value', () => {
    for (const vector of vectors) {
      for (const fact of feedWhole(dissector, vector).facts) {
        expect(String(fact.value)).not.toMatch(/SECRET|dGVzdDoxOjM0|Zm9vOmJhcg|TlRMTVNTUA/);
      }
    }
  });

  it('detaches after maxMessages per direction and is then done', () => {
    const small = new HttpDissector({ maxMessages: 2 });
    const req = txt('GET /a HTTP/1.1\r\nHost: h\r\n\r\n'.repeat(3).replace(/\/a/g, (m, i: number) => `/a${i}`));
    const resp = txt('HTTP/1.1 204 No Content\r\n\r\n'.repeat(3));
    const result = feed(small, vectors[0], [seg(0, req), seg(1, resp)]);
    expect(result.facts.filter((f) => f.key === 'http.path')).toHaveLength(2);
    expect(result.done).toBe(true);
  });

  it('gives up on a head longer than maxHead', () => {
    const small = new HttpDissector({ maxHead: 64 });
    const req = txt(`GET / HTTP/1.1\r\nX-Long: ${'a'.repeat(100)}\r\nHost: h\r\n\r\n`);
    const result = feed(small, vectors[0], [seg(0, req)]);
    expect(result.facts).toEqual([]);
  });

  it('reads a description sent as a body delimited by the close', () => {
    const resp = txt(`HTTP/1.0 200 OK\r\nContent-Type: text/xml\r\n\r\n${DESCRIPTION}`);
    const result = feed(dissector, vectors[0], [seg(0, txt('GET /d.xml HTTP/1.0\r\n\r\n')), seg(1, resp)]);
    expect(result.facts).toContainEqual(s('http.upnp.model_name', 'PG-200'));
  });

  it('after lost octets inside a body, keeps the framing; elsewhere, resynchronises on the next message', () => {
    const facts: Fact[] = [];
    const session = dissector.open({ emit: (key, value, from) => facts.push({ key, value, from }), ts: 0, transport: 'tcp', originatorPort: 1, responderPort: 80 });
    const deliver = (dir: Direction, text: string): void => session.data(dir, txt(text), 0, text.length);
    deliver(0, 'GET /a HTTP/1.1\r\nHost: h\r\n\r\nGET /b HTTP/1.1\r\nHost: h\r\n\r\n');
    deliver(1, 'HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789');
    session.gap?.(1, 50);
    deliver(1, 'x'.repeat(40) + 'HTTP/1.1 404 Not Found\r\nServer: after-gap\r\nContent-Length: 0\r\n\r\n');
    expect(facts).toContainEqual(s('http.server', 'after-gap'));
    // A gap in a head: the rest of that line is garbage, the next request line is read.
    deliver(0, 'GET /c HTTP/1.1\r\nHo');
    session.gap?.(0, 30);
    deliver(0, 'junk: x\r\n\r\nPOST /d HTTP/1.1\r\nUser-Agent: resynced\r\n\r\n');
    expect(facts).toContainEqual(c('http.path', '/d'));
    expect(facts).toContainEqual(c('http.user_agent', 'resynced'));
    expect(facts).not.toContainEqual(c('http.path', '/c'));
    expect(session.done).toBe(false);
  });

  it('survives 3000 mutated streams with random gaps', () => {
    const rng = mulberry32(0x9a9);
    for (let i = 0; i < 3000; i++) {
      const vector = mutateVector(vectors[i % 4], rng);
      const session = dissector.open({ emit: () => undefined, ts: 0, transport: 'tcp', originatorPort: 1, responderPort: 80 });
      for (const segment of vector.segments) {
        let at = 0;
        while (at < segment.bytes.length && !session.done) {
          const n = 1 + randomInt(rng, 200);
          const chunk = segment.bytes.subarray(at, at + n);
          session.data(segment.dir, chunk, 0, chunk.length);
          at += n;
          if (randomInt(rng, 4) === 0) session.gap?.(segment.dir, 1 + randomInt(rng, 300));
        }
      }
      session.end?.();
    }
  });

  it('masks path segments that may identify a patient or record', () => {
    expect(requestPath('/fhir/Patient/123456')).toBe('/fhir/Patient/{id}');
    expect(requestPath('/ehr/legacy/204/notes')).toBe('/ehr/legacy/{id}/notes');
    expect(requestPath('/studies/1.2.840.113619.2.55/series')).toBe('/studies/{id}/series');
    expect(requestPath('/obs/3f2504e0-4f89-11d3-9a0c-0305e82c3301')).toBe('/obs/{id}');
    expect(requestPath('/api/v1/status')).toBe('/api/v1/status');
    expect(requestPath('/wado/studies')).toBe('/wado/studies');
  });

  it('cuts paths at the query and at 256 characters', () => {
    expect(requestPath('/a/b?x=1#f')).toBe('/a/b');
    expect(requestPath('*')).toBe('*');
    expect(requestPath(`/${'p'.repeat(400)}`)).toHaveLength(256);
    expect(requestPath('?only')).toBeNull();
  });

  it('ignores descriptions outside the UPnP device namespace', () => {
    expect(readDeviceDescription('<root><device><friendlyName>x</friendlyName></device></root>')).toEqual([]);
    expect(readDeviceDescription(DESCRIPTION).map(([k]) => k)).toContain('serial_number');
  });
});

// Differential test against tshark on every capture in ../shared with HTTP over TCP.
const SHARED = new URL('../../../shared/captures/', import.meta.url);
const CAPTURES = [
  'general/zeek/http/basic-auth-with-colon.pcap',
  'general/zeek/http/get.pcap',
  'general/zeek/http/multipart.pcap',
  'general/zeek/http/post.pcap',
  'general/zeek/http/proxy.pcap',
  'general/zeek/web.pcap',
  'general/zeek/wikipedia.pcap',
  'general/zeek/var-services-std-ports.pcap',
  'attacks/zeek/http/cooper-grill-dvwa.pcapng',
  'attacks/zeek/http/testmyids.pcap',
  'discovery/zeek/workshop_2011_browse.pcap',
  'general/ndpi/http.pcapng',
  'general/ndpi/http_ua_splitted_in_two_pkts.pcapng',
  'general/ndpi/jsonrpc.pcap',
  'general/ndpi/soap.pcap',
  'discovery/ndpi/ipp.pcap',
  'discovery/ndpi/windowsupdate_over_http.pcap',
  'discovery/ndpi/android.pcap',
  'discovery/ndpi/iphone.pcap',
  'attacks/ndpi/WebattackSQLinj.pcap',
  'attacks/ndpi/log4j-webapp-exploit.pcap',
  'attacks/ndpi/WebattackRCE.pcap',
  'general/malcolm/NTLM.pcap',
  'general/chrissanders/http_google.pcapng',
  'attacks/chrissanders/http_dvwa_sqlinjection.pcapng',
  'attacks/chrissanders/http_dvwa_directorytraversal.pcapng',
  'attacks/chrissanders/sessionhijacking.pcapng',
  'attacks/chrissanders/arppoison.pcapng',
  'attacks/chrissanders/tcp_ports.pcapng',
];
const haveShared = existsSync(SHARED);
const haveTshark = spawnSync('tshark', ['-v'], { stdio: 'ignore' }).status === 0;
const skipWhy = !haveShared ? '../shared is absent' : !haveTshark ? 'tshark is not installed' : '';
if (skipWhy) console.info(`http.test: skipping the tshark differential test: ${skipWhy}`);

/** Our key → tshark field, and how a tshark value becomes ours. */
const MAPPING: ReadonlyArray<readonly [string, string, (v: string) => string | null]> = [
  ['http.method', 'http.request.method', (v) => v],
  ['http.path', 'http.request.uri', (v) => requestPath(v)],
  ['http.host', 'http.host', (v) => v],
  ['http.user_agent', 'http.user_agent', (v) => v],
  ['http.server', 'http.server', (v) => v],
  ['http.status', 'http.response.code', (v) => v],
  ['http.content_type', 'http.content_type', (v) => v],
  ['http.auth_scheme', 'http.authorization', (v) => v.split(' ')[0]],
];

describe.skipIf(skipWhy !== '')('HTTP against tshark', () => {
  it('finds what tshark finds and contradicts nothing', { timeout: 600_000 }, () => {
    const totals = new Map<string, { tshark: number; found: number; extra: number }>();
    const contradictions: string[] = [];
    for (const capture of CAPTURES) {
      const path = new URL(capture, SHARED).pathname;
      if (!existsSync(path)) continue;
      const flows = tcpFlows(path, 'tcp', MAPPING.map(([, f]) => f));
      for (const flow of flows) {
        const want = new Map<string, Set<string>>();
        for (const row of flow.rows) {
          MAPPING.forEach(([key, , convert], i) => {
            const field = row[i];
            if (!field) return;
            for (const raw of field.split(AGGREGATOR)) {
              const value = convert(raw.slice(0, 512));
              if (value === null) continue;
              if (!want.has(key)) want.set(key, new Set());
              want.get(key)!.add(value);
            }
          });
        }
        if (want.size === 0) continue;
        const facts = feedWhole(new HttpDissector({ maxMessages: 1000 }), flow, { ts: flow.ts }).facts;
        for (const [key] of MAPPING) {
          const ours = new Set(facts.filter((f) => f.key === key).map((f) => String(f.value)));
          const theirs = want.get(key) ?? new Set<string>();
          const t = totals.get(key) ?? { tshark: 0, found: 0, extra: 0 };
          for (const v of theirs) {
            t.tshark++;
            if (ours.has(v)) t.found++;
          }
          for (const v of ours) {
            if (theirs.has(v)) continue;
            t.extra++;
            // tshark shows no value for the key on this stream when it never finished reassembling the
            // message (a body cut by the capture): not a contradiction, only unconfirmed.
            if (theirs.size > 0) {
              contradictions.push(`${capture} stream ${flow.stream}: ${key} ${JSON.stringify(v)} (tshark: ${JSON.stringify([...theirs])})`);
            }
          }
          totals.set(key, t);
        }
      }
    }
    const lines = [...totals].map(([key, t]) => `${key}: ${t.found}/${t.tshark} recall ${(t.tshark ? (100 * t.found) / t.tshark : 100).toFixed(1)}%, ${t.extra} not shown by tshark`);
    console.info(`HTTP vs tshark:\n  ${lines.join('\n  ')}`);
    expect(contradictions.slice(0, 20)).toEqual([]);
    for (const [key, t] of totals) expect(t.found / Math.max(1, t.tshark), key).toBeGreaterThanOrEqual(0.9);
  });
});
