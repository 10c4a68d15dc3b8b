/**
 * The Telnet dissector (RFC 854): that a cleartext remote-login session is running (`telnet.seen`, on the
 * first completed option negotiation from either side, or on a login prompt), and whether the server
 * prompted for a login. Option negotiation is skipped; what the user types is never kept: client data
 * octets are only counted. Keys are documented in docs/observations.md.
 */
import type { Direction, Dissector, DissectorContext, DissectorSession } from '../dissector.js';
import { Octet, TelnetStream } from './telnet-stream.js';

export const TELNET_PORT = 23;
/** Octets of each direction read before giving up on seeing negotiation or a login prompt. */
const MAX_READ = 8192;
/** Prompts that ask for a user name, lower-case, each ending in ':' (checked when a ':' arrives). */
const PROMPTS = ['login:', 'username:', 'user name:', 'user:'];
const TAIL = 12;
/** "Last login: <date>" follows a login; it is not a prompt. */
const LAST = 'last login:';

export class TelnetDissector implements Dissector {
  readonly name = 'telnet';
  readonly udpPorts: readonly number[] = [];
  readonly tcpPorts: readonly number[] = [TELNET_PORT];
  readonly reassemble = true;

  open(ctx: DissectorContext): DissectorSession {
    return new TelnetSession(ctx);
  }
}

class TelnetSession implements DissectorSession {
  private readonly streams: [TelnetStream, TelnetStream] = [new TelnetStream(), new TelnetStream()];
  private readonly read: [number, number] = [0, 0];
  private readonly lost: [boolean, boolean] = [false, false];
  private seen = false;
  private prompt = false;
  /** The last TAIL server data octets, lower-cased (server text only: never the client's). */
  private readonly tail = new Uint8Array(TAIL);
  private tailLength = 0;

  constructor(private readonly ctx: DissectorContext) {}

  get done(): boolean {
    return this.sideDone(0) && this.sideDone(1);
  }

  private sideDone(dir: Direction): boolean {
    if (this.lost[dir] || this.read[dir] >= MAX_READ) return true;
    return dir === 0 ? this.seen : this.prompt;
  }

  data(dir: Direction, buf: Buffer, offset: number, length: number): void {
    if (offset < 0 || length <= 0 || offset + length > buf.length) return;
    const stream = this.streams[dir];
    const end = offset + length;
    for (let pos = offset; pos < end && !this.sideDone(dir); pos++) {
      this.read[dir]++;
      const kind = stream.next(buf[pos]);
      if (kind === Octet.NEGOTIATION) this.markSeen(dir);
      else if (kind === Octet.DATA && dir === 1) this.serverText(stream.data);
    }
  }

  gap(dir: Direction): void {
    this.lost[dir] = true;
  }

  private markSeen(dir: Direction): void {
    if (this.seen) return;
    this.seen = true;
    this.ctx.emit('telnet.seen', true, dir);
  }

  private serverText(c: number): void {
    if (c === 0 || c === 0x0d || c === 0x0a) {
      this.tailLength = 0;
      return;
    }
    const lower = c >= 0x41 && c <= 0x5a ? c + 0x20 : c;
    if (this.tailLength === TAIL) this.tail.copyWithin(0, 1);
    else this.tailLength++;
    this.tail[this.tailLength - 1] = lower;
    if (c === 0x3a && this.endsWithPrompt()) {
      this.markSeen(1);
      this.prompt = true;
      this.ctx.emit('telnet.login_prompt', true, 1);
    }
  }

  private endsWith(text: string): boolean {
    if (text.length > this.tailLength) return false;
    for (let i = 0; i < text.length; i++) if (this.tail[this.tailLength - text.length + i] !== text.charCodeAt(i)) return false;
    return true;
  }

  private endsWithPrompt(): boolean {
    for (const p of PROMPTS) {
      if (p.length > this.tailLength) continue;
      let match = true;
      for (let i = 0; i < p.length && match; i++) match = this.tail[this.tailLength - p.length + i] === p.charCodeAt(i);
      if (match && !(p === 'login:' && this.endsWith(LAST))) return true;
    }
    return false;
  }
}
