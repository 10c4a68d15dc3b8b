/**
 * Baselines per inventory category: what the devices of one category (infusion pumps, CTs, workstations)
 * send per hour (bytes and flows, as histograms of per-device rates), the hours of day they are active, and
 * the protocols they use. Learnt from the learning window (the first `learningFraction` of the analysis, at
 * most `maxLearningS`) and, with a store, from earlier analyses (table `baselines`, rows keyed
 * `category:<id>`), once those are at least `baseline.minAgeS` old: then the stored baseline alone is used and
 * the whole analysis is judged.
 *
 * After the learning window, a device sending far more than its category's learned distribution in one
 * interval (more than p99 × `volumeFactor`, and more than the absolute minimums) raises
 * `baseline.category-volume`; a device using a protocol no device of its category used in the baseline raises
 * `baseline.category-protocol`, unless most of the category uses it in this analysis. A device is judged only
 * when its category's baseline saw `minDevices` devices (one pump is not a distribution). Rates are measured in intervals of `intervalS` and expressed
 * per hour, so that a two-hour capture has intervals to learn from.
 */
import type { FlowRecord } from '../analyze/flow-record.js';
import type { InventoryStore } from '../store/inventory-store.js';
import type { FlowRef, Host } from './alert.js';
import { flowRef, host, isLocal } from './detect-util.js';
import type { DeviceContext } from './device-context.js';
import type { FindingSink } from './rule.js';
import type { Thresholds } from './thresholds.js';
import { foldBaselineRows } from './baseline.js';

export type CategoryThresholds = Thresholds['baseline.category'];

interface HostUse {
  host: Host;
  /**
   * What the device sent per interval, slot k for interval `base + k` (interval index: floor(ts / intervalS)):
   * bytes (a flow spanning intervals spread over them by time) and flows it opened (counted where they began).
   * Typed arrays, grown as the capture goes on: 8 octets per interval and device, up to MAX_SLOTS.
   */
  bytes: Float32Array;
  flows: Uint32Array;
  /** Its largest flows sent, as evidence for the interval they began in. */
  top: { index: number; bytes: number; ref: FlowRef }[];
  /** Per protocol (the flow's identified service): first use, flows, a flow and its peer. */
  protocols: Map<string, { first: number; flows: number; ref: FlowRef; peer: Host }>;
}

const MAX_HOSTS = 20_000;
/** Intervals kept per device: a week of 600 s intervals and the slack before the first flow. */
const MAX_SLOTS = 1_300;
/** Intervals before the first flow's kept for flows that arrive late with an earlier start (worker threads, long flows). */
const SLACK_SLOTS = 144;
const TOP_FLOWS = 8;

/** What each local address sent per interval and which protocols it used (the Detector feeds every flow). */
export class CategoryUseCollector {
  readonly hosts = new Map<string, HostUse>();
  firstTs = Infinity;
  lastTs = -Infinity;
  /** Interval index of slot 0 (set by the first flow). */
  base = NaN;

  /** Protocols every kind of device uses now and then (name, address and time services): never judged. */
  private readonly ignored: ReadonlySet<string>;

  constructor(private readonly t: CategoryThresholds) {
    this.ignored = new Set(t.ignoreProtocols);
  }

  flow(f: FlowRecord): void {
    if (f.firstTs < this.firstTs) this.firstTs = f.firstTs;
    if (f.lastTs > this.lastTs) this.lastTs = f.lastTs;
    if (Number.isNaN(this.base)) this.base = Math.floor(f.firstTs / this.t.intervalS) - SLACK_SLOTS;
    if (isLocal(f.originator.ip)) this.sent(f, f.originator, f.origBytes, true);
    if (isLocal(f.responder.ip)) this.sent(f, f.responder, f.respBytes, false);
  }

