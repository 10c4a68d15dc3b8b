/** Application payload encoders. Each returns the bytes of one message; transport is net.ts's job. */
import { ByteWriter, be16, be32 } from './bytes.js';
import type { Rng } from './rng.js';

// ---------------------------------------------------------------------------------------------
// DHCP (RFC 2131, options RFC 2132)

export const DHCP_DISCOVER = 1, DHCP_OFFER = 2, DHCP_REQUEST = 3, DHCP_ACK = 5;

export interface DhcpFields {
  op: 1 | 2;
  type: number;
  xid: number;
  mac: Uint8Array;
  ciaddr?: number;
  yiaddr?: number;
  giaddr?: number;
  secs?: number;
  broadcast?: boolean;
  /** Client options, in the order the client's stack writes them. */
  hostname?: string;
  vendorClass?: string;
  paramList?: number[];
  requestedIp?: number;
  serverId?: number;
  maxSize?: number;
  clientId?: boolean;
  /** Server options. */
  lease?: number;
  mask?: number;
  router?: number;
  dns?: number[];
  domain?: string;
  ntp?: number;
}

export function dhcp(f: DhcpFields): Buffer {
  const w = new ByteWriter(400);
  w.u8(f.op).u8(1).u8(6).u8(f.op === 2 && f.giaddr ? 1 : 0);
  w.u32(f.xid).u16(f.secs ?? 0).u16(f.broadcast ? 0x8000 : 0);
  w.u32(f.ciaddr ?? 0).u32(f.yiaddr ?? 0).u32(f.op === 2 ? (f.serverId ?? 0) : 0).u32(f.giaddr ?? 0);
  w.bytes(f.mac).zeros(10).zeros(64).zeros(128);
  w.u32(0x63825363);
  w.u8(53).u8(1).u8(f.type);
  if (f.op === 1) {
    if (f.clientId) w.u8(61).u8(7).u8(1).bytes(f.mac);
    if (f.requestedIp) w.u8(50).u8(4).u32(f.requestedIp);
    if (f.serverId && f.type === DHCP_REQUEST) w.u8(54).u8(4).u32(f.serverId);
    if (f.maxSize) w.u8(57).u8(2).u16(f.maxSize);
    if (f.hostname) w.u8(12).u8(f.hostname.length).text(f.hostname);
    if (f.vendorClass) w.u8(60).u8(f.vendorClass.length).text(f.vendorClass);
    if (f.paramList?.length) {
      w.u8(55).u8(f.paramList.length);
      for (const x of f.paramList) w.u8(x);
    }
  } else {
    w.u8(54).u8(4).u32(f.serverId ?? 0);
    w.u8(51).u8(4).u32(f.lease ?? 86400);
    w.u8(58).u8(4).u32((f.lease ?? 86400) / 2);
    w.u8(59).u8(4).u32(((f.lease ?? 86400) * 7) / 8);
    w.u8(1).u8(4).u32(f.mask ?? 0xffffff00);
    if (f.router) w.u8(3).u8(4).u32(f.router);
    if (f.dns?.length) {
      w.u8(6).u8(4 * f.dns.length);
      for (const d of f.dns) w.u32(d);
    }
    if (f.domain) w.u8(15).u8(f.domain.length).text(f.domain);
    if (f.ntp) w.u8(42).u8(4).u32(f.ntp);
  }
  w.u8(255);
  // BOOTP minimum message of 300 bytes (RFC 1542 section 2.1): many relays drop shorter ones.
  while (w.pos < 300) w.u8(0);
  return w.done();
}

// ---------------------------------------------------------------------------------------------
// DNS (RFC 1035)

function qname(w: ByteWriter, name: string): void {
  for (const label of name.split('.')) w.u8(label.length).text(label);
  w.u8(0);
}

export function dnsQuery(id: number, name: string, type = 1): Buffer {
  const w = new ByteWriter(64);
  w.u16(id).u16(0x0100).u16(1).u16(0).u16(0).u16(0);
  qname(w, name);
  w.u16(type).u16(1);
  return w.done();
}

