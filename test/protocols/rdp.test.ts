import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Direction } from '../../src/protocols/dissector.js';
import { RdpDissector, protocolNames, selectedName } from '../../src/protocols/rdp/index.js';
import { feedWhole, type Fact, type Segment } from '../../src/protocols/harness.js';
import { describeConformance, type ConformanceVector } from './conformance.js';
import { captureSkipReason, SHARED } from './tshark-fields.js';
import { AGGREGATOR, tcpFlows } from './tshark-streams.js';

// Real RDP bytes. Source (see test/fixtures/README.md for licences):
//   zeek: Zeek's regression traces, BSD-3-Clause, The Regents of the University of California,
//         testing/btest/Traces/rdp/rdp-x509.pcap frames 6, 7 and rdp-no-cookie-mstshash.pcap frames 7, 9
//         (copies in ../shared/captures/general/zeek/rdp/): X.224 Connection Requests and Confirms.
// nDPI's general/ndpi/rdp.pcap (LGPL-3.0) is read from ../shared at run time only.

const hex = (text: string): Buffer => Buffer.from(text.replace(/\s+/g, ''), 'hex');
const fact = (from: Direction, key: string, value: Fact['value']): Fact => ({ key, value, from });
const seg = (dir: Direction, text: string): Segment => ({ dir, bytes: hex(text) });
/** A TPKT around an X.224 TPDU of code `code` whose fixed part after the code is `rest` (hex). */
const tpkt = (code: string, rest: string): string => {
  const tpdu = code + rest;
  const li = tpdu.length / 2;
  return '0300' + (4 + 1 + li).toString(16).padStart(4, '0') + li.toString(16).padStart(2, '0') + tpdu;
};
const tcp = (name: string, segments: Segment[], expected: Fact[], exact = true): ConformanceVector => ({
  name,
  transport: 'tcp',
  originatorPort: 54990,
  responderPort: 3389,
  segments,
  expected,
  exact,
});

const X509_CR = '0300002f2ae00000000000436f6f6b69653a206d737473686173683d4a4f484e2d504320200d0a0100080000000000';
const X509_CC = '030000130ed000001234000200080000000000';
const NOCOOKIE_CR = '030000130ee00000000000010008000b000000';
const NOCOOKIE_CC = '030000130ed00000123400021f080008000000';

const vectors: ConformanceVector[] = [
  tcp('zeek rdp-x509.pcap: mstshash cookie, standard security requested and selected, TLS after', [seg(0, X509_CR), seg(1, X509_CC), seg(0, '1603010050' + '00'.repeat(80))], [
    fact(0, 'rdp.cookie_seen', true),
    fact(0, 'rdp.requested_protocols', ['standard']),
    fact(1, 'rdp.selected_protocol', 'standard'),
  ]),
  tcp('zeek rdp-no-cookie-mstshash.pcap: no cookie, TLS+CredSSP+early auth requested, early auth selected', [seg(0, NOCOOKIE_CR), seg(1, NOCOOKIE_CC)], [
    fact(0, 'rdp.cookie_seen', false),
    fact(0, 'rdp.requested_protocols', ['tls', 'credssp', 'credssp_early_auth']),
    fact(1, 'rdp.selected_protocol', 'credssp_early_auth'),
  ]),
  tcp(
    'built: legacy client (routing token, no negotiation request), confirm without a negotiation response',
    [seg(0, tpkt('e0', '0000000000' + Buffer.from('Cookie: msts=1234\r\n', 'latin1').toString('hex'))), seg(1, tpkt('d0', '0000123400'))],
    [fact(0, 'rdp.cookie_seen', false), fact(0, 'rdp.requested_protocols', ['standard']), fact(1, 'rdp.selected_protocol', 'standard')],
  ),
  tcp(
    'built: mstshash cookie and RDSTLS request in one segment with more data, negotiation failure (no selection)',
    [
      seg(0, tpkt('e0', '0000000000' + Buffer.from('Cookie: mstshash=ward7\r\n', 'latin1').toString('hex') + '0100080005000000') + '0300000802f08000'),
      seg(1, tpkt('d0', '0000123400' + '0300080005000000')),
    ],
    [fact(0, 'rdp.cookie_seen', true), fact(0, 'rdp.requested_protocols', ['tls', 'rdstls'])],
  ),
  tcp('built: not RDP (HTTP on 3389), an oversized TPKT', [seg(0, Buffer.from('GET / HTTP/1.1\r\n\r\n').toString('hex')), seg(1, '0300ffff0ed0')], []),
];

