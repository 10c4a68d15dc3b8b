/**
 * The DHCPv6 dissector (RFC 8415): how a client identifies itself (DUID), fingerprints itself (option
 * request list, vendor and user class) and names itself (FQDN), and which addresses servers hand to which
 * DUID. Keys and value shapes are documented in docs/observations.md.
 *
 * A fact describes the sender. Client-identity keys come only from client messages; a server's message
 * describes the server (`dhcpv6.server_duid`), except `dhcpv6.offered_ip` / `dhcpv6.assigned_ip`, whose value
 * names the client DUID it is about. A relay (RFC 8415 §19) wraps a client's message in Relay-forward: its
 * facts are the client's, but `src` is the relay.
 */
import { ipv6Text } from '../../decode/address-text.js';
import { boundedHex, optionText, wireNameText } from '../dhcp/dhcp-text.js';
import type { Direction, Dissector, DissectorContext, DissectorSession } from '../dissector.js';

export const DHCPV6_CLIENT_PORT = 546;
export const DHCPV6_SERVER_PORT = 547;

/** RFC 8415 §7.3 message types. */
export const Dhcpv6MessageType = {
  SOLICIT: 1,
  ADVERTISE: 2,
  REQUEST: 3,
  CONFIRM: 4,
  RENEW: 5,
  REBIND: 6,
  REPLY: 7,
  RELEASE: 8,
  DECLINE: 9,
  RECONFIGURE: 10,
  INFORMATION_REQUEST: 11,
  RELAY_FORW: 12,
  RELAY_REPL: 13,
} as const;

/** RFC 8415 §21 (and RFC 4704 for 39) option codes Vigil reads. */
export const Dhcpv6Option = {
  CLIENTID: 1,
  SERVERID: 2,
  IA_NA: 3,
  IA_TA: 4,
  IAADDR: 5,
  ORO: 6,
  RELAY_MSG: 9,
  USER_CLASS: 15,
  VENDOR_CLASS: 16,
  CLIENT_FQDN: 39,
} as const;

/** RFC 8415 §11.1: "a DUID can be no more than 128 octets long (not including the type code)". */
const MAX_DUID_OCTETS = 130;
/** RFC 8415 §7.6 HOP_COUNT_LIMIT: no relay chain is deeper than this. */
const MAX_RELAY_DEPTH = 8;
/** Items of a user or vendor class list kept, and of the option request list. */
const MAX_CLASS_ITEMS = 16;
const MAX_ORO_ITEMS = 128;
/** Relay messages: msg-type, hop-count, link-address, peer-address (RFC 8415 §9). */
const RELAY_HEADER = 34;
/** Client/server messages: msg-type and a 3-octet transaction id (RFC 8415 §8). */
const MESSAGE_HEADER = 4;

export class Dhcpv6Dissector implements Dissector {
  readonly name = 'dhcpv6';
  readonly udpPorts: readonly number[] = [DHCPV6_CLIENT_PORT, DHCPV6_SERVER_PORT];
  readonly tcpPorts: readonly number[] = [];

  open(ctx: DissectorContext): DissectorSession {
    return new Dhcpv6Session(ctx);
  }
}

function isClientMessage(type: number): boolean {
  return type === 1 || type === 3 || type === 4 || type === 5 || type === 6 || type === 8 || type === 9 || type === 11;
}

class Dhcpv6Session implements DissectorSession {
  readonly done = false;

  constructor(private readonly ctx: DissectorContext) {}

  data(dir: Direction, buf: Buffer, offset: number, length: number): void {
    if (offset < 0 || length < 1 || offset + length > buf.length) return;
    this.message(dir, buf, offset, offset + length, 0);
  }

