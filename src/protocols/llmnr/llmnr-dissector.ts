/**
 * The LLMNR dissector (RFC 4795): which single-label names a host asks its link about, and which addresses
 * a responder claims for a name. Reuses the DNS message reader. Keys are documented in docs/observations.md.
 *
 * RFC 4795 §2.1: "responders MUST NOT respond to LLMNR queries for names for which they are not authoritative",
 * so an answer is the sender claiming the name for itself; a host that answers for names it does not own
 * is exactly the spoofing (Responder, NBNS/LLMNR poisoning) detection wants to see.
 */
import type { Direction, Dissector, DissectorContext, DissectorSession } from '../dissector.js';
import { DnsClass, DnsMessageReader, DnsOpcode, DnsSection, DnsType } from '../dns/dns-message.js';

export const LLMNR_PORT = 5355;

export class LlmnrDissector implements Dissector {
  readonly name = 'llmnr';
  readonly udpPorts: readonly number[] = [LLMNR_PORT];
  /** RFC 4795 §2.4 allows TCP, used only after a truncated UDP answer; rare enough to leave to UDP. */
  readonly tcpPorts: readonly number[] = [];

  open(ctx: DissectorContext): DissectorSession {
    return new LlmnrSession(ctx);
  }
}

const reader = new DnsMessageReader();

class LlmnrSession implements DissectorSession {
  readonly done = false;

  constructor(private readonly ctx: DissectorContext) {}

  data(dir: Direction, buf: Buffer, offset: number, length: number): void {
    if (!reader.reset(buf, offset, length)) return;
    // RFC 4795 §2.1.1: "Queries with OPCODE values other than 0 MUST be silently discarded".
    if (reader.opcode !== DnsOpcode.QUERY) return;
    const ctx = this.ctx;
    if (!reader.isResponse) {
      // §2.1.1: QDCOUNT "MUST be 1"; read the first question only.
      if (reader.next() && reader.section === DnsSection.Question) {
        const name = reader.name();
        if (name !== null) {
          ctx.emit('llmnr.query', name, dir);
          ctx.emit('llmnr.qtype', reader.type, dir);
        }
      }
      return;
    }
    if (reader.rcode !== 0) return;
    while (reader.next()) {
      if (reader.section !== DnsSection.Answer || reader.classValue !== DnsClass.IN) continue;
      const data = reader.type === DnsType.A ? reader.ipv4() : reader.type === DnsType.AAAA ? reader.ipv6() : null;
      if (data === null) continue;
      const owner = reader.name();
      if (owner !== null) ctx.emit(reader.type === DnsType.A ? 'llmnr.answer.a' : 'llmnr.answer.aaaa', `${owner} ${data}`, dir);
    }
  }
}
