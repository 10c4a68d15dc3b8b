/**
 * A-ASSOCIATE-RQ and -AC PDUs (PS3.8 §9.3.2-9.3.3, Annex D): AE titles, application context, presentation
 * contexts and user information. Works on a whole PDU body (after its 6-octet header); never throws.
 */
import {
  ASSOCIATE_FIXED_LENGTH,
  ITEM_ABSTRACT_SYNTAX,
  ITEM_APPLICATION_CONTEXT,
  ITEM_PRESENTATION_CONTEXT_AC,
  ITEM_PRESENTATION_CONTEXT_RQ,
  ITEM_TRANSFER_SYNTAX,
  ITEM_USER_INFORMATION,
  SUB_IMPLEMENTATION_CLASS_UID,
  SUB_IMPLEMENTATION_VERSION_NAME,
  SUB_MAXIMUM_LENGTH,
  SUB_USER_IDENTITY_RQ,
} from './dicom-constants.js';

/** PS3.8 §9.3.2.2: presentation context ids are odd integers 1-255, so at most 128 contexts. */
export const MAX_CONTEXTS = 128;
/** Items and sub-items read in one PDU: 128 contexts, a few transfer syntaxes each, and the rest. */
const MAX_ITEMS = 1024;
/** PS3.8 Annex F: a UID is at most 64 characters; longer values are cut. */
const MAX_UID = 64;
/** PS3.8 §D.3.3.2: an implementation version name is 1-16 characters. */
const MAX_VERSION_NAME = 16;

export interface PresentationContext {
  readonly id: number;
  /** RQ: the abstract syntax proposed; AC: ''. */
  readonly abstractSyntax: string;
  /** RQ: the transfer syntaxes proposed; AC: the one chosen (none when rejected). */
  readonly transferSyntaxes: string[];
  /** AC: PS3.8 Table 9-18 result code; RQ: 0. */
  readonly result: number;
}

export interface Association {
  calledAe: string;
  callingAe: string;
  applicationContext: string;
  contexts: PresentationContext[];
  maxPdu?: number;
  implementationClassUid?: string;
  implementationVersion?: string;
  /** PS3.7 Table D.3.3.7-1 user identity type, when the RQ carries one. */
  userIdentityType?: number;
}

/** AE titles are 16 octets padded with spaces (PS3.8 §9.3.2); leading and trailing spaces are not significant. */
function aeTitle(buf: Buffer, offset: number): string {
  return trimmed(buf, offset, offset + 16);
}

function trimmed(buf: Buffer, start: number, stop: number): string {
  let a = start;
  let b = stop;
  while (a < b && (buf[a] === 0x20 || buf[a] === 0x00)) a++;
  while (b > a && (buf[b - 1] === 0x20 || buf[b - 1] === 0x00)) b--;
  return buf.toString('latin1', a, b);
}

/** Reads the body `buf[start..end)` of an A-ASSOCIATE-RQ or -AC; null when shorter than its fixed part. */
export function parseAssociation(buf: Buffer, start: number, end: number, isRequest: boolean): Association | null {
  if (end - start < ASSOCIATE_FIXED_LENGTH) return null;
  const association: Association = {
    calledAe: aeTitle(buf, start + 4),
    callingAe: aeTitle(buf, start + 20),
    applicationContext: '',
    contexts: [],
  };
  let pos = start + ASSOCIATE_FIXED_LENGTH;
  for (let n = 0; n < MAX_ITEMS && pos + 4 <= end; n++) {
    const type = buf[pos];
    const length = buf.readUInt16BE(pos + 2);
    const body = pos + 4;
    const stop = body + length;
    if (stop > end) break;
    if (type === ITEM_APPLICATION_CONTEXT) {
      association.applicationContext = trimmed(buf, body, Math.min(stop, body + MAX_UID));
    } else if ((type === ITEM_PRESENTATION_CONTEXT_RQ && isRequest) || (type === ITEM_PRESENTATION_CONTEXT_AC && !isRequest)) {
      if (length >= 4 && association.contexts.length < MAX_CONTEXTS) association.contexts.push(presentationContext(buf, body, stop, isRequest));
    } else if (type === ITEM_USER_INFORMATION) {
      userInformation(buf, body, stop, association);
    }
    // PS3.8 §9.3.1: items of unknown type are skipped by their length.
    pos = stop;
  }
  return association;
}

function presentationContext(buf: Buffer, start: number, end: number, isRequest: boolean): PresentationContext {
  const context = { id: buf[start], abstractSyntax: '', transferSyntaxes: [] as string[], result: isRequest ? 0 : buf[start + 2] };
  let pos = start + 4;
  for (let n = 0; n < MAX_ITEMS && pos + 4 <= end; n++) {
    const type = buf[pos];
    const length = buf.readUInt16BE(pos + 2);
    const stop = pos + 4 + length;
    if (stop > end) break;
    const uid = trimmed(buf, pos + 4, Math.min(stop, pos + 4 + MAX_UID));
    if (type === ITEM_ABSTRACT_SYNTAX && isRequest) context.abstractSyntax = uid;
    else if (type === ITEM_TRANSFER_SYNTAX && uid.length > 0) context.transferSyntaxes.push(uid);
    pos = stop;
  }
  return context;
}

function userInformation(buf: Buffer, start: number, end: number, association: Association): void {
  let pos = start;
  for (let n = 0; n < MAX_ITEMS && pos + 4 <= end; n++) {
    const type = buf[pos];
    const length = buf.readUInt16BE(pos + 2);
    const body = pos + 4;
    const stop = body + length;
    if (stop > end) break;
    if (type === SUB_MAXIMUM_LENGTH && length === 4) association.maxPdu = buf.readUInt32BE(body);
    else if (type === SUB_IMPLEMENTATION_CLASS_UID) association.implementationClassUid = trimmed(buf, body, Math.min(stop, body + MAX_UID));
    else if (type === SUB_IMPLEMENTATION_VERSION_NAME) association.implementationVersion = trimmed(buf, body, Math.min(stop, body + MAX_VERSION_NAME));
    else if (type === SUB_USER_IDENTITY_RQ && length >= 1) association.userIdentityType = buf[body];
    pos = stop;
  }
}
