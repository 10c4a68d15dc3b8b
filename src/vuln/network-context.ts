/**
 * What Vigil observed about the network that decides whether a vulnerability can be used here: each
 * device's listening services, who connects to it (and from which zones), the entry points an attacker
 * starts from (internet-facing devices, remote-access tools, guest and IT zones), and the shortest
 * attack paths from each kind of entry point over conversations an attacker can follow
 * (knowledge/lateral-movement.json), found by one breadth-first search per kind from all its entry points.
 */
import { INTERNET_PEER_KEY } from '../inventory/inventory-update.js';
import { isLocalAddress } from '../inventory/address-kinds.js';
import { DeviceGraph, type GraphDevice } from '../graph/device-graph.js';
import { LateralMovement } from '../graph/lateral-movement.js';
import { recogniseWorkflows } from '../graph/workflows.js';
import type { InventoryStore } from '../store/inventory-store.js';
import { serviceMatches, type ServiceNeed } from './service-exposure.js';

export type EntryKind = 'internet' | 'guest' | 'remote-access' | 'it';
export const ENTRY_KINDS: readonly EntryKind[] = ['internet', 'guest', 'remote-access', 'it'];

export interface EntryPolicy {
  internetZoneKinds: string[];
  internetRoles: string[];
  guestZoneKinds: string[];
  guestCategories: string[];
  itZoneKinds: string[];
  remoteAccessKeyPrefixes: string[];
  maxHops: number;
}

export interface ContextDevice {
  id: number;
  label: string;
  ip: string | null;
  zone: string | null;
  category: string | null;
  role: string | null;
}

export interface ListenService {
  transport: string;
  port: number;
  service: string | null;
}

export interface ContextInput {
  devices: readonly ContextDevice[];
  /** Zone id -> kind (clinical, it, guest...). */
  zoneKinds: ReadonlyMap<string, string>;
  listening: ReadonlyMap<number, readonly ListenService[]>;
  connections: readonly { client: number; server: number; transport: string; port: number; service: string | null }[];
  /** Devices with a remote-access tool observed. */
  remoteAccess: ReadonlySet<number>;
  /** Devices seen talking with a public address (`net.internet_peer`). */
  internetPeers?: ReadonlySet<number>;
  /** Per device: how many recognised workflows it is the hub of, and a member of. */
  workflows: ReadonlyMap<number, { hub: number; member: number; names: string[] }>;
  lateral: LateralMovement;
}

export interface HopDevice {
  id: number;
  label: string;
  zone: string | null;
}

export interface AttackPath {
  from: EntryKind;
  hops: { from: HopDevice; to: HopDevice; services: string[] }[];
}

export interface Reach {
  /** Devices seen connecting to the service on this device. */
  reachers: number;
  zones: { zone: string; kind: string | null; devices: number }[];
  sample: { id: number; label: string; zone: string | null; service: string }[];
  /** Shortest path from the nearest entry point of each kind whose last hop uses the service. */
  paths: AttackPath[];
}

const parseService = (s: string): { transport: string; port: number; service: string | null } => {
  const m = /^(\w+)\/(\d+)(?: (.+))?$/.exec(s);
  return m ? { transport: m[1], port: Number(m[2]), service: m[3] ?? null } : { transport: '', port: 0, service: s };
};

export class NetworkContext {
  readonly graph: DeviceGraph;
  readonly byId = new Map<number, ContextDevice>();
  /** Entry kinds each device is itself. */
  readonly entryKinds = new Map<number, EntryKind[]>();
  readonly categoryCount = new Map<string, number>();
  private readonly zoneCount = new Map<string, number>();
  private readonly dist = new Map<EntryKind, Int32Array>();
  private readonly parentEdge = new Map<EntryKind, Int32Array>();
  private readonly parent = new Map<EntryKind, Int32Array>();
  /** Per out-edge: its services parsed, filled as edges are asked about. */
  private readonly parsedServices: { transport: string; port: number; service: string | null }[][] = [];
  /** Per graph index: the graph index and out-edge of each client, for the last hop. */
  private readonly inStart: Int32Array;
  /** Per in-edge (grouped by target, as inStart says): the client's graph index and its out-edge. */
  private readonly inClient: Int32Array;
  private readonly inEdge: Int32Array;

