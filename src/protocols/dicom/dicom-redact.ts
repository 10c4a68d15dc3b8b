/**
 * Redaction of DICOM P-DATA-TF PDUs: a same-length copy of a stream of PDUs in which the values of patient and
 * study attributes (isPhiTag: group 0010, accession number, study and series dates and descriptions, physicians,
 * institution address, study UID, groups 0032/0038/0040) are replaced by masks valid for their VR, at any depth
 * of nesting, so the result still parses: recordings can be shared with PHI removed. Pure: inputs are never
 * written. Command sets are left as they are (they hold no patient attribute).
 *
 * Deflated data sets (PS3.5 §A.5) cannot be masked in place: their octets are replaced by a valid deflate
 * stream (stored blocks) of zero octets of the same length, which inflates to no attribute at all.
 */
import { parseAssociation } from './dicom-association.js';
import { PDU_ASSOCIATE_AC, PDU_P_DATA_TF, PDV_COMMAND, PDV_LAST_FRAGMENT } from './dicom-constants.js';
import { EXPLICIT_BE, EXPLICIT_LE, IMPLICIT_LE, walkElements, type Encoding } from './dicom-dataset.js';
import { isPhiTag } from './dicom-header.js';
import { DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN, EXPLICIT_VR_BIG_ENDIAN, IMPLICIT_VR_LITTLE_ENDIAN } from './dicom-uids.js';

const PDU_HEADER = 6;
const PDV_HEADER = 6;
/** PDUs walked in one stream. */
const MAX_PDUS = 1 << 20;
/** Largest data set reassembled for redaction; the octets beyond are zeroed (they may hold anything). */
const MAX_REDACTED_DATA_SET = 64 * 1024 * 1024;
/** RFC 1951 §3.2.4: a stored block holds at most 65535 octets. */
const MAX_STORED_BLOCK = 0xffff;

const VR_SQ = 0x5351;
const VR_LO = 0x4c4f;
const VR_DA = 0x4441;
const VR_TM = 0x544d;
const VR_DT = 0x4454;
const VR_UI = 0x5549;
const VR_AS = 0x4153;
const VR_DS = 0x4453;
const VR_IS = 0x4953;
/** PS3.5 Table 6.2-1: VRs whose values are character strings. */
const STRING_VRS = new Set(['AE', 'AS', 'CS', 'DA', 'DS', 'DT', 'IS', 'LO', 'LT', 'PN', 'SH', 'ST', 'TM', 'UC', 'UI', 'UR', 'UT'].map((v) => (v.charCodeAt(0) << 8) | v.charCodeAt(1)));

/** Implicit VR carries no VR: the VRs of the patient and study attributes whose masks are not plain text. */
const IMPLICIT_VRS: ReadonlyMap<number, number> = new Map([
  [0x00080020, VR_DA],
  [0x00080021, VR_DA],
  [0x00080022, VR_DA],
  [0x00080023, VR_DA],
  [0x00080030, VR_TM],
  [0x00100030, VR_DA],
  [0x00100032, VR_TM],
  [0x00101010, VR_AS],
  [0x00101020, VR_DS],
  [0x00101030, VR_DS],
  [0x0020000d, VR_UI],
  [0x00400002, VR_DA],
  [0x00400003, VR_TM],
  [0x00400244, VR_DA],
  [0x00400245, VR_TM],
]);

function encodingOf(ts: string | undefined): Encoding | 'deflated' | null {
  if (ts === undefined) return null;
  if (ts === IMPLICIT_VR_LITTLE_ENDIAN) return IMPLICIT_LE;
  if (ts === EXPLICIT_VR_BIG_ENDIAN) return EXPLICIT_BE;
  if (ts === DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN) return 'deflated';
  return EXPLICIT_LE;
}

/**
 * The presentation contexts' accepted transfer syntaxes, from the A-ASSOCIATE-AC PDUs of the acceptor's stream
 * (context id → transfer syntax UID).
 */
export function acceptedTransferSyntaxes(acceptor: Buffer): Map<number, string> {
  const out = new Map<number, string>();
  let pos = 0;
  for (let n = 0; n < MAX_PDUS && pos + PDU_HEADER <= acceptor.length; n++) {
    const length = acceptor.readUInt32BE(pos + 2);
    const end = pos + PDU_HEADER + length;
    if (acceptor[pos] === PDU_ASSOCIATE_AC && end <= acceptor.length) {
      const ac = parseAssociation(acceptor, pos + PDU_HEADER, end, false);
      for (const context of ac?.contexts ?? []) {
        if (context.result === 0 && context.transferSyntaxes.length > 0) out.set(context.id, context.transferSyntaxes[0]);
      }
    }
    pos = end;
  }
  return out;
}

/** Both directions of an association redacted, the transfer syntaxes taken from the acceptor's A-ASSOCIATE-AC. */
export function redactAssociation(requestor: Buffer, acceptor: Buffer): [Buffer, Buffer] {
  const syntaxes = acceptedTransferSyntaxes(acceptor);
  return [redactPData(requestor, syntaxes), redactPData(acceptor, syntaxes)];
}

interface Piece {
  readonly offset: number;
  readonly length: number;
}

/**
 * A same-length copy of `stream` (one direction's PDUs, from a PDU boundary) with the patient and study values
 * of every data set masked. Contexts absent from `transferSyntaxes` are read as Implicit VR Little Endian.
 */
