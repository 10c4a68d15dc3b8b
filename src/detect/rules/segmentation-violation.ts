/**
 * `segmentation.violation`: a conversation between two local zones that the zone policy (zone-policy.ts)
 * does not allow. Zones come from the site file (most specific subnet, then VLAN; else inferred per VLAN or
 * /24, which have no kind). Violations are gathered per (source zone, destination zone, service) and
 * `dedupWindowS`, and raised at the end about the destination the most patient-safety-critical of those
 * reached, so clinical context raises them: medium when the destination answered (the path is open), low
 * for attempts nothing answered (a firewall may have dropped them); a policy rule may set its own severity.
 *
 * Per flow the rule looks up two cached zone indexes and one cached verdict by a numeric key: nothing is
 * allocated for allowed traffic.
 */
import type { FlowRecord } from '../../analyze/flow-record.js';
import { zoneOf, type SiteZone } from '../../inventory/site-zones.js';
import type { FlowRef, Host, Severity } from '../alert.js';
import { flowRef, host, isLocal, pushBounded } from '../detect-util.js';
import type { DeviceContext } from '../device-context.js';
import type { DetectionRule, FindingSink } from '../rule.js';
import type { Thresholds } from '../thresholds.js';
import { PROTO_ICMP, protoCode, zoneVerdict, type ZonePolicy, type ZonePolicyRule, type ZoneRef } from '../zone-policy.js';

const MAX_ZONES = 4096;
const MAX_GROUPS = 10_000;
const MAX_HOSTS = 16;
/** Verdict cache values: not judged or allowed, or 1 + an index into `denials`. */
const PASS = 0;

interface Group {
  src: ZoneRef;
  dst: ZoneRef;
  service: string;
  rule: ZonePolicyRule | null;
  first: number;
  last: number;
  flows: number;
  answered: number;
  /** Sources with their flows; destinations. */
  sources: Map<string, { host: Host; flows: number }>;
  destinations: Map<string, Host>;
  refs: FlowRef[];
}

const SAFETY_ORDER: Record<string, number> = { 'life-sustaining': 5, therapeutic: 4, diagnostic: 3, monitoring: 2, 'clinical-support': 1 };

function serviceText(proto: string, port: number): string {
  return protoCode(proto) === PROTO_ICMP ? proto : `${proto}/${port}`;
}

