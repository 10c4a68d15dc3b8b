/**
 * The SNMP dissector (v1 RFC 1157, v2c RFC 1901/3416, v3 RFC 3412/3414), UDP 161 and 162: the version, that a
 * community string or v3 user name crossed the wire in clear (never their values), whether the community is a
 * vendor default, the PDU type, the v3 security level, and the identity the agent reports about itself
 * (sysDescr, sysObjectID, sysContact, sysName, sysLocation) in responses, traps and informs.
 *
 * Every element is read with the bounded BER reader; anything malformed ends the datagram's parse quietly. Each
 * distinct fact is emitted once per flow and direction.
 */
import type { Direction, Dissector, DissectorContext, DissectorSession } from '../dissector.js';
import { optionText } from '../dhcp/dhcp-text.js';
import { BerReader, oidEquals, oidText, smallInt, Tag } from './ber.js';

export const SNMP_PORT = 161;
export const SNMP_TRAP_PORT = 162;
/** Variable bindings read per PDU. */
export const MAX_VARBINDS = 64;
/** Distinct facts remembered per flow; past this the session is done. */
const MAX_FACTS = 256;

/** RFC 3416 §3 PDU tags (context-specific, constructed) and their names. */
const PDU_NAMES = [
  'get-request',
  'get-next-request',
  'response',
  'set-request',
  'trap',
  'get-bulk-request',
  'inform-request',
  'snmpv2-trap',
  'report',
] as const;
const PDU_RESPONSE: number = 2;
const PDU_TRAP_V1 = 4;
const PDU_INFORM = 6;
const PDU_TRAP_V2 = 7;

/** SNMPv2-MIB system group scalars (1.3.6.1.2.1.1.N.0), encoded OID value octets, and their keys. */
const SYSTEM = [
  { oid: Buffer.from('2b06010201010100', 'hex'), key: 'snmp.sysdescr', isOid: false },
  { oid: Buffer.from('2b06010201010200', 'hex'), key: 'snmp.sysobjectid', isOid: true },
  { oid: Buffer.from('2b06010201010400', 'hex'), key: 'snmp.syscontact', isOid: false },
  { oid: Buffer.from('2b06010201010500', 'hex'), key: 'snmp.sysname', isOid: false },
  { oid: Buffer.from('2b06010201010600', 'hex'), key: 'snmp.syslocation', isOid: false },
] as const;

const PUBLIC = Buffer.from('public', 'latin1');
const PRIVATE = Buffer.from('private', 'latin1');

const SECURITY_LEVELS = ['noAuthNoPriv', 'authNoPriv', 'noAuthPriv', 'authPriv'] as const;

export class SnmpDissector implements Dissector {
  readonly name = 'snmp';
  readonly udpPorts: readonly number[] = [SNMP_PORT, SNMP_TRAP_PORT];
  readonly tcpPorts: readonly number[] = [];

  open(ctx: DissectorContext): DissectorSession {
    return new SnmpSession(ctx);
  }
}

/** Sessions run one datagram at a time: one set of readers serves them all. */
const outer = new BerReader();
const el = new BerReader();
const inner = new BerReader();

class SnmpSession implements DissectorSession {
  done = false;
  private readonly seen = new Set<string>();

  constructor(private readonly ctx: DissectorContext) {}

  private emit(key: string, value: string | boolean, dir: Direction): void {
    const id = `${dir}${key}=${String(value)}`;
    if (this.seen.has(id)) return;
    this.seen.add(id);
    this.ctx.emit(key, value, dir);
    if (this.seen.size >= MAX_FACTS) this.done = true;
  }

  data(dir: Direction, buf: Buffer, offset: number, length: number): void {
    if (this.done || offset < 0 || length <= 0 || offset + length > buf.length) return;
    const limit = offset + length;
    if (!outer.read(buf, offset, limit) || outer.tag !== Tag.SEQUENCE) return;
    const end = outer.end;
    if (!el.read(buf, outer.start, end) || el.tag !== Tag.INTEGER) return;
    const version = smallInt(buf, el.start, el.end);
    let pos = el.end;
    if (version === 0 || version === 1) {
      if (!el.read(buf, pos, end) || el.tag !== Tag.OCTET_STRING) return;
      this.emit('snmp.version', version === 0 ? '1' : '2c', dir);
      this.emit('snmp.community_seen', true, dir);
      if (isDefaultCommunity(buf, el.start, el.end)) this.emit('snmp.community_default', true, dir);
      this.pdu(dir, buf, el.end, end);
    } else if (version === 3) {
      this.v3(dir, buf, pos, end);
    }
  }

