/**
 * The head of an HTTP/1.x message (start line and header fields, RFC 9112 §2.1), read in place from a
 * buffer by offsets. Shared by the HTTP dissector (TCP) and the SSDP dissector (HTTPU over UDP, UPnP
 * Device Architecture 2.0 §1).
 *
 * Header values are only turned into strings when asked for, so credentials (Authorization, Cookie) are
 * never copied out of the buffer they arrived in.
 */

/** Most header fields read from one head; the rest are ignored (a defence against header floods). */
export const MAX_HEADER_FIELDS = 128;
/** Longest header value kept as a fact; longer ones are cut (and marked with no ellipsis: the prefix is the fact). */
export const MAX_VALUE_LENGTH = 512;

const CR = 0x0d;
const LF = 0x0a;
const SP = 0x20;
const HT = 0x09;

export interface HeaderField {
  /** Field name, lower-cased (field names are case-insensitive, RFC 9110 §5.1). */
  readonly name: string;
  /** Offsets of the value in the head's buffer, with leading and trailing whitespace removed. */
  readonly start: number;
  readonly end: number;
}

export interface MessageHead {
  readonly buf: Buffer;
  /** The start line, without its line ending. */
  readonly lineStart: number;
  readonly lineEnd: number;
  readonly fields: readonly HeaderField[];
}

/**
 * Offset just past the blank line that ends a head starting at `from`, or -1 if it is not in
 * `buf[from..end)`. Accepts bare LF line endings as RFC 9112 §2.2 allows a recipient to. `scanFrom` lets a
 * caller resume a search over a buffer that only grew.
 */
export function findHeadEnd(buf: Buffer, from: number, end: number, scanFrom = from): number {
  for (let i = Math.max(from, scanFrom); i < end; i++) {
    if (buf[i] !== LF) continue;
    // LF LF, or LF CR LF: an empty line.
    if (i + 1 < end && buf[i + 1] === LF) return i + 2;
    if (i + 2 < end && buf[i + 1] === CR && buf[i + 2] === LF) return i + 3;
  }
  return -1;
}

/**
 * Splits `buf[start..end)` (a whole head, its final empty line included or not) into the start line and
 * header fields. Obsolete line folding (a line starting with SP or HT, RFC 9112 §5.2) continues the
 * previous field's value. Lines without a colon are ignored, as most servers do.
 */
export function parseHead(buf: Buffer, start: number, end: number): MessageHead | null {
  let lineEnd = indexOfLf(buf, start, end);
  if (lineEnd < 0) lineEnd = end;
  const startLineEnd = lineEnd > start && buf[lineEnd - 1] === CR ? lineEnd - 1 : lineEnd;
  if (startLineEnd <= start) return null;
  const fields: HeaderField[] = [];
  let pos = lineEnd + 1;
  while (pos < end && fields.length < MAX_HEADER_FIELDS) {
    let next = indexOfLf(buf, pos, end);
    if (next < 0) next = end;
    let stop = next > pos && buf[next - 1] === CR ? next - 1 : next;
    if (stop === pos) break; // the empty line
    if ((buf[pos] === SP || buf[pos] === HT) && fields.length > 0) {
      // Folded continuation: extend the previous value to the end of this line.
      const last = fields[fields.length - 1];
      while (stop > pos && isWhite(buf[stop - 1])) stop--;
      if (stop > pos) fields[fields.length - 1] = { name: last.name, start: last.start, end: stop };
      pos = next + 1;
      continue;
    }
    let colon = -1;
    for (let i = pos; i < stop; i++) {
      if (buf[i] === 0x3a) {
        colon = i;
        break;
      }
    }
    if (colon > pos) {
      let nameEnd = colon;
      // "Name :" is invalid (RFC 9112 §5.1) but common enough in embedded servers to accept.
      while (nameEnd > pos && isWhite(buf[nameEnd - 1])) nameEnd--;
      let vStart = colon + 1;
      let vEnd = stop;
      while (vStart < vEnd && isWhite(buf[vStart])) vStart++;
      while (vEnd > vStart && isWhite(buf[vEnd - 1])) vEnd--;
      if (nameEnd > pos) fields.push({ name: buf.toString('latin1', pos, nameEnd).toLowerCase(), start: vStart, end: vEnd });
    }
    pos = next + 1;
  }
  return { buf, lineStart: start, lineEnd: startLineEnd, fields };
}

function indexOfLf(buf: Buffer, from: number, end: number): number {
  const i = buf.indexOf(LF, from);
  return i >= 0 && i < end ? i : -1;
}

function isWhite(octet: number): boolean {
  return octet === SP || octet === HT;
}

/** The first field named `name` (lower case), or undefined. */
export function field(head: MessageHead, name: string): HeaderField | undefined {
  for (const f of head.fields) if (f.name === name) return f;
  return undefined;
}

