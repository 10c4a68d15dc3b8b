import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Direction } from '../../src/protocols/dissector.js';
import { feedWhole, type Fact, type Segment } from '../../src/protocols/harness.js';
import { SsdpDissector } from '../../src/protocols/ssdp/index.js';
import { describeConformance, type ConformanceVector } from './conformance.js';
import { AGGREGATOR, udpFlows } from './tshark-streams.js';

// Hand-built SSDP messages in the forms of UPnP Device Architecture 2.0 §1.2-1.3. The only SSDP captures
// in ../shared are nDPI's (LGPL-3.0, not copied here): the differential test below reads them at run time.

const txt = (text: string): Buffer => Buffer.from(text, 'latin1');
const f = (key: string, value: string, from: Direction = 0): Fact => ({ key, value, from });
const seg = (dir: Direction, text: string): Segment => ({ dir, bytes: txt(text) });

const NOTIFY_ALIVE =
  'NOTIFY * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\nCACHE-CONTROL: max-age=1800\r\n' +
  'LOCATION: http://10.20.30.41:49152/description.xml\r\nNT: upnp:rootdevice\r\nNTS: ssdp:alive\r\n' +
  'SERVER: Linux/4.14 UPnP/1.0 PumpGW/2.1\r\nUSN: uuid:2f402f80-da50-11e1-9b23-00178809ea66::upnp:rootdevice\r\n\r\n';
const NOTIFY_DEVICE = NOTIFY_ALIVE.replace('NT: upnp:rootdevice', 'NT: urn:schemas-upnp-org:device:Basic:1').replace(
  '::upnp:rootdevice',
  '::urn:schemas-upnp-org:device:Basic:1',
);
const NOTIFY_BYEBYE =
  'NOTIFY * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\nNT: upnp:rootdevice\r\nNTS: ssdp:byebye\r\n' +
  'USN: uuid:2f402f80-da50-11e1-9b23-00178809ea66::upnp:rootdevice\r\n\r\n';
const M_SEARCH =
  'M-SEARCH * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\nMAN: "ssdp:discover"\r\nMX: 2\r\nST: ssdp:all\r\n' +
  'USER-AGENT: Windows/10.0 UPnP/2.0 Vigil-Test/1.0\r\n\r\n';
const RESPONSE =
  'HTTP/1.1 200 OK\r\nCACHE-CONTROL: max-age=1800\r\nEXT:\r\nLOCATION: http://10.20.30.41:49152/description.xml\r\n' +
  'server: Linux/4.14 UPnP/1.0 PumpGW/2.1\r\nST: upnp:rootdevice\r\nUSN: uuid:2f402f80-da50-11e1-9b23-00178809ea66::upnp:rootdevice\r\n\r\n';

const udp = (name: string, segments: Segment[], expected: Fact[], exact = true, originatorPort = 1900): ConformanceVector => ({
  name,
  transport: 'udp',
  originatorPort,
  responderPort: 1900,
  segments,
  expected,
  exact,
});

const vectors: ConformanceVector[] = [
  udp(
    'NOTIFY alive for the root device and the device type, then byebye',
    [seg(0, NOTIFY_ALIVE), seg(0, NOTIFY_DEVICE), seg(0, NOTIFY_ALIVE), seg(0, NOTIFY_BYEBYE)],
    [
      f('ssdp.method', 'NOTIFY'),
      f('ssdp.server', 'Linux/4.14 UPnP/1.0 PumpGW/2.1'),
      f('ssdp.nt', 'upnp:rootdevice'),
      f('ssdp.nts', 'ssdp:alive'),
      f('ssdp.usn', 'uuid:2f402f80-da50-11e1-9b23-00178809ea66::upnp:rootdevice'),
      f('ssdp.location', 'http://10.20.30.41:49152/description.xml'),
      f('ssdp.nt', 'urn:schemas-upnp-org:device:Basic:1'),
      f('ssdp.usn', 'uuid:2f402f80-da50-11e1-9b23-00178809ea66::urn:schemas-upnp-org:device:Basic:1'),
      f('ssdp.nts', 'ssdp:byebye'),
    ],
  ),
  udp(
    'M-SEARCH and a unicast response',
    [seg(0, M_SEARCH), seg(1, RESPONSE)],
    [
      f('ssdp.method', 'M-SEARCH'),
      f('ssdp.st', 'ssdp:all'),
      f('ssdp.user_agent', 'Windows/10.0 UPnP/2.0 Vigil-Test/1.0'),
      f('ssdp.method', 'response', 1),
      f('ssdp.server', 'Linux/4.14 UPnP/1.0 PumpGW/2.1', 1),
      f('ssdp.st', 'upnp:rootdevice', 1),
      f('ssdp.usn', 'uuid:2f402f80-da50-11e1-9b23-00178809ea66::upnp:rootdevice', 1),
      f('ssdp.location', 'http://10.20.30.41:49152/description.xml', 1),
    ],
    true,
    50123,
  ),
  udp(
    'a NOTIFY without its final empty line, and one cut in a header',
    [seg(0, NOTIFY_BYEBYE.slice(0, -2)), seg(0, NOTIFY_ALIVE.slice(0, NOTIFY_ALIVE.indexOf('Linux/4.14') + 5))],
    [
      f('ssdp.method', 'NOTIFY'),
      f('ssdp.nt', 'upnp:rootdevice'),
      f('ssdp.nts', 'ssdp:byebye'),
      f('ssdp.usn', 'uuid:2f402f80-da50-11e1-9b23-00178809ea66::upnp:rootdevice'),
      f('ssdp.nts', 'ssdp:alive'),
      f('ssdp.location', 'http://10.20.30.41:49152/description.xml'),
    ],
  ),
  udp('not SSDP: other requests, other statuses, binary', [seg(0, 'GET / HTTP/1.1\r\nServer: x\r\n\r\n'), seg(1, 'HTTP/1.1 404 Not Found\r\nServer: x\r\n\r\n'), { dir: 0, bytes: Buffer.from([0, 1, 2, 0x0a, 0x0a]) }], []),
];

