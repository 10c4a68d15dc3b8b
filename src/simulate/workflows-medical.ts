/**
 * Medical-device protocols the simulator speaks besides HL7, DICOM and ASTM (workflows.ts):
 * Philips IntelliVue Data Export, IEEE 11073 SDC discovery (WS-Discovery), POCT1-A and FHIR REST.
 * Each is a flow generator registered in workflows.ts `WORKFLOWS`; identity on the wire (model,
 * serial, software revision, vendor) comes from the device record, so the truth file names it.
 * Patient data is synthetic (patients.ts); POCT1-A carries only the medical record number.
 */
import { ByteWriter } from './bytes.js';
import type { WorkflowSpec } from './catalogue.js';
import type { Device } from './hospital.js';
import { type Flow, Tcp, nextPort } from './net.js';
import type { Simulation } from './simulator.js';

/** Catalogue fields these workflows read besides the common ones (extra JSON keys of a workflow spec). */
interface MedicalSpec extends WorkflowSpec {
  /** IntelliVue: the product number the monitor reports as its model (NOM_ATTR_ID_MODEL), e.g. `866062`. */
  modelNumber?: string;
  /** IntelliVue: polls per association, [min, max]. */
  polls?: [number, number];
  /** POCT1-A: DEV.vendor_id the device sends (defaults to the entry's vendor). */
  vendorId?: string;
  /** FHIR: base path of the server, e.g. `/fhir`. */
  base?: string;
}

/** Per-device counters (WS-Discovery MessageNumber, POCT1-A control ids) that must survive between runs. */
const counters = new WeakMap<Device, number>();
function nextCount(dev: Device): number {
  const n = (counters.get(dev) ?? 0) + 1;
  counters.set(dev, n);
  return n;
}

function multicastMac(ip: number): Uint8Array {
  // RFC 1112 6.4: 01:00:5e and the low 23 bits of the group address.
  return Uint8Array.of(0x01, 0x00, 0x5e, (ip >>> 16) & 0x7f, (ip >>> 8) & 0xff, ip & 0xff);
}

function uuid(sim: Simulation): string {
  const h = (n: number) => sim.rng.u32().toString(16).padStart(8, '0').slice(0, n);
  // RFC 4122 version 4 layout.
  return `${h(8)}-${h(4)}-4${h(3)}-${(8 + sim.rng.below(4)).toString(16)}${h(3)}-${h(8)}${h(4)}`;
}

/** A name-based, stable UUID for a device (its WS-Discovery endpoint reference must not change). */
function deviceUuid(dev: Device): string {
  const m = Array.from(dev.iface.mac, (b) => b.toString(16).padStart(2, '0')).join('');
  return `3d1e7f6a-${m.slice(0, 4)}-4${m.slice(4, 7)}-a${m.slice(7, 10)}-${m.slice(0, 12)}`;
}

