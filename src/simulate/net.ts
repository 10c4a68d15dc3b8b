import { be16, be32, fold, sum16, sum16Wide } from './bytes.js';
import type { PcapngWriter } from './pcapng-writer.js';
import type { Rng } from './rng.js';

/** A network interface as the SPAN port sees it. */
export interface Iface {
  mac: Uint8Array;
  ip: number;
  /** 802.1Q VLAN id; 0 = untagged on the mirror. */
  vlan: number;
  tag: boolean;
  ttl: number;
  /** Network and mask of its subnet: off-subnet traffic is sent to the gateway MAC. */
  net: number;
  mask: number;
  gwMac: Uint8Array;
  ipId: number;
  /** Next ephemeral port (each OS family has its own range). */
  ephemeral: number;
  /** Its TCP stack's SYN habits (window, scale, option order: what p0f reads), a TCP_STACK_*; default by TTL. */
  tcpStack?: number;
  ephemeralLo: number;
  ephemeralHi: number;
}

export const BROADCAST_MAC = Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0xff, 0xff);
const ZERO_MAC = new Uint8Array(6);

export const TCP_FIN = 0x01, TCP_SYN = 0x02, TCP_RST = 0x04, TCP_PSH = 0x08, TCP_ACK = 0x10;
export const MSS = 1460;

/** Session bodies are generators yielding the microseconds until their next packet. */
export type Flow = Generator<number, void, void>;

export function nextPort(i: Iface): number {
  const p = i.ephemeral;
  i.ephemeral = p >= i.ephemeralHi ? i.ephemeralLo : p + 1;
  return p;
}

/**
 * Writes frames as a core-switch SPAN sees them: each packet once, on the sender's VLAN, from the
 * sender's MAC to the receiver's MAC (same subnet) or to the sender's gateway (routed).
 */
export class Net {
  now = 0;
  constructor(readonly w: PcapngWriter) {}

  private l2(o: Uint8Array, p: number, src: Iface, dstMac: Uint8Array, ethertype: number, srcMac = src.mac): number {
    // Byte by byte: TypedArray#set costs more than six stores for a 6-byte MAC, on every frame.
    o[p] = dstMac[0];
    o[p + 1] = dstMac[1];
    o[p + 2] = dstMac[2];
    o[p + 3] = dstMac[3];
    o[p + 4] = dstMac[4];
    o[p + 5] = dstMac[5];
    o[p + 6] = srcMac[0];
    o[p + 7] = srcMac[1];
    o[p + 8] = srcMac[2];
    o[p + 9] = srcMac[3];
    o[p + 10] = srcMac[4];
    o[p + 11] = srcMac[5];
    p += 12;
    if (src.tag) {
      be16(o, p, 0x8100);
      be16(o, p + 2, src.vlan);
      p += 4;
    }
    be16(o, p, ethertype);
    return p + 2;
  }

  private dstMacFor(src: Iface, dstIp: number, dst: Iface | null): Uint8Array {
    if (dstIp === 0xffffffff) return BROADCAST_MAC;
    if (dst && ((dstIp & src.mask) >>> 0) === src.net) return dst.mac;
    return src.gwMac;
  }

  /** IPv4 header (20 bytes, DF set as modern stacks do for TCP) with checksum. */
  private ip4(o: Uint8Array, p: number, src: Iface, srcIp: number, dstIp: number, proto: number, l4len: number, df: boolean): void {
    o[p] = 0x45;
    o[p + 1] = 0;
    be16(o, p + 2, 20 + l4len);
    be16(o, p + 4, src.ipId);
    src.ipId = (src.ipId + 1) & 0xffff;
    be16(o, p + 6, df ? 0x4000 : 0);
    o[p + 8] = src.ttl;
    o[p + 9] = proto;
    be16(o, p + 10, 0);
    be32(o, p + 12, srcIp);
    be32(o, p + 16, dstIp);
    be16(o, p + 10, ~fold(sum16(o, p, p + 20)) & 0xffff);
  }

