/**
 * The HL7 v2 dissector: messages over MLLP (HL7 v2.5.1 Appendix C.4.3) or bare (batch files sent as is),
 * read segment by segment. It reports who talks to whom (MSH-3..6), what (MSH-9, MSH-12...), whether the
 * receiver acknowledges (MSA) and how fast, and THAT patient data flows (segment names, a count of distinct
 * patients by keyed hash), never a patient value: only MSH, MSA and PID-3 fields are ever looked at, and
 * PID-3 only through an HMAC that is neither kept beyond the flow nor emitted. Control ids (MSH-10) are used
 * to pair messages with their ACKs and never emitted. Keys are documented in docs/observations.md.
 */
import { randomBytes } from 'node:crypto';
import type { Direction, Dissector, DissectorContext, DissectorSession, Transport } from '../dissector.js';
import { componentBounds, componentText, DEFAULT_SEPARATORS, headerSeparators, partBounds, type Separators } from './hl7-segment.js';
import { Framing, Hl7StreamReader, MLLP_START, type SegmentSink } from './hl7-stream.js';

/** IANA's `hl7` port. */
export const HL7_PORT = 2575;
/** Mirth Connect's default LLP listener port in its sample channels, common on interface engines (and nDPI's sample). */
export const MIRTH_PORT = 6661;
export const HL7_TCP_PORTS: readonly number[] = [HL7_PORT, MIRTH_PORT];

/**
 * Segments that carry patient data (HL7 v2.5.1 chapters 3, 4, 6, 7): patient identification and
 * demographics (PID, PD1, PDA, MRG), relatives and guarantors (NK1, GT1), visits (PV1, PV2), insurance
 * (IN1-IN3), allergies, diagnoses, procedures, accidents, disabilities (AL1, IAM, DG1, DRG, PR1, ACC, DB1),
 * orders and results with their accession numbers and clinical text (ORC, OBR, OBX, SPM, TXA, NTE),
 * pharmacy (RXO, RXE, RXA), financial transactions (FT1) and queries naming a patient (QRD, QPD).
 */
export const PHI_SEGMENTS: ReadonlySet<string> = new Set([
  'PID', 'PD1', 'PDA', 'MRG', 'NK1', 'GT1', 'PV1', 'PV2', 'IN1', 'IN2', 'IN3', 'AL1', 'IAM', 'DG1', 'DRG', 'PR1',
  'ACC', 'DB1', 'ORC', 'OBR', 'OBX', 'SPM', 'TXA', 'NTE', 'RXO', 'RXE', 'RXA', 'FT1', 'QRD', 'QPD',
]);

/** HL7 Table 0008: acknowledgment codes (original and enhanced mode). */
const ACK_CODES: ReadonlySet<string> = new Set(['AA', 'AE', 'AR', 'CA', 'CE', 'CR']);
/** Distinct segment ids remembered per side (Z-segments make the space larger than the standard's). */
const MAX_SEGMENT_IDS = 128;
/** Messages per side awaiting their ACK; beyond this, new ones are not timed. */
const MAX_PENDING_ACKS = 1024;
/** Distinct patients counted per side. */
const MAX_PATIENTS = 65536;
/** Octets of a control id used for matching (HL7: ST, 20 characters; some engines send GUIDs). */
const MAX_CONTROL_ID = 64;
/** Distinct values remembered per key and side for de-duplicating facts. */
const MAX_REMEMBERED = 64;
const segCode = (id: string): number => (id.charCodeAt(0) << 16) | (id.charCodeAt(1) << 8) | id.charCodeAt(2);
const SEG_MSH = segCode('MSH');
const SEG_FHS = segCode('FHS');
const SEG_BHS = segCode('BHS');
const SEG_MSA = segCode('MSA');
const SEG_PID = segCode('PID');

/** Per-process key for the patient hash: nothing derived from it survives the process. */
const PATIENT_KEY = randomBytes(16);
const SEED_A = PATIENT_KEY.readUInt32LE(0);
const SEED_B = PATIENT_KEY.readUInt32LE(4);
const SEED_C = PATIENT_KEY.readUInt32LE(8);
const SEED_D = PATIENT_KEY.readUInt32LE(12);

/**
 * A keyed 128-bit hash of a patient identifier (four FNV-1a lanes from secret seeds), for counting
 * distinct patients in a flow. It only ever lives in the flow's memory, is never emitted, stored or
 * logged, and its key dies with the process; a cryptographic MAC per PID segment cost more than the
 * rest of the HL7 parse.
 */
