/**
 * SMB 3.1.1 compression (MS-SMB2 §2.2.3.1.3, §2.2.42): what the server agrees to in its NEGOTIATE response's
 * SMB2_COMPRESSION_CAPABILITIES context, and COMPRESSION_TRANSFORM_HEADERs whose Offset cannot be right.
 * CVE-2020-0796 ("SMBGhost") is an integer overflow in srv2.sys adding OriginalCompressedSegmentSize and
 * Offset: a header whose sum overflows 32 bits, or whose Offset points past the message, is the exploit's shape.
 */
import type { Direction } from '../dissector.js';
import type { SmbSink } from './smb-sink.js';

const COMPRESSION_CAPABILITIES = 0x0003;
const MAX_CONTEXTS = 16;
const ALGORITHMS = ['none', 'lznt1', 'lz77', 'lz77+huffman', 'pattern_v1', 'lz4'];
/** §2.2.42: ProtocolId, OriginalCompressedSegmentSize, CompressionAlgorithm, Flags, Offset/Length. */
const TRANSFORM_HEADER = 16;
const FLAG_CHAINED = 0x0001;

/** Reads the negotiate contexts of a 3.1.1 NEGOTIATE response whose body starts at `body` (header at `start`). */
export function negotiateContexts(msg: Buffer, start: number, body: number, end: number, dir: Direction, sink: SmbSink): void {
  if (body + 64 > end) return;
  const count = Math.min(msg.readUInt16LE(body + 6), MAX_CONTEXTS);
  let pos = start + msg.readUInt32LE(body + 60);
  for (let i = 0; i < count && pos + 8 <= end; i++) {
    const type = msg.readUInt16LE(pos);
    const length = msg.readUInt16LE(pos + 2);
    const data = pos + 8;
    if (data + length > end) return;
    if (type === COMPRESSION_CAPABILITIES && length >= 8) {
      const algorithms: string[] = [];
      const n = msg.readUInt16LE(data);
      for (let a = 0; a < n && data + 8 + 2 * a + 2 <= data + length; a++) {
        const id = msg.readUInt16LE(data + 8 + 2 * a);
        if (id !== 0) algorithms.push(ALGORITHMS[id] ?? `0x${id.toString(16).padStart(4, '0')}`);
      }
      if (algorithms.length > 0) sink.emit('smb.compression', algorithms, dir);
    }
    // Contexts are 8-octet aligned (§2.2.4).
    pos = data + ((length + 7) & ~7);
  }
}

/** A COMPRESSION_TRANSFORM_HEADER (0xFC 'SMB') of a message of `total` octets, of which `n` are in `msg`. */
export function compressionTransform(msg: Buffer, n: number, total: number, dir: Direction, sink: SmbSink): void {
  if (n < TRANSFORM_HEADER) return;
  sink.emit('smb.compression_transform', true, dir);
  if ((msg.readUInt16LE(10) & FLAG_CHAINED) !== 0) return;
  const original = msg.readUInt32LE(4);
  const offset = msg.readUInt32LE(12);
  if (original + offset > 0xffffffff || offset > total - TRANSFORM_HEADER) sink.emit('smb.compression_bad_offset', true, dir);
}
