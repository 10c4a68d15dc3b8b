/**
 * IPv6 addresses and link-local messages of the simulated hospital: SLAAC addresses (RFC 4862), neighbour
 * discovery (RFC 4861), MLDv2 reports (RFC 3810), DHCPv6 Solicit (RFC 8415) and mDNS over IPv6 (RFC 6762).
 * Each encoder returns the ICMPv6 message or UDP payload; net.ts's `ip6` adds the headers and checksums.
 */
import { parseIp } from '../forensics/ip-bytes.js';
import { ByteWriter } from './bytes.js';
import { hashString } from './rng.js';

export const ALL_NODES = ip6('ff02::1');
export const ALL_ROUTERS = ip6('ff02::2');
export const MLDV2_ROUTERS = ip6('ff02::16');
export const MDNS_GROUP = ip6('ff02::fb');
export const LLMNR_GROUP = ip6('ff02::1:3');
export const DHCPV6_SERVERS = ip6('ff02::1:2');
export const UNSPECIFIED = new Uint8Array(16);
/** The routers' link-local address on every VLAN (`ipv6 address fe80::1 link-local`, as many sites configure). */
export const ROUTER_LL = ip6('fe80::1');

/** Parses IPv6 text (with at most one `::`). */
export function ip6(s: string): Uint8Array {
  const parsed = parseIp(s);
  if (parsed?.family !== 6) throw new Error(`not an IPv6 address: ${s}`);
  return new Uint8Array(parsed.bytes);
}


/** The Ethernet group address of an IPv6 multicast address (RFC 2464 §7): 33:33 and its last 32 bits. */
export function multicastMac(a: Uint8Array): Uint8Array {
  return Uint8Array.of(0x33, 0x33, a[12], a[13], a[14], a[15]);
}

/** Solicited-node multicast address ff02::1:ffXX:XXXX of `a` (RFC 4291 §2.7.1). */
export function solicitedNode(a: Uint8Array): Uint8Array {
  const b = ip6('ff02::1:ff00:0');
  b[13] = a[13];
  b[14] = a[14];
  b[15] = a[15];
  return b;
}

/**
 * The interface identifier a host forms: modified EUI-64 from the MAC (RFC 4291 Appendix A: ff:fe in the
 * middle, universal/local bit flipped), or Windows' randomised identifier (stable per host and prefix, so it
 * is derived from a hash here rather than drawn from the simulation's random streams).
 */
export function interfaceId(kind: 'random' | 'eui64', mac: Uint8Array, salt: string): Uint8Array {
  if (kind === 'eui64') return Uint8Array.of(mac[0] ^ 2, mac[1], mac[2], 0xff, 0xfe, mac[3], mac[4], mac[5]);
  const a = hashString(`${salt}/a`), b = hashString(`${salt}/b`);
  // The universal/local bit is 0 in a random identifier (RFC 4941 §3.3.1 step 3).
  return Uint8Array.of((a >>> 24) & 0xfd, a >>> 16, a >>> 8, a, b >>> 24, b >>> 16, b >>> 8, b);
}

/** The site's unique local /48 (RFC 4193 fd00::/8 and a 40-bit global id, here a hash of the domain). */
export function ulaPrefix(domain: string, vlan: number): Uint8Array {
  const h = hashString(`ula/${domain}`), k = hashString(`ula2/${domain}`);
  return Uint8Array.of(0xfd, h >>> 24, h >>> 16, h >>> 8, h, k >>> 24, vlan >> 8, vlan & 255);
}

export function withIid(prefix: Uint8Array, iid: Uint8Array): Uint8Array {
  const b = new Uint8Array(16);
  b.set(prefix.subarray(0, 8), 0);
  b.set(iid, 8);
  return b;
}

export function linkLocal(iid: Uint8Array): Uint8Array {
  return withIid(Uint8Array.of(0xfe, 0x80, 0, 0, 0, 0, 0, 0), iid);
}

// ---------------------------------------------------------------------------------------------
// ICMPv6 (RFC 4443) neighbour discovery and MLD; the checksum (bytes 2-3) is left zero for net.ts.

const ND_SLLA = 1, ND_TLLA = 2, ND_PREFIX = 3, ND_MTU = 5;

function llaOption(w: ByteWriter, type: number, mac: Uint8Array): void {
  w.u8(type).u8(1).bytes(mac);
}

/** Router Solicitation (type 133) with the source link-layer option (omitted from the unspecified address). */
export function routerSolicitation(mac: Uint8Array | null): Buffer {
  const w = new ByteWriter(16);
  w.u8(133).u8(0).u16(0).u32(0);
  if (mac) llaOption(w, ND_SLLA, mac);
  return w.done();
}

/** Router Advertisement (type 134): SLAAC only (M and O clear), one /64 prefix, the link MTU. */
export function routerAdvertisement(mac: Uint8Array, prefix: Uint8Array): Buffer {
  const w = new ByteWriter(64);
  w.u8(134).u8(0).u16(0).u8(64).u8(0).u16(1800).u32(0).u32(0);
  llaOption(w, ND_SLLA, mac);
  w.u8(ND_MTU).u8(1).u16(0).u32(1500);
  // Prefix information: /64, on-link and autonomous, valid 30 days, preferred 7 days (Cisco IOS defaults).
  w.u8(ND_PREFIX).u8(4).u8(64).u8(0xc0).u32(2592000).u32(604800).u32(0).bytes(prefix.subarray(0, 8)).zeros(8);
  return w.done();
}

