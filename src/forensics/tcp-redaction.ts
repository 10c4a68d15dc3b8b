/**
 * Redaction of exported packets: each TCP direction is reassembled by sequence number, HL7, DICOM and ASTM
 * streams are run through their dissectors' redaction (same length, still parseable), and the masked octets
 * are written back into each packet's payload at its stream offset. The TCP checksum is updated for exactly
 * the octets that changed (RFC 1624 incremental update), so a packet whose checksum was right stays right,
 * even when the capture cut it short.
 *
 * What cannot be redacted safely is not exported as is: a medical stream whose start is not in the export
 * (its framing cannot be followed) has its whole payload masked, and IP fragments are dropped (their
 * payload cannot be tied to a stream offset).
 */
import { ipText } from '../decode/address-text.js';
import { IPPROTO_TCP, TCP_SYN } from '../decode/decoded-packet.js';
import { PacketDecoder } from '../decode/packet-decoder.js';
import { redactAstm } from '../protocols/astm/astm-redact.js';
import { DICOM_PORTS } from '../protocols/dicom/dicom-dissector.js';
import { redactAssociation } from '../protocols/dicom/dicom-redact.js';
import { HL7_PORT } from '../protocols/hl7/hl7-dissector.js';
import { redactHl7 } from '../protocols/hl7/hl7-redact.js';
import type { StoredPacket } from './segment-reader.js';

export type MedicalProtocol = 'hl7' | 'dicom' | 'astm';

export interface RedactionReport {
  /** Streams (one per TCP connection) redacted, per protocol. */
  flows: Record<MedicalProtocol, number>;
  /** Connections whose start is missing: every payload octet masked. */
  maskedWhole: number;
  packetsChanged: number;
  checksumsUpdated: number;
  /** IP fragments left out of the export. */
  fragmentsDropped: number;
}

interface Piece {
  packet: StoredPacket;
  seq: number;
  payloadAt: number;
  length: number;
  l4: number;
  offset: number;
}

interface Direction {
  srcPort: number;
  dstPort: number;
  isn: number | null;
  pieces: Piece[];
  stream: Buffer;
  /** True when the stream's first octet is the connection's first (SYN seen, or the protocol opening is at 0). */
  fromStart: boolean;
}

/** A stream longer than this is masked whole rather than held in memory. */
const MAX_STREAM = 256 << 20;
const MLLP_START = 0x0b;
const MLLP_MSH = Buffer.from('\x0bMSH', 'latin1');
const PID_SEGMENT = Buffer.from('\rPID|', 'latin1');
const ENQ = 0x05;
const STX = 0x02;
const A_ASSOCIATE_RQ = 0x01;
const A_ASSOCIATE_AC = 0x02;
const A_ASSOCIATE_RJ = 0x03;

/** Redacts `packets` in place (their frames are the export's own copies); returns the packets to export. */
export function redactPackets(packets: StoredPacket[]): { packets: StoredPacket[]; report: RedactionReport } {
  const report: RedactionReport = { flows: { hl7: 0, dicom: 0, astm: 0 }, maskedWhole: 0, packetsChanged: 0, checksumsUpdated: 0, fragmentsDropped: 0 };
  const decoder = new PacketDecoder();
  const directions = new Map<string, Direction>();
  const kept: StoredPacket[] = [];
  for (const sp of packets) {
    const p = decoder.decodeFrame(sp.frame, 0, sp.frame.length, sp.origLen, sp.linkType, sp.tsSec);
    if (p.fragment || p.reassembled) {
      report.fragmentsDropped++;
      continue;
    }
    kept.push(sp);
    if (p.ipProto !== IPPROTO_TCP || p.buf !== sp.frame) continue;
    const key = `${ipText(p.addrBuf, p.srcAddrOffset, p.addrLength)}|${p.srcPort}|${ipText(p.addrBuf, p.dstAddrOffset, p.addrLength)}|${p.dstPort}`;
    let d = directions.get(key);
    if (d === undefined) directions.set(key, (d = { srcPort: p.srcPort, dstPort: p.dstPort, isn: null, pieces: [], stream: Buffer.alloc(0), fromStart: false }));
    if ((p.tcpFlags & TCP_SYN) !== 0) d.isn = (p.tcpSeq + 1) >>> 0;
    if (p.payloadLength > 0) d.pieces.push({ packet: sp, seq: p.tcpSeq >>> 0, payloadAt: p.payloadOffset, length: p.payloadLength, l4: p.l4Offset, offset: 0 });
  }
  for (const d of directions.values()) assemble(d);
  const done = new Set<string>();
  for (const [key, d] of directions) {
    if (done.has(key)) continue;
    const [src, sp, dst, dp] = key.split('|');
    const reverseKey = `${dst}|${dp}|${src}|${sp}`;
    const r = directions.get(reverseKey);
    done.add(key);
    done.add(reverseKey);
    const pair = r ? [d, r] : [d];
    const protocol = classify(pair);
    if (protocol === null) continue;
    report.flows[protocol]++;
    let masked: Buffer[];
    if (protocol === 'hl7') masked = pair.map((x) => redactHl7(x.stream));
    else if (!pair.every((x) => x.fromStart || x.stream.length === 0) || pair.some((x) => x.stream.length > MAX_STREAM)) {
      // DICOM and ASTM framing cannot be picked up mid-stream: nothing in it can be told apart from patient data.
      report.maskedWhole++;
      masked = pair.map((x) => Buffer.alloc(x.stream.length, protocol === 'astm' ? 0x58 : 0));
    } else if (protocol === 'astm') masked = pair.map((x) => redactAstm(x.stream));
    else {
      const requestorFirst = pair[0].stream[0] === A_ASSOCIATE_RQ || (pair[0].stream.length === 0 && DICOM_PORTS.includes(pair[0].dstPort));
      const req = requestorFirst ? pair[0] : (pair[1] ?? { stream: Buffer.alloc(0) });
      const acc = requestorFirst ? (pair[1] ?? { stream: Buffer.alloc(0) }) : pair[0];
      const [a, b] = redactAssociation(req.stream, acc.stream);
      masked = requestorFirst ? [a, b] : [b, a];
    }
    pair.forEach((x, i) => writeBack(x, masked[i], report));
  }
  return { packets: kept, report };
}

