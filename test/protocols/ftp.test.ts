import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Direction } from '../../src/protocols/dissector.js';
import { FtpDissector } from '../../src/protocols/ftp/index.js';
import { feedWhole, type Fact, type Segment } from '../../src/protocols/harness.js';
import { describeConformance, type ConformanceVector } from './conformance.js';
import { captureSkipReason, SHARED } from './tshark-fields.js';
import { AGGREGATOR, tcpFlows } from './tshark-streams.js';

// Real FTP bytes. Source (see test/fixtures/README.md for licences):
//   zeek: Zeek's regression traces, BSD-3-Clause, The Regents of the University of California,
//         testing/btest/Traces/ftp/bruteforce.pcap (copy in ../shared/captures/attacks/zeek/ftp/); the TCP
//         payloads of frames 4-16 (tcp.stream 0, tshark numbering): greeting, USER, 331, PASS, 530, QUIT, 221.

const hex = (text: string): Buffer => Buffer.from(text.replace(/\s+/g, ''), 'hex');
const ascii = (text: string): string => Buffer.from(text, 'latin1').toString('hex');
const fact = (from: Direction, key: string, value: Fact['value']): Fact => ({ key, value, from });
const seg = (dir: Direction, text: string): Segment => ({ dir, bytes: hex(text) });
const tcp = (name: string, segments: Segment[], expected: Fact[], exact = true): ConformanceVector => ({
  name,
  transport: 'tcp',
  originatorPort: 54017,
  responderPort: 21,
  segments,
  expected,
  exact,
});

const GREETING =
  '323230207265646d696e742046545020736572766572202856657273696f6e20362e342f4f70656e4253442f4c696e75782d667470642d302e3137292072656164792e0d0a';
const USER = '555345522062726f0d0a';
const R331 = '3333312050617373776f726420726571756972656420666f722062726f2e0d0a';
const PASS = '5041535320310d0a';
const R530 = '353330204c6f67696e20696e636f72726563742e0d0a';
const QUIT = '515549540d0a';
const R221 = '32323120476f6f646279652e0d0a';

const vectors: ConformanceVector[] = [
  tcp('zeek bruteforce.pcap stream 0: greeting, USER/PASS in clear, 530, QUIT', [seg(1, GREETING), seg(0, USER), seg(1, R331), seg(0, PASS), seg(1, R530), seg(0, QUIT), seg(1, R221)], [
    fact(1, 'ftp.banner', 'redmint FTP server (Version 6.4/OpenBSD/Linux-ftpd-0.17) ready.'),
    fact(0, 'ftp.login_seen', true),
  ]),
  tcp(
    'built: multi-line greeting, lower-case commands, AUTH TLS then encrypted bytes',
    [
      seg(1, ascii('220-PACS archive FTP\r\n220-authorised use only\r\n220 ready\r\n')),
      seg(0, ascii('feat\r\nauth tls\r\n')),
      seg(1, ascii('234 AUTH TLS OK.\r\n')),
      seg(0, '160301020001' + 'ab'.repeat(60) + ascii('\r\nUSER x\r\nPASS y\r\n')),
    ],
    [fact(1, 'ftp.banner', 'PACS archive FTP'), fact(0, 'ftp.auth_tls', true)],
  ),
  tcp(
    'built: 120 before 220, an over-long greeting bounded to 255, PASS without USER, USERX is not USER',
    [seg(1, ascii('120 wait\r\n220 ' + 'Y'.repeat(400) + '\r\n')), seg(0, ascii('PASS z\r\nUSERX a\r\nPASS b\r\nUSER c\nPASS d\n'))],
    [fact(1, 'ftp.banner', 'Y'.repeat(255)), fact(0, 'ftp.login_seen', true)],
  ),
  tcp('built: not FTP (SSH on port 21)', [seg(1, ascii('SSH-2.0-OpenSSH_9.6\r\n')), seg(0, ascii('SSH-2.0-PuTTY\r\n'))], []),
];

