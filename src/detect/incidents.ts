/**
 * Incidents: alerts that share a host (as attacker or victim) within `windowS` of each other belong to one
 * incident, so a scan, the exploit that follows and the victim's beaconing read as one story. Sets each
 * alert's `incident` and returns the incidents, most severe first.
 */
import { createHash } from 'node:crypto';
import { maxSeverity, severityRank, type Alert, type Incident } from './alert.js';

export function groupIncidents(alerts: Alert[], windowS: number): Incident[] {
  const parent = alerts.map((_, i) => i);
  const find = (i: number): number => (parent[i] === i ? i : (parent[i] = find(parent[i])));
  const lastByHost = new Map<string, number>();
  const order = alerts.map((_, i) => i).sort((a, b) => alerts[a].firstTs - alerts[b].firstTs);
  for (const i of order) {
    const a = alerts[i];
    for (const ip of new Set([a.srcIp, a.dstIp ?? ''].filter((x) => x !== '' && x !== '0.0.0.0'))) {
      const j = lastByHost.get(ip);
      if (j !== undefined && a.firstTs - alerts[j].lastTs <= windowS) parent[find(i)] = find(j);
      if (j === undefined || alerts[j].lastTs < a.lastTs) lastByHost.set(ip, i);
    }
  }
  const members = new Map<number, number[]>();
  for (let i = 0; i < alerts.length; i++) {
    const r = find(i);
    let l = members.get(r);
    if (!l) members.set(r, (l = []));
    l.push(i);
  }
  const incidents: Incident[] = [];
  for (const list of members.values()) {
    const as = list.map((i) => alerts[i]);
    const uid = 'inc-' + createHash('sha1').update(as.map((a) => a.uid).sort().join(',')).digest('hex').slice(0, 12);
    const hosts = [...new Set(as.flatMap((a) => [a.srcIp, a.dstIp ?? '']).filter((x) => x !== ''))].sort();
    const rules = [...new Set(as.map((a) => a.rule))].sort();
    const severity = as.reduce((s, a) => maxSeverity(s, a.severity), as[0].severity);
    for (const a of as) a.incident = uid;
    incidents.push({
      uid,
      title: `${rules.join(', ')} involving ${hosts.slice(0, 4).join(', ')}${hosts.length > 4 ? ` (+${hosts.length - 4})` : ''}`,
      severity,
      firstTs: Math.min(...as.map((a) => a.firstTs)),
      lastTs: Math.max(...as.map((a) => a.lastTs)),
      hosts,
      rules,
      alerts: as.map((a) => a.uid),
    });
  }
  return incidents.sort((a, b) => severityRank(b.severity) - severityRank(a.severity) || a.firstTs - b.firstTs);
}
