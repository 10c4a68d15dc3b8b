/**
 * `bruteforce.login`: password guessing. Against SSH, FTP, telnet and RDP, the passwords are encrypted or
 * the failures not reported, so the shape is counted: `minSessions` short sessions from one client to one
 * server's login service within the window (a person logs in once; a guesser reconnects after each few
 * tries). Against HTTP, the server's 401 answers (`http.status`, every one) are counted; against POP3,
 * IMAP and LDAP, the failures the server reports (`pop3.auth_failed`, `imap.auth_failed`,
 * `ldap.auth_failed`: one per refused login), `minAuthFailures` from one client to one server.
 */
import type { FlowRecord } from '../../analyze/flow-record.js';
import type { Observation } from '../../protocols/observation.js';
import type { FlowRef } from '../alert.js';
import { WindowedCounter, entryFor, flowRef, host, pushBounded } from '../detect-util.js';
import type { DetectionRule, FindingSink } from '../rule.js';
import type { Thresholds } from '../thresholds.js';

const LOGIN_PORTS: Record<number, string> = { 21: 'ftp', 22: 'ssh', 23: 'telnet', 3389: 'rdp' };
const LOGIN_SERVICES = new Set(['ftp', 'ssh', 'telnet', 'rdp']);
/** Facts a server sends for each refused login, by the service they name. */
const FAILURE_KEYS: Record<string, string> = { 'pop3.auth_failed': 'pop3', 'imap.auth_failed': 'imap', 'ldap.auth_failed': 'ldap' };

export function bruteForceRule(t: Thresholds): DetectionRule {
  const { windowS, minSessions, minHttpFailures, minAuthFailures, maxSessionS } = t['bruteforce.login'];
  const counter = new WindowedCounter(windowS);
  const samples = new Map<string, FlowRef[]>();
  function count(key: string, ts: number, threshold: number, ref: FlowRef | null): number | null {
    if (ref) {
      pushBounded(entryFor(samples, key, () => []), ref, 10);
    }
    const r = counter.add(key, ts, threshold);
    return r.reached ? r.count : null;
  }
  return {
    id: 'bruteforce.login',
    rawKeys: ['http.status', ...Object.keys(FAILURE_KEYS)],
    flow(f: FlowRecord, out: FindingSink) {
      if (f.proto !== 'tcp') return;
      const service = f.service && LOGIN_SERVICES.has(f.service) ? f.service : LOGIN_PORTS[f.responder.port];
      // A session the client opened (its SYN first) that carried data; where routing splits a conversation's two
      // directions into two flows, only the client's half starts with its SYN, so each session counts once.
      if (!service || !f.tcp?.history.startsWith('S') || f.origPayloadBytes + f.respPayloadBytes === 0 || f.durationS > maxSessionS) return;
      const key = `${f.originator.ip}>${f.responder.ip}|${service}`;
      const n = count(key, f.firstTs, minSessions, flowRef(f));
      if (n === null) return;
      out.raise({
        rule: 'bruteforce.login',
        severity: 'high',
        title: `${service.toUpperCase()} password guessing on ${f.responder.ip}`,
        description: `${f.originator.ip} opened ${n} short ${service} sessions to ${f.responder.ip} within ${windowS} s.`,
        ts: f.firstTs,
        src: host(f.originator),
        dst: host(f.responder),
        evidence: { service, sessions: n, windowS },
        flows: samples.get(key) ?? [],
      });
    },
    raw(o: Observation, out: FindingSink) {
      const service = o.key === 'http.status' ? (o.value === 401 ? 'http' : undefined) : FAILURE_KEYS[o.key];
      if (service === undefined) return;
      // The refusal comes from the server: the guesser is its destination.
      const key = `${o.dst.ip}>${o.src.ip}|${service}`;
      const n = count(key, o.ts, service === 'http' ? minHttpFailures : minAuthFailures, null);
      if (n === null) return;
      out.raise({
        rule: 'bruteforce.login',
        severity: 'high',
        title: `${service.toUpperCase()} password guessing on ${o.src.ip}`,
        description: service === 'http' ? `${o.src.ip} refused ${n} requests from ${o.dst.ip} with 401 within ${windowS} s.` : `${o.src.ip} refused ${n} ${service} logins from ${o.dst.ip} within ${windowS} s.`,
        ts: o.ts,
        src: host(o.dst),
        dst: host(o.src),
        evidence: { service, failures: n, windowS },
      });
    },
  };
}
