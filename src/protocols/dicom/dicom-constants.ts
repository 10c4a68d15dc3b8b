/** Codes of the DICOM upper layer (PS3.8 §9.3) and of DIMSE (PS3.7 §9-10, Annex C), with their names. */

// PS3.8 Table 9-1 and §9.3: PDU types.
export const PDU_ASSOCIATE_RQ = 0x01;
export const PDU_ASSOCIATE_AC = 0x02;
export const PDU_ASSOCIATE_RJ = 0x03;
export const PDU_P_DATA_TF = 0x04;
export const PDU_RELEASE_RQ = 0x05;
export const PDU_RELEASE_RP = 0x06;
export const PDU_ABORT = 0x07;

// PS3.8 §9.3.2-9.3.3 and Annex D: variable item types.
export const ITEM_APPLICATION_CONTEXT = 0x10;
export const ITEM_PRESENTATION_CONTEXT_RQ = 0x20;
export const ITEM_PRESENTATION_CONTEXT_AC = 0x21;
export const ITEM_ABSTRACT_SYNTAX = 0x30;
export const ITEM_TRANSFER_SYNTAX = 0x40;
export const ITEM_USER_INFORMATION = 0x50;
export const SUB_MAXIMUM_LENGTH = 0x51;
export const SUB_IMPLEMENTATION_CLASS_UID = 0x52;
export const SUB_IMPLEMENTATION_VERSION_NAME = 0x55;
export const SUB_USER_IDENTITY_RQ = 0x58;

/** PS3.8 §9.3.2: protocol version field, bit 0 set ("version 1"). */
export const PROTOCOL_VERSION = 0x0001;
/** PS3.8 §9.3.2: the fixed part of an A-ASSOCIATE-RQ/AC after the 6-octet PDU header. */
export const ASSOCIATE_FIXED_LENGTH = 68;

// PS3.8 §9.3.5.1: PDV message control header bits.
export const PDV_COMMAND = 0x01;
export const PDV_LAST_FRAGMENT = 0x02;

/** PS3.8 Table 9-18: presentation context results (index = result code). */
export const CONTEXT_RESULTS = ['acceptance', 'user-rejection', 'no-reason', 'abstract-syntax-not-supported', 'transfer-syntaxes-not-supported'];

/** PS3.7 §E.1 Table E.1-1: command field (0000,0100) values. */
export const COMMAND_NAMES: ReadonlyMap<number, string> = new Map([
  [0x0001, 'C-STORE-RQ'],
  [0x8001, 'C-STORE-RSP'],
  [0x0010, 'C-GET-RQ'],
  [0x8010, 'C-GET-RSP'],
  [0x0020, 'C-FIND-RQ'],
  [0x8020, 'C-FIND-RSP'],
  [0x0021, 'C-MOVE-RQ'],
  [0x8021, 'C-MOVE-RSP'],
  [0x0030, 'C-ECHO-RQ'],
  [0x8030, 'C-ECHO-RSP'],
  [0x0100, 'N-EVENT-REPORT-RQ'],
  [0x8100, 'N-EVENT-REPORT-RSP'],
  [0x0110, 'N-GET-RQ'],
  [0x8110, 'N-GET-RSP'],
  [0x0120, 'N-SET-RQ'],
  [0x8120, 'N-SET-RSP'],
  [0x0130, 'N-ACTION-RQ'],
  [0x8130, 'N-ACTION-RSP'],
  [0x0140, 'N-CREATE-RQ'],
  [0x8140, 'N-CREATE-RSP'],
  [0x0150, 'N-DELETE-RQ'],
  [0x8150, 'N-DELETE-RSP'],
  [0x0fff, 'C-CANCEL-RQ'],
]);
export const COMMAND_C_STORE_RQ = 0x0001;
export const COMMAND_C_FIND_RQ = 0x0020;
export const COMMAND_C_FIND_RSP = 0x8020;
/** PS3.7 §E.1: bit 15 of the command field marks a response. */
export const COMMAND_RESPONSE_BIT = 0x8000;
/** PS3.7 Table E.1-1: Command Data Set Type (0000,0800) value meaning "no data set". */
export const NO_DATA_SET = 0x0101;

