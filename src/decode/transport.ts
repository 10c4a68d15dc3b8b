import type { DecodeErrors } from './decode-errors.js';
import { IPPROTO_ICMP, IPPROTO_ICMPV6, IPPROTO_TCP, IPPROTO_UDP, type DecodedPacket } from './decoded-packet.js';

const ICMPV6_NEIGHBOR_SOLICITATION = 135;
const ICMPV6_NEIGHBOR_ADVERTISEMENT = 136;
const ND_OPT_SOURCE_LINKADDR = 1;
const ND_OPT_TARGET_LINKADDR = 2;

/** Decode the transport header in `p.buf[offset..end)` for IP protocol `p.ipProto`. */
export function decodeTransport(p: DecodedPacket, buf: Buffer, offset: number, end: number, errors: DecodeErrors): void {
  p.buf = buf;
  p.l4Offset = offset;
  const avail = end - offset;
  switch (p.ipProto) {
    case IPPROTO_TCP: {
      if (avail < 20) {
        errors.count('tcp', 'truncated header');
        return;
      }
      const dataOffset = (buf[offset + 12] >> 4) * 4;
      if (dataOffset < 20) {
        errors.count('tcp', 'data offset below 20');
        return;
      }
      if (dataOffset > avail) {
        errors.count('tcp', 'options run past the captured packet');
        return;
      }
      p.srcPort = (buf[offset] << 8) | buf[offset + 1];
      p.dstPort = (buf[offset + 2] << 8) | buf[offset + 3];
      p.tcpSeq = ((buf[offset + 4] << 24) | (buf[offset + 5] << 16) | (buf[offset + 6] << 8) | buf[offset + 7]) >>> 0;
      p.tcpAck = ((buf[offset + 8] << 24) | (buf[offset + 9] << 16) | (buf[offset + 10] << 8) | buf[offset + 11]) >>> 0;
      p.tcpFlags = buf[offset + 13] | ((buf[offset + 12] & 0x01) << 8);
      p.tcpWindow = (buf[offset + 14] << 8) | buf[offset + 15];
      p.payloadOffset = offset + dataOffset;
      p.payloadLength = avail - dataOffset;
      return;
    }
    case IPPROTO_UDP: {
      if (avail < 8) {
        errors.count('udp', 'truncated header');
        return;
      }
      const length = (buf[offset + 4] << 8) | buf[offset + 5];
      // Length 0 is legal only for IPv6 jumbograms (RFC 2675); take the IP payload then.
      if (length !== 0 && length < 8) {
        errors.count('udp', 'length below 8');
        return;
      }
      p.srcPort = (buf[offset] << 8) | buf[offset + 1];
      p.dstPort = (buf[offset + 2] << 8) | buf[offset + 3];
      p.payloadOffset = offset + 8;
      p.payloadLength = length === 0 ? avail - 8 : Math.min(length, avail) - 8;
      return;
    }
    case IPPROTO_ICMP:
    case IPPROTO_ICMPV6: {
      if (avail < 4) {
        errors.count(p.ipProto === IPPROTO_ICMP ? 'icmp' : 'icmpv6', 'truncated header');
        return;
      }
      p.icmpType = buf[offset];
      p.icmpCode = buf[offset + 1];
      p.payloadOffset = offset + 4;
      p.payloadLength = avail - 4;
      if (p.ipProto === IPPROTO_ICMPV6) neighbourDiscovery(p, buf, offset, end);
      return;
    }
    default:
      p.payloadOffset = offset;
      p.payloadLength = avail;
  }
}

/**
 * RFC 4861 §4.3/4.4: a solicitation's source link-layer option binds the sender's address to its
 * MAC; an advertisement's target link-layer option binds the target address to the MAC.
 */
function neighbourDiscovery(p: DecodedPacket, buf: Buffer, offset: number, end: number): void {
  const type = p.icmpType;
  if (type !== ICMPV6_NEIGHBOR_SOLICITATION && type !== ICMPV6_NEIGHBOR_ADVERTISEMENT) return;
  if (end - offset < 24) return;
  let opt = offset + 24;
  while (end - opt >= 8) {
    const optType = buf[opt];
    const optLen = buf[opt + 1] * 8;
    if (optLen === 0 || opt + optLen > end) return;
    if (type === ICMPV6_NEIGHBOR_SOLICITATION && optType === ND_OPT_SOURCE_LINKADDR) {
      // An unspecified source (duplicate address detection) claims nothing.
      if (isUnspecified(p.addrBuf, p.srcAddrOffset)) return;
      p.bindBuf = p.addrBuf;
      p.bindIpOffset = p.srcAddrOffset;
      p.bindIpLength = 16;
      p.bindMacOffset = opt + 2;
      if (p.bindBuf !== buf) {
        // MAC and address live in different buffers only after reassembly; skip that rare case.
        p.bindMacOffset = -1;
      }
      return;
    }
    if (type === ICMPV6_NEIGHBOR_ADVERTISEMENT && optType === ND_OPT_TARGET_LINKADDR) {
      p.bindBuf = buf;
      p.bindIpOffset = offset + 8;
      p.bindIpLength = 16;
      p.bindMacOffset = opt + 2;
      return;
    }
    opt += optLen;
  }
}

function isUnspecified(buf: Buffer, offset: number): boolean {
  for (let i = 0; i < 16; i++) if (buf[offset + i] !== 0) return false;
  return true;
}
