/**
 * Redaction of ASTM bytes (E1381 frames or raw E1394 records) for sharing captures: a same-length copy in
 * which patient, specimen and result values are overwritten with MASK, delimiters kept, and every altered
 * E1381 frame given its recomputed checksum, so frames, lengths and TCP sequence numbers stay valid.
 * Masked: every field of P (patient) and M (manufacturer, contents unknown) records after the sequence
 * number; O-3 and O-4 (specimen ids: accession numbers); R-4 (the measurement value); C-4 (comment text);
 * Q-3 and Q-4 (the patient or specimen range a query names). Records picked up mid-way are masked whole.
 */
import { EOT, ENQ, ETB, ETX, STX } from './astm-frames.js';

export const MASK = 0x58; // 'X'

const CR = 0x0d;
const LF = 0x0a;
const HEX = '0123456789ABCDEF';

/** Fields (E1394 numbering: 1 is the record type) masked per record type; `Infinity` ends an open range. */
const MASKED: Readonly<Record<string, readonly [number, number][]>> = {
  P: [[3, Infinity]],
  M: [[3, Infinity]],
  O: [[3, 4]],
  R: [[4, 4]],
  C: [[4, 4]],
  Q: [[3, 4]],
};

class RecordMasker {
  private type = '';
  private field = 1;
  private position = 0;
  private fieldDelimiter = 0x7c;
  private repeat = 0x5c;
  private component = 0x5e;
  /** True until the first record end: a record begun before the buffer is unknown, hence masked. */
  private partial: boolean;

  constructor(startsAtRecord: boolean) {
    this.partial = !startsAtRecord;
  }

  end(): void {
    this.type = '';
    this.field = 1;
    this.position = 0;
    this.partial = false;
  }

  /** Masks `out[i]` if it belongs to a masked field; returns whether it changed. */
  octet(out: Buffer, i: number): boolean {
    const c = out[i];
    const at = this.position++;
    if (this.partial) return mask(out, i);
    if (at === 0) {
      this.type = String.fromCharCode(c);
      return false;
    }
    if (this.type === 'H' && at <= 4) {
      if (at === 1) this.fieldDelimiter = c;
      else if (at === 2) this.repeat = c;
      else if (at === 3) this.component = c;
      if (c === this.fieldDelimiter) this.field++;
      return false;
    }
    if (c === this.fieldDelimiter) {
      this.field++;
      return false;
    }
    if (c === this.repeat || c === this.component) return false;
    const ranges = MASKED[this.type];
    if (ranges === undefined) return false;
    for (const [from, to] of ranges) if (this.field >= from && this.field <= to) return mask(out, i);
    return false;
  }
}

function mask(out: Buffer, i: number): boolean {
  if (out[i] === MASK) return false;
  out[i] = MASK;
  return true;
}

/** A redacted copy of `bytes`, one direction of an ASTM stream from its start (or from a record start). */
export function redactAstm(bytes: Buffer): Buffer {
  const out = Buffer.from(bytes);
  let first = 0;
  while (first < out.length && (out[first] === CR || out[first] === LF || out[first] === 0x20)) first++;
  const framed = first < out.length && (out[first] === ENQ || out[first] === STX || out[first] === EOT || out[first] === 0x06 || out[first] === 0x15);
  if (!framed) {
    const records = new RecordMasker(true);
    for (let i = first; i < out.length; i++) {
      if (out[i] === CR || out[i] === LF) records.end();
      else records.octet(out, i);
    }
    return out;
  }
  const records = new RecordMasker(true);
  let i = first;
  while (i < out.length) {
    if (out[i] !== STX) {
      i++;
      continue;
    }
    // STX FN text ETB|ETX C1 C2: mask within the text, then rewrite the checksum if the text changed.
    const fn = i + 1;
    let j = fn + 1;
    let changed = false;
    while (j < out.length && out[j] !== ETX && out[j] !== ETB && out[j] !== STX) {
      if (out[j] === CR) records.end();
      else if (records.octet(out, j)) changed = true;
      j++;
    }
    // A frame that arrived with a wrong checksum keeps it wrong: the receiver NAKed it.
    if (j < out.length && out[j] !== STX && changed && j + 2 < out.length && checksumText(bytes, fn, j) === bytes.toString('latin1', j + 1, j + 3)) {
      const sum = checksumText(out, fn, j);
      out[j + 1] = sum.charCodeAt(0);
      out[j + 2] = sum.charCodeAt(1);
    }
    i = j;
  }
  return out;
}

/** E1381 §6.3.1.5: the sum of the octets from FN through ETB or ETX, modulo 256, as two upper-case hex digits. */
export function checksumText(bytes: Buffer, from: number, through: number): string {
  let sum = 0;
  for (let k = from; k <= through; k++) sum = (sum + bytes[k]) & 0xff;
  return HEX[sum >> 4] + HEX[sum & 15];
}