/** Neighbour Solicitation (type 135); `mac` null for duplicate address detection (RFC 4862 §5.4.2). */
export function neighbourSolicitation(target: Uint8Array, mac: Uint8Array | null): Buffer {
  const w = new ByteWriter(32);
  w.u8(135).u8(0).u16(0).u32(0).bytes(target);
  if (mac) llaOption(w, ND_SLLA, mac);
  return w.done();
}

/** Neighbour Advertisement (type 136) with the target link-layer option; flags R (router), S, O. */
export function neighbourAdvertisement(target: Uint8Array, mac: Uint8Array, router: boolean, solicited: boolean): Buffer {
  const w = new ByteWriter(32);
  w.u8(136).u8(0).u16(0).u8((router ? 0x80 : 0) | (solicited ? 0x40 : 0) | 0x20).zeros(3).bytes(target);
  llaOption(w, ND_TLLA, mac);
  return w.done();
}

/** MLDv2 Report (type 143): CHANGE_TO_EXCLUDE_MODE with no sources, i.e. joining each group (RFC 3810 §5.2). */
export function mldv2Report(groups: Uint8Array[]): Buffer {
  const w = new ByteWriter(8 + 20 * groups.length);
  w.u8(143).u8(0).u16(0).u16(0).u16(groups.length);
  for (const g of groups) w.u8(4).u8(0).u16(0).bytes(g);
  return w.done();
}

// ---------------------------------------------------------------------------------------------
// UDP payloads

/**
 * DHCPv6 Solicit (RFC 8415 §16.2) in the option order Windows writes: Elapsed Time, Client Identifier
 * (DUID-LLT), IA_NA, Client FQDN (RFC 4704), Vendor Class (enterprise 311, "MSFT 5.0"), Option Request.
 */
export function dhcpv6Solicit(xid: number, mac: Uint8Array, duidTime: number, iaid: number, fqdn: string, elapsedCs: number): Buffer {
  const w = new ByteWriter(160);
  w.u8(1).u8(xid >>> 16).u8(xid >>> 8).u8(xid);
  w.u16(8).u16(2).u16(Math.min(0xffff, elapsedCs));
  w.u16(1).u16(14).u16(1).u16(1).u32(duidTime).bytes(mac);
  w.u16(3).u16(12).u32(iaid).u32(0).u32(0);
  const labels = fqdn.split('.');
  const nameLen = labels.reduce((a, l) => a + l.length + 1, 1);
  // Flags 0: the client updates its own AAAA record (as Windows does).
  w.u16(39).u16(1 + nameLen).u8(0);
  for (const l of labels) w.u8(l.length).text(l);
  w.u8(0);
  w.u16(16).u16(14).u32(311).u16(8).text('MSFT 5.0');
  w.u16(6).u16(8).u16(17).u16(23).u16(24).u16(39);
  return w.done();
}

function dnsName(w: ByteWriter, name: string): void {
  for (const l of name.split('.')) w.u8(l.length).text(l);
  w.u8(0);
}

/** An mDNS query (RFC 6762 §5) for PTR records of `service`, e.g. `_ipp._tcp.local`. */
export function mdnsQuery(service: string): Buffer {
  const w = new ByteWriter(64);
  w.u16(0).u16(0).u16(1).u16(0).u16(0).u16(0);
  dnsName(w, service);
  w.u16(12).u16(1);
  return w.done();
}

/**
 * An unsolicited mDNS announcement (RFC 6762 §8.3) of one DNS-SD service instance (RFC 6763): PTR, SRV and TXT
 * in the answers, the host's AAAA addresses as additional records, cache-flush set on the unique records.
 */
export function mdnsAnnouncement(service: string, instance: string, host: string, port: number, txt: string[], addrs: Uint8Array[]): Buffer {
  const w = new ByteWriter(512);
  w.u16(0).u16(0x8400).u16(0).u16(3).u16(0).u16(addrs.length);
  const full = `${instance}.${service}`;
  const rr = (name: string, type: number, cls: number, ttl: number, rdata: (w: ByteWriter) => void): void => {
    dnsName(w, name);
    w.u16(type).u16(cls).u32(ttl);
    const at = w.mark();
    w.u16(0);
    rdata(w);
    w.setU16(at, w.pos - at - 2);
  };
  rr(service, 12, 1, 4500, (x) => dnsName(x, full));
  rr(full, 33, 0x8001, 120, (x) => {
    x.u16(0).u16(0).u16(port);
    dnsName(x, host);
  });
  rr(full, 16, 0x8001, 4500, (x) => {
    for (const t of txt) x.u8(t.length).text(t);
  });
  for (const a of addrs) rr(host, 28, 0x8001, 120, (x) => x.bytes(a));
  return w.done();
}

/** UDP header with a zero checksum (net.ts fills it in) before `data`. */
export function udp6(sport: number, dport: number, data: Uint8Array): Buffer {
  const w = new ByteWriter(8 + data.length);
  w.u16(sport).u16(dport).u16(8 + data.length).u16(0).bytes(data);
  return w.done();
}
