/**
 * The DICOM upper-layer dissector (PS3.8): association negotiation, DIMSE commands (PS3.7) carried in
 * P-DATA-TF PDUs, and the equipment attributes of the data sets of C-STORE and C-FIND. Patient and study
 * values are never read, only whether they are present. Keys are documented in docs/observations.md.
 *
 * Each direction is a stream of PDUs (6-octet header: type, reserved, 32-bit length). Control PDUs are
 * buffered whole (they are small); P-DATA-TF bodies are streamed PDV by PDV, keeping only command sets and
 * the first octets of a data set, so pixel data is never buffered.
 */
import { inflateRawSync, constants as zlibConstants } from 'node:zlib';
import type { Direction, Dissector, DissectorContext, DissectorSession, Transport } from '../dissector.js';
import type { ObservationValue } from '../observation.js';
import { parseAssociation, MAX_CONTEXTS } from './dicom-association.js';
import {
  abortText,
  associateRejectText,
  COMMAND_C_FIND_RQ,
  COMMAND_C_FIND_RSP,
  COMMAND_C_STORE_RQ,
  COMMAND_NAMES,
  COMMAND_RESPONSE_BIT,
  CONTEXT_RESULTS,
  NO_DATA_SET,
  PDU_ABORT,
  PDU_ASSOCIATE_AC,
  PDU_ASSOCIATE_RJ,
  PDU_ASSOCIATE_RQ,
  PDU_P_DATA_TF,
  PDU_RELEASE_RP,
  PDV_COMMAND,
  PDV_LAST_FRAGMENT,
  PROTOCOL_VERSION,
  statusName,
  USER_IDENTITY_TYPES,
} from './dicom-constants.js';
import { EXPLICIT_BE, EXPLICIT_LE, IMPLICIT_LE, type Encoding } from './dicom-dataset.js';
import { readDataSetHeader } from './dicom-header.js';
import {
  DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN,
  EXPLICIT_VR_BIG_ENDIAN,
  EXPLICIT_VR_LITTLE_ENDIAN,
  IMPLICIT_VR_LITTLE_ENDIAN,
  uidName,
} from './dicom-uids.js';

export const DICOM_PORTS: readonly number[] = [104, 11112];
/** Largest PDU length accepted; a larger one means the stream is not DICOM or lost its framing. */
export const MAX_PDU_LENGTH = 64 * 1024 * 1024;
/** Largest control PDU (associate, reject, release, abort) buffered: an A-ASSOCIATE-RQ with 128 contexts fits. */
export const MAX_CONTROL_PDU = 64 * 1024;
/** Octets of one command set kept (PS3.7 §6.3: a command set holds a few short elements). */
export const MAX_COMMAND = 4096;
/** Octets of a data set kept: the header through group 0020 is well within this; the rest is skipped. */
export const MAX_DATA_SET = 16 * 1024;
/** Bound on the inflated octets of a deflated data set prefix. */
export const MAX_INFLATED = 64 * 1024;
/** Distinct facts emitted per session: a long association repeats the same commands. */
const MAX_FACTS = 512;
/** The smallest A-ASSOCIATE-RQ: the fixed part and an application context item. */
const MIN_ASSOCIATE_RQ = 68 + 4;

const PDU_HEADER = 6;
const PDV_HEADER = 6;

// PS3.7 Table E.1-1: command set elements read, (0000,eeee) as 32-bit tags.
const TAG_AFFECTED_SOP_CLASS = 0x00000002;
const TAG_COMMAND_FIELD = 0x00000100;
const TAG_DATA_SET_TYPE = 0x00000800;
const TAG_STATUS = 0x00000900;
const TAG_MOVE_ORIGINATOR_AE = 0x00001030;
/** Elements read in one command set. */
const MAX_COMMAND_ELEMENTS = 64;

export class DicomDissector implements Dissector {
  readonly name = 'dicom';
  readonly udpPorts: readonly number[] = [];
  readonly tcpPorts: readonly number[] = DICOM_PORTS;
  readonly reassemble = true;

