const HEX: string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

export function macText(buf: Uint8Array, offset: number): string {
  return `${HEX[buf[offset]]}:${HEX[buf[offset + 1]]}:${HEX[buf[offset + 2]]}:${HEX[buf[offset + 3]]}:${HEX[buf[offset + 4]]}:${HEX[buf[offset + 5]]}`;
}

export function ipv4Text(buf: Uint8Array, offset: number): string {
  return `${buf[offset]}.${buf[offset + 1]}.${buf[offset + 2]}.${buf[offset + 3]}`;
}

/** RFC 5952 text: lower case, leading zeros dropped, the longest run of two or more zero groups as `::`. */
export function ipv6Text(buf: Uint8Array, offset: number): string {
  const groups: number[] = [];
  for (let i = 0; i < 8; i++) groups.push((buf[offset + 2 * i] << 8) | buf[offset + 2 * i + 1]);
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  // IPv4-mapped addresses keep the dotted tail, as tshark and inet_ntop print them.
  if (bestStart === 0 && bestLen === 5 && groups[5] === 0xffff) return `::ffff:${ipv4Text(buf, offset + 12)}`;
  const text = (from: number, to: number) => groups.slice(from, to).map((g) => g.toString(16)).join(':');
  if (bestStart < 0) return text(0, 8);
  return `${text(0, bestStart)}::${text(bestStart + bestLen, 8)}`;
}

export function ipText(buf: Uint8Array, offset: number, length: number): string {
  return length === 4 ? ipv4Text(buf, offset) : ipv6Text(buf, offset);
}
