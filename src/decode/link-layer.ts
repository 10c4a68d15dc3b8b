import {
  DLT_RAW_BSD,
  DLT_RAW_OPENBSD,
  LINKTYPE_ETHERNET,
  LINKTYPE_IPV4,
  LINKTYPE_IPV6,
  LINKTYPE_LINUX_SLL,
  LINKTYPE_LINUX_SLL2,
  LINKTYPE_LOOP,
  LINKTYPE_NULL,
  LINKTYPE_RAW,
} from '../capture/link-type.js';
import type { DecodeErrors } from './decode-errors.js';
import { LINK_PROTO_CDP, LINK_PROTO_LLDP, type DecodedPacket } from './decoded-packet.js';

export const ETHERTYPE_IPV4 = 0x0800;
export const ETHERTYPE_ARP = 0x0806;
export const ETHERTYPE_VLAN = 0x8100;
export const ETHERTYPE_QINQ = 0x88a8;
export const ETHERTYPE_QINQ_OLD = 0x9100;
export const ETHERTYPE_IPV6 = 0x86dd;
export const ETHERTYPE_PPPOE_SESSION = 0x8864;
export const ETHERTYPE_MPLS = 0x8847;
export const ETHERTYPE_MPLS_MULTICAST = 0x8848;
export const ETHERTYPE_LLDP = 0x88cc;
/** Pseudo ether type for 802.3 frames with an LLC header that is not SNAP (STP, NetBEUI...). */
export const ETHERTYPE_LLC = 0x10000;
/** Pseudo ether type for frames whose link type carries no ether type; see `etherTypeFromIp`. */
export const ETHERTYPE_NONE = -1;

const MAX_VLAN_TAGS = 4;
const MAX_MPLS_LABELS = 8;

/**
 * Decode the link layer of `p.frame` from `offset`. Sets MACs, VLANs and `p.etherType`; returns
 * the offset of the layer-3 header, or -1 (after counting why) when nothing above can be found.
 */
export function decodeLinkLayer(p: DecodedPacket, linkType: number, offset: number, end: number, errors: DecodeErrors): number {
  const buf = p.frame;
  switch (linkType) {
    case LINKTYPE_ETHERNET:
      return decodeEthernet(p, buf, offset, end, errors);
    case LINKTYPE_RAW:
    case DLT_RAW_BSD:
    case DLT_RAW_OPENBSD:
      if (end - offset < 1) return fail(errors, 'raw', 'empty frame');
      return etherTypeFromIp(p, buf[offset] >> 4, offset, errors);
    case LINKTYPE_IPV4:
      p.etherType = ETHERTYPE_IPV4;
      return offset;
    case LINKTYPE_IPV6:
      p.etherType = ETHERTYPE_IPV6;
      return offset;
    case LINKTYPE_NULL:
    case LINKTYPE_LOOP: {
      if (end - offset < 4) return fail(errors, 'loopback', 'truncated header');
      // NULL stores the address family in the capturing host's byte order; accept either.
      const le = buf.readUInt32LE(offset);
      const be = buf.readUInt32BE(offset);
      const family = linkType === LINKTYPE_LOOP ? be : le <= 0xffff ? le : be;
      if (family === 2) p.etherType = ETHERTYPE_IPV4;
      // AF_INET6 is 10 on Linux, 24 on NetBSD/OpenBSD, 28 on FreeBSD, 30 on macOS.
      else if (family === 24 || family === 28 || family === 30 || family === 10) p.etherType = ETHERTYPE_IPV6;
      else return fail(errors, 'loopback', `unknown address family ${family}`);
      return offset + 4;
    }
    case LINKTYPE_LINUX_SLL: {
      // packet type(2) ARPHRD type(2) address length(2) address(8) protocol(2)
      if (end - offset < 16) return fail(errors, 'sll', 'truncated header');
      const arphrd = (buf[offset + 2] << 8) | buf[offset + 3];
      const addrLen = (buf[offset + 4] << 8) | buf[offset + 5];
      if (arphrd === 1 && addrLen === 6) p.srcMacOffset = offset + 6;
      return cookedProtocol(p, buf, (buf[offset + 14] << 8) | buf[offset + 15], offset + 16, end, errors);
    }
    case LINKTYPE_LINUX_SLL2: {
      // protocol(2) reserved(2) interface index(4) ARPHRD type(2) packet type(1) address length(1) address(8)
      if (end - offset < 20) return fail(errors, 'sll2', 'truncated header');
      const arphrd = (buf[offset + 8] << 8) | buf[offset + 9];
      if (arphrd === 1 && buf[offset + 11] === 6) p.srcMacOffset = offset + 12;
      return cookedProtocol(p, buf, (buf[offset] << 8) | buf[offset + 1], offset + 20, end, errors);
    }
    default:
      errors.count('link', `unsupported link type ${linkType}`);
      return -1;
  }
}

function cookedProtocol(p: DecodedPacket, buf: Buffer, protocol: number, offset: number, end: number, errors: DecodeErrors): number {
  // Values below 0x0600 are Linux ETH_P_* pseudo protocols (802.3, 802.2 LLC, CAN...), not ether types.
  if (protocol < 0x0600) {
    p.etherType = ETHERTYPE_LLC;
    // ETH_P_802_2 (4): the 802.2 LLC header follows, as after an 802.3 length field.
    if (protocol === 0x0004 && isCdpSnap(buf, offset, end)) {
      p.linkProto = LINK_PROTO_CDP;
      return offset + 8;
    }
    return offset;
  }
  return etherTypePayload(p, buf, protocol, offset, end, errors);
}

