/**
 * The Philips IntelliVue Data Export dissector (UDP 24005 and 24105): which patient monitors are on the
 * network, what they are (manufacturer, model, serial, software and hardware revisions, MAC), and whether
 * a client associates with them and polls their data. Keys are documented in docs/observations.md.
 *
 * Three message families share the ports (Philips "Data Export Interface Programming Guide", PIPG):
 * the Connect Indication a monitor broadcasts (a Nomenclature word, then a ROSE event report), the
 * association protocol (a one-octet session header type and its length indicator, then ACSE), and data
 * export commands (an SPpdu with session_id 0xE100, then ROSE). Each datagram is one message. Poll
 * replies carry measurements and patient demographics: only their type is read, never their content.
 */
import type { Direction, Dissector, DissectorContext, DissectorSession, Transport } from '../dissector.js';
import { readAttributeList, type IdentityKey } from './intellivue-attributes.js';
import {
  AB_SPDU_SI,
  AC_SPDU_SI,
  CMD_CONFIRMED_ACTION,
  CMD_CONFIRMED_EVENT_REPORT,
  CMD_CONFIRMED_SET,
  CMD_EVENT_REPORT,
  CMD_GET,
  CMD_SET,
  CN_SPDU_SI,
  CONNECT_INDICATION_PORT,
  DATA_EXPORT_PORT,
  DATA_EXPORT_SESSION_ID,
  DN_SPDU_SI,
  FN_SPDU_SI,
  LI_EXTENDED,
  NOM_ACT_POLL_MDIB_DATA,
  NOM_ACT_POLL_MDIB_DATA_EXT,
  NOM_NOTI_MDS_CONNECT_INDIC,
  NOM_NOTI_MDS_CREAT,
  RF_SPDU_SI,
  ROER_APDU,
  ROIV_APDU,
  ROLRS_APDU,
  RORS_APDU,
} from './intellivue-nomenclature.js';

export const INTELLIVUE_UDP_PORTS: readonly number[] = [CONNECT_INDICATION_PORT, DATA_EXPORT_PORT];

/** Distinct facts remembered per flow: polls repeat every second for hours. */
const MAX_REMEMBERED = 256;

/** Offsets in a Connect Indication: Nomenclature (4), ROapdus (4), ROIVapdu (6), EventReportArgument. */
const CI_RO_TYPE = 4;
const CI_COMMAND = 10;
const CI_EVENT_TYPE = 24;
const CI_ATTRIBUTES = 28;

/** Offsets in a data export message: SPpdu (4), ROapdus (4), then the ROSE PDU. */
const DE_RO_TYPE = 4;
const DE_RO_LENGTH = 6;
const DE_PDU = 8;
/** ROIVapdu and RORSapdu: invoke_id, command_type, length. ROLRSapdu has linked_id (2) first. */
const RO_HEADER = 6;
/** ManagedObjectId: m_obj_class, context_id, handle. */
const MANAGED_OBJECT = 6;

const SESSION_MESSAGES: ReadonlyMap<number, string> = new Map([
  [CN_SPDU_SI, 'association-request'],
  [AC_SPDU_SI, 'association-response'],
  [RF_SPDU_SI, 'association-refuse'],
  [FN_SPDU_SI, 'release-request'],
  [DN_SPDU_SI, 'release-response'],
  [AB_SPDU_SI, 'abort'],
]);

export class IntellivueDissector implements Dissector {
  readonly name = 'intellivue';
  readonly udpPorts: readonly number[];
  readonly tcpPorts: readonly number[] = [];

  constructor(options: { udpPorts?: readonly number[] } = {}) {
    this.udpPorts = options.udpPorts ?? INTELLIVUE_UDP_PORTS;
  }

  /** A Connect Indication, or an SPpdu of session 0xE100 whose ROapdus length matches the datagram. */
  probe(transport: Transport, _dir: Direction, buf: Buffer, offset: number, length: number): boolean {
    if (transport !== 'udp') return false;
    if (isConnectIndication(buf, offset, length)) return true;
    if (length < DE_PDU + RO_HEADER) return false;
    return buf.readUInt16BE(offset) === DATA_EXPORT_SESSION_ID && buf.readUInt16BE(offset + DE_RO_LENGTH) === length - DE_PDU;
  }

  open(ctx: DissectorContext): DissectorSession {
    return new IntellivueSession(ctx);
  }
}

function isConnectIndication(buf: Buffer, offset: number, length: number): boolean {
  return (
    length >= CI_ATTRIBUTES &&
    buf.readUInt16BE(offset) === 0 &&
    buf.readUInt16BE(offset + CI_RO_TYPE) === ROIV_APDU &&
    buf.readUInt16BE(offset + CI_COMMAND) === CMD_EVENT_REPORT &&
    buf.readUInt16BE(offset + CI_EVENT_TYPE) === NOM_NOTI_MDS_CONNECT_INDIC
  );
}

