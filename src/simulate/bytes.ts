/** Byte helpers for building packets by offset. Typed-array stores truncate modulo 256. */

export function be16(o: Uint8Array, p: number, v: number): void {
  o[p] = v >>> 8;
  o[p + 1] = v;
}
export function be32(o: Uint8Array, p: number, v: number): void {
  o[p] = v >>> 24;
  o[p + 1] = v >>> 16;
  o[p + 2] = v >>> 8;
  o[p + 3] = v;
}
export function le16(o: Uint8Array, p: number, v: number): void {
  o[p] = v;
  o[p + 1] = v >>> 8;
}
export function le32(o: Uint8Array, p: number, v: number): void {
  o[p] = v;
  o[p + 1] = v >>> 8;
  o[p + 2] = v >>> 16;
  o[p + 3] = v >>> 24;
}

/** One's-complement sum of big-endian 16-bit words (not folded). */
export function sum16(o: Uint8Array, start: number, end: number): number {
  let s = 0;
  let i = start;
  const even = end - ((end - start) & 1);
  for (; i < even; i += 2) s += (o[i] << 8) | o[i + 1];
  if (i < end) s += o[i] << 8;
  return s;
}
/** Little-endian hosts (x86, ARM as Node runs them): where sum16Wide's word reads apply. */
const LITTLE_ENDIAN = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;

/**
 * sum16(o, start, end) read 32 bits at a time through `o32`, a Uint32Array over the same bytes
 * (o.byteOffset a multiple of 4): a quarter of the loop iterations on full-size segments. RFC 1071
 * §2: the one's-complement sum may be taken over wider words (2^16 ≡ 1) and in the other byte order
 * (swapping bytes multiplies by 256 modulo 0xffff). The result is congruent to sum16's modulo 0xffff
 * and zero only when sum16's is, so fold() makes the same checksum of either.
 */
export function sum16Wide(o: Uint8Array, o32: Uint32Array, start: number, end: number): number {
  if ((start & 1) !== 0 || end - start < 64 || !LITTLE_ENDIAN) return sum16(o, start, end);
  // Both ends stay on sum16's word boundaries: start is even, so are a - start and b - start.
  const a = (start + 3) & ~3;
  const b = end & ~3;
  let s = sum16(o, start, a) + sum16(o, b, end);
  let w = 0;
  for (let i = a >>> 2, n = b >>> 2; i < n; i++) w += o32[i];
  if (w > 0) s += ((w % 0xffff) * 256) % 0xffff || 0xffff;
  return s;
}

export function fold(s: number): number {
  while (s > 0xffff) s = (s & 0xffff) + Math.floor(s / 65536);
  return s;
}

export function ipv4(s: string): number {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(s);
  if (!m) throw new Error(`not an IPv4 address: ${s}`);
  return ((Number(m[1]) << 24) | (Number(m[2]) << 16) | (Number(m[3]) << 8) | Number(m[4])) >>> 0;
}
export function ipText(ip: number): string {
  return `${ip >>> 24}.${(ip >>> 16) & 255}.${(ip >>> 8) & 255}.${ip & 255}`;
}
export function macText(m: Uint8Array): string {
  return Array.from(m, (b) => b.toString(16).padStart(2, '0')).join(':');
}
export function parseMac(s: string): Uint8Array {
  const parts = s.split(/[:-]/);
  return Uint8Array.from(parts.map((h) => parseInt(h, 16)));
}

/** Growable byte builder for application payloads (small: headers, HL7 messages, DICOM commands). */
export class ByteWriter {
  buf: Buffer;
  pos = 0;
  // allocUnsafe: every byte up to pos is written before done() hands it out, and zero-filling
  // large DICOM data sets was a measurable share of generation time.
  constructor(size = 512) {
    this.buf = Buffer.allocUnsafe(size);
  }
  private room(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let len = this.buf.length * 2;
    while (len < this.pos + n) len *= 2;
    const nb = Buffer.allocUnsafe(len);
    this.buf.copy(nb, 0, 0, this.pos);
    this.buf = nb;
  }
  u8(v: number): this {
    this.room(1);
    this.buf[this.pos++] = v;
    return this;
  }
  u16(v: number): this {
    this.room(2);
    be16(this.buf, this.pos, v);
    this.pos += 2;
    return this;
  }
  u32(v: number): this {
    this.room(4);
    be32(this.buf, this.pos, v);
    this.pos += 4;
    return this;
  }
  u16le(v: number): this {
    this.room(2);
    le16(this.buf, this.pos, v);
    this.pos += 2;
    return this;
  }
  u32le(v: number): this {
    this.room(4);
    le32(this.buf, this.pos, v);
    this.pos += 4;
    return this;
  }
  bytes(b: Uint8Array): this {
    this.room(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
    return this;
  }
  /** src[start, end) copied in, without making a view of src first (Buffer#subarray is slow per call). */
  copyFrom(src: Buffer, start: number, end: number): this {
    this.room(end - start);
    this.pos += src.copy(this.buf, this.pos, start, end);
    return this;
  }
  /** Latin-1 text (all protocol text here is ASCII). */
  text(s: string): this {
    this.room(s.length);
    this.pos += this.buf.write(s, this.pos, 'latin1');
    return this;
  }
  zeros(n: number): this {
    this.room(n);
    this.buf.fill(0, this.pos, this.pos + n);
    this.pos += n;
    return this;
  }
  /** Patch a big-endian length later: returns the offset to pass to setU16/setU32. */
  mark(): number {
    return this.pos;
  }
  setU16(at: number, v: number): void {
    be16(this.buf, at, v);
  }
  setU32(at: number, v: number): void {
    be32(this.buf, at, v);
  }
  setU32le(at: number, v: number): void {
    le32(this.buf, at, v);
  }
  /** The bytes written; a view, so the writer must not be used afterwards. */
  done(): Buffer {
    return this.buf.subarray(0, this.pos);
  }
}
