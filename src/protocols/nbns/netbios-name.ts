/**
 * NetBIOS names (RFC 1001 §14, RFC 1002 §4.1) and their text form.
 *
 * On the wire a 16-octet NetBIOS name (15 characters padded with spaces, then a suffix octet saying what the
 * name is for: <00> workstation, <20> file server, <1c> domain controllers...) is "first level encoded" into
 * 32 letters 'A'-'P', one per half-octet, and sent as the first label of a DNS-style name, followed by the
 * NetBIOS scope as further labels; DNS compression pointers may be used (RFC 1002 §4.1).
 *
 * Text form, as tshark shows `nbns.name`: the 15 characters with trailing spaces removed, then the suffix as
 * `<xx>` (two lower-case hex digits), e.g. `WORKGROUP<1d>`; octets that are not printable ASCII are also
 * written `<xx>` (`*<00><00>...` for the node-status wildcard), and so is a space inside the name, so a name
 * never contains a space and can be paired with other text by one (tshark prints that space as is). A scope
 * follows as `.label` (lower-cased, as DNS names are).
 */

/** RFC 1002 §4.1: the encoded NetBIOS name label is always 32 octets. */
export const ENCODED_NAME_LENGTH = 32;
export const NETBIOS_NAME_LENGTH = 16;
const MAX_NAME_LENGTH = 255;
const MAX_POINTER_JUMPS = 127;

/** A name and a scope: at most 15 * 4 + 4 characters, plus up to 255 octets of scope as 4 characters each. */
const scratch = Buffer.allocUnsafe(64 + 4 * MAX_NAME_LENGTH);
const HEX = '0123456789abcdef';

function writeHexOctet(out: number, octet: number): number {
  scratch[out] = 0x3c;
  scratch[out + 1] = HEX.charCodeAt(octet >> 4);
  scratch[out + 2] = HEX.charCodeAt(octet & 15);
  scratch[out + 3] = 0x3e;
  return out + 4;
}

/** Writes the 16-octet NetBIOS name `src[at..at+16)` at the start of the scratch; returns its length. */
function writeName(src: Buffer, at: number): number {
  let last = 14;
  while (last >= 0 && src[at + last] === 0x20) last--;
  let out = 0;
  for (let i = 0; i <= last; i++) {
    const c = src[at + i];
    if (c > 0x20 && c < 0x7f && c !== 0x3c && c !== 0x3e) scratch[out++] = c;
    else out = writeHexOctet(out, c);
  }
  return writeHexOctet(out, src[at + 15]);
}

/** The decoded octets of a first-level-encoded name. */
const decoded = Buffer.allocUnsafe(NETBIOS_NAME_LENGTH);

/** Text form of a raw 16-octet NetBIOS name at `buf[pos..pos+16)` (as node status responses list them). */
export function rawNetbiosName(buf: Buffer, pos: number): string {
  const out = writeName(buf, pos);
  return scratch.toString('latin1', 0, out);
}

/** Value of one first-level-encoded letter ('A'..'P' → 0..15), or -1. */
function halfOctet(c: number): number {
  const v = c - 0x41;
  return v >= 0 && v < 16 ? v : -1;
}

/**
 * Text form of the encoded NetBIOS name at `pos` in the message `buf[start..end)`, following compression
 * pointers (offsets from `start`); null if the first label is not 32 letters 'A'-'P', or the name is
 * malformed, loops, runs past `end` or exceeds 255 octets. Allocates only the returned string.
 */
export function readNetbiosName(buf: Buffer, start: number, end: number, pos: number): string | null {
  let jumps = 0;
  let length = 0;
  let out = -1;
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
    if (length + 1 > MAX_NAME_LENGTH || pos + 1 + octet > end) return null;
    if (out < 0) {
      if (octet !== ENCODED_NAME_LENGTH) return null;
      const at = pos + 1;
      for (let i = 0; i < ENCODED_NAME_LENGTH; i++) if (halfOctet(buf[at + i]) < 0) return null;
      for (let i = 0; i < NETBIOS_NAME_LENGTH; i++) decoded[i] = (halfOctet(buf[at + 2 * i]) << 4) | halfOctet(buf[at + 2 * i + 1]);
      out = writeName(decoded, 0);
    } else {
      scratch[out++] = 0x2e;
      for (let i = pos + 1; i <= pos + octet; i++) {
        let c = buf[i];
        if (c >= 0x41 && c <= 0x5a) c |= 0x20;
        if (c > 0x20 && c < 0x7f && c !== 0x2e && c !== 0x3c && c !== 0x3e) scratch[out++] = c;
        else out = writeHexOctet(out, c);
      }
    }
    pos += 1 + octet;
  }
  return out < 0 ? null : scratch.toString('latin1', 0, out);
}