  private pseudo(srcIp: number, dstIp: number, proto: number, len: number): number {
    return (srcIp >>> 16) + (srcIp & 0xffff) + (dstIp >>> 16) + (dstIp & 0xffff) + proto + len;
  }

  udp(src: Iface, dst: Iface | null, sport: number, dport: number, data: Uint8Array, opts?: { srcIp?: number; dstIp?: number; dstMac?: Uint8Array }): void {
    const o = this.w.out;
    const start = this.w.begin();
    const srcIp = opts?.srcIp ?? src.ip;
    const dstIp = opts?.dstIp ?? dst!.ip;
    let p = this.l2(o, start, src, opts?.dstMac ?? this.dstMacFor(src, dstIp, dst), 0x0800);
    const len = 8 + data.length;
    this.ip4(o, p, src, srcIp, dstIp, 17, len, false);
    p += 20;
    be16(o, p, sport);
    be16(o, p + 2, dport);
    be16(o, p + 4, len);
    be16(o, p + 6, 0);
    o.set(data, p + 8);
    // RFC 768: a computed zero is sent as all ones.
    const c = ~fold(sum16Wide(o, this.w.out32, p, p + len) + this.pseudo(srcIp, dstIp, 17, len)) & 0xffff;
    be16(o, p + 6, c === 0 ? 0xffff : c);
    this.finish(start, p + len);
  }

  tcp(src: Iface, dst: Iface, sport: number, dport: number, seq: number, ack: number, flags: number, win: number,
    data: Uint8Array | null, off = 0, n = 0, options: Uint8Array | null = null): void {
    const o = this.w.out;
    const start = this.w.begin();
    let p = this.l2(o, start, src, this.dstMacFor(src, dst.ip, dst), 0x0800);
    const hl = 20 + (options ? options.length : 0);
    const len = hl + n;
    this.ip4(o, p, src, src.ip, dst.ip, 6, len, true);
    p += 20;
    be16(o, p, sport);
    be16(o, p + 2, dport);
    be32(o, p + 4, seq);
    be32(o, p + 8, flags & TCP_ACK ? ack : 0);
    o[p + 12] = (hl / 4) << 4;
    o[p + 13] = flags;
    be16(o, p + 14, win);
    be32(o, p + 16, 0);
    if (options) o.set(options, p + 20);
    // A plain Uint8Array view: Buffer#subarray goes through the species constructor and showed up
    // as the top allocation cost when profiling.
    if (n > 0) o.set(new Uint8Array(data!.buffer, data!.byteOffset + off, n), p + hl);
    be16(o, p + 16, ~fold(sum16Wide(o, this.w.out32, p, p + len) + this.pseudo(src.ip, dst.ip, 6, len)) & 0xffff);
    this.finish(start, p + len);
  }

  icmpEcho(src: Iface, dst: Iface, type: 0 | 8, id: number, seq: number, payloadLen: number): void {
    const o = this.w.out;
    const start = this.w.begin();
    let p = this.l2(o, start, src, this.dstMacFor(src, dst.ip, dst), 0x0800);
    const len = 8 + payloadLen;
    this.ip4(o, p, src, src.ip, dst.ip, 1, len, false);
    p += 20;
    o[p] = type;
    o[p + 1] = 0;
    be16(o, p + 2, 0);
    be16(o, p + 4, id);
    be16(o, p + 6, seq);
    for (let i = 0; i < payloadLen; i++) o[p + 8 + i] = 0x61 + (i % 23);
    be16(o, p + 2, ~fold(sum16(o, p, p + len)) & 0xffff);
    this.finish(start, p + len);
  }

  /** ARP (RFC 826) for Ethernet/IPv4; op 1 request (broadcast unless `to` is given), 2 reply. */
  arp(src: Iface, op: 1 | 2, senderMac: Uint8Array, senderIp: number, targetMac: Uint8Array | null, targetIp: number, ethDst?: Uint8Array): void {
    const o = this.w.out;
    const start = this.w.begin();
    let p = this.l2(o, start, src, ethDst ?? (op === 1 ? BROADCAST_MAC : targetMac!), 0x0806, senderMac);
    be32(o, p, 0x00010800);
    be32(o, p + 4, 0x06040000 | op);
    o.set(senderMac, p + 8);
    be32(o, p + 14, senderIp);
    o.set(targetMac ?? ZERO_MAC, p + 18);
    be32(o, p + 24, targetIp);
    this.finish(start, p + 28);
  }

