/**
 * Writes packets read back from the store to a pcapng file (one IDB per link type, original timestamps and
 * lengths) and hashes exactly the octets written: the SHA-256 the chain of custody records.
 */
import { HashedFile } from './hashed-file.js';
import { epbLength, IDB_LENGTH, SHB_LENGTH, writeEpb, writeIdb, writeShb } from './pcapng-blocks.js';
import type { StoredPacket } from './segment-reader.js';

export interface WrittenFile {
  path: string;
  packets: number;
  bytes: number;
  sha256: string;
}

export function writePcapngFile(path: string, packets: Iterable<StoredPacket>): WrittenFile {
  const file = new HashedFile(path);
  let count = 0;
  const interfaces = new Map<number, number>();
  try {
    file.append(SHB_LENGTH, writeShb);
    for (const p of packets) {
      let id = interfaces.get(p.linkType);
      if (id === undefined) {
        id = interfaces.size;
        interfaces.set(p.linkType, id);
        file.append(IDB_LENGTH, (b, o) => writeIdb(b, o, p.linkType));
      }
      const iface = id;
      file.append(epbLength(p.frame.length), (b, o) => writeEpb(b, o, iface, p.tsSec, p.tsNsec, p.frame, 0, p.frame.length, p.origLen));
      count++;
    }
    return { path, packets: count, ...file.finish() };
  } finally {
    file.close();
  }
}
