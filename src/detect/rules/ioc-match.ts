/**
 * `ioc.match`: traffic touching an imported indicator of compromise (src/detect/ioc.ts): a flow to or from a
 * listed IP, a DNS query, TLS SNI or HTTP Host of a listed domain (or a subdomain), a TLS client with a listed
 * JA3 or JA4, a server certificate with a listed SHA-256. High.
 */
import type { FlowRecord } from '../../analyze/flow-record.js';
import type { Observation } from '../../protocols/observation.js';
import { flowRef, host, isLocal } from '../detect-util.js';
import type { Ioc, IocSet, IocType } from '../ioc.js';
import type { DetectionRule, FindingSink } from '../rule.js';

const KEY_TYPES: Record<string, IocType> = {
  'dns.query': 'domain',
  'tls.sni': 'domain',
  'http.host': 'domain',
  'tls.ja3': 'ja3',
  'tls.ja4': 'ja4',
  'tls.cert.sha256': 'sha256',
};

export function iocMatchRule(iocs: IocSet): DetectionRule {
  const raise = (out: FindingSink, ioc: Ioc, what: string, o: { ts: number; src: Observation['src']; dst: Observation['dst'] }, flows: ReturnType<typeof flowRef>[]) => {
    // The local side is the device at risk; for a server certificate or a reply, the receiver.
    const srcLocal = isLocal(o.src.ip);
    out.raise({
      rule: 'ioc.match',
      severity: 'high',
      title: `Indicator ${ioc.value} (${ioc.type}) seen`,
      description: `${what} matches imported indicator ${ioc.value}${ioc.description ? ` (${ioc.description})` : ''} from ${ioc.source}.`,
      ts: o.ts,
      src: host(o.src),
      dst: host(o.dst),
      device: srcLocal ? 'src' : 'dst',
      evidence: { indicator: ioc.value, type: ioc.type, source: ioc.source, ...(ioc.description ? { description: ioc.description } : {}) },
      flows,
    });
  };
  return {
    id: 'ioc.match',
    rawKeys: iocs.size > 0 ? Object.keys(KEY_TYPES) : [],
    flow(f: FlowRecord, out: FindingSink) {
      if (iocs.size === 0) return;
      const hit = iocs.match('ip', f.responder.ip) ?? iocs.match('ip', f.originator.ip);
      if (hit) raise(out, hit, `A ${f.proto} flow ${f.originator.ip}:${f.originator.port} -> ${f.responder.ip}:${f.responder.port}`, { ts: f.firstTs, src: f.originator, dst: f.responder }, [flowRef(f)]);
    },
    raw(o: Observation, out: FindingSink) {
      if (iocs.size === 0) return;
      const type = KEY_TYPES[o.key];
      let value = String(o.value);
      if (o.key === 'http.host') value = value.replace(/:\d+$/, '');
      const hit = iocs.match(type, value);
      if (hit) raise(out, hit, `${o.key} ${value} from ${o.src.ip}`, o, o.flow === undefined ? [] : [{ id: o.flow, proto: o.key.startsWith('dns') ? 'udp' : 'tcp', src: o.src.ip, sport: o.src.port, dst: o.dst.ip, dport: o.dst.port, ts: o.ts }]);
    },
  };
}