  /**
   * An IPv6 packet (RFC 8200) carrying a complete ICMPv6 message (58) or UDP datagram (17) whose checksum
   * is filled in here over the pseudo-header (§8.1). `routerAlert` adds the Hop-by-Hop Router Alert option
   * MLD messages carry (RFC 3810 §5, RFC 2711). Sent on `src`'s VLAN from `srcMac` (default its MAC).
   */
  ip6(src: Iface, dstMac: Uint8Array, srcIp: Uint8Array, dstIp: Uint8Array, proto: 17 | 58, hopLimit: number, l4: Uint8Array, routerAlert = false, srcMac = src.mac): void {
    const o = this.w.out;
    const start = this.w.begin();
    let p = this.l2(o, start, src, dstMac, 0x86dd, srcMac);
    const ext = routerAlert ? 8 : 0;
    be32(o, p, 0x60000000);
    be16(o, p + 4, ext + l4.length);
    o[p + 6] = routerAlert ? 0 : proto;
    o[p + 7] = hopLimit;
    o.set(srcIp, p + 8);
    o.set(dstIp, p + 24);
    p += 40;
    if (routerAlert) {
      // Next header, length 0 (8 octets), Router Alert (type 5, length 2, value 0 = MLD), PadN of 2 octets.
      o.set([proto, 0, 5, 2, 0, 0, 1, 0], p);
      p += 8;
    }
    o.set(l4, p);
    const ck = p + (proto === 58 ? 2 : 6);
    be16(o, ck, 0);
    const c = ~fold(sum16Wide(o, this.w.out32, p, p + l4.length) + sum16(srcIp, 0, 16) + sum16(dstIp, 0, 16) + l4.length + proto) & 0xffff;
    // UDP over IPv6 must carry a checksum; a computed zero is sent as all ones (RFC 8200 §8.1).
    be16(o, ck, c === 0 && proto === 17 ? 0xffff : c);
    this.finish(start, p + l4.length);
  }

  /** A raw untagged Ethernet frame (LLDP and other link-local protocols never carry a VLAN tag). */
  raw(srcMac: Uint8Array, dstMac: Uint8Array, ethertype: number, body: Uint8Array): void {
    const o = this.w.out;
    const start = this.w.begin();
    o.set(dstMac, start);
    o.set(srcMac, start + 6);
    be16(o, start + 12, ethertype);
    o.set(body, start + 14);
    this.finish(start, start + 14 + body.length);
  }

  private finish(start: number, end: number): void {
    let len = end - start;
    // Ethernet minimum frame (60 bytes before the FCS, which captures do not include).
    if (len < 60) {
      const o = this.w.out;
      for (let i = end; i < start + 60; i++) o[i] = 0;
      len = 60;
    }
    this.w.commit(this.now, len);
  }
}

/*
 * TCP stacks as their SYNs show them (what p0f v3 fingerprints; knowledge/fingerprints/p0f/p0f.fp):
 * Windows 10 and later (window 64240, scale 8: p0f's generic "Windows NT kernel"), Windows 7 (window 8192,
 * scale 8: "Windows 7 or 8"), Linux (window 20 × MSS, SACK, timestamps, scale 7: "Linux 3.11 and newer"),
 * embedded real-time stacks (MSS only, a small fixed window) and network equipment (IOS: MSS only, 4128).
 * Timestamps are offered in the handshake only; data segments carry no options.
 */
