/**
 * The POP3 dissector (RFC 1939, CAPA RFC 2449, STLS RFC 2595, AUTH RFC 5034): the server's greeting, the
 * capabilities it lists before login, whether credentials crossed in clear (USER/PASS, or AUTH PLAIN/LOGIN,
 * whose responses are only base64), how each login attempt ended, and whether the session switched to TLS.
 * Only command verbs, SASL mechanism names and reply indicators are read: user names, passwords and SASL
 * responses are never kept. Once a login succeeds or STLS is accepted the session detaches (what follows is
 * mail, or TLS). Keys are documented in docs/observations.md.
 */
import type { Direction, Dissector, DissectorContext, DissectorSession } from '../dissector.js';
import { LineSplitter } from '../ftp/ftp-lines.js';
import { mailProduct } from './mail-product.js';

export const POP3_PORT = 110;
/** Octets of the greeting text kept (after `+OK `). */
export const MAX_BANNER = 255;
/** Octets of each line kept: enough for the greeting and a CAPA line; the rest of a line is not stored. */
const MAX_LINE = 4 + MAX_BANNER;
/** Lines read on each side before detaching: a login takes a handful; a brute-force session is cut short. */
const MAX_LINES = 256;
/** Commands awaiting a reply (POP3 allows pipelining, RFC 2449 §6.6); more than this and replies are not matched. */
const MAX_PENDING = 16;
/** Capabilities and SASL mechanisms kept from one CAPA reply, and the length of each. */
const MAX_CAPABILITIES = 32;
const MAX_TOKEN = 32;
/** Failed logins counted per session (the count is emitted with each failure). */
const MAX_FAILURES = 100;

type Pending = 'capa' | 'list' | 'user' | 'login' | 'stls' | 'other';

export class Pop3Dissector implements Dissector {
  readonly name = 'pop3';
  readonly udpPorts: readonly number[] = [];
  readonly tcpPorts: readonly number[] = [POP3_PORT];
  readonly reassemble = true;

  open(ctx: DissectorContext): DissectorSession {
    return new Pop3Session(ctx);
  }
}

class Pop3Session implements DissectorSession {
  private readonly splitters: [LineSplitter, LineSplitter] = [new LineSplitter(MAX_LINE), new LineSplitter(MAX_LINE)];
  private readonly finished: [boolean, boolean] = [false, false];
  private readonly lines: [number, number] = [0, 0];
  private readonly pending: Pending[] = [];
  private greeted = false;
  /** Inside a multi-line reply (CAPA, or AUTH without a mechanism): lines up to the lone `.`. */
  private multiline: 'capa' | 'skip' | null = null;
  private capabilities: string[] = [];
  private mechanisms: string[] = [];
  private capaSeen = false;
  /** After AUTH without an initial response: the next client line is a SASL response (credentials for PLAIN and LOGIN). */
  private sasl: 'credentials' | 'other' | null = null;
  private user = false;
  private loginSeen = false;
  private failures = 0;
  private readonly mechanismsSent = new Set<string>();

  constructor(private readonly ctx: DissectorContext) {}

  get done(): boolean {
    return this.finished[0] && this.finished[1];
  }

  data(dir: Direction, buf: Buffer, offset: number, length: number): void {
    if (this.finished[dir] || offset < 0 || length <= 0 || offset + length > buf.length) return;
    this.splitters[dir].push(buf, offset, offset + length, dir === 0 ? this.clientLine : this.serverLine);
  }

  gap(dir: Direction): void {
    this.finished[dir] = true;
  }

  private detach(): void {
    this.finished[0] = true;
    this.finished[1] = true;
  }

  private readonly clientLine = (line: Buffer, n: number): boolean => {
    if (++this.lines[0] >= MAX_LINES) this.finished[0] = true;
    if (this.sasl !== null) {
      // A SASL response line (base64) or `*` to cancel; its content is never read further.
      const cancel = n === 1 && line[0] === 0x2a;
      if (!cancel && this.sasl === 'credentials') this.sawLogin();
      this.sasl = cancel ? null : 'other';
      return !this.finished[0];
    }
    const verb = commandVerb(line, n);
    if (verb === '') return !this.finished[0];
    let kind: Pending = 'other';
    if (verb === 'CAPA') kind = 'capa';
    else if (verb === 'STLS') kind = 'stls';
    else if (verb === 'USER') {
      this.user = true;
      kind = 'user';
    } else if (verb === 'PASS') {
      if (this.user) {
        this.mechanism('USER');
        this.sawLogin();
      }
      kind = 'login';
    } else if (verb === 'APOP') {
      // RFC 1939 §7: a digest of the greeting's timestamp and the secret; the secret itself does not cross.
      this.mechanism('APOP');
      kind = 'login';
    } else if (verb === 'AUTH') {
      const { mech, initial } = authArguments(line, n);
      if (mech === '') {
        kind = 'list';
      } else {
        this.mechanism(mech);
        const clear = mech === 'PLAIN' || mech === 'LOGIN';
        // RFC 5034 §4: an initial response of `=` is an empty one.
        if (initial && clear) this.sawLogin();
        // PLAIN with an initial response is complete; LOGIN's initial response is the user name, the password follows.
        this.sasl = initial ? (mech === 'PLAIN' ? null : 'other') : clear ? 'credentials' : 'other';
        kind = 'login';
      }
    }
    if (this.pending.length < MAX_PENDING) this.pending.push(kind);
    return !this.finished[0];
  };

