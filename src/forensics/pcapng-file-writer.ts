/**
 * Writes packets read back from the store to a pcapng file (one IDB per link type, original timestamps and
 * lengths) and hashes exactly the octets written: the SHA-256 the chain of custody records.
 */
import { createHash, type Hash } from 'node:crypto';
import { closeSync, openSync, writeSync } from 'node:fs';
import { epbLength, IDB_LENGTH, writeEpb, writeIdb, writeShb } from './pcapng-blocks.js';
import type { StoredPacket } from './segment-reader.js';

const BUFFER = 1 << 20;

export interface WrittenFile {
  path: string;
  packets: number;
  bytes: number;
  sha256: string;
}

export function writePcapngFile(path: string, packets: Iterable<StoredPacket>): WrittenFile {
  const fd = openSync(path, 'w');
  const hash = createHash('sha256');
  const out = Buffer.allocUnsafe(BUFFER);
  let pos = writeShb(out, 0);
  let bytes = 0;
  let count = 0;
  const interfaces = new Map<number, number>();
  const drain = (): void => {
    write(fd, hash, out, pos);
    bytes += pos;
    pos = 0;
  };
  try {
    for (const p of packets) {
      let id = interfaces.get(p.linkType);
      if (id === undefined) {
        id = interfaces.size;
        interfaces.set(p.linkType, id);
        if (pos + IDB_LENGTH > BUFFER) drain();
        pos = writeIdb(out, pos, p.linkType);
      }
      const len = epbLength(p.frame.length);
      if (pos + len > BUFFER) drain();
      if (len > BUFFER) {
        const big = Buffer.allocUnsafe(len);
        writeEpb(big, 0, id, p.tsSec, p.tsNsec, p.frame, 0, p.frame.length, p.origLen);
        write(fd, hash, big, len);
        bytes += len;
      } else {
        pos = writeEpb(out, pos, id, p.tsSec, p.tsNsec, p.frame, 0, p.frame.length, p.origLen);
      }
      count++;
    }
    drain();
  } finally {
    closeSync(fd);
  }
  return { path, packets: count, bytes, sha256: hash.digest('hex') };
}

function write(fd: number, hash: Hash, buf: Buffer, length: number): void {
  hash.update(buf.subarray(0, length));
  let off = 0;
  while (off < length) off += writeSync(fd, buf, off, length - off);
}

