import type { DeviceAttributes, DeviceRow, InventoryStore, NewDevice, ObservationRow } from '../store/inventory-store.js';
import { candidatesFor, chooseAttributes, type AttributeKnowledge, type Candidate, type DeviceFact } from './attribute-resolver.js';
import { behaviourRoles, type PeerLink } from './behaviour-roles.js';
import { isGatewayMac, resolveIdentities, type DeviceDraft } from './identity-resolver.js';
import type { IdentifierKind } from '../store/schema.js';
import type { HostEvidence } from './inventory-collector.js';
import { inferZoneKind, zoneOf, type SiteZone } from './site-zones.js';
import { isDeviceAddress, isLocalAddress, isLocallyAdministeredMac } from './address-kinds.js';

/** The fact a device keeps for each internet peer it talked with: `"to 203.0.113.5 tcp/443"` (or `from`). */
export const INTERNET_PEER_KEY = 'net.internet_peer';

export interface CaptureInfo {
  name: string;
  packets: number;
  bytes: number;
  firstTs: number | null;
  lastTs: number | null;
  /** The site and sensor of a central service's window; a local analysis has neither. */
  site?: string;
  sensor?: string;
}

export interface InventoryUpdate {
  captureId: number;
  devices: number;
  created: number;
  updated: number;
  observations: number;
}

/** Evidence kept per candidate: enough to find the packets, bounded so one chatty device cannot bloat the store. */
const MAX_EVIDENCE = 8;

/**
 * Folds one analysis into the store, in one transaction: matches its devices to known ones (by MAC,
 * client id, hostname, then IP history), adds their identifiers, facts, services and conversations,
 * then recomputes the attributes of every device it touched from all their evidence.
 */
export async function updateInventory(
  store: InventoryStore,
  collector: HostEvidence,
  capture: CaptureInfo,
  knowledge: AttributeKnowledge,
  site: readonly SiteZone[] = [],
): Promise<InventoryUpdate> {
  return store.transaction((s) => applyEvidence(s, collector, capture, knowledge, site));
}