function isoTime(us: number): string {
  return new Date(us / 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

// ---------------------------------------------------------------------------------------------
// Philips IntelliVue Data Export (Data Export Interface Programming Guide, "PIPG"): big-endian
// structures over UDP. The monitor broadcasts a Connect Indication on 24005; a client associates
// with it on 24105 and polls. Layouts follow the PIPG; the Connect Indication mirrors a real one
// (../shared/protocol-samples/intellivue), with this device's identity in it.

export const IV_CONNECT_PORT = 24005;
export const IV_DATA_PORT = 24105;
/** PIPG: Connect Indications go to this multicast group (a real monitor's capture shows 224.0.23.63). */
const IV_MULTICAST = 0xe000173f;

const NOM_MOC_VMS_MDS = 0x0021;
const NOM_MOC_VMS_MDS_COMPOS_SINGLE_BED = 0x0023;
const NOM_MOC_VMO_METRIC_NU = 0x0006;
const NOM_PART_OBJ = 1;
const CMD_EVENT_REPORT = 0, CMD_CONFIRMED_EVENT_REPORT = 1, CMD_CONFIRMED_ACTION = 7;
const NOM_NOTI_MDS_CREAT = 0x0d06, NOM_NOTI_MDS_CONNECT_INDIC = 0x0d17, NOM_ACT_POLL_MDIB_DATA = 0x0c16;
const NOM_ATTR_ID_MODEL = 0x0928, NOM_ATTR_ID_PROD_SPECN = 0x092d, NOM_ATTR_SYS_ID = 0x0984, NOM_ATTR_NET_ADDR_INFO = 0xf100;
const NOM_ATTR_PCOL_SUPPORT = 0xf101, NOM_ATTR_SYS_TYPE = 0x0986, NOM_ATTR_ID_BED_LABEL = 0x091e, NOM_ATTR_VMS_MDS_STAT = 0x09a7;
const NOM_ATTR_TIME_ABS = 0x0987, NOM_ATTR_NU_VAL_OBS = 0x0950, NOM_ATTR_ID_HANDLE = 0x0921;
/** ProdSpecEntry spec_type values and the component ids a real monitor uses (8 = monitor, 0x58 = software, 0x78 = protocol). */
const SERIAL_NUMBER = 1, PART_NUMBER = 2, HW_REVISION = 3, SW_REVISION = 4, PROTOCOL_REVISION = 5;

/** VariableLabel: length, then the text NUL-padded to an even length (as monitors send it). */
function ivLabel(w: ByteWriter, text: string): void {
  const n = text.length + (text.length % 2 === 0 ? 2 : 1);
  w.u16(n).text(text).zeros(n - text.length);
}

/** An AttributeList: count, length, AVAs (id, length, value). */
function ivAttributes(w: ByteWriter, avas: [number, (w: ByteWriter) => void][]): void {
  w.u16(avas.length);
  const len = w.mark();
  w.u16(0);
  for (const [id, value] of avas) {
    w.u16(id);
    const at = w.mark();
    w.u16(0);
    value(w);
    w.setU16(at, w.pos - at - 2);
  }
  w.setU16(len, w.pos - len - 2);
}

/** The identity attributes of the MDS: model, production specification, system id, network address. */
function ivIdentity(dev: Device, spec: MedicalSpec): [number, (w: ByteWriter) => void][] {
  const mac = dev.iface.mac;
  const eui64 = Uint8Array.of(mac[0], mac[1], mac[2], 0xff, 0xff, mac[3], mac[4], mac[5]);
  const specs: [number, number, string][] = [
    [SERIAL_NUMBER, 8, dev.serial],
    [PART_NUMBER, 8, spec.modelNumber ?? dev.entry.model],
    [HW_REVISION, 8, ' A.00.30'],
    [PROTOCOL_REVISION, 0x78, '--------'],
    [SW_REVISION, 0x58, dev.firmware],
  ];
  return [
    [NOM_ATTR_SYS_ID, (w) => w.u16(8).bytes(eui64)],
    [NOM_ATTR_ID_MODEL, (w) => {
      ivLabel(w, dev.entry.vendor);
      ivLabel(w, spec.modelNumber ?? dev.entry.model);
    }],
    [NOM_ATTR_ID_PROD_SPECN, (w) => {
      w.u16(specs.length);
      const at = w.mark();
      w.u16(0);
      for (const [type, component, text] of specs) {
        w.u16(type).u16(component);
        ivLabel(w, text);
      }
      w.setU16(at, w.pos - at - 2);
    }],
  ];
}

function ivNetAddr(dev: Device): (w: ByteWriter) => void {
  return (w) => w.bytes(dev.iface.mac).u32(dev.iface.ip).u32(dev.iface.mask);
}

/** RelativeTime: 1/8 ms ticks since the monitor started (PIPG), here since the capture began. */
function ivRelTime(sim: Simulation): number {
  return Math.floor(((sim.net.now - sim.startUs) * 8) / 1000) >>> 0;
}

function bcd(n: number): number {
  return ((Math.floor(n / 10) % 10) << 4) | (n % 10);
}

/** AbsoluteTime: century, year, month, day, hour, minute, second, sec_fractions, each one BCD octet. */
function ivAbsTime(w: ByteWriter, us: number): void {
  const d = new Date(us / 1000);
  const y = d.getUTCFullYear();
  w.u8(bcd(Math.floor(y / 100))).u8(bcd(y % 100)).u8(bcd(d.getUTCMonth() + 1)).u8(bcd(d.getUTCDate()))
    .u8(bcd(d.getUTCHours())).u8(bcd(d.getUTCMinutes())).u8(bcd(d.getUTCSeconds())).u8(0);
}

/** FLOATType: signed 8-bit exponent, signed 24-bit mantissa (PIPG "FLOATType"). */
function ivFloat(v: number, decimals: number): number {
  const m = Math.round(v * 10 ** decimals);
  return (((-decimals & 0xff) << 24) | (m & 0xffffff)) >>> 0;
}

export function intellivueConnectIndication(sim: Simulation, dev: Device, spec: MedicalSpec): Buffer {
  const w = new ByteWriter(512);
  // Nomenclature version, then ROapdus (ROIV), ROIVapdu, EventReportArgument as in the real capture.
  w.u32(0x00000100);
  w.u16(1);
  const roLen = w.mark();
  w.u16(0);
  w.u16(0).u16(CMD_EVENT_REPORT);
  const ivLen = w.mark();
  w.u16(0);
  w.u16(NOM_MOC_VMS_MDS_COMPOS_SINGLE_BED).u16(0).u16(0).u32(ivRelTime(sim)).u16(NOM_NOTI_MDS_CONNECT_INDIC);
  const argLen = w.mark();
  w.u16(0);
  ivAttributes(w, [
    [NOM_ATTR_SYS_TYPE, (x) => x.u16(NOM_PART_OBJ).u16(0x114d)],
    [NOM_ATTR_NET_ADDR_INFO, ivNetAddr(dev)],
    // ProtoSupport: ACSE and Data Export over UDP on 24105 (as the real monitor lists them).
    [NOM_ATTR_PCOL_SUPPORT, (x) => {
      x.u16(2).u16(16);
      x.u16(1).u16(1).u16(IV_DATA_PORT).u16(0);
      x.u16(5).u16(1).u16(IV_DATA_PORT).u16(0);
    }],
    ...ivIdentity(dev, spec),
  ]);
  const b = w.done();
  b.writeUInt16BE(b.length - argLen - 2, argLen);
  b.writeUInt16BE(b.length - ivLen - 2, ivLen);
  b.writeUInt16BE(b.length - roLen - 2, roLen);
  return b;
}

/** Session header type and length indicator (one octet, or 0xFF and two octets). */
function ivSession(type: number, body: Buffer): Buffer {
  const head = body.length < 255 ? Buffer.from([type, body.length]) : Buffer.from([type, 0xff, body.length >> 8, body.length & 255]);
  return Buffer.concat([head, body]);
}

/** Presentation header 0xC1 with its length indicator around the ASN.1 of the association. */
function ivPresentation(body: Buffer): Buffer {
  return body.length < 255 ? Buffer.concat([Buffer.from([0xc1, body.length]), body]) : Buffer.concat([Buffer.from([0xc1, 0xff, body.length >> 8, body.length & 255]), body]);
}

/** MDSEUserInfoStd (PIPG "Association Request"): versions, system type, startup mode, poll profile. */
function ivUserInfo(pollPeriod: number): Buffer {
  const w = new ByteWriter(96);
  w.u32(0x80000000).u32(0x40000000).u32(0).u32(0x80000000).u32(0x20000000);
  w.u16(0).u16(0); // option_list: empty AttributeList
  ivAttributes(w, [[0x0001, (x) => {
    // PollProfileSupport: revision, min poll period, MTUs, bandwidth, options, optional packages.
    x.u32(0x80000000).u32(pollPeriod).u32(1000).u32(1000).u32(0xffffffff).u32(0x60000000);
    ivAttributes(x, [[0xf001, (y) => y.u32(0x88000000).u16(0).u16(0)]]);
  }]]);
  return w.done();
}

const hexBytes = (h: string): Buffer => Buffer.from(h.replace(/\s+/g, ''), 'hex');
/** Session data after the CN/AC session header (PIPG "Association Request": fixed octets). */
const IV_SESSION_DATA = hexBytes('05 08 13 01 00 16 01 02 80 00 14 02 00 02');
/**
 * The ASN.1 (BER, indefinite lengths) around the user information of the AARQ and AARE, after the PIPG's
 * layout: presentation context, ACSE with the application context OID 1.2.840.10004.2.1..., then the user
 * data length. Modelled on the guide's fixed octets, not byte-compared with a real monitor's capture.
 */
const IV_AARQ_HEAD = hexBytes(`31 80 a0 80 80 01 01 00 00 a2 80 a0 03 00 00 01 a4 80 30 80 02 01 01 06 04 52 01 00 01
  30 80 06 02 51 01 00 00 00 00 30 80 02 01 02 06 0c 2a 86 48 ce 14 02 01 00 00 00 01 01 30 80 06 0c 2a 86 48 ce 14 02 01
  00 00 00 02 01 00 00 00 00 00 00 61 80 30 80 02 01 01 a0 80 60 80 a1 80 06 0c 2a 86 48 ce 14 02 01 00 00 00 03 01 00 00
  be 80 28 80 06 0c 2a 86 48 ce 14 02 01 00 00 00 01 01 02 01 02 81`);
const IV_AARE_HEAD = hexBytes(`31 80 a0 80 80 01 01 00 00 a2 80 a0 03 00 00 01 a5 80 30 80 80 01 00 81 02 51 01 00 00
  30 80 80 01 00 81 0c 2a 86 48 ce 14 02 01 00 00 00 02 01 00 00 00 00 61 80 30 80 02 01 01 a0 80 61 80 a1 80 06 0c 2a 86
  48 ce 14 02 01 00 00 00 03 01 00 00 a2 03 02 01 00 a3 05 a1 03 02 01 00 be 80 28 80 02 01 02 81`);
const IV_TRAILER = Buffer.alloc(12);

export function intellivueAssociationRequest(): Buffer {
  const ui = ivUserInfo(8000);
  const pres = ivPresentation(Buffer.concat([IV_AARQ_HEAD, Buffer.from([ui.length]), ui, IV_TRAILER]));
  return ivSession(0x0d, Buffer.concat([IV_SESSION_DATA, pres]));
}

export function intellivueAssociationResponse(): Buffer {
  const ui = ivUserInfo(8000);
  const pres = ivPresentation(Buffer.concat([IV_AARE_HEAD, Buffer.from([ui.length]), ui, IV_TRAILER]));
  return ivSession(0x0e, Buffer.concat([IV_SESSION_DATA, pres]));
}

/** Release Request and Response (PIPG): session header 0x09 / 0x0A, presentation header, ASN.1, zero trailer. */
const IV_RELEASE_RQ = hexBytes('09 18 c1 16 61 80 30 80 02 01 01 a0 80 62 80 80 01 00 00 00 00 00 00 00 00 00');
const IV_RELEASE_RP = hexBytes('0a 18 c1 16 61 80 30 80 02 01 01 a0 80 63 80 80 01 00 00 00 00 00 00 00 00 00');

/** SPpdu (session 0xE100, context 2), ROapdus, then the ROSE PDU built by `body` (its header included). */
function ivDataExport(roType: number, invokeId: number, command: number, body: (w: ByteWriter) => void): Buffer {
  const w = new ByteWriter(256);
  w.u16(0xe100).u16(0x0002).u16(roType);
  const roLen = w.mark();
  w.u16(0);
  w.u16(invokeId).u16(command);
  const len = w.mark();
  w.u16(0);
  body(w);
  const b = w.done();
  b.writeUInt16BE(b.length - len - 2, len);
  b.writeUInt16BE(b.length - roLen - 2, roLen);
  return b;
}

function mdsCreateEventReport(sim: Simulation, dev: Device, spec: MedicalSpec, invokeId: number): Buffer {
  return ivDataExport(1, invokeId, CMD_CONFIRMED_EVENT_REPORT, (w) => {
    w.u16(NOM_MOC_VMS_MDS).u16(0).u16(0).u32(ivRelTime(sim)).u16(NOM_NOTI_MDS_CREAT);
    const at = w.mark();
    w.u16(0);
    w.u16(NOM_MOC_VMS_MDS).u16(0).u16(0);
    ivAttributes(w, [
      [NOM_ATTR_SYS_TYPE, (x) => x.u16(NOM_PART_OBJ).u16(0x114d)],
      ...ivIdentity(dev, spec),
      [NOM_ATTR_NET_ADDR_INFO, ivNetAddr(dev)],
      [NOM_ATTR_ID_BED_LABEL, (x) => ivLabel(x, `${dev.zone.code}-${String(dev.n).padStart(2, '0')}`)],
      [NOM_ATTR_VMS_MDS_STAT, (x) => x.u16(6)],
    ]);
    w.setU16(at, w.pos - at - 2);
  });
}

function mdsCreateEventResult(sim: Simulation, invokeId: number): Buffer {
  return ivDataExport(2, invokeId, CMD_CONFIRMED_EVENT_REPORT, (w) => w.u16(NOM_MOC_VMS_MDS).u16(0).u16(0).u32(ivRelTime(sim)).u16(NOM_NOTI_MDS_CREAT).u16(0));
}

/** Single Poll Data Request: PollMdibDataReq (poll_number, polled_obj_type, polled_attr_grp 0 = all). */
function pollRequest(invokeId: number, pollNumber: number, objCode: number): Buffer {
  return ivDataExport(1, invokeId, CMD_CONFIRMED_ACTION, (w) => {
    w.u16(NOM_MOC_VMS_MDS).u16(0).u16(0).u32(0).u16(NOM_ACT_POLL_MDIB_DATA).u16(8);
    w.u16(pollNumber).u16(NOM_PART_OBJ).u16(objCode).u16(0);
  });
}

/** Numerics a monitor reports: physio id, unit code, synthetic value range, decimals. */
const NUMERICS: [number, number, number, number, number][] = [
  [0x4182, 0x0aa0, 55, 120, 0], // NOM_ECG_CARD_BEAT_RATE, NOM_DIM_BEAT_PER_MIN
  [0x4bb8, 0x0220, 90, 100, 0], // NOM_PULS_OXIM_SAT_O2, NOM_DIM_PERCENT
  [0x500a, 0x0ae0, 10, 28, 0], // NOM_RESP_RATE, NOM_DIM_RESP_PER_MIN
  [0x4bb0, 0x0100, 35.8, 38.4, 1], // NOM_TEMP, NOM_DIM_DEGC
];

/** Single Poll Data Result: PollMdibDataReply with one context and the polled objects' attributes. */
function pollResult(sim: Simulation, dev: Device, invokeId: number, pollNumber: number, objCode: number): Buffer {
  return ivDataExport(2, invokeId, CMD_CONFIRMED_ACTION, (w) => {
    w.u16(NOM_MOC_VMS_MDS).u16(0).u16(0).u16(NOM_ACT_POLL_MDIB_DATA);
    const at = w.mark();
    w.u16(0);
    w.u16(pollNumber).u32(ivRelTime(sim));
    ivAbsTime(w, sim.net.now);
    w.u16(NOM_PART_OBJ).u16(objCode).u16(0);
    // PollInfoList: one SingleContextPoll (context 0) with its ObservationPolls.
    w.u16(1);
    const listLen = w.mark();
    w.u16(0);
    w.u16(0);
    const objects = objCode === NOM_MOC_VMS_MDS ? 1 : NUMERICS.length;
    w.u16(objects);
    const pollLen = w.mark();
    w.u16(0);
    if (objCode === NOM_MOC_VMS_MDS) {
      w.u16(0);
      ivAttributes(w, [
        [NOM_ATTR_ID_BED_LABEL, (x) => ivLabel(x, `${dev.zone.code}-${String(dev.n).padStart(2, '0')}`)],
        [NOM_ATTR_VMS_MDS_STAT, (x) => x.u16(6)],
        [NOM_ATTR_TIME_ABS, (x) => ivAbsTime(x, sim.net.now)],
      ]);
    } else {
      NUMERICS.forEach(([physio, unit, lo, hi, dec], i) => {
        w.u16(0x0100 + i);
        ivAttributes(w, [
          [NOM_ATTR_ID_HANDLE, (x) => x.u16(0x0100 + i)],
          [NOM_ATTR_NU_VAL_OBS, (x) => x.u16(physio).u16(0).u16(unit).u32(ivFloat(lo + sim.rng.float() * (hi - lo), dec))],
        ]);
      });
    }
    w.setU16(pollLen, w.pos - pollLen - 2);
    w.setU16(listLen, w.pos - listLen - 2);
    w.setU16(at, w.pos - at - 2);
  });
}

/**
 * The monitor's Connect Indication (multicast from 24005), then the central station associates
 * (Association Request/Response on 24105), acknowledges the MDS Create Event Report, polls MDS and
 * numerics once a second and releases.
 */
function* intellivueFlow(sim: Simulation, dev: Device, s: WorkflowSpec): Flow {
  const spec = s as MedicalSpec;
  const mon = dev.iface;
  sim.net.udp(mon, null, IV_CONNECT_PORT, IV_CONNECT_PORT, intellivueConnectIndication(sim, dev, spec), { dstIp: IV_MULTICAST, dstMac: multicastMac(IV_MULTICAST) });
  const t = sim.target(dev, spec.to!);
  const cs = t.iface;
  const rtt = sim.rttFor(cs, mon);
  yield 200000 + sim.rng.below(800000);
  const port = nextPort(cs);
  sim.net.udp(cs, mon, port, IV_DATA_PORT, intellivueAssociationRequest());
  yield rtt / 2 + 2000;
  sim.net.udp(mon, cs, IV_DATA_PORT, port, intellivueAssociationResponse());
  yield 5000;
  sim.net.udp(mon, cs, IV_DATA_PORT, port, mdsCreateEventReport(sim, dev, spec, 1));
  yield rtt / 2 + 1000;
  sim.net.udp(cs, mon, port, IV_DATA_PORT, mdsCreateEventResult(sim, 1));
  const [lo, hi] = spec.polls ?? [3, 10];
  const n = sim.rng.range(lo, hi);
  for (let i = 0; i < n; i++) {
    yield 1_000_000 - rtt;
    const obj = i === 0 ? NOM_MOC_VMS_MDS : NOM_MOC_VMO_METRIC_NU;
    sim.net.udp(cs, mon, port, IV_DATA_PORT, pollRequest(i + 2, i + 1, obj));
    yield rtt / 2 + 3000 + sim.rng.below(4000);
    sim.net.udp(mon, cs, IV_DATA_PORT, port, pollResult(sim, dev, i + 2, i + 1, obj));
  }
  yield 500000;
  sim.net.udp(cs, mon, port, IV_DATA_PORT, IV_RELEASE_RQ);
  yield rtt / 2 + 2000;
  sim.net.udp(mon, cs, IV_DATA_PORT, port, IV_RELEASE_RP);
}

// ---------------------------------------------------------------------------------------------
// IEEE 11073 SDC discovery: WS-Discovery 1.1 (SOAP 1.2 over UDP, 239.255.255.250:3702) with the
// types and scopes IEEE 11073-20702 (MDPWS) and -20701 (SDC) give a medical device.

export const WSD_PORT = 3702;
const WSD_MULTICAST = 0xeffffffa;
const NS = {
  s12: 'http://www.w3.org/2003/05/soap-envelope',
  wsa: 'http://www.w3.org/2005/08/addressing',
  wsd: 'http://docs.oasis-open.org/ws-dd/ns/discovery/2009/01',
  dpws: 'http://docs.oasis-open.org/ws-dd/ns/dpws/2009/01',
  mdpws: 'http://standards.ieee.org/downloads/11073/11073-20702-2016',
};
/** The Types a device announces (MDPWS: dpws:Device and mdpws:MedicalDevice), as Vigil writes them. */
export const SDC_TYPES = ['dpws:Device', 'mdpws:MedicalDevice'];
const WSD_TO = 'urn:docs-oasis-open-org:ws-dd:ns:discovery:2009:01';

function soap(action: string, headerExtra: string, body: string, messageId: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>` +
    `<s12:Envelope xmlns:s12="${NS.s12}" xmlns:wsa="${NS.wsa}" xmlns:wsd="${NS.wsd}" xmlns:dpws="${NS.dpws}" xmlns:mdpws="${NS.mdpws}">` +
    `<s12:Header><wsa:Action>${NS.wsd}/${action}</wsa:Action><wsa:MessageID>urn:uuid:${messageId}</wsa:MessageID>${headerExtra}</s12:Header>` +
    `<s12:Body>${body}</s12:Body></s12:Envelope>`;
}

/** SDC location context scope (IEEE 11073-20701 9.4): facility, point of care, bed; '&' escaped for XML. */
export function sdcLocationScope(sim: Simulation, dev: Device): string {
  const fac = sim.topo.site.hl7Facility, poc = dev.zone.code, bed = String(dev.n);
  return `sdc.ctxt.loc:/sdc.ctxt.loc.detail/${fac}%2F%2F${poc}%2F%2F%2F${bed}?fac=${fac}&amp;poc=${poc}&amp;bed=${bed}`;
}

function sdcEntry(sim: Simulation, dev: Device, port: number): string {
  return `<wsa:EndpointReference><wsa:Address>urn:uuid:${deviceUuid(dev)}</wsa:Address></wsa:EndpointReference>` +
    `<wsd:Types>${SDC_TYPES.join(' ')}</wsd:Types>` +
    `<wsd:Scopes>${sdcLocationScope(sim, dev)} sdc.mds.pkp:1.2.840.10004.20701.1.1</wsd:Scopes>` +
    `<wsd:XAddrs>https://${sim.ipText(dev.iface.ip)}:${port}/${deviceUuid(dev)}</wsd:XAddrs>` +
    `<wsd:MetadataVersion>1</wsd:MetadataVersion>`;
}

/** Hello from the device; sometimes the central station Probes for medical devices and the device answers. */
function* sdcFlow(sim: Simulation, dev: Device, spec: WorkflowSpec): Flow {
  const c = dev.iface;
  const group = { dstIp: WSD_MULTICAST, dstMac: multicastMac(WSD_MULTICAST) };
  const hostedPort = spec.port ?? 6464;
  const seq = (n: number) => `<wsd:AppSequence InstanceId="${Math.floor(sim.startUs / 1e6)}" MessageNumber="${n}"/>`;
  const hello = soap('Hello', `<wsa:To>${WSD_TO}</wsa:To>${seq(nextCount(dev))}`, `<wsd:Hello>${sdcEntry(sim, dev, hostedPort)}</wsd:Hello>`, uuid(sim));
  sim.net.udp(c, null, nextPort(c), WSD_PORT, Buffer.from(hello, 'utf8'), group);
  if (!spec.to || !sim.rng.chance(0.5)) return;
  yield 2_000_000 + sim.rng.below(10_000_000);
  const t = sim.target(dev, spec.to);
  const probeId = uuid(sim);
  const probe = soap('Probe', `<wsa:To>${WSD_TO}</wsa:To>`, `<wsd:Probe><wsd:Types>mdpws:MedicalDevice</wsd:Types></wsd:Probe>`, probeId);
  const pport = nextPort(t.iface);
  sim.net.udp(t.iface, null, pport, WSD_PORT, Buffer.from(probe, 'utf8'), group);
  // WS-Discovery 1.1 3.1.3: a target waits a random time up to APP_MAX_DELAY (500 ms) before replying.
  yield 10000 + sim.rng.below(490000);
  const matches = soap('ProbeMatches', `<wsa:To>http://www.w3.org/2005/08/addressing/anonymous</wsa:To><wsa:RelatesTo>urn:uuid:${probeId}</wsa:RelatesTo>${seq(nextCount(dev))}`,
    `<wsd:ProbeMatches><wsd:ProbeMatch>${sdcEntry(sim, dev, hostedPort)}</wsd:ProbeMatch></wsd:ProbeMatches>`, uuid(sim));
  sim.net.udp(c, t.iface, WSD_PORT, pport, Buffer.from(matches, 'utf8'));
}

// ---------------------------------------------------------------------------------------------
// POCT1-A (CLSI POCT1-A2 Device Messaging Layer): XML documents over TCP, device to data manager.
// Conversation: HEL (hello, device identity) / ACK, DST (status) / ACK, REQ from the manager,
// OBS (observations) / ACK, EOT / ACK, END from the manager. Every value is in a V attribute.

function xmlAttr(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
}

function poctHeader(type: string, control: number, us: number): string {
  return `<HDR><HDR.message_type V="${type}"/><HDR.control_id V="${control}"/><HDR.version_id V="POCT1"/>` +
    `<HDR.creation_dttm V="${isoTime(us)}"/></HDR>`;
}

function poctDoc(root: string, control: number, us: number, body: string): Buffer {
  return Buffer.from(`<?xml version="1.0" encoding="UTF-8"?>\r\n<${root}>${poctHeader(root, control, us)}${body}</${root}>\r\n`, 'utf8');
}

function poctAck(control: number, acked: number, us: number): Buffer {
  return poctDoc('ACK.R01', control, us, `<ACK><ACK.type_cd V="AA"/><ACK.ack_control_id V="${acked}"/></ACK>`);
}

/** Glucose results (mmol/L, as POCT meters report them) for a few synthetic patients, by record number only. */
function* poct1aFlow(sim: Simulation, dev: Device, s: WorkflowSpec): Flow {
  const spec = s as MedicalSpec;
  const t = sim.target(dev, spec.to!);
  const c = dev.iface;
  const tcp = new Tcp(sim.net, c, t.iface, nextPort(c), spec.port ?? 7021, sim.rng, sim.rttFor(c, t.iface));
  yield* tcp.open();
  let ctl = nextCount(dev) * 100;
  let mgr = 1;
  const mac = Array.from(c.mac, (b) => b.toString(16).padStart(2, '0')).join(':');
  const e = dev.entry;
  const hello = poctDoc('HEL.R01', ctl, sim.net.now,
    `<DEV><DEV.device_id V="${mac}"/><DEV.vendor_id V="${xmlAttr(spec.vendorId ?? e.vendor)}"/><DEV.model_id V="${xmlAttr(e.model)}"/>` +
    `<DEV.serial_id V="${xmlAttr(dev.serial)}"/><DEV.manufacturer_name V="${xmlAttr(e.vendor)}"/><DEV.sw_version V="${xmlAttr(dev.firmware)}"/>` +
    `<DEV.device_name V="${xmlAttr(dev.hostname)}"/>` +
    `<DCP><DCP.application_timeout V="30"/></DCP><DSC><DSC.connection_profile_cd V="SA"/><DSC.topics_supported_cd V="OPL"/>` +
    `<DSC.max_message_sz V="40000"/></DSC></DEV>`);
  yield 300;
  yield* tcp.exchange(hello, poctAck(mgr++, ctl, sim.net.now + 2000), 2000);
  const n = sim.rng.range(1, 4);
  yield 500;
  yield* tcp.exchange(poctDoc('DST.R01', ++ctl, sim.net.now,
    `<DST><DST.status_dttm V="${isoTime(sim.net.now)}"/><DST.new_observations_qty V="${n}"/><DST.new_events_qty V="0"/><DST.condition_cd V="R"/></DST>`),
  poctAck(mgr++, ctl, sim.net.now + 2000), 2000);
  yield 1000;
  yield* tcp.send(1, poctDoc('REQ.R01', mgr++, sim.net.now, `<RGT><RGT.request_cd V="ROBS"/></RGT>`));
  yield 3000;
  let svc = '';
  for (let i = 0; i < n; i++) {
    const p = sim.patient();
    const glucose = (3.9 + sim.rng.float() * 6).toFixed(1);
    const when = isoTime(sim.net.now - sim.rng.below(3_600_000_000));
    svc += `<SVC><SVC.role_cd V="OBS"/><SVC.observation_dttm V="${when}"/><SVC.sequence_nbr V="${ctl * 10 + i}"/>` +
      `<PT><PT.patient_id V="${p.mrn}"/><OBS><OBS.observation_id V="Glu" SN="LN" SV="2339-0"/><OBS.value V="${glucose}" U="mmol/L"/></OBS></PT>` +
      `<OPR><OPR.operator_id V="RN${sim.rng.range(1000, 9999)}"/></OPR></SVC>`;
  }
  yield* tcp.exchange(poctDoc('OBS.R01', ++ctl, sim.net.now, svc), poctAck(mgr++, ctl, sim.net.now + 3000), 3000);
  yield 500;
  yield* tcp.exchange(poctDoc('EOT.R01', ++ctl, sim.net.now, `<EOT><EOT.topic_cd V="OBS"/></EOT>`), poctAck(mgr++, ctl, sim.net.now + 2000), 2000);
  yield 500;
  yield* tcp.send(1, poctDoc('END.R01', mgr++, sim.net.now, `<TRM><TRM.reason_cd V="NRM"/></TRM>`));
  yield 1000;
  yield* tcp.close();
}

// ---------------------------------------------------------------------------------------------
// FHIR R4 RESTful API (hl7.org/fhir/R4/http.html) over plain HTTP/1.1: a client searches a Patient by
// identifier, reads it, and creates a vital-signs Observation for it. Headers as HAPI FHIR's client
// and server send them.

export const FHIR_ACCEPT = 'application/fhir+json; fhirVersion=4.0';
const FHIR_JSON = 'application/fhir+json;charset=utf-8';

function httpDate(us: number): string {
  return new Date(us / 1000).toUTCString();
}

function fhirRequest(method: string, host: string, port: number, path: string, ua: string, body?: string): Buffer {
  let s = `${method} ${path} HTTP/1.1\r\nHost: ${host}:${port}\r\nAccept-Charset: utf-8\r\nAccept: ${FHIR_ACCEPT}\r\n` +
    `User-Agent: ${ua}\r\nAccept-Encoding: identity\r\nConnection: keep-alive\r\n`;
  if (body !== undefined) s += `Content-Type: application/fhir+json; charset=UTF-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n`;
  return Buffer.from(`${s}\r\n${body ?? ''}`, 'utf8');
}

function fhirResponse(status: number, us: number, server: string, body: string, extra = ''): Buffer {
  const reason = status === 201 ? 'Created' : 'OK';
  return Buffer.from(`HTTP/1.1 ${status} ${reason}\r\nServer: Jetty(10.0.17)\r\nX-Powered-By: ${server}\r\nDate: ${httpDate(us)}\r\n` +
    `${extra}Content-Type: ${FHIR_JSON}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`, 'utf8');
}

function* fhirFlow(sim: Simulation, dev: Device, s: WorkflowSpec): Flow {
  const spec = s as MedicalSpec;
  const t = sim.target(dev, spec.to!);
  const c = dev.iface;
  const port = spec.port ?? 8080;
  const base = spec.base ?? '/fhir';
  const ua = spec.userAgent ?? dev.entry.userAgent ?? 'HAPI-FHIR/6.10.0 (FHIR Client; FHIR 4.0.1/R4; apache)';
  const server = `HAPI FHIR ${t.device?.firmware.replace(/^HAPI FHIR /, '') ?? '6.10.0'} REST Server (FHIR Server; FHIR 4.0.1/R4)`;
  const tcp = new Tcp(sim.net, c, t.iface, nextPort(c), port, sim.rng, sim.rttFor(c, t.iface));
  yield* tcp.open();
  const p = sim.patient();
  const id = String(1000 + (parseInt(p.mrn.slice(2), 10) % 90000));
  const dob = `${p.dob.slice(0, 4)}-${p.dob.slice(4, 6)}-${p.dob.slice(6, 8)}`;
  const fac = sim.topo.site.hl7Facility.toLowerCase();
  const patient = {
    resourceType: 'Patient', id, meta: { versionId: '1', lastUpdated: isoTime(sim.net.now - 86_400_000_000) },
    identifier: [{ system: `urn:oid:2.16.840.1.113883.3.${fac.length}.1`, value: p.mrn }],
    name: [{ family: p.family, given: [p.given] }], gender: p.sex === 'F' ? 'female' : 'male', birthDate: dob,
  };
  const host = t.name;
  yield 200;
  const bundle = JSON.stringify({ resourceType: 'Bundle', type: 'searchset', total: 1,
    link: [{ relation: 'self', url: `http://${host}:${port}${base}/Patient?identifier=${p.mrn}` }],
    entry: [{ fullUrl: `http://${host}:${port}${base}/Patient/${id}`, resource: patient, search: { mode: 'match' } }] });
  yield* tcp.exchange(fhirRequest('GET', host, port, `${base}/Patient?identifier=${p.mrn}`, ua), fhirResponse(200, sim.net.now, server, bundle), 8000 + sim.rng.below(20000));
  yield 2000 + sim.rng.below(5000);
  yield* tcp.exchange(fhirRequest('GET', host, port, `${base}/Patient/${id}`, ua),
    fhirResponse(200, sim.net.now, server, JSON.stringify(patient), `ETag: W/"1"\r\nContent-Location: http://${host}:${port}${base}/Patient/${id}/_history/1\r\n`), 5000);
  yield 20000 + sim.rng.below(200000);
  const hr = sim.rng.range(55, 120);
  const obs = { resourceType: 'Observation', status: 'final',
    category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs' }] }],
    code: { coding: [{ system: 'http://loinc.org', code: '8867-4', display: 'Heart rate' }] },
    subject: { reference: `Patient/${id}` }, effectiveDateTime: isoTime(sim.net.now),
    valueQuantity: { value: hr, unit: 'beats/minute', system: 'http://unitsofmeasure.org', code: '/min' } };
  const obsId = String(sim.rng.range(100000, 999999));
  const created = { ...obs, id: obsId, meta: { versionId: '1', lastUpdated: isoTime(sim.net.now + 9000) } };
  yield* tcp.exchange(fhirRequest('POST', host, port, `${base}/Observation`, ua, JSON.stringify(obs)),
    fhirResponse(201, sim.net.now + 9000, server, JSON.stringify(created), `Location: http://${host}:${port}${base}/Observation/${obsId}/_history/1\r\nETag: W/"1"\r\n`), 9000);
  yield 1000;
  yield* tcp.close();
}

export const MEDICAL_WORKFLOWS = {
  intellivue: intellivueFlow,
  sdc: sdcFlow,
  poct1a: poct1aFlow,
  fhir: fhirFlow,
} as const;
