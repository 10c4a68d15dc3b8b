/**
 * One direction of an ASTM stream cut into E1394 records, either through the E1381 (CLSI LIS1-A) low level
 * or raw. E1381 §6: the sender bids with ENQ, the receiver answers ACK or NAK; each frame is
 * `STX FN text ETB|ETX C1 C2 CR LF`, FN the frame number 0-7, at most 247 characters (240 of text), ETB for
 * an intermediate frame and ETX for the last one of a message; C1 C2 is the sum of the characters from FN up
 * to and including ETB or ETX, modulo 256, as two upper-case hex digits; EOT ends the transfer. A frame
 * whose checksum does not match is counted and its text dropped (the receiver NAKs it and the sender
 * repeats it). Raw streams (LIS2-A2 records without E1381) separate records with CR (or LF).
 * Records end at CR (E1394 §5.4.2) and may span frames; only the first MAX_KEPT_RECORD octets are kept.
 */

export const ENQ = 0x05;
export const ACK = 0x06;
export const NAK = 0x15;
export const EOT = 0x04;
export const STX = 0x02;
export const ETX = 0x03;
export const ETB = 0x17;
const CR = 0x0d;
const LF = 0x0a;

/** E1381 §6.3.1: a frame holds at most 247 characters; FN, text, ETB/ETX: 244 are between STX and the checksum. */
export const MAX_FRAME_BODY = 247;
/** Octets of a record kept for reading its fields: header fields sit well within this. */
export const MAX_KEPT_RECORD = 1024;

export const enum AstmFraming {
  Unknown,
  E1381,
  Raw,
}

export interface RecordSink {
  /** A complete record `rec[0, length)` (without its CR), `cut` if it was longer than what was kept. */
  record(rec: Buffer, length: number, cut: boolean): void;
  /** A frame whose checksum matched, or did not. */
  frame(valid: boolean): void;
}

const enum State {
  Idle,
  Body,
  Checksum1,
  Checksum2,
}

export class AstmStreamReader {
  framing = AstmFraming.Unknown;
  stopped = false;
  private state = State.Idle;
  private sum = 0;
  private bodyLength = 0;
  private expected = 0;
  private received = 0;
  /** The current frame's text (after FN), held until its checksum is checked. */
  private readonly body = Buffer.allocUnsafe(MAX_FRAME_BODY);
  private readonly kept = Buffer.allocUnsafe(MAX_KEPT_RECORD);
  private recordLength = 0;

  constructor(private readonly sink: RecordSink) {}

  push(buf: Buffer, pos: number, end: number): void {
    for (; pos < end && !this.stopped; pos++) {
      const c = buf[pos];
      if (this.framing === AstmFraming.Unknown) {
        if (c === CR || c === LF || c === 0x20) continue;
        if (c === ENQ || c === STX || c === ACK || c === NAK || c === EOT) this.framing = AstmFraming.E1381;
        else if (c >= 0x41 && c <= 0x5a) this.framing = AstmFraming.Raw;
        else {
          this.stopped = true;
          return;
        }
      }
      if (this.framing === AstmFraming.Raw) this.recordOctet(c, true);
      else this.frameOctet(c);
    }
  }

  /** Octets were lost: the frame and record in progress are dropped. */
  gap(): void {
    this.state = State.Idle;
    this.recordLength = -1;
  }

  private frameOctet(c: number): void {
    switch (this.state) {
      case State.Idle:
        if (c === STX) this.startFrame();
        else if (c === EOT || c === ENQ) this.recordLength = 0;
        return;
      case State.Body:
        if (c === STX) {
          this.startFrame();
          return;
        }
        if (c === ENQ || c === EOT) {
          this.state = State.Idle;
          return;
        }
        this.sum = (this.sum + c) & 0xff;
        if (c === ETX || c === ETB) {
          this.expected = this.sum;
          this.state = State.Checksum1;
        } else if (this.bodyLength >= MAX_FRAME_BODY) {
          // Not a frame (or a lost ETX): what was gathered is dropped.
          this.state = State.Idle;
        } else {
          this.body[this.bodyLength++] = c;
        }
        return;
      case State.Checksum1:
        this.received = hexValue(c) << 4;
        this.state = hexValue(c) < 0 ? State.Idle : State.Checksum2;
        if (this.state === State.Idle) this.sink.frame(false);
        return;
      default: {
        const low = hexValue(c);
        this.state = State.Idle;
        const valid = low >= 0 && (this.received | low) === this.expected && this.bodyLength > 0 && isFrameNumber(this.body[0]);
        this.sink.frame(valid);
        if (!valid) return;
        for (let i = 1; i < this.bodyLength; i++) this.recordOctet(this.body[i], false);
      }
    }
  }

  private startFrame(): void {
    this.state = State.Body;
    this.sum = 0;
    this.bodyLength = 0;
  }

  private recordOctet(c: number, raw: boolean): void {
    if (c === CR || (raw && c === LF)) {
      const length = this.recordLength;
      this.recordLength = 0;
      if (length > 0) this.sink.record(this.kept, Math.min(length, MAX_KEPT_RECORD), length > MAX_KEPT_RECORD);
      return;
    }
    if (this.recordLength < 0) return;
    if (this.recordLength < MAX_KEPT_RECORD) this.kept[this.recordLength] = c;
    this.recordLength++;
  }
}

function isFrameNumber(c: number): boolean {
  return c >= 0x30 && c <= 0x37;
}

/** Value of an upper- or lower-case hex digit, or -1. */
export function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  return -1;
}
