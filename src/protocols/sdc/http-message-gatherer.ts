/**
 * Gathers whole HTTP/1.x messages (head and body) of one direction of a TCP stream, for SOAP over HTTP:
 * bodies framed by Content-Length or chunked transfer coding (RFC 9112 §6.3, §7.1), or, for a response
 * with neither, by the close of the connection. Everything is bounded: a head over `maxHead` stops the
 * direction, and so does a body over `maxBody`, unless the gatherer keeps prefixes: then the body's first
 * `maxBody` octets are handed on (marked `truncated`) and the rest is skipped by its framing. Chunks of any size are accepted; each octet is examined a bounded
 * number of times, so one-octet delivery stays linear.
 */
import { ChunkSizeLine } from '../http/chunk-size-line.js';
import { field, findHeadEnd, parseHead, parseStartLine, valueText, type MessageHead } from '../http/http-head.js';

/** Longest chunk-size line (RFC 9112 §7.1); a longer one means the framing is lost. */
const MAX_CHUNK_LINE = 1024;

export interface HttpMessage {
  readonly head: MessageHead;
  readonly method: string | null;
  readonly status: number | null;
  readonly body: Buffer;
  /** Only the first `maxBody` octets of a longer body (gatherers that keep prefixes). */
  readonly truncated: boolean;
}

const enum Phase {
  Head,
  Body,
  ChunkLine,
  ChunkData,
  ChunkDataEnd,
  Trailer,
  UntilClose,
  Stopped,
}

export class HttpMessageGatherer {
  private phase = Phase.Head;
  private head: Buffer;
  private headLength = 0;
  private parsed: MessageHead | null = null;
  private method: string | null = null;
  private status: number | null = null;
  private body: Buffer | null = null;
  private bodyLength = 0;
  private remaining = 0;
  private line = 0;
  private readonly chunk = new ChunkSizeLine();
  private messages = 0;
  /** Octets of the current body beyond `maxBody`, skipped (prefix-keeping gatherers only). */
  private dropped = 0;

  constructor(
    private readonly maxHead: number,
    private readonly maxBody: number,
    private readonly maxMessages: number,
    private readonly onMessage: (message: HttpMessage) => void,
    /** Hand on the first `maxBody` octets of a longer body instead of stopping (for formats whose head comes first). */
    private readonly keepPrefix = false,
  ) {
    this.head = Buffer.alloc(0);
  }

  get stopped(): boolean {
    return this.phase === Phase.Stopped;
  }

  stop(): void {
    this.phase = Phase.Stopped;
    this.body = null;
    this.parsed = null;
  }

  push(buf: Buffer, offset: number, length: number): void {
    let pos = offset;
    const end = offset + length;
    while (pos < end && this.phase !== Phase.Stopped) {
      switch (this.phase) {
        case Phase.Head:
          pos = this.readHead(buf, pos, end);
          break;
        case Phase.Body:
        case Phase.ChunkData:
        case Phase.UntilClose: {
          const n = this.phase === Phase.UntilClose ? end - pos : Math.min(this.remaining, end - pos);
          if (!this.append(buf, pos, n)) return;
          pos += n;
          if (this.phase === Phase.UntilClose) break;
          this.remaining -= n;
          if (this.remaining > 0) break;
          if (this.phase === Phase.Body) this.complete();
          else {
            this.phase = Phase.ChunkDataEnd;
            this.line = 0;
          }
          break;
        }
        default:
          pos = this.readLine(buf, pos, end);
      }
    }
  }

  /** The connection closed: a body delimited by the close is complete. */
  close(): void {
    if (this.phase === Phase.UntilClose) this.complete();
  }

