import { escapedText } from '../escaped-text.js';

/**
 * Text forms of discovery-protocol strings (LLDP and CDP TLVs). Each allocates only the string it returns.
 */

/** Longest string kept, in octets: LLDP strings are at most 255 (IEEE 802.1AB §8.5); CDP's software version runs longer. */
export const MAX_TLV_TEXT = 1024;

/**
 * `buf[from..to)` as one line of text, as tshark shows these strings: it stops at the first NUL (CDP's
 * newer strings are NUL-terminated), each run of CR and LF becomes one space (CDP software versions span
 * lines; tshark shows them line by line), trailing spaces are dropped; printable ASCII is kept as is, `\\`
 * is the backslash and `\DDD` (decimal) every other octet, so a value never carries a control character
 * into a log. At most MAX_TLV_TEXT octets are read.
 */
export function tlvText(buf: Buffer, from: number, to: number): string {
  return escapedText(buf, from, to, MAX_TLV_TEXT, true);
}

/** Names of the set bits of `bits`, lowest first; `names[i]` names bit i. */
export function bitNames(bits: number, names: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < names.length; i++) if ((bits >>> i) & 1) out.push(names[i]);
  return out;
}
