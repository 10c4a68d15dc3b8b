/**
 * The SMB dissector, TCP 445 (direct TCP) and 139 (NetBIOS session service): dialects offered and chosen,
 * whether SMBv1 is in use, the NTLMSSP identities exchanged in Session Setup (server computer and domain
 * names, client domain and workstation, that a user name was sent, OS versions), and the shares connected to.
 * Each distinct fact is emitted once per flow and direction; the session detaches after `MAX_MESSAGES`
 * messages (by then negotiation, authentication and the first tree connects are over).
 */
import type { Direction, Dissector, DissectorContext, DissectorSession } from '../dissector.js';
import { parseSmb1 } from './smb1.js';
import { parseSmb2 } from './smb2.js';
import { SmbFramer } from './smb-framer.js';
import type { SmbSink } from './smb-sink.js';
import { compressionTransform } from './smb2-compression.js';

export const SMB_PORT = 445;
export const NETBIOS_SESSION_PORT = 139;
/** Messages (both directions) read before the session detaches. */
export const MAX_MESSAGES = 64;
/** Distinct facts remembered per flow. */
const MAX_FACTS = 128;

export class SmbDissector implements Dissector {
  readonly name = 'smb';
  readonly udpPorts: readonly number[] = [];
  readonly tcpPorts: readonly number[] = [SMB_PORT, NETBIOS_SESSION_PORT];
  readonly reassemble = true;

  open(ctx: DissectorContext): DissectorSession {
    return new SmbSession(ctx);
  }
}

class SmbSession implements DissectorSession, SmbSink {
  offered: string[] | null = null;
  private readonly framers = [new SmbFramer(), new SmbFramer()];
  private readonly seen = new Set<string>();
  private messages = 0;
  private finished = false;
  private dir: Direction = 0;
  private readonly onMessage = (msg: Buffer, n: number, total: number): boolean => this.message(msg, n, total);

  constructor(private readonly ctx: DissectorContext) {}

  get done(): boolean {
    return this.finished || (this.framers[0].dead && this.framers[1].dead);
  }

  emit(key: string, value: string | boolean | readonly string[], dir: Direction): void {
    const id = `${dir}${key}=${Array.isArray(value) ? value.join('\u0000') : String(value)}`;
    if (this.seen.has(id) || this.seen.size >= MAX_FACTS) return;
    this.seen.add(id);
    this.ctx.emit(key, value, dir);
  }

  data(dir: Direction, buf: Buffer, offset: number, length: number): void {
    if (this.done || offset < 0 || length <= 0 || offset + length > buf.length) return;
    this.dir = dir;
    this.framers[dir].push(buf, offset, length, this.onMessage);
  }

  gap(dir: Direction): void {
    this.framers[dir].dead = true;
  }

  private message(msg: Buffer, n: number, total: number): boolean {
    if (this.finished) return false;
    if (++this.messages >= MAX_MESSAGES) this.finished = true;
    if (n < 4 || msg[1] !== 0x53 || msg[2] !== 0x4d || msg[3] !== 0x42) return n < 4 ? true : false;
    if (msg[0] === 0xff) parseSmb1(msg, n, this.dir, this);
    else if (msg[0] === 0xfe) parseSmb2(msg, n, this.dir, this);
    else if (msg[0] === 0xfc) compressionTransform(msg, n, total, this.dir, this);
    else if (msg[0] !== 0xfd) return false;
    return true;
  }
}