  /** Intervals a device was active in, with what it sent. */
  *intervals(u: HostUse): Generator<{ index: number; bytes: number; flows: number }> {
    for (let k = 0; k < u.bytes.length; k++) if (u.bytes[k] > 0 || u.flows[k] > 0) yield { index: this.base + k, bytes: u.bytes[k], flows: u.flows[k] };
  }

  private sent(f: FlowRecord, e: FlowRecord['originator'], bytes: number, opened: boolean): void {
    let u = this.hosts.get(e.ip);
    if (!u) {
      if (this.hosts.size >= MAX_HOSTS) return;
      this.hosts.set(e.ip, (u = { host: host(e), bytes: new Float32Array(SLACK_SLOTS + 16), flows: new Uint32Array(SLACK_SLOTS + 16), top: [], protocols: new Map() }));
    }
    const iS = this.t.intervalS;
    const first = Math.floor(f.firstTs / iS) - this.base;
    if (first < 0 || first >= MAX_SLOTS) return;
    const last = Math.min(Math.floor(f.lastTs / iS) - this.base, MAX_SLOTS - 1);
    if (last >= u.bytes.length) {
      const size = Math.min(MAX_SLOTS, Math.max(last + 1, u.bytes.length * 2));
      const b = new Float32Array(size);
      b.set(u.bytes);
      u.bytes = b;
      const n = new Uint32Array(size);
      n.set(u.flows);
      u.flows = n;
    }
    if (opened) u.flows[first]++;
    if (first === last || f.lastTs <= f.firstTs) u.bytes[first] += bytes;
    else {
      // A long flow (a persistent HL7 or monitoring connection) sent its bytes over its whole life.
      const perS = bytes / (f.lastTs - f.firstTs);
      for (let k = first; k <= last; k++) {
        const from = Math.max(f.firstTs, (this.base + k) * iS);
        const to = Math.min(f.lastTs, (this.base + k + 1) * iS);
        u.bytes[k] += perS * (to - from);
      }
    }
    // The largest flows, the lowest id among equals: the same whichever order flows arrive in (worker threads).
    const top = u.top;
    if (top.length < TOP_FLOWS || bytes > top[top.length - 1].bytes || (bytes === top[top.length - 1].bytes && f.id < top[top.length - 1].ref.id)) {
      if (top.length >= TOP_FLOWS) top.pop();
      let i = top.length;
      while (i > 0 && (top[i - 1].bytes < bytes || (top[i - 1].bytes === bytes && top[i - 1].ref.id > f.id))) i--;
      top.splice(i, 0, { index: this.base + first, bytes, ref: flowRef(f) });
    }
    // A protocol counts once a dissector named it on a conversation that carried data: a probe proves nothing.
    if (f.service !== null && f.origPayloadBytes > 0 && !this.ignored.has(f.service)) {
      const p = u.protocols.get(f.service);
      if (p) {
        p.flows++;
        if (f.firstTs < p.first || (f.firstTs === p.first && f.id < p.ref.id)) ((p.first = f.firstTs), (p.ref = flowRef(f)), (p.peer = host(opened ? f.responder : f.originator)));
      } else if (u.protocols.size < this.t.maxProtocolsPerDevice) u.protocols.set(f.service, { first: f.firstTs, flows: 1, ref: flowRef(f), peer: host(opened ? f.responder : f.originator) });
    }
  }
}

/** Histogram bucket of a per-hour rate: quarter octaves, so p99 is read within 19 %. */
export function rateBucket(perHour: number): number {
  return perHour < 1 ? -1 : Math.floor(Math.log2(perHour) * 4);
}
/** The upper edge of a bucket: the rate the bucket's samples stay under. */
export function bucketTop(b: number): number {
  return b < 0 ? 1 : 2 ** ((b + 1) / 4);
}

