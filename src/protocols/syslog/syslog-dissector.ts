/**
 * The syslog dissector: who logs (HOSTNAME), which program (APP-NAME / TAG), at which facility and severity,
 * over UDP (RFC 5426: one message per datagram) and TCP (RFC 6587: octet-counting `MSG-LEN SP MSG`, or
 * messages ended by LF). The message text is never emitted, only that messages were seen: it may hold
 * patient data. Each distinct fact is emitted once per flow.
 */
import type { Direction, Dissector, DissectorContext, DissectorSession, Transport } from '../dissector.js';
import { HEADER_WINDOW, parseSyslogHeader } from './syslog-header.js';

export const SYSLOG_UDP_PORT = 514;
/** TCP 514 (traditional, shared with rsh) and 601 (RFC 3195's port, used by RFC 6587 senders). */
export const SYSLOG_TCP_PORTS = [514, 601] as const;
const MAX_REMEMBERED = 64;
/** RFC 6587 §3.4.1 sets no limit on MSG-LEN; nine digits (under 1 GB) is beyond any real message. */
const MAX_LEN_DIGITS = 9;

/** A LF-framed "message" longer than this is not syslog (RFC 5426 §3.2 suggests 2048 octets; relays send more). */
const MAX_LINE = 65536;

const LT = 0x3c;
const GT = 0x3e;
const SP = 0x20;
const LF = 0x0a;

export class SyslogDissector implements Dissector {
  readonly name = 'syslog';
  readonly udpPorts: readonly number[] = [SYSLOG_UDP_PORT];
  readonly tcpPorts: readonly number[] = [...SYSLOG_TCP_PORTS];
  readonly reassemble = true;

  /** A UDP datagram starting with a PRI, `<` 1-3 digits `>`, then a version digit or a month's capital. */
  probe(transport: Transport, _dir: Direction, buf: Buffer, offset: number, length: number): boolean {
    if (transport !== 'udp' || length < 4 || buf[offset] !== LT) return false;
    let i = offset + 1;
    const end = offset + Math.min(length, 6);
    while (i < end && buf[i] >= 0x30 && buf[i] <= 0x39) i++;
    if (i === offset + 1 || i + 1 >= offset + length || buf[i] !== GT) return false;
    const next = buf[i + 1];
    return (next >= 0x31 && next <= 0x39) || (next >= 0x41 && next <= 0x5a);
  }

  open(ctx: DissectorContext): DissectorSession {
    return new SyslogSession(ctx);
  }
}

const enum Framing {
  /** Before a message: its first octet says which framing it uses. */
  START,
  LENGTH,
  /** Octet-counted: `remaining` octets left. */
  COUNTED,
  /** LF-terminated. */
  LINE,
  DONE,
}

class Stream {
  state = Framing.START;
  readonly head = Buffer.allocUnsafe(HEADER_WINDOW);
  headLength = 0;
  remaining = 0;
  digits = 0;
}

class SyslogSession implements DissectorSession {
  private readonly seen = new Set<string>();
  private readonly streams: [Stream, Stream] = [new Stream(), new Stream()];

  constructor(private readonly ctx: DissectorContext) {}

  get done(): boolean {
    return this.ctx.transport === 'tcp' && this.streams[0].state === Framing.DONE && this.streams[1].state === Framing.DONE;
  }

  data(dir: Direction, buf: Buffer, offset: number, length: number): void {
    if (offset < 0 || length <= 0 || offset + length > buf.length) return;
    if (this.ctx.transport === 'udp') {
      this.message(dir, buf, offset, offset + length);
      return;
    }
    const s = this.streams[dir];
    let pos = offset;
    const end = offset + length;
    while (pos < end && s.state !== Framing.DONE) {
      switch (s.state) {
        case Framing.START: {
          const c = buf[pos];
          if (c === LT) {
            s.state = Framing.LINE;
            s.remaining = 0;
          }
          else if (c >= 0x31 && c <= 0x39) {
            s.state = Framing.LENGTH;
            s.remaining = 0;
            s.digits = 0;
          } else if (c === LF || c === 0x0d || c === 0) pos++; // stray terminators between messages
          else s.state = Framing.DONE; // not syslog (rsh on 514 starts with digits and NUL, caught below)
          break;
        }
        case Framing.LENGTH: {
          const c = buf[pos++];
          if (c >= 0x30 && c <= 0x39 && s.digits < MAX_LEN_DIGITS) {
            s.remaining = s.remaining * 10 + c - 0x30;
            s.digits++;
          } else if (c === SP && s.digits > 0) {
            s.state = Framing.COUNTED;
            s.headLength = 0;
          } else s.state = Framing.DONE;
          break;
        }
        case Framing.COUNTED: {
          const take = Math.min(s.remaining, end - pos);
          this.keep(s, buf, pos, take);
          pos += take;
          s.remaining -= take;
          if (s.remaining === 0) this.finish(dir, s);
          break;
        }
        case Framing.LINE: {
          // Searched within [pos, end) only: indexOf from an offset would scan the rest of a larger buffer.
          const lf = buf.subarray(pos, end).indexOf(LF);
          const stop = lf < 0 ? end : pos + lf;
          this.keep(s, buf, pos, stop - pos);
          s.remaining += stop - pos;
          pos = stop;
          // Checked on the running total alone, so where the stream was split cannot change the outcome.
          if (s.remaining > MAX_LINE) s.state = Framing.DONE;
          else if (stop < end) {
            pos++;
            this.finish(dir, s);
          }
          break;
        }
        default:
          return;
      }
    }
  }

  /** A lost segment: the framing of this direction is unknown from here on. */
  gap(dir: Direction): void {
    this.streams[dir].state = Framing.DONE;
  }

  private keep(s: Stream, buf: Buffer, pos: number, n: number): void {
    const room = Math.min(n, HEADER_WINDOW - s.headLength);
    if (room > 0) buf.copy(s.head, s.headLength, pos, pos + room);
    s.headLength += Math.max(room, 0);
  }

  private finish(dir: Direction, s: Stream): void {
    const n = s.headLength;
    s.headLength = 0;
    s.state = Framing.START;
    // A counted message must itself start with PRI; anything else means the framing is not syslog's.
    if (!this.message(dir, s.head, 0, n)) s.state = Framing.DONE;
  }

  /** One whole message: its header's facts; false if it does not start with a PRI. */
  private message(dir: Direction, buf: Buffer, pos: number, end: number): boolean {
    const h = parseSyslogHeader(buf, pos, end);
    if (h === null) return false;
    this.emit('syslog.message', true, dir);
    this.emit('syslog.facility', h.facility, dir);
    this.emit('syslog.severity', h.severity, dir);
    if (h.format !== null) this.emit('syslog.format', h.format, dir);
    if (h.hostname !== null) this.emit('syslog.hostname', h.hostname, dir);
    if (h.app !== null) this.emit('syslog.app_name', h.app, dir);
    return true;
  }

  private emit(key: string, value: string | number | boolean, dir: Direction): void {
    const id = `${dir}${key}=${value}`;
    if (this.seen.has(id)) return;
    if (this.seen.size < MAX_REMEMBERED) this.seen.add(id);
    this.ctx.emit(key, value, dir);
  }
}