export function decodeEthernet(p: DecodedPacket, buf: Buffer, offset: number, end: number, errors: DecodeErrors): number {
  if (end - offset < 14) return fail(errors, 'ethernet', 'truncated header');
  p.dstMacOffset = offset;
  p.srcMacOffset = offset + 6;
  const type = (buf[offset + 12] << 8) | buf[offset + 13];
  return etherTypePayload(p, buf, type, offset + 14, end, errors);
}

/** Follow VLAN tags, LLC/SNAP, PPPoE and MPLS to the layer-3 ether type. */
function etherTypePayload(p: DecodedPacket, buf: Buffer, type: number, offset: number, end: number, errors: DecodeErrors): number {
  let tags = 0;
  for (;;) {
    if (type === ETHERTYPE_VLAN || type === ETHERTYPE_QINQ || type === ETHERTYPE_QINQ_OLD) {
      if (end - offset < 4) return fail(errors, 'vlan', 'truncated tag');
      if (++tags > MAX_VLAN_TAGS) return fail(errors, 'vlan', 'too many stacked tags');
      const vid = ((buf[offset] & 0x0f) << 8) | buf[offset + 1];
      // Keep the outermost as the service tag and the innermost as the customer VLAN.
      if (tags === 1) p.vlan = vid;
      else {
        if (tags === 2) p.vlanOuter = p.vlan;
        p.vlan = vid;
      }
      type = (buf[offset + 2] << 8) | buf[offset + 3];
      offset += 4;
      continue;
    }
    if (type <= 1500) {
      // IEEE 802.3 length field: an 802.2 LLC header follows; SNAP carries an ether type.
      if (end - offset >= 8 && buf[offset] === 0xaa && buf[offset + 1] === 0xaa && buf[offset + 2] === 0x03) {
        type = (buf[offset + 6] << 8) | buf[offset + 7];
        // Non-zero OUI (Cisco's CDP, for example) means a vendor protocol id, not an ether type.
        if (buf[offset + 3] !== 0 || buf[offset + 4] !== 0 || buf[offset + 5] !== 0) {
          p.etherType = ETHERTYPE_LLC;
          if (isCdpSnap(buf, offset, end)) {
            p.linkProto = LINK_PROTO_CDP;
            return offset + 8;
          }
          return offset;
        }
        offset += 8;
        continue;
      }
      p.etherType = ETHERTYPE_LLC;
      return offset;
    }
    if (type === ETHERTYPE_PPPOE_SESSION) {
      // ver/type(1) code(1) session(2) length(2), then the 2-byte PPP protocol.
      if (end - offset < 8) return fail(errors, 'pppoe', 'truncated header');
      const ppp = (buf[offset + 6] << 8) | buf[offset + 7];
      offset += 8;
      if (ppp === 0x0021) type = ETHERTYPE_IPV4;
      else if (ppp === 0x0057) type = ETHERTYPE_IPV6;
      else {
        p.etherType = ETHERTYPE_PPPOE_SESSION;
        return offset;
      }
      continue;
    }
    if (type === ETHERTYPE_MPLS || type === ETHERTYPE_MPLS_MULTICAST) {
      let labels = 0;
      for (;;) {
        if (end - offset < 4) return fail(errors, 'mpls', 'truncated label stack');
        if (++labels > MAX_MPLS_LABELS) return fail(errors, 'mpls', 'label stack too deep');
        const bottom = buf[offset + 2] & 0x01;
        offset += 4;
        if (bottom) break;
      }
      if (end - offset < 1) return fail(errors, 'mpls', 'no payload');
      return etherTypeFromIp(p, buf[offset] >> 4, offset, errors, 'mpls');
    }
    p.etherType = type;
    if (type === ETHERTYPE_LLDP) p.linkProto = LINK_PROTO_LLDP;
    return offset;
  }
}

/** An 802.2 LLC/SNAP header (AA AA 03) with Cisco's OUI 00:00:0c and protocol id 0x2000: CDP follows. */
function isCdpSnap(buf: Buffer, offset: number, end: number): boolean {
  return (
    end - offset >= 8 &&
    buf[offset] === 0xaa && buf[offset + 1] === 0xaa && buf[offset + 2] === 0x03 &&
    buf[offset + 3] === 0x00 && buf[offset + 4] === 0x00 && buf[offset + 5] === 0x0c &&
    buf[offset + 6] === 0x20 && buf[offset + 7] === 0x00
  );
}

export function etherTypeFromIp(p: DecodedPacket, version: number, offset: number, errors: DecodeErrors, layer = 'raw'): number {
  if (version === 4) p.etherType = ETHERTYPE_IPV4;
  else if (version === 6) p.etherType = ETHERTYPE_IPV6;
  else return fail(errors, layer, `IP version ${version} in a raw IP frame`);
  return offset;
}

function fail(errors: DecodeErrors, layer: string, reason: string): number {
  errors.count(layer, reason);
  return -1;
}
