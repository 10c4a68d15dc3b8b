/**
 * A bounded line splitter for one direction of a text protocol (FTP, RFC 959 §4.2: lines end in CR LF).
 * Keeps at most `max` octets of each line; the rest of an over-long line is counted, not stored, so memory
 * is fixed whatever the peer sends. A line is reported only once its LF arrives, so where the stream was
 * split cannot change what is seen.
 */
const LF = 0x0a;
const CR = 0x0d;

export class LineSplitter {
  private readonly line: Buffer;
  private length = 0;
  private overflow = false;

  constructor(max: number) {
    this.line = Buffer.alloc(max);
  }

  /**
   * Feeds `buf[pos..end)`; calls `onLine(line, length, truncated)` for each complete line (CR LF or LF
   * removed), stopping early when it returns false. Returns the offset where it stopped.
   */
  push(buf: Buffer, pos: number, end: number, onLine: (line: Buffer, length: number, truncated: boolean) => boolean): number {
    while (pos < end) {
      const lf = buf.subarray(pos, end).indexOf(LF);
      const stop = lf < 0 ? end : pos + lf;
      const keep = Math.min(stop - pos, this.line.length - this.length);
      if (keep > 0) buf.copy(this.line, this.length, pos, pos + keep);
      this.length += keep;
      if (stop - pos > keep) this.overflow = true;
      if (stop === end) return end;
      let n = this.length;
      const truncated = this.overflow;
      if (!truncated && n > 0 && this.line[n - 1] === CR) n--;
      this.length = 0;
      this.overflow = false;
      pos = stop + 1;
      if (!onLine(this.line, n, truncated)) return pos;
    }
    return pos;
  }
}