  /** An A-ASSOCIATE-RQ on any port: PDU type 0x01, reserved 0, plausible length, protocol version 1. */
  probe(transport: Transport, _dir: Direction, buf: Buffer, offset: number, length: number): boolean {
    if (transport !== 'tcp' || length < 8 || offset < 0 || offset + 8 > buf.length) return false;
    if (buf[offset] !== PDU_ASSOCIATE_RQ || buf[offset + 1] !== 0) return false;
    const pduLength = buf.readUInt32BE(offset + 2);
    return pduLength >= MIN_ASSOCIATE_RQ && pduLength <= MAX_CONTROL_PDU && buf.readUInt16BE(offset + 6) === PROTOCOL_VERSION;
  }

  open(ctx: DissectorContext): DissectorSession {
    return new DicomSession(ctx);
  }
}

/** What a command announced for the data set that follows it on the same presentation context. */
const enum DataSetUse {
  Ignore,
  Store,
  StoreRelayed,
  Query,
}

/** One direction's PDU stream. */
class Direction_ {
  finished = false;
  readonly header = Buffer.alloc(PDU_HEADER);
  headerLength = 0;
  pduType = 0;
  /** Octets of the current PDU body still to come. */
  remaining = 0;
  /** Buffered control PDU body, or null while skipping or in P-DATA. */
  control: Buffer | null = null;
  controlLength = 0;
  // P-DATA-TF: the PDV being read.
  readonly pdvHeader = Buffer.alloc(PDV_HEADER);
  pdvHeaderLength = 0;
  pdvRemaining = 0;
  pdvContext = 0;
  pdvControl = 0;
  // DIMSE message assembly.
  readonly command = Buffer.alloc(MAX_COMMAND);
  commandLength = 0;
  commandOverflow = false;
  dataSet: Buffer | null = null;
  dataSetLength = 0;
  /** The data set of the current message has been read (or is not wanted): skip its remaining fragments. */
  dataSetDone = false;
  use = DataSetUse.Ignore;
}

class DicomSession implements DissectorSession {
  private readonly sides: [Direction_, Direction_] = [new Direction_(), new Direction_()];
  /** Presentation contexts of the association: abstract syntax (RQ) and accepted transfer syntax (AC). */
  private readonly abstractSyntaxes = new Map<number, string>();
  private readonly transferSyntaxes = new Map<number, string>();
  private readonly emitted = new Set<string>();

  constructor(private readonly ctx: DissectorContext) {}

  get done(): boolean {
    return this.sides[0].finished && this.sides[1].finished;
  }

  data(dir: Direction, buf: Buffer, offset: number, length: number): void {
    const side = this.sides[dir];
    if (side.finished || offset < 0 || length <= 0 || offset + length > buf.length) return;
    let pos = offset;
    const end = offset + length;
    while (pos < end && !side.finished) {
      if (side.headerLength < PDU_HEADER) {
        const take = Math.min(PDU_HEADER - side.headerLength, end - pos);
        buf.copy(side.header, side.headerLength, pos, pos + take);
        side.headerLength += take;
        pos += take;
        if (side.headerLength === PDU_HEADER) this.startPdu(dir, side);
        continue;
      }
      const take = Math.min(side.remaining, end - pos);
      if (side.pduType === PDU_P_DATA_TF) this.pdata(dir, side, buf, pos, take);
      else if (side.control !== null) {
        buf.copy(side.control, side.controlLength, pos, pos + take);
        side.controlLength += take;
      }
      pos += take;
      side.remaining -= take;
      if (side.remaining === 0) this.endPdu(dir, side);
    }
  }

  gap(dir: Direction): void {
    // Framing is lost with the missing octets: PDU boundaries cannot be found again reliably.
    this.sides[dir].finished = true;
  }

  private startPdu(dir: Direction, side: Direction_): void {
    const type = side.header[0];
    const length = side.header.readUInt32BE(2);
    if (type < PDU_ASSOCIATE_RQ || type > PDU_ABORT || length > MAX_PDU_LENGTH) {
      side.finished = true;
      return;
    }
    side.pduType = type;
    side.remaining = length;
    side.pdvHeaderLength = 0;
    side.pdvRemaining = 0;
    side.control = type !== PDU_P_DATA_TF && length <= MAX_CONTROL_PDU ? Buffer.alloc(length) : null;
    side.controlLength = 0;
    // A zero-length PDU ends with its header.
    if (length === 0) this.endPdu(dir, side);
  }

