/**
 * The DHCPv4 dissector: which hardware address asked for which name and address, how it fingerprints
 * itself (parameter request list, vendor class), and which address a server handed to which hardware
 * address. Keys and value shapes are documented in docs/observations.md.
 *
 * A fact describes the sender of the bytes. A client's request (BOOTREQUEST) describes the client, so the
 * client-identity keys come only from requests; a server's reply (BOOTREPLY) describes the server, except
 * `dhcp.offered_ip` / `dhcp.assigned_ip`, whose value names the client hardware address it is about.
 */
import { ipv4Text, macText } from '../../decode/address-text.js';
import type { Direction, Dissector, DissectorContext, DissectorSession } from '../dissector.js';
import { BOOTP_FIXED_LENGTH, DhcpMessageType, DhcpOption, DhcpOptionReader, Offset, OP_BOOTREPLY, OP_BOOTREQUEST } from './dhcp-message.js';
import { boundedHex, optionText, wireNameText } from './dhcp-text.js';

export const DHCP_SERVER_PORT = 67;
export const DHCP_CLIENT_PORT = 68;
/** Octets of opaque option data (43, 82 sub-options) kept as hex: enough to recognise, bounded for storage. */
export const MAX_OPAQUE_OCTETS = 64;

/** RFC 3046 §2.0 sub-options of the relay agent information option (82). */
const RELAY_CIRCUIT_ID = 1;
const RELAY_REMOTE_ID = 2;

export class DhcpDissector implements Dissector {
  readonly name = 'dhcp';
  readonly udpPorts: readonly number[] = [DHCP_SERVER_PORT, DHCP_CLIENT_PORT];
  readonly tcpPorts: readonly number[] = [];

  open(ctx: DissectorContext): DissectorSession {
    return new DhcpSession(ctx);
  }
}

/** One reader for every session: sessions run one datagram at a time and keep nothing between them. */
const reader = new DhcpOptionReader();

class DhcpSession implements DissectorSession {
  /** A client renews on the same ports for as long as it holds a lease: DHCP never has "enough". */
  readonly done = false;

  constructor(private readonly ctx: DissectorContext) {}

