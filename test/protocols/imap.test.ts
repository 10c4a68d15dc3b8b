import { describe, expect, it } from 'vitest';
import type { Direction } from '../../src/protocols/dissector.js';
import { ImapDissector } from '../../src/protocols/imap/index.js';
import { feedWhole, type Fact, type Segment } from '../../src/protocols/harness.js';
import { describeConformance, type ConformanceVector } from './conformance.js';
import { haveTshark } from './tshark-fields.js';
import { AGGREGATOR, tcpFlows } from './tshark-streams.js';
import { fixtureFile, fixtureFlows, leakedCredentials } from './mail-fixtures.js';

// Real IMAP sessions: test/fixtures/mail/imap.pcap, Dovecot 2.3.19 answering curl 7.88 and a line-by-line
// client (scripts/record-mail-ldap-fixtures.sh; user "test", throwaway passwords). Connections, in order:
//   0 CAPABILITY, AUTHENTICATE PLAIN (SASL-IR), LIST, LOGOUT   1 LOGIN wrong (NO), LOGIN with quoted strings, LOGOUT
//   2 CAPABILITY, AUTHENTICATE LOGIN, LIST, LOGOUT             3 CAPABILITY, STARTTLS, then TLS

const ascii = (text: string): Buffer => Buffer.from(text, 'latin1');
const fact = (from: Direction, key: string, value: Fact['value']): Fact => ({ key, value, from });
const seg = (dir: Direction, text: string): Segment => ({ dir, bytes: ascii(text) });
const tcp = (name: string, segments: readonly Segment[], expected: Fact[], exact = true): ConformanceVector => ({
  name,
  transport: 'tcp',
  originatorPort: 50143,
  responderPort: 143,
  segments,
  expected,
  exact,
});

const flows = fixtureFlows('imap.pcap');
const CAPS = ['IMAP4REV1', 'SASL-IR', 'LOGIN-REFERRALS', 'ID', 'ENABLE', 'IDLE', 'LITERAL+', 'STARTTLS', 'AUTH=PLAIN', 'AUTH=LOGIN'];
const GREETING = [
  fact(1, 'imap.banner', 'Dovecot ready.'),
  fact(1, 'imap.product', 'Dovecot'),
  fact(1, 'imap.capabilities', CAPS),
  fact(1, 'imap.auth_mechanisms', ['PLAIN', 'LOGIN']),
  fact(1, 'imap.starttls_offered', true),
];
const fromFixture = (i: number, what: string, expected: Fact[]): ConformanceVector => ({
  ...tcp(`dovecot imap.pcap connection ${i}: ${what}`, flows[i].segments, expected),
  originatorPort: flows[i].originatorPort,
});

const vectors: ConformanceVector[] = [
  fromFixture(0, 'AUTHENTICATE PLAIN with an initial response, logged in', [...GREETING, fact(0, 'imap.auth_mechanism', 'PLAIN'), fact(0, 'imap.login_seen', true), fact(1, 'imap.auth_ok', true)]),
  fromFixture(1, 'LOGIN wrong (NO), then LOGIN right', [...GREETING, fact(0, 'imap.auth_mechanism', 'LOGIN-COMMAND'), fact(0, 'imap.login_seen', true), fact(1, 'imap.auth_failed', 1), fact(1, 'imap.auth_ok', true)]),
  fromFixture(2, 'AUTHENTICATE LOGIN, logged in', [...GREETING, fact(0, 'imap.auth_mechanism', 'LOGIN'), fact(0, 'imap.login_seen', true), fact(1, 'imap.auth_ok', true)]),
  fromFixture(3, 'STARTTLS accepted, then TLS', [...GREETING, fact(1, 'imap.starttls', true)]),
  tcp(
    'built: LOGINDISABLED, LOGIN with literals (skipped unread, even a CRLF inside), AUTHENTICATE GSSAPI cancelled, BAD',
    [
      seg(1, '* OK IMAP4rev1 Service Ready\r\n'),
      seg(0, 'a CAPABILITY\r\n'),
      seg(1, '* CAPABILITY IMAP4rev1 LOGINDISABLED STARTTLS\r\na OK done\r\n'),
      seg(0, 'b AUTHENTICATE GSSAPI\r\n'),
      seg(1, '+ \r\n'),
      seg(0, '*\r\n'),
      seg(1, 'b BAD cancelled\r\n'),
      seg(0, 'c LOGIN {4}\r\n'),
      seg(1, '+ go\r\n'),
      seg(0, 'x\r\ny {5+}\r\nc OK \r\n'),
      seg(1, 'c NO [PRIVACYREQUIRED] no\r\n'),
      seg(0, 'd STARTTLS\r\n'),
      seg(1, 'd NO not now\r\n'),
    ],
    [
      fact(1, 'imap.banner', 'IMAP4rev1 Service Ready'),
      fact(1, 'imap.capabilities', ['IMAP4REV1', 'LOGINDISABLED', 'STARTTLS']),
      fact(1, 'imap.starttls_offered', true),
      fact(1, 'imap.logindisabled', true),
      fact(0, 'imap.auth_mechanism', 'GSSAPI'),
      fact(0, 'imap.auth_mechanism', 'LOGIN-COMMAND'),
      fact(0, 'imap.login_seen', true),
      fact(1, 'imap.auth_failed', 1),
      fact(1, 'imap.auth_failed', 2),
    ],
  ),
  tcp('built: PREAUTH greeting', [seg(1, '* PREAUTH [CAPABILITY IMAP4rev1] Cyrus IMAP ready\r\n')], [
    fact(1, 'imap.capabilities', ['IMAP4REV1']),
  ]),
  tcp('built: not IMAP (HTTP on port 143)', [seg(0, 'a LOGIN u p\r\n'), seg(1, 'HTTP/1.1 400 Bad Request\r\n\r\n'), seg(0, 'b LOGIN u p\r\n')], [fact(0, 'imap.auth_mechanism', 'LOGIN-COMMAND'), fact(0, 'imap.login_seen', true)]),
];