/** Answer with A records (or NXDOMAIN when `ips` is empty); the answer name is a pointer to the question. */
export function dnsResponse(id: number, name: string, ips: number[], ttl = 300, type = 1): Buffer {
  const w = new ByteWriter(128);
  w.u16(id).u16(ips.length ? 0x8180 : 0x8183).u16(1).u16(ips.length).u16(0).u16(0);
  qname(w, name);
  w.u16(type).u16(1);
  for (const ip of ips) w.u16(0xc00c).u16(1).u16(1).u32(ttl).u16(4).u32(ip);
  return w.done();
}

// ---------------------------------------------------------------------------------------------
// NTP (RFC 5905): 48-byte header, NTP era 0 timestamps (seconds since 1900).

const NTP_EPOCH = 2208988800;
function ntpTs(w: ByteWriter, us: number): void {
  const sec = Math.floor(us / 1e6);
  w.u32(sec + NTP_EPOCH).u32(Math.floor(((us - sec * 1e6) / 1e6) * 4294967296) >>> 0);
}
export function ntpRequest(us: number, version = 4): Buffer {
  const w = new ByteWriter(48);
  w.u8((version << 3) | 3).u8(0).u8(6).u8(0xe9).u32(0).u32(0).u32(0);
  w.zeros(24);
  ntpTs(w, us);
  return w.done();
}
export function ntpResponse(req: Buffer, us: number, refId: number): Buffer {
  const w = new ByteWriter(48);
  w.u8((req[0] & 0x38) | 4).u8(2).u8(req[2]).u8(0xe9).u32(0x00000010).u32(0x00000200).u32(refId);
  ntpTs(w, us - 64_000_000);
  w.bytes(req.subarray(40, 48));
  ntpTs(w, us - 40);
  ntpTs(w, us);
  return w.done();
}

// ---------------------------------------------------------------------------------------------
// SNMP v2c (RFC 3416) with BER (X.690)

function berLen(n: number): number[] {
  return n < 128 ? [n] : n < 256 ? [0x81, n] : [0x82, n >> 8, n & 255];
}
function tlv(tag: number, body: number[]): number[] {
  return [tag, ...berLen(body.length), ...body];
}
function berInt(v: number): number[] {
  const out: number[] = [];
  do {
    out.unshift(v & 255);
    v = Math.floor(v / 256);
  } while (v > 0);
  if (out[0] & 0x80) out.unshift(0);
  return tlv(2, out);
}
function berOid(oid: string): number[] {
  const p = oid.split('.').map(Number);
  const out = [p[0] * 40 + p[1]];
  for (const x of p.slice(2)) {
    const enc: number[] = [x & 127];
    for (let v = Math.floor(x / 128); v > 0; v = Math.floor(v / 128)) enc.unshift((v & 127) | 128);
    out.push(...enc);
  }
  return tlv(6, out);
}
function berStr(s: string): number[] {
  return tlv(4, Array.from(Buffer.from(s, 'latin1')));
}
export const OID_SYSDESCR = '1.3.6.1.2.1.1.1.0';
export const OID_SYSOBJECTID = '1.3.6.1.2.1.1.2.0';
export const OID_SYSNAME = '1.3.6.1.2.1.1.5.0';

/** GetRequest (pdu 0xa0) or Response (0xa2) with string/OID values, or noSuchObject-free nulls for requests. */
export function snmp(community: string, pdu: 0xa0 | 0xa2, reqId: number, binds: [string, string | null][]): Buffer {
  const vbs: number[] = [];
  for (const [oid, val] of binds) {
    const v = val === null ? [5, 0] : val.startsWith('oid:') ? berOid(val.slice(4)) : berStr(val);
    vbs.push(...tlv(0x30, [...berOid(oid), ...v]));
  }
  const body = [...berInt(reqId), ...berInt(0), ...berInt(0), ...tlv(0x30, vbs)];
  return Buffer.from(tlv(0x30, [...berInt(1), ...berStr(community), ...tlv(pdu, body)]));
}

// ---------------------------------------------------------------------------------------------
// Syslog (RFC 3164 BSD format, which is what embedded devices send)

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
export function syslog(us: number, facility: number, severity: number, host: string, tag: string, msg: string): Buffer {
  const d = new Date(us / 1000);
  const day = String(d.getUTCDate()).padStart(2, ' ');
  const t = d.toISOString().slice(11, 19);
  return Buffer.from(`<${facility * 8 + severity}>${MONTHS[d.getUTCMonth()]} ${day} ${t} ${host} ${tag}: ${msg}`, 'latin1');
}

