/**
 * Shared by the capture tests: the fixtures of test/fixtures/capture/ (made by
 * scripts/make-capture-fixtures.sh), what tshark read in them (expected.json), ways to run the
 * parsers, and an independent walk over the records / blocks of a capture.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { Readable } from 'node:stream';
import type { CaptureDamage } from '../../src/capture/capture-error.js';
import { readCaptureFile, readCaptureStream, type CaptureReadResult, type ReadOptions } from '../../src/capture/capture-reader.js';
import type { CaptureSink, InterfaceStatistics } from '../../src/capture/capture-sink.js';
import type { PacketRecord } from '../../src/capture/packet-record.js';
import { PcapParser } from '../../src/capture/pcap-parser.js';
import { PcapngParser } from '../../src/capture/pcapng-parser.js';

export const FIXTURE_DIR = fileURLToPath(new URL('../fixtures/capture/', import.meta.url));

export interface ExpectedFixture {
  format: 'pcap' | 'pcapng';
  gzip: boolean;
  /** Bytes after decompression. */
  bytes: number;
  /** tshark: frame.time_epoch, frame.cap_len, frame.len, frame.encap_type, tab-separated. */
  frames: string[];
  interfaceStatistics?: InterfaceStatistics[];
}

export const EXPECTED: { tshark: string; fixtures: Record<string, ExpectedFixture> } = JSON.parse(
  readFileSync(FIXTURE_DIR + 'expected.json', 'utf8'),
);
export const FIXTURES = Object.keys(EXPECTED.fixtures);
/** The uncompressed fixtures. */
export const PLAIN_FIXTURES = FIXTURES.filter((f) => !EXPECTED.fixtures[f].gzip);

/** Wireshark's WTAP_ENCAP_* numbers (what frame.encap_type shows) to LINKTYPE_* numbers. */
export const WTAP_ENCAP_TO_LINKTYPE: Record<number, number> = { 1: 1, 7: 101, 15: 0, 25: 113, 210: 276 };

export const hasTshark = spawnSync('tshark', ['--version'], { stdio: 'ignore' }).status === 0;
if (!hasTshark) console.warn('tshark is not installed: the live tshark comparisons are skipped (expected.json still checks every fixture)');

export function fixtureBytes(name: string): Buffer {
  return readFileSync(FIXTURE_DIR + name);
}

/** The capture inside a fixture (gunzipped when it is a .gz). */
export function fixtureCapture(name: string): Buffer {
  const data = fixtureBytes(name);
  return EXPECTED.fixtures[name].gzip ? gunzipSync(data) : data;
}

/** One packet as the tests compare it: everything a PacketRecord says, and its bytes. */
export interface Packet {
  tsSec: number;
  tsNsec: number;
  caplen: number;
  origLen: number;
  linkType: number;
  interfaceId: number;
  fileOffset: number;
  frameNumber: number;
  data: Buffer;
}

export function snapshot(rec: PacketRecord): Packet {
  return {
    tsSec: rec.tsSec,
    tsNsec: rec.tsNsec,
    caplen: rec.caplen,
    origLen: rec.origLen,
    linkType: rec.linkType,
    interfaceId: rec.interfaceId,
    fileOffset: rec.fileOffset,
    frameNumber: rec.frameNumber,
    // The record is a view into a reused buffer: copy.
    data: Buffer.from(rec.buf.subarray(rec.offset, rec.offset + rec.caplen)),
  };
}

/** A compact, comparable text for a packet: cheap to compare thousands of times. */
export function packetKey(p: Packet): string {
  return `${p.frameNumber} ${p.fileOffset} ${p.tsSec}.${p.tsNsec} ${p.caplen}/${p.origLen} lt${p.linkType} if${p.interfaceId} ${p.data.toString('base64')}`;
}

export interface Collected {
  packets: Packet[];
  statistics: InterfaceStatistics[];
  warnings: string[];
}

