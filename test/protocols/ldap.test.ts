import { describe, expect, it } from 'vitest';
import type { Direction } from '../../src/protocols/dissector.js';
import { dnAttributeTypes, LdapDissector, STARTTLS_OID } from '../../src/protocols/ldap/index.js';
import { feedWhole, type Fact, type Segment } from '../../src/protocols/harness.js';
import { describeConformance, type ConformanceVector } from './conformance.js';
import { existsSync } from 'node:fs';
import { haveTshark, SHARED } from './tshark-fields.js';
import { AGGREGATOR, tcpFlows } from './tshark-streams.js';
import { fixtureFile, fixtureFlows, leakedCredentials } from './mail-fixtures.js';

// Real LDAP sessions: test/fixtures/mail/ldap.pcap, OpenLDAP slapd 2.5.13 answering ldap-utils 2.5.13
// (scripts/record-mail-ldap-fixtures.sh; bind DN cn=test,ou=people,dc=example,dc=org, throwaway passwords).
// Connections, in order: 0 ldapwhoami simple bind (0) and Who am I?; 1 simple bind, wrong password (49);
// 2 ldapsearch: bind, base-scope search of dc=example,dc=org; 3 SASL DIGEST-MD5 bind (14, then 49);
// 4 ldapwhoami -ZZ: StartTLS accepted, then TLS.

const fact = (from: Direction, key: string, value: Fact['value']): Fact => ({ key, value, from });
const tcp = (name: string, segments: readonly Segment[], expected: Fact[], exact = true): ConformanceVector => ({
  name,
  transport: 'tcp',
  originatorPort: 50389,
  responderPort: 389,
  segments,
  expected,
  exact,
});

/** BER TLV with a definite length (long form from 128 octets, as LDAP encoders do). */
function tlv(tag: number, ...parts: Buffer[]): Buffer {
  const value = Buffer.concat(parts);
  const n = value.length;
  const length = n < 0x80 ? [n] : n < 0x100 ? [0x81, n] : n < 0x10000 ? [0x82, n >> 8, n & 0xff] : [0x83, n >> 16, (n >> 8) & 0xff, n & 0xff];
  return Buffer.concat([Buffer.from([tag, ...length]), value]);
}
const str = (tag: number, text: string): Buffer => tlv(tag, Buffer.from(text, 'utf8'));
const int = (tag: number, v: number): Buffer => tlv(tag, Buffer.from(v < 0x80 ? [v] : [v >> 8, v & 0xff]));
const message = (id: number, op: Buffer): Buffer => tlv(0x30, int(0x02, id), op);
const simpleBind = (id: number, dn: string, password: string): Buffer => message(id, tlv(0x60, int(0x02, 3), str(0x04, dn), str(0x80, password)));
const bindResponse = (id: number, code: number): Buffer => message(id, tlv(0x61, int(0x0a, code), str(0x04, ''), str(0x04, '')));
const search = (id: number, base: string, filterPad = 0): Buffer =>
  message(id, tlv(0x63, str(0x04, base), int(0x0a, 0), int(0x0a, 0), int(0x02, 0), int(0x02, 0), tlv(0x01, Buffer.from([0])), str(0x87, 'objectClass' + 'x'.repeat(filterPad)), tlv(0x30)));
const seg = (dir: Direction, ...bytes: Buffer[]): Segment => ({ dir, bytes: Buffer.concat(bytes) });

const flows = fixtureFlows('ldap.pcap');
const fromFixture = (i: number, what: string, expected: Fact[]): ConformanceVector => ({
  ...tcp(`slapd ldap.pcap connection ${i}: ${what}`, flows[i].segments, expected),
  originatorPort: flows[i].originatorPort,
});
const SIMPLE = [
  fact(0, 'ldap.bind_version', 3),
  fact(0, 'ldap.bind_dn_seen', true),
  fact(0, 'ldap.bind_dn_types', 'cn,ou,dc'),
  fact(0, 'ldap.bind_method', 'simple'),
  fact(0, 'ldap.simple_bind_seen', true),
];