const dissector = new SsdpDissector();

describeConformance(dissector, vectors);

describe('SsdpDissector', () => {
  it('claims UDP 1900 and probes NOTIFY and M-SEARCH on other ports', () => {
    expect(dissector.udpPorts).toEqual([1900]);
    const probe = (text: string, transport: 'udp' | 'tcp' = 'udp'): boolean => {
      const b = Buffer.concat([txt('..'), txt(text)]);
      return dissector.probe(transport, 0, b, 2, b.length - 2);
    };
    expect(probe('M-SEARCH * HTTP/1.1\r\n')).toBe(true);
    expect(probe('NOTIFY * HTTP/1.1\r\n')).toBe(true);
    expect(probe('NOTIFY * HTTP/1.1\r\n', 'tcp')).toBe(false);
    expect(probe('GET / HTTP/1.1\r\n')).toBe(false);
  });

  it('reports each fact once per flow', () => {
    const facts = feedWhole(dissector, vectors[0]).facts;
    expect(facts.filter((x) => x.key === 'ssdp.server')).toHaveLength(1);
  });
});

// Differential test against tshark (which dissects SSDP as HTTP over UDP) on the captures with SSDP.
const SHARED = new URL('../../../shared/captures/', import.meta.url);
const CAPTURES = ['discovery/ndpi/ssdp-m-search-ua.pcap', 'discovery/ndpi/android.pcap', 'discovery/ndpi/iphone.pcap', 'discovery/ndpi/ssdp-m-search.pcap'];
const haveShared = existsSync(SHARED);
const haveTshark = spawnSync('tshark', ['-v'], { stdio: 'ignore' }).status === 0;
const skipWhy = !haveShared ? '../shared is absent' : !haveTshark ? 'tshark is not installed' : '';
if (skipWhy) console.info(`ssdp.test: skipping the tshark differential test: ${skipWhy}`);

describe.skipIf(skipWhy !== '')('SSDP against tshark', () => {
  it('finds what tshark finds and contradicts nothing', { timeout: 300_000 }, () => {
    const totals = new Map<string, { tshark: number; found: number; extra: number }>();
    const contradictions: string[] = [];
    for (const capture of CAPTURES) {
      const path = new URL(capture, SHARED).pathname;
      if (!existsSync(path)) continue;
      // ssdp-m-search.pcap sends M-SEARCH to port 32412 (Plex discovery): decode it as SSDP there too.
      const flows = udpFlows(path, 'udp', ['http.request.method', 'http.request.line', 'http.response.line', 'http.server', 'http.user_agent', 'http.location']);
      for (const flow of flows) {
        const want = new Map<string, Set<string>>();
        const put = (key: string, value: string): void => {
          if (!want.has(key)) want.set(key, new Set());
          want.get(key)!.add(value);
        };
        for (const [method, requestLines, responseLines, server, ua, location] of flow.rows) {
          if (method) put('ssdp.method', method);
          if (server) put('ssdp.server', server);
          if (ua) put('ssdp.user_agent', ua);
          if (location) put('ssdp.location', location);
          for (const line of [...(requestLines ?? '').split(AGGREGATOR), ...(responseLines ?? '').split(AGGREGATOR)]) {
            const m = /^(NT|NTS|ST|USN):\s*(.*?)\s*(\\r\\n)?$/i.exec(line.replace(/\r?\n$/, ''));
            if (m) put(`ssdp.${m[1].toLowerCase()}`, m[2]);
          }
        }
        if (want.size === 0) continue;
        const facts = feedWhole(dissector, flow, { ts: flow.ts }).facts;
        for (const key of ['ssdp.method', 'ssdp.server', 'ssdp.user_agent', 'ssdp.location', 'ssdp.nt', 'ssdp.nts', 'ssdp.st', 'ssdp.usn']) {
          const ours = new Set(facts.filter((x) => x.key === key && x.value !== 'response').map((x) => String(x.value)));
          const theirs = want.get(key) ?? new Set<string>();
          const t = totals.get(key) ?? { tshark: 0, found: 0, extra: 0 };
          for (const v of theirs) {
            t.tshark++;
            if (ours.has(v)) t.found++;
          }
          for (const v of ours) {
            if (theirs.has(v)) continue;
            t.extra++;
            if (theirs.size > 0) contradictions.push(`${capture} stream ${flow.stream}: ${key} ${JSON.stringify(v)} (tshark: ${JSON.stringify([...theirs])})`);
          }
          totals.set(key, t);
        }
      }
    }
    const lines = [...totals].map(([key, t]) => `${key}: ${t.found}/${t.tshark} recall ${(t.tshark ? (100 * t.found) / t.tshark : 100).toFixed(1)}%, ${t.extra} not shown by tshark`);
    console.info(`SSDP vs tshark:\n  ${lines.join('\n  ')}`);
    expect(contradictions).toEqual([]);
    for (const [key, t] of totals) expect(t.found, key).toBe(t.tshark);
  });
});
