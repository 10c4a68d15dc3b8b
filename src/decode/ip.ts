import type { DecodeErrors } from './decode-errors.js';
import {
  IPPROTO_GRE,
  IPPROTO_IPIP,
  IPPROTO_IPV6,
  L3_IPV4,
  L3_IPV6,
  type DecodedPacket,
} from './decoded-packet.js';
import type { FragmentReassembler } from './fragment-reassembler.js';
import { decodeEthernet, ETHERTYPE_IPV4, ETHERTYPE_IPV6 } from './link-layer.js';
import { decodeTransport } from './transport.js';

export interface IpContext {
  errors: DecodeErrors;
  ipv4Fragments: FragmentReassembler;
  ipv6Fragments: FragmentReassembler;
}

/** Tunnels nest; a bound keeps a crafted packet from recursing without end. */
const MAX_TUNNEL_DEPTH = 4;
const MAX_IPV6_EXTENSION_HEADERS = 16;

const GRE_TEB = 0x6558;
const GRE_ERSPAN_II = 0x88be;
const GRE_ERSPAN_III = 0x22eb;

export function decodeIp(ctx: IpContext, p: DecodedPacket, etherType: number, buf: Buffer, offset: number, end: number, depth = 0): void {
  if (etherType === ETHERTYPE_IPV4) decodeIpv4(ctx, p, buf, offset, end, depth);
  else if (etherType === ETHERTYPE_IPV6) decodeIpv6(ctx, p, buf, offset, end, depth);
}

/** RFC 791. */
export function decodeIpv4(ctx: IpContext, p: DecodedPacket, buf: Buffer, offset: number, end: number, depth = 0): void {
  const errors = ctx.errors;
  if (end - offset < 20) return errors.count('ipv4', 'truncated header');
  const vihl = buf[offset];
  if (vihl >> 4 !== 4) return errors.count('ipv4', 'version is not 4');
  const ihl = (vihl & 0x0f) * 4;
  if (ihl < 20) return errors.count('ipv4', 'header length below 20');
  if (end - offset < ihl) return errors.count('ipv4', 'truncated options');
  const totalLength = (buf[offset + 2] << 8) | buf[offset + 3];
  // Total length 0 is what segmentation offload writes; trust the captured length then.
  if (totalLength !== 0 && totalLength < ihl) return errors.count('ipv4', 'total length below header length');
  const ipEnd = totalLength === 0 ? end : Math.min(end, offset + totalLength);
  p.l3 = L3_IPV4;
  p.l3Offset = offset;
  p.addrBuf = buf;
  p.addrLength = 4;
  p.srcAddrOffset = offset + 12;
  p.dstAddrOffset = offset + 16;
  p.ttl = buf[offset + 8];
  p.ipProto = buf[offset + 9];
  const flagsFragment = (buf[offset + 6] << 8) | buf[offset + 7];
  const more = (flagsFragment & 0x2000) !== 0;
  const fragmentOffset = (flagsFragment & 0x1fff) * 8;
  if (more || fragmentOffset !== 0) {
    p.fragment = true;
    if (totalLength !== 0 && offset + totalLength > end) return errors.count('ipv4', 'fragment cut by snaplen');
    const key = `4:${buf.readUInt32BE(offset + 12)}:${buf.readUInt32BE(offset + 16)}:${(buf[offset + 4] << 8) | buf[offset + 5]}:${p.ipProto}`;
    const whole = ctx.ipv4Fragments.add(key, p.ts, fragmentOffset, more, buf, offset + ihl, ipEnd - offset - ihl);
    if (!whole) return;
    p.fragment = false;
    p.reassembled = true;
    return payload(ctx, p, whole, 0, whole.length, depth);
  }
  payload(ctx, p, buf, offset + ihl, ipEnd, depth);
}

