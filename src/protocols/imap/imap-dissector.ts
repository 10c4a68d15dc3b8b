/**
 * The IMAP dissector (RFC 9051 / RFC 3501, STARTTLS and LOGINDISABLED RFC 2595, SASL-IR RFC 4959): the
 * server's greeting and the capabilities it announces before login, whether credentials crossed in clear
 * (LOGIN, or AUTHENTICATE PLAIN/LOGIN, whose responses are only base64), how each login attempt ended (the
 * tagged reply to it), and whether the session switched to TLS. Only tags, command names, capability and
 * mechanism names and reply statuses are read: user names, passwords and SASL responses are never kept, and
 * literals (`{n}`) are skipped unread. Once a login succeeds or STARTTLS is accepted the session detaches.
 * Keys are documented in docs/observations.md.
 */
import type { Direction, Dissector, DissectorContext, DissectorSession } from '../dissector.js';
import { LineSplitter } from '../ftp/ftp-lines.js';
import { mailProduct } from '../pop3/mail-product.js';

export const IMAP_PORT = 143;
/** Octets of the greeting text kept (after the status and any response code). */
export const MAX_BANNER = 255;
/** Octets of each line kept: a greeting with its CAPABILITY code, or a capability list, fits. */
const MAX_LINE = 1024;
/** Lines read on each side before detaching. */
const MAX_LINES = 256;
/** Commands awaiting their tagged reply; beyond this, replies are not matched. */
const MAX_PENDING = 16;
const MAX_TAG = 32;
const MAX_CAPABILITIES = 64;
const MAX_TOKEN = 64;
/** Distinct capability lists emitted per session (before and after STARTTLS-less logins they rarely differ). */
const MAX_CAPABILITY_LISTS = 4;
/** Failed logins counted per session (the count is emitted with each failure). */
const MAX_FAILURES = 100;

type Pending = 'login' | 'stls';

export class ImapDissector implements Dissector {
  readonly name = 'imap';
  readonly udpPorts: readonly number[] = [];
  readonly tcpPorts: readonly number[] = [IMAP_PORT];
  readonly reassemble = true;

  open(ctx: DissectorContext): DissectorSession {
    return new ImapSession(ctx);
  }
}

class ImapSession implements DissectorSession {
  private readonly splitters: [LineSplitter, LineSplitter] = [new LineSplitter(MAX_LINE), new LineSplitter(MAX_LINE)];
  private readonly finished: [boolean, boolean] = [false, false];
  private readonly lines: [number, number] = [0, 0];
  /** Octets of a literal (`{n}` at the end of a line) still to skip, per side. */
  private readonly literal: [number, number] = [0, 0];
  private readonly pending = new Map<string, Pending>();
  private greeted = false;
  /** After AUTHENTICATE: client lines are SASL responses until the tagged reply (credentials for PLAIN and LOGIN). */
  private sasl: 'credentials' | 'other' | null = null;
  private loginSeen = false;
  private failures = 0;
  private capabilityLists = 0;
  private lastCapabilities = '';
  private starttlsOffered = false;
  private loginDisabled = false;
  private readonly mechanismsSent = new Set<string>();

  constructor(private readonly ctx: DissectorContext) {}

  get done(): boolean {
    return this.finished[0] && this.finished[1];
  }

  data(dir: Direction, buf: Buffer, offset: number, length: number): void {
    if (this.finished[dir] || offset < 0 || length <= 0 || offset + length > buf.length) return;
    const onLine = dir === 0 ? this.clientLine : this.serverLine;
    let pos = offset;
    const end = offset + length;
    while (pos < end && !this.finished[dir]) {
      if (this.literal[dir] > 0) {
        const skip = Math.min(this.literal[dir], end - pos);
        this.literal[dir] -= skip;
        pos += skip;
        continue;
      }
      pos = this.splitters[dir].push(buf, pos, end, onLine);
    }
  }

  gap(dir: Direction): void {
    this.finished[dir] = true;
  }

  private detach(): void {
    this.finished[0] = true;
    this.finished[1] = true;
  }