  private readHead(buf: Buffer, pos: number, end: number): number {
    if (this.headLength === 0) {
      while (pos < end && (buf[pos] === 0x0d || buf[pos] === 0x0a)) pos++;
      if (pos === end) return pos;
    }
    const n = Math.min(end - pos, this.maxHead - this.headLength);
    if (this.head.length < this.headLength + n) {
      const grown = Buffer.allocUnsafe(Math.min(this.maxHead, Math.max(1024, this.head.length * 2, this.headLength + n)));
      this.head.copy(grown, 0, 0, this.headLength);
      this.head = grown;
    }
    buf.copy(this.head, this.headLength, pos, pos + n);
    const before = this.headLength;
    this.headLength += n;
    const headEnd = findHeadEnd(this.head, 0, this.headLength, Math.max(0, before - 3));
    if (headEnd < 0) {
      if (this.headLength >= this.maxHead) this.stop();
      return pos + n;
    }
    const consumed = headEnd - before;
    this.headLength = 0;
    // The head is copied out: the gathering buffer is reused for the next message.
    const head = parseHead(Buffer.from(this.head.subarray(0, headEnd)), 0, headEnd);
    const line = head === null ? null : parseStartLine(head);
    if (head === null || line === null) {
      this.stop();
      return end;
    }
    this.parsed = head;
    this.method = line.method;
    this.status = line.status;
    this.startBody(head, line.method !== null);
    return pos + consumed;
  }

  private startBody(head: MessageHead, isRequest: boolean): void {
    this.body = null;
    this.bodyLength = 0;
    this.dropped = 0;
    const te = valueText(head, field(head, 'transfer-encoding'));
    const cl = valueText(head, field(head, 'content-length'));
    if (te !== null) {
      if (!/(^|,)\s*chunked\s*$/i.test(te)) {
        this.stop();
        return;
      }
      this.phase = Phase.ChunkLine;
      this.line = 0;
      this.chunk.reset();
      return;
    }
    if (cl !== null) {
      if (!/^\d{1,9}$/.test(cl)) {
        this.stop();
        return;
      }
      const length = Number(cl);
      if (length > this.maxBody && !this.keepPrefix) {
        this.stop();
        return;
      }
      this.remaining = length;
      this.phase = Phase.Body;
      if (length === 0) this.complete();
      return;
    }
    // RFC 9112 §6.3: a request without framing has no body; a response runs to the close.
    const bodyless = isRequest || this.status === 204 || this.status === 304 || (this.status !== null && this.status < 200);
    if (bodyless) this.complete();
    else this.phase = Phase.UntilClose;
  }

  private append(buf: Buffer, pos: number, n: number): boolean {
    if (this.bodyLength + n > this.maxBody) {
      if (!this.keepPrefix || this.phase === Phase.UntilClose) {
        this.stop();
        return false;
      }
      const kept = this.maxBody - this.bodyLength;
      this.dropped += n - kept;
      n = kept;
      if (n === 0) return true;
    }
    if (this.body === null || this.body.length < this.bodyLength + n) {
      const grown = Buffer.allocUnsafe(Math.min(this.maxBody, Math.max(4096, (this.body?.length ?? 0) * 2, this.bodyLength + n)));
      if (this.body !== null) this.body.copy(grown, 0, 0, this.bodyLength);
      this.body = grown;
    }
    buf.copy(this.body, this.bodyLength, pos, pos + n);
    this.bodyLength += n;
    return true;
  }

  private complete(): void {
    const head = this.parsed;
    const body = this.body === null ? Buffer.alloc(0) : this.body.subarray(0, this.bodyLength);
    this.parsed = null;
    this.body = null;
    this.bodyLength = 0;
    this.phase = this.phase === Phase.UntilClose ? Phase.Stopped : Phase.Head;
    if (head !== null) this.onMessage({ head, method: this.method, status: this.status, body, truncated: this.dropped > 0 });
    if (++this.messages >= this.maxMessages) this.stop();
  }

  private readLine(buf: Buffer, pos: number, end: number): number {
    while (pos < end) {
      const c = buf[pos++];
      if (c === 0x0a) {
        this.lineDone();
        return pos;
      }
      if (++this.line > MAX_CHUNK_LINE) {
        this.stop();
        return end;
      }
      if (this.phase === Phase.ChunkLine) this.chunk.octet(c);
    }
    return pos;
  }

  private lineDone(): void {
    const length = this.line;
    this.line = 0;
    if (this.phase === Phase.ChunkLine) {
      if (!this.chunk.complete) {
        this.stop();
        return;
      }
      if (this.chunk.size === 0) this.phase = Phase.Trailer;
      else {
        this.phase = Phase.ChunkData;
        this.remaining = this.chunk.size;
      }
      this.chunk.reset();
    } else if (this.phase === Phase.ChunkDataEnd) {
      if (length > 1) this.stop();
      else this.phase = Phase.ChunkLine;
    } else if (length <= 1) this.complete();
  }
}