export function redactPData(stream: Buffer, transferSyntaxes: ReadonlyMap<number, string>): Buffer {
  const out = Buffer.from(stream);
  // Data set fragments in progress, per presentation context.
  const pending = new Map<number, Piece[]>();
  let pos = 0;
  for (let n = 0; n < MAX_PDUS && pos + PDU_HEADER <= out.length; n++) {
    const type = out[pos];
    const end = Math.min(out.length, pos + PDU_HEADER + out.readUInt32BE(pos + 2));
    if (type === PDU_P_DATA_TF) {
      let pdv = pos + PDU_HEADER;
      while (pdv + PDV_HEADER <= end) {
        const itemLength = out.readUInt32BE(pdv);
        if (itemLength < 2) break;
        const context = out[pdv + 4];
        const control = out[pdv + 5];
        const value = pdv + PDV_HEADER;
        const valueEnd = Math.min(end, pdv + 4 + itemLength);
        if ((control & PDV_COMMAND) === 0) {
          let pieces = pending.get(context);
          if (pieces === undefined) pending.set(context, (pieces = []));
          pieces.push({ offset: value, length: valueEnd - value });
          if ((control & PDV_LAST_FRAGMENT) !== 0) {
            redactPieces(out, pieces, encodingOf(transferSyntaxes.get(context) ?? IMPLICIT_VR_LITTLE_ENDIAN));
            pending.delete(context);
          }
        }
        pdv = pdv + 4 + itemLength;
      }
    }
    pos = pos + PDU_HEADER + out.readUInt32BE(pos + 2);
  }
  // Data sets cut by the end of the stream: what is there is redacted as far as it parses.
  for (const [context, pieces] of pending) redactPieces(out, pieces, encodingOf(transferSyntaxes.get(context) ?? IMPLICIT_VR_LITTLE_ENDIAN));
  return out;
}

/** Reassembles a data set from its fragments in `out`, masks it, and writes it back in place. */
function redactPieces(out: Buffer, pieces: readonly Piece[], encoding: Encoding | 'deflated' | null): void {
  let total = 0;
  for (const piece of pieces) total += piece.length;
  const kept = Math.min(total, MAX_REDACTED_DATA_SET);
  const data = Buffer.alloc(total);
  let at = 0;
  for (const piece of pieces) {
    out.copy(data, at, piece.offset, Math.min(piece.offset + piece.length, piece.offset + kept - at));
    at += piece.length;
  }
  if (encoding === 'deflated') storedZeros(data);
  else if (encoding !== null) maskDataSet(data, encoding);
  at = 0;
  for (const piece of pieces) {
    data.copy(out, piece.offset, at, at + piece.length);
    at += piece.length;
  }
}

/** Masks, in `data`, the value of every patient or study attribute, at any nesting depth. */
export function maskDataSet(data: Buffer, encoding: Encoding): void {
  walkElements(
    data,
    0,
    data.length,
    encoding,
    (tag, vr, offset, length) => {
      if (length === 0 || vr === VR_SQ || !isPhiTag(tag)) return true;
      const stop = Math.min(data.length, offset + length);
      if (vr === 0 && stop - offset >= 4 && data.readUInt16LE(offset) === 0xfffe) return true;
      const effective = vr !== 0 ? vr : (IMPLICIT_VRS.get(tag) ?? VR_LO);
      mask(data, offset, stop, effective);
      return true;
    },
    true,
  );
}

/** A same-length mask valid for the VR: a fixed date or time, a one-component UID, `X`s, or zeros for binary VRs. */
function mask(data: Buffer, start: number, stop: number, vr: number): void {
  if (!STRING_VRS.has(vr)) {
    data.fill(0, start, stop);
    return;
  }
  // Trailing padding (space, or NUL for UI) stays, so a value keeps its even length and its padding rule.
  let end = stop;
  while (end > start && (data[end - 1] === 0x20 || data[end - 1] === 0x00)) end--;
  const template = vr === VR_DA ? '19000101' : vr === VR_TM ? '000000' : vr === VR_DT ? '19000101000000' : vr === VR_AS ? '000Y' : vr === VR_DS || vr === VR_IS ? '0' : '';
  for (let i = start; i < end; i++) {
    const c = data[i];
    if (template) data[i] = c === 0x2d || c === 0x5c ? c : template.charCodeAt((i - start) % template.length);
    else if (vr === VR_UI) data[i] = 0x39;
    // PS3.5 §6.2: `\` separates values, `^` and `=` the components and groups of a PN: structure, not data.
    else data[i] = c === 0x5c || c === 0x5e || c === 0x3d ? c : 0x58;
  }
}

/** RFC 1951 §3.2.4: stored blocks of zero octets filling `data` exactly (a block is 5 octets of header). */
function storedZeros(data: Buffer): void {
  data.fill(0);
  let pos = 0;
  while (data.length - pos >= 5) {
    const room = data.length - pos - 5;
    const length = Math.min(room, MAX_STORED_BLOCK);
    const last = length === room;
    data[pos] = last ? 0x01 : 0x00;
    data.writeUInt16LE(length, pos + 1);
    data.writeUInt16LE(~length & 0xffff, pos + 3);
    pos += 5 + length;
    if (last) return;
  }
}
