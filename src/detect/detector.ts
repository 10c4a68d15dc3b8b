/**
 * The detection engine: runs every rule on the analysis's one pass (its hooks chain with the inventory
 * collector's), folds findings of the same rule, device and peer within `dedupWindowS` into one alert with a
 * count, applies clinical context at the end, and groups alerts into incidents.
 */
import { createHash } from 'node:crypto';
import type { FlowRecord } from '../analyze/flow-record.js';
import type { Observation } from '../protocols/observation.js';
import { severityRank, type Alert, type EvidenceValue, type Finding, type FlowRef, type Host, type Incident } from './alert.js';
import { BaselineCollector } from './baseline.js';
import { CategoryUseCollector, categoryBaselineFindings, type CategoryBaseline, type CategoryLearnt } from './category-baseline.js';
import { clinicalSeverity } from './clinical-severity.js';
import { CLINICAL_PROTOCOLS, FactContext, type DeviceContext } from './device-context.js';
import { groupIncidents } from './incidents.js';
import { IocSet } from './ioc.js';
import type { Approved } from './approved.js';
import type { DetectionRule, FindingSink } from './rule.js';
import { allRules } from './rules/index.js';
import { isLocal } from './detect-util.js';
import { loadThresholds, type Thresholds } from './thresholds.js';
import { loadZonePolicy, type ZonePolicy } from './zone-policy.js';
import type { SiteZone } from '../inventory/site-zones.js';

export interface DetectorOptions {
  thresholds?: Thresholds;
  /** IOC files (CSV or STIX 2.1) to load. */
  iocFiles?: readonly string[];
  /** Approved destinations (loaded from `--approved` files, see approved.ts). */
  approved?: Approved;
  /** The site file's zones (see src/inventory/site-zones.ts); without them zones are inferred and have no kind. */
  zones?: readonly SiteZone[];
  /** The zone policy (default: the bundled knowledge/detect/zone-policy.yaml). */
  zonePolicy?: ZonePolicy;
  /** Only these rule ids (default: all). */
  rules?: readonly string[];
}

interface Group {
  finding: Finding;
  device: Host;
  peer: Host | null;
  firstTs: number;
  lastTs: number;
  count: number;
  flows: FlowRef[];
  evidence: Record<string, EvidenceValue>;
}

export interface DetectionResult {
  alerts: Alert[];
  incidents: Incident[];
}

const MAX_FLOWS = 20;

function mergeEvidence(into: Record<string, EvidenceValue>, from: Record<string, EvidenceValue>): void {
  for (const [k, v] of Object.entries(from)) {
    const cur = into[k];
    if (cur === undefined) into[k] = v;
    else if (typeof v === 'number' && typeof cur === 'number') into[k] = Math.max(cur, v);
    else if (typeof v === 'string' && typeof cur === 'string' && v !== cur) into[k] = [cur, v];
    else if (typeof v === 'string' && Array.isArray(cur) && cur.length < 16 && !(cur as string[]).includes(v)) into[k] = [...(cur as string[]), v];
  }
}

function representsBetter(f: Finding, than: Finding): boolean {
  const d = severityRank(f.severity) - severityRank(than.severity);
  if (d !== 0) return d > 0;
  if (f.ts !== than.ts) return f.ts < than.ts;
  return `${f.src.ip}>${f.dst?.ip ?? ''}` < `${than.src.ip}>${than.dst?.ip ?? ''}`;
}

export class Detector implements FindingSink {
  readonly rules: readonly DetectionRule[];
  readonly rawKeys: ReadonlySet<string>;
  readonly thresholds: Thresholds;
  readonly iocs = new IocSet();
  readonly facts = new FactContext();
  /** What each local address answered on and talked to, for the stored baselines (baseline.ts). */
  readonly baseline: BaselineCollector;
  /** What each local address sent per interval and the protocols it used, for the category baselines. */
  readonly categoryUse: CategoryUseCollector;
  /** Stored category baselines (set from the store before `finish`); what this analysis learnt (after it). */
  storedCategories: ReadonlyMap<string, CategoryBaseline> = new Map();
  learntCategories: CategoryLearnt = new Map();
  private readonly categoryRules: { volume: boolean; protocol: boolean };
  private readonly rawByKey = new Map<string, DetectionRule[]>();
  private readonly flowRules: DetectionRule[];
  private readonly observationRules: DetectionRule[];
  private readonly groups = new Map<string, Group[]>();

  constructor(options: DetectorOptions = {}) {
    this.thresholds = options.thresholds ?? loadThresholds();
    this.baseline = new BaselineCollector(this.thresholds.baseline);
    this.categoryUse = new CategoryUseCollector(this.thresholds['baseline.category']);
    const wanted = (id: string) => !options.rules || options.rules.includes(id);
    this.categoryRules = { volume: wanted('baseline.category-volume'), protocol: wanted('baseline.category-protocol') };
    for (const f of options.iocFiles ?? []) this.iocs.load(f);
    const rules = allRules(this.thresholds, { iocs: this.iocs, approved: options.approved, zones: options.zones ?? [], zonePolicy: options.zonePolicy ?? loadZonePolicy() });
    this.rules = options.rules ? rules.filter((r) => options.rules!.includes(r.id)) : rules;
    for (const r of this.rules) {
      if (!r.raw) continue;
      for (const k of r.rawKeys ?? []) {
        let l = this.rawByKey.get(k);
        if (!l) this.rawByKey.set(k, (l = []));
        l.push(r);
      }
    }
    this.rawKeys = new Set(this.rawByKey.keys());
    this.flowRules = this.rules.filter((r) => r.flow);
    this.observationRules = this.rules.filter((r) => r.observation);
  }