class IntellivueSession implements DissectorSession {
  /** Facts this session already emitted, per direction, key and value: a poll stream repeats them all. */
  private readonly seen: [Map<string, Set<string | boolean>>, Map<string, Set<string | boolean>>] = [new Map(), new Map()];
  private remembered = 0;
  readonly done = false;

  constructor(private readonly ctx: DissectorContext) {}

  data(dir: Direction, buf: Buffer, offset: number, length: number): void {
    if (length < 2) return;
    const end = offset + length;
    if (isConnectIndication(buf, offset, length)) {
      this.emit('intellivue.message', 'connect-indication', dir);
      this.identity(buf, offset + CI_ATTRIBUTES, end, dir);
      return;
    }
    if (length >= DE_PDU + RO_HEADER && buf.readUInt16BE(offset) === DATA_EXPORT_SESSION_ID) {
      this.dataExport(dir, buf, offset, end);
      return;
    }
    const session = SESSION_MESSAGES.get(buf[offset]);
    if (session !== undefined && sessionLengthFits(buf, offset, length)) this.emit('intellivue.message', session, dir);
  }

  private dataExport(dir: Direction, buf: Buffer, offset: number, end: number): void {
    const roType = buf.readUInt16BE(offset + DE_RO_TYPE);
    let pdu = offset + DE_PDU;
    if (roType === ROER_APDU) {
      this.emit('intellivue.message', 'error', dir);
      return;
    }
    if (roType === ROLRS_APDU) pdu += 2;
    else if (roType !== ROIV_APDU && roType !== RORS_APDU) return;
    if (pdu + RO_HEADER > end) return;
    const command = buf.readUInt16BE(pdu + 2);
    const argument = pdu + RO_HEADER;
    const invoke = roType === ROIV_APDU;
    let message = 'data-export';
    if (command === CMD_EVENT_REPORT || command === CMD_CONFIRMED_EVENT_REPORT) {
      // EventReportArgument and EventReportResult: managed_object, event_time, event_type, length.
      const eventType = u16(buf, argument + MANAGED_OBJECT + 4, end);
      // A datagram cut before the type names nothing: a wrong name would be worse than none.
      if (eventType < 0) return;
      if (eventType === NOM_NOTI_MDS_CREAT) {
        message = invoke ? 'mds-create-event-report' : 'mds-create-event-result';
        // MDSCreateInfo: managed_object, then the MDS's attributes (model, production specification...).
        if (invoke) this.identity(buf, argument + MANAGED_OBJECT + 8 + MANAGED_OBJECT, end, dir);
      } else message = invoke ? 'event-report' : 'event-report-result';
    } else if (command === CMD_CONFIRMED_ACTION) {
      // ActionArgument: managed_object, scope (4), action_type. ActionResult: managed_object, action_type.
      const actionType = u16(buf, argument + MANAGED_OBJECT + (invoke ? 4 : 0), end);
      if (actionType < 0) return;
      const poll = actionType === NOM_ACT_POLL_MDIB_DATA ? 'poll' : actionType === NOM_ACT_POLL_MDIB_DATA_EXT ? 'extended-poll' : null;
      if (poll !== null) {
        message = `${poll}-${invoke ? 'request' : 'result'}`;
        this.emit('intellivue.poll', true, dir);
      } else message = invoke ? 'action-request' : 'action-result';
    } else if (command === CMD_GET) message = invoke ? 'get-request' : 'get-result';
    else if (command === CMD_SET || command === CMD_CONFIRMED_SET) message = invoke ? 'set-request' : 'set-result';
    this.emit('intellivue.message', message, dir);
  }

  private identity(buf: Buffer, offset: number, end: number, dir: Direction): void {
    readAttributeList(buf, offset, end, (key: IdentityKey, value: string) => this.emit(`intellivue.${key}`, value, dir));
  }

  private emit(key: string, value: string | boolean, from: Direction): void {
    let values = this.seen[from].get(key);
    if (values?.has(value)) return;
    if (this.remembered < MAX_REMEMBERED) {
      if (values === undefined) this.seen[from].set(key, (values = new Set()));
      values.add(value);
      this.remembered++;
    }
    this.ctx.emit(key, value, from);
  }
}

/** The session header's length indicator (one octet, or 0xff and two octets) fits in the datagram. */
function sessionLengthFits(buf: Buffer, offset: number, length: number): boolean {
  if (length < 2) return false;
  if (buf[offset + 1] !== LI_EXTENDED) return buf[offset + 1] <= length - 2;
  return length >= 4 && buf.readUInt16BE(offset + 2) <= length - 4;
}

function u16(buf: Buffer, at: number, end: number): number {
  return at + 2 <= end ? buf.readUInt16BE(at) : -1;
}

export function createIntellivueDissector(options?: { udpPorts?: readonly number[] }): IntellivueDissector {
  return new IntellivueDissector(options);
}
