import { describe, expect, it } from 'vitest';
import { cleartextCredentialsRule } from '../../src/detect/rules/cleartext-credentials.js';
import type { Finding } from '../../src/detect/alert.js';
import type { Observation } from '../../src/protocols/observation.js';

const observation = (key: string, value: Observation['value']): Observation => ({
  ts: 100,
  key,
  value,
  src: { mac: null, ip: '10.0.0.9', port: 50000 },
  dst: { mac: null, ip: '10.0.1.1', port: 389 },
  flow: 7,
});

function findings(o: Observation): Finding[] {
  const out: Finding[] = [];
  cleartextCredentialsRule().raw!(o, { raise: (f) => out.push(f) });
  return out;
}

describe('cleartext.credentials on POP3, IMAP and LDAP login facts', () => {
  const rule = cleartextCredentialsRule();

  it('subscribes to the new login facts', () => {
    expect(rule.rawKeys).toEqual(expect.arrayContaining(['pop3.login_seen', 'imap.login_seen', 'ldap.simple_bind_seen']));
  });

  it.each([
    ['pop3.login_seen', 'pop3'],
    ['imap.login_seen', 'imap'],
    ['ldap.simple_bind_seen', 'ldap-simple-bind'],
  ])('%s raises a low finding from client to server', (key, protocol) => {
    const [f, ...more] = findings(observation(key, true));
    expect(more).toEqual([]);
    expect([f.rule, f.severity, f.src.ip, f.dst?.ip, f.evidence.protocol, f.evidence.fact]).toEqual(['cleartext.credentials', 'low', '10.0.0.9', '10.0.1.1', protocol, key]);
    expect(f.flows?.[0]).toMatchObject({ id: 7, proto: 'tcp', src: '10.0.0.9', dst: '10.0.1.1', dport: 389 });
  });

  it('ignores the other facts of those protocols', () => {
    expect(findings(observation('ldap.bind_method', 'anonymous'))).toEqual([]);
    expect(findings(observation('imap.auth_mechanism', 'GSSAPI'))).toEqual([]);
  });
});