  private endPdu(dir: Direction, side: Direction_): void {
    side.headerLength = 0;
    const body = side.control;
    side.control = null;
    if (body === null) return;
    switch (side.pduType) {
      case PDU_ASSOCIATE_RQ:
        this.associateRequest(dir, body);
        break;
      case PDU_ASSOCIATE_AC:
        this.associateAccept(dir, body);
        break;
      case PDU_ASSOCIATE_RJ:
        // PS3.8 §9.3.4: reserved, result, source, reason/diag.
        if (body.length >= 4) this.emit('dicom.associate_reject', associateRejectText(body[1], body[2], body[3]), dir);
        this.finishBoth();
        break;
      case PDU_ABORT:
        // PS3.8 §9.3.8: reserved, reserved, source, reason/diag.
        if (body.length >= 4) this.emit('dicom.abort', abortText(body[2], body[3]), dir);
        this.finishBoth();
        break;
      case PDU_RELEASE_RP:
        this.finishBoth();
        break;
      default:
        break;
    }
  }

  /** After a reject, abort or release response the association is over: nothing more to read on this flow. */
  private finishBoth(): void {
    this.sides[0].finished = true;
    this.sides[1].finished = true;
  }

  private associateRequest(dir: Direction, body: Buffer): void {
    if (body.length < 2 || body.readUInt16BE(0) !== PROTOCOL_VERSION) return;
    const rq = parseAssociation(body, 0, body.length, true);
    if (rq === null) return;
    this.emit('dicom.role', 'scu', dir);
    if (rq.callingAe) this.emit('dicom.calling_ae', rq.callingAe, dir);
    if (rq.calledAe) this.emit('dicom.called_ae', rq.calledAe, dir);
    if (rq.applicationContext) this.emit('dicom.application_context', uidName(rq.applicationContext), dir);
    for (const context of rq.contexts) {
      if (this.abstractSyntaxes.size < MAX_CONTEXTS) this.abstractSyntaxes.set(context.id, context.abstractSyntax);
      if (context.abstractSyntax) this.emit('dicom.abstract_syntax', uidName(context.abstractSyntax), dir);
      for (const ts of context.transferSyntaxes) this.emit('dicom.transfer_syntax', uidName(ts), dir);
    }
    this.implementation(dir, rq);
    if (rq.userIdentityType !== undefined) {
      this.emit('dicom.user_identity', USER_IDENTITY_TYPES[rq.userIdentityType] || `type-${rq.userIdentityType}`, dir);
    }
  }

  private associateAccept(dir: Direction, body: Buffer): void {
    const ac = parseAssociation(body, 0, body.length, false);
    if (ac === null) return;
    this.emit('dicom.role', 'scp', dir);
    for (const context of ac.contexts) {
      const abstract = this.abstractSyntaxes.get(context.id);
      if (abstract === undefined) continue;
      const name = abstract ? uidName(abstract) : `context ${context.id}`;
      if (context.result === 0 && context.transferSyntaxes.length > 0) {
        const ts = context.transferSyntaxes[0];
        this.transferSyntaxes.set(context.id, ts);
        this.emit('dicom.accepted_syntax', `${name} / ${uidName(ts)}`, dir);
      } else if (context.result !== 0) {
        this.emit('dicom.rejected_syntax', `${name}: ${CONTEXT_RESULTS[context.result] ?? `result-${context.result}`}`, dir);
      }
    }
    this.implementation(dir, ac);
  }

  private implementation(dir: Direction, a: { maxPdu?: number; implementationClassUid?: string; implementationVersion?: string }): void {
    if (a.implementationClassUid) this.emit('dicom.implementation_class_uid', a.implementationClassUid, dir);
    if (a.implementationVersion) this.emit('dicom.implementation_version', a.implementationVersion, dir);
    if (a.maxPdu !== undefined) this.emit('dicom.max_pdu', a.maxPdu, dir);
  }

