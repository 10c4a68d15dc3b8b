import { ChunkedParser } from './chunked-parser.js';
import type { CaptureSink } from './capture-sink.js';
import { PacketRecord } from './packet-record.js';

/** Magic numbers as read big-endian from the first four bytes of the file. */
export const PCAP_MAGIC_USEC = 0xa1b2c3d4;
export const PCAP_MAGIC_NSEC = 0xa1b23c4d;
export const PCAP_MAGIC_USEC_SWAPPED = 0xd4c3b2a1;
export const PCAP_MAGIC_NSEC_SWAPPED = 0x4d3cb2a1;

const GLOBAL_HEADER_LEN = 24;
const RECORD_HEADER_LEN = 16;
/** Wireshark's WTAP_MAX_PACKET_SIZE_STANDARD; larger lengths in a record header mean damage. */
const MAX_RECORD_LEN = 262144;

export function isPcapMagic(magic: number): boolean {
  return (
    magic === PCAP_MAGIC_USEC ||
    magic === PCAP_MAGIC_NSEC ||
    magic === PCAP_MAGIC_USEC_SWAPPED ||
    magic === PCAP_MAGIC_NSEC_SWAPPED
  );
}

/** Classic libpcap format (https://www.ietf.org/archive/id/draft-ietf-opsawg-pcap-04.html). */
export class PcapParser extends ChunkedParser {
  private headerDone = false;
  private littleEndian = true;
  private nanosecond = false;
  private snaplen = 0;
  private linkType = 0;
  private maxRecord = MAX_RECORD_LEN;
  private readonly record = new PacketRecord();
  private frames = 0;

  constructor(private readonly sink: CaptureSink) {
    super();
  }

  get packets(): number {
    return this.frames;
  }

  protected need(buf: Buffer, offset: number, available: number): number {
    if (!this.headerDone) return GLOBAL_HEADER_LEN;
    if (available < RECORD_HEADER_LEN) return RECORD_HEADER_LEN;
    const incl = this.littleEndian ? buf.readUInt32LE(offset + 8) : buf.readUInt32BE(offset + 8);
    if (incl > this.maxRecord) {
      this.fail(this.base + offset, `record length ${incl} exceeds the maximum of ${this.maxRecord}`);
      return -1;
    }
    return RECORD_HEADER_LEN + incl;
  }

  protected parse(buf: Buffer, offset: number, end: number): number {
    let pos = offset;
    if (!this.headerDone) {
      if (end - pos < GLOBAL_HEADER_LEN) return pos;
      this.readGlobalHeader(buf, pos);
      pos += GLOBAL_HEADER_LEN;
    }
    const rec = this.record;
    const le = this.littleEndian;
    const nsMul = this.nanosecond ? 1 : 1000;
    rec.buf = buf;
    rec.linkType = this.linkType;
    while (end - pos >= RECORD_HEADER_LEN) {
      // Byte arithmetic rather than readUInt32LE/BE: no bounds check or branch per field.
      let tsSec: number, tsFrac: number, incl: number, orig: number;
      if (le) {
        tsSec = (buf[pos] | (buf[pos + 1] << 8) | (buf[pos + 2] << 16) | (buf[pos + 3] << 24)) >>> 0;
        tsFrac = (buf[pos + 4] | (buf[pos + 5] << 8) | (buf[pos + 6] << 16) | (buf[pos + 7] << 24)) >>> 0;
        incl = (buf[pos + 8] | (buf[pos + 9] << 8) | (buf[pos + 10] << 16) | (buf[pos + 11] << 24)) >>> 0;
        orig = (buf[pos + 12] | (buf[pos + 13] << 8) | (buf[pos + 14] << 16) | (buf[pos + 15] << 24)) >>> 0;
      } else {
        tsSec = ((buf[pos] << 24) | (buf[pos + 1] << 16) | (buf[pos + 2] << 8) | buf[pos + 3]) >>> 0;
        tsFrac = ((buf[pos + 4] << 24) | (buf[pos + 5] << 16) | (buf[pos + 6] << 8) | buf[pos + 7]) >>> 0;
        incl = ((buf[pos + 8] << 24) | (buf[pos + 9] << 16) | (buf[pos + 10] << 8) | buf[pos + 11]) >>> 0;
        orig = ((buf[pos + 12] << 24) | (buf[pos + 13] << 16) | (buf[pos + 14] << 8) | buf[pos + 15]) >>> 0;
      }
      if (incl > this.maxRecord) {
        this.fail(this.base + pos, `record length ${incl} exceeds the maximum of ${this.maxRecord}`);
        return pos;
      }
      if (end - pos < RECORD_HEADER_LEN + incl) break;
      rec.fileOffset = this.base + pos;
      rec.offset = pos + RECORD_HEADER_LEN;
      rec.caplen = incl;
      rec.origLen = orig < incl ? incl : orig;
      rec.tsSec = tsSec;
      rec.tsNsec = tsFrac * nsMul;
      rec.frameNumber = ++this.frames;
      this.sink.packet(rec);
      pos += RECORD_HEADER_LEN + incl;
    }
    return pos;
  }

  private readGlobalHeader(buf: Buffer, pos: number): void {
    const magic = buf.readUInt32BE(pos);
    this.littleEndian = magic === PCAP_MAGIC_USEC_SWAPPED || magic === PCAP_MAGIC_NSEC_SWAPPED;
    this.nanosecond = magic === PCAP_MAGIC_NSEC || magic === PCAP_MAGIC_NSEC_SWAPPED;
    const le = this.littleEndian;
    this.snaplen = le ? buf.readUInt32LE(pos + 16) : buf.readUInt32BE(pos + 16);
    const network = le ? buf.readUInt32LE(pos + 20) : buf.readUInt32BE(pos + 20);
    // The upper bits of the LinkType field carry FCS length flags (draft-ietf-opsawg-pcap §4).
    this.linkType = network & 0x0fffffff;
    if (this.snaplen > this.maxRecord && this.snaplen <= 16 * 1024 * 1024) this.maxRecord = this.snaplen;
    this.headerDone = true;
  }
}