  private readonly serverLine = (line: Buffer, n: number): boolean => {
    if (++this.lines[1] >= MAX_LINES) this.finished[1] = true;
    const ok = n >= 3 && line[0] === 0x2b && upper(line[1]) === 0x4f && upper(line[2]) === 0x4b && (n === 3 || line[3] === 0x20);
    const err = n >= 4 && line[0] === 0x2d && upper(line[1]) === 0x45 && upper(line[2]) === 0x52 && upper(line[3]) === 0x52 && (n === 4 || line[4] === 0x20);
    if (!this.greeted) {
      this.greeted = true;
      if (!ok && !err) {
        // Not POP3: nothing on either side will make sense.
        this.detach();
        return false;
      }
      if (ok) this.greeting(line.toString('latin1', Math.min(n, 4), Math.min(n, 4 + MAX_BANNER)).trim());
      return !this.finished[1];
    }
    if (this.multiline !== null) {
      if (n === 1 && line[0] === 0x2e) this.endMultiline();
      else if (this.multiline === 'capa') this.capability(line, n);
      return !this.finished[1];
    }
    if (!ok && !err) {
      // `+ ` is a SASL challenge (RFC 5034 §4); anything else is ignored.
      return !this.finished[1];
    }
    const kind = this.pending.shift();
    if (kind === 'capa' && ok) this.multiline = 'capa';
    else if (kind === 'list' && ok) this.multiline = 'skip';
    else if (kind === 'login') {
      this.sasl = null;
      if (ok) {
        this.ctx.emit('pop3.auth_ok', true, 1);
        this.detach();
      } else if (this.failures < MAX_FAILURES) {
        this.ctx.emit('pop3.auth_failed', ++this.failures, 1);
      }
    } else if (kind === 'stls' && ok) {
      this.ctx.emit('pop3.starttls', true, 1);
      this.detach();
    }
    return !this.finished[1];
  };

  private greeting(text: string): void {
    if (text === '') return;
    this.ctx.emit('pop3.banner', text, 1);
    const product = mailProduct(text);
    if (product !== '') this.ctx.emit('pop3.product', product, 1);
  }

  /** One line of a CAPA reply: its first word, and for `SASL` the mechanisms after it. */
  private capability(line: Buffer, n: number): void {
    const words = line.toString('latin1', 0, n).split(' ').filter((w) => w.length > 0);
    const name = token(words[0] ?? '');
    if (name === '' || this.capabilities.length >= MAX_CAPABILITIES || this.capabilities.includes(name)) return;
    this.capabilities.push(name);
    if (name === 'SASL') {
      for (const w of words.slice(1)) {
        const mech = token(w);
        if (mech !== '' && this.mechanisms.length < MAX_CAPABILITIES && !this.mechanisms.includes(mech)) this.mechanisms.push(mech);
      }
    }
  }

  private endMultiline(): void {
    if (this.multiline === 'capa' && !this.capaSeen) {
      this.capaSeen = true;
      if (this.capabilities.length > 0) this.ctx.emit('pop3.capabilities', this.capabilities, 1);
      if (this.capabilities.includes('STLS')) this.ctx.emit('pop3.stls_offered', true, 1);
      if (this.mechanisms.length > 0) this.ctx.emit('pop3.sasl_mechanisms', this.mechanisms, 1);
    }
    this.multiline = null;
  }

  private sawLogin(): void {
    if (this.loginSeen) return;
    this.loginSeen = true;
    this.ctx.emit('pop3.login_seen', true, 0);
  }

  private mechanism(name: string): void {
    if (this.mechanismsSent.has(name) || this.mechanismsSent.size >= 8) return;
    this.mechanismsSent.add(name);
    this.ctx.emit('pop3.auth_mechanism', name, 0);
  }
}

/** The upper-cased verb of a command line of 3 or 4 letters, or '' if the line does not start with one. */
function commandVerb(line: Buffer, n: number): string {
  let i = 0;
  while (i < n && i < 5 && isLetter(line[i])) i++;
  if (i < 3 || i > 4 || (i < n && line[i] !== 0x20)) return '';
  return line.toString('latin1', 0, i).toUpperCase();
}

/** `AUTH mechanism [initial-response]`: the mechanism (upper case, '' if none or malformed) and whether a response follows. */
function authArguments(line: Buffer, n: number): { mech: string; initial: boolean } {
  const words = line.toString('latin1', 5, Math.min(n, 5 + MAX_TOKEN + 2)).split(' ');
  const mech = n > 5 ? token(words[0] ?? '') : '';
  let i = 5 + (words[0]?.length ?? 0);
  while (i < n && line[i] === 0x20) i++;
  return { mech, initial: mech !== '' && i < n };
}

/** A SASL mechanism or capability name (RFC 4422 §3.1 letters, digits, `-` and `_`), upper-cased; '' if it is not one. */
function token(word: string): string {
  return word.length > 0 && word.length <= MAX_TOKEN && /^[A-Za-z0-9_.=-]+$/.test(word) ? word.toUpperCase() : '';
}

function upper(c: number): number {
  return c >= 0x61 && c <= 0x7a ? c - 0x20 : c;
}

function isLetter(c: number): boolean {
  return (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
}
