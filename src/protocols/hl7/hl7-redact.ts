/**
 * Redaction of HL7 v2 bytes for sharing captures: a same-length copy in which every value of every segment
 * except the headers and the acknowledgment (MSH, FHS, BHS, BTS, FTS, MSA) is overwritten with MASK, so
 * MLLP framing, segment ids, separators, lengths and TCP sequence numbers all stay valid and a dissector
 * still sees the message's structure. Lines that do not start with a recognisable segment id (a stream
 * picked up mid-segment, garbage) are masked whole: what cannot be classified is treated as patient data.
 */
import { DEFAULT_SEPARATORS, headerSeparators, isSegmentId, type Separators } from './hl7-segment.js';
import { MLLP_END, MLLP_START } from './hl7-stream.js';

/** What replaces each redacted octet: not a separator, and one octet in every character set HL7 allows. */
export const MASK = 0x58; // 'X'

const CR = 0x0d;
const LF = 0x0a;
/** Octets of a header segment's start examined for its separators. */
const HEADER_PREFIX = 8;

/** Segments whose fields are kept: message and batch headers and trailers, and MSA (codes and control ids). */
const KEPT: ReadonlySet<string> = new Set(['MSH', 'FHS', 'BHS', 'BTS', 'FTS', 'MSA']);

/**
 * A redacted copy of `bytes` (one or more messages, framed or not, starting at a segment or frame boundary).
 * Never throws; never changes the length.
 */
export function redactHl7(bytes: Buffer): Buffer {
  const out = Buffer.from(bytes);
  let separators: Separators = DEFAULT_SEPARATORS;
  let pos = 0;
  while (pos < out.length) {
    const c = out[pos];
    if (c === CR || c === LF || c === MLLP_START || c === MLLP_END) {
      if (c === MLLP_START) separators = DEFAULT_SEPARATORS;
      pos++;
      continue;
    }
    let end = pos;
    while (end < out.length && out[end] !== CR && out[end] !== LF && out[end] !== MLLP_START && out[end] !== MLLP_END) end++;
    separators = redactSegment(out, pos, end, separators);
    pos = end;
  }
  return out;
}

/** Redacts `out[start, end)`, one segment in place; returns the separators in force after it. */
function redactSegment(out: Buffer, start: number, end: number, separators: Separators): Separators {
  const length = end - start;
  const known = length >= 3 && isSegmentId(out[start], out[start + 1], out[start + 2]) && (length === 3 || !isAlnum(out[start + 3]));
  if (!known) {
    out.fill(MASK, start, end);
    return separators;
  }
  const id = out.toString('latin1', start, start + 3);
  if (id === 'MSH' || id === 'FHS' || id === 'BHS') {
    const declared = headerSeparators(out.subarray(start, Math.min(end, start + HEADER_PREFIX)), Math.min(length, HEADER_PREFIX));
    if (declared !== null) return declared;
  }
  if (KEPT.has(id)) return separators;
  const sep = separators;
  for (let i = start + 3; i < end; i++) {
    const c = out[i];
    if (c !== sep.field && c !== sep.component && c !== sep.repetition && c !== sep.subcomponent) out[i] = MASK;
  }
  return separators;
}

function isAlnum(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
}
