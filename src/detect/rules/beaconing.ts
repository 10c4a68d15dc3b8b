/**
 * `beaconing`: a local host connecting to the same public address and port at regular intervals (command
 * and control check-ins). Connection start times are kept per pair (at most 64); at the end, a pair with at
 * least `minConnections` whose intervals average at least `minIntervalS` with a coefficient of variation at
 * most `maxJitter` is raised. NTP (123) and DNS (53) are periodic by design and left out.
 */
import type { FlowRecord } from '../../analyze/flow-record.js';
import type { FlowRef, Host } from '../alert.js';
import { flowRef, host, isLocal, isPublic, pushBounded } from '../detect-util.js';
import type { DetectionRule, FindingSink } from '../rule.js';
import type { Thresholds } from '../thresholds.js';

const PERIODIC_BY_DESIGN = new Set([53, 123, 5353]);
const MAX_STARTS = 64;

export function beaconingRule(t: Thresholds): DetectionRule {
  const { minConnections, minIntervalS, maxJitter, maxPairs } = t.beaconing;
  const pairs = new Map<string, { src: Host; dst: Host; port: number; starts: number[]; refs: FlowRef[] }>();
  return {
    id: 'beaconing',
    flow(f: FlowRecord) {
      if ((f.proto !== 'tcp' && f.proto !== 'udp') || PERIODIC_BY_DESIGN.has(f.responder.port)) return;
      if (!isLocal(f.originator.ip) || !isPublic(f.responder.ip)) return;
      // One connection, one start: the responder's half of a split conversation starts with a SYN-ACK.
      if (f.tcp && !f.tcp.history.startsWith('S')) return;
      const key = `${f.originator.ip}>${f.responder.ip}:${f.responder.port}/${f.proto}`;
      let p = pairs.get(key);
      if (!p) {
        if (pairs.size >= maxPairs) return;
        pairs.set(key, (p = { src: host(f.originator), dst: host(f.responder), port: f.responder.port, starts: [], refs: [] }));
      }
      if (p.starts.length < MAX_STARTS) p.starts.push(f.firstTs);
      pushBounded(p.refs, flowRef(f), 10);
    },
    finish(_ctx, out: FindingSink) {
      for (const p of pairs.values()) {
        if (p.starts.length < minConnections) continue;
        const sorted = p.starts.sort((a, b) => a - b);
        // Starts within a second are one check-in (a DNS lookup and its connection, a retry).
        const s = sorted.filter((x, i) => i === 0 || x - sorted[i - 1] >= 1);
        if (s.length < minConnections) continue;
        const gaps: number[] = [];
        for (let i = 1; i < s.length; i++) gaps.push(s[i] - s[i - 1]);
        const mean = gaps.reduce((a, b) => a + b, 0) / gaps.length;
        if (mean < minIntervalS) continue;
        const sd = Math.sqrt(gaps.reduce((a, g) => a + (g - mean) ** 2, 0) / gaps.length);
        const cv = sd / mean;
        if (cv > maxJitter) continue;
        out.raise({
          rule: 'beaconing',
          severity: 'medium',
          title: `${p.src.ip} beacons to ${p.dst.ip}:${p.port}`,
          description: `${p.src.ip} connected to ${p.dst.ip}:${p.port} ${s.length} times every ${Math.round(mean)} s (jitter ${Math.round(cv * 100)} %): the rhythm of malware checking in with its controller.`,
          ts: s[0],
          src: p.src,
          dst: p.dst,
          device: 'src',
          evidence: { connections: s.length, meanIntervalS: Math.round(mean * 10) / 10, jitter: Math.round(cv * 1000) / 1000, port: p.port, lastTs: s[s.length - 1] },
          flows: p.refs,
        });
      }
    },
  };
}