  /** A line ending in `{n}` or `{n+}` (RFC 9051 §4.3) announces n octets of literal: skip them. Returns false to stop the splitter. */
  private announceLiteral(dir: Direction, line: Buffer, n: number, truncated: boolean): boolean {
    if (truncated || n < 3 || line[n - 1] !== 0x7d) return true;
    let i = n - 2;
    if (line[i] === 0x2b || line[i] === 0x2d) i--;
    let size = 0;
    let digits = 0;
    while (i >= 0 && line[i] >= 0x30 && line[i] <= 0x39 && digits < 10) {
      i--;
      digits++;
    }
    if (digits === 0 || digits > 9 || i < 0 || line[i] !== 0x7b) return true;
    for (let j = i + 1; j <= i + digits; j++) size = size * 10 + (line[j] - 0x30);
    this.literal[dir] = size;
    return size === 0;
  }

  private readonly clientLine = (line: Buffer, n: number, truncated: boolean): boolean => {
    if (++this.lines[0] >= MAX_LINES) this.finished[0] = true;
    if (this.sasl !== null) {
      // A SASL response (base64) or `*` to cancel; its content is never read further.
      const cancel = n === 1 && line[0] === 0x2a;
      if (!cancel && this.sasl === 'credentials') this.sawLogin();
      this.sasl = cancel ? null : 'other';
      return !this.finished[0];
    }
    const words = line.toString('latin1', 0, Math.min(n, 2 * MAX_TOKEN + 4)).split(' ');
    const tag = words[0] ?? '';
    const command = (words[1] ?? '').toUpperCase();
    if (tag !== '' && tag.length <= MAX_TAG && isTag(tag)) {
      if (command === 'LOGIN' && words.length > 2) {
        // RFC 9051 §6.2.3: the user name and password follow in clear (as atoms, quoted strings or literals).
        this.mechanism('LOGIN-COMMAND');
        this.sawLogin();
        this.expect(tag, 'login');
      } else if (command === 'AUTHENTICATE' && words.length > 2) {
        const mech = token(words[2] ?? '');
        if (mech !== '') {
          this.mechanism(mech);
          const clear = mech === 'PLAIN' || mech === 'LOGIN';
          const initial = words.length > 3 && words[3] !== '';
          if (initial && clear) this.sawLogin();
          // PLAIN with an initial response (SASL-IR) is complete; LOGIN's is the user name, the password follows.
          this.sasl = initial ? (mech === 'PLAIN' ? null : 'other') : clear ? 'credentials' : 'other';
          this.expect(tag, 'login');
        }
      } else if (command === 'STARTTLS' && words.length === 2) {
        this.expect(tag, 'stls');
      }
    }
    return this.announceLiteral(0, line, n, truncated) && !this.finished[0];
  };