export function collectingSink(): CaptureSink & Collected {
  const packets: Packet[] = [];
  const statistics: InterfaceStatistics[] = [];
  const warnings: string[] = [];
  return {
    packets,
    statistics,
    warnings,
    packet: (rec) => packets.push(snapshot(rec)),
    interfaceStatistics: (s) => statistics.push({ ...s }),
    warning: (offset, message) => warnings.push(`${offset}: ${message}`),
  };
}

export async function readFixture(name: string, options: ReadOptions = {}): Promise<Collected & { result: CaptureReadResult }> {
  const sink = collectingSink();
  const result = await readCaptureFile(FIXTURE_DIR + name, sink, options);
  return { ...sink, result };
}

export async function readBuffer(name: string, data: Buffer, chunks = 1 << 16): Promise<Collected & { result: CaptureReadResult }> {
  const sink = collectingSink();
  const parts: Buffer[] = [];
  for (let i = 0; i < data.length; i += chunks) parts.push(data.subarray(i, i + chunks));
  const result = await readCaptureStream(name, Readable.from(parts, { objectMode: false }), sink);
  return { ...sink, result };
}

export type Parser = PcapParser | PcapngParser;

export function parserFor(data: Buffer, sink: CaptureSink): Parser {
  return data.readUInt32BE(0) === 0x0a0d0d0a ? new PcapngParser(sink) : new PcapParser(sink);
}

export interface ParseOutcome extends Collected {
  damage: CaptureDamage | null;
  packetCount: number;
  bytesIn: number;
}

/** Feed `data` to a fresh parser in the given pieces (sizes), then finish. */
export function parseInPieces(data: Buffer, pieces: Iterable<number>): ParseOutcome {
  const sink = collectingSink();
  const parser = parserFor(data, sink);
  let pos = 0;
  for (const size of pieces) {
    if (pos >= data.length) break;
    parser.push(data.subarray(pos, Math.min(pos + size, data.length)));
    pos += size;
  }
  if (pos < data.length) parser.push(data.subarray(pos));
  const damage = parser.finish();
  return { ...sink, damage, packetCount: parser.packets, bytesIn: parser.bytesIn };
}

export function parseWhole(data: Buffer): ParseOutcome {
  return parseInPieces(data, [data.length]);
}

export function* repeat(size: number): Generator<number> {
  for (;;) yield size;
}

/** A copied chunk each time, so that no parser can lean on a previous chunk staying intact. */
export function parseInCopiedChunks(data: Buffer, size: number): ParseOutcome {
  const sink = collectingSink();
  const parser = parserFor(data, sink);
  const scratch = Buffer.alloc(size);
  for (let pos = 0; pos < data.length; pos += size) {
    const n = data.copy(scratch, 0, pos, Math.min(pos + size, data.length));
    parser.push(scratch.subarray(0, n));
    // Scribble over the chunk once it was pushed: anything kept from it would now be garbage.
    scratch.fill(0xee);
  }
  const damage = parser.finish();
  return { ...sink, damage, packetCount: parser.packets, bytesIn: parser.bytesIn };
}

/** A unit of a capture file: the pcap file header, a pcap record, or a pcapng block. */
export interface Unit {
  start: number;
  end: number;
  packet: boolean;
  /** pcapng block type; -1 for the pcap file header, 0 for a pcap record. */
  type: number;
}

/**
 * Walk a capture's records (pcap) or blocks (pcapng) without Vigil's parsers: the oracle for
 * where a cut or corrupt file must stop.
 */