/** The same inside the caller's transaction (a central service also records the window there). */
export async function applyEvidence(
  s: InventoryStore,
  collector: HostEvidence,
  capture: CaptureInfo,
  knowledge: AttributeKnowledge,
  site: readonly SiteZone[] = [],
): Promise<InventoryUpdate> {
  collector.finish();
  const { drafts, deviceOf } = resolveIdentities(collector, await storedRouters(s, collector));
  const captureId = await s.addCapture({ name: capture.name, packets: capture.packets, bytes: capture.bytes, first_ts: capture.firstTs, last_ts: capture.lastTs, site: capture.site ?? null, sensor: capture.sensor ?? null });
  const ids = new Map<DeviceDraft, number>();
  const used = new Set<number>();
  const lookups = drafts.flatMap((d) => [{ kind: d.identityKind, value: d.identity }, ...d.identifiers.filter((i) => i.kind !== 'ip' || d.identityKind === 'ip')]);
  const known = await knownDevices(s, lookups, capture.site);
  const toCreate: { draft: DeviceDraft; row: NewDevice }[] = [];
  const toTouch: Parameters<InventoryStore['touchDevices']>[0][number][] = [];
  for (const d of drafts) {
    // The identity first; then stable identifiers; an IP only for devices seen across a router.
    const order = [`${d.identityKind}:${d.identity}`, ...d.identifiers.filter((i) => i.kind === 'client-id' || i.kind === 'duid').map((i) => `${i.kind}:${i.value}`), ...(d.identityKind === 'ip' || d.randomisedMac ? d.identifiers.filter((i) => i.kind === 'hostname').map((i) => `hostname:${i.value}`) : []), ...(d.identityKind === 'ip' ? [`ip:${d.identity}`] : [])];
    const id = order.map((k) => known.get(k)).find((x) => x !== undefined);
    if (id === undefined || used.has(id)) {
      const identity = capture.site !== undefined && isSiteScoped(d.identityKind, d.identity) ? `${d.identity}@${capture.site}` : d.identity;
      toCreate.push({ draft: d, row: { identity_kind: d.identityKind, identity, first_seen: d.first, last_seen: d.last, mac: d.mac, ip: d.ip, vlan: d.vlan, hostname: null, vendor: null, model: null, firmware: null, os: null, serial: null, category: null, role: null, zone: null, randomised_mac: d.randomisedMac ? 1 : 0, shared_address: d.sharedAddress ? 1 : 0 } });
      continue;
    }
    toTouch.push({ id, first_seen: d.first, last_seen: d.last, mac: d.mac, ip: d.ip, vlan: d.vlan });
    if (d.sharedAddress) await s.updateDevice(id, { shared_address: 1 });
    ids.set(d, id);
    used.add(id);
  }
  await s.touchDevices(toTouch);
  const createdIds = await s.createDevices(toCreate.map((c) => c.row));
  for (const c of toCreate) ids.set(c.draft, createdIds.get(`${c.row.identity_kind}:${c.row.identity}`)!);
  const created = toCreate.length;
  if (capture.site !== undefined) {
    const site = capture.site;
    await s.upsertDeviceSites(drafts.map((d) => ({ device_id: ids.get(d)!, site, first_seen: d.first, last_seen: d.last })));
  }
  const identifierRows = drafts.flatMap((d) => [{ kind: d.identityKind, value: d.identity, first: d.first, last: d.last, source: 'identity' }, ...d.identifiers].map((i) => ({ device_id: ids.get(d)!, kind: i.kind, value: i.value, first_seen: i.first, last_seen: i.last, source: i.source }))).filter(uniqueIdentifier());
  await s.upsertIdentifiers(identifierRows);

  let observations = 0;
  const obsRows: ObservationRow[] = [];
  /** Each row's value as the evidence parsed it, for the devices recomputed from these rows. */
  const obsValues: DeviceFact['value'][] = [];
  // A host's facts are distinct by key and value; a device matched by two hosts (a MAC seen with
  // two addresses) repeats any fact both sent, and those rows are folded here, so the store is
  // handed rows it can write in one statement.
  const hostsOf = new Map<number, number>();
  for (const hostKey of collector.facts.keys()) {
    const d = deviceOf.get(hostKey);
    if (!d) continue;
    const id = ids.get(d)!;
    hostsOf.set(id, (hostsOf.get(id) ?? 0) + 1);
  }
  // Per device, by the host's own id of each fact (key and value), so folding builds no text.
  const folded = new Map<number, Map<string, ObservationRow>>();
  let peerKeySeen = false;
  for (const [hostKey, facts] of collector.facts) {
    const d = deviceOf.get(hostKey);
    if (!d) continue;
    const device_id = ids.get(d)!;
    let shared: Map<string, ObservationRow> | undefined;
    if (hostsOf.get(device_id)! > 1) {
      shared = folded.get(device_id);
      if (!shared) folded.set(device_id, (shared = new Map()));
    }
    for (const [k, f] of facts) {
      observations++;
      if (f.key === INTERNET_PEER_KEY) peerKeySeen = true;
      const prev = shared?.get(k);
      if (prev) {
        prev.count += f.count;
        prev.first_ts = Math.min(prev.first_ts, f.first);
        prev.last_ts = Math.max(prev.last_ts, f.last);
        continue;
      }
      const row = { device_id, key: f.key, value: f.valueText, count: f.count, first_ts: f.first, last_ts: f.last, capture_id: captureId, flow: f.flow };
      shared?.set(k, row);
      obsRows.push(row);
      obsValues.push(f.value);
    }
  }
  // Internet peers are not devices, so their conversations have no connection row: each local end
  // keeps one fact per peer, port and direction instead, for exposure and risk.
  const internet = new Map<string, (typeof obsRows)[number]>();
  // By address, not by device: a public address seen behind a firewall's MAC is still the internet.
  const ipOf = (hostKey: string) => hostKey.slice(hostKey.indexOf('|') + 1);
  const isInternet = (ip: string) => isDeviceAddress(ip) && !isLocalAddress(ip);
  for (const c of collector.connections.values()) {
    const clientOut = isInternet(ipOf(c.server)) && !isInternet(ipOf(c.client));
    const serverIn = isInternet(ipOf(c.client)) && !isInternet(ipOf(c.server));
    if (!clientOut && !serverIn) continue;
    const local = deviceOf.get(clientOut ? c.client : c.server);
    if (!local) continue;
    const peerIp = ipOf(clientOut ? c.server : c.client);
    const device_id = ids.get(local)!;
    const valueText = JSON.stringify(`${clientOut ? 'to' : 'from'} ${peerIp} ${c.transport}/${c.port}`);
    const k = `${device_id}\u0000${valueText}`;
    const prev = internet.get(k);
    if (prev) {
      prev.count += c.flows;
      prev.first_ts = Math.min(prev.first_ts, c.first);
      prev.last_ts = Math.max(prev.last_ts, c.last);
    } else internet.set(k, { device_id, key: INTERNET_PEER_KEY, value: valueText, count: c.flows, first_ts: c.first, last_ts: c.last, capture_id: captureId, flow: null });
  }
  obsRows.push(...internet.values());
  observations += internet.size;
  // Evidence naming the internet-peer fact itself (a window from elsewhere) could repeat a row above.
  await s.upsertObservations(obsRows, !peerKeySeen);
  const serviceRows = new Map<string, Parameters<typeof s.upsertServices>[0][number]>();
  for (const [hostKey, services] of collector.services) {
    const d = deviceOf.get(hostKey);
    if (!d) continue;
    const device_id = ids.get(d)!;
    for (const v of services.values()) {
      const id = `${device_id}/${v.transport}/${v.port}/${v.direction}`;
      const prev = serviceRows.get(id);
      if (prev) {
        prev.flows += v.flows;
        prev.first_seen = Math.min(prev.first_seen, v.first);
        prev.last_seen = Math.max(prev.last_seen, v.last);
      } else serviceRows.set(id, { device_id, transport: v.transport, port: v.port, direction: v.direction, service: v.service, flows: v.flows, first_seen: v.first, last_seen: v.last });
    }
  }
  await s.upsertServices([...serviceRows.values()]);
  const connRows = new Map<string, Parameters<typeof s.upsertConnections>[0][number]>();
  for (const c of collector.connections.values()) {
    const a = deviceOf.get(c.client);
    const b = deviceOf.get(c.server);
    if (!a || !b || a === b) continue;
    const client_id = ids.get(a)!;
    const server_id = ids.get(b)!;
    const id = `${client_id}/${server_id}/${c.transport}/${c.port}`;
    const prev = connRows.get(id);
    if (prev) {
      prev.flows += c.flows;
      prev.bytes += c.bytes;
      prev.first_seen = Math.min(prev.first_seen, c.first);
      prev.last_seen = Math.max(prev.last_seen, c.last);
    } else connRows.set(id, { client_id, server_id, transport: c.transport, port: c.port, service: c.service, flows: c.flows, bytes: c.bytes, first_seen: c.first, last_seen: c.last });
  }
  await s.upsertConnections([...connRows.values()]);
  const factRows = new Map<string, Parameters<typeof s.upsertConnectionFacts>[0][number]>();
  for (const [connId, facts] of collector.connectionFacts()) {
    const c = collector.connections.get(connId);
    const a = c && deviceOf.get(c.client);
    const b = c && deviceOf.get(c.server);
    if (!c || !a || !b || a === b) continue;
    for (const f of facts) {
      const row = { client_id: ids.get(a)!, server_id: ids.get(b)!, transport: c.transport, port: c.port, sender: f.fromClient ? ('client' as const) : ('server' as const), key: f.key, value: f.valueText, count: f.count, first_seen: f.first, last_seen: f.last };
      const id = `${row.client_id}/${row.server_id}/${row.transport}/${row.port}/${row.sender}/${row.key}/${row.value}`;
      const prev = factRows.get(id);
      if (prev) {
        prev.count += row.count;
        prev.first_seen = Math.min(prev.first_seen, row.first_seen);
        prev.last_seen = Math.max(prev.last_seen, row.last_seen);
      } else factRows.set(id, row);
    }
  }
  await s.upsertConnectionFacts([...factRows.values()]);

  const touched = [...new Set(ids.values())];
  const routers = new Set(drafts.filter((d) => d.router).map((d) => ids.get(d)!));
  // Devices created by this update have no evidence but what it just wrote: recomputing them from
  // these rows spares reading it all back.
  const fresh: FreshEvidence = { devices: new Map(), facts: new Map(), listen: new Map(), connections: [], ips: new Map() };
  for (const c of toCreate) {
    const id = ids.get(c.draft)!;
    fresh.devices.set(id, { ...c.row, id, attribute_summary: '{}' } as DeviceRow);
  }
  if (fresh.devices.size) {
    // Per device in the store's key order, as reading them back would give them; sorting each
    // device's few facts, not the whole window's. Two hosts' repeats were folded above; the one repeat
    // left (evidence that itself names an internet peer) lies next to its first.
    const byDevice = new Map<number, number[]>();
    for (let i = 0; i < obsRows.length; i++) {
      const device = obsRows[i].device_id;
      if (!fresh.devices.has(device)) continue;
      let rows = byDevice.get(device);
      if (!rows) byDevice.set(device, (rows = []));
      rows.push(i);
    }
    const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
    for (const [device, rows] of byDevice) {
      rows.sort((a, b) => cmp(obsRows[a].key, obsRows[b].key) || cmp(obsRows[a].value, obsRows[b].value));
      const list: DeviceFact[] = [];
      let prev: (typeof obsRows)[number] | null = null;
      for (const i of rows) {
        const o = obsRows[i];
        if (prev !== null && prev.key === o.key && prev.value === o.value) {
          const m = list[list.length - 1];
          m.count += o.count;
          m.first = Math.min(m.first, o.first_ts);
          m.last = Math.max(m.last, o.last_ts);
          continue;
        }
        // Internet-peer rows come after the evidence's and have no parsed value beside them.
        list.push({ key: o.key, value: i < obsValues.length ? obsValues[i] : JSON.parse(o.value), count: o.count, first: o.first_ts, last: o.last_ts });
        prev = o;
      }
      fresh.facts.set(device, list);
    }
    for (const v of serviceRows.values()) {
      if (v.direction !== 'listen' || !fresh.devices.has(v.device_id)) continue;
      let list = fresh.listen.get(v.device_id);
      if (!list) fresh.listen.set(v.device_id, (list = []));
      list.push(`${v.transport}/${v.port}`);
    }
    for (const c of connRows.values()) if (fresh.devices.has(c.client_id) || fresh.devices.has(c.server_id)) fresh.connections.push(c);
    for (const i of identifierRows) {
      if (i.kind !== 'ip' || !fresh.devices.has(i.device_id)) continue;
      let list = fresh.ips.get(i.device_id);
      if (!list) fresh.ips.set(i.device_id, (list = []));
      list.push(i.value);
    }
  }
  await recomputeAttributes(s, touched, knowledge, site, routers, fresh);
  return { captureId, devices: touched.length, created, updated: touched.length - created, observations };
}