function patientHash(seg: Buffer, start: number, end: number): string {
  let a = SEED_A ^ 0x811c9dc5;
  let b = SEED_B ^ 0x811c9dc5;
  let c = SEED_C ^ 0x811c9dc5;
  let d = SEED_D ^ 0x811c9dc5;
  for (let i = start; i < end; i++) {
    const x = seg[i];
    a = Math.imul(a ^ x, 0x01000193);
    b = Math.imul(b ^ x, 0x01000193) ^ (a >>> 15);
    c = Math.imul(c ^ x ^ (b >>> 7), 0x01000193);
    d = Math.imul(d ^ x ^ (c >>> 11), 0x01000193);
  }
  return `${(a >>> 0).toString(36)}.${(b >>> 0).toString(36)}.${(c >>> 0).toString(36)}.${(d >>> 0).toString(36)}.${end - start}`;
}

/**
 * Counts are emitted as they grow, at 1, 2, 5, 10, 20, 50...: the largest value seen for a flow is a lower
 * bound within a factor 2.5, and a cut flow yields a subset of the whole flow's facts. A value per count
 * would flood the fact store (facts are de-duplicated by host, key and value).
 */
export function isCountStep(n: number): boolean {
  let step = 1;
  while (step < n) {
    if (step * 2 === n || step * 5 === n) return true;
    step *= 10;
  }
  return step === n;
}

export class Hl7Dissector implements Dissector {
  readonly name = 'hl7';
  readonly udpPorts: readonly number[] = [];
  readonly tcpPorts: readonly number[];
  readonly reassemble = true;

  constructor(ports: readonly number[] = HL7_TCP_PORTS) {
    this.tcpPorts = ports;
  }

  /** `<SB>MSH`, `<SB>FHS`, `<SB>BHS` or the same without MLLP, then a field separator. */
  probe(transport: Transport, _dir: Direction, buf: Buffer, offset: number, length: number): boolean {
    if (transport !== 'tcp' || offset < 0 || offset + length > buf.length) return false;
    let at = offset;
    if (length >= 1 && buf[at] === MLLP_START) at++;
    if (offset + length - at < 4) return false;
    const a = buf[at];
    const b = buf[at + 1];
    const c = buf[at + 2];
    const header = (a === 0x4d && b === 0x53 && c === 0x48) || ((a === 0x46 || a === 0x42) && b === 0x48 && c === 0x53);
    const sep = buf[at + 3];
    return header && sep > 0x20 && sep < 0x7f && !(sep >= 0x30 && sep <= 0x39) && !(sep >= 0x41 && sep <= 0x5a) && !(sep >= 0x61 && sep <= 0x7a);
  }

  open(ctx: DissectorContext): DissectorSession {
    return new Hl7Session(ctx);
  }
}

interface Side {
  reader: Hl7StreamReader;
  separators: Separators;
  utf8: boolean;
  segmentsSeen: number;
  readonly segmentIds: Set<string>;
  /** Segment ids seen, as three-octet numbers (the fast check before `segmentIds`). */
  readonly segmentCodes: Set<number>;
  readonly phiIds: Set<string>;
  messages: number;
  readonly patients: Set<string>;
  /** Control id → time the message was delivered, awaiting the other side's MSA. */
  readonly pending: Map<string, number>;
  /** Largest ACK latency of this side's ACKs, ms; -1 before the first. */
  maxLatency: number;
  framingReported: boolean;
}

class Hl7Session implements DissectorSession {
  private readonly sides: [Side, Side];
  /** Facts already emitted, per direction and key: each is emitted once per side. */
  private readonly seen: [Map<string, Set<string | number | boolean>>, Map<string, Set<string | number | boolean>>] = [new Map(), new Map()];
  private readonly bounds: [number, number] = [0, 0];
  private readonly inner: [number, number] = [0, 0];

  constructor(private readonly ctx: DissectorContext) {
    this.sides = [this.side(0), this.side(1)];
  }

  get done(): boolean {
    return this.sides[0].reader.stopped && this.sides[1].reader.stopped;
  }

  data(dir: Direction, buf: Buffer, offset: number, length: number): void {
    if (offset < 0 || length <= 0 || offset + length > buf.length) return;
    this.sides[dir].reader.push(buf, offset, offset + length);
  }

  gap(dir: Direction): void {
    this.sides[dir].reader.gap();
  }