  /** PS3.8 §9.3.5: a P-DATA-TF body is a list of PDV items: 4-octet length, context id, control header, value. */
  private pdata(dir: Direction, side: Direction_, buf: Buffer, start: number, length: number): void {
    let pos = start;
    const end = start + length;
    let remainingInPdu = side.remaining;
    while (pos < end) {
      if (side.pdvRemaining === 0) {
        const take = Math.min(PDV_HEADER - side.pdvHeaderLength, end - pos);
        buf.copy(side.pdvHeader, side.pdvHeaderLength, pos, pos + take);
        side.pdvHeaderLength += take;
        pos += take;
        remainingInPdu -= take;
        if (side.pdvHeaderLength < PDV_HEADER) continue;
        side.pdvHeaderLength = 0;
        const itemLength = side.pdvHeader.readUInt32BE(0);
        // The item length counts the context id and control octets; a PDV never runs past its PDU.
        if (itemLength < 2 || itemLength - 2 > remainingInPdu) {
          side.finished = true;
          return;
        }
        side.pdvContext = side.pdvHeader[4];
        side.pdvControl = side.pdvHeader[5];
        side.pdvRemaining = itemLength - 2;
        if (side.pdvRemaining === 0) this.fragmentEnd(dir, side);
        continue;
      }
      const take = Math.min(side.pdvRemaining, end - pos);
      this.fragment(side, buf, pos, take);
      pos += take;
      remainingInPdu -= take;
      side.pdvRemaining -= take;
      if (side.pdvRemaining === 0) this.fragmentEnd(dir, side);
    }
  }

  private fragment(side: Direction_, buf: Buffer, pos: number, length: number): void {
    if ((side.pdvControl & PDV_COMMAND) !== 0) {
      const keep = Math.min(length, MAX_COMMAND - side.commandLength);
      buf.copy(side.command, side.commandLength, pos, pos + keep);
      side.commandLength += keep;
      if (keep < length) side.commandOverflow = true;
      return;
    }
    if (side.dataSetDone || side.use === DataSetUse.Ignore) return;
    side.dataSet ??= Buffer.alloc(MAX_DATA_SET);
    const keep = Math.min(length, MAX_DATA_SET - side.dataSetLength);
    buf.copy(side.dataSet, side.dataSetLength, pos, pos + keep);
    side.dataSetLength += keep;
  }

  private fragmentEnd(dir: Direction, side: Direction_): void {
    const last = (side.pdvControl & PDV_LAST_FRAGMENT) !== 0;
    if ((side.pdvControl & PDV_COMMAND) !== 0) {
      if (!last) return;
      if (!side.commandOverflow) this.commandSet(dir, side, side.pdvContext);
      side.commandLength = 0;
      side.commandOverflow = false;
      return;
    }
    if (!side.dataSetDone && side.use !== DataSetUse.Ignore && (last || side.dataSetLength === MAX_DATA_SET)) {
      this.dataSet(dir, side, side.pdvContext);
      side.dataSetDone = true;
    }
    if (last) {
      side.dataSetLength = 0;
      side.dataSetDone = false;
      side.use = DataSetUse.Ignore;
    }
  }

  /** PS3.7 §6.3.1: the command set is always Implicit VR Little Endian, group 0000. */
  private commandSet(dir: Direction, side: Direction_, context: number): void {
    const buf = side.command;
    const end = side.commandLength;
    let field = -1;
    let status = -1;
    let dataSetType = NO_DATA_SET;
    let sopClass = '';
    let moveOriginator = false;
    let pos = 0;
    for (let n = 0; n < MAX_COMMAND_ELEMENTS && pos + 8 <= end; n++) {
      const tag = ((buf.readUInt16LE(pos) << 16) | buf.readUInt16LE(pos + 2)) >>> 0;
      const length = buf.readUInt32LE(pos + 4);
      const value = pos + 8;
      if (length > end - value) break;
      if (tag === TAG_COMMAND_FIELD && length === 2) field = buf.readUInt16LE(value);
      else if (tag === TAG_STATUS && length === 2) status = buf.readUInt16LE(value);
      else if (tag === TAG_DATA_SET_TYPE && length === 2) dataSetType = buf.readUInt16LE(value);
      else if (tag === TAG_AFFECTED_SOP_CLASS) sopClass = uidText(buf, value, value + Math.min(length, 64));
      else if (tag === TAG_MOVE_ORIGINATOR_AE && length > 0) moveOriginator = uidText(buf, value, value + Math.min(length, 16)).length > 0;
      pos = value + length;
    }
    const name = COMMAND_NAMES.get(field);
    if (name === undefined) return;
    this.emit('dicom.command', name, dir);
    if (sopClass) this.emit('dicom.sop_class', uidName(sopClass), dir);
    if ((field & COMMAND_RESPONSE_BIT) !== 0 && status >= 0) this.emit('dicom.status', statusName(status), dir);
    side.use = DataSetUse.Ignore;
    side.dataSetDone = false;
    side.dataSetLength = 0;
    if (dataSetType === NO_DATA_SET || !this.transferSyntaxes.has(context)) return;
    if (field === COMMAND_C_STORE_RQ) {
      // A C-STORE that is a C-MOVE sub-operation (Move Originator set), or sent by the association's acceptor
      // (a C-GET sub-operation), carries images made by another device: the sender is an archive.
      side.use = moveOriginator || dir === 1 ? DataSetUse.StoreRelayed : DataSetUse.Store;
    } else if (field === COMMAND_C_FIND_RQ || field === COMMAND_C_FIND_RSP) {
      side.use = DataSetUse.Query;
    }
  }