  private readonly serverLine = (line: Buffer, n: number, truncated: boolean): boolean => {
    if (++this.lines[1] >= MAX_LINES) this.finished[1] = true;
    const text = line.toString('latin1', 0, n);
    if (!this.greeted) {
      this.greeted = true;
      const greeting = /^\* (OK|PREAUTH|BYE)(?: |$)/i.exec(text);
      if (greeting === null) {
        // Not IMAP: nothing on either side will make sense.
        this.detach();
        return false;
      }
      const status = greeting[1].toUpperCase();
      const rest = text.slice(greeting[0].length);
      const code = /^\[([^\]]*)\] ?/.exec(rest);
      if (code !== null) this.responseCode(code[1]);
      const banner = (code === null ? rest : rest.slice(code[0].length)).trim().slice(0, MAX_BANNER);
      if (status === 'OK' && banner !== '') {
        this.ctx.emit('imap.banner', banner, 1);
        const product = mailProduct(banner);
        if (product !== '') this.ctx.emit('imap.product', product, 1);
      }
      // PREAUTH: already logged in (RFC 9051 §7.1.4); BYE: refused. Either way no login follows.
      if (status !== 'OK') this.detach();
      return this.announceLiteral(1, line, n, truncated) && !this.finished[1];
    }
    const untagged = /^\* CAPABILITY /i.exec(text);
    if (untagged !== null) {
      // Not kept: a list cut short by the line limit, or one sent while a login is pending (Dovecot sends the
      // post-login list before the tagged OK).
      if (!truncated && ![...this.pending.values()].includes('login')) this.capabilities(text.slice(untagged[0].length));
    } else if (line[0] !== 0x2a && line[0] !== 0x2b) {
      const space = text.indexOf(' ');
      const kind = space > 0 ? this.pending.get(text.slice(0, space)) : undefined;
      if (kind !== undefined) {
        this.pending.delete(text.slice(0, space));
        const status = text.slice(space + 1, space + 4).toUpperCase();
        const ok = status === 'OK ' || text.slice(space + 1).toUpperCase() === 'OK';
        if (kind === 'login') {
          this.sasl = null;
          if (ok) {
            this.ctx.emit('imap.auth_ok', true, 1);
            this.detach();
          } else if ((status === 'NO ' || status === 'BAD' || status === 'NO') && this.failures < MAX_FAILURES) {
            this.ctx.emit('imap.auth_failed', ++this.failures, 1);
          }
        } else if (ok) {
          this.ctx.emit('imap.starttls', true, 1);
          this.detach();
        }
      }
    }
    return this.announceLiteral(1, line, n, truncated) && !this.finished[1];
  };

  /** A response code of the greeting: `CAPABILITY ...` lists the capabilities (RFC 9051 §7.1). */
  private responseCode(code: string): void {
    const m = /^CAPABILITY (.*)$/i.exec(code);
    if (m !== null) this.capabilities(m[1]);
  }

  private capabilities(list: string): void {
    if (this.capabilityLists >= MAX_CAPABILITY_LISTS) return;
    const names: string[] = [];
    for (const word of list.split(' ')) {
      const name = token(word);
      if (name !== '' && names.length < MAX_CAPABILITIES && !names.includes(name)) names.push(name);
    }
    const joined = names.join(' ');
    if (names.length === 0 || joined === this.lastCapabilities) return;
    this.lastCapabilities = joined;
    this.capabilityLists++;
    this.ctx.emit('imap.capabilities', names, 1);
    const mechanisms = names.filter((c) => c.startsWith('AUTH=') && c.length > 5).map((c) => c.slice(5));
    if (mechanisms.length > 0) this.ctx.emit('imap.auth_mechanisms', mechanisms, 1);
    if (names.includes('STARTTLS') && !this.starttlsOffered) {
      this.starttlsOffered = true;
      this.ctx.emit('imap.starttls_offered', true, 1);
    }
    if (names.includes('LOGINDISABLED') && !this.loginDisabled) {
      this.loginDisabled = true;
      this.ctx.emit('imap.logindisabled', true, 1);
    }
  }

  private expect(tag: string, kind: Pending): void {
    if (this.pending.size < MAX_PENDING || this.pending.has(tag)) this.pending.set(tag, kind);
  }

  private sawLogin(): void {
    if (this.loginSeen) return;
    this.loginSeen = true;
    this.ctx.emit('imap.login_seen', true, 0);
  }

  private mechanism(name: string): void {
    if (this.mechanismsSent.has(name) || this.mechanismsSent.size >= 8) return;
    this.mechanismsSent.add(name);
    this.ctx.emit('imap.auth_mechanism', name, 0);
  }
}

/** An IMAP tag: ASTRING-CHARs other than `+` (RFC 9051 §9), and not `*` (untagged). */
function isTag(tag: string): boolean {
  return /^[\x21\x23-\x27\x2c-\x5b\x5d-\x7a\x7c\x7e]+$/.test(tag);
}

/** A capability or SASL mechanism name (atom characters), upper-cased; '' if it is not one. */
function token(word: string): string {
  return word.length > 0 && word.length <= MAX_TOKEN && /^[A-Za-z0-9_.=+-]+$/.test(word) ? word.toUpperCase() : '';
}