export const TCP_STACK_WINDOWS = 0;
export const TCP_STACK_WINDOWS7 = 1;
export const TCP_STACK_LINUX = 2;
export const TCP_STACK_EMBEDDED = 3;
export const TCP_STACK_NETWORK = 4;
const SYN_WINDOW = [64240, 8192, 29200, 5840, 4128];
const SYNACK_WINDOW = [65535, 8192, 28960, 5840, 4128];
const WINDOWS_OPTIONS = Uint8Array.of(2, 4, 5, 0xb4, 1, 3, 3, 8, 1, 1, 4, 2);
const MSS_ONLY = Uint8Array.of(2, 4, 5, 0xb4);
const SYN_OPTIONS = [WINDOWS_OPTIONS, WINDOWS_OPTIONS, MSS_ONLY, MSS_ONLY, MSS_ONLY];
const SYNACK_OPTIONS = [WINDOWS_OPTIONS, WINDOWS_OPTIONS, MSS_ONLY, MSS_ONLY, MSS_ONLY];

/** The stack of an interface: its own, else by initial TTL (128 Windows, 255 network gear, else Linux). */
export function stackOf(i: Iface): number {
  return i.tcpStack ?? (i.ttl === 128 ? TCP_STACK_WINDOWS : i.ttl === 255 ? TCP_STACK_NETWORK : TCP_STACK_LINUX);
}

/** The stack an operating system's name implies. */
export function stackForOs(os: string, ttl: number): number {
  if (/windows 7|windows server 2008/i.test(os)) return TCP_STACK_WINDOWS7;
  if (ttl === 128 || /windows/i.test(os)) return TCP_STACK_WINDOWS;
  if (ttl === 255) return TCP_STACK_NETWORK;
  if (/linux|android|futuresmart|link-os|ubuntu|red hat|debian/i.test(os)) return TCP_STACK_LINUX;
  return TCP_STACK_EMBEDDED;
}

/** A millisecond TSval clock per host, offset by its address so hosts differ (RFC 7323 §5.4). */
function tsClock(net: Net, i: Iface): number {
  return (Math.floor(net.now / 1000) + Math.imul(i.ip, 2654435761)) >>> 0;
}

/** RFC 793 conversation state with MSS segmentation and delayed ACKs (one per two segments). */
export class Tcp {
  cSeq: number;
  sSeq: number;
  cWin: number;
  sWin: number;
  constructor(readonly net: Net, readonly c: Iface, readonly s: Iface, readonly cPort: number, readonly sPort: number,
    rng: Rng, readonly rtt = 400) {
    this.cSeq = rng.u32();
    this.sSeq = rng.u32();
    this.cWin = SYN_WINDOW[stackOf(c)];
    this.sWin = SYNACK_WINDOW[stackOf(s)];
  }

  /** The SYN's options as the client's stack orders them (TSval from a per-host clock, RFC 7323). */
  private synOpts(): Uint8Array {
    const stack = stackOf(this.c);
    if (stack !== TCP_STACK_LINUX) return SYN_OPTIONS[stack];
    const o = Uint8Array.of(2, 4, 5, 0xb4, 4, 2, 8, 10, 0, 0, 0, 0, 0, 0, 0, 0, 1, 3, 3, 7);
    be32(o, 8, tsClock(this.net, this.c));
    return o;
  }

  /** The SYN+ACK's: the server's stack, answering only the options the SYN offered (timestamps). */
  private synAckOpts(): Uint8Array {
    const stack = stackOf(this.s);
    if (stack === TCP_STACK_LINUX) {
      if (stackOf(this.c) !== TCP_STACK_LINUX) return Uint8Array.of(2, 4, 5, 0xb4, 1, 1, 4, 2, 1, 3, 3, 7);
      const o = Uint8Array.of(2, 4, 5, 0xb4, 4, 2, 8, 10, 0, 0, 0, 0, 0, 0, 0, 0, 1, 3, 3, 7);
      be32(o, 8, tsClock(this.net, this.s));
      be32(o, 12, tsClock(this.net, this.c));
      return o;
    }
    return SYNACK_OPTIONS[stack];
  }

