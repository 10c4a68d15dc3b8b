/**
 * A bounded BER reader (ITU-T X.690) for SNMP: definite lengths only, at most four length octets, and every
 * element must fit inside its parent. It never throws and allocates nothing: `read` fills the reader's fields
 * and returns false on anything malformed (indefinite length, overrun, multi-octet tags).
 */

/** Universal and SNMP application tags used by the dissector (RFC 1157, RFC 3416 §3). */
export const Tag: Readonly<Record<'INTEGER' | 'OCTET_STRING' | 'NULL' | 'OID' | 'SEQUENCE', number>> = {
  INTEGER: 0x02,
  OCTET_STRING: 0x04,
  NULL: 0x05,
  OID: 0x06,
  SEQUENCE: 0x30,
};

/** Longest element length accepted: larger than any UDP datagram. */
export const MAX_ELEMENT_LENGTH = 0x10000;
/** Most arcs of an OID turned into text. */
export const MAX_OID_ARCS = 64;

export class BerReader {
  tag = 0;
  /** First value octet and one past the last, valid after a successful `read`. */
  start = 0;
  end = 0;

  /** Reads the element at `pos`, which must end by `limit`. */
  read(buf: Buffer, pos: number, limit: number): boolean {
    if (pos + 2 > limit) return false;
    const tag = buf[pos];
    if ((tag & 0x1f) === 0x1f) return false;
    let length = buf[pos + 1];
    let at = pos + 2;
    if (length & 0x80) {
      const n = length & 0x7f;
      // 0x80 is the indefinite form, which SNMP forbids; more than 4 octets cannot be a datagram length.
      if (n === 0 || n > 4 || at + n > limit) return false;
      length = 0;
      for (let i = 0; i < n; i++) length = length * 256 + buf[at + i];
      at += n;
    }
    if (length > MAX_ELEMENT_LENGTH || at + length > limit) return false;
    this.tag = tag;
    this.start = at;
    this.end = at + length;
    return true;
  }
}

/** A non-negative INTEGER of at most 6 value octets, or -1. */
export function smallInt(buf: Buffer, start: number, end: number): number {
  const n = end - start;
  if (n < 1 || n > 6 || (buf[start] & 0x80) !== 0) return -1;
  let value = 0;
  for (let i = start; i < end; i++) value = value * 256 + buf[i];
  return value;
}

/** An OBJECT IDENTIFIER's value as dotted text, or null if malformed or longer than MAX_OID_ARCS arcs. */
export function oidText(buf: Buffer, start: number, end: number): string | null {
  if (start >= end) return null;
  let text = '';
  let arcs = 0;
  let value = 0;
  let octets = 0;
  for (let i = start; i < end; i++) {
    const octet = buf[i];
    // An arc's first octet may not be 0x80 (X.690 §8.19.2); 7 octets keep it within 2^49.
    if (octets === 0 && octet === 0x80) return null;
    value = value * 128 + (octet & 0x7f);
    if (++octets > 7) return null;
    if ((octet & 0x80) === 0) {
      if (arcs === 0) {
        const first = value < 40 ? 0 : value < 80 ? 1 : 2;
        text = `${first}.${value - 40 * first}`;
        arcs = 2;
      } else {
        if (++arcs > MAX_OID_ARCS) return null;
        text += `.${value}`;
      }
      value = 0;
      octets = 0;
    }
  }
  return octets === 0 ? text : null;
}

/** Whether `buf[start..end)` is the OID whose encoded value octets are `encoded`. */
export function oidEquals(buf: Buffer, start: number, end: number, encoded: Buffer): boolean {
  return end - start === encoded.length && buf.compare(encoded, 0, encoded.length, start, end) === 0;
}