  data(dir: Direction, buf: Buffer, offset: number, length: number): void {
    if (offset < 0 || length < BOOTP_FIXED_LENGTH || offset + length > buf.length) return;
    // Without the magic cookie this is plain BOOTP (RFC 951) or garbage: the header still names the client,
    // but there are no options to read (the reader then yields none).
    reader.reset(buf, offset, length);
    const op = buf[offset + Offset.op];
    if (op !== OP_BOOTREQUEST && op !== OP_BOOTREPLY) return;

    // Option 53 may come anywhere; the first pass finds it (and whether the options ended properly) so the
    // second can emit in wire order.
    let messageType = 0;
    while (reader.next()) {
      if (reader.code === DhcpOption.MESSAGE_TYPE && reader.valueLength === 1 && messageType === 0) messageType = buf[reader.valueOffset];
    }
    const sawEnd = reader.ended && !reader.malformed;
    reader.reset(buf, offset, length);

    const ctx = this.ctx;
    if (messageType !== 0) ctx.emit('dhcp.msg_type', messageType, dir);
    const htype = buf[offset + Offset.htype];
    const hlen = buf[offset + Offset.hlen];
    // RFC 1700 hardware type 1 (Ethernet) with a 6-octet address; other types keep their raw octets.
    const ethernet = htype === 1 && hlen === 6;

    if (op === OP_BOOTREQUEST) {
      if (ethernet) ctx.emit('dhcp.client_mac', macText(buf, offset + Offset.chaddr), dir);
      if (buf.readUInt32BE(offset + Offset.ciaddr) !== 0) ctx.emit('dhcp.client_ip', ipv4Text(buf, offset + Offset.ciaddr), dir);
    } else {
      // RFC 2131 §4.3.1/§4.3.2: yiaddr of an OFFER is proposed, of an ACK bound. A BOOTP reply (no option 53)
      // binds too (RFC 951), but only a message whose options ended cleanly is known not to have had one.
      const yiaddr = buf.readUInt32BE(offset + Offset.yiaddr);
      const key =
        messageType === DhcpMessageType.OFFER
          ? 'dhcp.offered_ip'
          : messageType === DhcpMessageType.ACK || (messageType === 0 && sawEnd)
            ? 'dhcp.assigned_ip'
            : null;
      if (key !== null && yiaddr !== 0) {
        ctx.emit(key, `${hardwareText(buf, offset, htype, hlen)} ${ipv4Text(buf, offset + Offset.yiaddr)}`, dir);
      }
    }
    if (buf.readUInt32BE(offset + Offset.giaddr) !== 0) ctx.emit('dhcp.relay_ip', ipv4Text(buf, offset + Offset.giaddr), dir);

    const request = op === OP_BOOTREQUEST;
    while (reader.next()) {
      const at = reader.valueOffset;
      const n = reader.valueLength;
      switch (reader.code) {
        case DhcpOption.HOSTNAME:
          if (request && n > 0) ctx.emit('dhcp.hostname', optionText(buf, at, at + n), dir);
          break;
        case DhcpOption.REQUESTED_IP:
          if (request && n === 4) ctx.emit('dhcp.requested_ip', ipv4Text(buf, at), dir);
          break;
        case DhcpOption.LEASE_TIME:
          if (n === 4) ctx.emit('dhcp.lease_time', buf.readUInt32BE(at), dir);
          break;
        case DhcpOption.SERVER_ID:
          if (n === 4) ctx.emit('dhcp.server_id', ipv4Text(buf, at), dir);
          break;
        case DhcpOption.PARAM_REQUEST_LIST:
          if (request && n > 0) {
            const list = new Array<number>(n);
            for (let i = 0; i < n; i++) list[i] = buf[at + i];
            ctx.emit('dhcp.param_request_list', list, dir);
          }
          break;
        case DhcpOption.VENDOR_CLASS:
          if (request && n > 0) ctx.emit('dhcp.vendor_class', optionText(buf, at, at + n), dir);
          break;
        case DhcpOption.CLIENT_ID:
          // RFC 2132 §9.14: a type octet (1 = Ethernet, 255 = RFC 4361 IAID + DUID) and the identifier.
          if (request && n > 0) ctx.emit('dhcp.client_id', boundedHex(buf, at, at + n, 255), dir);
          break;
        case DhcpOption.CLIENT_FQDN:
          if (request && n > 3) {
            // RFC 4702 §2: flags, RCODE1, RCODE2, then the name; flag E (0x04) says canonical wire format,
            // else the deprecated ASCII form.
            const name = (buf[at] & 0x04) !== 0 ? wireNameText(buf, at + 3, at + n) : optionText(buf, at + 3, at + n).toLowerCase();
            if (name !== null && name !== '') ctx.emit('dhcp.fqdn', name, dir);
          }
          break;
        case DhcpOption.VENDOR_SPECIFIC:
          ctx.emit('dhcp.vendor_specific', boundedHex(buf, at, at + n, MAX_OPAQUE_OCTETS), dir);
          ctx.emit('dhcp.vendor_specific_length', n, dir);
          break;
        case DhcpOption.RELAY_AGENT:
          relayAgent(ctx, dir, buf, at, at + n);
          break;
        default:
          break;
      }
    }
  }
}

/** RFC 3046 §2.0: sub-options of option 82, each code, length, value; stops at one that overruns. */
function relayAgent(ctx: DissectorContext, dir: Direction, buf: Buffer, pos: number, end: number): void {
  while (pos + 2 <= end) {
    const code = buf[pos];
    const n = buf[pos + 1];
    const at = pos + 2;
    if (at + n > end) return;
    if (code === RELAY_CIRCUIT_ID) ctx.emit('dhcp.relay_circuit_id', boundedHex(buf, at, at + n, MAX_OPAQUE_OCTETS), dir);
    else if (code === RELAY_REMOTE_ID) ctx.emit('dhcp.relay_remote_id', boundedHex(buf, at, at + n, MAX_OPAQUE_OCTETS), dir);
    pos = at + n;
  }
}

/** chaddr as a MAC for Ethernet, else the hex of its first `hlen` octets (at most 16), or "-" if none. */
function hardwareText(buf: Buffer, offset: number, htype: number, hlen: number): string {
  if (htype === 1 && hlen === 6) return macText(buf, offset + Offset.chaddr);
  const n = Math.min(hlen, 16);
  return n === 0 ? '-' : buf.toString('hex', offset + Offset.chaddr, offset + Offset.chaddr + n);
}
