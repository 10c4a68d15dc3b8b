/**
 * The NetBIOS Name Service dissector (RFC 1002 §4.2): which NetBIOS names a host asks for, which it claims
 * (registration, refresh), which groups (workgroup, domain) it belongs to, what a node status response says
 * about the responder (its whole name table and its MAC), and which address a name resolves to. Reuses the
 * DNS message reader: the header and record layout are DNS's. Keys are documented in docs/observations.md.
 */
import { ipv4Text, macText } from '../../decode/address-text.js';
import type { Direction, Dissector, DissectorContext, DissectorSession } from '../dissector.js';
import { DnsMessageReader, DnsSection } from '../dns/dns-message.js';
import { NETBIOS_NAME_LENGTH, rawNetbiosName, readNetbiosName } from './netbios-name.js';

export const NBNS_PORT = 137;

/** RFC 1002 §4.2.1.1 OPCODE values. */
export const NbnsOpcode = {
  QUERY: 0,
  REGISTRATION: 5,
  RELEASE: 6,
  WACK: 7,
  REFRESH: 8,
  /** Many implementations (and tshark) use 9 for refresh too, after an erratum to RFC 1002. */
  REFRESH_ALT: 9,
  MULTIHOMED_REGISTRATION: 15,
} as const;

/** RFC 1002 §4.2.1.3: RR_TYPE NB (general name service resource record) and NBSTAT (node status). */
const TYPE_NB = 0x20;
const TYPE_NBSTAT = 0x21;
const CLASS_IN = 1;
/** RFC 1002 §4.2.1.3 NB_FLAGS / §4.2.18 NAME_FLAGS: G, "group name flag". */
const GROUP_FLAG = 0x8000;

export class NbnsDissector implements Dissector {
  readonly name = 'nbns';
  readonly udpPorts: readonly number[] = [NBNS_PORT];
  /** RFC 1002 §4.2 allows TCP 137 for the name service; hosts do not use it in practice. */
  readonly tcpPorts: readonly number[] = [];

  open(ctx: DissectorContext): DissectorSession {
    return new NbnsSession(ctx);
  }
}

const reader = new DnsMessageReader();

class NbnsSession implements DissectorSession {
  readonly done = false;

  constructor(private readonly ctx: DissectorContext) {}

  data(dir: Direction, buf: Buffer, offset: number, length: number): void {
    if (!reader.reset(buf, offset, length)) return;
    const opcode = reader.opcode;
    const ctx = this.ctx;
    if (!reader.isResponse) {
      if (opcode === NbnsOpcode.QUERY) {
        while (reader.next() && reader.section === DnsSection.Question) {
          const name = this.name();
          if (name !== null) ctx.emit('nbns.query', name, dir);
        }
        return;
      }
      // RFC 1002 §4.2.2, §4.2.4: a registration or refresh request carries the name in its question and,
      // in its additional record, NB_FLAGS (G: a group name) and the address being bound to it: the
      // sender claims the name for itself.
      if (
        opcode === NbnsOpcode.REGISTRATION ||
        opcode === NbnsOpcode.REFRESH ||
        opcode === NbnsOpcode.REFRESH_ALT ||
        opcode === NbnsOpcode.MULTIHOMED_REGISTRATION
      ) {
        while (reader.next()) {
          if (reader.section !== DnsSection.Additional || reader.type !== TYPE_NB || reader.klass !== CLASS_IN || reader.rdataLength < 6) continue;
          const name = this.name();
          if (name === null) continue;
          const group = (reader.buf.readUInt16BE(reader.rdataOffset) & GROUP_FLAG) !== 0;
          ctx.emit(group ? 'nbns.group' : 'nbns.name', name, dir);
        }
      }
      return;
    }
    // Responses: only positive name query and node status responses (RFC 1002 §4.2.13, §4.2.18).
    if (opcode !== NbnsOpcode.QUERY || reader.rcode !== 0) return;
    while (reader.next()) {
      if (reader.section !== DnsSection.Answer || reader.klass !== CLASS_IN) continue;
      if (reader.type === TYPE_NB) this.addresses(dir);
      else if (reader.type === TYPE_NBSTAT) this.nodeStatus(dir);
    }
  }

  private name(): string | null {
    return readNetbiosName(reader.buf, reader.start, reader.end, reader.nameOffset);
  }

  /** RFC 1002 §4.2.13: ADDR_ENTRY is NB_FLAGS (2 octets) and NB_ADDRESS (4), repeated. */
  private addresses(dir: Direction): void {
    const buf = reader.buf;
    const end = reader.rdataOffset + reader.rdataLength;
    if (reader.rdataLength < 6) return;
    const name = this.name();
    if (name === null) return;
    for (let pos = reader.rdataOffset; pos + 6 <= end; pos += 6) {
      this.ctx.emit('nbns.answer', `${name} ${ipv4Text(buf, pos + 2)}`, dir);
    }
  }

  /**
   * RFC 1002 §4.2.18: NUM_NAMES (1 octet), then each name as 16 raw octets and NAME_FLAGS (2), then the
   * statistics, whose first field is UNIT_ID, "Unique unit ID" (6 octets): in practice the adapter's MAC.
   */
  private nodeStatus(dir: Direction): void {
    const buf = reader.buf;
    const end = reader.rdataOffset + reader.rdataLength;
    let pos = reader.rdataOffset;
    if (pos >= end) return;
    const count = buf[pos++];
    if (pos + count * (NETBIOS_NAME_LENGTH + 2) > end) return;
    for (let i = 0; i < count; i++, pos += NETBIOS_NAME_LENGTH + 2) {
      const group = (buf.readUInt16BE(pos + NETBIOS_NAME_LENGTH) & GROUP_FLAG) !== 0;
      this.ctx.emit(group ? 'nbns.group' : 'nbns.name', rawNetbiosName(buf, pos), dir);
    }
    // Samba and some stacks send a zero unit id: no MAC to report.
    if (pos + 6 <= end && buf.readUInt32BE(pos) + buf.readUInt16BE(pos + 4) !== 0) this.ctx.emit('nbns.mac', macText(buf, pos), dir);
  }
}