  private message(dir: Direction, buf: Buffer, start: number, end: number, depth: number): void {
    if (start >= end) return;
    const ctx = this.ctx;
    const type = buf[start];
    if (type === Dhcpv6MessageType.RELAY_FORW || type === Dhcpv6MessageType.RELAY_REPL) {
      if (end - start < RELAY_HEADER) return;
      ctx.emit('dhcpv6.msg_type', type, dir);
      if (depth >= MAX_RELAY_DEPTH) return;
      // Only the relayed message matters here; interface-id and remote-id are the relay's own business.
      for (let pos = start + RELAY_HEADER; pos + 4 <= end; ) {
        const code = buf.readUInt16BE(pos);
        const n = buf.readUInt16BE(pos + 2);
        if (pos + 4 + n > end) return;
        if (code === Dhcpv6Option.RELAY_MSG) this.message(dir, buf, pos + 4, pos + 4 + n, depth + 1);
        pos += 4 + n;
      }
      return;
    }
    if (type === 0 || type > Dhcpv6MessageType.RELAY_REPL || end - start < MESSAGE_HEADER) return;
    ctx.emit('dhcpv6.msg_type', type, dir);
    const client = isClientMessage(type);
    const optionsStart = start + MESSAGE_HEADER;

    // A server's address grant is about the client named by option 1, which may come after the IA.
    let duidAt = -1;
    let duidLength = 0;
    if (type === Dhcpv6MessageType.ADVERTISE || type === Dhcpv6MessageType.REPLY) {
      for (let pos = optionsStart; pos + 4 <= end; ) {
        const n = buf.readUInt16BE(pos + 2);
        if (pos + 4 + n > end) break;
        if (buf.readUInt16BE(pos) === Dhcpv6Option.CLIENTID && duidAt < 0) {
          duidAt = pos + 4;
          duidLength = n;
        }
        pos += 4 + n;
      }
    }

    for (let pos = optionsStart; pos + 4 <= end; ) {
      const code = buf.readUInt16BE(pos);
      const n = buf.readUInt16BE(pos + 2);
      const at = pos + 4;
      if (at + n > end) return;
      pos = at + n;
      switch (code) {
        case Dhcpv6Option.CLIENTID:
          if (client && n > 0) ctx.emit('dhcpv6.client_duid', boundedHex(buf, at, at + n, MAX_DUID_OCTETS), dir);
          break;
        case Dhcpv6Option.SERVERID:
          if (!client && n > 0) ctx.emit('dhcpv6.server_duid', boundedHex(buf, at, at + n, MAX_DUID_OCTETS), dir);
          break;
        case Dhcpv6Option.ORO:
          if (client && n >= 2) {
            const count = Math.min(n >> 1, MAX_ORO_ITEMS);
            const list = new Array<number>(count);
            for (let i = 0; i < count; i++) list[i] = buf.readUInt16BE(at + 2 * i);
            ctx.emit('dhcpv6.option_request', list, dir);
          }
          break;
        case Dhcpv6Option.USER_CLASS:
          if (client) {
            const items = opaqueList(buf, at, at + n);
            if (items !== null && items.length > 0) ctx.emit('dhcpv6.user_class', items, dir);
          }
          break;
        case Dhcpv6Option.VENDOR_CLASS:
          // RFC 8415 §21.16: enterprise-number (4 octets), then vendor-class-data as length-prefixed items.
          if (client && n >= 4) {
            const items = opaqueList(buf, at + 4, at + n);
            if (items !== null) {
              ctx.emit('dhcpv6.vendor_enterprise', buf.readUInt32BE(at), dir);
              if (items.length > 0) ctx.emit('dhcpv6.vendor_class', items, dir);
            }
          }
          break;
        case Dhcpv6Option.CLIENT_FQDN:
          // RFC 4704 §4: a flags octet, then the domain name in DNS wire form, possibly partial.
          if (client && n > 1) {
            const name = wireNameText(buf, at + 1, at + n);
            if (name !== null && name !== '') ctx.emit('dhcpv6.fqdn', name, dir);
          }
          break;
        case Dhcpv6Option.IA_NA:
          // RFC 8415 §21.4: IAID, T1, T2, then IA_NA-options.
          if (duidAt >= 0 && n >= 12) this.grants(dir, buf, at + 12, at + n, type, duidAt, duidLength);
          break;
        case Dhcpv6Option.IA_TA:
          // RFC 8415 §21.5: IAID, then IA_TA-options (temporary addresses have no T1/T2).
          if (duidAt >= 0 && n >= 4) this.grants(dir, buf, at + 4, at + n, type, duidAt, duidLength);
          break;
        default:
          break;
      }
    }
  }

  /** IA Address options inside an IA_NA or IA_TA (RFC 8415 §21.4-21.6): address, preferred and valid lifetimes. */
  private grants(dir: Direction, buf: Buffer, pos: number, end: number, type: number, duidAt: number, duidLength: number): void {
    const key = type === Dhcpv6MessageType.ADVERTISE ? 'dhcpv6.offered_ip' : 'dhcpv6.assigned_ip';
    while (pos + 4 <= end) {
      const code = buf.readUInt16BE(pos);
      const n = buf.readUInt16BE(pos + 2);
      const at = pos + 4;
      if (at + n > end) return;
      // A valid lifetime of 0 is the server withdrawing the address (RFC 8415 §18.3.4), not granting it.
      if (code === Dhcpv6Option.IAADDR && n >= 24 && buf.readUInt32BE(at + 20) !== 0) {
        this.ctx.emit(key, `${boundedHex(buf, duidAt, duidAt + duidLength, MAX_DUID_OCTETS)} ${ipv6Text(buf, at)}`, dir);
      }
      pos = at + n;
    }
  }
}

/** Items of a list of two-octet-length-prefixed opaque data (user and vendor class, RFC 8415 §21.15-16), as text. */
function opaqueList(buf: Buffer, pos: number, end: number): string[] | null {
  const items: string[] = [];
  while (pos + 2 <= end) {
    const n = buf.readUInt16BE(pos);
    if (pos + 2 + n > end) return null;
    if (items.length < MAX_CLASS_ITEMS) items.push(optionText(buf, pos + 2, pos + 2 + n));
    pos += 2 + n;
  }
  return pos === end ? items : null;
}
