/**
 * Text forms of discovery-protocol strings (LLDP and CDP TLVs). Each allocates only the string it returns.
 */

/** Longest string kept, in octets: LLDP strings are at most 255 (IEEE 802.1AB §8.5); CDP's software version runs longer. */
export const MAX_TLV_TEXT = 1024;

/** Each octet is written as at most 4 characters. */
const scratch = Buffer.allocUnsafe(4 * MAX_TLV_TEXT);

/**
 * `buf[from..to)` as one line of text, as tshark shows these strings: it stops at the first NUL (CDP's
 * newer strings are NUL-terminated), each run of CR and LF becomes one space (CDP software versions span
 * lines; tshark shows them line by line), trailing spaces are dropped; printable ASCII is kept as is, `\\`
 * is the backslash and `\DDD` (decimal) every other octet, so a value never carries a control character
 * into a log. At most MAX_TLV_TEXT octets are read.
 */
export function tlvText(buf: Buffer, from: number, to: number): string {
  const end = Math.min(to, from + MAX_TLV_TEXT, buf.length);
  let out = 0;
  let inBreak = false;
  for (let i = from; i < end; i++) {
    const octet = buf[i];
    if (octet === 0) break;
    if (octet === 0x0a || octet === 0x0d) {
      if (!inBreak && out > 0 && scratch[out - 1] !== 0x20) scratch[out++] = 0x20;
      inBreak = true;
      continue;
    }
    inBreak = false;
    if (octet === 0x5c) {
      scratch[out++] = 0x5c;
      scratch[out++] = 0x5c;
    } else if (octet >= 0x20 && octet < 0x7f) {
      scratch[out++] = octet;
    } else {
      scratch[out++] = 0x5c;
      scratch[out++] = 0x30 + ((octet / 100) | 0);
      scratch[out++] = 0x30 + (((octet / 10) | 0) % 10);
      scratch[out++] = 0x30 + (octet % 10);
    }
  }
  while (out > 0 && scratch[out - 1] === 0x20) out--;
  return scratch.toString('latin1', 0, out);
}

/** Names of the set bits of `bits`, lowest first; `names[i]` names bit i. */
export function bitNames(bits: number, names: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < names.length; i++) if ((bits >>> i) & 1) out.push(names[i]);
  return out;
}