/**
 * Stored devices for the drafts' identifiers. At a site, an address, a name, a randomised MAC or a
 * gateway's virtual MAC only means the same device within that site; a burned-in MAC is one device
 * wherever it is seen, which is how one laptop moving between hospitals stays one device.
 */
export async function knownDevices(s: InventoryStore, lookups: readonly { kind: IdentifierKind; value: string }[], site: string | undefined): Promise<Map<string, number>> {
  if (site === undefined) return s.devicesByIdentifier(lookups);
  const local = (i: { kind: IdentifierKind; value: string }) => isSiteScoped(i.kind, i.value);
  const found = await s.devicesByIdentifier(lookups.filter((i) => !local(i)));
  for (const [k, id] of await s.devicesByIdentifier(lookups.filter(local), site)) found.set(k, id);
  return found;
}

/**
 * MACs of this evidence that a stored device keyed by that MAC was found routing by (its
 * `behaviour:routes-subnets` candidate). Only MACs seen with two or more addresses are asked about:
 * a MAC with one address is a host whatever it did before.
 */
async function storedRouters(s: InventoryStore, e: HostEvidence): Promise<Set<string>> {
  const addresses = new Map<string, number>();
  for (const h of e.hosts.values()) if (h.mac && isDeviceAddress(h.ip)) addresses.set(h.mac, (addresses.get(h.mac) ?? 0) + 1);
  const macs = [...addresses].filter(([, n]) => n >= 2).map(([mac]) => mac);
  return new Set(await s.macsWithCandidateSource(macs, 'behaviour:routes-subnets'));
}

