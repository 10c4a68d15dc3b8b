/** Small shared pieces of the rules: flow references, hosts, address kinds, tumbling windows. */
import type { FlowRecord } from '../analyze/flow-record.js';
import { isDeviceAddress, isLocalAddress } from '../inventory/address-kinds.js';
import type { Endpoint } from '../protocols/observation.js';
import type { FlowRef, Host } from './alert.js';

export { TCP_ACK, TCP_FIN, TCP_PSH, TCP_RST, TCP_SYN, TCP_URG } from '../decode/decoded-packet.js';

export function flowRef(f: FlowRecord): FlowRef {
  return { id: f.id, proto: f.proto, src: f.originator.ip, sport: f.originator.port, dst: f.responder.ip, dport: f.responder.port, ts: f.firstTs };
}

export function host(e: Endpoint): Host {
  return { ip: e.ip, mac: e.mac };
}

const LOCAL = 1;
const PUBLIC = 2;
const NEITHER = 3;
/**
 * Address kinds by address: the rules ask about every flow's two ends, the same few thousand addresses over
 * and over, and classifying one parses its text.
 */
const kinds = new Map<string, number>();

function kind(ip: string): number {
  let k = kinds.get(ip);
  if (k === undefined) {
    k = !isDeviceAddress(ip) ? NEITHER : isLocalAddress(ip) ? LOCAL : PUBLIC;
    if (kinds.size >= 1_000_000) kinds.clear();
    kinds.set(ip, k);
  }
  return k;
}

/** An address on the internet: a device address that is not private, link-local or CGNAT. */
export function isPublic(ip: string): boolean {
  return kind(ip) === PUBLIC;
}

export function isLocal(ip: string): boolean {
  return kind(ip) === LOCAL;
}

/**
 * Distinct members per key within a window, counted in aligned buckets of `windowS` on two grids offset by
 * half a window: a burst shorter than half a window always falls whole into one bucket, and the counts do not
 * depend on the order events arrive in (worker threads deliver flows out of time order). `add` says when this
 * event first brought a bucket to `threshold`.
 */
export class WindowedSets<T> {
  private readonly buckets = new Map<string, { members: Set<T>; raised: boolean }>();

  constructor(
    private readonly windowS: number,
    private readonly maxKeys = 400_000,
  ) {}

  add(key: string, member: T, ts: number, threshold: number): { count: number; reached: boolean; members: Set<T> } {
    let count = 0;
    let reached = false;
    let members: Set<T> = new Set();
    for (let grid = 0; grid < 2; grid++) {
      const index = Math.floor((ts + (grid * this.windowS) / 2) / this.windowS);
      const id = `${key}|${grid}|${index}`;
      let b = this.buckets.get(id);
      if (!b) {
        if (this.buckets.size >= this.maxKeys) this.buckets.clear();
        this.buckets.set(id, (b = { members: new Set(), raised: false }));
      }
      if (b.members.size < 100_000) b.members.add(member);
      if (!b.raised && b.members.size >= threshold) {
        b.raised = true;
        reached = true;
      }
      if (b.members.size > count) {
        count = b.members.size;
        members = b.members;
      }
    }
    return { count, reached, members };
  }
}

/** Events per key in the same two-grid buckets as WindowedSets; `add` says when a bucket first reached `threshold`. */
export class WindowedCounter {
  private readonly sets: WindowedSets<number>;
  private serial = 0;

  constructor(windowS: number, maxKeys = 400_000) {
    this.sets = new WindowedSets<number>(windowS, maxKeys);
  }

  add(key: string, ts: number, threshold: number): { count: number; reached: boolean } {
    const r = this.sets.add(key, this.serial++, ts, threshold);
    return { count: r.count, reached: r.reached };
  }
}

/** A bounded sample (first `max`) of flow references kept as evidence. */
export function pushBounded<T>(list: T[], item: T, max = 20): void {
  if (list.length < max) list.push(item);
}

/** Keys a rule tracks at most: past it the map starts over, so a flood of sources cannot grow memory without bound. */
export const MAX_TRACKED_KEYS = 200_000;

/** The value kept for `key`, made by `make` when first asked. */
export function entryFor<V>(map: Map<string, V>, key: string, make: () => V): V {
  let v = map.get(key);
  if (v === undefined) {
    if (map.size > MAX_TRACKED_KEYS) map.clear();
    map.set(key, (v = make()));
  }
  return v;
}
