import { ChunkedParser } from './chunked-parser.js';
import type { CaptureSink, InterfaceStatistics } from './capture-sink.js';
import { PacketRecord } from './packet-record.js';
import { ticksToSecNsec, tsresolToUnitsPerSecond, type SecNsec } from './timestamp.js';

/** Block types (draft-ietf-opsawg-pcapng §11.1). */
export const BLOCK_SECTION_HEADER = 0x0a0d0d0a;
export const BLOCK_INTERFACE_DESCRIPTION = 0x00000001;
export const BLOCK_PACKET_OBSOLETE = 0x00000002;
export const BLOCK_SIMPLE_PACKET = 0x00000003;
export const BLOCK_INTERFACE_STATISTICS = 0x00000005;
export const BLOCK_ENHANCED_PACKET = 0x00000006;

const BYTE_ORDER_MAGIC = 0x1a2b3c4d;
const OPT_ENDOFOPT = 0;
const IF_TSRESOL = 9;
const IF_TSOFFSET = 14;
const ISB_IFRECV = 4;
const ISB_IFDROP = 5;
const ISB_OSDROP = 7;
/** Far above any real block (a 256 KiB packet plus options); larger lengths mean damage. */
const MAX_BLOCK_LEN = 32 * 1024 * 1024;
const MIN_BLOCK_LEN = 12;

interface InterfaceInfo {
  linkType: number;
  snaplen: number;
  unitsPerSecond: number;
  offsetSeconds: number;
}

export class PcapngParser extends ChunkedParser {
  private littleEndian = true;
  private sawSection = false;
  private interfaces: InterfaceInfo[] = [];
  private readonly record = new PacketRecord();
  private readonly time: SecNsec = { sec: 0, nsec: 0 };
  private frames = 0;
  sections = 0;
  private warnedInterface = false;

  constructor(private readonly sink: CaptureSink) {
    super();
  }

  get packets(): number {
    return this.frames;
  }

  get interfaceCount(): number {
    return this.interfaces.length;
  }

  protected need(buf: Buffer, offset: number, available: number): number {
    if (available < MIN_BLOCK_LEN) return MIN_BLOCK_LEN;
    const len = this.blockLength(buf, offset);
    return len < 0 ? -1 : len;
  }

  /** Total length of the block at `offset`, validated; -1 (after `fail`) when it is damaged. */
  private blockLength(buf: Buffer, offset: number): number {
    let le = this.littleEndian;
    const type = buf.readUInt32LE(offset);
    if (type === BLOCK_SECTION_HEADER) {
      const bom = buf.readUInt32LE(offset + 8);
      if (bom === BYTE_ORDER_MAGIC) le = true;
      else if (bom === 0x4d3c2b1a) le = false;
      else {
        this.fail(this.base + offset, 'section header block has no byte-order magic');
        return -1;
      }
    } else if (!this.sawSection) {
      this.fail(this.base + offset, 'pcapng data before any section header block');
      return -1;
    }
    const len = le ? buf.readUInt32LE(offset + 4) : buf.readUInt32BE(offset + 4);
    if (len < MIN_BLOCK_LEN || len % 4 !== 0 || len > MAX_BLOCK_LEN) {
      this.fail(this.base + offset, `block length ${len} is invalid`);
      return -1;
    }
    return len;
  }

  protected parse(buf: Buffer, offset: number, end: number): number {
    let pos = offset;
    while (end - pos >= MIN_BLOCK_LEN) {
      const len = this.blockLength(buf, pos);
      if (len < 0) return pos;
      if (end - pos < len) break;
      const type = this.u32(buf, pos);
      const trailer = this.u32(buf, pos + len - 4);
      if (type === BLOCK_SECTION_HEADER) {
        // Byte order of the new section decides how its own trailer reads.
        this.startSection(buf, pos, len);
      } else if (trailer !== len) {
        this.fail(this.base + pos, `block trailer length ${trailer} differs from header length ${len}`);
        return pos;
      } else {
        this.block(type, buf, pos, len);
      }
      if (this.damage) return pos;
      pos += len;
    }
    return pos;
  }

  private startSection(buf: Buffer, pos: number, len: number): void {
    this.littleEndian = buf.readUInt32LE(pos + 8) === BYTE_ORDER_MAGIC;
    if (this.u32(buf, pos + len - 4) !== len) {
      this.fail(this.base + pos, 'section header block trailer length differs from its header length');
      return;
    }
    const major = this.u16(buf, pos + 12);
    if (major !== 1) {
      this.fail(this.base + pos, `unsupported pcapng major version ${major}`);
      return;
    }
    this.sawSection = true;
    this.sections++;
    // "each section has its own interfaces": ids restart in every section.
    this.interfaces = [];
  }

