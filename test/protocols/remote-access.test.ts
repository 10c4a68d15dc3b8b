import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Direction } from '../../src/protocols/dissector.js';
import { RemoteAccessDissector, rfbVersion } from '../../src/protocols/remote_access/index.js';
import { feedWhole, type Fact, type Segment } from '../../src/protocols/harness.js';
import { describeConformance, type ConformanceVector } from './conformance.js';
import { captureSkipReason, SHARED } from './tshark-fields.js';
import { AGGREGATOR, tcpFlows, udpFlows } from './tshark-streams.js';

// Real RFB bytes. Source (see test/fixtures/README.md for licences):
//   zeek: Zeek's regression traces, BSD-3-Clause, The Regents of the University of California,
//         testing/btest/Traces/rfb/vnc-scanner.pcap at commit a13de64fbbdb01f90961c04719b308fbbb6d199e (copy in
//         ../shared/captures/attacks/zeek/rfb/); the TCP payloads of frames 4-8 and 10 (tshark numbering).
// TeamViewer and AnyDesk vectors are built by hand; nDPI's teamviewer.pcap and anydesk.pcapng (LGPL-3.0) are
// read from ../shared at run time only.

const hex = (text: string): Buffer => Buffer.from(text.replace(/\s+/g, ''), 'hex');
const fact = (from: Direction, key: string, value: Fact['value']): Fact => ({ key, value, from });
const seg = (dir: Direction, text: string): Segment => ({ dir, bytes: hex(text) });
const vec = (name: string, transport: 'tcp' | 'udp', responderPort: number, segments: Segment[], expected: Fact[], exact = true): ConformanceVector => ({
  name,
  transport,
  originatorPort: 46381,
  responderPort,
  segments,
  expected,
  exact,
});

const RFB_38 = '524642203030332e3030380a';

const vectors: ConformanceVector[] = [
  vec('zeek vnc-scanner.pcap: server and client RFB 003.008, security types', 'tcp', 5900, [seg(1, RFB_38), seg(0, RFB_38), seg(1, '02'), seg(1, '02'), seg(1, '10'), seg(0, '02')], [
    fact(1, 'remote-access.tool', 'vnc'),
    fact(1, 'remote-access.vnc_version', '003.008'),
    fact(0, 'remote-access.vnc_version', '003.008'),
  ]),
  vec('built: RFB 003.003 on a non-VNC port (found by probe), then binary', 'tcp', 8080, [seg(1, '524642203030332e3030330a' + '00000002'), seg(0, '524642203030332e3030330a01')], [
    fact(1, 'remote-access.tool', 'vnc'),
    fact(1, 'remote-access.vnc_version', '003.003'),
    fact(0, 'remote-access.vnc_version', '003.003'),
  ]),
  vec('built: TeamViewer TCP 5938 client 0x17 0x24 and server 0x11 0x30 frames', 'tcp', 5938, [seg(0, '17240a20' + '00'.repeat(20)), seg(1, '11303600' + '00'.repeat(20))], [fact(0, 'remote-access.tool', 'teamviewer')]),
  vec('built: AnyDesk TLS ClientHello header on TCP 7070', 'tcp', 7070, [seg(0, '1603010102010000fe0303' + '00'.repeat(16)), seg(1, '160303005702')], [fact(0, 'remote-access.tool', 'anydesk')]),
  vec('built: TeamViewer UDP 5938 datagram', 'udp', 5938, [seg(0, '17241000' + 'ab'.repeat(12))], [fact(0, 'remote-access.tool', 'teamviewer')]),
  vec('built: AnyDesk UDP 50001 discovery datagram', 'udp', 50001, [seg(0, '3e d1 00 00 01' + '00'.repeat(16))], [fact(0, 'remote-access.tool', 'anydesk')]),
  vec('built: not a remote-access tool (HTTP on 5938, a broken RFB version)', 'tcp', 5938, [seg(0, Buffer.from('GET / HTTP/1.1\r\n\r\n').toString('hex')), seg(1, '524642203030332e3030387a')], []),
];

