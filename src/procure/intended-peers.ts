/**
 * Where the candidate would sit: its intended zone as the store knows it, its intended peers resolved to
 * live devices (by hostname, IP, role or category), and the flows it will need with them, taken from what
 * devices of the same category were observed doing with devices of the peer's role or category.
 */
import type { InventoryStore } from '../store/inventory-store.js';
import type { Candidate } from './candidate.js';

export interface PeerDevice {
  id: number;
  label: string;
  ip: string | null;
  role: string | null;
  category: string | null;
  zone: string | null;
}

export interface ResolvedPeer {
  asked: string;
  /** How the name was matched: hostname, ip, role or category. */
  by: 'hostname' | 'ip' | 'role' | 'category' | null;
  devices: PeerDevice[];
}

export interface Flow {
  direction: 'to-peer' | 'from-peer';
  peer: PeerDevice;
  transport: string;
  port: number;
  service: string | null;
  /** Why the flow is needed: the same category's observed conversations, or the peer's listening service. */
  basis: string;
}

export interface Placement {
  zone: { id: string; name: string; kind: string; site: string | null } | null;
  /** The candidate's zone is not one of the store's zones. */
  zoneUnknown: boolean;
  peers: ResolvedPeer[];
  unresolved: string[];
  flows: Flow[];
  /** Devices of the candidate's category already on the network. */
  sameCategory: PeerDevice[];
}

const lc = (s: string | null) => (s ?? '').toLowerCase();
const labelOf = (d: { hostname: string | null; ip: string | null; id: number }) => d.hostname ?? d.ip ?? String(d.id);

export async function placeCandidate(store: InventoryStore, c: Candidate): Promise<Placement> {
  const rows = await store.db.selectFrom('devices').select(['id', 'hostname', 'ip', 'role', 'category', 'zone']).execute();
  const devices: PeerDevice[] = rows.map((r) => ({ id: Number(r.id), label: labelOf({ hostname: r.hostname, ip: r.ip, id: Number(r.id) }), ip: r.ip, role: r.role, category: r.category, zone: r.zone }));
  const zones = await store.zones();
  const z = zones.find((x) => x.id === c.zone);
  const peers: ResolvedPeer[] = c.peers.map((asked) => {
    const a = asked.toLowerCase();
    for (const [by, test] of [
      ['hostname', (d: PeerDevice) => lc(d.label) === a],
      ['ip', (d: PeerDevice) => d.ip === asked],
      ['role', (d: PeerDevice) => lc(d.role) === a],
      ['category', (d: PeerDevice) => lc(d.category) === a],
    ] as const) {
      const hit = devices.filter(test);
      if (hit.length) return { asked, by, devices: hit };
    }
    return { asked, by: null, devices: [] };
  });
  const sameCategory = devices.filter((d) => d.category === c.category);
  const flows = await intendedFlows(store, c, peers, sameCategory);
  return { zone: z ? { id: z.id, name: z.name, kind: z.kind, site: z.site } : null, zoneUnknown: !z, peers, unresolved: peers.filter((p) => p.devices.length === 0).map((p) => p.asked), flows, sameCategory };
}

async function intendedFlows(store: InventoryStore, c: Candidate, peers: ResolvedPeer[], sameCategory: PeerDevice[]): Promise<Flow[]> {
  const byId = new Map<number, PeerDevice>();
  for (const p of peers) for (const d of p.devices) byId.set(d.id, d);
  const flows = new Map<string, Flow>();
  const add = (f: Flow) => {
    const k = `${f.direction}|${f.peer.id}|${f.transport}/${f.port}`;
    if (!flows.has(k)) flows.set(k, f);
  };
  const peerIds = [...byId.keys()];
  if (peerIds.length === 0) return [];
  // What the same category does with devices like each peer (same role, else same category).
  const sameIds = sameCategory.map((d) => d.id);
  const kindOf = new Map<number, { role: string | null; category: string | null }>();
  const conns = sameIds.length
    ? await store.db
        .selectFrom('connections')
        .innerJoin('devices as s', 's.id', 'connections.server_id')
        .innerJoin('devices as cl', 'cl.id', 'connections.client_id')
        .select(['client_id', 'server_id', 'transport', 'port', 'service', 's.role as srole', 's.category as scat', 'cl.role as crole', 'cl.category as ccat'])
        .where((eb) => eb.or([eb('client_id', 'in', sameIds), eb('server_id', 'in', sameIds)]))
        .execute()
    : [];
  for (const r of conns) {
    kindOf.set(Number(r.server_id), { role: r.srole, category: r.scat });
    kindOf.set(Number(r.client_id), { role: r.crole, category: r.ccat });
  }
  const sameSet = new Set(sameIds);
  const alike = (a: { role: string | null; category: string | null }, p: PeerDevice) => (p.role ? a.role === p.role : a.category !== null && a.category === p.category);
  for (const p of byId.values()) {
    const seen = new Set<string>();
    for (const r of conns) {
      const client = Number(r.client_id);
      const server = Number(r.server_id);
      if (sameSet.has(client) && alike(kindOf.get(server)!, p)) {
        const k = `to|${r.transport}/${r.port}`;
        if (!seen.has(k)) (seen.add(k), add({ direction: 'to-peer', peer: p, transport: r.transport, port: Number(r.port), service: r.service, basis: `${c.category} devices on this network connect to ${p.role ?? p.category} on ${r.transport}/${r.port}` }));
      } else if (sameSet.has(server) && alike(kindOf.get(client)!, p)) {
        const k = `from|${r.transport}/${r.port}`;
        if (!seen.has(k)) (seen.add(k), add({ direction: 'from-peer', peer: p, transport: r.transport, port: Number(r.port), service: r.service, basis: `${p.role ?? p.category} devices connect to ${c.category} devices on ${r.transport}/${r.port}` }));
      }
    }
    for (const s of c.listens) {
      const m = /^(tcp|udp)\/(\d+)(?: (.+))?$/.exec(s)!;
      add({ direction: 'from-peer', peer: p, transport: m[1], port: Number(m[2]), service: m[3] ?? null, basis: `the candidate declares it listens on ${s}` });
    }
    if (seen.size === 0) {
      // No device of the category talks to this kind of peer yet: the peer's clinical listening services, to be narrowed in a monitored trial.
      const listen = await store.db.selectFrom('services').select(['transport', 'port', 'service']).where('device_id', '=', p.id).where('direction', '=', 'listen').execute();
      for (const l of listen) add({ direction: 'to-peer', peer: p, transport: l.transport, port: Number(l.port), service: l.service, basis: `no ${c.category} seen talking to ${p.label}: its listening service, to confirm in a monitored trial` });
    }
  }
  return [...flows.values()];
}
