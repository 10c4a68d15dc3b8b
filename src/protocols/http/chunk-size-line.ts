/**
 * The size line of an HTTP/1.1 chunk (RFC 9112 §7.1): `chunk-size [ chunk-ext ] CRLF`, fed octet by
 * octet so a line split across segments needs no buffer. Shared by every reader of chunked bodies.
 */
export class ChunkSizeLine {
  size = 0;
  digits = 0;
  valid = true;
  private extension = false;

  octet(c: number): void {
    if (this.extension || c === 0x0d) return;
    if (c === 0x3b || c === 0x20 || c === 0x09) {
      // chunk-ext (`;name=value`) and the whitespace some senders put before it.
      this.extension = this.digits > 0;
      if (!this.extension) this.valid = false;
      return;
    }
    const v = hexValue(c);
    // Seven significant hex digits (256 MiB) is plenty; more would lose precision or hide an overflow
    // attack. Leading zeros do not count: some embedded servers pad sizes to eight digits (`0000013b`).
    if (v < 0 || this.size >= 0x1000000) this.valid = false;
    else {
      this.size = this.size * 16 + v;
      this.digits++;
    }
  }

  /** The line ended: a size was read and nothing invalid came before it. */
  get complete(): boolean {
    return this.valid && this.digits > 0;
  }

  reset(): void {
    this.size = 0;
    this.digits = 0;
    this.valid = true;
    this.extension = false;
  }
}

export function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  const l = c | 0x20;
  if (l >= 0x61 && l <= 0x66) return l - 0x61 + 10;
  return -1;
}
