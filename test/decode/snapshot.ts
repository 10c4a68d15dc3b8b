/** Plain-object views of a decoded packet, for comparing against tshark and across decodes. */
import { ipText, macText } from '../../src/decode/address-text.js';
import { L3_ARP, L3_IPV4, L3_IPV6, type DecodedPacket } from '../../src/decode/decoded-packet.js';

export const L3_NAMES: Record<number, string> = { 0: 'none', [L3_IPV4]: 'ipv4', [L3_IPV6]: 'ipv6', [L3_ARP]: 'arp' };

export interface Snapshot {
  srcMac: string | null;
  dstMac: string | null;
  vlan: number;
  vlanOuter: number;
  l3: string;
  src: string | null;
  dst: string | null;
  ttl: number | null;
  ipProto: number;
  fragment: boolean;
  reassembled: boolean;
  srcPort: number;
  dstPort: number;
  tcpFlags: number;
  tcpSeq: number;
  tcpAck: number;
  tcpWindow: number;
  payloadLength: number;
  icmpType: number;
  icmpCode: number;
  arpOp: number;
  bind: { mac: string; ip: string } | null;
}

export function snapshot(p: DecodedPacket): Snapshot {
  const ip = p.l3 === L3_IPV4 || p.l3 === L3_IPV6;
  return {
    srcMac: p.srcMacOffset >= 0 ? macText(p.frame, p.srcMacOffset) : null,
    dstMac: p.dstMacOffset >= 0 ? macText(p.frame, p.dstMacOffset) : null,
    vlan: p.vlan,
    vlanOuter: p.vlanOuter,
    l3: L3_NAMES[p.l3],
    src: ip ? ipText(p.addrBuf, p.srcAddrOffset, p.addrLength) : null,
    dst: ip ? ipText(p.addrBuf, p.dstAddrOffset, p.addrLength) : null,
    ttl: ip ? p.ttl : null,
    ipProto: p.ipProto,
    fragment: p.fragment,
    reassembled: p.reassembled,
    srcPort: p.srcPort,
    dstPort: p.dstPort,
    tcpFlags: p.tcpFlags,
    tcpSeq: p.tcpSeq,
    tcpAck: p.tcpAck,
    tcpWindow: p.tcpWindow,
    payloadLength: p.payloadLength,
    icmpType: p.icmpType,
    icmpCode: p.icmpCode,
    arpOp: p.arpOp,
    bind: p.bindMacOffset >= 0 ? { mac: macText(p.bindBuf, p.bindMacOffset), ip: ipText(p.bindBuf, p.bindIpOffset, p.bindIpLength) } : null,
  };
}

export function pick<T extends object>(o: T, keys: string[]): Partial<T> {
  const out: Record<string, unknown> = {};
  for (const k of keys) out[k] = (o as Record<string, unknown>)[k];
  return out as Partial<T>;
}
