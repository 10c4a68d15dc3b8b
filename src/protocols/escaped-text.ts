import { writeDecimalEscape } from './dns/dns-name.js';

/**
 * Protocol strings as text a log can hold: printable ASCII as is, `\\` for the backslash and `\DDD`
 * (decimal, as DNS master files do, RFC 1035 §5.1) for every other octet, so a value never smuggles a
 * control character into a log; stops at the first NUL (many senders NUL-terminate, and tshark reads
 * them so). Allocates only the string it returns.
 */

/** The most octets any caller reads; each is written as at most 4 characters. */
const MAX_OCTETS = 1024;
const scratch = Buffer.allocUnsafe(4 * MAX_OCTETS);

/**
 * `buf[from..to)`, at most `maxOctets` of it. With `foldLineBreaks`, each run of CR and LF becomes one
 * space and trailing spaces are dropped (a multi-line value as one line).
 */
export function escapedText(buf: Buffer, from: number, to: number, maxOctets: number, foldLineBreaks: boolean): string {
  const end = Math.min(to, from + Math.min(maxOctets, MAX_OCTETS), buf.length);
  let out = 0;
  let inBreak = false;
  for (let i = from; i < end; i++) {
    const octet = buf[i];
    if (octet === 0) break;
    if (foldLineBreaks && (octet === 0x0a || octet === 0x0d)) {
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
    } else out = writeDecimalEscape(scratch, out, octet);
  }
  if (foldLineBreaks) while (out > 0 && scratch[out - 1] === 0x20) out--;
  return scratch.toString('latin1', 0, out);
}