/**
 * A field's value as text, at most MAX_VALUE_LENGTH characters, with control characters dropped, or null
 * when empty. Latin-1, so every octet maps to one character and nothing can fail to decode (RFC 9110 §5.5:
 * field values are historically ISO-8859-1).
 */
export function valueText(head: MessageHead, f: HeaderField | undefined, max = MAX_VALUE_LENGTH): string | null {
  if (f === undefined || f.end <= f.start) return null;
  const end = Math.min(f.end, f.start + max);
  const buf = head.buf;
  let clean = true;
  for (let i = f.start; i < end; i++) {
    const c = buf[i];
    if ((c < 0x20 && c !== 0x09) || c === 0x7f) {
      clean = false;
      break;
    }
  }
  const raw = buf.toString('latin1', f.start, end);
  const text = clean ? raw : raw.replace(/[\x00-\x08\x0a-\x1f\x7f]/g, '');
  return text.length > 0 ? text : null;
}

/** The first token of a field's value (e.g. the scheme of `Authorization: Basic ...`), without copying the rest. */
export function firstToken(head: MessageHead, f: HeaderField | undefined, max = 32): string | null {
  if (f === undefined) return null;
  let end = f.start;
  while (end < f.end && end - f.start < max && isTokenChar(head.buf[end])) end++;
  return end > f.start ? head.buf.toString('latin1', f.start, end) : null;
}

/** tchar of RFC 9110 §5.6.2. */
export function isTokenChar(c: number): boolean {
  if (c >= 0x30 && c <= 0x39) return true;
  if ((c | 0x20) >= 0x61 && (c | 0x20) <= 0x7a) return true;
  // ! # $ % & ' * + - . ^ _ ` | ~
  return c === 0x21 || (c >= 0x23 && c <= 0x27) || c === 0x2a || c === 0x2b || c === 0x2d || c === 0x2e || c === 0x5e || c === 0x5f || c === 0x60 || c === 0x7c || c === 0x7e;
}

export interface StartLine {
  /** Request: the method; response: null. */
  readonly method: string | null;
  /** Request: the request target. */
  readonly target: string | null;
  /** Response: the status code. */
  readonly status: number | null;
  /** `HTTP/1.1`, `HTTP/1.0`. */
  readonly version: string;
}

/** Longest request target read; the rest of a longer one is not needed for `http.path`. */
const MAX_TARGET = 2048;

/**
 * `method SP request-target SP HTTP-version` or `HTTP-version SP status-code SP [reason-phrase]`
 * (RFC 9112 §3, §4), or null if the line is neither.
 */
export function parseStartLine(head: MessageHead): StartLine | null {
  const buf = head.buf;
  const start = head.lineStart;
  const end = head.lineEnd;
  if (end - start >= 12 && isVersionAt(buf, start, end)) {
    // HTTP/1.1 200 OK
    const v = buf.toString('latin1', start, start + 8);
    if (buf[start + 8] !== SP) return null;
    let i = start + 9;
    while (i < end && buf[i] === SP) i++;
    if (i + 3 > end) return null;
    let status = 0;
    for (let k = 0; k < 3; k++) {
      const d = buf[i + k] - 0x30;
      if (d < 0 || d > 9) return null;
      status = status * 10 + d;
    }
    if (i + 3 < end && buf[i + 3] !== SP) return null;
    return { method: null, target: null, status, version: v };
  }
  let i = start;
  while (i < end && i - start < 32 && isTokenChar(buf[i])) i++;
  if (i === start || i >= end || buf[i] !== SP) return null;
  const method = buf.toString('latin1', start, i);
  const targetStart = i + 1;
  // The version is the last word of the line (RFC 9112 §3); the target ends at the first space after it
  // starts, as tshark reads it (a space inside a target is invalid: what follows it is not the target).
  if (end - targetStart < 10 || buf[end - 9] !== SP || !isVersionAt(buf, end - 8, end)) return null;
  let targetEnd = targetStart;
  while (targetEnd < end - 9 && buf[targetEnd] !== SP) targetEnd++;
  if (targetEnd <= targetStart) return null;
  const target = buf.toString('latin1', targetStart, Math.min(targetEnd, targetStart + MAX_TARGET));
  return { method, target, status: null, version: buf.toString('latin1', end - 8, end) };
}

/** `HTTP/d.d` at `at` (RFC 9112 §2.3). */
function isVersionAt(buf: Buffer, at: number, end: number): boolean {
  if (at + 8 > end) return false;
  return (
    buf[at] === 0x48 &&
    buf[at + 1] === 0x54 &&
    buf[at + 2] === 0x54 &&
    buf[at + 3] === 0x50 &&
    buf[at + 4] === 0x2f &&
    isDigit(buf[at + 5]) &&
    buf[at + 6] === 0x2e &&
    isDigit(buf[at + 7])
  );
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}
