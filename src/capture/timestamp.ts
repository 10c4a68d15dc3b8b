/**
 * Exact conversion of a 64-bit tick count (as two 32-bit halves) at `unitsPerSecond` into whole
 * seconds and nanoseconds. Nanosecond pcapng timestamps exceed 2^53, so a plain double would lose
 * the low digits; long division by 16-bit digits keeps every intermediate below 2^53.
 * Results land in `out` to keep the per-packet path allocation-free.
 */
export interface SecNsec {
  sec: number;
  nsec: number;
}

export function ticksToSecNsec(high: number, low: number, unitsPerSecond: number, out: SecNsec): void {
  if (high === 0 && unitsPerSecond <= 0xffffffff) {
    const sec = Math.floor(low / unitsPerSecond);
    out.sec = sec;
    out.nsec = fractionToNsec(low - sec * unitsPerSecond, unitsPerSecond);
    return;
  }
  let rem = 0;
  let quot = 0;
  const digits = [high >>> 16, high & 0xffff, low >>> 16, low & 0xffff];
  for (let i = 0; i < 4; i++) {
    const cur = rem * 65536 + digits[i];
    const q = Math.floor(cur / unitsPerSecond);
    rem = cur - q * unitsPerSecond;
    quot = quot * 65536 + q;
  }
  out.sec = quot;
  out.nsec = fractionToNsec(rem, unitsPerSecond);
}

function fractionToNsec(units: number, unitsPerSecond: number): number {
  if (unitsPerSecond === 1e9) return units;
  if (unitsPerSecond === 1e6) return units * 1000;
  return Math.floor((units * 1e9) / unitsPerSecond);
}

/** if_tsresol: "If the Most Significant Bit is equal to zero, the remaining bits indicates the
 * resolution of the timestamp as a negative power of 10 ... If the Most Significant Bit is equal
 * to one, the remaining bits indicates the resolution as negative power of 2". */
export function tsresolToUnitsPerSecond(tsresol: number): number {
  const exp = tsresol & 0x7f;
  return tsresol & 0x80 ? 2 ** exp : 10 ** exp;
}
