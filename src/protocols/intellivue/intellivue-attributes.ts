/**
 * Identity attributes of an IntelliVue AttributeList (PIPG "AttributeList": count, length, then AVAs of
 * attribute_id, length, value), as carried by the Connect Indication and the MDS Create Event Report.
 * Only the system model, production specification, system id, network address and protocol support are
 * read: every other attribute (bed label, patient demographics in polls, measurements) is skipped by its
 * length and never decoded.
 */
import {
  AP_ID_ACSE,
  AP_ID_DATA_OUT,
  HW_REVISION,
  NOM_ATTR_ID_MODEL,
  NOM_ATTR_ID_PROD_SPECN,
  NOM_ATTR_NET_ADDR_INFO,
  NOM_ATTR_PCOL_SUPPORT,
  NOM_ATTR_SYS_ID,
  PROTOCOL_REVISION,
  SERIAL_NUMBER,
  SW_REVISION,
  TP_ID_UDP,
} from './intellivue-nomenclature.js';

/** Attributes read per list: the largest list in the guide's examples has about 20. */
const MAX_ATTRIBUTES = 64;
/** Production specification entries read: a monitor lists a handful of components. */
const MAX_SPEC_ENTRIES = 32;
/** Protocol support entries read. */
const MAX_PROTOCOL_ENTRIES = 16;
/** Longest label kept as text; PIPG labels are short product strings. */
const MAX_LABEL = 64;

export type IdentityKey = 'manufacturer' | 'model' | 'serial' | 'software' | 'hardware' | 'protocol_version' | 'system_id' | 'ip_address' | 'protocol_support';

export type IdentitySink = (key: IdentityKey, value: string) => void;

/**
 * Reads the AttributeList at `offset` (bounded by `end`) and reports identity values to `sink`. Stops at
 * the first AVA that does not fit: the ones before it are kept.
 */
export function readAttributeList(buf: Buffer, offset: number, end: number, sink: IdentitySink): void {
  if (offset + 4 > end) return;
  const count = buf.readUInt16BE(offset);
  const length = buf.readUInt16BE(offset + 2);
  let pos = offset + 4;
  const listEnd = Math.min(end, pos + length);
  for (let i = 0; i < count && i < MAX_ATTRIBUTES && pos + 4 <= listEnd; i++) {
    const id = buf.readUInt16BE(pos);
    const valueLength = buf.readUInt16BE(pos + 2);
    const value = pos + 4;
    const valueEnd = value + valueLength;
    if (valueEnd > listEnd) return;
    switch (id) {
      case NOM_ATTR_ID_MODEL:
        readSystemModel(buf, value, valueEnd, sink);
        break;
      case NOM_ATTR_ID_PROD_SPECN:
        readProductionSpec(buf, value, valueEnd, sink);
        break;
      case NOM_ATTR_SYS_ID:
        readSystemId(buf, value, valueEnd, sink);
        break;
      case NOM_ATTR_NET_ADDR_INFO:
        readIpAddressInfo(buf, value, valueEnd, sink);
        break;
      case NOM_ATTR_PCOL_SUPPORT:
        readProtocolSupport(buf, value, valueEnd, sink);
        break;
    }
    pos = valueEnd;
  }
}

/** VariableLabel: length, then that many octets of text, NUL-padded. Null when empty or not fitting. */
function variableLabel(buf: Buffer, offset: number, end: number): { text: string | null; next: number } | null {
  if (offset + 2 > end) return null;
  const length = buf.readUInt16BE(offset);
  const next = offset + 2 + length;
  if (next > end) return null;
  return { text: labelText(buf, offset + 2, next), next };
}

/** Printable text up to the first NUL, trimmed; null when nothing printable is left or it is only dashes. */
function labelText(buf: Buffer, start: number, end: number): string | null {
  let stop = start;
  while (stop < end && buf[stop] !== 0) stop++;
  let text = '';
  for (let i = start; i < stop && text.length < MAX_LABEL; i++) {
    const c = buf[i];
    text += c >= 0x20 && c < 0x7f ? String.fromCharCode(c) : ' ';
  }
  text = text.trim();
  // "--------" is how monitors fill a revision they do not report (seen in a real Connect Indication).
  if (text === '' || /^-+$/.test(text)) return null;
  return text;
}

