/**
 * Reads the binary IPP message carried in an HTTP body (RFC 8010 §3.1): version-number, operation-id or
 * status-code, request-id, then attribute groups up to the end-of-attributes-tag. Only the attributes a
 * caller names are kept, and only in the groups it names: every other value (job names, user names,
 * document names) is stepped over by its length and never decoded. Nothing after the
 * end-of-attributes-tag (the document data of a Print-Job, RFC 8010 §3.1.1) is looked at.
 */

/** RFC 8010 §3.5.1 delimiter tags. */
export const GROUP_OPERATION = 0x01;
export const GROUP_JOB = 0x02;
export const END_OF_ATTRIBUTES = 0x03;
export const GROUP_PRINTER = 0x04;

/** RFC 8010 §3.5.2 value tags. */
const TAG_INTEGER = 0x21;
const TAG_BOOLEAN = 0x22;
const TAG_ENUM = 0x23;
const TAG_OCTET_STRING = 0x30;
const TAG_BEG_COLLECTION = 0x34;
const TAG_TEXT_WITH_LANGUAGE = 0x35;
const TAG_NAME_WITH_LANGUAGE = 0x36;
const TAG_END_COLLECTION = 0x37;
/** §3.5.2: 0x7f announces a 32-bit type code in the value field (an extension). */
const TAG_EXTENSION = 0x7f;

/** Values kept of one attribute: enough for operations-supported and document-format-supported. */
export const MAX_VALUES = 128;
/** Attributes kept of one message. */
const MAX_ATTRIBUTES = 256;
/** Collections nest (media-col inside media-col-database); deeper than this is not IPP a printer sends. */
const MAX_DEPTH = 16;

export type IppValue = string | number | boolean | Buffer;

export interface IppAttribute {
  /** The group it appeared in (a delimiter tag, e.g. GROUP_PRINTER). */
  readonly group: number;
  readonly name: string;
  readonly valueTag: number;
  /** Text types as strings, integer and enum as numbers, boolean as booleans, octetString as a Buffer copy. */
  readonly values: IppValue[];
}

export interface IppMessage {
  /** `major.minor`, e.g. "2.0". */
  readonly version: string;
  /** operation-id in a request, status-code in a response. */
  readonly code: number;
  readonly requestId: number;
  /** The delimiter tags of the groups present, in order (a group may repeat: one per job in Get-Jobs). */
  readonly groups: number[];
  readonly attributes: IppAttribute[];
  /** The end-of-attributes-tag was reached (the message was not cut or malformed before it). */
  readonly complete: boolean;
}

/** Whether an attribute is wanted: its group and name. */
export type AttributeFilter = (group: number, name: string) => boolean;

/**
 * The message in `body`, or null when it does not start like IPP (a version of 1.0 to 2.x, RFC 8010
 * §3.1.2 and PWG 5100.12 §4.1). Attributes are read until the end tag; a malformed or cut attribute ends
 * the reading, keeping those before it.
 */
export function readIppMessage(body: Buffer, wanted: AttributeFilter): IppMessage | null {
  if (body.length < 9) return null;
  const major = body[0];
  const minor = body[1];
  if (major < 1 || major > 2 || minor > 9) return null;
  const code = body.readUInt16BE(2);
  const requestId = body.readUInt32BE(4);
  const groups: number[] = [];
  const attributes: IppAttribute[] = [];
  let group = -1;
  let pos = 8;
  let depth = 0;
  let current: IppAttribute | null = null;
  let complete = false;
  while (pos < body.length) {
    const tag = body[pos];
    if (tag <= 0x0f) {
      // A delimiter tag: a new group, or the end.
      pos++;
      if (tag === END_OF_ATTRIBUTES) {
        complete = depth === 0;
        break;
      }
      if (tag === 0x00 || depth > 0) break;
      group = tag;
      if (groups.length < MAX_ATTRIBUTES) groups.push(tag);
      current = null;
      continue;
    }
    if (group < 0 || pos + 3 > body.length) break;
    const nameLength = body.readUInt16BE(pos + 1);
    const valueAt = pos + 3 + nameLength;
    if (valueAt + 2 > body.length) break;
    const valueLength = body.readUInt16BE(valueAt);
    const next = valueAt + 2 + valueLength;
    if (next > body.length) break;
    const valueStart = valueAt + 2;
    if (tag === TAG_BEG_COLLECTION) {
      if (++depth > MAX_DEPTH) break;
      current = null;
    } else if (tag === TAG_END_COLLECTION) {
      if (--depth < 0) break;
    } else if (depth === 0) {
      if (nameLength > 0) {
        // A new attribute (RFC 8010 §3.1.4); one with a zero-length name adds a value to the last (§3.1.5).
        const name = body.toString('latin1', pos + 3, valueAt);
        current = null;
        if (attributes.length < MAX_ATTRIBUTES && wanted(group, name)) {
          current = { group, name, valueTag: tag, values: [] };
          attributes.push(current);
        }
      }
      if (current !== null && current.values.length < MAX_VALUES) {
        const value = decodeValue(tag, body, valueStart, valueLength);
        if (value !== null) current.values.push(value);
      }
    }
    pos = next;
  }
  return { version: `${major}.${minor}`, code, requestId, groups, attributes, complete };
}

function decodeValue(tag: number, body: Buffer, start: number, length: number): IppValue | null {
  if (tag < 0x20 || tag === TAG_EXTENSION) return null; // out-of-band values (§3.5.2) and extensions carry no value
  if (tag === TAG_INTEGER || tag === TAG_ENUM) return length === 4 ? body.readInt32BE(start) : null;
  if (tag === TAG_BOOLEAN) return length === 1 ? body[start] !== 0 : null;
  if (tag === TAG_OCTET_STRING) return Buffer.from(body.subarray(start, start + length));
  if (tag === TAG_TEXT_WITH_LANGUAGE || tag === TAG_NAME_WITH_LANGUAGE) {
    // §3.9: language length, language, text length, text.
    if (length < 4) return null;
    const languageLength = body.readUInt16BE(start);
    const textAt = start + 2 + languageLength;
    if (textAt + 2 > start + length) return null;
    const textLength = body.readUInt16BE(textAt);
    if (textAt + 2 + textLength !== start + length) return null;
    return body.toString('utf8', textAt + 2, textAt + 2 + textLength);
  }
  if (tag >= 0x40 && tag <= 0x5f) return body.toString('utf8', start, start + length);
  return null; // dateTime, resolution, rangeOfInteger: not facts this reader keeps
}
