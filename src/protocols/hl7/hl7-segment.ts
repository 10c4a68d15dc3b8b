/**
 * Field access in one HL7 v2 segment kept as octets (HL7 v2.5.1 §2.5: a segment is its 3-character id, then
 * fields separated by the field separator; fields hold components, repetitions and sub-components, each with
 * its own separator, all declared by MSH-1 and MSH-2). Nothing here allocates except the text returned.
 */

/** Separators of one message, from its MSH (or FHS/BHS) segment; HL7 §2.5.4 gives the defaults. */
export interface Separators {
  field: number;
  component: number;
  repetition: number;
  escape: number;
  subcomponent: number;
}

export const DEFAULT_SEPARATORS: Readonly<Separators> = { field: 0x7c, component: 0x5e, repetition: 0x7e, escape: 0x5c, subcomponent: 0x26 };

export const CARET = 0x5e;

/** Octets of a field value turned into text: identity fields are short (an HD is at most 227 characters). */
export const MAX_FIELD_TEXT = 227;

/**
 * Bounds `[start, end)` of part `index` of the segment split at `separator` (part 0 is the segment id), or
 * null when the segment has fewer parts or the part is not known to be complete: when the segment was cut at
 * `length` (`cut`), the last part may continue beyond what was kept.
 */
export function partBounds(seg: Buffer, length: number, separator: number, index: number, cut: boolean, out: [number, number]): boolean {
  let start = 0;
  let part = 0;
  for (let i = 0; i < length; i++) {
    if (seg[i] !== separator) continue;
    if (part === index) {
      out[0] = start;
      out[1] = i;
      return true;
    }
    part++;
    start = i + 1;
  }
  if (part !== index || cut) return false;
  out[0] = start;
  out[1] = length;
  return true;
}

/**
 * Separators of a header segment (MSH, FHS, BHS: id, field separator, then the encoding characters), or
 * null when they are not 4 distinct printable non-alphanumeric characters.
 */
export function headerSeparators(seg: Buffer, length: number): Separators | null {
  if (length < 8) return null;
  const field = seg[3];
  const chars = [field, seg[4], seg[5], seg[6], seg[7]];
  // HL7 v2.7 adds a fifth encoding character (truncation, `#`); older ones may omit sub-components.
  for (let i = 0; i < 4; i++) {
    if (!isSeparatorChar(chars[i])) return null;
    for (let j = 0; j < i; j++) if (chars[i] === chars[j]) return null;
  }
  const subcomponent = seg[7] === field ? DEFAULT_SEPARATORS.subcomponent : seg[7];
  return { field, component: seg[4], repetition: seg[5], escape: seg[6], subcomponent };
}

function isSeparatorChar(c: number): boolean {
  return c > 0x20 && c < 0x7f && !isAlphanumeric(c);
}

export function isAlphanumeric(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
}

/** HL7 §2.5.1: a segment id is three upper-case letters or digits, the first a letter. */
export function isSegmentId(a: number, b: number, c: number): boolean {
  return a >= 0x41 && a <= 0x5a && isUpperOrDigit(b) && isUpperOrDigit(c);
}

function isUpperOrDigit(c: number): boolean {
  return (c >= 0x41 && c <= 0x5a) || (c >= 0x30 && c <= 0x39);
}

/**
 * Text of `seg[start, end)`: its first repetition, components joined with `^` whatever the message's
 * component separator, trailing empty components dropped (`ADT^A01^` → `ADT^A01`), at most MAX_FIELD_TEXT
 * octets, decoded as UTF-8 when `utf8` (MSH-18 says so) and as Latin-1 otherwise, control characters removed.
 */
export function componentText(seg: Buffer, start: number, end: number, sep: Separators, utf8: boolean): string {
  let stop = start;
  while (stop < end && seg[stop] !== sep.repetition) stop++;
  stop = Math.min(stop, start + MAX_FIELD_TEXT);
  while (stop > start && seg[stop - 1] === sep.component) stop--;
  let text = seg.toString(utf8 ? 'utf8' : 'latin1', start, stop);
  if (sep.component !== CARET) text = text.split(String.fromCharCode(sep.component)).join('^');
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f]/g, '').trim();
}

/** Component `n` (1-based) of the first repetition in `seg[start, end)`, as bounds; false when absent. */
export function componentBounds(seg: Buffer, start: number, end: number, sep: Separators, n: number, out: [number, number]): boolean {
  let component = 1;
  let from = start;
  for (let i = start; i <= end; i++) {
    const last = i === end || seg[i] === sep.repetition;
    if (!last && seg[i] !== sep.component) continue;
    if (component === n) {
      out[0] = from;
      out[1] = i;
      return i > from;
    }
    if (last) return false;
    component++;
    from = i + 1;
  }
  return false;
}
