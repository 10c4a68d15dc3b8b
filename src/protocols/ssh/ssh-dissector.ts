/**
 * The SSH dissector: each side's identification string (RFC 4253 §4.2) and, from the first KEXINIT each side
 * sends (§7.1), the HASSH fingerprints of the client and of the server. Everything after the key exchange is
 * encrypted, so the session detaches once both KEXINITs (or both sides' failures) are seen. Keys and value
 * shapes are documented in docs/observations.md.
 */
import type { Direction, Dissector, DissectorContext, DissectorSession, Transport } from '../dissector.js';
import { hassh, hasshServer, parseKexInit, SSH_MSG_KEXINIT } from './ssh-kexinit.js';

export const SSH_PORT = 22;
/** RFC 4253 §4.2: "The maximum length of the string is 255 characters, including the Carriage Return and Line Feed." */
export const MAX_BANNER = 255;
/** Octets of lines a server may send before its identification string that we skip before giving up. */
const MAX_PRE_BANNER = 8192;
/** RFC 4253 §6.1: implementations must handle packets of 35000 octets; a larger length is not SSH (or is encrypted). */
const MAX_PACKET = 35000;
/** Unencrypted packets before a side's KEXINIT that we wait through (it is normally the very first). */
const MAX_PACKETS_BEFORE_KEXINIT = 4;

const S = 0x53;
const H = 0x48;
const DASH = 0x2d;
const LF = 0x0a;
const CR = 0x0d;

export class SshDissector implements Dissector {
  readonly name = 'ssh';
  readonly udpPorts: readonly number[] = [];
  readonly tcpPorts: readonly number[] = [SSH_PORT];
  readonly reassemble = true;

  /** Either side may speak first; both start with `SSH-` (unless a server sends other lines first). */
  probe(transport: Transport, _dir: Direction, buf: Buffer, offset: number, length: number): boolean {
    return transport === 'tcp' && length >= 4 && buf[offset] === S && buf[offset + 1] === S && buf[offset + 2] === H && buf[offset + 3] === DASH;
  }

  open(ctx: DissectorContext): DissectorSession {
    return new SshSession(ctx);
  }
}

const enum Phase {
  BANNER,
  LENGTH,
  PACKET,
  DONE,
}

/** One direction's parse state. */
class Side {
  phase = Phase.BANNER;
  /** The first MAX_BANNER + 1 octets of the current line. */
  readonly line = Buffer.alloc(MAX_BANNER + 1);
  lineLength = 0;
  skipped = 0;
  /** SSH-1.x (not 1.99) has another packet format: only its banner is read. */
  binary = true;
  readonly lengthBytes = Buffer.alloc(4);
  have = 0;
  packet: Buffer | null = null;
  packets = 0;
}

class SshSession implements DissectorSession {
  private readonly sides: [Side, Side] = [new Side(), new Side()];

  constructor(private readonly ctx: DissectorContext) {}

  get done(): boolean {
    return this.sides[0].phase === Phase.DONE && this.sides[1].phase === Phase.DONE;
  }

  data(dir: Direction, buf: Buffer, offset: number, length: number): void {
    if (offset < 0 || length <= 0 || offset + length > buf.length) return;
    const side = this.sides[dir];
    let pos = offset;
    const end = offset + length;
    while (pos < end && side.phase !== Phase.DONE) {
      if (side.phase === Phase.BANNER) pos = this.banner(dir, side, buf, pos, end);
      else if (side.phase === Phase.LENGTH) pos = this.length(side, buf, pos, end);
      else pos = this.packet(dir, side, buf, pos, end);
    }
  }

  /** A lost segment: this side's framing is unknown from here on. */
  gap(dir: Direction): void {
    const side = this.sides[dir];
    side.phase = Phase.DONE;
    side.packet = null;
  }

