/**
 * The small subset of BER (X.690 §8) that LDAP uses (RFC 4511 §5.1): single-octet tags, definite lengths of
 * at most 4 length octets. Reads one TLV at a time within bounds the caller gives, never past them, so a
 * malformed or hostile length can only make a read fail (null), not run away; nesting is walked by the
 * caller one level at a time, so there is no recursion to bound.
 */

export interface Tlv {
  readonly tag: number;
  /** Offsets of the value: `buf[start..end)`. */
  readonly start: number;
  readonly end: number;
}

/** The TLV at `buf[pos..limit)`, or null when it is malformed, uses a form LDAP forbids, or does not fit. */
export function readTlv(buf: Buffer, pos: number, limit: number): Tlv | null {
  if (pos + 2 > limit) return null;
  const tag = buf[pos];
  // High tag numbers (0x1f) do not occur in LDAP.
  if ((tag & 0x1f) === 0x1f) return null;
  const header = lengthOf(buf, pos + 1, limit);
  if (header === null) return null;
  const start = pos + 1 + header.octets;
  const end = start + header.length;
  if (end > limit) return null;
  return { tag, start, end };
}

/**
 * The length field at `buf[pos..limit)`: its value and how many octets it took, or null when it is
 * indefinite (RFC 4511 §5.1 forbids it), longer than 4 octets, or cut short.
 */
export function lengthOf(buf: Buffer, pos: number, limit: number): { length: number; octets: number } | null {
  if (pos >= limit) return null;
  const first = buf[pos];
  if (first < 0x80) return { length: first, octets: 1 };
  const count = first & 0x7f;
  if (count === 0 || count > 4 || pos + 1 + count > limit) return null;
  let length = 0;
  for (let i = 1; i <= count; i++) length = length * 256 + buf[pos + i];
  return { length, octets: 1 + count };
}

/** A non-negative INTEGER or ENUMERATED value of at most 4 octets, or null. */
export function readSmallInteger(buf: Buffer, tlv: Tlv): number | null {
  const n = tlv.end - tlv.start;
  if (n < 1 || n > 4 || (buf[tlv.start] & 0x80) !== 0) return null;
  let value = 0;
  for (let i = tlv.start; i < tlv.end; i++) value = value * 256 + buf[i];
  return value;
}
