/**
 * Writes packets read back from the store to a classic libpcap file (draft-ietf-opsawg-pcap) and hashes
 * exactly the octets written, as the pcapng writer does. Classic pcap has one link type per file, so a
 * selection holding several is refused (never thinned to one); pcapng holds them all.
 */
import { LINKTYPE_ETHERNET, linkTypeName } from '../capture/link-type.js';
import { HashedFile } from './hashed-file.js';
import type { WrittenFile } from './pcapng-file-writer.js';
import type { StoredPacket } from './segment-reader.js';

export const PCAP_MAGIC_USEC = 0xa1b2c3d4;
export const PCAP_MAGIC_NSEC = 0xa1b23c4d;
const GLOBAL_HEADER = 24;
const RECORD_HEADER = 16;
/**
 * tcpdump's default snapshot length, and the largest record Wireshark and our reader take from a file whose
 * snaplen is not larger: raised to the largest frame exported so no reader truncates or rejects one.
 */
const DEFAULT_SNAPLEN = 262144;

/** The selection cannot be written as classic pcap (several link types). */
export class PcapFormatError extends Error {}

export interface PcapLayout {
  linkType: number;
  nanosecond: boolean;
  snaplen: number;
}

/**
 * The global header's fields for these packets. The store keeps nanoseconds; microsecond files are made
 * only when every timestamp is a whole microsecond (a capture recorded in µs), so nothing is ever rounded
 * and the widest set of tools reads the result.
 */
export function pcapLayout(packets: readonly StoredPacket[]): PcapLayout {
  const linkTypes = new Set<number>();
  let nanosecond = false;
  let snaplen = DEFAULT_SNAPLEN;
  for (const p of packets) {
    linkTypes.add(p.linkType);
    if (p.tsNsec % 1000 !== 0) nanosecond = true;
    if (p.frame.length > snaplen) snaplen = p.frame.length;
  }
  if (linkTypes.size > 1) {
    const names = [...linkTypes].sort((a, b) => a - b).map((t) => `${linkTypeName(t)} (${t})`);
    throw new PcapFormatError(
      `the selected packets have ${linkTypes.size} link types (${names.join(', ')}) and a pcap file holds one: export as pcapng, or narrow the query to one link type`,
    );
  }
  // An empty export still needs a link type in its header: Ethernet, what the store almost always holds.
  const [linkType = LINKTYPE_ETHERNET] = linkTypes;
  return { linkType, nanosecond, snaplen };
}

/** Throws PcapFormatError before the file is created when the packets need more than one link type. */
export function writePcapFile(path: string, packets: readonly StoredPacket[]): WrittenFile {
  const layout = pcapLayout(packets);
  const file = new HashedFile(path);
  try {
    file.append(GLOBAL_HEADER, (b, o) => writeGlobalHeader(b, o, layout));
    for (const p of packets) file.append(RECORD_HEADER + p.frame.length, (b, o) => writeRecord(b, o, p, layout.nanosecond));
    return { path, packets: packets.length, ...file.finish() };
  } finally {
    file.close();
  }
}

function writeGlobalHeader(out: Buffer, pos: number, layout: PcapLayout): number {
  // Written little-endian: readers tell the byte order from how the magic reads.
  out.writeUInt32LE(layout.nanosecond ? PCAP_MAGIC_NSEC : PCAP_MAGIC_USEC, pos);
  out.writeUInt16LE(2, pos + 4);
  out.writeUInt16LE(4, pos + 6);
  // thiszone and sigfigs: always 0 (timestamps are UTC).
  out.writeUInt32LE(0, pos + 8);
  out.writeUInt32LE(0, pos + 12);
  out.writeUInt32LE(layout.snaplen, pos + 16);
  out.writeUInt32LE(layout.linkType, pos + 20);
  return pos + GLOBAL_HEADER;
}

function writeRecord(out: Buffer, pos: number, p: StoredPacket, nanosecond: boolean): number {
  out.writeUInt32LE(p.tsSec, pos);
  out.writeUInt32LE(nanosecond ? p.tsNsec : p.tsNsec / 1000, pos + 4);
  out.writeUInt32LE(p.frame.length, pos + 8);
  out.writeUInt32LE(p.origLen, pos + 12);
  p.frame.copy(out, pos + RECORD_HEADER);
  return pos + RECORD_HEADER + p.frame.length;
}