const skipWhy = captureSkipReason('rdp.test');
const CAPTURES = ['general/zeek/rdp/rdp-x509.pcap', 'general/zeek/rdp/rdp-no-cookie-mstshash.pcap', 'general/ndpi/rdp.pcap'];
if (!skipWhy) {
  const ndpi = CAPTURES[2];
  if (existsSync(new URL(ndpi, SHARED))) {
    for (const flow of tcpFlows(new URL(ndpi, SHARED).pathname, 'tcp.port == 3389').slice(0, 3)) {
      vectors.push({ ...tcp(`shared ${ndpi} stream ${flow.stream} (run time only)`, flow.segments.slice(0, 6), []), exact: false });
    }
  }
}

const rdp = new RdpDissector();
describeConformance(rdp, vectors);

describe('RdpDissector', () => {
  it('claims TCP 3389 only', () => {
    expect(rdp.tcpPorts).toEqual([3389]);
    expect(rdp.udpPorts).toEqual([]);
  });

  it('names protocol masks', () => {
    expect(protocolNames(0)).toEqual(['standard']);
    expect(protocolNames(3)).toEqual(['tls', 'credssp']);
    expect(protocolNames(0x101)).toEqual(['tls', '0x101']);
    expect(selectedName(2)).toBe('credssp');
    expect(selectedName(0x40)).toBe('0x40');
  });

  it('never emits the cookie value', () => {
    for (const f of feedWhole(rdp, vectors[0]).facts) expect(JSON.stringify(f.value)).not.toContain('JOHN');
  });

  it('detaches after both first PDUs', () => {
    const session = rdp.open({ emit: () => {}, ts: 0, transport: 'tcp', originatorPort: 1, responderPort: 3389 });
    for (const s of vectors[1].segments) session.data(s.dir, s.bytes, 0, s.bytes.length);
    expect(session.done).toBe(true);
  });
});

// Differential test against tshark: `rdp.rt_cookie` (mstshash present), `rdp.negReq.requestedProtocols` and the
// confirm's `rdp.negReq.selectedProtocol` (tshark's name for the RDP_NEG_RSP field) against ours.
describe.skipIf(skipWhy !== '')('RDP against tshark', () => {
  it('agrees on cookie presence, requested and selected protocols', () => {
    const problems: string[] = [];
    let compared = 0;
    for (const capture of CAPTURES) {
      if (!existsSync(new URL(capture, SHARED))) continue;
      for (const flow of tcpFlows(new URL(capture, SHARED).pathname, 'tcp.port == 3389', ['rdp.rt_cookie', 'rdp.negReq.requestedProtocols', 'rdp.negReq.selectedProtocol'])) {
        const facts = feedWhole(rdp, flow).facts;
        const first = (i: number): string | undefined => flow.rows.map((r) => r[i]).find((v) => v)?.split(AGGREGATOR)[0];
        const value = (key: string): unknown => facts.find((f) => f.key === key)?.value;
        const cookie = first(0);
        const requested = first(1);
        const selected = first(2);
        if (requested !== undefined) {
          compared++;
          if (JSON.stringify(value('rdp.requested_protocols')) !== JSON.stringify(protocolNames(Number(requested)))) problems.push(`${capture} ${flow.stream}: requested ${requested}`);
          if ((cookie?.startsWith('Cookie: mstshash=') ?? false) !== value('rdp.cookie_seen')) problems.push(`${capture} ${flow.stream}: cookie ${cookie}`);
        }
        if (selected !== undefined) {
          compared++;
          if (value('rdp.selected_protocol') !== selectedName(Number(selected))) problems.push(`${capture} ${flow.stream}: selected ${selected}`);
        }
      }
    }
    console.info(`RDP vs tshark: ${compared} values compared, ${problems.length} disagreements`);
    expect(compared).toBeGreaterThan(0);
    expect(problems).toEqual([]);
  });
});