  end(): void {
    for (const dir of [0, 1] as const) {
      const side = this.sides[dir];
      if (side.maxLatency >= 0) this.emit('hl7.ack_latency_ms', Math.round(side.maxLatency), dir);
    }
  }

  private side(dir: Direction): Side {
    const sink: SegmentSink = {
      segment: (seg, length, cut) => this.segment(dir, seg, length, cut),
      frameStart: () => {
        this.sides[dir].separators = DEFAULT_SEPARATORS;
      },
      nonAscii: () => this.emit('hl7.non_ascii', true, dir),
      escapeSequence: () => this.emit('hl7.escape_sequences', true, dir),
    };
    return {
      reader: new Hl7StreamReader(sink),
      separators: DEFAULT_SEPARATORS,
      utf8: false,
      segmentsSeen: 0,
      segmentIds: new Set(),
      segmentCodes: new Set(),
      phiIds: new Set(),
      messages: 0,
      patients: new Set(),
      pending: new Map(),
      maxLatency: -1,
      framingReported: false,
    };
  }

  private segment(dir: Direction, seg: Buffer, length: number, cut: boolean): void {
    const side = this.sides[dir];
    // The segment id as a number: no string per segment, only for ids not seen before in this flow.
    const code = length >= 3 ? (seg[0] << 16) | (seg[1] << 8) | seg[2] : -1;
    const header = code === SEG_MSH || code === SEG_FHS || code === SEG_BHS;
    if (side.segmentsSeen++ === 0 && side.reader.framing === Framing.Bare && !header) {
      // A bare stream must open with a header segment; anything else is not HL7.
      side.reader.stopped = true;
      return;
    }
    if (!side.framingReported && header) {
      side.framingReported = true;
      this.emit('hl7.mllp', side.reader.framing === Framing.Mllp, dir);
    }
    if (!side.segmentCodes.has(code)) {
      side.segmentCodes.add(code);
      this.noteSegmentId(dir, side, seg.toString('latin1', 0, Math.min(3, length)));
    }
    if (header) {
      const separators = headerSeparators(seg, length);
      if (separators === null) return;
      side.separators = separators;
      if (code === SEG_MSH) this.header(dir, side, seg, length, cut);
      else this.emit('hl7.batch', true, dir);
    } else if (code === SEG_MSA) {
      this.acknowledgment(dir, side, seg, length, cut);
    } else if (code === SEG_PID) {
      this.patient(side, seg, length, cut);
      if (isCountStep(side.patients.size) && side.patients.size > 0) this.emit('hl7.patients', side.patients.size, dir);
    }
  }

  private noteSegmentId(dir: Direction, side: Side, id: string): void {
    if (side.segmentIds.has(id) || side.segmentIds.size >= MAX_SEGMENT_IDS) return;
    side.segmentIds.add(id);
    this.emit('hl7.segments', [...side.segmentIds].sort(), dir);
    if (!PHI_SEGMENTS.has(id)) return;
    side.phiIds.add(id);
    this.emit('hl7.phi_present', true, dir);
    this.emit('hl7.phi_segments', [...side.phiIds].sort(), dir);
  }

  /** MSH (HL7 §2.14.9): MSH-n is part n-1 when split at the field separator, since MSH-1 is the separator. */
  private header(dir: Direction, side: Side, seg: Buffer, length: number, cut: boolean): void {
    side.messages++;
    if (isCountStep(side.messages)) this.emit('hl7.messages', side.messages, dir);
    const sep = side.separators;
    const b = this.bounds;
    side.utf8 = false;
    if (partBounds(seg, length, sep.field, 17, cut, b)) {
      const charset = componentText(seg, b[0], b[1], sep, false);
      if (charset !== '') this.emit('hl7.charset', charset, dir);
      side.utf8 = /UTF-?8/i.test(charset);
    }
    if (partBounds(seg, length, sep.field, 1, cut, b) && b[1] > b[0]) this.emit('hl7.encoding_characters', seg.toString('latin1', b[0], b[1]), dir);
    const parties = ['hl7.sending_application', 'hl7.sending_facility', 'hl7.receiving_application', 'hl7.receiving_facility'];
    for (let i = 0; i < parties.length; i++) {
      if (!partBounds(seg, length, sep.field, 2 + i, cut, b)) continue;
      const text = componentText(seg, b[0], b[1], sep, side.utf8);
      if (text !== '') this.emit(parties[i], text, dir);
    }
    if (partBounds(seg, length, sep.field, 8, cut, b)) this.messageType(dir, seg, b[0], b[1], sep);
    if (partBounds(seg, length, sep.field, 10, cut, b) && componentBounds(seg, b[0], b[1], sep, 1, this.inner)) {
      const processing = seg.toString('latin1', this.inner[0], this.inner[1]).trim();
      if (/^[A-Z]$/.test(processing)) this.emit('hl7.processing_id', processing, dir);
    }
    if (partBounds(seg, length, sep.field, 11, cut, b) && componentBounds(seg, b[0], b[1], sep, 1, this.inner)) {
      const version = seg.toString('latin1', this.inner[0], this.inner[1]).trim();
      if (/^[0-9]\.[0-9]{1,2}(\.[0-9]{1,2})?$/.test(version)) this.emit('hl7.version', version, dir);
    }
    if (partBounds(seg, length, sep.field, 9, cut, b) && b[1] > b[0] && b[1] - b[0] <= MAX_CONTROL_ID && side.pending.size < MAX_PENDING_ACKS) {
      const control = seg.toString('latin1', b[0], b[1]).trim();
      if (control !== '' && !side.pending.has(control)) side.pending.set(control, this.ctx.ts);
    }
  }

