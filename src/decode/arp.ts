import type { DecodeErrors } from './decode-errors.js';
import { L3_ARP, type DecodedPacket } from './decoded-packet.js';

/** RFC 826: htype(2) ptype(2) hlen(1) plen(1) oper(2) sha spa tha tpa. */
export function decodeArp(p: DecodedPacket, buf: Buffer, offset: number, end: number, errors: DecodeErrors): void {
  if (end - offset < 8) {
    errors.count('arp', 'truncated header');
    return;
  }
  const hlen = buf[offset + 4];
  const plen = buf[offset + 5];
  if (end - offset < 8 + 2 * (hlen + plen)) {
    errors.count('arp', 'truncated addresses');
    return;
  }
  p.l3 = L3_ARP;
  p.l3Offset = offset;
  p.arpOp = (buf[offset + 6] << 8) | buf[offset + 7];
  const ptype = (buf[offset + 2] << 8) | buf[offset + 3];
  if (hlen !== 6 || plen !== 4 || ptype !== 0x0800) return;
  const spa = offset + 8 + hlen;
  // A sender address of 0.0.0.0 is an RFC 5227 probe: it claims nothing.
  if (buf[spa] === 0 && buf[spa + 1] === 0 && buf[spa + 2] === 0 && buf[spa + 3] === 0) return;
  p.bindBuf = buf;
  p.bindMacOffset = offset + 8;
  p.bindIpOffset = spa;
  p.bindIpLength = 4;
}
