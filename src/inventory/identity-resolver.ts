import type { IdentifierKind, IdentityKind } from '../store/schema.js';
import { isDeviceAddress, isGroupMac, isLinkLocalAddress, isLocalAddress, isLocallyAdministeredMac, subnetOf } from './address-kinds.js';
import type { HostEvidence, SeenHost } from './inventory-collector.js';

export interface DraftIdentifier {
  kind: IdentifierKind;
  value: string;
  first: number;
  last: number;
  source: string;
}

/** One device as this analysis sees it, before it is matched to the store. */
export interface DeviceDraft {
  identityKind: IdentityKind;
  identity: string;
  identifiers: DraftIdentifier[];
  /** Collector host keys whose facts, services and conversations are this device's. */
  hostKeys: string[];
  mac: string | null;
  ip: string | null;
  vlan: number | null;
  first: number;
  last: number;
  randomisedMac: boolean;
  /** The MAC fronts addresses of other subnets: a router or layer-3 switch. */
  router: boolean;
  sharedAddress: boolean;
}

export interface ResolvedIdentities {
  drafts: DeviceDraft[];
  /** Collector host key → its device; hosts on the internet have none. */
  deviceOf: Map<string, DeviceDraft>;
  routerMacs: Set<string>;
}

/**
 * A MAC seen with IPv4 addresses of several /24s, or with many addresses, is a router forwarding
 * other subnets' traffic (every routed packet carries the router's MAC and the far host's IP).
 */
const ROUTER_MIN_SUBNETS = 2;
const ROUTER_MIN_V4 = 3;
const ROUTER_ANY_V4 = 16;
/** Names a host gives itself; two or more different ones behind one IP mean a NAT or shared address. */
const SELF_NAME_KEYS = ['dhcp.hostname', 'nbns.name', 'smb.ntlm.nb_computer', 'smb.ntlm.workstation'];
/** Every fact key the resolver reads values of. */
const IDENTITY_KEYS = new Set(['dhcp.client_id', 'dhcpv6.client_duid', ...SELF_NAME_KEYS]);

/**
 * Decides which hosts of one analysis are the same device. Keyed by MAC where the sensor sees
 * layer 2; a randomised MAC by its DHCP client id or hostname; hosts seen only across a router by IP.
 * `knownRouters`: MACs an earlier analysis found routing, which a short window may show fronting only
 * one or two far addresses.
 */
