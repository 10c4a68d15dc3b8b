/**
 * The NTP dissector (RFC 5905; mode 6 control messages RFC 1305 appendix B / RFC 9327; mode 7 is ntpd's
 * private "ntpdc" protocol): version, mode, stratum and reference id of each sender, and the fact that a
 * control or private query (monlist among them, the classic amplification vector) crossed the network.
 * Each distinct fact is emitted once per flow: clients poll the same server every few minutes.
 */
import { ipv4Text } from '../../decode/address-text.js';
import type { Direction, Dissector, DissectorContext, DissectorSession } from '../dissector.js';

export const NTP_PORT = 123;
/** RFC 5905 §7.3: the fixed header, without extension fields or MAC. */
export const NTP_HEADER = 48;
/** Distinct facts remembered per flow for de-duplication; past this, facts are emitted again. */
const MAX_REMEMBERED = 64;

/** RFC 5905 §7.3 "Mode": 0 reserved, 1 symmetric active, 2 symmetric passive, 3 client, 4 server, 5 broadcast, 6 control, 7 private. */
export const MODE_NAMES = ['reserved', 'symmetric_active', 'symmetric_passive', 'client', 'server', 'broadcast', 'control', 'private'] as const;
const MODE_CONTROL = 6;
const MODE_PRIVATE = 7;
/** ntpd's ntp_request.h: REQ_MON_GETLIST (20) and REQ_MON_GETLIST_1 (42) return the monitor list. */
const REQ_MON_GETLIST = 20;
const REQ_MON_GETLIST_1 = 42;

export class NtpDissector implements Dissector {
  readonly name = 'ntp';
  readonly udpPorts: readonly number[] = [NTP_PORT];
  readonly tcpPorts: readonly number[] = [];

  open(ctx: DissectorContext): DissectorSession {
    return new NtpSession(ctx);
  }
}

class NtpSession implements DissectorSession {
  readonly done = false;
  private readonly seen = new Set<string>();

  constructor(private readonly ctx: DissectorContext) {}

  private emit(key: string, value: string | number | boolean, dir: Direction): void {
    const id = `${dir}${key}=${value}`;
    if (this.seen.has(id)) return;
    if (this.seen.size < MAX_REMEMBERED) this.seen.add(id);
    this.ctx.emit(key, value, dir);
  }

  data(dir: Direction, buf: Buffer, offset: number, length: number): void {
    if (offset < 0 || length < 4 || offset + length > buf.length) return;
    // Octet 0: LI (2 bits), VN (3 bits), Mode (3 bits).
    const first = buf[offset];
    const version = (first >> 3) & 7;
    const mode = first & 7;
    // Versions 1-4 are defined; 0 is obsolete (RFC 1059 clients); a version outside them is not NTP.
    if (version < 1 || version > 4 || mode === 0) return;

    if (mode === MODE_CONTROL) {
      // RFC 9327 §2: octet 1 is R (response), E (error), M (more), then a 5-bit opcode; the header is 12 octets.
      if (length < 12) return;
      this.emit('ntp.version', version, dir);
      this.emit('ntp.mode', MODE_NAMES[mode], dir);
      if ((buf[offset + 1] & 0x80) === 0) this.emit('ntp.control_query', buf[offset + 1] & 0x1f, dir);
      return;
    }
    if (mode === MODE_PRIVATE) {
      // ntpd ntp_request.h: R/M/VN/mode, A/sequence, implementation, request code; a request has R clear.
      this.emit('ntp.version', version, dir);
      this.emit('ntp.mode', MODE_NAMES[mode], dir);
      const reqcode = buf[offset + 3];
      if ((first & 0x80) === 0) this.emit('ntp.private_query', reqcode, dir);
      if (reqcode === REQ_MON_GETLIST || reqcode === REQ_MON_GETLIST_1) this.emit('ntp.monlist', true, dir);
      return;
    }
    if (length < NTP_HEADER) return;
    this.emit('ntp.version', version, dir);
    this.emit('ntp.mode', MODE_NAMES[mode], dir);
    const stratum = buf[offset + 1];
    this.emit('ntp.stratum', stratum, dir);
    const refAt = offset + 12;
    if (buf.readUInt32BE(refAt) === 0) return;
    // RFC 5905 §7.3 "Reference ID": for stratum 1 a four-octet, left-justified, zero-padded ASCII string naming
    // the reference clock; above, the server's IPv4 address (or the first octets of an MD5 of its IPv6 one).
    // At stratum 0 it carries a Kiss-o'-Death code (§7.4).
    if (stratum >= 2 && stratum <= 15) this.emit('ntp.refid', ipv4Text(buf, refAt), dir);
    else if (stratum <= 1 || stratum === 16) {
      const code = asciiCode(buf, refAt);
      if (code !== null) this.emit(stratum === 1 ? 'ntp.refid' : 'ntp.kiss_code', code, dir);
    }
  }
}

/** The four octets as a zero-padded printable ASCII code, or null if they are not one. */
function asciiCode(buf: Buffer, at: number): string | null {
  let n = 4;
  while (n > 0 && buf[at + n - 1] === 0) n--;
  if (n === 0) return null;
  for (let i = 0; i < n; i++) {
    const c = buf[at + i];
    if (c < 0x20 || c > 0x7e) return null;
  }
  return buf.toString('latin1', at, at + n);
}