  private banner(dir: Direction, side: Side, buf: Buffer, pos: number, end: number): number {
    // Searched within [pos, end) only: indexOf from an offset would scan the rest of a larger buffer each call.
    const lf = buf.subarray(pos, end).indexOf(LF);
    const stop = lf < 0 ? end : pos + lf;
    const keep = Math.min(stop - pos, side.line.length - side.lineLength);
    if (keep > 0) buf.copy(side.line, side.lineLength, pos, pos + keep);
    side.lineLength += keep;
    side.skipped += stop - pos;
    if (stop === end) {
      if (side.skipped > MAX_PRE_BANNER) side.phase = Phase.DONE;
      return end;
    }
    // A whole line (LF at `stop`).
    const line = side.line;
    let n = side.lineLength;
    side.lineLength = 0;
    side.skipped += 1;
    // Checked before the line is looked at so that where the stream was split cannot change the outcome.
    if (side.skipped > MAX_PRE_BANNER) {
      side.phase = Phase.DONE;
    } else if (n >= 4 && line[0] === S && line[1] === S && line[2] === H && line[3] === DASH) {
      if (n <= MAX_BANNER && line[n - 1] === CR) n--;
      this.identification(dir, side, line.toString('latin1', 0, Math.min(n, MAX_BANNER)));
      side.phase = side.binary ? Phase.LENGTH : Phase.DONE;
    }
    return stop + 1;
  }

  /** RFC 4253 §4.2: `SSH-protoversion-softwareversion SP comments CR LF`. */
  private identification(dir: Direction, side: Side, text: string): void {
    const ctx = this.ctx;
    ctx.emit('ssh.banner', text, dir);
    const dash = text.indexOf('-', 4);
    if (dash < 0) return;
    const version = text.slice(4, dash);
    ctx.emit('ssh.version', version, dir);
    // "1.99" announces a server that also speaks 2.0 (§5.1); other 1.x speak only the SSH-1 packet format.
    side.binary = version.startsWith('2.') || version === '1.99';
    const space = text.indexOf(' ', dash + 1);
    const software = text.slice(dash + 1, space < 0 ? text.length : space);
    if (software !== '') ctx.emit('ssh.software', software, dir);
  }

  /** RFC 4253 §6: `uint32 packet_length` (not counting itself), then that many octets. */
  private length(side: Side, buf: Buffer, pos: number, end: number): number {
    const take = Math.min(4 - side.have, end - pos);
    buf.copy(side.lengthBytes, side.have, pos, pos + take);
    side.have += take;
    if (side.have === 4) {
      const n = side.lengthBytes.readUInt32BE(0);
      // At least the padding_length octet, a message byte, and §6's minimum of four octets of padding.
      if (n < 6 || n > MAX_PACKET) {
        side.phase = Phase.DONE;
      } else {
        side.packet = Buffer.allocUnsafe(n);
        side.have = 0;
        side.phase = Phase.PACKET;
      }
    }
    return pos + take;
  }

  private packet(dir: Direction, side: Side, buf: Buffer, pos: number, end: number): number {
    const packet = side.packet!;
    const take = Math.min(packet.length - side.have, end - pos);
    buf.copy(packet, side.have, pos, pos + take);
    side.have += take;
    if (side.have < packet.length) return pos + take;
    side.packet = null;
    side.have = 0;
    side.phase = Phase.LENGTH;
    side.packets++;
    // byte padding_length; byte[n1] payload, n1 = packet_length - padding_length - 1; byte[n2] padding.
    const payloadEnd = packet.length - packet[0];
    if (payloadEnd > 1 && packet[1] === SSH_MSG_KEXINIT) {
      side.phase = Phase.DONE;
      const kex = parseKexInit(packet, 1, payloadEnd);
      // The originator is the SSH client (RFC 4253 §4: the client initiates the connection).
      if (kex !== null) this.ctx.emit(dir === 0 ? 'ssh.hassh' : 'ssh.hassh_server', dir === 0 ? hassh(kex) : hasshServer(kex), dir);
    } else if (payloadEnd <= 1 || side.packets >= MAX_PACKETS_BEFORE_KEXINIT) {
      side.phase = Phase.DONE;
    }
    return pos + take;
  }
}
