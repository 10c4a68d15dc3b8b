/**
 * DNS message parsing (RFC 1035 §4.1) by offsets into the caller's Buffer. `DnsMessageReader` is a reusable
 * cursor that walks questions and resource records without allocating; names and record data become
 * strings only when asked for. `parseDnsMessage` builds a whole object tree on top of it, for tests and tools.
 */
import { ipv4Text, ipv6Text } from '../../decode/address-text.js';
import { readName, skipName, writeDecimalEscape } from './dns-name.js';

const EMPTY = Buffer.alloc(0);

/** RFC 1035 §4.1.1: the header is always 12 octets. */
export const DNS_HEADER_LENGTH = 12;

export const DnsType = {
  A: 1,
  NS: 2,
  CNAME: 5,
  SOA: 6,
  PTR: 12,
  MX: 15,
  TXT: 16,
  AAAA: 28,
  SRV: 33,
  OPT: 41,
} as const;

export const DnsClass = { IN: 1 } as const;

export const DnsOpcode = { QUERY: 0 } as const;

export const DnsSection = { Question: 0, Answer: 1, Authority: 2, Additional: 3 } as const;
export type DnsSection = (typeof DnsSection)[keyof typeof DnsSection];

/** Presentation form of record data: one string, or one per TXT character-string. */
export type DnsRecordData = string | readonly string[];

export class DnsMessageReader {
  buf: Buffer = EMPTY;
  /** The message is `buf[start..end)`; compression pointers are offsets from `start`. */
  start = 0;
  end = 0;
  id = 0;
  flags = 0;
  /** QDCOUNT, ANCOUNT, NSCOUNT, ARCOUNT as the header states them. */
  readonly counts = [0, 0, 0, 0];
  /** True once `next()` stopped because the message did not hold what its header promised. */
  malformed = false;

  // The item `next()` last stopped on.
  section: DnsSection = DnsSection.Question;
  nameOffset = 0;
  type = 0;
  klass = 0;
  /** Resource records only. */
  ttl = 0;
  rdataOffset = 0;
  rdataLength = 0;

  private pos = 0;
  private readonly left = [0, 0, 0, 0];

  /** Starts reading the message in `buf[offset..offset+length)`; false if it cannot hold a header. */
  reset(buf: Buffer, offset: number, length: number): boolean {
    this.buf = buf;
    this.start = offset;
    this.end = offset + length;
    this.malformed = false;
    this.section = DnsSection.Question;
    if (length < DNS_HEADER_LENGTH || offset < 0 || this.end > buf.length) {
      this.end = offset;
      this.pos = offset;
      for (let i = 0; i < 4; i++) this.counts[i] = this.left[i] = 0;
      return false;
    }
    this.id = buf.readUInt16BE(offset);
    this.flags = buf.readUInt16BE(offset + 2);
    for (let i = 0; i < 4; i++) this.counts[i] = this.left[i] = buf.readUInt16BE(offset + 4 + 2 * i);
    this.pos = offset + DNS_HEADER_LENGTH;
    return true;
  }

  /** QR: the message is a response. */
  get isResponse(): boolean {
    return (this.flags & 0x8000) !== 0;
  }
  get opcode(): number {
    return (this.flags >> 11) & 0xf;
  }
  /** The header's 4-bit RCODE; EDNS extends it in the OPT record (RFC 6891 §6.1.3), which this does not read. */
  get rcode(): number {
    return this.flags & 0xf;
  }

  /**
   * Moves to the next question or resource record, in message order, and returns true; false at the end of
   * the message or at the first thing that does not fit (then `malformed` is set).
   */
  next(): boolean {
    while (this.left[this.section] === 0) {
      if (this.section === DnsSection.Additional) return false;
      this.section = (this.section + 1) as DnsSection;
    }
    this.left[this.section]--;
    const buf = this.buf;
    const afterName = skipName(buf, this.pos, this.end);
    if (afterName < 0) return this.fail();
    this.nameOffset = this.pos;
    if (this.section === DnsSection.Question) {
      if (afterName + 4 > this.end) return this.fail();
      this.type = buf.readUInt16BE(afterName);
      this.klass = buf.readUInt16BE(afterName + 2);
      this.pos = afterName + 4;
      return true;
    }
    if (afterName + 10 > this.end) return this.fail();
    this.type = buf.readUInt16BE(afterName);
    this.klass = buf.readUInt16BE(afterName + 2);
    this.ttl = buf.readUInt32BE(afterName + 4);
    this.rdataLength = buf.readUInt16BE(afterName + 8);
    this.rdataOffset = afterName + 10;
    if (this.rdataOffset + this.rdataLength > this.end) return this.fail();
    this.pos = this.rdataOffset + this.rdataLength;
    return true;
  }

  private fail(): false {
    this.malformed = true;
    for (let i = 0; i < 4; i++) this.left[i] = 0;
    this.section = DnsSection.Additional;
    return false;
  }

  /** Owner name of the current question or record. */
  name(): string | null {
    return readName(this.buf, this.start, this.end, this.nameOffset);
  }

  /** Class without the top bit, which mDNS uses for "unicast response" / "cache flush" (RFC 6762 §5.4, §10.2). */
  get classValue(): number {
    return this.klass & 0x7fff;
  }

  /** A record data. */
  ipv4(): string | null {
    return this.rdataLength === 4 ? ipv4Text(this.buf, this.rdataOffset) : null;
  }

