/**
 * Reads packets back from one segment through its index: the index is scanned, and only the packets a
 * filter accepts are taken from the segment (decrypted first when sealed). Damage never throws: a missing,
 * cut or corrupt file, or an index record that does not point at an Enhanced Packet Block, becomes an error
 * naming the file (and record), and everything else still reads.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { INDEX_RECORD } from './packet-index.js';
import { BLOCK_EPB } from './pcapng-blocks.js';
import { decryptSegment, isEncryptedSegment } from './segment-cipher.js';
import type { SegmentEntry } from './segment-manifest.js';

/** One packet read back from the store; `frame` is its own copy. */
export interface StoredPacket {
  tsSec: number;
  tsNsec: number;
  linkType: number;
  origLen: number;
  frame: Buffer;
  /** Segment file, and the packet's position in it, for the record. */
  segment: string;
  offset: number;
}

/** Accepts or refuses an index record at `pos` of `index`. */
export type IndexFilter = (index: Buffer, pos: number) => boolean;

export interface SegmentReadResult {
  packets: StoredPacket[];
  errors: string[];
}

export function readSegment(dir: string, entry: SegmentEntry, filter: IndexFilter, key?: Buffer): SegmentReadResult {
  const errors: string[] = [];
  const packets: StoredPacket[] = [];
  const indexPath = join(dir, entry.index);
  const segmentPath = join(dir, entry.file);
  let index: Buffer;
  try {
    index = readFileSync(indexPath);
  } catch (err) {
    errors.push(`index ${indexPath}: cannot read it (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); segment ${entry.file} skipped`);
    return { packets, errors };
  }
  const records = Math.floor(index.length / INDEX_RECORD);
  if (index.length % INDEX_RECORD !== 0) errors.push(`index ${indexPath}: cut (${index.length % INDEX_RECORD} trailing octets of a partial record ignored)`);
  const wanted: number[] = [];
  for (let i = 0; i < records; i++) if (filter(index, i * INDEX_RECORD)) wanted.push(i * INDEX_RECORD);
  if (wanted.length === 0) return { packets, errors };
  let data: Buffer;
  try {
    data = readFileSync(segmentPath);
  } catch (err) {
    errors.push(`segment ${segmentPath}: cannot read it (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); its ${wanted.length} matching packets are lost`);
    return { packets, errors };
  }
  if (entry.encrypted || isEncryptedSegment(data)) {
    const plain = decryptSegment(data, key, entry.file);
    if (plain instanceof Error) {
      errors.push(`segment ${segmentPath}: ${plain.message}; its ${wanted.length} matching packets are not readable`);
      return { packets, errors };
    }
    data = plain;
  } else if (entry.sha256 && createHash('sha256').update(data).digest('hex') !== entry.sha256) {
    errors.push(`segment ${segmentPath}: its content does not match the SHA-256 the manifest recorded when it closed: it was altered or damaged, packets read from it may not be what was captured`);
  }
  let bad = 0;
  let firstBad = '';
  for (const pos of wanted) {
    const offset = index.readUInt32LE(pos + 8);
    const length = index.readUInt32LE(pos + 12);
    const why = checkEpb(data, offset, length);
    if (why) {
      if (bad++ === 0) firstBad = `record ${pos / INDEX_RECORD} (offset ${offset}): ${why}`;
      continue;
    }
    const caplen = data.readUInt32LE(offset + 20);
    packets.push({
      tsSec: index.readUInt32LE(pos),
      tsNsec: index.readUInt32LE(pos + 4),
      linkType: index.readUInt16LE(pos + 60),
      origLen: data.readUInt32LE(offset + 24),
      frame: Buffer.from(data.subarray(offset + 28, offset + 28 + caplen)),
      segment: entry.file,
      offset,
    });
  }
  if (bad > 0) errors.push(`segment ${segmentPath} / index ${indexPath}: ${bad} index record(s) do not point at a valid packet block, first ${firstBad}; those packets skipped`);
  return { packets, errors };
}

/** Why the octets at `offset` are not an EPB of `length` octets, or '' when they are. */
function checkEpb(data: Buffer, offset: number, length: number): string {
  if (length < 32 || offset + length > data.length) return `block of ${length} octets runs past the segment's ${data.length}`;
  if (data.readUInt32LE(offset) !== BLOCK_EPB) return `block type 0x${data.readUInt32LE(offset).toString(16)} is not an Enhanced Packet Block`;
  if (data.readUInt32LE(offset + 4) !== length || data.readUInt32LE(offset + length - 4) !== length) return 'block lengths disagree with the index';
  if (data.readUInt32LE(offset + 20) + 32 > length) return 'captured length runs past the block';
  return '';
}