const skipWhy = captureSkipReason('remote-access.test');
const VNC = 'attacks/zeek/rfb/vnc-scanner.pcap';
const TEAMVIEWER = 'general/ndpi/teamviewer.pcap';
const ANYDESK = 'general/ndpi/anydesk.pcapng';
if (!skipWhy) {
  if (existsSync(new URL(TEAMVIEWER, SHARED))) {
    for (const flow of tcpFlows(new URL(TEAMVIEWER, SHARED).pathname, 'tcp.port == 5938').slice(0, 3)) {
      vectors.push({ ...vec(`shared ${TEAMVIEWER} stream ${flow.stream} (run time only)`, 'tcp', 5938, flow.segments.slice(0, 6), [fact(0, 'remote-access.tool', 'teamviewer')]), originatorPort: flow.originatorPort, responderPort: flow.responderPort, exact: false });
    }
  }
  if (existsSync(new URL(ANYDESK, SHARED))) {
    for (const flow of udpFlows(new URL(ANYDESK, SHARED).pathname, 'udp.port == 50001').slice(0, 2)) {
      vectors.push({ ...flow, name: `shared ${ANYDESK} udp stream ${flow.stream} (run time only)`, segments: flow.segments.slice(0, 4), expected: [], exact: false });
    }
  }
}

const ra = new RemoteAccessDissector();
describeConformance(ra, vectors);

describe('RemoteAccessDissector', () => {
  it('claims its ports and probes RFB on any port', () => {
    expect(ra.tcpPorts).toEqual([5938, 7070, 5900, 5901, 5902, 5903]);
    expect(ra.udpPorts).toEqual([5938, 50001]);
    const b = hex(RFB_38);
    expect(ra.probe('tcp', 1, b, 0, b.length)).toBe(true);
    expect(ra.probe('udp', 1, b, 0, b.length)).toBe(false);
    expect(ra.probe('tcp', 1, b, 1, b.length - 1)).toBe(false);
  });

  it('parses RFB versions strictly', () => {
    expect(rfbVersion(hex(RFB_38), 0, 12)).toBe('003.008');
    expect(rfbVersion(hex(RFB_38), 0, 11)).toBeNull();
    expect(rfbVersion(hex('524642203030332e3030780a'), 0, 12)).toBeNull();
  });

  it('detaches after both first messages', () => {
    const session = ra.open({ emit: () => {}, ts: 0, transport: 'tcp', originatorPort: 1, responderPort: 5900 });
    for (const s of vectors[0].segments.slice(0, 2)) session.data(s.dir, s.bytes, 0, s.bytes.length);
    expect(session.done).toBe(true);
  });
});

// Differential test against tshark: `vnc.server_proto_ver` and `vnc.client_proto_ver` per TCP stream against ours.
describe.skipIf(skipWhy !== '' || !existsSync(new URL(VNC, SHARED)))('VNC against tshark', () => {
  it('every RFB version tshark shows is emitted from the same side', () => {
    const problems: string[] = [];
    let compared = 0;
    for (const flow of tcpFlows(new URL(VNC, SHARED).pathname, 'tcp', ['vnc.server_proto_ver', 'vnc.client_proto_ver'])) {
      const facts = feedWhole(ra, flow).facts;
      for (const [field, dir] of [[0, 1], [1, 0]] as const) {
        const theirs = new Set(flow.rows.map((r) => r[field]).filter((v) => v).flatMap((v) => v.split(AGGREGATOR)));
        const ours = new Set(facts.filter((f) => f.key === 'remote-access.vnc_version' && f.from === dir).map((f) => String(f.value)));
        for (const v of theirs) {
          compared++;
          if (!ours.has(v)) problems.push(`stream ${flow.stream}: tshark ${v} from ${dir}`);
        }
        for (const v of ours) if (!theirs.has(v)) problems.push(`stream ${flow.stream}: ours ${v} from ${dir}`);
      }
    }
    console.info(`VNC vs tshark: ${compared} versions compared, ${problems.length} disagreements`);
    expect(compared).toBeGreaterThan(0);
    expect(problems.slice(0, 5)).toEqual([]);
  });
});
