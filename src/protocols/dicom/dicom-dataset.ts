/**
 * A bounded walker over DICOM data set elements (PS3.5 §7), for the data set headers the dissector reads
 * and for redaction. Never throws: a malformed or truncated element ends the walk.
 */

export interface Encoding {
  readonly explicitVr: boolean;
  readonly littleEndian: boolean;
}

export const IMPLICIT_LE: Encoding = { explicitVr: false, littleEndian: true };
export const EXPLICIT_LE: Encoding = { explicitVr: true, littleEndian: true };
export const EXPLICIT_BE: Encoding = { explicitVr: true, littleEndian: false };

/** Elements visited in one walk: a data set header has a few hundred at most. */
export const MAX_ELEMENTS = 4096;
/** Nested undefined-length sequences followed. */
export const MAX_DEPTH = 16;

const UNDEFINED_LENGTH = 0xffffffff;
/** PS3.5 §7.5: item, item delimitation and sequence delimitation tags, (FFFE,E000/E00D/E0DD). */
const ITEM = 0xfffee000;
const ITEM_DELIMITATION = 0xfffee00d;
const SEQUENCE_DELIMITATION = 0xfffee0dd;

/** PS3.5 §7.1.2: explicit VRs with a 2-octet reserved field and a 4-octet length. */
function hasLongLength(vr0: number, vr1: number): boolean {
  switch ((vr0 << 8) | vr1) {
    case 0x4f42: // OB
    case 0x4f44: // OD
    case 0x4f46: // OF
    case 0x4f4c: // OL
    case 0x4f56: // OV
    case 0x4f57: // OW
    case 0x5351: // SQ
    case 0x5356: // SV
    case 0x5543: // UC
    case 0x554e: // UN
    case 0x5552: // UR
    case 0x5554: // UT
    case 0x5556: // UV
      return true;
    default:
      return false;
  }
}

/**
 * Visitor for one element: `tag` as (group << 16 | element) unsigned, `vr` the two VR octets as a 16-bit
 * number (0 when implicit), the value's offset and length (its length may run past `end` when truncated),
 * and the number of undefined-length sequences it is nested in. Return false to stop the walk.
 */
export type ElementVisitor = (tag: number, vr: number, valueOffset: number, valueLength: number, depth: number) => boolean;

/**
 * Walks the elements of `buf[start..end)`. Defined-length sequences are stepped over whole unless `descend`;
 * undefined-length ones are entered (depth + 1). Element values are never copied.
 */
export function walkElements(buf: Buffer, start: number, end: number, encoding: Encoding, visit: ElementVisitor, descend = false): void {
  const le = encoding.littleEndian;
  let pos = start;
  let depth = 0;
  for (let count = 0; count < MAX_ELEMENTS && pos + 8 <= end; count++) {
    const group = le ? buf.readUInt16LE(pos) : buf.readUInt16BE(pos);
    const element = le ? buf.readUInt16LE(pos + 2) : buf.readUInt16BE(pos + 2);
    const tag = ((group << 16) | element) >>> 0;
    let vr = 0;
    let length: number;
    let valueOffset: number;
    if (group === 0xfffe) {
      // PS3.5 §7.5: item tags carry no VR in any encoding.
      length = le ? buf.readUInt32LE(pos + 4) : buf.readUInt32BE(pos + 4);
      valueOffset = pos + 8;
      if (tag === SEQUENCE_DELIMITATION) {
        depth--;
        if (depth < 0) return;
        pos = valueOffset;
        continue;
      }
      if (tag === ITEM_DELIMITATION) {
        pos = valueOffset;
        continue;
      }
      if (tag !== ITEM || (depth === 0 && !descend)) return;
      // An item of defined length inside an undefined-length sequence: walk into it (its elements are nested).
      pos = valueOffset;
      continue;
    }
    if (encoding.explicitVr) {
      const vr0 = buf[pos + 4];
      const vr1 = buf[pos + 5];
      if (vr0 < 0x41 || vr0 > 0x5a || vr1 < 0x41 || vr1 > 0x5a) return;
      vr = (vr0 << 8) | vr1;
      if (hasLongLength(vr0, vr1)) {
        if (pos + 12 > end) return;
        length = le ? buf.readUInt32LE(pos + 8) : buf.readUInt32BE(pos + 8);
        valueOffset = pos + 12;
      } else {
        length = le ? buf.readUInt16LE(pos + 6) : buf.readUInt16BE(pos + 6);
        valueOffset = pos + 8;
      }
    } else {
      length = le ? buf.readUInt32LE(pos + 4) : buf.readUInt32BE(pos + 4);
      valueOffset = pos + 8;
    }
    if (length === UNDEFINED_LENGTH) {
      // A sequence (SQ, or in implicit VR any undefined length); UN or OB of undefined length (encapsulated
      // or implicit-VR contents) cannot be followed in this encoding.
      if (encoding.explicitVr && vr !== 0x5351) return;
      if (!visit(tag, vr, valueOffset, 0, depth)) return;
      if (++depth > MAX_DEPTH) return;
      pos = valueOffset;
      continue;
    }
    if (!visit(tag, vr, valueOffset, length, depth)) return;
    if (descend && (vr === 0x5351 || (vr === 0 && startsWithItem(buf, valueOffset, length, end, le)))) {
      // Redaction looks inside defined-length sequences too: their items are walked as nested elements.
      pos = valueOffset;
      continue;
    }
    pos = valueOffset + length;
  }
}

/** The text of a string value: latin1, trailing and leading spaces and NULs removed, at most `max` octets read. */
export function stringValue(buf: Buffer, offset: number, length: number, end: number, max: number): string {
  const stop = Math.min(offset + length, end, offset + max);
  let a = offset;
  let b = stop;
  while (a < b && (buf[a] === 0x20 || buf[a] === 0x00)) a++;
  while (b > a && (buf[b - 1] === 0x20 || buf[b - 1] === 0x00)) b--;
  return buf.toString('latin1', a, b);
}

/** Implicit VR: a defined-length value that opens with an item tag is a sequence (PS3.5 §7.5.1). */
function startsWithItem(buf: Buffer, offset: number, length: number, end: number, le: boolean): boolean {
  if (length < 8 || offset + 4 > end) return false;
  return (le ? buf.readUInt16LE(offset) : buf.readUInt16BE(offset)) === 0xfffe && (le ? buf.readUInt16LE(offset + 2) : buf.readUInt16BE(offset + 2)) === 0xe000;
}