  constructor(
    readonly input: ContextInput,
    readonly policy: EntryPolicy,
  ) {
    for (const d of input.devices) {
      this.byId.set(d.id, d);
      if (d.category) this.categoryCount.set(d.category, (this.categoryCount.get(d.category) ?? 0) + 1);
      if (d.zone) this.zoneCount.set(d.zone, (this.zoneCount.get(d.zone) ?? 0) + 1);
    }
    const graphDevices: GraphDevice[] = input.devices.map((d) => ({ id: d.id, label: d.label, category: d.category, role: d.role }));
    this.graph = new DeviceGraph(
      graphDevices,
      input.connections.map((c) => ({ from: c.client, to: c.server, service: `${c.transport}/${c.port}${c.service ? ` ${c.service}` : ''}`, lateral: input.lateral.allows(c.transport, c.port, c.service) })),
    );
    const g = this.graph;
    // Compressed rows of the reverse edges that keep each out-edge's index (for its services).
    this.inStart = new Int32Array(g.size + 1);
    for (let e = 0; e < g.edgeCount; e++) this.inStart[g.outTo[e] + 1]++;
    for (let v = 0; v < g.size; v++) this.inStart[v + 1] += this.inStart[v];
    this.inClient = new Int32Array(g.edgeCount);
    this.inEdge = new Int32Array(g.edgeCount);
    const fill = this.inStart.slice(0, g.size);
    for (let v = 0; v < g.size; v++) {
      for (let e = g.outStart[v]; e < g.outStart[v + 1]; e++) {
        const k = fill[g.outTo[e]]++;
        this.inClient[k] = v;
        this.inEdge[k] = e;
      }
    }
    // Devices that talk with a public address are on the internet's side of every control between.
    const isPublic = new Set<number>();
    for (const d of input.devices) if (d.ip && !isLocalAddress(d.ip)) isPublic.add(d.id);
    const talksPublic = new Set<number>();
    if (isPublic.size > 0) {
      for (const c of input.connections) {
        if (isPublic.has(c.client)) talksPublic.add(c.server);
        if (isPublic.has(c.server)) talksPublic.add(c.client);
      }
    }
    const zoneKind = (d: ContextDevice) => (d.zone ? (input.zoneKinds.get(d.zone) ?? null) : null);
    for (const d of input.devices) {
      const kinds: EntryKind[] = [];
      const zk = zoneKind(d);
      if (isPublic.has(d.id) || talksPublic.has(d.id) || input.internetPeers?.has(d.id) || (zk && policy.internetZoneKinds.includes(zk)) || (d.role && policy.internetRoles.includes(d.role))) kinds.push('internet');
      if ((zk && policy.guestZoneKinds.includes(zk)) || (d.category && policy.guestCategories.includes(d.category))) kinds.push('guest');
      if (input.remoteAccess.has(d.id)) kinds.push('remote-access');
      if (zk && policy.itZoneKinds.includes(zk)) kinds.push('it');
      if (kinds.length) this.entryKinds.set(d.id, kinds);
    }
    for (const kind of ENTRY_KINDS) this.search(kind);
  }

  /** Multi-source breadth-first search over lateral-movement edges from every entry point of one kind. */
  private search(kind: EntryKind): void {
    const g = this.graph;
    const n = g.size;
    const dist = new Int32Array(n).fill(-1);
    const parent = new Int32Array(n).fill(-1);
    const parentEdge = new Int32Array(n).fill(-1);
    const queue = new Int32Array(n);
    let head = 0;
    let tail = 0;
    for (const [id, kinds] of this.entryKinds) {
      if (!kinds.includes(kind)) continue;
      const i = g.index.get(id)!;
      dist[i] = 0;
      queue[tail++] = i;
    }
    while (head < tail) {
      const v = queue[head++];
      if (dist[v] >= this.policy.maxHops) continue;
      for (let e = g.outStart[v]; e < g.outStart[v + 1]; e++) {
        if (g.outLateral[e] === 0) continue;
        const w = g.outTo[e];
        if (dist[w] !== -1) continue;
        dist[w] = dist[v] + 1;
        parent[w] = v;
        parentEdge[w] = e;
        queue[tail++] = w;
      }
    }
    this.dist.set(kind, dist);
    this.parent.set(kind, parent);
    this.parentEdge.set(kind, parentEdge);
  }

  private hopDevice(i: number): HopDevice {
    const d = this.graph.devices[i];
    return { id: d.id, label: d.label, zone: this.byId.get(d.id)?.zone ?? null };
  }

  private pathTo(kind: EntryKind, i: number): AttackPath['hops'] {
    const parent = this.parent.get(kind)!;
    const parentEdge = this.parentEdge.get(kind)!;
    const hops: AttackPath['hops'] = [];
    for (let v = i; parent[v] !== -1; v = parent[v]) hops.unshift({ from: this.hopDevice(parent[v]), to: this.hopDevice(v), services: this.graph.outServices[parentEdge[v]] });
    return hops;
  }