/** Places each piece at its offset from the start of the direction's stream, and builds the stream. */
function assemble(d: Direction): void {
  if (d.pieces.length === 0) return;
  const ref = d.isn ?? d.pieces[0].seq;
  let min = 0;
  for (const piece of d.pieces) {
    piece.offset = (piece.seq - ref) | 0;
    if (piece.offset < min) min = piece.offset;
  }
  let length = 0;
  for (const piece of d.pieces) {
    piece.offset -= min;
    length = Math.max(length, piece.offset + piece.length);
  }
  d.fromStart = d.isn !== null && min === 0;
  if (length > MAX_STREAM) {
    d.stream = Buffer.alloc(MAX_STREAM + 1);
    d.fromStart = false;
    return;
  }
  d.stream = Buffer.alloc(length);
  for (const piece of d.pieces) piece.packet.frame.copy(d.stream, piece.offset, piece.payloadAt, piece.payloadAt + piece.length);
}

function classify(pair: Direction[]): MedicalProtocol | null {
  for (const d of pair) {
    const s = d.stream;
    if (s.length === 0) continue;
    const head = s.toString('latin1', 0, Math.min(4, s.length));
    if (s[0] === MLLP_START || /^(MSH|FHS|BHS)/.test(head)) return 'hl7';
    if (s[0] === A_ASSOCIATE_RQ && s.length >= 10 && s[1] === 0 && s.readUInt16BE(6) === 1) {
      d.fromStart = true;
      // The acceptor's stream opens with its A-ASSOCIATE-AC or -RJ even when its SYN-ACK is not exported.
      for (const other of pair) if (other !== d && (other.stream[0] === A_ASSOCIATE_AC || other.stream[0] === A_ASSOCIATE_RJ)) other.fromStart = true;
      return 'dicom';
    }
    if (s[0] === ENQ || (s[0] === STX && /^\x02\dH/.test(head)) || /^\d?H\|/.test(head)) {
      d.fromStart = true;
      return 'astm';
    }
  }
  const ports = pair.flatMap((d) => [d.srcPort, d.dstPort]);
  if (ports.includes(HL7_PORT)) return 'hl7';
  // HL7 on another port, picked up mid-connection: a framed message start or a patient segment anywhere.
  if (pair.some((d) => d.stream.includes(MLLP_MSH) || d.stream.includes(PID_SEGMENT))) return 'hl7';
  if (ports.some((p) => DICOM_PORTS.includes(p))) return 'dicom';
  return null;
}

/** Copies the masked stream back into each packet, updating the TCP checksum for the octets that changed. */
function writeBack(d: Direction, masked: Buffer, report: RedactionReport): void {
  const changed = new Set<StoredPacket>();
  for (const piece of d.pieces) {
    const frame = piece.packet.frame;
    if (masked.compare(frame, piece.payloadAt, piece.payloadAt + piece.length, piece.offset, piece.offset + piece.length) === 0) continue;
    const before = onesSum(frame, piece.payloadAt, piece.payloadAt + piece.length, piece.l4);
    masked.copy(frame, piece.payloadAt, piece.offset, piece.offset + piece.length);
    const after = onesSum(frame, piece.payloadAt, piece.payloadAt + piece.length, piece.l4);
    const at = piece.l4 + 16;
    if (at + 2 <= frame.length) {
      // RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m').
      const sum = fold((~frame.readUInt16BE(at) & 0xffff) + (~before & 0xffff) + after);
      frame.writeUInt16BE(~sum & 0xffff, at);
      report.checksumsUpdated++;
    }
    changed.add(piece.packet);
  }
  report.packetsChanged += changed.size;
}

/** One's complement sum of `buf[from, to)` as 16-bit words aligned on the TCP header at `l4`. */
function onesSum(buf: Buffer, from: number, to: number, l4: number): number {
  let sum = 0;
  for (let i = from; i < to; i++) sum += ((i - l4) & 1) === 0 ? buf[i] << 8 : buf[i];
  return fold(sum);
}

function fold(sum: number): number {
  while (sum > 0xffff) sum = (sum & 0xffff) + Math.floor(sum / 65536);
  return sum;
}
