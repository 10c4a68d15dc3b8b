/**
 * Queries over the packet store: by address (any of a device's addresses), port, protocol, time window or
 * one 5-tuple flow (both directions). Only segments overlapping the window are opened, only their index is
 * scanned, and only matching packets are read from them.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { NO_PROTO } from './packet-index.js';
import { parseIp, type IpBytes } from './ip-bytes.js';
import { loadManifest, MANIFEST, segmentNames, type SegmentEntry } from './segment-manifest.js';
import { readSegment, type StoredPacket } from './segment-reader.js';

export interface FlowQuery {
  a: string;
  aPort: number;
  b: string;
  bPort: number;
  proto: number | string;
}

export interface PacketQuery {
  /** Packets from or to any of these addresses. */
  ips?: string[];
  /** Source or destination port. */
  port?: number;
  /** IP protocol number or name (tcp, udp, icmp, icmpv6, sctp). */
  proto?: number | string;
  /** Seconds since the epoch, inclusive. */
  from?: number;
  to?: number;
  flow?: FlowQuery;
}

export interface QueryResult {
  packets: StoredPacket[];
  /** Damaged files met on the way, each named; what was intact is in `packets`. */
  errors: string[];
  segmentsRead: number;
}

export class QueryError extends Error {}

const PROTOCOLS: Record<string, number> = { icmp: 1, tcp: 6, udp: 17, icmpv6: 58, sctp: 132 };

export function protocolNumber(p: number | string): number {
  if (typeof p === 'number') return p;
  const n = PROTOCOLS[p.toLowerCase()] ?? (/^\d+$/.test(p) ? Number(p) : NaN);
  if (!(n >= 0 && n < 255)) throw new QueryError(`unknown protocol "${p}" (give a number or one of ${Object.keys(PROTOCOLS).join(', ')})`);
  return n;
}

function address(text: string): IpBytes {
  const ip = parseIp(text);
  if (!ip) throw new QueryError(`"${text}" is not an IPv4 or IPv6 address`);
  return ip;
}

function sameAddress(index: Buffer, at: number, family: number, ip: IpBytes): boolean {
  if (family !== ip.family) return false;
  const n = family === 4 ? 4 : 16;
  return index.compare(ip.bytes, 0, n, at, at + n) === 0;
}

/** The index filter for a query (throws QueryError on a malformed query, before any file is read). */
export function compileQuery(q: PacketQuery): (index: Buffer, pos: number) => boolean {
  const ips = (q.ips ?? []).map(address);
  const port = q.port;
  if (port !== undefined && !(Number.isInteger(port) && port >= 0 && port <= 65535)) throw new QueryError(`port ${port} is not 0-65535`);
  const proto = q.proto === undefined ? undefined : protocolNumber(q.proto);
  const from = q.from ?? -Infinity;
  const to = q.to ?? Infinity;
  const flow = q.flow ? { a: address(q.flow.a), b: address(q.flow.b), aPort: q.flow.aPort, bPort: q.flow.bPort, proto: protocolNumber(q.flow.proto) } : null;
  return (index, pos) => {
    const ts = index.readUInt32LE(pos) + index.readUInt32LE(pos + 4) / 1e9;
    if (ts < from || ts > to) return false;
    const p = index[pos + 20];
    if (proto !== undefined && p !== proto) return false;
    const sp = index.readUInt16LE(pos + 16);
    const dp = index.readUInt16LE(pos + 18);
    if (port !== undefined && (p === NO_PROTO || (sp !== port && dp !== port))) return false;
    const family = index[pos + 21];
    if (ips.length > 0) {
      let hit = false;
      for (const ip of ips) if (sameAddress(index, pos + 24, family, ip) || sameAddress(index, pos + 40, family, ip)) hit = true;
      if (!hit) return false;
    }
    if (flow) {
      if (p !== flow.proto) return false;
      const forward = sp === flow.aPort && dp === flow.bPort && sameAddress(index, pos + 24, family, flow.a) && sameAddress(index, pos + 40, family, flow.b);
      const reverse = sp === flow.bPort && dp === flow.aPort && sameAddress(index, pos + 24, family, flow.b) && sameAddress(index, pos + 40, family, flow.a);
      if (!forward && !reverse) return false;
    }
    return true;
  };
}

/** Every stored packet matching `q`, in time order. */
export function queryPackets(dir: string, q: PacketQuery, key?: Buffer): QueryResult {
  if (!existsSync(join(dir, MANIFEST))) throw new QueryError(`${dir} is not a packet store (no ${MANIFEST})`);
  const filter = compileQuery(q);
  const manifest = loadManifest(dir);
  const segments: SegmentEntry[] = [...manifest.segments];
  // The segment being written (not yet in the manifest) is read too: its index never points past its data.
  const listed = new Set(manifest.segments.map((s) => s.file.replace(/\.enc$/, '')));
  for (const name of readdirSync(dir).sort()) {
    const m = /^seg-(\d+)\.pcapng$/.exec(name);
    if (!m || listed.has(name)) continue;
    const names = segmentNames(Number(m[1]));
    segments.push({ id: Number(m[1]), ...names, firstTs: -Infinity, lastTs: Infinity, packets: 0, bytes: 0, indexBytes: 0, encrypted: false });
  }
  const from = q.from ?? -Infinity;
  const to = q.to ?? Infinity;
  const packets: StoredPacket[] = [];
  const errors: string[] = [];
  let segmentsRead = 0;
  for (const s of segments) {
    if (s.lastTs < from || s.firstTs > to) continue;
    segmentsRead++;
    const r = readSegment(dir, s, filter, key);
    for (const p of r.packets) packets.push(p);
    errors.push(...r.errors);
  }
  // Stable: packets of equal time keep their capture order.
  packets.sort((x, y) => x.tsSec - y.tsSec || x.tsNsec - y.tsNsec);
  return { packets, errors, segmentsRead };
}

