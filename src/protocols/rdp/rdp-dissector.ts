/**
 * The RDP dissector: from the client's X.224 Connection Request, whether it carries an mstshash cookie
 * (never its value: it is a user name) and which security protocols it offers; from the server's Connection
 * Confirm, the protocol it chose ([MS-RDPBCGR] 1.3.1.1). Everything after is TLS/CredSSP or encrypted, so
 * each side detaches after its first PDU. Keys are documented in docs/observations.md.
 */
import type { Direction, Dissector, DissectorContext, DissectorSession } from '../dissector.js';
import { parseConnectionConfirm, parseConnectionRequest, protocolNames, selectedName, TPKT_HEADER } from './rdp-x224.js';

export const RDP_PORT = 3389;
/** The largest first PDU read: a Connection Request is a few dozen octets (a long cookie at most a few hundred). */
const MAX_PDU = 1024;
const MIN_PDU = TPKT_HEADER + 7;

export class RdpDissector implements Dissector {
  readonly name = 'rdp';
  readonly udpPorts: readonly number[] = [];
  readonly tcpPorts: readonly number[] = [RDP_PORT];
  readonly reassemble = true;

  open(ctx: DissectorContext): DissectorSession {
    return new RdpSession(ctx);
  }
}

class Side {
  finished = false;
  readonly header = Buffer.alloc(TPKT_HEADER);
  pdu: Buffer | null = null;
  have = 0;
}

class RdpSession implements DissectorSession {
  private readonly sides: [Side, Side] = [new Side(), new Side()];

  constructor(private readonly ctx: DissectorContext) {}

  get done(): boolean {
    return this.sides[0].finished && this.sides[1].finished;
  }

  data(dir: Direction, buf: Buffer, offset: number, length: number): void {
    const side = this.sides[dir];
    if (side.finished || offset < 0 || length <= 0 || offset + length > buf.length) return;
    let pos = offset;
    const end = offset + length;
    if (side.pdu === null) {
      const take = Math.min(TPKT_HEADER - side.have, end - pos);
      buf.copy(side.header, side.have, pos, pos + take);
      side.have += take;
      pos += take;
      if (side.have < TPKT_HEADER) return;
      const n = side.header.readUInt16BE(2);
      if (side.header[0] !== 3 || side.header[1] !== 0 || n < MIN_PDU || n > MAX_PDU) {
        side.finished = true;
        return;
      }
      side.pdu = Buffer.alloc(n);
      side.header.copy(side.pdu, 0);
    }
    const pdu = side.pdu;
    const take = Math.min(pdu.length - side.have, end - pos);
    buf.copy(pdu, side.have, pos, pos + take);
    side.have += take;
    if (side.have < pdu.length) return;
    side.finished = true;
    side.pdu = null;
    if (dir === 0) this.request(pdu);
    else this.confirm(pdu);
  }

  gap(dir: Direction): void {
    this.sides[dir].finished = true;
    this.sides[dir].pdu = null;
  }

  private request(pdu: Buffer): void {
    const cr = parseConnectionRequest(pdu, pdu.length);
    if (cr === null) return;
    this.ctx.emit('rdp.cookie_seen', cr.cookie, 0);
    this.ctx.emit('rdp.requested_protocols', protocolNames(cr.requested ?? 0), 0);
  }

  private confirm(pdu: Buffer): void {
    const selected = parseConnectionConfirm(pdu, pdu.length);
    if (selected !== null) this.ctx.emit('rdp.selected_protocol', selectedName(selected), 1);
  }
}