/** The value under which `q` of a histogram's samples lie (its bucket's upper edge); 0 when empty. */
export function quantile(hist: ReadonlyMap<number, number>, q: number): number {
  let total = 0;
  for (const n of hist.values()) total += n;
  if (total === 0) return 0;
  const need = q * total;
  let seen = 0;
  for (const b of [...hist.keys()].sort((a, c) => a - c)) {
    seen += hist.get(b)!;
    if (seen >= need) return bucketTop(b);
  }
  return bucketTop(Math.max(...hist.keys()));
}

/** One category's baseline: histograms of per-device hourly rates, active hours of day, protocols, devices. */
export interface CategoryBaseline {
  bytes: Map<number, number>;
  flows: Map<number, number>;
  /** UTC hour of day → device-intervals active then. */
  hours: Map<number, number>;
  protocols: Map<string, number>;
  devices: Set<string>;
  /** Earliest time the baseline holds (stored rows' first_seen, or this analysis's start). */
  since: number;
}

const emptyBaseline = (since: number): CategoryBaseline => ({ bytes: new Map(), flows: new Map(), hours: new Map(), protocols: new Map(), devices: new Set(), since });
const add = <K>(m: Map<K, number>, k: K, n: number) => m.set(k, (m.get(k) ?? 0) + n);

export const CATEGORY_PREFIX = 'category:';
type CategoryKind = 'category-bytes' | 'category-flows' | 'category-hour' | 'category-protocol' | 'category-device';

/** Stored category baselines (rows of `baselines` whose ip is `category:<id>`). */
export async function loadCategoryBaselines(store: InventoryStore): Promise<Map<string, CategoryBaseline>> {
  const rows = await store.db.selectFrom('baselines').selectAll().where('ip', 'like', `${CATEGORY_PREFIX}%`).execute();
  const out = new Map<string, CategoryBaseline>();
  for (const r of rows) {
    const category = r.ip.slice(CATEGORY_PREFIX.length);
    let b = out.get(category);
    if (!b) out.set(category, (b = emptyBaseline(r.first_seen)));
    b.since = Math.min(b.since, r.first_seen);
    const n = Number(r.count);
    switch (r.kind as CategoryKind) {
      case 'category-bytes': add(b.bytes, Number(r.value), n); break;
      case 'category-flows': add(b.flows, Number(r.value), n); break;
      case 'category-hour': add(b.hours, Number(r.value), n); break;
      case 'category-protocol': add(b.protocols, r.value, n); break;
      case 'category-device': b.devices.add(r.value); break;
    }
  }
  return out;
}

/** What this analysis learnt per category (what saveCategoryBaselines folds into the store). */
export type CategoryLearnt = Map<string, CategoryBaseline>;

function categoryOf(ctx: DeviceContext, h: Host): string | null {
  return ctx.device(h.ip, h.mac)?.category ?? null;
}

/**
 * Learns each category from the learning window (plus `stored` baselines old enough to trust), judges every
 * device after it, and returns what this analysis learnt (findings' intervals and protocols left out).
 */
