import { describe, expect, it } from 'vitest';
import type { Direction } from '../../src/protocols/dissector.js';
import { Pop3Dissector } from '../../src/protocols/pop3/index.js';
import { mailProduct } from '../../src/protocols/pop3/mail-product.js';
import { feedWhole, type Fact, type Segment } from '../../src/protocols/harness.js';
import { describeConformance, type ConformanceVector } from './conformance.js';
import { haveTshark } from './tshark-fields.js';
import { AGGREGATOR, tcpFlows } from './tshark-streams.js';
import { fixtureFile, fixtureFlows, leakedCredentials } from './mail-fixtures.js';

// Real POP3 sessions: test/fixtures/mail/pop3.pcap, Dovecot 2.3.19 answering curl 7.88 and a line-by-line
// client (scripts/record-mail-ldap-fixtures.sh; user "test", throwaway passwords). Connections, in order:
//   0 CAPA, AUTH PLAIN, LIST, QUIT   1 CAPA, AUTH LOGIN with a wrong password (-ERR)
//   2 USER, PASS wrong (-ERR), USER, PASS, STAT, QUIT   3 CAPA, STLS, then TLS

const ascii = (text: string): Buffer => Buffer.from(text, 'latin1');
const fact = (from: Direction, key: string, value: Fact['value']): Fact => ({ key, value, from });
const seg = (dir: Direction, text: string): Segment => ({ dir, bytes: ascii(text) });
const tcp = (name: string, segments: readonly Segment[], expected: Fact[], exact = true): ConformanceVector => ({
  name,
  transport: 'tcp',
  originatorPort: 50110,
  responderPort: 110,
  segments,
  expected,
  exact,
});

const flows = fixtureFlows('pop3.pcap');
const GREETING = [fact(1, 'pop3.banner', 'Dovecot ready.'), fact(1, 'pop3.product', 'Dovecot')];
const CAPA = [
  fact(1, 'pop3.capabilities', ['CAPA', 'TOP', 'UIDL', 'RESP-CODES', 'PIPELINING', 'AUTH-RESP-CODE', 'STLS', 'USER', 'SASL']),
  fact(1, 'pop3.stls_offered', true),
  fact(1, 'pop3.sasl_mechanisms', ['PLAIN', 'LOGIN']),
];
const fromFixture = (i: number, what: string, expected: Fact[]): ConformanceVector => ({
  ...tcp(`dovecot pop3.pcap connection ${i}: ${what}`, flows[i].segments, expected),
  originatorPort: flows[i].originatorPort,
});

const vectors: ConformanceVector[] = [
  fromFixture(0, 'CAPA, AUTH PLAIN, logged in', [...GREETING, ...CAPA, fact(0, 'pop3.auth_mechanism', 'PLAIN'), fact(0, 'pop3.login_seen', true), fact(1, 'pop3.auth_ok', true)]),
  fromFixture(1, 'AUTH LOGIN, wrong password', [...GREETING, ...CAPA, fact(0, 'pop3.auth_mechanism', 'LOGIN'), fact(0, 'pop3.login_seen', true), fact(1, 'pop3.auth_failed', 1)]),
  fromFixture(2, 'USER/PASS wrong, then right', [
    ...GREETING,
    fact(0, 'pop3.auth_mechanism', 'USER'),
    fact(0, 'pop3.login_seen', true),
    fact(1, 'pop3.auth_failed', 1),
    fact(1, 'pop3.auth_ok', true),
  ]),
  fromFixture(3, 'STLS accepted, then TLS', [...GREETING, ...CAPA, fact(1, 'pop3.starttls', true)]),
  tcp(
    'built: pipelined APOP and SASL CRAM-MD5, a cancelled AUTH PLAIN, AUTH listing, STLS refused, three failures',
    [
      seg(1, '+OK POP3 ready <1896.697170952@dbc.mtview.ca.us>\r\n'),
      seg(0, 'AUTH\r\napop mrose c4c9334bac560ecc979e58001b3e22fb\r\n'),
      seg(1, '+OK\r\nPLAIN\r\nCRAM-MD5\r\n.\r\n-ERR permission denied\r\n'),
      seg(0, 'AUTH CRAM-MD5\r\n'),
      seg(1, '+ PDE4OTYuNjk3MTcwOTUyQHBvc3RvZmZpY2UuZXhhbXBsZS5uZXQ+\r\n'),
      seg(0, 'dGltIGI5MTNhNjAyYzdlZGE3YTQ5NWI0ZTZlNzMzNGQzODkw\r\n'),
      seg(1, '-ERR nope\r\n'),
      seg(0, 'AUTH PLAIN\r\n'),
      seg(1, '+ \r\n'),
      seg(0, '*\r\n'),
      seg(1, '-ERR cancelled\r\n'),
      seg(0, 'STLS\r\n'),
      seg(1, '-ERR TLS not available\r\n'),
      seg(0, 'QUIT\r\n'),
      seg(1, '+OK bye\r\n'),
    ],
    [
      fact(1, 'pop3.banner', 'POP3 ready <1896.697170952@dbc.mtview.ca.us>'),
      fact(0, 'pop3.auth_mechanism', 'APOP'),
      fact(0, 'pop3.auth_mechanism', 'CRAM-MD5'),
      fact(0, 'pop3.auth_mechanism', 'PLAIN'),
      fact(1, 'pop3.auth_failed', 1),
      fact(1, 'pop3.auth_failed', 2),
      fact(1, 'pop3.auth_failed', 3),
    ],
  ),
  tcp(
    'built: AUTH PLAIN with an initial response, PASS without USER, an over-long greeting bounded to 255',
    [seg(1, '+OK ' + 'Q'.repeat(400) + '\r\n'), seg(0, 'PASS x\r\n'), seg(1, '-ERR no USER\r\n'), seg(0, 'auth plain AHUAcA==\r\n'), seg(1, '+OK welcome\r\n'), seg(0, 'RETR 1\r\n')],
    [fact(1, 'pop3.banner', 'Q'.repeat(255)), fact(1, 'pop3.auth_failed', 1), fact(0, 'pop3.auth_mechanism', 'PLAIN'), fact(0, 'pop3.login_seen', true), fact(1, 'pop3.auth_ok', true)],
  ),
  tcp('built: not POP3 (SSH on port 110)', [seg(1, 'SSH-2.0-OpenSSH_9.6\r\n'), seg(0, 'SSH-2.0-PuTTY\r\nUSER a\r\nPASS b\r\n')], []),
];