  /** Local addresses seen in flows: the devices the inventory is asked about at the end. */
  private readonly localIps = new Set<string>();

  readonly flow = (f: FlowRecord): void => {
    if (this.localIps.size < 1_000_000) {
      if (isLocal(f.originator.ip)) this.localIps.add(f.originator.ip);
      if (isLocal(f.responder.ip)) this.localIps.add(f.responder.ip);
    }
    this.baseline.flow(f);
    if (this.categoryRules.volume || this.categoryRules.protocol) this.categoryUse.flow(f);
    for (const r of this.flowRules) r.flow!(f, this);
  };

  /** Addresses (and MACs) of every host flows and findings named. */
  hostsSeen(): { ips: Set<string>; macs: Set<string> } {
    const ips = new Set(this.localIps);
    const macs = new Set<string>();
    for (const list of this.groups.values())
      for (const g of list)
        for (const h of [g.device, g.peer]) {
          if (!h) continue;
          ips.add(h.ip);
          if (h.mac) macs.add(h.mac);
        }
    return { ips, macs };
  }

  readonly observation = (o: Observation): void => {
    const dot = o.key.indexOf('.');
    if (dot > 0) {
      const protocol = o.key.slice(0, dot);
      if (CLINICAL_PROTOCOLS.has(protocol)) this.facts.note(o.src.ip, protocol);
    }
    for (const r of this.observationRules) r.observation!(o, this);
  };

  readonly raw = (o: Observation): void => {
    const rules = this.rawByKey.get(o.key);
    if (rules) for (const r of rules) r.raw!(o, this);
  };

  raise(f: Finding): void {
    const deviceSide = f.device ?? (f.dst ? 'dst' : 'src');
    const device = deviceSide === 'dst' && f.dst ? f.dst : f.src;
    const peer = deviceSide === 'dst' ? f.src : f.dst;
    const key = `${f.rule}|${device.ip}|${device.mac ?? ''}|${peer?.ip ?? ''}`;
    let list = this.groups.get(key);
    if (!list) this.groups.set(key, (list = []));
    const window = this.thresholds.dedupWindowS;
    const g = list.find((x) => f.ts >= x.firstTs - window && f.ts <= x.lastTs + window);
    if (!g) {
      list.push({ finding: f, device, peer, firstTs: f.ts, lastTs: f.ts, count: 1, flows: [...(f.flows ?? [])].slice(0, MAX_FLOWS), evidence: { ...f.evidence } });
      return;
    }
    g.count++;
    g.firstTs = Math.min(g.firstTs, f.ts);
    g.lastTs = Math.max(g.lastTs, f.ts);
    // The alert reads as its most severe finding, the earliest among equals: the same whatever order
    // findings arrive in (worker threads, rules' end-of-analysis passes).
    if (representsBetter(f, g.finding)) g.finding = f;
    mergeEvidence(g.evidence, f.evidence);
    for (const r of f.flows ?? []) if (g.flows.length < MAX_FLOWS && !g.flows.some((x) => x.id === r.id)) g.flows.push(r);
  }

  /**
   * Ends detection: rules that need clinical context decide, severities are raised by it, and alerts are
   * grouped into incidents. `context` (the inventory's) falls back to the facts of this analysis.
   */
  finish(context?: DeviceContext): DetectionResult {
    const ctx: DeviceContext = context ?? this.facts;
    for (const r of this.rules) r.finish?.(ctx, this);
    if (this.categoryRules.volume || this.categoryRules.protocol)
      this.learntCategories = categoryBaselineFindings(this.categoryUse, this.storedCategories, ctx, this.thresholds['baseline.category'], this.thresholds.baseline.minAgeS, this, this.categoryRules);
    const alerts: Alert[] = [];
    for (const list of this.groups.values()) {
      for (const g of list) {
        const f = g.finding;
        const info = ctx.device(g.device.ip, g.device.mac);
        const { severity, reasons } = f.contextRaise === false ? { severity: f.severity, reasons: [`rule: ${f.severity}`, 'approved by the site: not raised'] } : clinicalSeverity(f.severity, info, this.thresholds.severity);
        const uid = createHash('sha1').update(`${f.rule}|${g.device.ip}|${g.device.mac ?? ''}|${g.peer?.ip ?? ''}|${g.firstTs.toFixed(6)}`).digest('hex').slice(0, 16);
        alerts.push({
          uid,
          rule: f.rule,
          severity,
          baseSeverity: f.severity,
          status: 'new',
          title: f.title,
          description: g.count > 1 ? `${f.description} (${g.count} times)` : f.description,
          device: g.device,
          deviceId: info?.deviceId ?? null,
          category: info?.category ?? null,
          safetyImpact: info?.safetyImpact ?? null,
          srcIp: f.src.ip,
          dstIp: f.dst?.ip ?? null,
          firstTs: g.firstTs,
          lastTs: Math.max(g.lastTs, typeof g.evidence.lastTs === 'number' ? g.evidence.lastTs : g.lastTs),
          count: g.count,
          incident: null,
          evidence: g.evidence,
          flows: g.flows,
          severityReasons: reasons,
        });
      }
    }
    alerts.sort((a, b) => a.firstTs - b.firstTs || a.uid.localeCompare(b.uid));
    const incidents = groupIncidents(alerts, this.thresholds.incidentWindowS);
    return { alerts, incidents };
  }
}
