/**
 * One direction of an HL7 v2 stream cut into segments, with or without MLLP framing (HL7 v2.5.1 Appendix
 * C.4.3: `<SB> message <EB><CR>`, SB = 0x0B, EB = 0x1C). Segments end at CR (HL7 §2.5.1), and LF or CR LF are
 * tolerated (files and some engines use them). Only the first MAX_KEPT_SEGMENT octets of a segment are
 * copied, into one buffer per direction; the rest is scanned (non-ASCII octets, escape sequences) and
 * counted, never stored, so memory is fixed whatever the peer sends.
 */
import { DEFAULT_SEPARATORS, isSegmentId } from './hl7-segment.js';

export const MLLP_START = 0x0b;
export const MLLP_END = 0x1c;
const CR = 0x0d;
const LF = 0x0a;

/** Octets of a frame before it is abandoned as not HL7 (or hostile): the reader then waits for the next SB. */
export const MAX_FRAME = 16 * 1024 * 1024;
/** Octets of a segment kept for reading its fields: MSH, MSA and PID fields read are all well within this. */
export const MAX_KEPT_SEGMENT = 1024;
/** Segments of one message that are interpreted; later ones (up to the next message) are skipped. */
export const MAX_SEGMENTS_PER_MESSAGE = 65536;
/** Octets after an escape character searched for the closing one (`\X0A0D...\` hex runs are the longest). */
const MAX_ESCAPE_LENGTH = 64;
/**
 * HL7 §2.7: the escape sequences are \F\ \S\ \T\ \R\ \E\ \P\ (v2.7 truncation), \Xhh..\ \Zxx..\ \H\ \N\ \Cxxyy\
 * \Mxxyyzz\ and the formatting commands `\.br\` etc.
 */
const ESCAPE_CODES = new Set('FSTREPXZHNCM.'.split('').map((c) => c.charCodeAt(0)));

export const enum Framing {
  Unknown,
  Mllp,
  Bare,
}

export interface SegmentSink {
  /** A complete segment: `seg[0, length)` kept, `cut` if it was longer. */
  segment(seg: Buffer, length: number, cut: boolean): void;
  /** An MLLP frame starts (resets the separators to the defaults until its MSH). */
  frameStart(): void;
  nonAscii(): void;
  escapeSequence(): void;
}

const enum Escape {
  None,
  AfterEscape,
  InSequence,
}

export class Hl7StreamReader {
  framing = Framing.Unknown;
  /** Set when the first octets were neither MLLP nor letters: the reader ignores everything after. */
  stopped = false;
  private inFrame = false;
  private frameLength = 0;
  private readonly kept = Buffer.allocUnsafe(MAX_KEPT_SEGMENT);
  private segLength = 0;
  private segmentsInMessage = 0;
  private headerSegment = false;
  private escapeState = Escape.None;
  private escapeLength = 0;
  /** Non-ASCII text is a fact about the stream: reported once. */
  private nonAsciiSeen = false;
  /** Field separator and escape character of the current message, for escape-sequence detection. */
  field = DEFAULT_SEPARATORS.field;
  escape = DEFAULT_SEPARATORS.escape;

  constructor(private readonly sink: SegmentSink) {}

  push(buf: Buffer, pos: number, end: number): void {
    for (; pos < end && !this.stopped; pos++) {
      // Fast path through the body of a segment (results can carry megabytes of encapsulated
      // data): octets that end nothing and start no escape are only counted and, near the start
      // of the segment, kept.
      if (this.segLength >= 7 && this.escapeState === Escape.None && (this.framing === Framing.Bare || (this.framing === Framing.Mllp && this.inFrame))) {
        const esc = this.escape;
        let i = pos;
        while (i < end) {
          const c = buf[i];
          if (c === CR || c === LF || c === MLLP_END || c === MLLP_START || c === esc || c >= 0x80) break;
          i++;
        }
        // Stop short of MAX_FRAME so the octet-by-octet path sees the frame overflow where it happens.
        if (this.framing === Framing.Mllp && this.frameLength + (i - pos) > MAX_FRAME) i = pos + Math.max(0, MAX_FRAME - this.frameLength);
        const n = i - pos;
        if (n > 0) {
          if (this.segLength < MAX_KEPT_SEGMENT) buf.copy(this.kept, this.segLength, pos, Math.min(i, pos + MAX_KEPT_SEGMENT - this.segLength));
          this.segLength += n;
          if (this.framing === Framing.Mllp) this.frameLength += n;
          pos = i;
          if (pos >= end) return;
        }
      }
      const c = buf[pos];
      if (this.framing === Framing.Unknown) {
        if (c === CR || c === LF || c === 0x20 || c === 0x09) continue;
        if (c === MLLP_START) {
          this.framing = Framing.Mllp;
        } else if (c >= 0x41 && c <= 0x5a) {
          this.framing = Framing.Bare;
        } else {
          this.stopped = true;
          return;
        }
      }
      if (this.framing === Framing.Mllp) {
        if (c === MLLP_START) {
          this.startFrame();
          continue;
        }
        if (!this.inFrame) continue;
        if (++this.frameLength > MAX_FRAME) {
          this.inFrame = false;
          this.resetSegment();
          continue;
        }
        if (c === MLLP_END) {
          this.endSegment();
          this.inFrame = false;
          continue;
        }
      }
      this.segmentOctet(c);
    }
  }