  /** AAAA record data (RFC 3596 §2.2). */
  ipv6(): string | null {
    return this.rdataLength === 16 ? ipv6Text(this.buf, this.rdataOffset) : null;
  }

  /**
   * A name inside the record data, `skip` octets in (CNAME, PTR, NS: 0; MX: 2; SRV: 6). Its in-place part must
   * end within the record data; pointers may lead anywhere in the message.
   */
  rdataName(skip = 0): string | null {
    const rdataEnd = this.rdataOffset + this.rdataLength;
    const at = this.rdataOffset + skip;
    if (at >= rdataEnd || skipName(this.buf, at, rdataEnd) < 0) return null;
    return readName(this.buf, this.start, this.end, at);
  }

  /** TXT character-strings (RFC 1035 §3.3.14), each in text form; null if one runs past the record data. */
  txt(): string[] | null {
    const strings: string[] = [];
    const end = this.rdataOffset + this.rdataLength;
    let pos = this.rdataOffset;
    while (pos < end) {
      const length = this.buf[pos];
      if (pos + 1 + length > end) return null;
      strings.push(characterStringText(this.buf, pos + 1, pos + 1 + length));
      pos += 1 + length;
    }
    return strings;
  }

  /**
   * The current record's data in master-file order (RFC 1035 §5.1): A/AAAA address, CNAME/PTR/NS name,
   * MX "preference exchange", SRV "priority weight port target" (RFC 2782), TXT strings; null for other
   * types or malformed data.
   */
  data(): DnsRecordData | null {
    const buf = this.buf;
    const at = this.rdataOffset;
    switch (this.type) {
      case DnsType.A:
        return this.ipv4();
      case DnsType.AAAA:
        return this.ipv6();
      case DnsType.CNAME:
      case DnsType.PTR:
      case DnsType.NS:
        return this.rdataName();
      case DnsType.MX: {
        if (this.rdataLength < 3) return null;
        const exchange = this.rdataName(2);
        return exchange === null ? null : `${buf.readUInt16BE(at)} ${exchange}`;
      }
      case DnsType.SRV: {
        if (this.rdataLength < 7) return null;
        const target = this.rdataName(6);
        if (target === null) return null;
        return `${buf.readUInt16BE(at)} ${buf.readUInt16BE(at + 2)} ${buf.readUInt16BE(at + 4)} ${target}`;
      }
      case DnsType.TXT:
        return this.txt();
      default:
        return null;
    }
  }
}

/** Up to 255 octets, each written as at most 4 characters. */
const textScratch = Buffer.allocUnsafe(4 * 255);

/** Printable ASCII as is, `\\` for the backslash and `\DDD` for every other octet. */
function characterStringText(buf: Buffer, from: number, to: number): string {
  let out = 0;
  for (let i = from; i < to; i++) {
    const octet = buf[i];
    if (octet === 0x5c) {
      textScratch[out++] = 0x5c;
      textScratch[out++] = 0x5c;
    } else if (octet >= 0x20 && octet < 0x7f) {
      textScratch[out++] = octet;
    } else {
      out = writeDecimalEscape(textScratch, out, octet);
    }
  }
  return textScratch.toString('latin1', 0, out);
}

export interface DnsQuestion {
  name: string | null;
  type: number;
  class: number;
}

export interface DnsResourceRecord {
  name: string | null;
  type: number;
  class: number;
  ttl: number;
  /** Presentation form for the types `DnsMessageReader.data` knows, else null. */
  data: DnsRecordData | null;
}

export interface DnsMessage {
  id: number;
  isResponse: boolean;
  opcode: number;
  /** AA, TC, RD, RA (RFC 1035 §4.1.1). */
  authoritative: boolean;
  truncated: boolean;
  recursionDesired: boolean;
  recursionAvailable: boolean;
  rcode: number;
  questions: DnsQuestion[];
  answers: DnsResourceRecord[];
  authorities: DnsResourceRecord[];
  additionals: DnsResourceRecord[];
  /** The message ended, or broke, before everything its header counts announced. */
  malformed: boolean;
}

/** The whole message as objects, keeping everything up to the first malformed item; null without a header. */
export function parseDnsMessage(buf: Buffer, offset = 0, length = buf.length - offset): DnsMessage | null {
  const reader = new DnsMessageReader();
  if (!reader.reset(buf, offset, length)) return null;
  const flags = reader.flags;
  const message: DnsMessage = {
    id: reader.id,
    isResponse: reader.isResponse,
    opcode: reader.opcode,
    authoritative: (flags & 0x0400) !== 0,
    truncated: (flags & 0x0200) !== 0,
    recursionDesired: (flags & 0x0100) !== 0,
    recursionAvailable: (flags & 0x0080) !== 0,
    rcode: reader.rcode,
    questions: [],
    answers: [],
    authorities: [],
    additionals: [],
    malformed: false,
  };
  const sections = [message.answers, message.authorities, message.additionals];
  while (reader.next()) {
    if (reader.section === DnsSection.Question) {
      message.questions.push({ name: reader.name(), type: reader.type, class: reader.klass });
    } else {
      sections[reader.section - 1].push({
        name: reader.name(),
        type: reader.type,
        class: reader.klass,
        ttl: reader.ttl,
        data: reader.data(),
      });
    }
  }
  message.malformed = reader.malformed;
  return message;
}