const vectors: ConformanceVector[] = [
  fromFixture(0, 'simple bind, success, Who am I?', [...SIMPLE, fact(1, 'ldap.bind_result', 0), fact(0, 'ldap.extended_request', '1.3.6.1.4.1.4203.1.11.3')]),
  fromFixture(1, 'simple bind, wrong password', [...SIMPLE, fact(1, 'ldap.bind_result', 49), fact(1, 'ldap.auth_failed', 1)]),
  fromFixture(2, 'simple bind, search with a base', [...SIMPLE, fact(1, 'ldap.bind_result', 0), fact(0, 'ldap.search_base_seen', true)]),
  fromFixture(3, 'SASL DIGEST-MD5 bind, refused', [
    fact(0, 'ldap.bind_version', 3),
    fact(0, 'ldap.bind_method', 'sasl'),
    fact(0, 'ldap.sasl_mechanism', 'DIGEST-MD5'),
    fact(1, 'ldap.bind_result', 14),
    fact(1, 'ldap.bind_result', 49),
    fact(1, 'ldap.auth_failed', 1),
  ]),
  fromFixture(4, 'StartTLS accepted, then TLS', [fact(0, 'ldap.extended_request', STARTTLS_OID), fact(0, 'ldap.starttls', true), fact(1, 'ldap.starttls_accepted', true)]),
  tcp(
    'built: anonymous and unauthenticated binds, a UPN bind name, root DSE search, a search longer than what is kept, three failures',
    [
      seg(0, simpleBind(1, '', ''), search(2, ''), simpleBind(3, 'cn=Jane Doe+uid=jd,o=Clinic\\, Inc.', '')),
      seg(1, bindResponse(1, 0), bindResponse(3, 53)),
      seg(0, simpleBind(4, 'jdoe@clinic.example', 'pw1'), simpleBind(5, 'jdoe@clinic.example', 'pw2'), simpleBind(300, 'jdoe@clinic.example', 'pw3')),
      seg(1, bindResponse(4, 49), bindResponse(5, 49), bindResponse(300, 49)),
      seg(0, search(301, 'ou=Radiology,dc=clinic,dc=example', 6000)),
    ],
    [
      fact(0, 'ldap.bind_version', 3),
      fact(0, 'ldap.bind_method', 'anonymous'),
      fact(0, 'ldap.bind_method', 'unauthenticated'),
      fact(0, 'ldap.bind_method', 'simple'),
      fact(0, 'ldap.bind_dn_seen', true),
      fact(0, 'ldap.bind_dn_types', 'cn,uid,o'),
      fact(0, 'ldap.simple_bind_seen', true),
      fact(0, 'ldap.search_base_seen', false),
      fact(0, 'ldap.search_base_seen', true),
      fact(1, 'ldap.bind_result', 0),
      fact(1, 'ldap.bind_result', 53),
      fact(1, 'ldap.bind_result', 49),
      fact(1, 'ldap.auth_failed', 1),
      fact(1, 'ldap.auth_failed', 2),
      fact(1, 'ldap.auth_failed', 3),
    ],
  ),
  tcp(
    'built: StartTLS refused (the session goes on in clear), then a SASL security layer (not an LDAPMessage) detaches',
    [
      seg(0, message(1, tlv(0x77, str(0x80, STARTTLS_OID)))),
      seg(1, message(1, tlv(0x78, int(0x0a, 2), str(0x04, ''), str(0x04, '')))),
      seg(0, message(2, tlv(0x60, int(0x02, 3), str(0x04, ''), tlv(0xa3, str(0x04, 'GSSAPI'), str(0x04, 'token'))))),
      seg(1, bindResponse(2, 0)),
      seg(0, Buffer.from('0000002c050404ff000c000000000000', 'hex'), simpleBind(3, 'cn=a', 'b')),
    ],
    [
      fact(0, 'ldap.extended_request', STARTTLS_OID),
      fact(0, 'ldap.starttls', true),
      fact(0, 'ldap.bind_version', 3),
      fact(0, 'ldap.bind_method', 'sasl'),
      fact(0, 'ldap.sasl_mechanism', 'GSSAPI'),
      fact(1, 'ldap.bind_result', 0),
    ],
  ),
  tcp('built: indefinite length and high tag numbers are refused', [seg(0, Buffer.from('3080020101600a020103040080030000', 'hex')), seg(1, Buffer.from('301f0201', 'hex'))], []),
];

const ZEEK = new URL('general/zeek/ldap/simpleauth.pcap', SHARED);
if (haveTshark && existsSync(ZEEK)) {
  for (const flow of tcpFlows(ZEEK.pathname, 'tcp.port == 3268')) {
    vectors.push({
      ...tcp(`shared zeek ldap/simpleauth.pcap stream ${flow.stream} (run time only)`, flow.segments, [fact(0, 'ldap.bind_method', 'simple'), fact(0, 'ldap.bind_dn_types', 'cn,ou,dc'), fact(1, 'ldap.bind_result', 0)], false),
      originatorPort: flow.originatorPort,
      responderPort: flow.responderPort,
    });
  }
}

const ldap = new LdapDissector();
describeConformance(ldap, vectors);