export function segmentationRule(t: Thresholds, o: { zones: readonly SiteZone[]; policy: ZonePolicy }): DetectionRule {
  const zoneRefs: ZoneRef[] = [];
  const zoneIndexById = new Map<string, number>();
  const zoneByIp = new Map<string, number>();
  const kindById = new Map(o.zones.map((z) => [z.id, z.kind]));
  const verdicts = new Map<number, number>();
  const denials: (ZonePolicyRule | null)[] = [];
  const groups = new Map<string, Group>();

  function zoneIndex(ip: string, vlan: number): number {
    let i = zoneByIp.get(ip);
    if (i !== undefined) return i;
    const z = zoneOf(o.zones, ip, vlan || null);
    i = zoneIndexById.get(z.id);
    if (i === undefined) {
      if (zoneRefs.length >= MAX_ZONES) return -1;
      i = zoneRefs.length;
      zoneRefs.push({ id: z.id, kind: z.inferred ? null : kindById.get(z.id) ?? null });
      zoneIndexById.set(z.id, i);
    }
    if (zoneByIp.size >= 1_000_000) zoneByIp.clear();
    zoneByIp.set(ip, i);
    return i;
  }

  return {
    id: 'segmentation.violation',
    flow(f: FlowRecord) {
      if (!isLocal(f.originator.ip) || !isLocal(f.responder.ip)) return;
      // A TCP flow whose opening was not seen (capture started mid-conversation) has no known direction.
      if (f.tcp !== undefined && f.tcp.history.charCodeAt(0) !== 0x53 /* S */) return;
      const zi = zoneIndex(f.originator.ip, f.vlan);
      const zj = zoneIndex(f.responder.ip, f.vlan);
      if (zi === zj || zi < 0 || zj < 0) return;
      const proto = protoCode(f.proto);
      const port = proto === PROTO_ICMP ? 0 : f.responder.port;
      const key = (zi * MAX_ZONES + zj) * 262_144 + proto * 65_536 + port;
      let v = verdicts.get(key);
      if (v === undefined) {
        const verdict = zoneVerdict(o.policy, zoneRefs[zi], zoneRefs[zj], proto, port);
        if (!verdict || verdict.allowed) v = PASS;
        else {
          denials.push(verdict.rule);
          v = denials.length;
        }
        verdicts.set(key, v);
      }
      if (v === PASS) return;
      // A denied conversation: rare by design, so the text keys below cost nothing that matters.
      const bucket = Math.floor(f.firstTs / t.dedupWindowS);
      const gkey = `${key}|${bucket}`;
      let g = groups.get(gkey);
      if (!g) {
        if (groups.size >= MAX_GROUPS) return;
        groups.set(gkey, (g = { src: zoneRefs[zi], dst: zoneRefs[zj], service: serviceText(f.proto, port), rule: denials[v - 1], first: f.firstTs, last: f.lastTs, flows: 0, answered: 0, sources: new Map(), destinations: new Map(), refs: [] }));
      }
      g.flows++;
      if (f.respPackets > 0) g.answered++;
      if (f.firstTs < g.first) g.first = f.firstTs;
      if (f.lastTs > g.last) g.last = f.lastTs;
      const s = g.sources.get(f.originator.ip);
      if (s) s.flows++;
      else if (g.sources.size < MAX_HOSTS) g.sources.set(f.originator.ip, { host: host(f.originator), flows: 1 });
      if (g.destinations.size < MAX_HOSTS && !g.destinations.has(f.responder.ip)) g.destinations.set(f.responder.ip, host(f.responder));
      pushBounded(g.refs, flowRef(f), 10);
    },
    finish(ctx: DeviceContext, out: FindingSink) {
      for (const g of groups.values()) {
        // The alert is about the destination whose loss would hurt patients most: context raises it.
        let victim: Host | null = null;
        let rank = -1;
        for (const d of g.destinations.values()) {
          const info = ctx.device(d.ip, d.mac);
          const r = info?.safetyImpact ? SAFETY_ORDER[info.safetyImpact] ?? 0 : info?.medical ? 0.5 : 0;
          // Ties go to the lowest address: the same alert whichever order flows arrive in.
          if (r > rank || (r === rank && victim !== null && d.ip < victim.ip)) ((victim = d), (rank = r));
        }
        // The source that opened the most conversations speaks for them.
        let src: { host: Host; flows: number } | null = null;
        for (const s of g.sources.values()) if (!src || s.flows > src.flows || (s.flows === src.flows && s.host.ip < src.host.ip)) src = s;
        const severity: Severity = g.rule?.severity ?? (g.answered > 0 ? 'medium' : 'low');
        const because = g.rule ? (g.rule.why ? `the policy denies it: ${g.rule.why}` : `the policy denies it (${g.rule.where})`) : `no policy rule allows it and ${g.src.id} or ${g.dst.id} enforces default-deny`;
        out.raise({
          rule: 'segmentation.violation',
          severity,
          title: `${g.src.id} → ${g.dst.id} on ${g.service}: segmentation violation`,
          description: `${g.flows} conversations from zone ${g.src.id} to ${g.service} in zone ${g.dst.id} (${g.answered} answered); ${because}.`,
          ts: g.first,
          src: src!.host,
          dst: victim!,
          device: 'dst',
          evidence: {
            srcZone: g.src.id,
            dstZone: g.dst.id,
            service: g.service,
            policyRule: g.rule ? g.rule.where : 'default deny',
            flows: g.flows,
            answered: g.answered,
            sources: [...g.sources.keys()].sort(),
            destinations: [...g.destinations.keys()].sort(),
            lastTs: g.last,
          },
          flows: g.refs,
        });
      }
    },
  };
}
