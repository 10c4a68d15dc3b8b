/**
 * The pcapng blocks the packet store and its exports write (draft-ietf-opsawg-pcapng §4): a Section Header
 * Block, one Interface Description Block per link type, and Enhanced Packet Blocks carrying the original
 * timestamp (nanosecond resolution: if_tsresol = 9, §4.2), captured length and length on the wire.
 * Every function writes into a caller's buffer at `pos` and returns the position after the block, so the
 * hot path allocates nothing.
 */

export const BLOCK_SHB = 0x0a0d0d0a;
export const BLOCK_IDB = 0x00000001;
export const BLOCK_EPB = 0x00000006;
const BYTE_ORDER_MAGIC = 0x1a2b3c4d;
const OPT_ENDOFOPT = 0;
const OPT_SHB_USERAPPL = 4;
const OPT_IF_TSRESOL = 9;
/** §4.2: snaplen 0 means no limit; frames keep whatever length the source captured. */
const SNAPLEN_UNLIMITED = 0;

/** Bytes of an EPB around the frame: 28 of header, the padding to 4 octets, 4 of trailing length. */
export function epbLength(caplen: number): number {
  return 32 + ((caplen + 3) & ~3);
}

const APP = Buffer.from('vigil packet store', 'utf8');
const APP_PADDED = (APP.length + 3) & ~3;
/** SHB: header (24), shb_userappl option (4 + padded value), opt_endofopt (4), trailing length (4). */
export const SHB_LENGTH = 24 + 4 + APP_PADDED + 4 + 4;
/** IDB: header (16), if_tsresol option (4 + 4), opt_endofopt (4), trailing length (4). */
export const IDB_LENGTH = 16 + 8 + 4 + 4;

export function writeShb(out: Buffer, pos: number): number {
  out.writeUInt32LE(BLOCK_SHB, pos);
  out.writeUInt32LE(SHB_LENGTH, pos + 4);
  out.writeUInt32LE(BYTE_ORDER_MAGIC, pos + 8);
  out.writeUInt16LE(1, pos + 12);
  out.writeUInt16LE(0, pos + 14);
  // Section length -1: not specified (§4.1), so sections can be appended to without rewriting.
  out.writeUInt32LE(0xffffffff, pos + 16);
  out.writeUInt32LE(0xffffffff, pos + 20);
  let p = pos + 24;
  out.writeUInt16LE(OPT_SHB_USERAPPL, p);
  out.writeUInt16LE(APP.length, p + 2);
  APP.copy(out, p + 4);
  out.fill(0, p + 4 + APP.length, p + 4 + APP_PADDED);
  p += 4 + APP_PADDED;
  out.writeUInt32LE(OPT_ENDOFOPT, p);
  out.writeUInt32LE(SHB_LENGTH, p + 4);
  return p + 8;
}

export function writeIdb(out: Buffer, pos: number, linkType: number): number {
  out.writeUInt32LE(BLOCK_IDB, pos);
  out.writeUInt32LE(IDB_LENGTH, pos + 4);
  out.writeUInt16LE(linkType, pos + 8);
  out.writeUInt16LE(0, pos + 10);
  out.writeUInt32LE(SNAPLEN_UNLIMITED, pos + 12);
  out.writeUInt16LE(OPT_IF_TSRESOL, pos + 16);
  out.writeUInt16LE(1, pos + 18);
  // Most significant bit 0: a power of ten; 9 = nanoseconds.
  out.writeUInt32LE(9, pos + 20);
  out.writeUInt32LE(OPT_ENDOFOPT, pos + 24);
  out.writeUInt32LE(IDB_LENGTH, pos + 28);
  return pos + IDB_LENGTH;
}

/**
 * An EPB with the frame `frame[from, from + caplen)`. The 64-bit nanosecond timestamp is split into
 * its 32-bit halves with exact double arithmetic (every intermediate stays below 2^53): no BigInt.
 */
export function writeEpb(out: Buffer, pos: number, interfaceId: number, tsSec: number, tsNsec: number, frame: Buffer, from: number, caplen: number, origLen: number): number {
  const total = epbLength(caplen);
  const secHi = Math.floor(tsSec / 65536);
  const secLo = tsSec % 65536;
  const p = secHi * 1e9;
  const low = (p % 65536) * 65536 + secLo * 1e9 + tsNsec;
  const hi = Math.floor(p / 65536) + Math.floor(low / 4294967296);
  out.writeUInt32LE(BLOCK_EPB, pos);
  out.writeUInt32LE(total, pos + 4);
  out.writeUInt32LE(interfaceId, pos + 8);
  out.writeUInt32LE(hi, pos + 12);
  out.writeUInt32LE(low % 4294967296, pos + 16);
  out.writeUInt32LE(caplen, pos + 20);
  out.writeUInt32LE(origLen, pos + 24);
  frame.copy(out, pos + 28, from, from + caplen);
  out.fill(0, pos + 28 + caplen, pos + total - 4);
  out.writeUInt32LE(total, pos + total - 4);
  return pos + total;
}
