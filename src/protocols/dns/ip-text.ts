/**
 * Text forms of the addresses DNS carries, matching the form `Endpoint.ip` uses (observation.ts), so
 * an answered address and the host that later uses it compare equal as strings.
 */

/** Dotted quad of the 4 octets at `offset`. The caller checks that they are in bounds. */
export function ipv4Text(buf: Buffer, offset: number): string {
  return `${buf[offset]}.${buf[offset + 1]}.${buf[offset + 2]}.${buf[offset + 3]}`;
}

/**
 * RFC 5952 text of the 16 octets at `offset`: lower-case hex, no leading zeros, the longest run of two or
 * more zero groups (the first on a tie) shortened to "::", and IPv4-mapped addresses in mixed notation
 * (§5). The caller checks that the octets are in bounds.
 */
export function ipv6Text(buf: Buffer, offset: number): string {
  if (isV4Mapped(buf, offset)) return `::ffff:${ipv4Text(buf, offset + 12)}`;
  // §4.2.2: "::" must not shorten a single 16-bit 0 field, so a run has to be at least 2 groups long.
  let bestStart = -1;
  let bestLength = 1;
  let runStart = -1;
  for (let g = 0; g < 8; g++) {
    const zero = buf[offset + 2 * g] === 0 && buf[offset + 2 * g + 1] === 0;
    if (zero) {
      if (runStart < 0) runStart = g;
      const length = g - runStart + 1;
      if (length > bestLength) {
        bestStart = runStart;
        bestLength = length;
      }
    } else {
      runStart = -1;
    }
  }
  let text = '';
  for (let g = 0; g < 8; g++) {
    if (g === bestStart) {
      text += g === 0 ? '::' : ':';
      g += bestLength - 1;
      continue;
    }
    text += ((buf[offset + 2 * g] << 8) | buf[offset + 2 * g + 1]).toString(16);
    if (g < 7) text += ':';
  }
  return text;
}

function isV4Mapped(buf: Buffer, offset: number): boolean {
  for (let i = 0; i < 10; i++) if (buf[offset + i] !== 0) return false;
  return buf[offset + 10] === 0xff && buf[offset + 11] === 0xff;
}
