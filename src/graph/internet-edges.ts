/**
 * Conversations with the internet, summarised by destination. Internet peers are not devices, so the
 * inventory keeps them as facts of the local end (`net.internet_peer`: `"to 203.0.113.5 tcp/443"`, or
 * `from` for a conversation the outside opened); here they are turned around: per public address,
 * which devices talk with it, in which direction, on which services, and the names the hospital's own
 * DNS gave it (`dns.answer.a` / `dns.answer.aaaa` facts, `"<owner> <address>"`).
 *
 *   internetDestinations(store) -> InternetDestination[], most devices first
 */
import { INTERNET_PEER_KEY } from '../inventory/inventory-update.js';
import type { InventoryStore } from '../store/inventory-store.js';

export interface InternetDestination {
  address: string;
  /** Names DNS answers gave this address, as seen on the wire (at most 8). */
  names: string[];
  /** Local devices that opened conversations to it. */
  outbound: number;
  /** Local devices it opened conversations to (a service exposed to the internet). */
  inbound: number;
  services: string[];
  flows: number;
  firstSeen: number;
  lastSeen: number;
  devices: { id: number; label: string; category: string | null; zone: string | null; direction: 'to' | 'from'; services: string[]; flows: number }[];
}

const PEER = /^(to|from) (\S+) (\S+)$/;
const MAX_NAMES = 8;

export async function internetDestinations(store: InventoryStore): Promise<InternetDestination[]> {
  const peers = await store.db.selectFrom('observations').select(['device_id', 'value', 'count', 'first_ts', 'last_ts']).where('key', '=', INTERNET_PEER_KEY).execute();
  if (peers.length === 0) return [];
  const ids = [...new Set(peers.map((p) => Number(p.device_id)))];
  const devices = new Map((await store.devicesById(ids)).map((d) => [Number(d.id), d]));
  const out = new Map<string, InternetDestination>();
  const entries = new Map<string, InternetDestination['devices'][number]>();
  for (const p of peers) {
    let text: unknown;
    try {
      text = JSON.parse(p.value);
    } catch {
      continue;
    }
    const m = typeof text === 'string' ? PEER.exec(text) : null;
    if (!m) continue;
    const [, direction, address, service] = m as unknown as [string, 'to' | 'from', string, string];
    let dest = out.get(address);
    if (!dest) out.set(address, (dest = { address, names: [], outbound: 0, inbound: 0, services: [], flows: 0, firstSeen: p.first_ts, lastSeen: p.last_ts, devices: [] }));
    const id = Number(p.device_id);
    const count = Number(p.count);
    dest.flows += count;
    dest.firstSeen = Math.min(dest.firstSeen, p.first_ts);
    dest.lastSeen = Math.max(dest.lastSeen, p.last_ts);
    if (!dest.services.includes(service)) dest.services.push(service);
    const key = `${address} ${id} ${direction}`;
    let entry = entries.get(key);
    if (!entry) {
      const d = devices.get(id);
      entry = { id, label: d?.hostname ?? d?.ip ?? d?.mac ?? String(id), category: d?.category ?? null, zone: d?.zone ?? null, direction, services: [], flows: 0 };
      dest.devices.push(entry);
      entries.set(key, entry);
      if (direction === 'to') dest.outbound++;
      else dest.inbound++;
    }
    entry.flows += count;
    if (!entry.services.includes(service)) entry.services.push(service);
  }
  // Names only for the addresses wanted: a busy resolver answers for thousands of others.
  const answers = await store.db.selectFrom('observations').select('value').where('key', 'in', ['dns.answer.a', 'dns.answer.aaaa']).execute();
  for (const a of answers) {
    let text: unknown;
    try {
      text = JSON.parse(a.value);
    } catch {
      continue;
    }
    if (typeof text !== 'string') continue;
    const space = text.lastIndexOf(' ');
    const dest = out.get(text.slice(space + 1));
    const name = text.slice(0, space);
    if (dest && name && !dest.names.includes(name) && dest.names.length < MAX_NAMES) dest.names.push(name);
  }
  for (const d of out.values()) {
    d.services.sort();
    d.names.sort();
    d.devices.sort((a, b) => b.flows - a.flows || a.id - b.id);
  }
  return [...out.values()].sort((a, b) => b.devices.length - a.devices.length || b.flows - a.flows || a.address.localeCompare(b.address));
}