/** PS3.7 Annex C: status codes with fixed meanings. */
const STATUS_NAMES: ReadonlyMap<number, string> = new Map([
  [0x0000, 'Success'],
  [0xff00, 'Pending'],
  [0xff01, 'Pending: Optional Keys Not Supported'],
  [0xfe00, 'Cancel'],
  [0x0001, 'Warning: Requested Optional Attributes Not Supported'],
  [0x0107, 'Warning: Attribute List Error'],
  [0x0116, 'Warning: Attribute Value Out of Range'],
  [0xb000, 'Warning: Coercion of Data Elements or Sub-operations Failed'],
  [0xb006, 'Warning: Elements Discarded'],
  [0xb007, 'Warning: Data Set Does Not Match SOP Class'],
  [0x0105, 'Failure: No Such Attribute'],
  [0x0106, 'Failure: Invalid Attribute Value'],
  [0x0110, 'Failure: Processing Failure'],
  [0x0111, 'Failure: Duplicate SOP Instance'],
  [0x0112, 'Failure: No Such SOP Instance'],
  [0x0113, 'Failure: No Such Event Type'],
  [0x0114, 'Failure: No Such Argument'],
  [0x0115, 'Failure: Invalid Argument Value'],
  [0x0117, 'Failure: Invalid Object Instance'],
  [0x0118, 'Failure: No Such SOP Class'],
  [0x0119, 'Failure: Class-Instance Conflict'],
  [0x0120, 'Failure: Missing Attribute'],
  [0x0121, 'Failure: Missing Attribute Value'],
  [0x0122, 'Refused: SOP Class Not Supported'],
  [0x0123, 'Failure: No Such Action'],
  [0x0124, 'Refused: Not Authorized'],
  [0x0210, 'Failure: Duplicate Invocation'],
  [0x0211, 'Failure: Unrecognized Operation'],
  [0x0212, 'Failure: Mistyped Argument'],
  [0x0213, 'Failure: Resource Limitation'],
  [0xa700, 'Refused: Out of Resources'],
  [0xa701, 'Refused: Out of Resources - Unable to Calculate Number of Matches'],
  [0xa702, 'Refused: Out of Resources - Unable to Perform Sub-operations'],
  [0xa801, 'Refused: Move Destination Unknown'],
  [0xa900, 'Error: Data Set Does Not Match SOP Class'],
]);

/** PS3.7 Annex C: the name of a status, by code or by the class ranges of C.4; else `0x` and 4 hex digits. */
export function statusName(code: number): string {
  const known = STATUS_NAMES.get(code);
  if (known !== undefined) return known;
  const hex = `0x${code.toString(16).padStart(4, '0')}`;
  if ((code & 0xf000) === 0xc000) return `Error: Cannot Understand (${hex})`;
  if ((code & 0xff00) === 0xa700) return `Refused: Out of Resources (${hex})`;
  if ((code & 0xff00) === 0xa900) return `Error: Data Set Does Not Match SOP Class (${hex})`;
  return hex;
}

/** PS3.8 Table 9-21: A-ASSOCIATE-RJ result, source and reason, as `result; source; reason`. */
export function associateRejectText(result: number, source: number, reason: number): string {
  const resultText = result === 1 ? 'rejected-permanent' : result === 2 ? 'rejected-transient' : `result-${result}`;
  let sourceText: string;
  let reasonText: string;
  if (source === 1) {
    sourceText = 'service-user';
    reasonText = reason === 1 ? 'no-reason-given' : reason === 2 ? 'application-context-name-not-supported' : reason === 3 ? 'calling-ae-title-not-recognized' : reason === 7 ? 'called-ae-title-not-recognized' : `reason-${reason}`;
  } else if (source === 2) {
    sourceText = 'service-provider-acse';
    reasonText = reason === 1 ? 'no-reason-given' : reason === 2 ? 'protocol-version-not-supported' : `reason-${reason}`;
  } else if (source === 3) {
    sourceText = 'service-provider-presentation';
    reasonText = reason === 1 ? 'temporary-congestion' : reason === 2 ? 'local-limit-exceeded' : `reason-${reason}`;
  } else {
    sourceText = `source-${source}`;
    reasonText = `reason-${reason}`;
  }
  return `${resultText}; ${sourceText}; ${reasonText}`;
}

/** PS3.8 Table 9-26: A-ABORT source and reason, as `source` or `source; reason`. */
export function abortText(source: number, reason: number): string {
  if (source === 0) return 'service-user';
  if (source === 2) {
    const reasons = ['reason-not-specified', 'unrecognized-pdu', 'unexpected-pdu', 'reserved', 'unrecognized-pdu-parameter', 'unexpected-pdu-parameter', 'invalid-pdu-parameter-value'];
    return `service-provider; ${reasons[reason] ?? `reason-${reason}`}`;
  }
  return `source-${source}`;
}

/** PS3.7 Table D.3.3.7-1: User Identity Type values. */
export const USER_IDENTITY_TYPES = ['', 'username', 'username-and-passcode', 'kerberos', 'saml', 'jwt'];