const skipWhy = captureSkipReason('ftp.test');
const BRUTE = 'attacks/zeek/ftp/bruteforce.pcap';
if (!skipWhy && existsSync(new URL(BRUTE, SHARED))) {
  for (const flow of tcpFlows(new URL(BRUTE, SHARED).pathname, 'tcp.port == 21').slice(1, 4)) {
    vectors.push({ ...tcp(`shared ${BRUTE} stream ${flow.stream} (run time only)`, flow.segments.slice(0, 12), []), exact: false });
  }
}

const ftp = new FtpDissector();
describeConformance(ftp, vectors);

describe('FtpDissector', () => {
  it('claims TCP 21 only', () => {
    expect(ftp.tcpPorts).toEqual([21]);
    expect(ftp.udpPorts).toEqual([]);
  });

  it('never emits the user name or password', () => {
    const facts = feedWhole(ftp, vectors[0]).facts;
    for (const f of facts) expect(JSON.stringify(f.value)).not.toMatch(/bro|"1"/);
  });

  it('detaches after the greeting and the login', () => {
    const session = ftp.open({ emit: () => {}, ts: 0, transport: 'tcp', originatorPort: 1, responderPort: 21 });
    for (const s of vectors[0].segments) session.data(s.dir, s.bytes, 0, s.bytes.length);
    expect(session.done).toBe(false);
    for (let i = 0; i < 40; i++) session.data(0, hex(QUIT), 0, 6);
    expect(session.done).toBe(true);
  });

  it('gives up a side after a gap', () => {
    const facts: string[] = [];
    const session = ftp.open({ emit: (k) => facts.push(k), ts: 0, transport: 'tcp', originatorPort: 1, responderPort: 21 });
    session.gap?.(1, 10);
    session.data(1, hex(GREETING), 0, hex(GREETING).length);
    expect(facts).toEqual([]);
  });
});

// Differential test against tshark: per TCP stream, tshark's `ftp.request.command` (USER then PASS → login_seen,
// AUTH → auth_tls) and the argument of the 220 reply (`ftp.response.arg`) against ours.
describe.skipIf(skipWhy !== '')('FTP against tshark', () => {
  it('every login, AUTH and greeting tshark shows is emitted, nothing emitted contradicts it', () => {
    let streams = 0;
    const problems: string[] = [];
    for (const flow of tcpFlows(new URL(BRUTE, SHARED).pathname, 'tcp.port == 21', ['ftp.request.command', 'ftp.response.code', 'ftp.response.arg'])) {
      const facts = feedWhole(ftp, flow).facts;
      const commands = flow.rows.flatMap((r) => (r[0] ? r[0].split(AGGREGATOR) : [])).map((c) => c.toUpperCase());
      const user = commands.indexOf('USER');
      const login = user >= 0 && commands.indexOf('PASS', user) > user;
      const auth = commands.includes('AUTH');
      const greeting = flow.rows.find((r) => r[1]?.split(AGGREGATOR)[0] === '220')?.[2]?.split(AGGREGATOR)[0];
      const has = (key: string): boolean => facts.some((f) => f.key === key);
      if (login !== has('ftp.login_seen')) problems.push(`stream ${flow.stream}: tshark login ${login}`);
      if (auth !== has('ftp.auth_tls')) problems.push(`stream ${flow.stream}: tshark AUTH ${auth}`);
      const banner = facts.find((f) => f.key === 'ftp.banner')?.value;
      if (banner !== greeting) problems.push(`stream ${flow.stream}: tshark greeting ${greeting}, ours ${String(banner)}`);
      streams++;
    }
    console.info(`FTP vs tshark: ${streams} streams, ${problems.length} disagreements`);
    expect(streams).toBeGreaterThan(0);
    expect(problems.slice(0, 5)).toEqual([]);
  });
});