// ---------------------------------------------------------------------------------------------
// HTTP/1.1

export function httpRequest(method: string, host: string, path: string, ua: string, body = ''): Buffer {
  let s = `${method} ${path} HTTP/1.1\r\nHost: ${host}\r\nUser-Agent: ${ua}\r\nAccept: */*\r\nConnection: close\r\n`;
  if (body) s += `Content-Type: application/json\r\nContent-Length: ${body.length}\r\n`;
  return Buffer.from(s + '\r\n' + body, 'latin1');
}
export function httpResponse(status: number, server: string, body: string, type = 'application/json'): Buffer {
  const reason = status === 200 ? 'OK' : status === 401 ? 'Unauthorized' : status === 404 ? 'Not Found' : 'Found';
  return Buffer.from(`HTTP/1.1 ${status} ${reason}\r\nServer: ${server}\r\nContent-Type: ${type}\r\n` +
    `Content-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`, 'latin1');
}

// ---------------------------------------------------------------------------------------------
// TLS 1.2/1.3 handshake start (RFC 8446). Only the hellos are in clear; the rest is opaque records.

export function tlsClientHello(rng: Rng, sni: string, legacy = false): Buffer {
  const w = new ByteWriter(512);
  w.u8(0x16).u16(0x0301).u16(0);
  w.u8(1).u8(0).u16(0);
  w.u16(0x0303);
  for (let i = 0; i < 8; i++) w.u32(rng.u32());
  w.u8(32);
  for (let i = 0; i < 8; i++) w.u32(rng.u32());
  const suites = legacy ? [0xc02f, 0xc030, 0xc013, 0xc014, 0x009c, 0x009d, 0x002f, 0x0035, 0x000a]
    : [0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9, 0xcca8, 0xc013, 0xc014, 0x009c, 0x009d, 0x002f, 0x0035];
  w.u16(suites.length * 2);
  for (const s of suites) w.u16(s);
  w.u8(1).u8(0);
  const ext = w.mark();
  w.u16(0);
  w.u16(0).u16(sni.length + 5).u16(sni.length + 3).u8(0).u16(sni.length).text(sni);
  w.u16(0x000b).u16(2).u8(1).u8(0);
  w.u16(0x000a).u16(8).u16(6).u16(0x001d).u16(0x0017).u16(0x0018);
  w.u16(0x000d).u16(10).u16(8).u16(0x0403).u16(0x0804).u16(0x0401).u16(0x0501);
  if (!legacy) {
    w.u16(0x002b).u16(5).u8(4).u16(0x0304).u16(0x0303);
    w.u16(0x0033).u16(38).u16(36).u16(0x001d).u16(32);
    for (let i = 0; i < 8; i++) w.u32(rng.u32());
  }
  w.setU16(ext, w.pos - ext - 2);
  const b = w.done();
  be16(b, 3, b.length - 5);
  b[6] = 0;
  be16(b, 7, b.length - 9);
  return b;
}

export function tlsServerHello(rng: Rng, tls13: boolean): Buffer {
  const w = new ByteWriter(256);
  w.u8(0x16).u16(0x0303).u16(0);
  w.u8(2).u8(0).u16(0);
  w.u16(0x0303);
  for (let i = 0; i < 8; i++) w.u32(rng.u32());
  w.u8(32);
  for (let i = 0; i < 8; i++) w.u32(rng.u32());
  w.u16(tls13 ? 0x1301 : 0xc02f).u8(0);
  const ext = w.mark();
  w.u16(0);
  if (tls13) {
    w.u16(0x002b).u16(2).u16(0x0304);
    w.u16(0x0033).u16(36).u16(0x001d).u16(32);
    for (let i = 0; i < 8; i++) w.u32(rng.u32());
  } else {
    w.u16(0xff01).u16(1).u8(0);
  }
  w.setU16(ext, w.pos - ext - 2);
  const b = w.done();
  be16(b, 3, b.length - 5);
  be16(b, 7, b.length - 9);
  return b;
}

/** Opaque application_data records (content type 23) totalling about `n` bytes of ciphertext. */
export function tlsAppData(noise: Buffer, rng: Rng, n: number, recordMax = 16384): Buffer {
  const w = new ByteWriter(n + 64);
  while (n > 0) {
    const len = Math.min(n, recordMax);
    w.u8(23).u16(0x0303).u16(len);
    const off = rng.below(noise.length - len);
    w.copyFrom(noise, off, off + len);
    n -= len;
  }
  return w.done();
}