export function categoryBaselineFindings(c: CategoryUseCollector, stored: ReadonlyMap<string, CategoryBaseline>, ctx: DeviceContext, t: CategoryThresholds, minAgeS: number, out: FindingSink, rules: { volume: boolean; protocol: boolean }): CategoryLearnt {
  const learnt: CategoryLearnt = new Map();
  if (c.hosts.size === 0) return learnt;
  const windowEnd = c.firstTs + Math.min((c.lastTs - c.firstTs) * t.learningFraction, t.maxLearningS);
  // A category whose stored baseline is old enough is judged from the start; the others after the window.
  const learnedUntil = new Map<string, number>();
  const perHour = 3600 / t.intervalS;
  // Intervals the capture covers whole: a partial first or last interval understates a device's rate.
  const firstWhole = Math.ceil(c.firstTs / t.intervalS);
  const lastWhole = Math.floor(c.lastTs / t.intervalS) - 1;
  const categories = new Map<string, string>();
  // Devices per category in this analysis, and per protocol how many of them used it at any time.
  const devicesIn = new Map<string, number>();
  const users = new Map<string, Map<string, number>>();
  const usersOf = (category: string): Map<string, number> => {
    let m = users.get(category);
    if (!m) users.set(category, (m = new Map()));
    return m;
  };
  const baselines = new Map<string, CategoryBaseline>();
  const baselineOf = (category: string): CategoryBaseline => {
    let b = baselines.get(category);
    if (!b) {
      const s = stored.get(category);
      const mature = s && c.firstTs - s.since >= minAgeS;
      b = emptyBaseline(c.firstTs);
      learnedUntil.set(category, mature ? c.firstTs : windowEnd);
      if (mature) {
        for (const [k, n] of s.bytes) add(b.bytes, k, n);
        for (const [k, n] of s.flows) add(b.flows, k, n);
        for (const [k, n] of s.hours) add(b.hours, k, n);
        for (const [k, n] of s.protocols) add(b.protocols, k, n);
        for (const d of s.devices) b.devices.add(d);
        b.since = s.since;
      }
      baselines.set(category, b);
    }
    return b;
  };
  const learntOf = (category: string): CategoryBaseline => {
    let b = learnt.get(category);
    if (!b) learnt.set(category, (b = emptyBaseline(c.firstTs)));
    return b;
  };
  // Learn: every whole interval inside the learning window, every protocol first used in it.
  for (const [ip, u] of c.hosts) {
    const category = categoryOf(ctx, u.host);
    if (!category) continue;
    categories.set(ip, category);
    const b = baselineOf(category);
    const until = learnedUntil.get(category)!;
    let learning = false;
    for (const iv of c.intervals(u)) {
      const index = iv.index;
      if (index < firstWhole || index > lastWhole || (index + 1) * t.intervalS > until) continue;
      learning = true;
      add(b.bytes, rateBucket(iv.bytes * perHour), 1);
      add(b.flows, rateBucket(iv.flows * perHour), 1);
      add(b.hours, new Date(index * t.intervalS * 1000).getUTCHours(), 1);
    }
    for (const [name, p] of u.protocols) {
      if (p.first <= until) ((learning = true), add(b.protocols, name, p.flows));
      add(usersOf(category), name, 1);
    }
    if (learning) b.devices.add(ip);
    add(devicesIn, category, 1);
  }
  // Judge, and fold what is not a finding into what this analysis learnt.
  const distributions = new Map<string, { p99Bytes: number; p99Flows: number; samples: number }>();
  for (const [ip, u] of c.hosts) {
    const category = categories.get(ip);
    if (!category) continue;
    const b = baselines.get(category)!;
    const until = learnedUntil.get(category)!;
    const l = learntOf(category);
    const judged = b.devices.size >= t.minDevices;
    let dist = distributions.get(category);
    if (!dist) distributions.set(category, (dist = { p99Bytes: quantile(b.bytes, 0.99), p99Flows: quantile(b.flows, 0.99), samples: [...b.bytes.values()].reduce((a, n) => a + n, 0) }));
    const { p99Bytes, p99Flows, samples } = dist;
    // Hours of day mean something once the baseline spans a day: a stored one, or a day-long window.
    const hoursKnown = (until === c.firstTs ? c.firstTs - b.since : until - c.firstTs) >= 86_400;
    let active = false;
    for (const iv of c.intervals(u)) {
      const index = iv.index;
      if (index < firstWhole || index > lastWhole) continue;
      active = true;
      const bytesPerHour = iv.bytes * perHour;
      const flowsPerHour = iv.flows * perHour;
      const start = index * t.intervalS;
      const hour = new Date(start * 1000).getUTCHours();
      // Every interval the learning window does not hold whole is judged.
      const afterLearning = start + t.intervalS > until;
      const overBytes = bytesPerHour > Math.max(p99Bytes * t.volumeFactor, t.minBytesPerHour);
      const overFlows = flowsPerHour > Math.max(p99Flows * t.volumeFactor, t.minFlowsPerHour);
      if (rules.volume && judged && afterLearning && samples >= t.minSamples && (overBytes || overFlows)) {
        const what = overBytes && overFlows ? 'bytes and flows' : overBytes ? 'bytes' : 'flows';
        out.raise({
          rule: 'baseline.category-volume',
          severity: 'medium',
          title: `${ip} sends far more ${what} than other ${category} devices`,
          description: `${ip} sent ${Math.round(bytesPerHour)} bytes and ${Math.round(flowsPerHour)} flows per hour (over ${t.intervalS} s from ${new Date(start * 1000).toISOString()}); its category ${category} (${b.devices.size} devices) stays under ${Math.round(p99Bytes)} bytes and ${Math.round(p99Flows)} flows per hour 99 % of the time.`,
          ts: start,
          src: u.host,
          dst: null,
          device: 'src',
          evidence: {
            category, bytesPerHour: Math.round(bytesPerHour), flowsPerHour: Math.round(flowsPerHour), p99BytesPerHour: Math.round(p99Bytes), p99FlowsPerHour: Math.round(p99Flows),
            factor: t.volumeFactor, baselineDevices: b.devices.size, ...(hoursKnown ? { offHours: !b.hours.has(hour) } : {}), lastTs: start + t.intervalS,
          },
          flows: u.top.filter((x) => x.index === index).slice(0, 1).map((x) => x.ref),
        });
        continue;
      }
      add(l.bytes, rateBucket(bytesPerHour), 1);
      add(l.flows, rateBucket(flowsPerHour), 1);
      add(l.hours, hour, 1);
    }
    for (const [name, p] of u.protocols) {
      // What most of a category does is the category's behaviour, even when the learning window was too
      // short to see it (a vendor check every few hours); an attack reaches some devices, not most.
      const common = (users.get(category)?.get(name) ?? 0) > t.commonShare * (devicesIn.get(category) ?? 0);
      if (rules.protocol && judged && p.first > until && !b.protocols.has(name) && !common) {
        out.raise({
          rule: 'baseline.category-protocol',
          severity: 'medium',
          title: `${ip} uses ${name}, which no ${category} device used`,
          description: `${ip} (${category}) spoke ${name} in ${p.flows} conversations from ${new Date(p.first * 1000).toISOString()}, first with ${p.peer.ip}; none of the ${b.devices.size} ${category} devices of the baseline (since ${new Date(b.since * 1000).toISOString()}) did.`,
          ts: p.first,
          src: u.host,
          dst: p.peer,
          device: 'src',
          evidence: { category, protocol: name, flows: p.flows, baselineDevices: b.devices.size, baselineProtocols: [...b.protocols.keys()].sort().slice(0, 16) },
          flows: [p.ref],
        });
        continue;
      }
      add(l.protocols, name, p.flows);
    }
    if (active || u.protocols.size > 0) l.devices.add(ip);
  }
  return learnt;
}

/** Folds what this analysis learnt into the stored category baselines (counts add up, times widen). */
export async function saveCategoryBaselines(store: InventoryStore, learnt: CategoryLearnt, from: number, to: number): Promise<void> {
  const rows: { ip: string; kind: CategoryKind; value: string; count: number; first_seen: number; last_seen: number }[] = [];
  for (const [category, b] of learnt) {
    const ip = `${CATEGORY_PREFIX}${category}`;
    const push = (kind: CategoryKind, m: ReadonlyMap<number | string, number>) => {
      for (const [k, n] of m) rows.push({ ip, kind, value: String(k), count: n, first_seen: from, last_seen: to });
    };
    push('category-bytes', b.bytes);
    push('category-flows', b.flows);
    push('category-hour', b.hours);
    push('category-protocol', b.protocols);
    for (const d of b.devices) rows.push({ ip, kind: 'category-device', value: d, count: 1, first_seen: from, last_seen: to });
  }
  await foldBaselineRows(store, rows);
}
