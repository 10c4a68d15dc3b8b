/**
 * `web.attack`: HTTP requests shaped like attacks (`http.attack`: SQL injection, path traversal, command
 * injection and Shellshock, XSS, Log4Shell JNDI lookups, self-announcing scanners). Log4Shell and command
 * injection are high; the others medium; a scanner alone is medium.
 */
import type { Observation } from '../../protocols/observation.js';
import type { Severity } from '../alert.js';
import { host } from '../detect-util.js';
import type { DetectionRule, FindingSink } from '../rule.js';

const SEVERITY: Record<string, Severity> = { log4j: 'high', rce: 'high', sqli: 'high', traversal: 'high', xss: 'medium', scanner: 'medium' };
const NAME: Record<string, string> = { log4j: 'Log4Shell JNDI lookup', rce: 'command injection', sqli: 'SQL injection', traversal: 'path traversal', xss: 'cross-site scripting', scanner: 'web vulnerability scanner' };

export function webAttackRule(): DetectionRule {
  return {
    id: 'web.attack',
    rawKeys: ['http.attack'],
    raw(o: Observation, out: FindingSink) {
      const kind = String(o.value);
      out.raise({
        rule: 'web.attack',
        severity: SEVERITY[kind] ?? 'medium',
        title: `${NAME[kind] ?? kind} against ${o.dst.ip}`,
        description: `${o.src.ip} sent HTTP requests to ${o.dst.ip}:${o.dst.port} shaped like ${NAME[kind] ?? kind}.`,
        ts: o.ts,
        src: host(o.src),
        dst: host(o.dst),
        evidence: { attack: kind },
        flows: o.flow === undefined ? [] : [{ id: o.flow, proto: 'tcp', src: o.src.ip, sport: o.src.port, dst: o.dst.ip, dport: o.dst.port, ts: o.ts }],
      });
    },
  };
}