// ---------------------------------------------------------------------------------------------
// HL7 v2 over MLLP (HL7 v2.5.1 Appendix C: <VT> message <FS><CR>)

export function mllp(msg: string): Buffer {
  const b = Buffer.alloc(msg.length + 3);
  b[0] = 0x0b;
  b.write(msg, 1, 'latin1');
  b[msg.length + 1] = 0x1c;
  b[msg.length + 2] = 0x0d;
  return b;
}

export function hl7Timestamp(us: number): string {
  return new Date(us / 1000).toISOString().replace(/[-:T]/g, '').slice(0, 14);
}

export interface Hl7Header {
  sendingApp: string;
  sendingFacility: string;
  receivingApp: string;
  receivingFacility: string;
  type: string;
  controlId: string;
  version: string;
}
export function msh(h: Hl7Header, us: number): string {
  return `MSH|^~\\&|${h.sendingApp}|${h.sendingFacility}|${h.receivingApp}|${h.receivingFacility}|${hl7Timestamp(us)}||` +
    `${h.type}|${h.controlId}|P|${h.version}`;
}
export function hl7Ack(h: Hl7Header, us: number, ackId: string): string {
  const back: Hl7Header = { sendingApp: h.receivingApp, sendingFacility: h.receivingFacility, receivingApp: h.sendingApp,
    receivingFacility: h.sendingFacility, type: `ACK^${h.type.split('^')[1] ?? ''}^ACK`, controlId: ackId, version: h.version };
  return `${msh(back, us)}\rMSA|AA|${h.controlId}\r`;
}

// ---------------------------------------------------------------------------------------------
// DICOM upper layer (PS3.8 section 9.3) and DIMSE (PS3.7)

export const UID = {
  appContext: '1.2.840.10008.3.1.1.1',
  implicitLE: '1.2.840.10008.1.2',
  explicitLE: '1.2.840.10008.1.2.1',
  verification: '1.2.840.10008.1.1',
  mwlFind: '1.2.840.10008.5.1.4.31',
  studyRootFind: '1.2.840.10008.5.1.4.1.2.2.1',
} as const;

function aeField(w: ByteWriter, ae: string): void {
  const s = ae.slice(0, 16);
  w.text(s);
  for (let i = s.length; i < 16; i++) w.u8(0x20);
}
function item(w: ByteWriter, type: number, s: string): void {
  w.u8(type).u8(0).u16(s.length).text(s);
}

export interface DicomAssoc {
  calledAe: string;
  callingAe: string;
  /** Abstract syntaxes proposed, one presentation context each (ids 1, 3, 5, ...). */
  abstractSyntaxes: string[];
  implClassUid: string;
  implVersion: string;
  maxPdu: number;
}

export function aAssociateRq(a: DicomAssoc): Buffer {
  const w = new ByteWriter(512);
  w.u8(0x01).u8(0).u32(0).u16(1).u16(0);
  aeField(w, a.calledAe);
  aeField(w, a.callingAe);
  w.zeros(32);
  item(w, 0x10, UID.appContext);
  a.abstractSyntaxes.forEach((as, i) => {
    const pc = w.mark();
    w.u8(0x20).u8(0).u16(0).u8(1 + 2 * i).u8(0).u8(0).u8(0);
    item(w, 0x30, as);
    item(w, 0x40, UID.explicitLE);
    item(w, 0x40, UID.implicitLE);
    w.setU16(pc + 2, w.pos - pc - 4);
  });
  userInfo(w, a);
  const b = w.done();
  be32(b, 2, b.length - 6);
  return b;
}

export function aAssociateAc(a: DicomAssoc, serverImplUid: string, serverVersion: string): Buffer {
  const w = new ByteWriter(512);
  w.u8(0x02).u8(0).u32(0).u16(1).u16(0);
  aeField(w, a.calledAe);
  aeField(w, a.callingAe);
  w.zeros(32);
  item(w, 0x10, UID.appContext);
  a.abstractSyntaxes.forEach((_, i) => {
    const pc = w.mark();
    // result 0 = acceptance; the SCP picks implicit VR little endian, the default every SCP supports.
    w.u8(0x21).u8(0).u16(0).u8(1 + 2 * i).u8(0).u8(0).u8(0);
    item(w, 0x40, UID.implicitLE);
    w.setU16(pc + 2, w.pos - pc - 4);
  });
  userInfo(w, { ...a, implClassUid: serverImplUid, implVersion: serverVersion });
  const b = w.done();
  be32(b, 2, b.length - 6);
  return b;
}