/** RFC 8200. */
export function decodeIpv6(ctx: IpContext, p: DecodedPacket, buf: Buffer, offset: number, end: number, depth = 0): void {
  const errors = ctx.errors;
  if (end - offset < 40) return errors.count('ipv6', 'truncated header');
  if (buf[offset] >> 4 !== 6) return errors.count('ipv6', 'version is not 6');
  const payloadLength = (buf[offset + 4] << 8) | buf[offset + 5];
  // Payload length 0 with a hop-by-hop jumbo option (RFC 2675): trust the captured length.
  const ipEnd = payloadLength === 0 ? end : Math.min(end, offset + 40 + payloadLength);
  p.l3 = L3_IPV6;
  p.l3Offset = offset;
  p.addrBuf = buf;
  p.addrLength = 16;
  p.srcAddrOffset = offset + 8;
  p.dstAddrOffset = offset + 24;
  p.ttl = buf[offset + 7];
  let next = buf[offset + 6];
  let pos = offset + 40;
  for (let n = 0; n < MAX_IPV6_EXTENSION_HEADERS; n++) {
    switch (next) {
      case 0: // hop-by-hop options
      case 43: // routing
      case 60: // destination options
      case 135: // mobility
      case 139: // HIP
      case 140: {
        // shim6
        if (ipEnd - pos < 8) return errors.count('ipv6', 'truncated extension header');
        next = buf[pos];
        pos += (buf[pos + 1] + 1) * 8;
        continue;
      }
      case 51: {
        // AH: "Payload Len: ... length of AH in 4-octet units, minus 2" (RFC 4302)
        if (ipEnd - pos < 8) return errors.count('ipv6', 'truncated authentication header');
        next = buf[pos];
        pos += (buf[pos + 1] + 2) * 4;
        continue;
      }
      case 44: {
        if (ipEnd - pos < 8) return errors.count('ipv6', 'truncated fragment header');
        const nextHeader = buf[pos];
        const field = (buf[pos + 2] << 8) | buf[pos + 3];
        const fragmentOffset = field & 0xfff8;
        const more = (field & 1) !== 0;
        p.ipProto = nextHeader;
        if (!more && fragmentOffset === 0) {
          // An atomic fragment (RFC 6946): not fragmented at all.
          next = nextHeader;
          pos += 8;
          continue;
        }
        p.fragment = true;
        if (payloadLength !== 0 && offset + 40 + payloadLength > end) return errors.count('ipv6', 'fragment cut by snaplen');
        const key = `6:${buf.toString('latin1', offset + 8, offset + 40)}:${buf.readUInt32BE(pos + 4)}`;
        const whole = ctx.ipv6Fragments.add(key, p.ts, fragmentOffset, more, buf, pos + 8, ipEnd - pos - 8);
        if (!whole) return;
        p.fragment = false;
        p.reassembled = true;
        return payload(ctx, p, whole, 0, whole.length, depth);
      }
      default:
        if (pos > ipEnd) return errors.count('ipv6', 'extension headers run past the packet');
        p.ipProto = next;
        return payload(ctx, p, buf, pos, ipEnd, depth);
    }
  }
  errors.count('ipv6', 'too many extension headers');
}

function payload(ctx: IpContext, p: DecodedPacket, buf: Buffer, offset: number, end: number, depth: number): void {
  const proto = p.ipProto;
  if (proto === IPPROTO_IPIP || proto === IPPROTO_IPV6 || proto === IPPROTO_GRE) {
    if (depth >= MAX_TUNNEL_DEPTH) return ctx.errors.count('tunnel', 'nested too deep');
    if (proto === IPPROTO_IPIP) return decodeIpv4(ctx, p, buf, offset, end, depth + 1);
    if (proto === IPPROTO_IPV6) return decodeIpv6(ctx, p, buf, offset, end, depth + 1);
    return decodeGre(ctx, p, buf, offset, end, depth + 1);
  }
  decodeTransport(p, buf, offset, end, ctx.errors);
}

/** RFC 2784/2890 GRE, and the ERSPAN encapsulations mirror ports commonly use. */
function decodeGre(ctx: IpContext, p: DecodedPacket, buf: Buffer, offset: number, end: number, depth: number): void {
  const errors = ctx.errors;
  if (end - offset < 4) return errors.count('gre', 'truncated header');
  const flags = buf[offset];
  const version = buf[offset + 1] & 0x07;
  // Version 1 is PPTP's enhanced GRE, carrying PPP: no further decoding.
  if (version !== 0) return decodeTransport(p, buf, offset, end, errors);
  let pos = offset + 4;
  if (flags & 0xc0) pos += 4; // checksum (and, with routing, the offset word)
  if (flags & 0x20) pos += 4; // key
  if (flags & 0x10) pos += 4; // sequence number
  if (pos > end) return errors.count('gre', 'truncated header');
  const protocol = (buf[offset + 2] << 8) | buf[offset + 3];
  if (protocol === ETHERTYPE_IPV4 || protocol === ETHERTYPE_IPV6) return decodeIp(ctx, p, protocol, buf, pos, end, depth);
  if (protocol === GRE_ERSPAN_II) pos += 8;
  else if (protocol === GRE_ERSPAN_III) {
    if (end - pos < 12) return errors.count('erspan', 'truncated header');
    pos += (buf[pos + 11] & 0x01) !== 0 ? 20 : 12;
  } else if (protocol !== GRE_TEB) {
    p.ipProto = -1;
    return;
  }
  if (pos > end) return errors.count('erspan', 'truncated header');
  // The mirrored frame is an Ethernet frame of its own: decode it as the packet.
  p.frame = buf;
  const l3 = decodeEthernet(p, buf, pos, end, errors);
  if (l3 < 0) return;
  decodeIp(ctx, p, p.etherType, buf, l3, end, depth);
}
