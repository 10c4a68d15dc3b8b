import type { Taxonomy } from '../inventory/taxonomy.js';
import type { DeviceGraph, GraphDevice } from './device-graph.js';

export interface ReachedDevice {
  device: GraphDevice;
  hops: number;
  /** The device it is reached from, and over which services. */
  from: GraphDevice;
  services: string[];
}

export interface ClinicalWeight {
  devices: number;
  /** Devices per patient-safety impact of their category (life-sustaining, therapeutic, ...; `unknown`). */
  bySafetyImpact: Record<string, number>;
  /** Devices whose category holds or moves patient data. */
  phi: number;
  byCategory: Record<string, number>;
}

export interface BlastRadius {
  device: GraphDevice;
  maxHops: number;
  /** Devices an attacker on `device` reaches over observed lateral-movement conversations, hop by hop. */
  reachable: ReachedDevice[];
  /** Devices that use a service of `device`: they lose it when it stops. */
  dependents: { device: GraphDevice; services: string[] }[];
  reachableWeight: ClinicalWeight;
  dependentWeight: ClinicalWeight;
}

export const DEFAULT_MAX_HOPS = 3;

/**
 * Breadth first over `out` edges marked lateral (or, reversed, over `in` edges to find who can reach
 * a device). Typed-array queue and visit marks: one pass, no per-node allocation.
 */
function walk(g: DeviceGraph, start: number, maxHops: number, reverse: boolean): { order: Int32Array; count: number; hops: Int32Array; parent: Int32Array; parentEdge: Int32Array } {
  const n = g.size;
  const hops = new Int32Array(n).fill(-1);
  const parent = new Int32Array(n).fill(-1);
  const parentEdge = new Int32Array(n).fill(-1);
  const order = new Int32Array(n);
  let head = 0;
  let tail = 0;
  hops[start] = 0;
  order[tail++] = start;
  const startIdx = reverse ? g.inStart : g.outStart;
  const to = reverse ? g.inFrom : g.outTo;
  const lateral = reverse ? g.inLateral : g.outLateral;
  while (head < tail) {
    const v = order[head++];
    if (hops[v] >= maxHops) continue;
    for (let e = startIdx[v]; e < startIdx[v + 1]; e++) {
      if (lateral[e] === 0) continue;
      const w = to[e];
      if (hops[w] !== -1) continue;
      hops[w] = hops[v] + 1;
      parent[w] = v;
      parentEdge[w] = e;
      order[tail++] = w;
    }
  }
  return { order, count: tail, hops, parent, parentEdge };
}

export function clinicalWeight(devices: readonly GraphDevice[], taxonomy: Taxonomy): ClinicalWeight {
  const w: ClinicalWeight = { devices: devices.length, bySafetyImpact: {}, phi: 0, byCategory: {} };
  for (const d of devices) {
    const c = d.category ? taxonomy.category(d.category) : undefined;
    const impact = c?.safetyImpact ?? 'unknown';
    w.bySafetyImpact[impact] = (w.bySafetyImpact[impact] ?? 0) + 1;
    if (c && (c.holdsPhi || c.movesPhi)) w.phi++;
    const cat = d.category ?? 'unknown';
    w.byCategory[cat] = (w.byCategory[cat] ?? 0) + 1;
  }
  return w;
}

/** What a compromise of `deviceId` reaches, and who depends on it. */
export function blastRadius(g: DeviceGraph, deviceId: number, taxonomy: Taxonomy, maxHops = DEFAULT_MAX_HOPS): BlastRadius {
  const start = g.index.get(deviceId);
  if (start === undefined) throw new Error(`no device ${deviceId} in the graph`);
  const r = walk(g, start, maxHops, false);
  const reachable: ReachedDevice[] = [];
  for (let i = 1; i < r.count; i++) {
    const v = r.order[i];
    reachable.push({ device: g.devices[v], hops: r.hops[v], from: g.devices[r.parent[v]], services: g.outServices[r.parentEdge[v]] });
  }
  const dependents: BlastRadius['dependents'] = [];
  for (let e = g.inStart[start]; e < g.inStart[start + 1]; e++) {
    const client = g.inFrom[e];
    // The services the client uses on this device are on the client's out edge to it.
    let services: string[] = [];
    for (let o = g.outStart[client]; o < g.outStart[client + 1]; o++) if (g.outTo[o] === start) services = g.outServices[o];
    dependents.push({ device: g.devices[client], services });
  }
  return {
    device: g.devices[start],
    maxHops,
    reachable,
    dependents,
    reachableWeight: clinicalWeight(reachable.map((x) => x.device), taxonomy),
    dependentWeight: clinicalWeight(dependents.map((x) => x.device), taxonomy),
  };
}

/** The reverse question: which devices can reach `deviceId` over lateral-movement conversations. */
export function reachersOf(g: DeviceGraph, deviceId: number, maxHops = DEFAULT_MAX_HOPS): { device: GraphDevice; hops: number }[] {
  const start = g.index.get(deviceId);
  if (start === undefined) throw new Error(`no device ${deviceId} in the graph`);
  const r = walk(g, start, maxHops, true);
  const out: { device: GraphDevice; hops: number }[] = [];
  for (let i = 1; i < r.count; i++) out.push({ device: g.devices[r.order[i]], hops: r.hops[r.order[i]] });
  return out;
}
