import type { CaptureDamage } from './capture-error.js';

/**
 * Base of the push parsers: they are fed chunks of any size and see each record whole. A record
 * that straddles two chunks is the only thing ever copied (into `carry`); everything else is
 * parsed in place in the chunk it arrived in.
 */
export abstract class ChunkedParser {
  private carry: Buffer = Buffer.allocUnsafe(64 * 1024);
  private carryLen = 0;
  /** Stream offset of byte 0 of the buffer being parsed (chunk or carry). */
  protected base = 0;
  /** Set once damage stops parsing; nothing after it is read. */
  damage: CaptureDamage | null = null;
  /** Total bytes pushed. */
  bytesIn = 0;

  /**
   * Bytes the next unit at `buf[offset]` needs, given `available` bytes there: its header size
   * while the header is incomplete, then its full length. Return -1 when the header shows damage
   * (the parser must have called `fail`).
   */
  protected abstract need(buf: Buffer, offset: number, available: number): number;

  /** Parse whole units in `buf[offset..end)`; return the offset of the first incomplete one. */
  protected abstract parse(buf: Buffer, offset: number, end: number): number;

  protected fail(offset: number, reason: string): void {
    if (!this.damage) this.damage = { offset, reason };
  }

  push(chunk: Buffer): void {
    this.bytesIn += chunk.length;
    if (this.damage) return;
    let pos = 0;
    const chunkBase = this.bytesIn - chunk.length;
    while (this.carryLen > 0) {
      // The carry's first byte sits `carryLen - pos` bytes before the chunk's unread part.
      this.base = chunkBase + pos - this.carryLen;
      const need = this.need(this.carry, 0, this.carryLen);
      if (need < 0 || this.damage) return;
      if (this.carryLen < need) {
        const take = Math.min(need - this.carryLen, chunk.length - pos);
        this.ensureCarry(need);
        chunk.copy(this.carry, this.carryLen, pos, pos + take);
        this.carryLen += take;
        pos += take;
        if (this.carryLen < need) return;
        continue;
      }
      this.base = chunkBase + pos - this.carryLen;
      const used = this.parse(this.carry, 0, this.carryLen);
      if (this.damage) return;
      if (used !== this.carryLen) {
        // need() promised a whole unit; a parser that cannot use it has found damage.
        this.fail(this.base + used, 'record could not be parsed');
        return;
      }
      this.carryLen = 0;
    }
    this.base = chunkBase;
    const stop = this.parse(chunk, pos, chunk.length);
    if (this.damage) return;
    if (stop < chunk.length) {
      const rest = chunk.length - stop;
      this.ensureCarry(rest);
      chunk.copy(this.carry, 0, stop, chunk.length);
      this.carryLen = rest;
    }
  }

  /** Call at end of input: leftover bytes mean the capture was cut inside a record. */
  finish(): CaptureDamage | null {
    if (!this.damage && this.carryLen > 0) {
      this.damage = {
        offset: this.bytesIn - this.carryLen,
        reason: `capture ends inside a record (${this.carryLen} bytes of it present)`,
      };
      this.carryLen = 0;
    }
    return this.damage;
  }

  private ensureCarry(size: number): void {
    if (this.carry.length >= size) return;
    const next = Buffer.allocUnsafe(Math.max(size, this.carry.length * 2));
    this.carry.copy(next, 0, 0, this.carryLen);
    this.carry = next;
  }
}