  /** Three-way handshake; returns false (after SYN, RST/ACK) when the port is closed. */
  *open(accept = true): Generator<number, boolean, void> {
    const { net, c, s } = this;
    net.tcp(c, s, this.cPort, this.sPort, this.cSeq, 0, TCP_SYN, this.cWin, null, 0, 0, this.synOpts());
    this.cSeq = (this.cSeq + 1) >>> 0;
    yield this.rtt / 2;
    if (!accept) {
      net.tcp(s, c, this.sPort, this.cPort, 0, this.cSeq, TCP_RST | TCP_ACK, 0, null);
      return false;
    }
    net.tcp(s, c, this.sPort, this.cPort, this.sSeq, this.cSeq, TCP_SYN | TCP_ACK, this.sWin, null, 0, 0, this.synAckOpts());
    this.sSeq = (this.sSeq + 1) >>> 0;
    yield this.rtt / 2;
    net.tcp(c, s, this.cPort, this.sPort, this.cSeq, this.sSeq, TCP_ACK, this.cWin, null);
    return true;
  }

  /** Sends `data` from client (dir 0) or server (dir 1); the peer ACKs every second segment and the last. */
  *send(dir: 0 | 1, data: Uint8Array, ackLast = true): Flow {
    const { net } = this;
    const a = dir === 0 ? this.c : this.s;
    const b = dir === 0 ? this.s : this.c;
    const ap = dir === 0 ? this.cPort : this.sPort;
    const bp = dir === 0 ? this.sPort : this.cPort;
    let segs = 0;
    for (let off = 0; off < data.length; off += MSS) {
      const n = Math.min(MSS, data.length - off);
      const last = off + n >= data.length;
      const seq = dir === 0 ? this.cSeq : this.sSeq;
      const ack = dir === 0 ? this.sSeq : this.cSeq;
      net.tcp(a, b, ap, bp, seq, ack, TCP_ACK | (last ? TCP_PSH : 0), dir === 0 ? this.cWin : this.sWin, data, off, n);
      if (dir === 0) this.cSeq = (this.cSeq + n) >>> 0;
      else this.sSeq = (this.sSeq + n) >>> 0;
      segs++;
      // ~1 Gb/s serialisation: 12 µs per full segment.
      yield 12 + (n >> 7);
      if ((segs & 1) === 0 || (last && ackLast)) {
        const rseq = dir === 0 ? this.sSeq : this.cSeq;
        const rack = dir === 0 ? this.cSeq : this.sSeq;
        net.tcp(b, a, bp, ap, rseq, rack, TCP_ACK, dir === 0 ? this.sWin : this.cWin, null);
        yield last ? this.rtt / 2 : 8;
      }
    }
  }

  /** Request then response, the response carrying the ACK (no separate pure ACK for the request). */
  *exchange(req: Uint8Array, rsp: Uint8Array, thinkUs = 2000): Flow {
    yield* this.send(0, req, req.length > MSS);
    yield thinkUs;
    yield* this.send(1, rsp);
  }

  /** Client-initiated FIN/ACK, FIN/ACK, ACK. */
  *close(fromServer = false): Flow {
    const { net, c, s } = this;
    if (!fromServer) {
      net.tcp(c, s, this.cPort, this.sPort, this.cSeq, this.sSeq, TCP_FIN | TCP_ACK, this.cWin, null);
      this.cSeq = (this.cSeq + 1) >>> 0;
      yield this.rtt / 2;
      net.tcp(s, c, this.sPort, this.cPort, this.sSeq, this.cSeq, TCP_FIN | TCP_ACK, this.sWin, null);
      this.sSeq = (this.sSeq + 1) >>> 0;
      yield this.rtt / 2;
      net.tcp(c, s, this.cPort, this.sPort, this.cSeq, this.sSeq, TCP_ACK, this.cWin, null);
    } else {
      net.tcp(s, c, this.sPort, this.cPort, this.sSeq, this.cSeq, TCP_FIN | TCP_ACK, this.sWin, null);
      this.sSeq = (this.sSeq + 1) >>> 0;
      yield this.rtt / 2;
      net.tcp(c, s, this.cPort, this.sPort, this.cSeq, this.sSeq, TCP_FIN | TCP_ACK, this.cWin, null);
      this.cSeq = (this.cSeq + 1) >>> 0;
      yield this.rtt / 2;
      net.tcp(s, c, this.sPort, this.cPort, this.sSeq, this.cSeq, TCP_ACK, this.sWin, null);
    }
  }
}
