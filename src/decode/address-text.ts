const HEX: string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/**
 * Texts are interned: a hospital's few thousand addresses are named on every flow and fact, and the
 * same string each time means no new string to collect and a hash V8 computed once for every Map
 * keyed by it downstream. A direct-mapped table on typed arrays: a lookup allocates nothing (a Map
 * keyed by a 48-bit number would box it), and a collision only costs building the text again.
 */
class AddressTexts {
  private readonly hi = new Uint32Array(TEXT_SLOTS);
  private readonly lo = new Uint32Array(TEXT_SLOTS);
  private readonly texts: (string | undefined)[] = new Array<string | undefined>(TEXT_SLOTS).fill(undefined);

  /** The slot of key (hi, lo), or -1 - slot when that slot holds another key (or none). */
  find(hi: number, lo: number): number {
    const slot = (Math.imul(lo ^ Math.imul(hi, 0x9e3779b1), 0x85ebca6b) >>> (32 - TEXT_BITS)) & (TEXT_SLOTS - 1);
    return this.texts[slot] !== undefined && this.hi[slot] === hi && this.lo[slot] === lo ? slot : -1 - slot;
  }

  text(slot: number): string {
    return this.texts[slot]!;
  }

  set(miss: number, hi: number, lo: number, text: string): string {
    const slot = -1 - miss;
    this.hi[slot] = hi;
    this.lo[slot] = lo;
    this.texts[slot] = text;
    return text;
  }
}

const TEXT_BITS = 14;
const TEXT_SLOTS = 1 << TEXT_BITS;
const macTexts = new AddressTexts();
const ipv4Texts = new AddressTexts();

export function macText(buf: Uint8Array, offset: number): string {
  const hi = (buf[offset] << 8) | buf[offset + 1];
  const lo = ((buf[offset + 2] << 24) | (buf[offset + 3] << 16) | (buf[offset + 4] << 8) | buf[offset + 5]) >>> 0;
  const slot = macTexts.find(hi, lo);
  if (slot >= 0) return macTexts.text(slot);
  // join makes a flat string, where a template literal would leave a rope to flatten on first hashing.
  return macTexts.set(slot, hi, lo, [HEX[buf[offset]], HEX[buf[offset + 1]], HEX[buf[offset + 2]], HEX[buf[offset + 3]], HEX[buf[offset + 4]], HEX[buf[offset + 5]]].join(':'));
}

export function ipv4Text(buf: Uint8Array, offset: number): string {
  return ipv4TextOf(((buf[offset] << 24) | (buf[offset + 1] << 16) | (buf[offset + 2] << 8) | buf[offset + 3]) >>> 0);
}

/** Dotted text of an IPv4 address held as an unsigned 32-bit number. */
export function ipv4TextOf(a: number): string {
  const slot = ipv4Texts.find(0, a);
  if (slot >= 0) return ipv4Texts.text(slot);
  return ipv4Texts.set(slot, 0, a, [a >>> 24, (a >>> 16) & 0xff, (a >>> 8) & 0xff, a & 0xff].join('.'));
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
