import { writeDecimalEscape } from '../dns/dns-name.js';
import { escapedText } from '../escaped-text.js';

/**
 * Text forms shared by the identity dissectors (DHCP, DHCPv6): option strings and bounded hex. Each allocates
 * only the string it returns.
 */

/** Longest option string kept: DHCPv4 options cannot exceed 255 octets (RFC 2132 §2), DHCPv6 ones can. */
export const MAX_TEXT_OCTETS = 255;

/** Up to 255 octets, each written as at most 4 characters. */
const scratch = Buffer.allocUnsafe(4 * MAX_TEXT_OCTETS);

/**
 * `buf[from..to)` as text, stopping at the first NUL (clients often NUL-terminate hostnames, and tshark reads
 * these options as NUL-terminated strings): printable ASCII and the space as is, `\\` for the backslash, and
 * `\DDD` (decimal, as DNS master files do, RFC 1035 §5.1) for every other octet, so a value never smuggles a
 * control character into a log. At most the first 255 octets are read.
 */
export function optionText(buf: Buffer, from: number, to: number): string {
  return escapedText(buf, from, to, MAX_TEXT_OCTETS, false);
}

/** Lower-case hex of `buf[from..to)`, at most `max` octets of it. */
export function boundedHex(buf: Buffer, from: number, to: number, max: number): string {
  return buf.toString('hex', from, Math.min(to, from + max));
}

/**
 * A domain name in DNS wire form without compression, as DHCP options carry it (RFC 4702 §2.3, RFC 4704 §4):
 * labels joined by ".", lower-cased, no trailing dot; a name whose last label is not followed by the root
 * label is a partial name (RFC 4704 §4.2) and reads the same. Null if a label runs past `to` or uses a
 * compression or reserved label type (not allowed here).
 */
export function wireNameText(buf: Buffer, from: number, to: number): string | null {
  let pos = from;
  let out = 0;
  while (pos < to) {
    const length = buf[pos];
    if (length === 0) break;
    if (length > 63 || pos + 1 + length > to) return null;
    if (out > 0) scratch[out++] = 0x2e;
    for (let i = pos + 1; i <= pos + length; i++) {
      if (out > scratch.length - 4) return null;
      let octet = buf[i];
      if (octet >= 0x41 && octet <= 0x5a) octet |= 0x20;
      if (octet > 0x20 && octet < 0x7f && octet !== 0x2e && octet !== 0x5c) {
        scratch[out++] = octet;
      } else if (octet === 0x2e || octet === 0x5c) {
        scratch[out++] = 0x5c;
        scratch[out++] = octet;
      } else out = writeDecimalEscape(scratch, out, octet);
    }
    pos += 1 + length;
  }
  return scratch.toString('latin1', 0, out);
}