  private dataSet(dir: Direction, side: Direction_, context: number): void {
    const ts = this.transferSyntaxes.get(context);
    if (side.dataSet === null || ts === undefined) return;
    let buf = side.dataSet;
    let end = side.dataSetLength;
    let encoding: Encoding;
    if (ts === IMPLICIT_VR_LITTLE_ENDIAN) encoding = IMPLICIT_LE;
    else if (ts === EXPLICIT_VR_BIG_ENDIAN) encoding = EXPLICIT_BE;
    else if (ts === DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN) {
      const inflated = inflatePrefix(buf, end);
      if (inflated === null) return;
      buf = inflated;
      end = inflated.length;
      encoding = EXPLICIT_LE;
    } else {
      // PS3.5 §A.4: every other (encapsulated) transfer syntax encodes the data set in Explicit VR LE.
      encoding = EXPLICIT_LE;
    }
    const header = readDataSetHeader(buf, 0, end, encoding);
    if (header.phiPresent) this.emit('dicom.phi_present', true, dir);
    if (side.use === DataSetUse.Query) return;
    if (side.use === DataSetUse.StoreRelayed) {
      if (header.manufacturer) this.emit('dicom.relayed_manufacturer', header.manufacturer, dir);
      if (header.model) this.emit('dicom.relayed_model', header.model, dir);
      if (header.modality) this.emit('dicom.relayed_modality', header.modality, dir);
      return;
    }
    if (header.manufacturer) this.emit('dicom.manufacturer', header.manufacturer, dir);
    if (header.model) this.emit('dicom.model', header.model, dir);
    if (header.modality) this.emit('dicom.modality', header.modality, dir);
    if (header.stationName) this.emit('dicom.station_name', header.stationName, dir);
    if (header.serialNumber) this.emit('dicom.serial_number', header.serialNumber, dir);
    if (header.softwareVersions) this.emit('dicom.software_versions', header.softwareVersions, dir);
    if (header.institution) this.emit('dicom.institution', header.institution, dir);
    if (header.department) this.emit('dicom.department', header.department, dir);
  }

  /** Each distinct fact once per direction: a long association repeats the same commands and syntaxes. */
  private emit(key: string, value: ObservationValue, dir: Direction): void {
    const id = `${dir}${key}\u0000${String(value)}`;
    if (this.emitted.has(id) || this.emitted.size >= MAX_FACTS) return;
    this.emitted.add(id);
    this.ctx.emit(key, value, dir);
  }
}

function uidText(buf: Buffer, start: number, stop: number): string {
  let b = stop;
  while (b > start && (buf[b - 1] === 0x20 || buf[b - 1] === 0x00)) b--;
  return buf.toString('latin1', start, b);
}

/** Compressed prefixes tried, longest first, until one inflates within MAX_INFLATED. */
const INFLATE_PREFIXES = [MAX_DATA_SET, 2048, 512];

/**
 * Inflates the (possibly truncated) deflated prefix of a data set (PS3.5 §A.5: raw deflate, RFC 1951), at
 * most MAX_INFLATED octets out; null when it is not a deflate stream. Highly compressible data (blank pixel
 * data) can exceed the bound from a short input, hence shorter prefixes are tried: the header comes first.
 */
function inflatePrefix(buf: Buffer, length: number): Buffer | null {
  for (const prefix of INFLATE_PREFIXES) {
    try {
      return inflateRawSync(buf.subarray(0, Math.min(length, prefix)), { finishFlush: zlibConstants.Z_SYNC_FLUSH, maxOutputLength: MAX_INFLATED });
    } catch (error) {
      // Only an output over the bound is worth a shorter try; a malformed stream stays malformed.
      if (!(error instanceof RangeError)) return null;
    }
  }
  return null;
}