function userInfo(w: ByteWriter, a: Pick<DicomAssoc, 'maxPdu' | 'implClassUid' | 'implVersion'>): void {
  const ui = w.mark();
  w.u8(0x50).u8(0).u16(0);
  w.u8(0x51).u8(0).u16(4).u32(a.maxPdu);
  item(w, 0x52, a.implClassUid);
  item(w, 0x55, a.implVersion);
  w.setU16(ui + 2, w.pos - ui - 4);
}

/**
 * Command Data Set Type (0000,0800): PS3.7 E.1 reads any value but 0x0101 as "a data set follows"; dcmtk and
 * pynetdicom write 0x0001, so the simulator does too.
 */
export const DATA_SET_PRESENT = 0x0001;

export const A_RELEASE_RQ = Buffer.from([0x05, 0, 0, 0, 0, 4, 0, 0, 0, 0]);
export const A_RELEASE_RP = Buffer.from([0x06, 0, 0, 0, 0, 4, 0, 0, 0, 0]);

/** Implicit VR little endian data set builder (PS3.5 section 7.1.3). */
export class DataSet {
  readonly w: ByteWriter;
  constructor(sizeHint = 256) {
    this.w = new ByteWriter(sizeHint);
  }
  /** Text value padded to even length: UIDs with NUL, other strings with space (PS3.5 6.2). */
  str(group: number, elem: number, v: string, uid = false): this {
    const len = v.length + (v.length & 1);
    this.w.u16le(group).u16le(elem).u32le(len).text(v);
    if (v.length & 1) this.w.u8(uid ? 0 : 0x20);
    return this;
  }
  us(group: number, elem: number, v: number): this {
    this.w.u16le(group).u16le(elem).u32le(2).u16le(v);
    return this;
  }
  ul(group: number, elem: number, v: number): this {
    this.w.u16le(group).u16le(elem).u32le(4).u32le(v);
    return this;
  }
  /** Header of an element whose value (e.g. pixel data) the caller appends. */
  head(group: number, elem: number, len: number): this {
    this.w.u16le(group).u16le(elem).u32le(len);
    return this;
  }
  bytes(b: Uint8Array): this {
    this.w.bytes(b);
    return this;
  }
  done(): Buffer {
    return this.w.done();
  }
}

/** Command set with its (0000,0000) group length first, as PS3.7 section 6.3.1 requires. */
export function command(build: (d: DataSet) => void): Buffer {
  const d = new DataSet();
  build(d);
  const body = d.done();
  return Buffer.concat([new DataSet().ul(0, 0, body.length).done(), body]);
}

