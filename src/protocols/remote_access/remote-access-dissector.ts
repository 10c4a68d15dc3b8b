/**
 * Remote-access tools (TeamViewer, AnyDesk, VNC), recognised from the first octets each side sends: a
 * tool on a clinical workstation or device is a standing way in from outside. Only the tool and the RFB
 * protocol version are emitted; nothing after the first 12 octets of each side is read. Keys are
 * documented in docs/observations.md.
 */
import type { Direction, Dissector, DissectorContext, DissectorSession, Transport } from '../dissector.js';
import { ANYDESK_TCP_PORT, ANYDESK_UDP_PORT, RFB_VERSION_LENGTH, rfbVersion, TEAMVIEWER_PORT, teamviewerMagic, tlsHandshake } from './remote-access-signatures.js';

export type RemoteAccessTool = 'teamviewer' | 'anydesk' | 'vnc';
/** The RFB ports of VNC displays :0 to :3. */
const VNC_PORTS = [5900, 5901, 5902, 5903];

export class RemoteAccessDissector implements Dissector {
  readonly name = 'remote-access';
  readonly udpPorts: readonly number[] = [TEAMVIEWER_PORT, ANYDESK_UDP_PORT];
  readonly tcpPorts: readonly number[] = [TEAMVIEWER_PORT, ANYDESK_TCP_PORT, ...VNC_PORTS];
  readonly reassemble = true;

  /** An RFB ProtocolVersion opens the flow (on any port): `RFB 0`. */
  probe(transport: Transport, _dir: Direction, buf: Buffer, offset: number, length: number): boolean {
    return transport === 'tcp' && length >= 5 && buf[offset] === 0x52 && buf[offset + 1] === 0x46 && buf[offset + 2] === 0x42 && buf[offset + 3] === 0x20 && buf[offset + 4] === 0x30;
  }

  open(ctx: DissectorContext): DissectorSession {
    return new RemoteAccessSession(ctx);
  }
}

class Side {
  finished = false;
  readonly head = new Uint8Array(RFB_VERSION_LENGTH);
  have = 0;
}

class RemoteAccessSession implements DissectorSession {
  private readonly sides: [Side, Side] = [new Side(), new Side()];
  private tool: RemoteAccessTool | null = null;

  constructor(private readonly ctx: DissectorContext) {}

  get done(): boolean {
    return this.sides[0].finished && this.sides[1].finished;
  }

  private hasPort(port: number): boolean {
    return this.ctx.originatorPort === port || this.ctx.responderPort === port;
  }

  data(dir: Direction, buf: Buffer, offset: number, length: number): void {
    const side = this.sides[dir];
    if (side.finished || offset < 0 || length <= 0 || offset + length > buf.length) return;
    if (this.ctx.transport === 'udp') {
      // One datagram: only the first of each direction is looked at.
      side.finished = true;
      if (this.hasPort(TEAMVIEWER_PORT) && teamviewerMagic(buf, offset, length)) this.found('teamviewer', dir);
      else if (this.hasPort(ANYDESK_UDP_PORT)) this.found('anydesk', dir);
      return;
    }
    const before = side.have;
    const take = Math.min(RFB_VERSION_LENGTH - side.have, length);
    side.head.set(buf.subarray(offset, offset + take), side.have);
    side.have += take;
    const head = side.head;
    // Decisions at fixed octet counts, so where the stream was split cannot change them.
    if (before < 2 && side.have >= 2) {
      if (this.hasPort(TEAMVIEWER_PORT) && teamviewerMagic(head, 0, 2)) return this.finish(side, 'teamviewer', dir);
      if (this.hasPort(ANYDESK_TCP_PORT) && tlsHandshake(head, 0, 2)) return this.finish(side, 'anydesk', dir);
      if (head[0] !== 0x52 || head[1] !== 0x46) {
        side.finished = true;
        return;
      }
    }
    if (side.have === RFB_VERSION_LENGTH) {
      side.finished = true;
      const version = rfbVersion(head, 0, RFB_VERSION_LENGTH);
      if (version !== null) {
        this.found('vnc', dir);
        this.ctx.emit('remote-access.vnc_version', version, dir);
      }
    }
  }

  gap(dir: Direction): void {
    this.sides[dir].finished = true;
  }

  private finish(side: Side, tool: RemoteAccessTool, dir: Direction): void {
    side.finished = true;
    this.found(tool, dir);
  }

  private found(tool: RemoteAccessTool, dir: Direction): void {
    if (this.tool !== null) return;
    this.tool = tool;
    this.ctx.emit('remote-access.tool', tool, dir);
  }
}
