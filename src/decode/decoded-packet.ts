export const L3_NONE = 0;
export const L3_IPV4 = 4;
export const L3_IPV6 = 6;
export const L3_ARP = 1;

/** Link-layer protocols handed whole to a frame dissector (src/protocols/frame-dissector.ts). */
export const LINK_PROTO_NONE = 0;
/** IEEE 802.1AB LLDP: ether type 0x88cc. */
export const LINK_PROTO_LLDP = 1;
/** Cisco Discovery Protocol: 802.2 LLC/SNAP, OUI 00:00:0c, protocol id 0x2000. */
export const LINK_PROTO_CDP = 2;

export const IPPROTO_ICMP = 1;
export const IPPROTO_IPIP = 4;
export const IPPROTO_TCP = 6;
export const IPPROTO_UDP = 17;
export const IPPROTO_IPV6 = 41;
export const IPPROTO_GRE = 47;
export const IPPROTO_ICMPV6 = 58;

export const TCP_FIN = 0x01;
export const TCP_SYN = 0x02;
export const TCP_RST = 0x04;
export const TCP_PSH = 0x08;
export const TCP_ACK = 0x10;
export const TCP_URG = 0x20;

/**
 * The decoded view of one frame: numbers and offsets into the frame's Buffer, never copies.
 * One instance is reused for every packet, so nothing here may be kept past the packet.
 */
export class DecodedPacket {
  /** The captured frame. */
  frame: Buffer = Buffer.alloc(0);
  frameOffset = 0;
  frameLength = 0;
  /** Length on the wire (for byte counts). */
  wireLength = 0;
  ts = 0;
  frameNumber = 0;

  /** Offsets of the 6-byte source and destination MAC in `frame`, or -1. */
  srcMacOffset = -1;
  dstMacOffset = -1;
  /** Innermost 802.1Q VLAN id (the customer tag under 802.1ad), 0 when untagged. */
  vlan = 0;
  /** Outer (service) VLAN id when the frame carries two tags, else 0. */
  vlanOuter = 0;
  etherType = 0;
  /**
   * A LINK_PROTO_* set by the link layer when the frame is one a frame dissector reads (its PDU then
   * starts at `l3Offset`); LINK_PROTO_NONE otherwise.
   */
  linkProto = LINK_PROTO_NONE;

  l3 = L3_NONE;
  l3Offset = 0;
  /** Buffer holding the (innermost) IP header's addresses: normally `frame`. */
  addrBuf: Buffer = this.frame;
  /** Address length: 4 for IPv4, 16 for IPv6. */
  addrLength = 0;
  /** Offsets in `addrBuf` of the source and destination address. */
  srcAddrOffset = 0;
  dstAddrOffset = 0;
  ipProto = -1;
  ttl = 0;
  /** True for a fragment that did not (yet) complete a datagram: it has no layer 4. */
  fragment = false;
  /** True when this packet completed a reassembled datagram. */
  reassembled = false;

  /** Buffer holding layer 4 and its payload: `frame`, or a reassembled datagram's payload. */
  buf: Buffer = this.frame;
  l4Offset = 0;
  srcPort = 0;
  dstPort = 0;
  tcpFlags = 0;
  tcpSeq = 0;
  tcpAck = 0;
  tcpWindow = 0;
  icmpType = -1;
  icmpCode = -1;
  payloadOffset = 0;
  payloadLength = 0;

  arpOp = 0;
  /**
   * ARP and IPv6 neighbour discovery: a host claims that a MAC holds an IP. Offsets are in
   * `bindBuf`; -1 when the packet makes no such claim.
   */
  bindBuf: Buffer = this.frame;
  bindMacOffset = -1;
  bindIpOffset = -1;
  bindIpLength = 0;

  reset(): void {
    this.srcMacOffset = -1;
    this.dstMacOffset = -1;
    this.vlan = 0;
    this.vlanOuter = 0;
    this.etherType = 0;
    this.linkProto = LINK_PROTO_NONE;
    this.l3 = L3_NONE;
    this.ipProto = -1;
    this.fragment = false;
    this.reassembled = false;
    this.srcPort = 0;
    this.dstPort = 0;
    this.tcpFlags = 0;
    this.icmpType = -1;
    this.icmpCode = -1;
    this.payloadOffset = 0;
    this.payloadLength = 0;
    this.arpOp = 0;
    this.bindMacOffset = -1;
    this.bindIpOffset = -1;
  }
}