export function resolveIdentities(c: HostEvidence, knownRouters: ReadonlySet<string> = new Set()): ResolvedIdentities {
  const macHosts = new Map<string, SeenHost[]>();
  const ipOnlyHosts: SeenHost[] = [];
  for (const h of c.hosts.values()) {
    if (h.mac && !isGroupMac(h.mac)) {
      let list = macHosts.get(h.mac);
      if (!list) macHosts.set(h.mac, (list = []));
      list.push(h);
    } else if (!h.mac) ipOnlyHosts.push(h);
  }
  // Addresses a MAC is bound to by ARP (RFC 826) or a DHCP ACK: its own even if it routes others.
  const bound = new Map<string, Set<string>>();
  const bind = (mac: string, ip: string) => {
    let s = bound.get(mac);
    if (!s) bound.set(mac, (s = new Set()));
    s.add(ip);
  };
  for (const [key, facts] of c.facts) {
    const mac = key.slice(0, key.indexOf('|'));
    for (const f of facts.values()) {
      if ((f.key === 'arp.ip' || f.key === 'ndp.ip') && mac && typeof f.value === 'string') bind(mac, f.value);
      else if (f.key === 'dhcp.assigned_ip' && typeof f.value === 'string') {
        const [m, ip] = f.value.split(' ');
        if (m && ip) bind(m, ip);
      }
    }
  }
  const routerMacs = new Set<string>();
  // A first-hop redundancy group's virtual MAC is a gateway however few addresses were seen behind it.
  for (const [mac, hosts] of macHosts) {
    const v4 = hosts.filter((h) => isDeviceAddress(h.ip) && !h.ip.includes(':'));
    const subnets = new Set(v4.map((h) => subnetOf(h.ip)));
    if ((v4.length >= ROUTER_MIN_V4 && subnets.size >= ROUTER_MIN_SUBNETS) || v4.length >= ROUTER_ANY_V4 || isGatewayMac(mac) || knownRouters.has(mac)) routerMacs.add(mac);
  }

  const drafts: DeviceDraft[] = [];
  const deviceOf = new Map<string, DeviceDraft>();
  const ipOwner = new Map<string, DeviceDraft>();
  /** The text values of the identity keys among these hosts' facts, each key's in the order seen: one pass. */
  const identityFacts = (hostKeys: readonly string[]): Map<string, Set<string>> => {
    const out = new Map<string, Set<string>>();
    for (const k of hostKeys) {
      const facts = c.facts.get(k);
      if (facts === undefined) continue;
      for (const f of facts.values()) {
        if (!IDENTITY_KEYS.has(f.key) || typeof f.value !== 'string') continue;
        let values = out.get(f.key);
        if (!values) out.set(f.key, (values = new Set()));
        values.add(f.value);
      }
    }
    return out;
  };
  const valuesOf = (facts: Map<string, Set<string>>, key: string): string[] => [...(facts.get(key) ?? [])];

  for (const [mac, hosts] of macHosts) {
    const router = routerMacs.has(mac);
    // A router forwards others' addresses under its MAC, but never a link-local one: that is its own.
    const own = router ? hosts.filter((h) => bound.get(mac)?.has(h.ip) || h.ip === '' || !isDeviceAddress(h.ip) || isLinkLocalAddress(h.ip)) : hosts;
    const keys = own.map((h) => h.key);
    const first = Math.min(...own.map((h) => h.first), Infinity);
    const last = Math.max(...own.map((h) => h.last), -Infinity);
    const randomised = isLocallyAdministeredMac(mac);
    const identifiers: DraftIdentifier[] = [{ kind: 'mac', value: mac, first, last, source: 'frame' }];
    const ips = new Map<string, { first: number; last: number }>();
    for (const h of own) if (isDeviceAddress(h.ip)) ips.set(h.ip, { first: h.first, last: h.last });
    for (const ip of bound.get(mac) ?? []) if (!ips.has(ip) && isDeviceAddress(ip)) ips.set(ip, { first, last });
    for (const [ip, t] of ips) identifiers.push({ kind: 'ip', value: ip, first: t.first, last: t.last, source: router ? 'arp' : 'frame' });
    const said = identityFacts(keys);
    const clientIds = valuesOf(said, 'dhcp.client_id');
    const hostnames = valuesOf(said, 'dhcp.hostname').map((n) => n.toLowerCase());
    for (const id of clientIds) identifiers.push({ kind: 'client-id', value: id, first, last, source: 'dhcp.client_id' });
    for (const n of hostnames) identifiers.push({ kind: 'hostname', value: n, first, last, source: 'dhcp.hostname' });
    for (const d of valuesOf(said, 'dhcpv6.client_duid')) identifiers.push({ kind: 'duid', value: d, first, last, source: 'dhcpv6.client_duid' });
    // A randomised MAC changes; the client id and hostname a device sends with it do not.
    let identityKind: DeviceDraft['identityKind'] = 'mac';
    let identity = mac;
    if (randomised && clientIds.length > 0 && !clientIds[0].endsWith(mac.replaceAll(':', ''))) {
      identityKind = 'client-id';
      identity = clientIds[0];
    } else if (randomised && hostnames.length > 0) {
      identityKind = 'hostname';
      identity = hostnames[0];
    }
    const latest = [...ips].sort((a, b) => b[1].last - a[1].last)[0];
    const draft: DeviceDraft = {
      identityKind,
      identity,
      identifiers,
      hostKeys: keys,
      mac,
      ip: latest ? latest[0] : null,
      vlan: own.find((h) => h.vlan !== null)?.vlan ?? hosts.find((h) => h.vlan !== null)?.vlan ?? null,
      first: Number.isFinite(first) ? first : hosts[0].first,
      last: Number.isFinite(last) ? last : hosts[0].last,
      randomisedMac: randomised,
      router,
      sharedAddress: false,
    };
    drafts.push(draft);
    for (const k of keys) deviceOf.set(k, draft);
    for (const [ip] of ips) {
      const prev = ipOwner.get(ip);
      if (!prev || (!router && (prev.router || draft.last > prev.last))) ipOwner.set(ip, draft);
    }
  }

  // Hosts behind a router (or on a link without MACs): the IP's owner when the sensor saw it on
  // its own segment, else a device keyed by the IP if the address is local.
  const byIp = new Map<string, DeviceDraft>();
  const fronted = [...ipOnlyHosts, ...[...macHosts].flatMap(([mac, hosts]) => (routerMacs.has(mac) ? hosts.filter((h) => !deviceOf.has(h.key)) : []))];
  for (const h of fronted) {
    if (!isDeviceAddress(h.ip)) continue;
    const owner = ipOwner.get(h.ip);
    if (owner && !owner.router) {
      deviceOf.set(h.key, owner);
      owner.hostKeys.push(h.key);
      continue;
    }
    if (!isLocalAddress(h.ip)) continue;
    let d = byIp.get(h.ip);
    if (!d) {
      d = {
        identityKind: 'ip',
        identity: h.ip,
        identifiers: [],
        hostKeys: [],
        mac: null,
        ip: h.ip,
        vlan: h.vlan,
        first: h.first,
        last: h.last,
        randomisedMac: false,
        router: false,
        sharedAddress: false,
      };
      byIp.set(h.ip, d);
      drafts.push(d);
    }
    d.hostKeys.push(h.key);
    d.first = Math.min(d.first, h.first);
    d.last = Math.max(d.last, h.last);
    deviceOf.set(h.key, d);
  }
  for (const d of byIp.values()) {
    d.identifiers.push({ kind: 'ip', value: d.identity, first: d.first, last: d.last, source: 'routed' });
    const names = new Set<string>();
    const said = identityFacts(d.hostKeys);
    for (const key of SELF_NAME_KEYS) for (const n of valuesOf(said, key)) names.add(n.toLowerCase());
    for (const n of valuesOf(said, 'dhcp.hostname')) d.identifiers.push({ kind: 'hostname', value: n.toLowerCase(), first: d.first, last: d.last, source: 'dhcp.hostname' });
    d.sharedAddress = names.size >= 2;
  }
  return { drafts, deviceOf, routerMacs };
}

/**
 * Virtual MACs of first-hop redundancy protocols: HSRP v1 00:00:0c:07:ac:XX and v2 00:00:0c:9f:fX:XX
 * (Cisco), VRRP 00:00:5e:00:01:XX / IPv6 00:00:5e:00:02:XX (RFC 5798 §7.3), GLBP 00:07:b4:00:XX:XX.
 */
export function isGatewayMac(mac: string): boolean {
  const m = mac.toLowerCase();
  return m.startsWith('00:00:0c:07:ac:') || m.startsWith('00:00:0c:9f:f') || m.startsWith('00:00:5e:00:01:') || m.startsWith('00:00:5e:00:02:') || m.startsWith('00:07:b4:00:');
}
