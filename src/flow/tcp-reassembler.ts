/** Memory shared by every stream's out-of-order buffers, so the total stays bounded. */
export class ReassemblyBudget {
  held = 0;
  /** Segments that could not be held for lack of memory (per stream or overall). */
  overflows = 0;
  constructor(readonly maxBytes: number) {}
}

export interface StreamSink {
  /** In-order bytes. `buf` is only valid during the call. */
  data(buf: Buffer, offset: number, length: number): void;
  /** `length` bytes are missing before the next delivered byte. */
  gap(length: number): void;
}

interface HeldSegment {
  seq: number;
  data: Buffer;
}

export const DEFAULT_STREAM_HOLD_BYTES = 256 * 1024;
export const DEFAULT_TOTAL_HOLD_BYTES = 64 * 1024 * 1024;

/** Signed distance a - b in 32-bit sequence space (RFC 1982 serial arithmetic). */
function seqDiff(a: number, b: number): number {
  return (a - b) | 0;
}

/**
 * One direction of a TCP stream: delivers bytes in order, holds out-of-order segments (copied)
 * within a per-stream and a shared bound, trims retransmissions, and reports gaps when a hole
 * cannot be waited for any longer.
 */
export class TcpReassembler {
  private nextSeq = 0;
  private started = false;
  private finished = false;
  private held: HeldSegment[] = [];
  private heldBytes = 0;
  delivered = 0;
  gaps = 0;
  gapBytes = 0;

  constructor(
    private readonly sink: StreamSink,
    private readonly budget: ReassemblyBudget,
    private readonly maxHold = DEFAULT_STREAM_HOLD_BYTES,
  ) {}

  /** The initial sequence number from a SYN: data starts one past it. */
  syn(seq: number): void {
    if (this.started) return;
    this.nextSeq = (seq + 1) >>> 0;
    this.started = true;
  }

  segment(seq: number, buf: Buffer, offset: number, length: number): void {
    if (length <= 0 || this.finished) return;
    if (!this.started) {
      // Picked up mid-stream: the first segment seen sets the origin.
      this.nextSeq = seq;
      this.started = true;
    }
    let rel = seqDiff(seq, this.nextSeq);
    if (rel < 0) {
      // Retransmission overlapping what was delivered: keep only the new tail.
      if (rel + length <= 0) return;
      offset -= rel;
      length += rel;
      seq = this.nextSeq;
      rel = 0;
    }
    if (rel === 0) {
      this.deliver(buf, offset, length);
      this.drain();
      return;
    }
    if (this.heldBytes + length > this.maxHold || this.budget.held + length > this.budget.maxBytes) {
      // Cannot wait for the hole: give up on it, deliver what is held, then this segment.
      this.budget.overflows++;
      this.flushHeld();
      const missing = seqDiff(seq, this.nextSeq);
      if (missing > 0) this.skip(missing);
      else if (missing < 0) {
        if (missing + length <= 0) return;
        offset -= missing;
        length += missing;
      }
      this.deliver(buf, offset, length);
      return;
    }
    this.hold(seq, buf, offset, length);
  }

  /** End of the stream (FIN, RST or end of flow): deliver whatever is held, with its gaps. */
  finish(): void {
    if (this.finished) return;
    this.flushHeld();
    this.finished = true;
  }

  get bufferedBytes(): number {
    return this.heldBytes;
  }

  private deliver(buf: Buffer, offset: number, length: number): void {
    this.nextSeq = (this.nextSeq + length) >>> 0;
    this.delivered += length;
    this.sink.data(buf, offset, length);
  }

  private skip(length: number): void {
    this.gaps++;
    this.gapBytes += length;
    this.nextSeq = (this.nextSeq + length) >>> 0;
    this.sink.gap(length);
  }

  private hold(seq: number, buf: Buffer, offset: number, length: number): void {
    const seg: HeldSegment = { seq, data: Buffer.from(buf.subarray(offset, offset + length)) };
    let i = this.held.length;
    while (i > 0 && seqDiff(this.held[i - 1].seq, seq) > 0) i--;
    this.held.splice(i, 0, seg);
    this.heldBytes += length;
    this.budget.held += length;
  }

  /** Deliver held segments that have become in order. */
  private drain(): void {
    while (this.held.length > 0) {
      const seg = this.held[0];
      const rel = seqDiff(seg.seq, this.nextSeq);
      if (rel > 0) return;
      this.release(seg);
      const skip = -rel;
      if (skip < seg.data.length) this.deliver(seg.data, skip, seg.data.length - skip);
    }
  }

  private flushHeld(): void {
    while (this.held.length > 0) {
      const seg = this.held[0];
      const rel = seqDiff(seg.seq, this.nextSeq);
      if (rel > 0) this.skip(rel);
      this.drain();
    }
  }

  private release(seg: HeldSegment): void {
    this.held.shift();
    this.heldBytes -= seg.data.length;
    this.budget.held -= seg.data.length;
  }
}