const pop3 = new Pop3Dissector();
describeConformance(pop3, vectors);

describe('Pop3Dissector', () => {
  it('claims TCP 110 only', () => {
    expect(pop3.tcpPorts).toEqual([110]);
    expect(pop3.udpPorts).toEqual([]);
  });

  it('the fixture holds the four recorded connections', () => {
    expect(flows.length).toBe(4);
    expect(flows.every((f) => f.responderPort === 110)).toBe(true);
  });

  it('never emits a user name or password, in clear or base64', () => {
    const facts = flows.flatMap((f) => feedWhole(pop3, f).facts);
    expect(facts.some((f) => f.key === 'pop3.login_seen')).toBe(true);
    expect(leakedCredentials(facts)).toEqual([]);
    expect(JSON.stringify(facts.map((f) => f.value))).not.toContain('test');
  });

  it('detaches once a login succeeds', () => {
    const session = pop3.open({ emit: () => {}, ts: 0, transport: 'tcp', originatorPort: 1, responderPort: 110 });
    for (const s of flows[0].segments.slice(0, 7)) session.data(s.dir, s.bytes, 0, s.bytes.length);
    expect(session.done).toBe(true);
  });

  it('names products only from known names', () => {
    expect(mailProduct('Dovecot (Ubuntu) ready.')).toBe('Dovecot');
    expect(mailProduct('Microsoft Exchange Server POP3 service ready')).toBe('Microsoft Exchange');
    expect(mailProduct('mail.hospital.example ready')).toBe('');
  });
});

// Differential test against tshark on the fixture: per connection, tshark's `pop.request.command` and
// `pop.request.parameter` (USER then PASS, or AUTH PLAIN/LOGIN: login_seen; STLS answered +OK: starttls), its
// `pop.response.indicator` (each -ERR in these recordings answers a login: auth_failed's count) and the greeting's
// `pop.response.description` (banner).
describe.skipIf(!haveTshark)('POP3 against tshark', () => {
  it('logins, failures, STLS and greetings agree with tshark on every connection', () => {
    const problems: string[] = [];
    const theirs = tcpFlows(fixtureFile('pop3.pcap'), 'tcp.port == 110', ['pop.request.command', 'pop.request.parameter', 'pop.response.indicator', 'pop.response.description']);
    expect(theirs.length).toBe(flows.length);
    for (const flow of theirs) {
      const facts = feedWhole(pop3, flow).facts;
      const rows = flow.rows.map((r) => r.map((v) => v.split(AGGREGATOR)[0] ?? ''));
      const commands = rows.filter((r) => r[0] !== '').map((r) => ({ verb: r[0].toUpperCase(), arg: r[1].toUpperCase() }));
      const indicators = rows.filter((r) => r[2] !== '');
      const user = commands.findIndex((c) => c.verb === 'USER');
      const login = (user >= 0 && commands.slice(user).some((c) => c.verb === 'PASS')) || commands.some((c) => c.verb === 'AUTH' && (c.arg === 'PLAIN' || c.arg === 'LOGIN'));
      const stls = commands.findIndex((c) => c.verb === 'STLS') >= 0 && indicators.length > 0 && indicators[indicators.length - 1][2] === '+OK';
      const errors = indicators.filter((r) => r[2] === '-ERR').length;
      const has = (key: string): boolean => facts.some((f) => f.key === key);
      const failures = Math.max(0, ...facts.filter((f) => f.key === 'pop3.auth_failed').map((f) => Number(f.value)));
      if (login !== has('pop3.login_seen')) problems.push(`connection ${flow.stream}: tshark login ${login}`);
      if (stls !== has('pop3.starttls')) problems.push(`connection ${flow.stream}: tshark STLS ${stls}`);
      if (errors !== failures) problems.push(`connection ${flow.stream}: tshark -ERR ${errors}, ours ${failures}`);
      const banner = facts.find((f) => f.key === 'pop3.banner')?.value;
      if (banner !== indicators[0]?.[3]) problems.push(`connection ${flow.stream}: tshark greeting ${indicators[0]?.[3]}, ours ${String(banner)}`);
    }
    console.info(`POP3 vs tshark: ${theirs.length} connections, ${problems.length} disagreements`);
    expect(problems).toEqual([]);
  });
});