  /** RFC 3412 §6: msgGlobalData, msgSecurityParameters (USM, RFC 3414 §2.4), then a plain or encrypted scoped PDU. */
  private v3(dir: Direction, buf: Buffer, pos: number, end: number): void {
    if (!el.read(buf, pos, end) || el.tag !== Tag.SEQUENCE) return;
    const headerEnd = el.end;
    let at = el.start;
    let flags = -1;
    let model = -1;
    for (let i = 0; i < 4; i++) {
      if (!inner.read(buf, at, headerEnd)) return;
      if (i === 2) {
        if (inner.tag !== Tag.OCTET_STRING || inner.end - inner.start !== 1) return;
        flags = buf[inner.start];
      } else if (inner.tag !== Tag.INTEGER) return;
      if (i === 3) model = smallInt(buf, inner.start, inner.end);
      at = inner.end;
    }
    this.emit('snmp.version', '3', dir);
    this.emit('snmp.security_level', SECURITY_LEVELS[flags & 3], dir);
    pos = headerEnd;
    if (!el.read(buf, pos, end) || el.tag !== Tag.OCTET_STRING) return;
    pos = el.end;
    // USM (model 3): SEQUENCE { engineID, boots, time, userName, authParams, privParams }.
    if (model === 3 && inner.read(buf, el.start, el.end) && inner.tag === Tag.SEQUENCE) {
      const usmEnd = inner.end;
      at = inner.start;
      for (let i = 0; i < 4; i++) {
        if (!inner.read(buf, at, usmEnd)) break;
        if (i === 3 && inner.tag === Tag.OCTET_STRING && inner.end > inner.start) this.emit('snmp.user_seen', true, dir);
        at = inner.end;
      }
    }
    if ((flags & 2) !== 0) return; // encrypted scoped PDU
    if (!el.read(buf, pos, end) || el.tag !== Tag.SEQUENCE) return;
    const scopedEnd = el.end;
    at = el.start;
    for (let i = 0; i < 2; i++) {
      if (!el.read(buf, at, scopedEnd) || el.tag !== Tag.OCTET_STRING) return;
      at = el.end;
    }
    this.pdu(dir, buf, at, scopedEnd);
  }

  /** RFC 3416 §3 PDUs and the RFC 1157 §4.1.6 Trap-PDU; system-group values from agent-sent PDUs. */
  private pdu(dir: Direction, buf: Buffer, pos: number, end: number): void {
    if (!el.read(buf, pos, end)) return;
    const type = el.tag - 0xa0;
    if (type < 0 || type >= PDU_NAMES.length) return;
    this.emit('snmp.pdu_type', PDU_NAMES[type], dir);
    const pduEnd = el.end;
    let at = el.start;
    // Trap-PDU: enterprise, agent-addr, generic-trap, specific-trap, time-stamp; the others: request-id,
    // error-status, error-index. Then the variable bindings.
    const fields = type === PDU_TRAP_V1 ? 5 : 3;
    for (let i = 0; i < fields; i++) {
      if (!el.read(buf, at, pduEnd)) return;
      at = el.end;
    }
    if (type !== PDU_RESPONSE && type !== PDU_TRAP_V1 && type !== PDU_INFORM && type !== PDU_TRAP_V2) return;
    if (!el.read(buf, at, pduEnd) || el.tag !== Tag.SEQUENCE) return;
    const listEnd = el.end;
    at = el.start;
    for (let n = 0; n < MAX_VARBINDS && at < listEnd; n++) {
      if (!outer.read(buf, at, listEnd) || outer.tag !== Tag.SEQUENCE) return;
      at = outer.end;
      if (!el.read(buf, outer.start, outer.end) || el.tag !== Tag.OID) continue;
      const nameStart = el.start;
      const nameEnd = el.end;
      if (!inner.read(buf, nameEnd, outer.end)) continue;
      for (const entry of SYSTEM) {
        if (!oidEquals(buf, nameStart, nameEnd, entry.oid)) continue;
        if (entry.isOid) {
          if (inner.tag !== Tag.OID) break;
          const text = oidText(buf, inner.start, inner.end);
          if (text !== null) this.emit(entry.key, text, dir);
        } else if (inner.tag === Tag.OCTET_STRING) {
          const text = optionText(buf, inner.start, inner.end);
          if (text !== '') this.emit(entry.key, text, dir);
        }
        break;
      }
    }
  }
}

/** Whether the community is "public" or "private" (compared in place; the value is never kept). */
function isDefaultCommunity(buf: Buffer, start: number, end: number): boolean {
  return buf.compare(PUBLIC, 0, PUBLIC.length, start, end) === 0 || buf.compare(PRIVATE, 0, PRIVATE.length, start, end) === 0;
}
