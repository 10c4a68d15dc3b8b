/**
 * The FTP control-connection dissector (RFC 959): the server's greeting (the 220 reply), whether a
 * client logged in with USER and PASS in clear, and whether it asked for TLS (AUTH TLS, RFC 4217).
 * User names and passwords are never kept: only the command verbs are looked at. After AUTH the
 * stream is TLS, so the client side detaches. Keys are documented in docs/observations.md.
 */
import type { Direction, Dissector, DissectorContext, DissectorSession } from '../dissector.js';
import { LineSplitter } from './ftp-lines.js';

export const FTP_PORT = 21;
/** Octets of the greeting text kept (after the reply code). */
export const MAX_BANNER = 255;
/** Octets of each line kept: a command verb is at most 4 letters, a greeting is bounded by MAX_BANNER. */
const MAX_LINE = 4 + MAX_BANNER;
/** Server lines read looking for the 220 greeting (a 120 "ready in n minutes" may come first). */
const MAX_SERVER_LINES = 8;
/** Client commands read before detaching. */
const MAX_CLIENT_LINES = 32;

export class FtpDissector implements Dissector {
  readonly name = 'ftp';
  readonly udpPorts: readonly number[] = [];
  readonly tcpPorts: readonly number[] = [FTP_PORT];
  readonly reassemble = true;

  open(ctx: DissectorContext): DissectorSession {
    return new FtpSession(ctx);
  }
}

class FtpSession implements DissectorSession {
  private readonly splitters: [LineSplitter, LineSplitter] = [new LineSplitter(MAX_LINE), new LineSplitter(MAX_LINE)];
  private readonly finished: [boolean, boolean] = [false, false];
  private readonly lines: [number, number] = [0, 0];
  private user = false;
  private loginSeen = false;

  constructor(private readonly ctx: DissectorContext) {}

  get done(): boolean {
    return this.finished[0] && this.finished[1];
  }

  data(dir: Direction, buf: Buffer, offset: number, length: number): void {
    if (this.finished[dir] || offset < 0 || length <= 0 || offset + length > buf.length) return;
    const onLine = dir === 0 ? this.clientLine : this.serverLine;
    this.splitters[dir].push(buf, offset, offset + length, onLine);
  }

  gap(dir: Direction): void {
    this.finished[dir] = true;
  }

  /** RFC 959 §4.2: a reply is a 3-digit code, then SP (last line) or `-` (a multi-line reply continues). */
  private readonly serverLine = (line: Buffer, n: number): boolean => {
    if (++this.lines[1] >= MAX_SERVER_LINES) this.finished[1] = true;
    if (n >= 4 && line[0] === 0x32 && line[1] === 0x32 && line[2] === 0x30 && (line[3] === 0x20 || line[3] === 0x2d)) {
      this.ctx.emit('ftp.banner', line.toString('latin1', 4, Math.min(n, 4 + MAX_BANNER)), 1);
      this.finished[1] = true;
    }
    return !this.finished[1];
  };

  /** A command: its verb (case-insensitive, up to SP or end of line); the argument is never read. */
  private readonly clientLine = (line: Buffer, n: number): boolean => {
    if (++this.lines[0] >= MAX_CLIENT_LINES) this.finished[0] = true;
    const verb = commandVerb(line, n);
    if (verb === 'USER') {
      this.user = true;
    } else if (verb === 'PASS' && this.user && !this.loginSeen) {
      this.loginSeen = true;
      this.ctx.emit('ftp.login_seen', true, 0);
    } else if (verb === 'AUTH') {
      // RFC 4217 §4: `AUTH TLS` (or the older `AUTH SSL`, `AUTH TLS-C`); what follows is a TLS handshake.
      const mech = line.toString('latin1', 5, Math.min(n, 16)).trim().toUpperCase();
      if (n > 5 && line[4] === 0x20 && (mech === 'TLS' || mech === 'SSL' || mech === 'TLS-C' || mech === 'TLS-P')) {
        this.ctx.emit('ftp.auth_tls', true, 0);
        this.finished[0] = true;
      }
    }
    return !this.finished[0];
  };
}

/** The upper-cased verb of a command line of 3 or 4 letters, or '' if the line does not start with one. */
function commandVerb(line: Buffer, n: number): string {
  let i = 0;
  while (i < n && i < 5 && isLetter(line[i])) i++;
  if (i < 3 || i > 4 || (i < n && line[i] !== 0x20)) return '';
  return line.toString('latin1', 0, i).toUpperCase();
}

function isLetter(c: number): boolean {
  return (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
}