  /** Who reaches the service `need` names on device `id` (any service when need is null), and by which paths. */
  reach(id: number, need: ServiceNeed | null): Reach {
    const g = this.graph;
    const t = g.index.get(id);
    const out: Reach = { reachers: 0, zones: [], sample: [], paths: [] };
    if (t === undefined) return out;
    const zones = new Map<string, number>();
    const usable: { from: number; edge: number; services: string[] }[] = [];
    for (let k = this.inStart[t]; k < this.inStart[t + 1]; k++) {
      const from = this.inClient[k];
      const edge = this.inEdge[k];
      const parsed = (this.parsedServices[edge] ??= g.outServices[edge].map(parseService));
      const services = g.outServices[edge].filter((_, k) => serviceMatches(need, parsed[k].transport, parsed[k].port, parsed[k].service));
      if (services.length === 0) continue;
      out.reachers++;
      const client = this.byId.get(g.devices[from].id);
      const zone = client?.zone ?? 'unknown';
      zones.set(zone, (zones.get(zone) ?? 0) + 1);
      if (out.sample.length < 5) out.sample.push({ id: g.devices[from].id, label: g.devices[from].label, zone: client?.zone ?? null, service: services.join(', ') });
      if (g.outLateral[edge] === 1) usable.push({ from, edge, services });
    }
    out.zones = [...zones].map(([zone, devices]) => ({ zone, kind: this.input.zoneKinds.get(zone) ?? null, devices })).sort((a, b) => b.devices - a.devices || a.zone.localeCompare(b.zone));
    for (const kind of ENTRY_KINDS) {
      const dist = this.dist.get(kind)!;
      if (this.entryKinds.get(id)?.includes(kind)) {
        out.paths.push({ from: kind, hops: [] });
        continue;
      }
      let best: (typeof usable)[number] | null = null;
      for (const u of usable) if (dist[u.from] !== -1 && dist[u.from] < this.policy.maxHops && (best === null || dist[u.from] < dist[best.from])) best = u;
      if (best) out.paths.push({ from: kind, hops: [...this.pathTo(kind, best.from), { from: this.hopDevice(best.from), to: this.hopDevice(t), services: best.services }] });
    }
    return out;
  }

  /** How many devices were seen connecting to this one. */
  inboundCount(id: number): number {
    const i = this.graph.index.get(id);
    return i === undefined ? 0 : this.inStart[i + 1] - this.inStart[i];
  }

  workflowRole(id: number): { hub: number; member: number; names: string[] } {
    return this.input.workflows.get(id) ?? { hub: 0, member: 0, names: [] };
  }

  zoneKindOf(id: number): string | null {
    const z = this.byId.get(id)?.zone;
    return z ? (this.input.zoneKinds.get(z) ?? null) : null;
  }

  devicesInZone(zone: string | null): number {
    return zone ? (this.zoneCount.get(zone) ?? 0) : 0;
  }

  static async load(store: InventoryStore, policy: EntryPolicy): Promise<NetworkContext> {
    const devices = (await store.db.selectFrom('devices').select(['id', 'ip', 'mac', 'hostname', 'zone', 'category', 'role']).execute()).map((d) => ({
      id: Number(d.id),
      label: d.hostname ?? d.ip ?? d.mac ?? String(d.id),
      ip: d.ip,
      zone: d.zone,
      category: d.category,
      role: d.role,
    }));
    const zoneKinds = new Map((await store.zones()).map((z) => [z.id, z.kind]));
    const listening = new Map<number, ListenService[]>();
    for (const s of await store.db.selectFrom('services').select(['device_id', 'transport', 'port', 'service']).where('direction', '=', 'listen').execute()) {
      const id = Number(s.device_id);
      let list = listening.get(id);
      if (!list) listening.set(id, (list = []));
      list.push({ transport: s.transport, port: s.port, service: s.service });
    }
    const connections = (await store.db.selectFrom('connections').select(['client_id', 'server_id', 'transport', 'port', 'service']).execute()).map((c) => ({
      client: Number(c.client_id),
      server: Number(c.server_id),
      transport: c.transport,
      port: c.port,
      service: c.service,
    }));
    const remoteAccess = new Set<number>();
    for (const prefix of policy.remoteAccessKeyPrefixes) {
      for (const r of await store.db.selectFrom('observations').select('device_id').distinct().where('key', 'like', `${prefix}%`).execute()) remoteAccess.add(Number(r.device_id));
    }
    const internetPeers = new Set((await store.db.selectFrom('observations').select('device_id').distinct().where('key', '=', INTERNET_PEER_KEY).execute()).map((r) => Number(r.device_id)));
    const workflows = new Map<number, { hub: number; member: number; names: string[] }>();
    const role = (id: number) => {
      let w = workflows.get(id);
      if (!w) workflows.set(id, (w = { hub: 0, member: 0, names: [] }));
      return w;
    };
    for (const inst of await recogniseWorkflows(store)) {
      const h = role(inst.hub.id);
      h.hub++;
      if (h.names.length < 6 && !h.names.includes(inst.name)) h.names.push(inst.name);
      for (const m of inst.members) {
        const w = role(m.id);
        w.member++;
        if (w.names.length < 6 && !w.names.includes(inst.name)) w.names.push(inst.name);
      }
    }
    return new NetworkContext({ devices, zoneKinds, listening, connections, remoteAccess, internetPeers, workflows, lateral: LateralMovement.load() }, policy);
  }
}