  /** Octets were lost: the segment and frame in progress are dropped; the next SB (or segment) resynchronises. */
  gap(): void {
    this.inFrame = false;
    this.resetSegment();
    this.segLength = -1;
  }

  private startFrame(): void {
    this.inFrame = true;
    this.frameLength = 0;
    this.segmentsInMessage = 0;
    this.resetSegment();
    this.field = DEFAULT_SEPARATORS.field;
    this.escape = DEFAULT_SEPARATORS.escape;
    this.sink.frameStart();
  }

  private segmentOctet(c: number): void {
    if (c === CR || c === LF) {
      this.endSegment();
      return;
    }
    // After a gap, a bare stream's next segment starts after the next line end.
    if (this.segLength < 0) return;
    const at = this.segLength++;
    if (at < MAX_KEPT_SEGMENT) this.kept[at] = c;
    if (c >= 0x80 && !this.nonAsciiSeen) {
      this.nonAsciiSeen = true;
      this.sink.nonAscii();
    }
    if (at === 3) {
      this.headerSegment = isHeader(this.kept);
      if (this.headerSegment) this.field = c;
    } else if (at === 6 && this.headerSegment) {
      if (c !== this.field) this.escape = c;
    } else if (at > 3 && !this.headerSegment) {
      this.scanEscape(c);
    }
  }

  private scanEscape(c: number): void {
    switch (this.escapeState) {
      case Escape.None:
        if (c === this.escape) this.escapeState = Escape.AfterEscape;
        break;
      case Escape.AfterEscape:
        this.escapeState = ESCAPE_CODES.has(c) ? Escape.InSequence : c === this.escape ? Escape.AfterEscape : Escape.None;
        this.escapeLength = 0;
        break;
      default:
        if (c === this.escape) {
          this.sink.escapeSequence();
          this.escapeState = Escape.None;
        } else if (c === this.field || ++this.escapeLength > MAX_ESCAPE_LENGTH) {
          this.escapeState = Escape.None;
        }
    }
  }

  private endSegment(): void {
    const length = this.segLength;
    this.resetSegment();
    if (length < 3) return;
    const kept = this.kept;
    if (!isSegmentId(kept[0], kept[1], kept[2])) return;
    if (length > 3 && !isHeader(kept) && kept[3] !== this.field) return;
    if (kept[0] === 0x4d && kept[1] === 0x53 && kept[2] === 0x48) this.segmentsInMessage = 0;
    if (++this.segmentsInMessage > MAX_SEGMENTS_PER_MESSAGE) return;
    this.sink.segment(kept, Math.min(length, MAX_KEPT_SEGMENT), length > MAX_KEPT_SEGMENT);
  }

  private resetSegment(): void {
    this.segLength = 0;
    this.headerSegment = false;
    this.escapeState = Escape.None;
  }
}

/** MSH, FHS or BHS: the segments that declare their own separators (HL7 §2.14.9, §2.15.1, §2.15.2). */
export function isHeader(seg: Buffer): boolean {
  const a = seg[0];
  const b = seg[1];
  const c = seg[2];
  return (a === 0x4d && b === 0x53 && c === 0x48) || ((a === 0x46 || a === 0x42) && b === 0x48 && c === 0x53);
}