const imap = new ImapDissector();
describeConformance(imap, vectors);

describe('ImapDissector', () => {
  it('claims TCP 143 only', () => {
    expect(imap.tcpPorts).toEqual([143]);
    expect(imap.udpPorts).toEqual([]);
  });

  it('detaches after a PREAUTH greeting (already logged in)', () => {
    const facts: string[] = [];
    const session = imap.open({ emit: (k) => facts.push(k), ts: 0, transport: 'tcp', originatorPort: 1, responderPort: 143 });
    const greeting = ascii('* PREAUTH Cyrus IMAP ready\r\n');
    session.data(1, greeting, 0, greeting.length);
    expect(session.done).toBe(true);
    expect(facts).toEqual([]);
  });

  it('the fixture holds the four recorded connections', () => {
    expect(flows.length).toBe(4);
  });

  it('never emits a user name or password, in clear or base64', () => {
    const facts = flows.flatMap((f) => feedWhole(imap, f).facts);
    expect(facts.filter((f) => f.key === 'imap.login_seen').length).toBe(3);
    expect(leakedCredentials(facts)).toEqual([]);
    expect(JSON.stringify(facts.map((f) => f.value))).not.toContain('test');
  });
});

// Differential test against tshark on the fixture: per connection, tshark's `imap.request.command` and the
// mechanism word of `imap.request` (LOGIN, or AUTHENTICATE PLAIN/LOGIN: login_seen), and the
// `imap.response.status` of the tagged replies to those commands (`imap.response_tag`): NO/BAD counted as
// auth_failed, OK as auth_ok; STARTTLS answered OK: starttls.
describe.skipIf(!haveTshark)('IMAP against tshark', () => {
  it('logins, their results and STARTTLS agree with tshark on every connection', () => {
    const problems: string[] = [];
    const theirs = tcpFlows(fixtureFile('imap.pcap'), 'tcp.port == 143', ['imap.request_tag', 'imap.request.command', 'imap.request', 'imap.response_tag', 'imap.response.status']);
    expect(theirs.length).toBe(flows.length);
    for (const flow of theirs) {
      const facts = feedWhole(imap, flow).facts;
      const rows = flow.rows.map((r) => r.map((v) => v.split(AGGREGATOR)[0] ?? ''));
      const tags = new Map<string, string>();
      let login = false;
      for (const [tag, command, request] of rows) {
        const c = command.toUpperCase();
        const mech = (request.split(' ')[2] ?? '').toUpperCase();
        if (c === 'LOGIN' || (c === 'AUTHENTICATE' && (mech === 'PLAIN' || mech === 'LOGIN'))) login = true;
        if (c === 'LOGIN' || c === 'AUTHENTICATE' || c === 'STARTTLS') tags.set(tag, c);
      }
      let failed = 0;
      let ok = false;
      let starttls = false;
      for (const r of rows) {
        const command = tags.get(r[3]);
        if (command === undefined) continue;
        const status = r[4].toUpperCase();
        if (command === 'STARTTLS') starttls ||= status === 'OK';
        else if (status === 'OK') ok = true;
        else if (status === 'NO' || status === 'BAD') failed++;
      }
      const has = (key: string): boolean => facts.some((f) => f.key === key);
      const failures = Math.max(0, ...facts.filter((f) => f.key === 'imap.auth_failed').map((f) => Number(f.value)));
      if (login !== has('imap.login_seen')) problems.push(`connection ${flow.stream}: tshark login ${login}`);
      if (ok !== has('imap.auth_ok')) problems.push(`connection ${flow.stream}: tshark login OK ${ok}`);
      if (starttls !== has('imap.starttls')) problems.push(`connection ${flow.stream}: tshark STARTTLS ${starttls}`);
      if (failed !== failures) problems.push(`connection ${flow.stream}: tshark failures ${failed}, ours ${failures}`);
    }
    console.info(`IMAP vs tshark: ${theirs.length} connections, ${problems.length} disagreements`);
    expect(problems).toEqual([]);
  });
});