/** SystemModel: manufacturer and model_number, both VariableLabel. */
function readSystemModel(buf: Buffer, offset: number, end: number, sink: IdentitySink): void {
  const manufacturer = variableLabel(buf, offset, end);
  if (manufacturer === null) return;
  if (manufacturer.text !== null) sink('manufacturer', manufacturer.text);
  const model = variableLabel(buf, manufacturer.next, end);
  if (model !== null && model.text !== null) sink('model', model.text);
}

/** ProductionSpec: count, length, then ProdSpecEntry (spec_type, component_id, VariableLabel prod_spec). */
function readProductionSpec(buf: Buffer, offset: number, end: number, sink: IdentitySink): void {
  if (offset + 4 > end) return;
  const count = buf.readUInt16BE(offset);
  let pos = offset + 4;
  for (let i = 0; i < count && i < MAX_SPEC_ENTRIES && pos + 4 <= end; i++) {
    const specType = buf.readUInt16BE(pos);
    const label = variableLabel(buf, pos + 4, end);
    if (label === null) return;
    pos = label.next;
    if (label.text === null) continue;
    if (specType === SERIAL_NUMBER) sink('serial', label.text);
    else if (specType === SW_REVISION) sink('software', label.text);
    else if (specType === HW_REVISION) sink('hardware', label.text);
    else if (specType === PROTOCOL_REVISION) sink('protocol_version', label.text);
  }
}

/**
 * NOM_ATTR_SYS_ID: a VariableLabel holding the monitor's MAC address, either as 6 octets or as an
 * EUI-64 built from it by inserting ff:ff or ff:fe in the middle (as in a real Connect Indication, where
 * it matches the MAC of the network address attribute); other lengths are reported as colon-separated hex.
 */
function readSystemId(buf: Buffer, offset: number, end: number, sink: IdentitySink): void {
  if (offset + 2 > end) return;
  const length = buf.readUInt16BE(offset);
  const start = offset + 2;
  if (length === 0 || length > 16 || start + length > end) return;
  const eui64 = length === 8 && buf[start + 3] === 0xff && (buf[start + 4] === 0xff || buf[start + 4] === 0xfe);
  const parts: string[] = [];
  for (let i = 0; i < length; i++) {
    if (eui64 && (i === 3 || i === 4)) continue;
    parts.push(hex2(buf[start + i]));
  }
  sink('system_id', parts.join(':'));
}

/** IpAddressInfo: mac_address (6), ip_address (4), subnet_mask (4). */
function readIpAddressInfo(buf: Buffer, offset: number, end: number, sink: IdentitySink): void {
  if (offset + 14 > end) return;
  const ip = offset + 6;
  if (buf[ip] === 0 && buf[ip + 1] === 0 && buf[ip + 2] === 0 && buf[ip + 3] === 0) return;
  sink('ip_address', `${buf[ip]}.${buf[ip + 1]}.${buf[ip + 2]}.${buf[ip + 3]}`);
}

/** ProtoSupport: count, length, then ProtoSupportEntry (appl_proto, trans_proto, port_number, options). */
function readProtocolSupport(buf: Buffer, offset: number, end: number, sink: IdentitySink): void {
  if (offset + 4 > end) return;
  const count = buf.readUInt16BE(offset);
  let pos = offset + 4;
  for (let i = 0; i < count && i < MAX_PROTOCOL_ENTRIES && pos + 8 <= end; i++, pos += 8) {
    const appl = buf.readUInt16BE(pos);
    const transport = buf.readUInt16BE(pos + 2);
    const port = buf.readUInt16BE(pos + 4);
    const applName = appl === AP_ID_ACSE ? 'acse' : appl === AP_ID_DATA_OUT ? 'data-export' : `appl-${appl}`;
    const transportName = transport === TP_ID_UDP ? 'udp' : `transport-${transport}`;
    sink('protocol_support', `${applName}/${transportName}:${port}`);
  }
}

function hex2(n: number): string {
  return (n < 16 ? '0' : '') + n.toString(16);
}