describe('LdapDissector', () => {
  it('claims TCP 389 and 3268', () => {
    expect(ldap.tcpPorts).toEqual([389, 3268]);
    expect(ldap.udpPorts).toEqual([]);
  });

  it('the fixture holds the five recorded connections', () => {
    expect(flows.length).toBe(5);
  });

  it('never emits a password or any value of the bind DN', () => {
    const facts = flows.flatMap((f) => feedWhole(ldap, f).facts);
    expect(facts.filter((f) => f.key === 'ldap.simple_bind_seen').length).toBe(3);
    expect(leakedCredentials(facts)).toEqual([]);
    const text = JSON.stringify(facts.map((f) => f.value));
    for (const value of ['test', 'people', 'example', 'org']) expect(text).not.toContain(value);
  });

  it('reads DN attribute types, not values', () => {
    expect(dnAttributeTypes('cn=test,ou=people,dc=example,dc=org')).toBe('cn,ou,dc');
    expect(dnAttributeTypes('CN=Doe\\, Jane+UID=7, OU="A,B";2.5.4.3=#04024869')).toBe('cn,uid,ou,2.5.4.3');
    expect(dnAttributeTypes('jane@clinic.example')).toBe('');
    expect(dnAttributeTypes('CLINIC\\jane')).toBe('');
    expect(dnAttributeTypes('cn=a,')).toBe('');
    expect(dnAttributeTypes('')).toBe('');
  });

  it('keeps a bounded part of an over-long message and stays framed after it', () => {
    const facts: string[] = [];
    const session = ldap.open({ emit: (k, v) => facts.push(`${k}=${String(v)}`), ts: 0, transport: 'tcp', originatorPort: 1, responderPort: 389 });
    const big = Buffer.concat([search(1, 'dc=x', 1 << 20), simpleBind(2, 'cn=a', 'b')]);
    session.data(0, big, 0, big.length);
    expect(facts).toContain('ldap.search_base_seen=true');
    expect(facts).toContain('ldap.simple_bind_seen=true');
  });
});

// Differential test against tshark on the fixture and, when ../shared is present, Zeek's ldap/simpleauth.pcap
// (BSD-3-Clause, read at run time, not copied: an Active Directory global-catalog session on 3268), per connection: `ldap.version`, `ldap.name` (its presence),
// `ldap.simple` (non-empty: simple_bind_seen; only compared, never emitted), `ldap.mechanism`, the `ldap.resultCode`
// of BindResponses (protocolOp 1; 49 counted as auth_failed), `ldap.requestName` and `ldap.baseObject` (presence).
describe.skipIf(!haveTshark)('LDAP against tshark', () => {
  it('every value tshark shows for these fields is emitted, nothing emitted contradicts it', () => {
    const problems: string[] = [];
    const stats = new Map<string, { tshark: number; found: number }>();
    const fields = ['ldap.protocolOp', 'ldap.version', 'ldap.name', 'ldap.simple', 'ldap.mechanism', 'ldap.resultCode', 'ldap.requestName', 'ldap.baseObject'];
    const theirs = tcpFlows(fixtureFile('ldap.pcap'), 'tcp.port == 389', fields);
    expect(theirs.length).toBe(flows.length);
    if (existsSync(ZEEK)) theirs.push(...tcpFlows(ZEEK.pathname, 'tcp.port == 389 || tcp.port == 3268', fields).map((f) => ({ ...f, stream: 1000 + f.stream })));
    for (const flow of theirs) {
      const facts = feedWhole(ldap, flow).facts;
      const expected = new Set<string>();
      for (const row of flow.rows) {
        const [op, version, name, simple, mech, result, oid, base] = row.map((v) => v.split(AGGREGATOR)[0] ?? '');
        if (op === '0') {
          if (version) expected.add(`ldap.bind_version=${version}`);
          if (name) expected.add('ldap.bind_dn_seen=true');
          if (simple) expected.add('ldap.simple_bind_seen=true');
          if (mech) expected.add(`ldap.sasl_mechanism=${mech.toUpperCase()}`);
        }
        if (op === '1' && result) expected.add(`ldap.bind_result=${result}`);
        if (op === '1' && result === '49') expected.add('ldap.auth_failed=1');
        if (op === '23' && oid) expected.add(`ldap.extended_request=${oid}`);
        if (op === '3') expected.add(`ldap.search_base_seen=${base !== ''}`);
      }
      const compared = new Set([...expected].map((e) => e.split('=')[0]));
      for (const key of ['ldap.bind_version', 'ldap.bind_dn_seen', 'ldap.simple_bind_seen', 'ldap.sasl_mechanism', 'ldap.bind_result', 'ldap.auth_failed', 'ldap.extended_request', 'ldap.search_base_seen']) compared.add(key);
      const ours = new Set(facts.filter((f) => compared.has(f.key)).map((f) => `${f.key}=${String(f.value)}`));
      for (const e of expected) {
        const key = e.split('=')[0];
        const st = stats.get(key) ?? { tshark: 0, found: 0 };
        st.tshark++;
        if (ours.has(e)) st.found++;
        else problems.push(`connection ${flow.stream}: tshark ${e}, not emitted`);
        stats.set(key, st);
      }
      for (const o of ours) if (!expected.has(o)) problems.push(`connection ${flow.stream}: emitted ${o}, tshark shows no such value`);
    }
    console.info(`LDAP vs tshark (${theirs.length} connections):\n  ${[...stats].map(([k, s]) => `${k}: tshark ${s.tshark}, found ${s.found} (recall ${((100 * s.found) / s.tshark).toFixed(1)}%)`).join('\n  ')}`);
    expect(problems).toEqual([]);
  });
});
