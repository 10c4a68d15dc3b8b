/**
 * `cleartext.credentials`: a password or shared secret crossed the network readable by anyone on the path:
 * FTP USER/PASS, HTTP Basic over plain HTTP, a telnet login prompt answered, an SNMPv1/v2c community, a POP3 or
 * IMAP login (USER/PASS, LOGIN, or SASL PLAIN/LOGIN, which is only base64), an LDAP simple bind with a password.
 * Only that it was seen is kept, never the value. A hygiene finding (low) that clinical context raises.
 */
import type { Observation } from '../../protocols/observation.js';
import { host } from '../detect-util.js';
import type { DetectionRule, FindingSink } from '../rule.js';

/** Key → protocol, and whether the fact's sender is the client (else the server sent it). */
const KEYS: Record<string, { protocol: string; fromClient: boolean }> = {
  'ftp.login_seen': { protocol: 'ftp', fromClient: true },
  'http.basic_auth': { protocol: 'http-basic', fromClient: true },
  'telnet.login_prompt': { protocol: 'telnet', fromClient: false },
  'snmp.community_seen': { protocol: 'snmp-community', fromClient: true },
  'pop3.login_seen': { protocol: 'pop3', fromClient: true },
  'imap.login_seen': { protocol: 'imap', fromClient: true },
  'ldap.simple_bind_seen': { protocol: 'ldap-simple-bind', fromClient: true },
};

export function cleartextCredentialsRule(): DetectionRule {
  return {
    id: 'cleartext.credentials',
    rawKeys: Object.keys(KEYS),
    raw(o: Observation, out: FindingSink) {
      const k = KEYS[o.key];
      if (!k || o.value !== true) return;
      const client = k.fromClient ? o.src : o.dst;
      const server = k.fromClient ? o.dst : o.src;
      out.raise({
        rule: 'cleartext.credentials',
        severity: 'low',
        title: `Cleartext ${k.protocol} credentials to ${server.ip}`,
        description: `${client.ip} ${k.protocol === 'telnet' ? 'was prompted for a telnet login by' : 'sent credentials in clear to'} ${server.ip}:${server.port}; the value is not kept.`,
        ts: o.ts,
        src: host(client),
        dst: host(server),
        evidence: { protocol: k.protocol, fact: o.key },
        flows: o.flow === undefined ? [] : [{ id: o.flow, proto: k.protocol === 'snmp-community' ? 'udp' : 'tcp', src: client.ip, sport: client.port, dst: server.ip, dport: server.port, ts: o.ts }],
      });
    },
  };
}