export function units(data: Buffer): Unit[] {
  const out: Unit[] = [];
  if (data.readUInt32BE(0) === 0x0a0d0d0a) {
    let pos = 0;
    let le = true;
    while (pos < data.length) {
      if (data.readUInt32LE(pos) === 0x0a0d0d0a) le = data.readUInt32LE(pos + 8) === 0x1a2b3c4d;
      const type = le ? data.readUInt32LE(pos) : data.readUInt32BE(pos);
      const len = le ? data.readUInt32LE(pos + 4) : data.readUInt32BE(pos + 4);
      out.push({ start: pos, end: pos + len, packet: type === 6 || type === 3 || type === 2, type });
      pos += len;
    }
    return out;
  }
  const magic = data.readUInt32BE(0);
  const le = magic === 0xd4c3b2a1 || magic === 0x4d3cb2a1;
  out.push({ start: 0, end: 24, packet: false, type: -1 });
  let pos = 24;
  while (pos < data.length) {
    const incl = le ? data.readUInt32LE(pos + 8) : data.readUInt32BE(pos + 8);
    out.push({ start: pos, end: pos + 16 + incl, packet: true, type: 0 });
    pos += 16 + incl;
  }
  return out;
}

export function isLittleEndian(data: Buffer, at = 0): boolean {
  const magic = data.readUInt32BE(0);
  if (magic === 0x0a0d0d0a) {
    // The section holding `at`.
    let le = true;
    for (const u of units(data)) {
      if (u.start > at) break;
      if (data.readUInt32LE(u.start) === 0x0a0d0d0a) le = data.readUInt32LE(u.start + 8) === 0x1a2b3c4d;
    }
    return le;
  }
  return magic === 0xd4c3b2a1 || magic === 0x4d3cb2a1;
}

export function writeU32(data: Buffer, at: number, value: number, le: boolean): void {
  if (le) data.writeUInt32LE(value, at);
  else data.writeUInt32BE(value, at);
}

/** tshark's frame.time_epoch text for a packet: seconds and nine digits of nanoseconds. */
export function epochText(p: { tsSec: number; tsNsec: number }): string {
  return `${p.tsSec}.${String(p.tsNsec).padStart(9, '0')}`;
}

/** tshark's view of a fixture, per frame, in Vigil's terms. */
export interface TsharkFrame {
  /** '' when the format has no timestamp (simple packet blocks). */
  time: string;
  caplen: number;
  len: number;
  linkType: number;
}

export function parseTsharkLines(lines: string[]): TsharkFrame[] {
  return lines.map((line) => {
    const [time, caplen, len, encap] = line.split('\t');
    const linkType = WTAP_ENCAP_TO_LINKTYPE[Number(encap)];
    if (linkType === undefined) throw new Error(`add WTAP_ENCAP ${encap} to WTAP_ENCAP_TO_LINKTYPE`);
    return { time, caplen: Number(caplen), len: Number(len), linkType };
  });
}

export function tsharkFrames(path: string): TsharkFrame[] {
  const r = spawnSync(
    'tshark',
    ['-r', path, '-T', 'fields', '-E', 'separator=/t', '-e', 'frame.time_epoch', '-e', 'frame.cap_len', '-e', 'frame.len', '-e', 'frame.encap_type'],
    { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
  );
  if (r.status !== 0) throw new Error(`tshark failed on ${path}: ${r.stderr}`);
  // tshark also lists records that are not packets (a pcapng custom block shows as a frame with no
  // encapsulation); Vigil rightly does not count those.
  const lines = r.stdout.split('\n').filter((l) => l.length > 0 && l.split('\t')[3] !== '');
  return parseTsharkLines(lines);
}

/** Vigil's packets in tshark's terms. */
export function asTsharkFrames(packets: Packet[], hasTimestamps: boolean): TsharkFrame[] {
  return packets.map((p) => ({ time: hasTimestamps ? epochText(p) : '', caplen: p.caplen, len: p.origLen, linkType: p.linkType }));
}

/** Everything a parse produced, as one comparable value. */
export function outcomeKey(o: ParseOutcome): { packets: string[]; statistics: InterfaceStatistics[]; warnings: string[]; damage: CaptureDamage | null; packetCount: number; bytesIn: number } {
  return {
    packets: o.packets.map(packetKey),
    statistics: o.statistics,
    warnings: o.warnings,
    damage: o.damage,
    packetCount: o.packetCount,
    bytesIn: o.bytesIn,
  };
}
