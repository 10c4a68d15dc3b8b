/**
 * The index beside each segment: one fixed-size little-endian record per packet, in segment order, so a
 * query scans 64 bytes per packet and reads from the segment only the packets that match.
 *
 *   0 u32 seconds        4 u32 nanoseconds     8 u32 EPB offset in the segment   12 u32 EPB length
 *  16 u16 source port   18 u16 dest port      20 u8 IP protocol (255: none)      21 u8 family (0, 4, 6)
 *  22 u16 VLAN          24 16 source address  40 16 dest address (IPv4 in the first 4 octets)
 *  56 u32 length on the wire                  60 u16 link type (LINKTYPE_*)  62 u16 reserved (0)
 */
import type { PacketRecord } from '../capture/packet-record.js';
import { ipv4Text, ipv6Text } from '../decode/address-text.js';
import { L3_IPV4, L3_IPV6, type DecodedPacket } from '../decode/decoded-packet.js';

export const INDEX_RECORD = 64;
export const NO_PROTO = 255;

export function writeIndexRecord(out: Buffer, pos: number, rec: PacketRecord, p: DecodedPacket, offset: number, blockLength: number): void {
  out.writeUInt32LE(rec.tsSec >>> 0, pos);
  out.writeUInt32LE(rec.tsNsec >>> 0, pos + 4);
  out.writeUInt32LE(offset, pos + 8);
  out.writeUInt32LE(blockLength, pos + 12);
  const ip = p.l3 === L3_IPV4 || p.l3 === L3_IPV6;
  const hasL4 = ip && !p.fragment && p.ipProto >= 0;
  out.writeUInt16LE(hasL4 ? p.srcPort & 0xffff : 0, pos + 16);
  out.writeUInt16LE(hasL4 ? p.dstPort & 0xffff : 0, pos + 18);
  out[pos + 20] = ip && p.ipProto >= 0 && p.ipProto < 255 ? p.ipProto : NO_PROTO;
  out[pos + 21] = ip ? p.l3 : 0;
  out.writeUInt16LE(p.vlan & 0xffff, pos + 22);
  out.fill(0, pos + 24, pos + 56);
  if (ip) {
    const n = p.addrLength;
    p.addrBuf.copy(out, pos + 24, p.srcAddrOffset, p.srcAddrOffset + n);
    p.addrBuf.copy(out, pos + 40, p.dstAddrOffset, p.dstAddrOffset + n);
  }
  out.writeUInt32LE(rec.origLen >>> 0, pos + 56);
  out.writeUInt16LE(rec.linkType & 0xffff, pos + 60);
  out.writeUInt16LE(0, pos + 62);
}

/** One index record read back (for queries; not on the capture path). */
export interface IndexEntry {
  tsSec: number;
  tsNsec: number;
  offset: number;
  blockLength: number;
  srcPort: number;
  dstPort: number;
  proto: number;
  family: number;
  vlan: number;
  src: string;
  dst: string;
  origLen: number;
  linkType: number;
}

export function readIndexRecord(buf: Buffer, pos: number): IndexEntry {
  const family = buf[pos + 21];
  return {
    tsSec: buf.readUInt32LE(pos),
    tsNsec: buf.readUInt32LE(pos + 4),
    offset: buf.readUInt32LE(pos + 8),
    blockLength: buf.readUInt32LE(pos + 12),
    srcPort: buf.readUInt16LE(pos + 16),
    dstPort: buf.readUInt16LE(pos + 18),
    proto: buf[pos + 20],
    family,
    vlan: buf.readUInt16LE(pos + 22),
    src: formatAddress(buf, pos + 24, family),
    dst: formatAddress(buf, pos + 40, family),
    origLen: buf.readUInt32LE(pos + 56),
    linkType: buf.readUInt16LE(pos + 60),
  };
}

export function formatAddress(buf: Buffer, at: number, family: number): string {
  if (family === L3_IPV4) return ipv4Text(buf, at);
  return family === L3_IPV6 ? ipv6Text(buf, at) : '';
}
