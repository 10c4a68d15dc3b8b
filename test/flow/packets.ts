/** Packets for the flow tests: real frames through the real decoder, or a DecodedPacket filled directly. */
import { LINKTYPE_ETHERNET } from '../../src/capture/link-type.js';
import { DecodedPacket, IPPROTO_ICMP, IPPROTO_TCP, IPPROTO_UDP, L3_IPV4, L3_IPV6 } from '../../src/decode/decoded-packet.js';
import { PacketDecoder } from '../../src/decode/packet-decoder.js';
import type { FlowDissection } from '../../src/flow/flow-dissection.js';
import type { FlowTable } from '../../src/flow/flow-table.js';
import { ethernet, ipv4, ipv4Bytes, ipv6, ipv6Bytes, tagged, tcp, udp } from '../decode/build.js';

export const FIN = 0x01;
export const SYN = 0x02;
export const RST = 0x04;
export const PSH = 0x08;
export const ACK = 0x10;

export interface Spec {
  /** `ip:port` or `[ipv6]:port` (port optional for ICMP). */
  from: string;
  to: string;
  proto?: 'tcp' | 'udp' | 'icmp';
  ts: number;
  flags?: number;
  seq?: number;
  ack?: number;
  data?: Buffer | string;
  vlan?: number;
  vlanOuter?: number;
  srcMac?: string;
  dstMac?: string;
}

export function parseEndpoint(text: string): { ip: string; port: number; v6: boolean } {
  const m6 = text.match(/^\[(.+)\](?::(\d+))?$/);
  if (m6) return { ip: m6[1], port: Number(m6[2] ?? 0), v6: true };
  const [ip, port] = text.split(':');
  return { ip, port: Number(port ?? 0), v6: false };
}

export function frameOf(s: Spec): Buffer {
  const a = parseEndpoint(s.from);
  const b = parseEndpoint(s.to);
  const data = typeof s.data === 'string' ? Buffer.from(s.data) : (s.data ?? Buffer.alloc(0));
  const proto = s.proto ?? 'tcp';
  let l4: Buffer;
  let number: number;
  if (proto === 'tcp') {
    l4 = tcp(a.port, b.port, s.seq ?? 0, s.ack ?? 0, s.flags ?? ACK, data);
    number = 6;
  } else if (proto === 'udp') {
    l4 = udp(a.port, b.port, data);
    number = 17;
  } else {
    l4 = Buffer.concat([Buffer.from([8, 0, 0, 0, 0, 1, 0, 1]), data]);
    number = a.v6 ? 58 : 1;
    if (a.v6) l4[0] = 128;
  }
  const l3 = a.v6 ? ipv6(l4, { src: a.ip, dst: b.ip, next: number }) : ipv4(l4, { src: a.ip, dst: b.ip, proto: number });
  const type = a.v6 ? 0x86dd : 0x0800;
  let frame: Buffer;
  if (s.vlanOuter) frame = tagged([[0x88a8, s.vlanOuter], [0x8100, s.vlan ?? 0]], type, l3);
  else if (s.vlan) frame = tagged([[0x8100, s.vlan]], type, l3);
  else frame = ethernet(type, l3);
  if (s.srcMac) Buffer.from(s.srcMac.replace(/:/g, ''), 'hex').copy(frame, 6);
  if (s.dstMac) Buffer.from(s.dstMac.replace(/:/g, ''), 'hex').copy(frame, 0);
  return frame;
}

export interface Sent {
  id: number;
  dir: 0 | 1;
  isNew: boolean;
}

/** Frames through the decoder into a flow table (and dissection, when given). */
export class Wire {
  readonly decoder = new PacketDecoder();
  constructor(
    readonly flows: FlowTable,
    readonly dissection: FlowDissection | null = null,
  ) {}

  send(s: Spec): Sent {
    return this.sendFrame(frameOf(s), s.ts);
  }

  sendFrame(frame: Buffer, ts: number): Sent {
    const p = this.decoder.decodeFrame(frame, 0, frame.length, frame.length, LINKTYPE_ETHERNET, ts);
    if (p.l3 !== L3_IPV4 && p.l3 !== L3_IPV6) throw new Error('not an IP frame');
    const id = this.flows.update(p);
    this.dissection?.packet(id, p);
    return { id, dir: this.flows.direction, isNew: this.flows.isNew };
  }
}

/** A DecodedPacket filled directly (no frame), for the fast randomized tests. */
export class RawPackets {
  readonly p = new DecodedPacket();
  private readonly addrs = Buffer.alloc(32);

  /** `src`/`dst`: IPv4 dotted quad or IPv6 text. */
  make(src: string, dst: string, proto: number, sport: number, dport: number, flags: number, ts: number, vlan = 0): DecodedPacket {
    const p = this.p;
    p.reset();
    const v6 = src.includes(':');
    if (v6) {
      ipv6Bytes(src).copy(this.addrs, 0);
      ipv6Bytes(dst).copy(this.addrs, 16);
    } else {
      ipv4Bytes(src).copy(this.addrs, 0);
      ipv4Bytes(dst).copy(this.addrs, 16);
    }
    p.l3 = v6 ? L3_IPV6 : L3_IPV4;
    p.addrBuf = this.addrs;
    p.addrLength = v6 ? 16 : 4;
    p.srcAddrOffset = 0;
    p.dstAddrOffset = 16;
    p.ipProto = proto;
    p.vlan = vlan;
    if (proto === IPPROTO_TCP || proto === IPPROTO_UDP) {
      p.srcPort = sport;
      p.dstPort = dport;
    }
    if (proto === IPPROTO_TCP) p.tcpFlags = flags;
    if (proto === IPPROTO_ICMP) p.icmpType = 8;
    p.ts = ts;
    p.wireLength = 60;
    return p;
  }
}