/** P-DATA-TF PDUs carrying `data` as PDV fragments of presentation context `pcid`. */
export function pData(pcid: number, data: Uint8Array, isCommand: boolean, maxPdu: number): Buffer {
  const frag = Math.max(256, maxPdu - 6);
  const n = Math.max(1, Math.ceil(data.length / frag));
  const out = Buffer.allocUnsafe(data.length + n * 12);
  let p = 0;
  for (let i = 0; i < n; i++) {
    const off = i * frag;
    const len = Math.min(frag, data.length - off);
    out[p] = 0x04;
    out[p + 1] = 0;
    be32(out, p + 2, len + 6);
    be32(out, p + 6, len + 2);
    out[p + 10] = pcid;
    out[p + 11] = (isCommand ? 1 : 0) | (i === n - 1 ? 2 : 0);
    out.set(data.subarray(off, off + len), p + 12);
    p += 12 + len;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// SMB1 Negotiate Protocol Request over NetBIOS session service (MS-CIFS 2.2.4.52): what
// EternalBlue-era worms send first.

export function smb1Negotiate(pid: number): Buffer {
  const dialects = ['PC NETWORK PROGRAM 1.0', 'LANMAN1.0', 'Windows for Workgroups 3.1a', 'LM1.2X002', 'LANMAN2.1', 'NT LM 0.12'];
  const w = new ByteWriter(256);
  w.u32(0);
  w.u8(0xff).text('SMB').u8(0x72).u32(0).u8(0x18).u16le(0xc853).zeros(12).u16le(0).u16le(pid).u16le(0).u16le(0);
  w.u8(0);
  const bc = w.mark();
  w.u16le(0);
  for (const d of dialects) w.u8(2).text(d).u8(0);
  const b = w.done();
  b.writeUInt16LE(b.length - bc - 2, bc);
  be32(b, 0, b.length - 4);
  return b;
}

/** NetBIOS-framed SMB1 negotiate response choosing NT LM 0.12 (dialect index 5), minimal fields. */
export function smb1NegotiateResponse(pid: number, rng: Rng): Buffer {
  const w = new ByteWriter(128);
  w.u32(0);
  w.u8(0xff).text('SMB').u8(0x72).u32(0).u8(0x98).u16le(0xc853).zeros(12).u16le(0).u16le(pid).u16le(0).u16le(0);
  w.u8(17).u16le(5).u8(3).u16le(50).u16le(1).u32le(16644).u32le(65536).u32le(0).u32le(0x8001f3fd);
  w.u32le(rng.u32()).u32le(0x01d9a000).u16le(0).u8(8);
  w.u16le(8);
  for (let i = 0; i < 2; i++) w.u32le(rng.u32());
  const b = w.done();
  be32(b, 0, b.length - 4);
  return b;
}

// ---------------------------------------------------------------------------------------------
// LLDP (IEEE 802.1AB): what an access switch sends on its uplink every 30 s.

export const LLDP_MULTICAST = Uint8Array.of(0x01, 0x80, 0xc2, 0x00, 0x00, 0x0e);

export function lldp(chassisMac: Uint8Array, port: string, ttl: number, sysName: string, sysDescr: string, mgmtIp: number): Buffer {
  const w = new ByteWriter(512);
  const tlv = (type: number, body: (w: ByteWriter) => void): void => {
    const at = w.mark();
    w.u16(0);
    body(w);
    w.setU16(at, (type << 9) | (w.pos - at - 2));
  };
  tlv(1, (x) => x.u8(4).bytes(chassisMac));
  tlv(2, (x) => x.u8(5).text(port));
  tlv(3, (x) => x.u16(ttl));
  tlv(4, (x) => x.text(`uplink ${port}`));
  tlv(5, (x) => x.text(sysName));
  tlv(6, (x) => x.text(sysDescr));
  // capabilities: bridge + router available, bridge enabled
  tlv(7, (x) => x.u16(0x0014).u16(0x0004));
  // management address: IPv4, ifIndex subtype 2, interface 1, no OID
  tlv(8, (x) => x.u8(5).u8(1).u32(mgmtIp).u8(2).u32(1).u8(0));
  w.u16(0);
  return w.done();
}

// ---------------------------------------------------------------------------------------------
// NetBIOS name service (RFC 1002 4.2): the broadcasts every Windows host sends with its own name.

function nbName(w: ByteWriter, name: string, suffix: number): void {
  const n = name.toUpperCase().slice(0, 15).padEnd(15, ' ');
  w.u8(32);
  for (let i = 0; i < 16; i++) {
    const b = i < 15 ? n.charCodeAt(i) : suffix;
    w.u8(0x41 + (b >> 4)).u8(0x41 + (b & 15));
  }
  w.u8(0);
}

/** Broadcast name registration (opcode 5) of `name`<00> for `ip`, B-node unique. */
export function nbnsRegistration(id: number, name: string, ip: number): Buffer {
  const w = new ByteWriter(80);
  w.u16(id).u16(0x2910).u16(1).u16(0).u16(0).u16(1);
  nbName(w, name, 0x00);
  w.u16(0x20).u16(1);
  w.u16(0xc00c).u16(0x20).u16(1).u32(300000).u16(6).u16(0).u32(ip);
  return w.done();
}

/** Broadcast name query (RFC 1002 4.2.12) for `name`<00>. */
export function nbnsQuery(id: number, name: string): Buffer {
  const w = new ByteWriter(64);
  w.u16(id).u16(0x0110).u16(1).u16(0).u16(0).u16(0);
  nbName(w, name, 0x00);
  w.u16(0x20).u16(1);
  return w.done();
}
