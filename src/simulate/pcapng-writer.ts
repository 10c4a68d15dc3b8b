import { closeSync, openSync, writeSync } from 'node:fs';
import { le16, le32 } from './bytes.js';

const OUT_LEN = 8 * 1024 * 1024;
/** Largest frame we build (jumbo frames are not simulated) plus EPB overhead. */
export const MAX_FRAME = 9216;

/**
 * pcapng writer (draft-ietf-opsawg-pcapng): one Section Header Block, one Interface Description
 * Block (LINKTYPE_ETHERNET, microsecond timestamps, the default if_tsresol), then Enhanced Packet
 * Blocks. Frames are built in place: begin() returns where the frame's first byte goes in `out`,
 * commit() writes the block header and trailer around it.
 */
export class PcapngWriter {
  readonly out = Buffer.alloc(OUT_LEN);
  /** The same bytes as 32-bit words, for checksums (sum16Wide); Buffer.alloc of this size is never pooled, so offset 0. */
  readonly out32 = new Uint32Array(this.out.buffer, this.out.byteOffset, OUT_LEN >>> 2);
  private pos = 0;
  private block = 0;
  private fd: number;
  packets = 0;
  bytes = 0;
  lastTs = 0;

  constructor(path: string, comment: string) {
    this.fd = openSync(path, 'w');
    this.header(comment);
  }

  private header(comment: string): void {
    const o = this.out;
    // SHB: byte-order magic 0x1A2B3C4D written little-endian, version 1.0, section length -1.
    const shbOpt = option(1, Buffer.from(comment, 'utf8'));
    const app = option(4, Buffer.from('vigil simulate', 'utf8'));
    const shbLen = 28 + shbOpt.length + app.length + 4;
    le32(o, 0, 0x0a0d0d0a);
    le32(o, 4, shbLen);
    le32(o, 8, 0x1a2b3c4d);
    le16(o, 12, 1);
    le16(o, 14, 0);
    le32(o, 16, 0xffffffff);
    le32(o, 20, 0xffffffff);
    let p = 24;
    p += shbOpt.copy(o, p);
    p += app.copy(o, p);
    le32(o, p, 0); // opt_endofopt
    le32(o, p + 4, shbLen);
    p += 8;
    // IDB: LINKTYPE_ETHERNET (1), snaplen 262144, if_name option.
    const name = option(2, Buffer.from('span0', 'utf8'));
    const idbLen = 20 + name.length + 4;
    le32(o, p, 1);
    le32(o, p + 4, idbLen);
    le16(o, p + 8, 1);
    le16(o, p + 10, 0);
    le32(o, p + 12, 262144);
    p += 16;
    p += name.copy(o, p);
    le32(o, p, 0);
    le32(o, p + 4, idbLen);
    this.pos = p + 8;
    this.bytes = this.pos;
  }

  /** Offset in `out` where the next frame's bytes go (room for MAX_FRAME is guaranteed). */
  begin(): number {
    if (this.pos + MAX_FRAME + 64 > OUT_LEN) this.flush();
    this.block = this.pos;
    return this.pos + 28;
  }

  /** Wraps the frame written at begin() in an EPB; `us` is microseconds since the epoch. */
  commit(us: number, len: number): void {
    const o = this.out;
    const b = this.block;
    const padded = (len + 3) & ~3;
    const total = 32 + padded;
    // At most 3 bytes: a loop, not Buffer#fill's call, on every packet.
    for (let i = b + 28 + len; i < b + 28 + padded; i++) o[i] = 0;
    le32(o, b, 6);
    le32(o, b + 4, total);
    le32(o, b + 8, 0);
    le32(o, b + 12, Math.floor(us / 4294967296));
    le32(o, b + 16, us >>> 0);
    le32(o, b + 20, len);
    le32(o, b + 24, len);
    le32(o, b + total - 4, total);
    this.pos = b + total;
    this.packets++;
    this.bytes += total;
    this.lastTs = us;
  }

  flush(): void {
    let off = 0;
    while (off < this.pos) off += writeSync(this.fd, this.out, off, this.pos - off);
    this.pos = 0;
  }

  close(): void {
    this.flush();
    closeSync(this.fd);
  }
}

function option(code: number, value: Buffer): Buffer {
  const padded = (value.length + 3) & ~3;
  const b = Buffer.alloc(4 + padded);
  le16(b, 0, code);
  le16(b, 2, value.length);
  value.copy(b, 4);
  return b;
}
