/** Frame builders for the cases no capture can hold: crafted, malformed, pathological. */

export const MAC_A = '02:98:00:00:00:01';
export const MAC_B = '02:98:00:00:00:02';

const mac = (text: string) => Buffer.from(text.replace(/:/g, ''), 'hex');

export function ipv4Bytes(text: string): Buffer {
  return Buffer.from(text.split('.').map(Number));
}

/** IPv6 text to 16 bytes (accepts `::` and an IPv4 tail). */
export function ipv6Bytes(text: string): Buffer {
  let tail: number[] = [];
  let s = text;
  const v4 = s.match(/^(.*:)(\d+\.\d+\.\d+\.\d+)$/);
  if (v4) {
    const b = ipv4Bytes(v4[2]);
    tail = [(b[0] << 8) | b[1], (b[2] << 8) | b[3]];
    s = v4[1].endsWith('::') ? v4[1] : v4[1].slice(0, -1);
  }
  const [head, rest] = s.includes('::') ? s.split('::') : [s, null];
  const parse = (part: string) => (part === '' ? [] : part.split(':').map((g) => parseInt(g, 16)));
  const h = parse(head);
  const r = rest === null ? [] : parse(rest);
  const fill = rest === null ? 0 : 8 - h.length - r.length - tail.length;
  const groups = [...h, ...Array<number>(fill).fill(0), ...r, ...tail];
  if (groups.length !== 8) throw new Error(`bad IPv6 address ${text}`);
  const out = Buffer.alloc(16);
  groups.forEach((g, i) => out.writeUInt16BE(g, 2 * i));
  return out;
}

export function ethernet(etherType: number, payload: Buffer, src = MAC_A, dst = MAC_B): Buffer {
  const h = Buffer.alloc(14);
  mac(dst).copy(h, 0);
  mac(src).copy(h, 6);
  h.writeUInt16BE(etherType, 12);
  return Buffer.concat([h, payload]);
}

/** Ethernet with VLAN tags, outermost first: [tpid, vid]. */
export function tagged(tags: [number, number][], etherType: number, payload: Buffer): Buffer {
  const parts: Buffer[] = [];
  for (let i = 0; i < tags.length; i++) {
    const t = Buffer.alloc(4);
    t.writeUInt16BE(tags[i][1], 0);
    t.writeUInt16BE(i + 1 < tags.length ? tags[i + 1][0] : etherType, 2);
    parts.push(t);
  }
  return ethernet(tags[0][0], Buffer.concat([...parts, payload]));
}

export interface Ipv4Options {
  src?: string;
  dst?: string;
  proto?: number;
  ttl?: number;
  id?: number;
  /** Fragment offset in bytes (a multiple of 8). */
  fragmentOffset?: number;
  more?: boolean;
  options?: Buffer;
}

export function ipv4(payload: Buffer, o: Ipv4Options = {}): Buffer {
  const opts = o.options ?? Buffer.alloc(0);
  const ihl = 20 + opts.length;
  const h = Buffer.alloc(ihl);
  h[0] = 0x40 | (ihl / 4);
  h.writeUInt16BE(ihl + payload.length, 2);
  h.writeUInt16BE(o.id ?? 0x1234, 4);
  h.writeUInt16BE(((o.fragmentOffset ?? 0) / 8) | (o.more ? 0x2000 : 0), 6);
  h[8] = o.ttl ?? 64;
  h[9] = o.proto ?? 17;
  ipv4Bytes(o.src ?? '10.98.0.1').copy(h, 12);
  ipv4Bytes(o.dst ?? '10.98.0.2').copy(h, 16);
  opts.copy(h, 20);
  return Buffer.concat([h, payload]);
}

export function ipv6(payload: Buffer, o: { src?: string; dst?: string; next?: number; hlim?: number } = {}): Buffer {
  const h = Buffer.alloc(40);
  h.writeUInt32BE(0x60000000, 0);
  h.writeUInt16BE(payload.length, 4);
  h[6] = o.next ?? 17;
  h[7] = o.hlim ?? 64;
  ipv6Bytes(o.src ?? 'fd98::1').copy(h, 8);
  ipv6Bytes(o.dst ?? 'fd98::2').copy(h, 24);
  return Buffer.concat([h, payload]);
}

/** An IPv6 fragment header followed by the fragment's bytes. */
export function ipv6Fragment(next: number, offset: number, more: boolean, ident: number, data: Buffer): Buffer {
  const h = Buffer.alloc(8);
  h[0] = next;
  h.writeUInt16BE(offset | (more ? 1 : 0), 2);
  h.writeUInt32BE(ident, 4);
  return Buffer.concat([h, data]);
}

export function udp(sport: number, dport: number, data: Buffer): Buffer {
  const h = Buffer.alloc(8);
  h.writeUInt16BE(sport, 0);
  h.writeUInt16BE(dport, 2);
  h.writeUInt16BE(8 + data.length, 4);
  return Buffer.concat([h, data]);
}

export function tcp(sport: number, dport: number, seq: number, ack: number, flags: number, data: Buffer = Buffer.alloc(0)): Buffer {
  const h = Buffer.alloc(20);
  h.writeUInt16BE(sport, 0);
  h.writeUInt16BE(dport, 2);
  h.writeUInt32BE(seq >>> 0, 4);
  h.writeUInt32BE(ack >>> 0, 8);
  h[12] = 5 << 4;
  h[13] = flags;
  h.writeUInt16BE(65535, 14);
  return Buffer.concat([h, data]);
}

export function gre(protocol: number, payload: Buffer, o: { key?: number; seq?: number } = {}): Buffer {
  const parts: Buffer[] = [];
  let flags = 0;
  if (o.key !== undefined) {
    flags |= 0x2000;
    const k = Buffer.alloc(4);
    k.writeUInt32BE(o.key, 0);
    parts.push(k);
  }
  if (o.seq !== undefined) {
    flags |= 0x1000;
    const s = Buffer.alloc(4);
    s.writeUInt32BE(o.seq, 0);
    parts.push(s);
  }
  const h = Buffer.alloc(4);
  h.writeUInt16BE(flags, 0);
  h.writeUInt16BE(protocol, 2);
  return Buffer.concat([h, ...parts, payload]);
}

/** Split an IPv4 datagram's payload into fragments of `size` bytes (a multiple of 8). */
export function ipv4Fragments(payload: Buffer, size: number, o: Ipv4Options = {}): Buffer[] {
  const out: Buffer[] = [];
  for (let off = 0; off < payload.length; off += size) {
    const part = payload.subarray(off, off + size);
    out.push(ethernet(0x0800, ipv4(part, { ...o, fragmentOffset: off, more: off + size < payload.length })));
  }
  return out;
}