/**
 * Identifiers that name a device only within one site. A device keyed by one is created with
 * `identity@site`, so two hospitals' 10.1.2.3 are two devices (the identity is unique).
 */
export function isSiteScoped(kind: IdentifierKind, value: string): boolean {
  return kind === 'ip' || kind === 'hostname' || (kind === 'mac' && (isLocallyAdministeredMac(value) || isGatewayMac(value)));
}

function uniqueIdentifier() {
  const seen = new Set<string>();
  return (r: { device_id: number; kind: string; value: string }) => {
    const k = `${r.device_id}\u0000${r.kind}\u0000${r.value}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  };
}

/** What an update wrote about the devices it created: all the evidence they have. */
export interface FreshEvidence {
  devices: Map<number, DeviceRow>;
  facts: Map<number, DeviceFact[]>;
  listen: Map<number, string[]>;
  connections: { client_id: number; server_id: number; transport: string; port: number; service: string | null }[];
  ips: Map<number, string[]>;
}

const NO_FRESH_EVIDENCE: FreshEvidence = { devices: new Map(), facts: new Map(), listen: new Map(), connections: [], ips: new Map() };

/**
 * Candidates and chosen values of the devices, from all their stored evidence. Two passes: what
 * devices say about themselves first, then behaviour, which needs the peers' categories.
 */
export async function recomputeAttributes(
  s: InventoryStore,
  deviceIds: readonly number[],
  k: AttributeKnowledge,
  site: readonly SiteZone[],
  routers: ReadonlySet<number> = new Set(),
  fresh: FreshEvidence = NO_FRESH_EVIDENCE,
): Promise<void> {
  if (deviceIds.length === 0) return;
  const stored = fresh.devices.size ? deviceIds.filter((id) => !fresh.devices.has(id)) : deviceIds;
  const facts = new Map<number, DeviceFact[]>(fresh.facts);
  for (const o of await s.observationsOf(stored)) {
    let list = facts.get(Number(o.device_id));
    if (!list) facts.set(Number(o.device_id), (list = []));
    list.push({ key: o.key, value: JSON.parse(o.value), count: Number(o.count), first: o.first_ts, last: o.last_ts });
  }
  const listen = new Map<number, string[]>(fresh.listen);
  for (const sv of await s.servicesOf(stored)) {
    if (sv.direction !== 'listen') continue;
    let list = listen.get(Number(sv.device_id));
    if (!list) listen.set(Number(sv.device_id), (list = []));
    list.push(`${sv.transport}/${sv.port}`);
  }
  const links = new Map<number, PeerLink[]>();
  const addLink = (id: number, l: PeerLink) => {
    let list = links.get(id);
    if (!list) links.set(id, (list = []));
    list.push(l);
  };
  const wanted = new Set(deviceIds);
  const peers = new Set<number>();
  // A conversation with a fresh device is in `fresh` (it can have no older row); read back only the rest.
  const storedConnections = (await s.connectionsOf(stored)).filter((c) => !fresh.devices.has(Number(c.client_id)) && !fresh.devices.has(Number(c.server_id)));
  for (const c of [...storedConnections, ...fresh.connections]) {
    const client = Number(c.client_id);
    const server = Number(c.server_id);
    if (wanted.has(client)) addLink(client, { peer: server, asServer: false, transport: c.transport, port: c.port, service: c.service });
    if (wanted.has(server)) addLink(server, { peer: client, asServer: true, transport: c.transport, port: c.port, service: c.service });
    peers.add(client).add(server);
  }
  const devices = new Map(fresh.devices);
  for (const d of await s.devicesById(stored)) devices.set(Number(d.id), d);
  // Pass 1: categories from what devices say, for the peers' view in pass 2.
  const firstPass = new Map<number, Candidate[]>();
  const category = new Map<number, string | null>();
  for (const id of deviceIds) {
    // The site file's zone kind is a fact about the device too: anything on guest Wi-Fi is a guest's.
    const device = devices.get(id);
    const zone = device ? zoneOf(site, device.ip, device.vlan) : null;
    const kind = zone && !zone.inferred ? site.find((z) => z.id === zone.id)?.kind : undefined;
    if (kind) (facts.get(id) ?? facts.set(id, []).get(id)!).push({ key: 'zone.kind', value: kind, count: 1, first: device!.first_seen, last: device!.last_seen });
    const cands = candidatesFor(facts.get(id) ?? [], device?.mac ?? null, listen.get(id) ?? [], [], k);
    firstPass.set(id, cands);
    category.set(id, chooseAttributes(cands, k.taxonomy).category?.value ?? null);
  }
  const others = [...peers].filter((p) => !wanted.has(p));
  for (const d of await s.devicesById(others)) category.set(Number(d.id), d.category);
  const ipsOf = new Map<number, string[]>(fresh.ips);
  for (const r of await s.identifiersOf(stored)) if (r.kind === 'ip') ipsOf.set(Number(r.device_id), [...(ipsOf.get(Number(r.device_id)) ?? []), r.value]);
  const zoneMembers = new Map<string, { inferred: boolean; subnet: string | null; vlan: number | null; categories: (string | null)[] }>();
  const attributes: DeviceAttributes[] = [];
  const candidates: Parameters<InventoryStore['replaceCandidatesOf']>[1][number][] = [];
  for (const id of deviceIds) {
    const device = devices.get(id)!;
    const behaviour = behaviourRoles({ facts: facts.get(id) ?? [], links: links.get(id) ?? [], router: routers.has(id) || (device.identity_kind === 'mac' && routesSubnets(ipsOf.get(id) ?? [])) }, (p) => category.get(p) ?? null);
    const cands = [...firstPass.get(id)!, ...candidatesFor([], null, [], behaviour, k)];
    const chosen = chooseAttributes(cands, k.taxonomy);
    if (chosen.role?.impliedBy === 'category') {
      const category = chosen.category!;
      const backing = cands.filter((c) => c.attribute === 'category' && c.value.toLowerCase() === category.value.toLowerCase());
      cands.push({ attribute: 'role', value: chosen.role.value, source: `category:${category.value}`, confidence: chosen.role.confidence, count: 1, first: Math.min(...backing.map((c) => c.first)), last: Math.max(...backing.map((c) => c.last)), evidence: [{ key: 'category', value: category.value }, ...backing.flatMap((c) => c.evidence)] });
    }
    if (chosen.category?.impliedBy === 'role') {
      // Keep the inference visible as evidence: the category follows from the role, which has its own.
      const role = chosen.role!;
      const backing = cands.filter((c) => c.attribute === 'role' && c.value.toLowerCase() === role.value.toLowerCase());
      cands.push({ attribute: 'category', value: chosen.category.value, source: `role:${role.value}`, confidence: chosen.category.confidence, count: 1, first: Math.min(...backing.map((c) => c.first)), last: Math.max(...backing.map((c) => c.last)), evidence: [{ key: 'role', value: role.value }, ...backing.flatMap((c) => c.evidence)] });
    }
    const zone = zoneOf(site, device.ip, device.vlan);
    const z = zoneMembers.get(zone.id) ?? { inferred: zone.inferred, subnet: zone.subnet, vlan: zone.inferred ? device.vlan : null, categories: [] };
    z.categories.push(chosen.category?.value ?? null);
    zoneMembers.set(zone.id, z);
    const summary: Record<string, { confidence: number; disagreement: boolean; alternatives: { value: string; confidence: number }[] }> = {};
    for (const [attr, c] of Object.entries(chosen)) summary[attr] = { confidence: c.confidence, disagreement: c.disagreement, alternatives: c.alternatives };
    attributes.push({
      id,
      hostname: chosen.hostname?.value ?? null,
      vendor: chosen.vendor?.value ?? null,
      model: chosen.model?.value ?? null,
      firmware: chosen.firmware?.value ?? null,
      os: chosen.os?.value ?? null,
      serial: chosen.serial?.value ?? null,
      category: chosen.category?.value ?? null,
      role: chosen.role?.value ?? null,
      zone: zone.id,
      attribute_summary: JSON.stringify(summary),
    });
    for (const c of mergeCandidates(cands)) candidates.push({ device_id: id, ...c });
  }
  await s.setDeviceAttributes(attributes);
  await s.replaceCandidatesOf(deviceIds, candidates);
  const existing = new Map((await s.zones()).map((z) => [z.id, z]));
  for (const z of site) existing.set(z.id, { id: z.id, name: z.name, kind: z.kind, site: z.site, department: z.department, subnet: z.subnets.map((x) => x.text).join(',') || null, vlan: z.vlans[0] ?? null, inferred: 0 });
  for (const [id, m] of zoneMembers) {
    if (!m.inferred) continue;
    existing.set(id, { id, name: m.vlan ? `VLAN ${m.vlan}${m.subnet ? ` (${m.subnet})` : ''}` : (m.subnet ?? id), kind: inferZoneKind(m.categories), site: null, department: null, subnet: m.subnet, vlan: m.vlan, inferred: 1 });
  }
  await s.replaceZones([...existing.values()]);
}

/** The identity resolver's router test, over every address a MAC-keyed device has held. */
function routesSubnets(ips: readonly string[]): boolean {
  const v4 = ips.filter((ip) => !ip.includes(':'));
  return v4.length >= 3 && new Set(v4.map((ip) => ip.slice(0, ip.lastIndexOf('.')))).size >= 2;
}

/** One row per (attribute, value, source): repeated hits add up. */
function mergeCandidates(cands: readonly Candidate[]) {
  const rows = new Map<string, { attribute: string; value: string; source: string; confidence: number; count: number; first_seen: number; last_seen: number; evidence: string; ev: Candidate['evidence'] }>();
  for (const c of cands) {
    const id = `${c.attribute}\u0000${c.value}\u0000${c.source}`;
    const r = rows.get(id);
    if (r) {
      r.count += c.count;
      r.confidence = Math.max(r.confidence, c.confidence);
      r.first_seen = Math.min(r.first_seen, c.first);
      r.last_seen = Math.max(r.last_seen, c.last);
      if (r.ev.length < MAX_EVIDENCE) r.ev.push(...c.evidence.slice(0, MAX_EVIDENCE - r.ev.length));
    } else rows.set(id, { attribute: c.attribute, value: c.value, source: c.source, confidence: c.confidence, count: c.count, first_seen: c.first, last_seen: c.last, evidence: '', ev: c.evidence.slice(0, MAX_EVIDENCE) });
  }
  return [...rows.values()].map(({ ev, ...r }) => ({ ...r, evidence: JSON.stringify(ev) }));
}
