import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Direction } from '../../src/protocols/dissector.js';
import { TelnetDissector } from '../../src/protocols/telnet/index.js';
import { feedWhole, type Fact, type Segment } from '../../src/protocols/harness.js';
import { describeConformance, type ConformanceVector } from './conformance.js';
import { captureSkipReason, SHARED } from './tshark-fields.js';
import { AGGREGATOR, tcpFlows } from './tshark-streams.js';

// Telnet bytes built by hand after RFC 854/855/1091/1073 (Apache-2.0 with the rest of Vigil). nDPI's
// general/ndpi/telnet.pcap (LGPL-3.0) is read from ../shared at run time only, never copied.

const hex = (text: string): Buffer => Buffer.from(text.replace(/\s+/g, ''), 'hex');
const ascii = (text: string): string => Buffer.from(text, 'latin1').toString('hex');
const fact = (from: Direction, key: string, value: Fact['value']): Fact => ({ key, value, from });
const seg = (dir: Direction, text: string): Segment => ({ dir, bytes: hex(text) });
const tcp = (name: string, segments: Segment[], expected: Fact[], exact = true): ConformanceVector => ({
  name,
  transport: 'tcp',
  originatorPort: 40123,
  responderPort: 23,
  segments,
  expected,
  exact,
});

// IAC DO TERMINAL-TYPE, IAC WILL ECHO, IAC SB TERMINAL-TYPE SEND IAC SE; the client's IAC SB TERMINAL-TYPE IS "xterm" IAC SE.
const SERVER_NEG = 'fffd18' + 'fffb01' + 'fffa1801fff0';
const CLIENT_NEG = 'fffb18' + 'fffa1800' + ascii('xterm') + 'fff0';

const vectors: ConformanceVector[] = [
  tcp(
    'built: negotiation both ways, banner, login prompt, typed user name and password (never kept)',
    [
      seg(1, SERVER_NEG),
      seg(0, CLIENT_NEG),
      seg(1, ascii('\r\nInfusion pump gateway\r\n\r\n') + 'fffb03' + ascii('login: ')),
      seg(0, ascii('admin\r\n')),
      seg(1, ascii('Password:')),
      seg(0, ascii('secret\r\n')),
    ],
    [fact(1, 'telnet.seen', true), fact(1, 'telnet.login_prompt', true)],
  ),
  tcp(
    'built: no negotiation, "Username:" prompt split by an IAC NOP, "Last login:" is not a prompt',
    [seg(1, ascii('Last login: Mon\r\nUser') + 'fff1' + ascii('name:'))],
    [fact(1, 'telnet.seen', true), fact(1, 'telnet.login_prompt', true)],
  ),
  tcp('built: client negotiates first, server never prompts', [seg(0, 'fffd03fffb18'), seg(1, ascii('Last login: today\r\n$ '))], [fact(0, 'telnet.seen', true)]),
  tcp('built: not Telnet (HTTP on port 23)', [seg(0, ascii('GET / HTTP/1.1\r\nHost: x\r\n\r\n')), seg(1, ascii('HTTP/1.1 200 OK\r\nServer: x\r\n\r\n'))], []),
];

const skipWhy = captureSkipReason('telnet.test');
const NDPI = 'general/ndpi/telnet.pcap';
if (!skipWhy && existsSync(new URL(NDPI, SHARED))) {
  for (const flow of tcpFlows(new URL(NDPI, SHARED).pathname, 'tcp.port == 23')) {
    vectors.push({ ...tcp(`shared ${NDPI} stream ${flow.stream} (run time only)`, flow.segments.slice(0, 24), []), exact: false });
  }
}

const telnet = new TelnetDissector();
describeConformance(telnet, vectors);

describe('TelnetDissector', () => {
  it('claims TCP 23 only', () => {
    expect(telnet.tcpPorts).toEqual([23]);
    expect(telnet.udpPorts).toEqual([]);
  });

  it('never emits what the client typed', () => {
    for (const f of feedWhole(telnet, vectors[0]).facts) expect(typeof f.value).toBe('boolean');
  });

  it('detaches once negotiation and the prompt are seen', () => {
    const session = telnet.open({ emit: () => {}, ts: 0, transport: 'tcp', originatorPort: 1, responderPort: 23 });
    for (const s of vectors[0].segments.slice(0, 3)) session.data(s.dir, s.bytes, 0, s.bytes.length);
    expect(session.done).toBe(true);
  });

  it('gives up a side after a gap', () => {
    const facts: string[] = [];
    const session = telnet.open({ emit: (k) => facts.push(k), ts: 0, transport: 'tcp', originatorPort: 1, responderPort: 23 });
    session.gap?.(1, 10);
    const b = hex(SERVER_NEG + ascii('login:'));
    session.data(1, b, 0, b.length);
    expect(facts).toEqual([]);
  });
});

// Differential test against tshark: a stream where tshark shows option negotiation (`telnet.cmd`) must yield
// telnet.seen; one whose server data (`telnet.data`) holds "login:" must yield telnet.login_prompt.
describe.skipIf(skipWhy !== '' || !existsSync(new URL(NDPI, SHARED)))('Telnet against tshark', () => {
  it('agrees on negotiation and login prompts', () => {
    const problems: string[] = [];
    let streams = 0;
    for (const flow of tcpFlows(new URL(NDPI, SHARED).pathname, 'tcp.port == 23', ['telnet.cmd', 'telnet.data', 'tcp.srcport'])) {
      const facts = feedWhole(telnet, flow).facts;
      const negotiated = flow.rows.some((r) => r[0] !== '');
      const prompted = flow.rows.some((r) => r[2] === '23' && r[1].split(AGGREGATOR).some((d) => /login:/i.test(d) && !/last login:/i.test(d)));
      const has = (key: string): boolean => facts.some((f) => f.key === key);
      if (negotiated && !has('telnet.seen')) problems.push(`stream ${flow.stream}: negotiation, no telnet.seen`);
      if (prompted !== has('telnet.login_prompt')) problems.push(`stream ${flow.stream}: tshark prompt ${prompted}`);
      streams++;
    }
    console.info(`Telnet vs tshark: ${streams} streams, ${problems.length} disagreements`);
    expect(streams).toBeGreaterThan(0);
    expect(problems).toEqual([]);
  });
});