  /** MSH-9 (MSG): message code ^ trigger event ^ message structure, e.g. `ORU^R01^ORU_R01`. */
  private messageType(dir: Direction, seg: Buffer, start: number, end: number, sep: Separators): void {
    const c = this.inner;
    if (!componentBounds(seg, start, end, sep, 1, c)) return;
    const code = seg.toString('latin1', c[0], c[1]).trim();
    if (!/^[A-Z][A-Z0-9]{2}$/.test(code)) return;
    let type = code;
    if (componentBounds(seg, start, end, sep, 2, c)) {
      const event = seg.toString('latin1', c[0], c[1]).trim();
      if (/^[A-Z0-9]{3}$/.test(event)) type += `^${event}`;
    }
    this.emit('hl7.message_type', type, dir);
    if (componentBounds(seg, start, end, sep, 3, c)) {
      const structure = seg.toString('latin1', c[0], c[1]).trim();
      if (/^[A-Z][A-Z0-9]{2}(_[A-Z0-9]{3})?$/.test(structure)) this.emit('hl7.message_structure', structure, dir);
    }
  }

  /** MSA (HL7 §2.14.8): MSA-1 acknowledgment code, MSA-2 the control id of the message acknowledged. */
  private acknowledgment(dir: Direction, side: Side, seg: Buffer, length: number, cut: boolean): void {
    const b = this.bounds;
    const sep = side.separators;
    if (!partBounds(seg, length, sep.field, 1, cut, b)) return;
    const code = seg.toString('latin1', b[0], b[1]).trim();
    if (ACK_CODES.has(code)) this.emit('hl7.ack_code', code, dir);
    if (!partBounds(seg, length, sep.field, 2, cut, b) || b[1] - b[0] > MAX_CONTROL_ID) return;
    const acknowledged = this.sides[dir === 0 ? 1 : 0].pending;
    const control = seg.toString('latin1', b[0], b[1]).trim();
    const sent = acknowledged.get(control);
    if (sent === undefined) return;
    acknowledged.delete(control);
    side.maxLatency = Math.max(side.maxLatency, Math.max(0, (this.ctx.ts - sent) * 1000));
  }

  /**
   * PID-3 (patient identifier list; PID-2, the external id, in messages before v2.3.1 that leave PID-3
   * empty), first repetition, hashed with the per-process key: only the count of distinct hashes leaves.
   */
  private patient(side: Side, seg: Buffer, length: number, cut: boolean): void {
    const sep = side.separators;
    const b = this.bounds;
    let found = partBounds(seg, length, sep.field, 3, cut, b) && b[1] > b[0];
    if (!found) found = partBounds(seg, length, sep.field, 2, cut, b) && b[1] > b[0];
    if (!found || side.patients.size >= MAX_PATIENTS) return;
    let end = b[0];
    while (end < b[1] && seg[end] !== sep.repetition) end++;
    if (end === b[0]) return;
    side.patients.add(patientHash(seg, b[0], end));
  }

  private emit(key: string, value: string | number | boolean | string[], from: Direction): void {
    const seen = this.seen[from];
    const remembered = Array.isArray(value) ? value.join('|') : value;
    let values = seen.get(key);
    if (values === undefined) seen.set(key, (values = new Set()));
    if (values.has(remembered)) return;
    if (values.size < MAX_REMEMBERED) values.add(remembered);
    this.ctx.emit(key, value, from);
  }
}
