/**
 * The DNS dissector: who asked for which name, and which addresses and aliases the answers gave. Keys and
 * value shapes are documented in docs/observations.md.
 */
import type { Direction, Dissector, DissectorContext, DissectorSession } from '../dissector.js';
import { DnsClass, DnsMessageReader, DnsOpcode, DnsSection, DnsType } from './dns-message.js';
import { LengthPrefixFramer } from './length-prefix-framer.js';

export const DNS_PORT = 53;

export interface DnsDissectorOptions {
  /**
   * UDP ports to claim. mDNS (5353) and LLMNR (5355) share the message format but get their own dissectors,
   * so only 53 by default.
   */
  udpPorts?: readonly number[];
  tcpPorts?: readonly number[];
  /** Longest TCP message buffered per direction (the two-octet prefix allows 65535); longer ones are skipped. */
  maxTcpMessage?: number;
}

export class DnsDissector implements Dissector {
  readonly name = 'dns';
  readonly udpPorts: readonly number[];
  readonly tcpPorts: readonly number[];
  readonly reassemble = true;
  private readonly maxTcpMessage: number;

  constructor(options: DnsDissectorOptions = {}) {
    this.udpPorts = options.udpPorts ?? [DNS_PORT];
    this.tcpPorts = options.tcpPorts ?? [DNS_PORT];
    this.maxTcpMessage = Math.min(0xffff, options.maxTcpMessage ?? 0xffff);
  }

  open(ctx: DissectorContext): DissectorSession {
    return new DnsSession(ctx, this.maxTcpMessage);
  }
}

/**
 * One reader for every session: a message is read to its end before any other is started, and
 * a reader per flow would keep thousands of idle objects alive for the flows' lifetimes.
 */
const reader = new DnsMessageReader();

class DnsSession implements DissectorSession {
  /** TCP only: one framer per direction. */
  private readonly framers: readonly [LengthPrefixFramer, LengthPrefixFramer] | null;

  constructor(
    private readonly ctx: DissectorContext,
    maxTcpMessage: number,
  ) {
    this.framers =
      ctx.transport === 'tcp'
        ? [
            new LengthPrefixFramer((buf, offset, length) => this.message(0, buf, offset, length), maxTcpMessage),
            new LengthPrefixFramer((buf, offset, length) => this.message(1, buf, offset, length), maxTcpMessage),
          ]
        : null;
  }

  /** A resolver keeps asking on the same flow, so DNS never has "enough"; only a TCP flow that lost its framing both ways is done. */
  get done(): boolean {
    return this.framers !== null && this.framers[0].lost && this.framers[1].lost;
  }

  data(dir: Direction, buf: Buffer, offset: number, length: number): void {
    if (this.framers === null) this.message(dir, buf, offset, length);
    else this.framers[dir].push(buf, offset, length);
  }

  gap(dir: Direction, length: number): void {
    this.framers?.[dir].gap(length);
  }

  /**
   * Facts come out in message order, so a message cut short yields a prefix of what the whole one would:
   * a malformed message simply yields fewer facts.
   */
  private message(from: Direction, buf: Buffer, offset: number, length: number): void {
    if (!reader.reset(buf, offset, length)) return;
    const ctx = this.ctx;
    if (!reader.isResponse) {
      // Other opcodes reuse the question section for something else: UPDATE's is the zone (RFC 2136 §2.3).
      if (reader.opcode !== DnsOpcode.QUERY) return;
      while (reader.next() && reader.section === DnsSection.Question) {
        const name = reader.name();
        if (name === null) continue;
        ctx.emit('dns.query', name, from);
        ctx.emit('dns.qtype', reader.type, from);
      }
      return;
    }
    if (reader.rcode !== 0) ctx.emit('dns.rcode', reader.rcode, from);
    if (reader.opcode !== DnsOpcode.QUERY) return;
    while (reader.next()) {
      if (reader.section === DnsSection.Question || reader.classValue !== DnsClass.IN) continue;
      let key: string;
      let data: string | null;
      switch (reader.type) {
        case DnsType.A:
          key = 'dns.answer.a';
          data = reader.ipv4();
          break;
        case DnsType.AAAA:
          key = 'dns.answer.aaaa';
          data = reader.ipv6();
          break;
        case DnsType.CNAME:
          key = 'dns.answer.cname';
          data = reader.rdataName();
          break;
        case DnsType.PTR:
          key = 'dns.answer.ptr';
          data = reader.rdataName();
          break;
        default:
          continue;
      }
      if (data === null) continue;
      const owner = reader.name();
      if (owner !== null) ctx.emit(key, `${owner} ${data}`, from);
    }
  }
}

export function createDnsDissector(options?: DnsDissectorOptions): DnsDissector {
  return new DnsDissector(options);
}