  private block(type: number, buf: Buffer, pos: number, len: number): void {
    switch (type) {
      case BLOCK_INTERFACE_DESCRIPTION:
        this.interfaceDescription(buf, pos, len);
        return;
      case BLOCK_ENHANCED_PACKET: {
        if (len < 32) return this.fail(this.base + pos, 'enhanced packet block too short');
        const caplen = this.u32(buf, pos + 20);
        if (caplen > len - 32) return this.fail(this.base + pos, `captured length ${caplen} overruns its block`);
        this.emit(buf, pos, this.u32(buf, pos + 8), this.u32(buf, pos + 12), this.u32(buf, pos + 16), pos + 28, caplen, this.u32(buf, pos + 24));
        return;
      }
      case BLOCK_SIMPLE_PACKET: {
        if (len < 16) return this.fail(this.base + pos, 'simple packet block too short');
        const origLen = this.u32(buf, pos + 8);
        // "the Simple Packet Block does not contain the Captured Packet Length field": it is the
        // smaller of the original length and the interface's snaplen (and what the block holds).
        let caplen = Math.min(origLen, len - 16);
        const iface = this.interfaces[0];
        if (iface && iface.snaplen > 0) caplen = Math.min(caplen, iface.snaplen);
        this.emit(buf, pos, 0, 0, 0, pos + 12, caplen, origLen, true);
        return;
      }
      case BLOCK_PACKET_OBSOLETE: {
        if (len < 32) return this.fail(this.base + pos, 'packet block too short');
        const caplen = this.u32(buf, pos + 20);
        if (caplen > len - 32) return this.fail(this.base + pos, `captured length ${caplen} overruns its block`);
        this.emit(buf, pos, this.u16(buf, pos + 8), this.u32(buf, pos + 12), this.u32(buf, pos + 16), pos + 28, caplen, this.u32(buf, pos + 24));
        return;
      }
      case BLOCK_INTERFACE_STATISTICS:
        this.interfaceStatistics(buf, pos, len);
        return;
      default:
        // Name resolution, decryption secrets, custom and unknown blocks carry no packets.
        return;
    }
  }

  private emit(
    buf: Buffer,
    blockPos: number,
    interfaceId: number,
    tsHigh: number,
    tsLow: number,
    dataPos: number,
    caplen: number,
    origLen: number,
    simple = false,
  ): void {
    const iface = this.interfaces[interfaceId];
    if (!iface) {
      if (!this.warnedInterface) {
        this.warnedInterface = true;
        this.sink.warning?.(this.base + blockPos, `packet names interface ${interfaceId}, which no interface block described; skipped`);
      }
      return;
    }
    const rec = this.record;
    rec.buf = buf;
    rec.offset = dataPos;
    rec.caplen = caplen;
    rec.origLen = origLen < caplen ? caplen : origLen;
    rec.linkType = iface.linkType;
    rec.interfaceId = interfaceId;
    rec.fileOffset = this.base + blockPos;
    if (simple) {
      rec.tsSec = 0;
      rec.tsNsec = 0;
    } else {
      ticksToSecNsec(tsHigh, tsLow, iface.unitsPerSecond, this.time);
      rec.tsSec = this.time.sec + iface.offsetSeconds;
      rec.tsNsec = this.time.nsec;
    }
    rec.frameNumber = ++this.frames;
    this.sink.packet(rec);
  }

  private interfaceDescription(buf: Buffer, pos: number, len: number): void {
    if (len < 20) return this.fail(this.base + pos, 'interface description block too short');
    const info: InterfaceInfo = {
      linkType: this.u16(buf, pos + 8),
      snaplen: this.u32(buf, pos + 12),
      unitsPerSecond: 1e6,
      offsetSeconds: 0,
    };
    this.options(buf, pos + 16, pos + len - 4, (code, at, optLen) => {
      if (code === IF_TSRESOL && optLen >= 1) info.unitsPerSecond = tsresolToUnitsPerSecond(buf[at]);
      else if (code === IF_TSOFFSET && optLen >= 8) info.offsetSeconds = this.i64(buf, at);
    });
    this.interfaces.push(info);
  }

  private interfaceStatistics(buf: Buffer, pos: number, len: number): void {
    if (len < 24) return this.fail(this.base + pos, 'interface statistics block too short');
    const stats: InterfaceStatistics = { interfaceId: this.u32(buf, pos + 8) };
    this.options(buf, pos + 20, pos + len - 4, (code, at, optLen) => {
      if (optLen < 8) return;
      if (code === ISB_IFRECV) stats.ifRecv = this.u64(buf, at);
      else if (code === ISB_IFDROP) stats.ifDrop = this.u64(buf, at);
      else if (code === ISB_OSDROP) stats.osDrop = this.u64(buf, at);
    });
    this.sink.interfaceStatistics?.(stats);
  }

  /** Walk TLV options; a malformed option list ends the walk without failing the block. */
  private options(buf: Buffer, start: number, end: number, visit: (code: number, at: number, len: number) => void): void {
    let at = start;
    while (end - at >= 4) {
      const code = this.u16(buf, at);
      const optLen = this.u16(buf, at + 2);
      if (code === OPT_ENDOFOPT) return;
      if (at + 4 + optLen > end) return;
      visit(code, at + 4, optLen);
      at += 4 + ((optLen + 3) & ~3);
    }
  }

  private u16(buf: Buffer, at: number): number {
    return this.littleEndian ? buf.readUInt16LE(at) : buf.readUInt16BE(at);
  }
  private u32(buf: Buffer, at: number): number {
    return this.littleEndian ? buf.readUInt32LE(at) : buf.readUInt32BE(at);
  }
  private u64(buf: Buffer, at: number): number {
    return this.littleEndian
      ? buf.readUInt32LE(at + 4) * 4294967296 + buf.readUInt32LE(at)
      : buf.readUInt32BE(at) * 4294967296 + buf.readUInt32BE(at + 4);
  }
  private i64(buf: Buffer, at: number): number {
    return Number(this.littleEndian ? buf.readBigInt64LE(at) : buf.readBigInt64BE(at));
  }
}
