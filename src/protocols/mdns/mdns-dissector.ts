/**
 * The mDNS / DNS-SD dissector (RFC 6762, RFC 6763): which names a host asks about, and what a responding
 * host announces about itself: its addresses (A/AAAA), the service instances it offers (PTR), where they
 * run (SRV) and how they describe themselves (TXT). Reuses the DNS message reader. Keys and value shapes
 * are documented in docs/observations.md.
 *
 * RFC 6762 §6: responses are sent by the host that owns the records, so records in a response describe
 * the sender (a Bonjour Sleep Proxy answering for a sleeping host is the exception).
 * Records in a query are the querier's known answers (§7.1) or probe proposals (§8.2) and are not read.
 */
import type { Direction, Dissector, DissectorContext, DissectorSession } from '../dissector.js';
import { DnsClass, DnsMessageReader, DnsOpcode, DnsSection, DnsType } from '../dns/dns-message.js';

export const MDNS_PORT = 5353;

/**
 * TXT keys worth a fact of their own because they say what the device is (RFC 6763 §6; the printer keys are
 * from the Bonjour Printing Specification, `am`/`md` from Apple and Google devices). Compared lower-cased.
 */
export const IDENTITY_TXT_KEYS: ReadonlySet<string> = new Set([
  'model',
  'ty',
  'product',
  'usb_mfg',
  'usb_mdl',
  'mfg',
  'mdl',
  'manufacturer',
  'md',
  'am',
  'fn',
  'deviceid',
  'serialnumber',
  'sn',
  'vendor',
  'version',
  'vers',
  'srcvers',
  'osxvers',
  'os',
  'note',
  'adminurl',
  'uuid',
]);
/** Keys listed per TXT record: a record may carry up to ~9000 octets of them (RFC 6763 §6.2 advice), so bound it. */
export const MAX_TXT_KEYS = 32;

export class MdnsDissector implements Dissector {
  readonly name = 'mdns';
  readonly udpPorts: readonly number[] = [MDNS_PORT];
  readonly tcpPorts: readonly number[] = [];

  open(ctx: DissectorContext): DissectorSession {
    return new MdnsSession(ctx);
  }
}

/** Shared by every session: a datagram is read to the end before the next arrives. */
const reader = new DnsMessageReader();

class MdnsSession implements DissectorSession {
  readonly done = false;

  constructor(private readonly ctx: DissectorContext) {}

  data(dir: Direction, buf: Buffer, offset: number, length: number): void {
    if (!reader.reset(buf, offset, length)) return;
    // RFC 6762 §18.3, §18.11: messages with a non-zero OPCODE or RCODE "MUST be silently ignored".
    if (reader.opcode !== DnsOpcode.QUERY || reader.rcode !== 0) return;
    const ctx = this.ctx;
    if (!reader.isResponse) {
      while (reader.next() && reader.section === DnsSection.Question) {
        const name = reader.name();
        if (name !== null) ctx.emit('mdns.query', name, dir);
      }
      return;
    }
    while (reader.next()) {
      // The top bit of the class is the cache-flush bit (RFC 6762 §10.2), which classValue drops.
      if (reader.section === DnsSection.Question || reader.classValue !== DnsClass.IN) continue;
      switch (reader.type) {
        case DnsType.A:
          pair(ctx, dir, 'mdns.a', reader.ipv4());
          break;
        case DnsType.AAAA:
          pair(ctx, dir, 'mdns.aaaa', reader.ipv6());
          break;
        case DnsType.PTR:
          pair(ctx, dir, 'mdns.ptr', reader.rdataName());
          break;
        case DnsType.SRV:
          this.srv(dir);
          break;
        case DnsType.TXT:
          this.txt(dir);
          break;
        default:
          break;
      }
    }
  }

  /** RFC 2782: priority, weight, port, target. */
  private srv(dir: Direction): void {
    if (reader.rdataLength < 7) return;
    const target = reader.rdataName(6);
    if (target === null) return;
    const owner = reader.name();
    if (owner !== null) this.ctx.emit('mdns.srv', `${owner} ${reader.buf.readUInt16BE(reader.rdataOffset + 4)} ${target}`, dir);
  }

  /** RFC 6763 §6.3-6.4: each string is `key=value`, `key` alone (a boolean), or empty (no attributes). */
  private txt(dir: Direction): void {
    const strings = reader.txt();
    if (strings === null) return;
    const owner = reader.name();
    if (owner === null) return;
    const keys: string[] = [];
    for (const text of strings) {
      if (text.length === 0) continue;
      const eq = text.indexOf('=');
      // §6.4: "the key MUST be at least one character"; a string starting with "=" is to be ignored.
      if (eq === 0) continue;
      const key = eq < 0 ? text : text.slice(0, eq);
      // §6.4: keys are case insensitive, and "If a client receives a TXT record containing the same key
      // more than once, then the client MUST silently ignore all but the first occurrence of that attribute."
      const lower = key.toLowerCase();
      if (keys.length < MAX_TXT_KEYS && !keys.includes(lower)) {
        keys.push(lower);
        if (eq > 0 && IDENTITY_TXT_KEYS.has(lower)) this.ctx.emit('mdns.txt', `${owner} ${lower}${text.slice(eq)}`, dir);
      }
    }
    if (keys.length > 0) this.ctx.emit('mdns.txt_keys', keys, dir);
  }
}

function pair(ctx: DissectorContext, dir: Direction, key: string, data: string | null): void {
  if (data === null) return;
  const owner = reader.name();
  if (owner !== null) ctx.emit(key, `${owner} ${data}`, dir);
}
