/**
 * Domain names on the wire (RFC 1035 §3.1, §4.1.4) and their text form.
 *
 * Text form: what tshark shows in `dns.qry.name` (labels joined by ".", no trailing dot, the root as
 * "<Root>"), lower-cased because "comparisons between character strings (e.g., labels, domain names,
 * etc.) are done in a case-insensitive manner" (RFC 1035 §2.3.3, RFC 4343) and resolvers randomise case
 * (DNS 0x20). Octets that are not printable ASCII, and the space, are written `\DDD` as in master files
 * (RFC 1035 §5.1), and "." and "\" inside a label as `\.` and `\\`; so a name never contains a space and
 * can be joined to other text with one. tshark agrees on `\.` `\\` and `\DDD` for control octets, but prints
 * the space and octets >= 0x80 raw.
 */

/** RFC 1035 §2.3.4: "labels 63 octets or less", "names 255 octets or less" (on the wire, length octets included). */
export const MAX_LABEL_LENGTH = 63;
export const MAX_NAME_LENGTH = 255;
/**
 * A name has at most 127 labels, and a compressor that points at an earlier suffix gains at least one label
 * per pointer, so more jumps than that can only be a loop (a pointer to itself, or two pointing at each other).
 */
export const MAX_POINTER_JUMPS = 127;

export const ROOT_NAME = '<Root>';

/** One name decodes into at most 253 label octets written as 4 characters each, plus the dots. */
const scratch = Buffer.allocUnsafe(4 * 253 + 127);

/**
 * Position just after the name that starts at `pos` (after its root label or its first pointer), without
 * following pointers; -1 if the name's in-place part is malformed or runs past `end`.
 */
export function skipName(buf: Buffer, pos: number, end: number): number {
  let length = 0;
  while (pos < end) {
    const octet = buf[pos];
    if (octet === 0) return pos + 1;
    const kind = octet & 0xc0;
    if (kind === 0xc0) return pos + 2 <= end ? pos + 2 : -1;
    // §4.1.4: 0x40 and 0x80 "are reserved for future use"; RFC 6891 §5 deprecated the extended labels that used 0x40.
    if (kind !== 0) return -1;
    length += octet + 1;
    if (length + 1 > MAX_NAME_LENGTH) return -1;
    pos += octet + 1;
  }
  return -1;
}

/**
 * Text form of the name at `pos` in the message `buf[start..end)`, following compression pointers (offsets
 * from `start`) anywhere in the message; null if it is malformed, loops, runs past `end` or is longer than
 * 255 octets. Allocates only the returned string.
 */
export function readName(buf: Buffer, start: number, end: number, pos: number): string | null {
  let out = 0;
  let length = 0;
  let jumps = 0;
  for (;;) {
    if (pos < start || pos >= end) return null;
    const octet = buf[pos];
    if (octet === 0) break;
    const kind = octet & 0xc0;
    if (kind === 0xc0) {
      if (pos + 1 >= end || ++jumps > MAX_POINTER_JUMPS) return null;
      pos = start + (((octet & 0x3f) << 8) | buf[pos + 1]);
      continue;
    }
    if (kind !== 0) return null;
    length += octet + 1;
    if (length + 1 > MAX_NAME_LENGTH) return null;
    const labelEnd = pos + 1 + octet;
    if (labelEnd > end) return null;
    if (out > 0) scratch[out++] = 0x2e;
    for (let i = pos + 1; i < labelEnd; i++) out = writeNameOctet(buf[i], out);
    pos = labelEnd;
  }
  return out === 0 ? ROOT_NAME : scratch.toString('latin1', 0, out);
}

function writeNameOctet(octet: number, out: number): number {
  if (octet >= 0x41 && octet <= 0x5a) {
    scratch[out] = octet | 0x20;
    return out + 1;
  }
  if (octet === 0x2e || octet === 0x5c) {
    scratch[out] = 0x5c;
    scratch[out + 1] = octet;
    return out + 2;
  }
  if (octet > 0x20 && octet < 0x7f) {
    scratch[out] = octet;
    return out + 1;
  }
  return writeDecimalEscape(scratch, out, octet);
}

/** `\DDD` (RFC 1035 §5.1: "the octet corresponding to the decimal number described by DDD"). */
export function writeDecimalEscape(target: Buffer, out: number, octet: number): number {
  target[out] = 0x5c;
  target[out + 1] = 0x30 + ((octet / 100) | 0);
  target[out + 2] = 0x30 + (((octet / 10) | 0) % 10);
  target[out + 3] = 0x30 + (octet % 10);
  return out + 4;
}
