/**
 * Deterministic synthetic hospital capture for `npm run bench`.
 *
 * Writes a classic pcap (Ethernet, microsecond timestamps) shaped like a SPAN of a hospital core:
 * ~4,000 hosts on 12 VLANs (most frames 802.1Q-tagged, the management and data-centre VLANs
 * untagged), tens of thousands of TCP/UDP conversations interleaved in time: DICOM C-STORE
 * associations to the PACS (bulk 1460-byte segments), HL7 v2 over MLLP with ACKs, HTTP and TLS to
 * the EHR and the internet, DNS, NTP, syslog, patient-monitor telemetry, RTP voice, ICMP echo,
 * ARP, port-scan SYN/RST, and a little IPv6. Every TCP conversation has a real handshake, correct
 * sequence/ack numbers and a FIN close; IPv4, TCP, UDP and ICMP checksums are all correct.
 *
 * Speed matters because a 1 GiB file is regenerated whenever the generator version changes: every
 * packet is written by offset into one preallocated output buffer, payload bulk comes from
 * preallocated noise buffers, and nothing is allocated per packet.
 *
 * Usage: node dist/bench/generate-capture.js [--size 1GiB] [--seed N] [--force] [--out FILE]
 */
import { closeSync, existsSync, mkdirSync, openSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Rng } from '../src/simulate/rng.js';

/** Bump whenever the bytes produced for a given seed and size change, so caches are not reused. */
export const GENERATOR_VERSION = 1;
export const DEFAULT_SEED = 20250303;
export const DEFAULT_SIZE = 1024 * 1024 * 1024;

// ---------------------------------------------------------------------------------------------
// Small utilities



// Typed-array stores truncate modulo 256, so the shifts below need no masking.
function be16(o: Uint8Array, p: number, v: number): void {
  o[p] = v >>> 8;
  o[p + 1] = v;
}
function be32(o: Uint8Array, p: number, v: number): void {
  o[p] = v >>> 24;
  o[p + 1] = v >>> 16;
  o[p + 2] = v >>> 8;
  o[p + 3] = v;
}
function le16(o: Uint8Array, p: number, v: number): void {
  o[p] = v;
  o[p + 1] = v >>> 8;
}
function le32(o: Uint8Array, p: number, v: number): void {
  o[p] = v;
  o[p + 1] = v >>> 8;
  o[p + 2] = v >>> 16;
  o[p + 3] = v >>> 24;
}
/** Writes a string of code points < 256 (all our constants) without allocating. */
function ascii(o: Uint8Array, p: number, s: string): number {
  for (let i = 0; i < s.length; i++) o[p + i] = s.charCodeAt(i);
  return p + s.length;
}
/** Writes a non-negative integer in decimal, zero-padded to `width`. */
function dec(o: Uint8Array, p: number, n: number, width = 1): number {
  let len = 1;
  for (let t = n; t >= 10; t = Math.floor(t / 10)) len++;
  if (len < width) len = width;
  let q = n;
  for (let i = len - 1; i >= 0; i--) {
    o[p + i] = 48 + (q % 10);
    q = Math.floor(q / 10);
  }
  return p + len;
}
function hex(o: Uint8Array, p: number, n: number, digits: number): number {
  for (let i = digits - 1; i >= 0; i--) {
    const v = n & 15;
    o[p + i] = v < 10 ? 48 + v : 87 + v;
    n >>>= 4;
  }
  return p + digits;
}
/** One's-complement sum of big-endian 16-bit words (not folded). */
function sum16(o: Uint8Array, start: number, end: number): number {
  let s = 0;
  let i = start;
  const even = end - ((end - start) & 1);
  for (; i < even; i += 2) s += (o[i] << 8) | o[i + 1];
  if (i < end) s += o[i] << 8;
  return s;
}
function fold(s: number): number {
  while (s > 0xffff) s = (s & 0xffff) + Math.floor(s / 65536);
  return s;
}
function ipv4(s: string): number {
  const [a, b, c, d] = s.split('.').map(Number);
  return ((a << 24) | (b << 16) | (c << 8) | d) >>> 0;
}
function dnsName(name: string): Uint8Array {
  const parts = name.split('.');
  const out = new Uint8Array(name.length + 2);
  let p = 0;
  for (const part of parts) {
    out[p++] = part.length;
    p = ascii(out, p, part);
  }
  out[p] = 0;
  return out;
}

// ---------------------------------------------------------------------------------------------
// The hospital

interface VlanDef {
  id: number;
  name: string;
  tagged: boolean;
  hosts: number;
  /** Third MAC byte, so a host's role is visible in its (locally administered) MAC. */
  role: number;
  ttl: number;
  v6: boolean;
}

const VLANS: readonly VlanDef[] = [
  { id: 1, name: 'network-mgmt', tagged: false, hosts: 60, role: 0x01, ttl: 255, v6: false },
  { id: 10, name: 'clinical-workstations', tagged: true, hosts: 1150, role: 0x10, ttl: 128, v6: true },
  { id: 20, name: 'imaging-modalities', tagged: true, hosts: 110, role: 0x20, ttl: 64, v6: false },
  { id: 30, name: 'datacenter', tagged: false, hosts: 90, role: 0x30, ttl: 64, v6: false },
  { id: 40, name: 'patient-monitoring', tagged: true, hosts: 650, role: 0x40, ttl: 64, v6: false },
  { id: 50, name: 'infusion-pumps', tagged: true, hosts: 560, role: 0x50, ttl: 64, v6: false },
  { id: 60, name: 'laboratory', tagged: true, hosts: 140, role: 0x60, ttl: 128, v6: false },
  { id: 70, name: 'voice-nurse-call', tagged: true, hosts: 380, role: 0x70, ttl: 64, v6: false },
  { id: 80, name: 'building-systems', tagged: true, hosts: 160, role: 0x80, ttl: 64, v6: false },
  { id: 90, name: 'guest-wifi', tagged: true, hosts: 420, role: 0x90, ttl: 64, v6: false },
  { id: 100, name: 'administration', tagged: true, hosts: 260, role: 0xa0, ttl: 128, v6: true },
  { id: 110, name: 'printers', tagged: true, hosts: 90, role: 0xb0, ttl: 64, v6: false },
];
const V_MGMT = 0, V_WS = 1, V_IMG = 2, V_DC = 3, V_MON = 4, V_PUMP = 5, V_LAB = 6, V_VOICE = 7;
const V_BMS = 8, V_GUEST = 9, V_ADMIN = 10;
const EXTERNAL = 255;

/** Data-centre servers take the first host slots of VLAN 30, in this order. */
const DC_SERVERS = [
  '10.30.0.53', // 0 dns1
  '10.30.0.54', // 1 dns2
  '10.30.0.123', // 2 ntp
  '10.30.10.10', // 3 pacs1
  '10.30.10.11', // 4 pacs2
  '10.30.10.50', // 5 vna archive
  '10.30.20.25', // 6 hl7 interface engine
  '10.30.30.80', // 7 ehr web 1
  '10.30.30.81', // 8 ehr web 2
  '10.30.0.14', // 9 syslog collector
  '10.30.0.99', // 10 monitoring (pings)
  '10.30.0.66', // 11 vulnerability scanner
  '10.30.20.10', // 12 EHR HL7 outbound interface
];
const S_DNS1 = 0, S_DNS2 = 1, S_NTP = 2, S_PACS1 = 3, S_PACS2 = 4, S_ARCHIVE = 5, S_HL7 = 6;
const S_EHR1 = 7, S_EHR2 = 8, S_SYSLOG = 9, S_PINGER = 10, S_SCANNER = 11, S_EHR_IFACE = 12;

const EXTERNAL_SITES: readonly [string, string][] = [
  ['192.0.2.10', 'portal.epic-hosting.example'],
  ['192.0.2.44', 'login.microsoftonline.com'],
  ['192.0.2.45', 'outlook.office365.com'],
  ['198.51.100.7', 'update.medvendor.example'],
  ['198.51.100.20', 'telemetry.infusion-cloud.example'],
  ['198.51.100.31', 'ocsp.digicert.com'],
  ['203.0.113.5', 'www.google.com'],
  ['203.0.113.9', 'teams.microsoft.com'],
  ['203.0.113.80', 'pacs-cloud.radiology.example'],
  ['203.0.113.121', 'api.labcorp.example'],
];

interface DnsEntry {
  wire: Uint8Array;
  ip: number;
  hasV6: boolean;
  nx: boolean;
}
const DNS_ENTRIES: DnsEntry[] = (() => {
  const names = [
    'pacs01.stmarys.local', 'pacs02.stmarys.local', 'ehr.stmarys.local', 'hl7-engine.stmarys.local',
    'ntp1.stmarys.local', 'dc01.stmarys.local', 'dc02.stmarys.local', 'fileserver.stmarys.local',
    'print01.stmarys.local', 'citrix.stmarys.local', 'mail.stmarys.local', 'wsus.stmarys.local',
    'vna.stmarys.local', 'central-station-4.stmarys.local', 'pump-gateway.stmarys.local',
    'lis.stmarys.local', 'ris.stmarys.local', 'wpad.stmarys.local', 'isatap.stmarys.local',
    ...EXTERNAL_SITES.map(([, n]) => n),
    'time.windows.com', 'ctldl.windowsupdate.com', 'settings-win.data.microsoft.com',
    'connectivitycheck.gstatic.com', 'captive.apple.com',
  ];
  return names.map((n, i) => ({
    wire: dnsName(n),
    ip: i < 19 ? ((ipv4('10.30.40.0') + 10 + i) >>> 0) : ((ipv4('203.0.113.128') + i) >>> 0),
    hasV6: i % 3 === 0,
    // wpad and isatap lookups fail in most hospitals, as on most Windows networks.
    nx: n.startsWith('wpad.') || n.startsWith('isatap.'),
  }));
})();

// HL7 and HTTP vocabulary
const LAST = ['SMITH', 'JOHNSON', 'WILLIAMS', 'BROWN', 'JONES', 'GARCIA', 'MILLER', 'DAVIS', 'RODRIGUEZ',
  'MARTINEZ', 'HERNANDEZ', 'LOPEZ', 'GONZALEZ', 'WILSON', 'ANDERSON', 'THOMAS', 'TAYLOR', 'MOORE', 'JACKSON', 'NGUYEN'];
const FIRST = ['JAMES', 'MARY', 'ROBERT', 'PATRICIA', 'JOHN', 'JENNIFER', 'MICHAEL', 'LINDA', 'DAVID', 'ELIZABETH',
  'WILLIAM', 'BARBARA', 'RICHARD', 'SUSAN', 'JOSEPH', 'JESSICA', 'THOMAS', 'SARAH', 'MARIA', 'KAREN'];
const UNITS = ['ICU', 'CCU', 'MED', 'SURG', 'ED', 'ONC', 'PEDS', 'NICU', 'L&D', 'ORTHO'];
const LABS: readonly [string, string, string, number, number][] = [
  ['2345-7', 'GLUCOSE', 'mg/dL', 70, 105], ['2160-0', 'CREATININE', 'mg/dL', 0.6, 1.3],
  ['718-7', 'HEMOGLOBIN', 'g/dL', 12, 16], ['6690-2', 'WBC', '10*3/uL', 4.5, 11],
  ['2951-2', 'SODIUM', 'mmol/L', 136, 145], ['2823-3', 'POTASSIUM', 'mmol/L', 3.5, 5.1],
  ['777-3', 'PLATELETS', '10*3/uL', 150, 400], ['1742-6', 'ALT', 'U/L', 7, 56],
  ['2075-0', 'CHLORIDE', 'mmol/L', 98, 107], ['3094-0', 'BUN', 'mg/dL', 7, 20],
  ['2093-3', 'CHOLESTEROL', 'mg/dL', 125, 200], ['4548-4', 'HBA1C', '%', 4, 5.6],
];
const HTTP_PATHS = ['/ehr/api/v2/patients/', '/ehr/api/v2/orders/', '/ehr/api/v2/vitals/', '/ehr/api/v2/results/',
  '/ehr/api/v2/meds/', '/ehr/static/app.', '/ehr/api/v2/notes/', '/ehr/api/v2/alerts/'];
const SYSLOG_MSGS = [
  'ALARM: occlusion downstream, channel B', 'INFO: infusion started rate=125.0 mL/h', 'WARN: battery low 18%',
  'INFO: drug library v4.12 verified', '%LINK-3-UPDOWN: Interface Gi1/0/24, changed state to up',
  '%DOT1X-5-SUCCESS: Authentication successful for client', 'INFO: bed 12 SpO2 alarm acknowledged',
  'NOTICE: firmware check ok', 'AHU-3 supply air temp 13.2C setpoint 13.0C', 'ERR: HL7 queue depth 12',
];
const MONTH_DAY = 'Mar  3';

interface Modality {
  name: string;
  sopClass: string;
  rows: number;
  cols: number;
  bits: number;
  minImages: number;
  maxImages: number;
}
const MODALITIES: readonly Modality[] = [
  { name: 'CT', sopClass: '1.2.840.10008.5.1.4.1.1.2', rows: 512, cols: 512, bits: 16, minImages: 2, maxImages: 24 },
  { name: 'MR', sopClass: '1.2.840.10008.5.1.4.1.1.4', rows: 256, cols: 256, bits: 16, minImages: 6, maxImages: 48 },
  { name: 'CR', sopClass: '1.2.840.10008.5.1.4.1.1.1', rows: 2048, cols: 2500, bits: 16, minImages: 1, maxImages: 2 },
  { name: 'DX', sopClass: '1.2.840.10008.5.1.4.1.1.1.1', rows: 2500, cols: 3000, bits: 16, minImages: 1, maxImages: 1 },
  { name: 'US', sopClass: '1.2.840.10008.5.1.4.1.1.6.1', rows: 480, cols: 640, bits: 8, minImages: 1, maxImages: 10 },
];
const UID_ROOT = '1.2.826.0.1.3680043.9.7433.';

// ---------------------------------------------------------------------------------------------
// Sessions: each emits one packet per step() and returns false with its last packet.

// Bulk payload is copied from random offsets of these buffers: big enough that images and
// bodies do not visibly repeat, small enough to stay in memory bandwidth's sweet spot.
const NOISE_LEN = 8 * 1024 * 1024;
const TEXT_LEN = 1024 * 1024;
/** Per-session buffer for the protocol-structured head of the current message (HL7, TLS, DICOM). */
const SCRATCH_LEN = 16 * 1024;

const FIN = 0x01, SYN = 0x02, RST = 0x04, PSH = 0x08, ACK = 0x10;

const enum K {
  Dns, Ntp, Icmp, Arp, Syslog, Hl7, Http, Tls, Dicom, Telemetry, Rtp, Scan, Count,
}
const KIND_NAMES = ['dns', 'ntp', 'icmp', 'arp', 'syslog', 'hl7-mllp', 'http', 'tls', 'dicom', 'telemetry', 'rtp', 'syn-scan'];

abstract class Session {
  c = 0;
  s = 0;
  cPort = 0;
  sPort = 0;
  v6 = false;
  tag = 0;
  cMacHi = 0;
  cMacLo = 0;
  sMacHi = 0;
  sMacLo = 0;
  tos = 0;
  flowLabel = 0;
  /** Estimated payload bytes still to come; lets the generator stop starting sessions in time. */
  est = 0;
  /** Packets per scheduling turn: bulk senders go in bursts like a TCP window does. */
  burst = 2;
  abstract readonly kind: K;
  abstract step(g: Generator): boolean;
}

const ST_SYN = 0, ST_SYNACK = 1, ST_ACK3 = 2, ST_DATA = 3, ST_FIN_A = 4, ST_FIN_B = 5, ST_FIN_B2 = 6;
const ST_LAST = 7, ST_RST = 8;
const FRAME_NONE = 0, FRAME_DICOM = 1, FRAME_TLS = 2;

/**
 * A TCP conversation driven by a script of messages (next() sets up the following one). The
 * receiver of a message ACKs every second full segment and at message end unless it answers
 * at once (then the ACK rides on its reply), like a delayed-ACK stack.
 */
abstract class TcpSession extends Session {
  st = ST_SYN;
  cSeq = 0;
  sSeq = 0;
  cWin = 0;
  sWin = 0;
  mss = 1460;
  refused = false;
  closer = 0;
  fourWay = false;
  ackOwed = -1;
  segs = 0;
  // current message
  mDir = 0;
  mPos = 0;
  mWire = 0;
  mHead = 0;
  mData = 0;
  mBodyOff = 0;
  mNoise: Buffer;
  mFrame = FRAME_NONE;
  mFrameCap = 0;
  mFrameHdr = 0;
  scratch: Buffer;
  constructor(g: Generator) {
    super();
    this.scratch = g.takeScratch();
    this.mNoise = g.noise;
  }
  /** Prepares the next message (sets mDir and friends, writes its head into scratch). */
  protected abstract next(g: Generator): boolean;

  /** A message of `head` scratch bytes followed by `body` bytes of noise. */
  protected msg(g: Generator, dir: number, head: number, body: number, text = false): void {
    this.mDir = dir;
    this.mPos = 0;
    this.mHead = head;
    this.mData = head + body;
    this.mWire = head + body;
    this.mNoise = text ? g.text : g.noise;
    this.mBodyOff = g.rng.below(text ? TEXT_LEN : NOISE_LEN);
    this.mFrame = FRAME_NONE;
  }
  /** Like msg() but cut into protocol frames (P-DATA-TF PDUs, TLS records) of `cap` data bytes. */
  protected framed(g: Generator, dir: number, head: number, body: number, kind: number, cap: number): void {
    this.msg(g, dir, head, body);
    const hdr = kind === FRAME_DICOM ? 12 : 5;
    this.mFrame = kind;
    this.mFrameCap = cap;
    this.mFrameHdr = hdr;
    this.mWire = this.mData + Math.ceil(this.mData / cap) * hdr;
  }

  step(g: Generator): boolean {
    if (this.ackOwed >= 0) {
      const side = this.ackOwed;
      this.ackOwed = -1;
      g.tcp(this, side, ACK, 0);
      return true;
    }
    switch (this.st) {
      case ST_SYN:
        g.tcpSyn(this, 0);
        this.cSeq = (this.cSeq + 1) >>> 0;
        this.st = this.refused ? ST_RST : ST_SYNACK;
        return true;
      case ST_RST:
        this.sSeq = 0;
        g.tcp(this, 1, RST | ACK, 0);
        return false;
      case ST_SYNACK:
        g.tcpSyn(this, 1);
        this.sSeq = (this.sSeq + 1) >>> 0;
        this.st = ST_ACK3;
        return true;
      case ST_ACK3:
        g.tcp(this, 0, ACK, 0);
        this.st = this.next(g) ? ST_DATA : ST_FIN_A;
        return true;
      case ST_DATA: {
        const n = Math.min(this.mss, this.mWire - this.mPos);
        const last = this.mPos + n === this.mWire;
        const dir = this.mDir;
        g.tcp(this, dir, last ? PSH | ACK : ACK, n);
        if (dir === 0) this.cSeq = (this.cSeq + n) >>> 0;
        else this.sSeq = (this.sSeq + n) >>> 0;
        this.mPos += n;
        if (last) {
          this.segs = 0;
          if (this.next(g)) {
            if (this.mDir === dir) this.ackOwed = 1 - dir;
          } else {
            this.st = ST_FIN_A;
            if (this.closer === dir) this.ackOwed = 1 - dir;
          }
        } else if (++this.segs >= 2) {
          this.segs = 0;
          this.ackOwed = 1 - dir;
        }
        return true;
      }
      case ST_FIN_A:
        g.tcp(this, this.closer, FIN | ACK, 0);
        this.bumpSeq(this.closer);
        this.st = this.fourWay ? ST_FIN_B : ST_FIN_B2;
        return true;
      case ST_FIN_B:
        g.tcp(this, 1 - this.closer, ACK, 0);
        this.st = ST_FIN_B2;
        return true;
      case ST_FIN_B2:
        g.tcp(this, 1 - this.closer, FIN | ACK, 0);
        this.bumpSeq(1 - this.closer);
        this.st = ST_LAST;
        return true;
      default:
        g.tcp(this, this.closer, ACK, 0);
        return false;
    }
  }
  private bumpSeq(side: number): void {
    if (side === 0) this.cSeq = (this.cSeq + 1) >>> 0;
    else this.sSeq = (this.sSeq + 1) >>> 0;
  }

  /** Copies wire bytes [pos, pos+n) of the current message to o[p..]. */
  fill(g: Generator, o: Buffer, p: number, pos: number, n: number): void {
    if (this.mFrame === FRAME_NONE) {
      this.copyData(o, p, pos, n);
      return;
    }
    const H = this.mFrameHdr;
    const cap = this.mFrameCap;
    const F = H + cap;
    const hdr = g.hdrTmp;
    while (n > 0) {
      const k = Math.floor(pos / F);
      const r = pos - k * F;
      const chunk = Math.min(cap, this.mData - k * cap);
      let m: number;
      if (r < H) {
        if (this.mFrame === FRAME_DICOM) {
          // P-DATA-TF PDU header, then the PDV item header (pcid 1, dataset, last-fragment bit).
          hdr[0] = 0x04;
          hdr[1] = 0;
          be32(hdr, 2, 6 + chunk);
          be32(hdr, 6, 2 + chunk);
          hdr[10] = 1;
          hdr[11] = (k + 1) * cap >= this.mData ? 0x02 : 0x00;
        } else {
          hdr[0] = 0x17;
          hdr[1] = 3;
          hdr[2] = 3;
          be16(hdr, 3, chunk);
        }
        m = Math.min(n, H - r);
        hdr.copy(o, p, r, r + m);
      } else {
        m = Math.min(n, H + chunk - r);
        this.copyData(o, p, k * cap + (r - H), m);
      }
      p += m;
      pos += m;
      n -= m;
    }
  }
  private copyData(o: Buffer, p: number, d: number, n: number): void {
    if (d < this.mHead) {
      const k = Math.min(n, this.mHead - d);
      this.scratch.copy(o, p, d, d + k);
      p += k;
      d += k;
      n -= k;
    }
    const noise = this.mNoise;
    const len = noise.length;
    while (n > 0) {
      const off = (this.mBodyOff + d - this.mHead) % len;
      const k = Math.min(n, len - off);
      noise.copy(o, p, off, off + k);
      p += k;
      d += k;
      n -= k;
    }
  }
}

/** HL7 v2 over MLLP: the client sends ADT/ORU/ORM messages, the engine answers each with an ACK. */
class Hl7Session extends TcpSession {
  readonly kind = K.Hl7;
  left: number;
  ctrl: number;
  awaitingAck = false;
  trigger = 0;
  constructor(g: Generator) {
    super(g);
    this.left = g.rng.range(1, 16);
    this.ctrl = g.rng.range(100000, 999999);
    this.est = this.left * 1300;
  }
  protected next(g: Generator): boolean {
    const o = this.scratch;
    if (this.awaitingAck) {
      this.awaitingAck = false;
      let p = 0;
      o[p++] = 0x0b;
      p = ascii(o, p, 'MSH|^~\\&|CLOVERLEAF|STMARYS|');
      p = ascii(o, p, this.trigger === 2 ? 'LIS' : 'EPIC');
      p = ascii(o, p, '|STMARYS|');
      p = g.hl7Ts(o, p);
      p = ascii(o, p, '||ACK^');
      p = ascii(o, p, this.trigger === 0 ? 'A01' : this.trigger === 1 ? 'O01' : 'R01');
      p = ascii(o, p, '^ACK|ACK');
      p = dec(o, p, this.ctrl);
      p = ascii(o, p, '|P|2.5.1\rMSA|AA|MSG');
      p = dec(o, p, this.ctrl);
      p = ascii(o, p, '\r');
      o[p++] = 0x1c;
      o[p++] = 0x0d;
      this.msg(g, 1, p, 0);
      this.ctrl++;
      return true;
    }
    if (this.left === 0) return false;
    this.left--;
    this.awaitingAck = true;
    this.trigger = g.rng.below(3);
    this.msg(g, 0, this.writeMessage(g), 0);
    return true;
  }
  private writeMessage(g: Generator): number {
    const o = this.scratch;
    const r = g.rng;
    const t = this.trigger;
    let p = 0;
    o[p++] = 0x0b;
    p = ascii(o, p, 'MSH|^~\\&|');
    p = ascii(o, p, t === 2 ? 'LIS' : 'EPIC');
    p = ascii(o, p, '|STMARYS|CLOVERLEAF|STMARYS|');
    p = g.hl7Ts(o, p);
    p = ascii(o, p, t === 0 ? '||ADT^A01^ADT_A01|MSG' : t === 1 ? '||ORM^O01^ORM_O01|MSG' : '||ORU^R01^ORU_R01|MSG');
    p = dec(o, p, this.ctrl);
    p = ascii(o, p, '|P|2.5.1\r');
    if (t === 0) {
      p = ascii(o, p, 'EVN|A01|');
      p = g.hl7Ts(o, p);
      p = ascii(o, p, '\r');
    }
    const mrn = r.range(1000000, 9999999);
    p = ascii(o, p, 'PID|1||');
    p = dec(o, p, mrn);
    p = ascii(o, p, '^^^STMARYS^MR||');
    p = ascii(o, p, r.pick(LAST));
    o[p++] = 0x5e;
    p = ascii(o, p, r.pick(FIRST));
    p = ascii(o, p, '||19');
    p = dec(o, p, r.range(30, 99), 2);
    p = dec(o, p, r.range(1, 12), 2);
    p = dec(o, p, r.range(1, 28), 2);
    p = ascii(o, p, r.chance(0.5) ? '|M|||' : '|F|||');
    p = dec(o, p, r.range(10, 9999));
    p = ascii(o, p, ' MAIN ST^^SPRINGFIELD^IL^62701||(217)555-');
    p = dec(o, p, r.range(0, 9999), 4);
    p = ascii(o, p, '\rPV1|1|I|');
    p = ascii(o, p, r.pick(UNITS));
    o[p++] = 0x5e;
    p = dec(o, p, r.range(100, 499));
    p = ascii(o, p, '^A^STMARYS||||');
    p = dec(o, p, r.range(1000, 9999));
    p = ascii(o, p, '^');
    p = ascii(o, p, r.pick(LAST));
    p = ascii(o, p, '^');
    p = ascii(o, p, r.pick(FIRST));
    p = ascii(o, p, '|||MED||||1|||||V');
    p = dec(o, p, r.range(10000000, 99999999));
    p = ascii(o, p, '\r');
    if (t !== 0) {
      if (t === 1) p = ascii(o, p, 'ORC|NW|ORD');
      else p = ascii(o, p, 'ORC|RE|ORD');
      p = dec(o, p, r.range(100000, 999999));
      p = ascii(o, p, '\rOBR|1|ORD');
      p = dec(o, p, r.range(100000, 999999));
      p = ascii(o, p, '|LAB');
      p = dec(o, p, r.range(100000, 999999));
      p = ascii(o, p, '|24323-8^COMPREHENSIVE METABOLIC PANEL^LN|||');
      p = g.hl7Ts(o, p);
      p = ascii(o, p, '\r');
    }
    if (t === 2) {
      const n = r.range(3, 20);
      for (let i = 1; i <= n; i++) {
        const [loinc, name, unit, lo, hi] = r.pick(LABS);
        const v = lo * (0.7 + r.below(600) / 1000);
        p = ascii(o, p, 'OBX|');
        p = dec(o, p, i);
        p = ascii(o, p, '|NM|');
        p = ascii(o, p, loinc);
        o[p++] = 0x5e;
        p = ascii(o, p, name);
        p = ascii(o, p, '^LN||');
        p = dec(o, p, Math.floor(v));
        o[p++] = 0x2e;
        p = dec(o, p, Math.floor(v * 10) % 10);
        o[p++] = 0x7c;
        p = ascii(o, p, unit);
        o[p++] = 0x7c;
        p = dec(o, p, Math.floor(lo));
        o[p++] = 0x2d;
        p = dec(o, p, Math.floor(hi));
        p = ascii(o, p, v < lo ? '|L|||F|||' : v > hi ? '|H|||F|||' : '|N|||F|||');
        p = g.hl7Ts(o, p);
        p = ascii(o, p, '\r');
      }
    }
    o[p++] = 0x1c;
    o[p++] = 0x0d;
    return p;
  }
}

/** Plain HTTP/1.1 to the EHR web servers, keep-alive, a few requests per connection. */
class HttpSession extends TcpSession {
  readonly kind = K.Http;
  left: number;
  awaitingResponse = false;
  constructor(g: Generator) {
    super(g);
    this.left = g.rng.range(1, 5);
    this.est = this.left * 9000;
    this.burst = 10;
  }
  protected next(g: Generator): boolean {
    const o = this.scratch;
    const r = g.rng;
    if (this.awaitingResponse) {
      this.awaitingResponse = false;
      // Mostly small JSON, sometimes a large bundle or document.
      const body = r.chance(0.05) ? r.range(20000, 150000) : r.range(200, 9000);
      let p = ascii(o, 0, 'HTTP/1.1 200 OK\r\nServer: nginx/1.22.1\r\nDate: Mon, 03 Mar 2025 ');
      p = g.clockText(o, p);
      p = ascii(o, p, ' GMT\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ');
      p = dec(o, p, body);
      p = ascii(o, p, '\r\nCache-Control: no-store\r\nConnection: keep-alive\r\n\r\n');
      this.msg(g, 1, p, body, true);
      return true;
    }
    if (this.left === 0) return false;
    this.left--;
    this.awaitingResponse = true;
    const post = r.chance(0.15);
    const bodyLen = post ? r.range(100, 3000) : 0;
    let p = ascii(o, 0, post ? 'POST ' : 'GET ');
    const path = r.pick(HTTP_PATHS);
    p = ascii(o, p, path);
    if (path.endsWith('.')) {
      p = hex(o, p, r.u32(), 8);
      p = ascii(o, p, '.js');
    } else {
      p = dec(o, p, r.range(1000000, 9999999));
    }
    p = ascii(o, p, ' HTTP/1.1\r\nHost: ehr.stmarys.local\r\nUser-Agent: Mozilla/5.0 (Windows NT 10.0; Win64; x64) ');
    p = ascii(o, p, 'AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0 Safari/537.36\r\nAccept: application/json\r\n');
    p = ascii(o, p, 'Cookie: EHRSESSION=');
    p = hex(o, p, r.u32(), 8);
    p = hex(o, p, r.u32(), 8);
    p = hex(o, p, r.u32(), 8);
    p = ascii(o, p, '\r\nConnection: keep-alive\r\n');
    if (post) {
      p = ascii(o, p, 'Content-Type: application/json\r\nContent-Length: ');
      p = dec(o, p, bodyLen);
      p = ascii(o, p, '\r\n');
    }
    p = ascii(o, p, '\r\n');
    this.msg(g, 0, p, bodyLen, true);
    return true;
  }
}

/** TLS 1.3 to the internet or the EHR: real ClientHello (with SNI) and ServerHello, then records. */
class TlsSession extends TcpSession {
  readonly kind = K.Tls;
  phase = 0;
  left: number;
  sni: string;
  constructor(g: Generator, sni: string) {
    super(g);
    this.sni = sni;
    this.left = g.rng.range(1, 4);
    this.est = 5000 + this.left * 11000;
    this.burst = 10;
  }
  protected next(g: Generator): boolean {
    const o = this.scratch;
    const r = g.rng;
    switch (this.phase++) {
      case 0:
        this.msg(g, 0, g.writeClientHello(o, this.sni), 0);
        return true;
      case 1: {
        let p = g.writeServerHello(o);
        const enc = r.range(2500, 5200); // EncryptedExtensions + Certificate + CertificateVerify + Finished
        p = ascii(o, p, '\x14\x03\x03\x00\x01\x01\x17\x03\x03');
        be16(o, p, enc);
        this.msg(g, 1, p + 2, enc);
        return true;
      }
      case 2: {
        // Client Finished and the first request share one flight.
        const len = 53 + r.range(200, 900);
        ascii(o, 0, '\x14\x03\x03\x00\x01\x01\x17\x03\x03');
        be16(o, 9, len);
        this.msg(g, 0, 11, len);
        return true;
      }
      default:
        if (this.phase % 2 === 0) {
          // Server response: a train of full-size records.
          const body = r.chance(0.05) ? r.range(20000, 200000) : r.range(300, 12000);
          this.framed(g, 1, 0, body, FRAME_TLS, 16401);
          if (--this.left === 0) this.phase = 100;
          return true;
        }
        if (this.phase > 100) return false;
        {
          const len = r.range(120, 1400);
          ascii(o, 0, '\x17\x03\x03');
          be16(o, 3, len);
          this.msg(g, 0, 5, len);
        }
        return true;
    }
  }
}

/** A DICOM C-STORE association: A-ASSOCIATE, per image a command PDU, the dataset, a C-STORE-RSP. */
class DicomSession extends TcpSession {
  readonly kind = K.Dicom;
  phase = 0;
  images: number;
  image = 0;
  mod: Modality;
  maxPdu: number;
  study: number;
  pixelBytes: number;
  called: string;
  calling: string;
  constructor(g: Generator, called: string, calling: string) {
    super(g);
    const r = g.rng;
    // Small captures (--size) cannot hold a 15 MB radiograph without being mostly that one
    // association, so one association is capped at a fraction of the target size.
    const cap = g.maxSessionBytes;
    let mod = r.pick(MODALITIES);
    if ((mod.rows * mod.cols * mod.bits) / 8 > cap) {
      const fits = MODALITIES.filter((m) => (m.rows * m.cols * m.bits) / 8 <= cap);
      mod = fits.length ? r.pick(fits) : MODALITIES[1];
    }
    this.mod = mod;
    const bytes = (mod.rows * mod.cols * mod.bits) / 8;
    this.images = Math.min(r.range(mod.minImages, mod.maxImages), Math.max(1, Math.floor(cap / bytes)));
    this.maxPdu = r.chance(0.7) ? 16384 : r.chance(0.5) ? 32768 : 65536;
    this.study = r.range(1, 999999999);
    this.pixelBytes = (this.mod.rows * this.mod.cols * this.mod.bits) / 8;
    this.est = this.images * this.pixelBytes;
    this.called = called;
    this.calling = calling;
    this.burst = 16;
  }
  protected next(g: Generator): boolean {
    const o = this.scratch;
    switch (this.phase) {
      case 0:
        this.phase = 1;
        this.msg(g, 0, g.writeAssociateRq(o, this.called, this.calling, this.mod.sopClass, this.maxPdu), 0);
        return true;
      case 1:
        this.phase = 2;
        this.msg(g, 1, g.writeAssociateAc(o, this.called, this.calling, this.maxPdu), 0);
        return true;
      case 2: {
        this.phase = 3;
        this.image++;
        this.msg(g, 0, g.writeCStoreRq(o, this.mod.sopClass, this.study, this.image), 0);
        return true;
      }
      case 3: {
        this.phase = 4;
        const head = g.writeDatasetHead(o, this.mod, this.study, this.image, this.pixelBytes);
        // PDU length counts the 6-byte PDV header plus data, so a PDU carries maxPdu - 6 data bytes.
        this.framed(g, 0, head, this.pixelBytes, FRAME_DICOM, this.maxPdu - 6);
        return true;
      }
      case 4:
        this.phase = this.image < this.images ? 2 : 5;
        this.msg(g, 1, g.writeCStoreRsp(o, this.mod.sopClass, this.study, this.image), 0);
        return true;
      case 5:
        this.phase = 6;
        this.msg(g, 0, ascii(o, 0, '\x05\x00\x00\x00\x00\x04\x00\x00\x00\x00'), 0);
        return true;
      case 6:
        this.phase = 7;
        this.msg(g, 1, ascii(o, 0, '\x06\x00\x00\x00\x00\x04\x00\x00\x00\x00'), 0);
        return true;
      default:
        return false;
    }
  }
}

/** SYN to a port nobody listens on: answered by RST/ACK (a scanner or a misconfigured device). */
class ScanSession extends TcpSession {
  readonly kind = K.Scan;
  constructor(g: Generator) {
    super(g);
    this.refused = true;
  }
  protected next(): boolean {
    return false;
  }
}

abstract class UdpSession extends Session {
  i = 0;
  n = 2;
  protected abstract dirOf(i: number): number;
  /** Writes datagram `i`'s payload at o[p..] and returns its length. */
  protected abstract payload(g: Generator, o: Buffer, p: number, i: number): number;
  step(g: Generator): boolean {
    const dir = this.dirOf(this.i);
    const l4 = g.begin(this, dir);
    const o = g.out;
    be16(o, l4, dir ? this.sPort : this.cPort);
    be16(o, l4 + 2, dir ? this.cPort : this.sPort);
    o[l4 + 6] = 0;
    o[l4 + 7] = 0;
    const n = this.payload(g, o, l4 + 8, this.i);
    be16(o, l4 + 4, 8 + n);
    g.end(this, dir, 17, 8 + n);
    g.consume(this, n);
    return ++this.i < this.n;
  }
}

class DnsSession extends UdpSession {
  readonly kind = K.Dns;
  id: number;
  entry: DnsEntry;
  constructor(g: Generator) {
    super();
    this.id = g.rng.below(65536);
    this.entry = g.rng.pick(DNS_ENTRIES);
    // Dual-stack resolvers ask for A and AAAA on the same socket.
    this.n = g.rng.chance(0.3) ? 4 : 2;
    this.est = this.n * 60;
  }
  protected dirOf(i: number): number {
    return i & 1;
  }
  protected payload(_g: Generator, o: Buffer, p: number, i: number): number {
    const e = this.entry;
    const aaaa = i >= 2;
    const start = p;
    const answer = (i & 1) === 1;
    be16(o, p, (this.id + (i >> 1)) & 0xffff);
    const rcode = answer && e.nx ? 3 : 0;
    be16(o, p + 2, answer ? 0x8180 | rcode : 0x0100);
    be16(o, p + 4, 1);
    const an = answer && !e.nx && (!aaaa || e.hasV6) ? 1 : 0;
    be16(o, p + 6, an);
    be16(o, p + 8, 0);
    be16(o, p + 10, 0);
    p += 12;
    o.set(e.wire, p);
    p += e.wire.length;
    be16(o, p, aaaa ? 28 : 1);
    be16(o, p + 2, 1);
    p += 4;
    if (an) {
      be16(o, p, 0xc00c);
      be16(o, p + 2, aaaa ? 28 : 1);
      be16(o, p + 4, 1);
      be32(o, p + 6, 300);
      if (aaaa) {
        be16(o, p + 10, 16);
        be32(o, p + 12, 0xfd564f4c);
        be32(o, p + 16, 0x0000001e);
        be32(o, p + 20, 0);
        be32(o, p + 24, e.ip);
        p += 28;
      } else {
        be16(o, p + 10, 4);
        be32(o, p + 12, e.ip);
        p += 16;
      }
    }
    return p - start;
  }
}

class NtpSession extends UdpSession {
  readonly kind = K.Ntp;
  sentSec = 0;
  sentFrac = 0;
  constructor(g: Generator) {
    super();
    this.n = 2 * g.rng.range(1, 3);
    this.est = this.n * 48;
  }
  protected dirOf(i: number): number {
    return i & 1;
  }
  protected payload(g: Generator, o: Buffer, p: number, i: number): number {
    o.fill(0, p, p + 48);
    const sec = g.ntpSec();
    const frac = g.ntpFrac();
    if ((i & 1) === 0) {
      o[p] = 0x23; // LI 0, version 4, mode 3 (client)
      o[p + 2] = 6;
      o[p + 3] = 0xe9;
      be32(o, p + 40, sec);
      be32(o, p + 44, frac);
      this.sentSec = sec;
      this.sentFrac = frac;
    } else {
      o[p] = 0x24; // mode 4 (server)
      o[p + 1] = 2;
      o[p + 2] = 6;
      o[p + 3] = 0xe9;
      be32(o, p + 4, 0x00000210);
      be32(o, p + 8, 0x00000840);
      be32(o, p + 12, ipv4('10.1.0.250'));
      be32(o, p + 16, sec - 37);
      be32(o, p + 24, this.sentSec);
      be32(o, p + 28, this.sentFrac);
      be32(o, p + 32, sec);
      be32(o, p + 36, frac);
      be32(o, p + 40, sec);
      be32(o, p + 44, (frac + 4096) >>> 0);
    }
    return 48;
  }
}

class SyslogSession extends UdpSession {
  readonly kind = K.Syslog;
  constructor(g: Generator) {
    super();
    this.n = g.rng.range(1, 6);
    this.est = this.n * 80;
  }
  protected dirOf(): number {
    return 0;
  }
  protected payload(g: Generator, o: Buffer, p: number): number {
    const start = p;
    const r = g.rng;
    p = ascii(o, p, '<');
    p = dec(o, p, r.pick([131, 132, 134, 189]));
    p = ascii(o, p, '>');
    p = ascii(o, p, MONTH_DAY);
    o[p++] = 0x20;
    p = g.clockText(o, p);
    p = ascii(o, p, ' dev-');
    p = dec(o, p, this.c, 4);
    p = ascii(o, p, ' app[');
    p = dec(o, p, r.range(100, 9999));
    p = ascii(o, p, ']: ');
    p = ascii(o, p, r.pick(SYSLOG_MSGS));
    return p - start;
  }
}

/** Patient monitor to central station: steady small binary datagrams, an occasional reply. */
class TelemetrySession extends UdpSession {
  readonly kind = K.Telemetry;
  seq: number;
  constructor(g: Generator) {
    super();
    this.n = g.rng.range(20, 160);
    this.est = this.n * 350;
    this.seq = g.rng.below(65536);
  }
  protected dirOf(i: number): number {
    return i % 10 === 9 ? 1 : 0;
  }
  protected payload(g: Generator, o: Buffer, p: number, i: number): number {
    const len = i % 10 === 9 ? 32 : 120 + g.rng.below(560);
    const off = g.rng.below(NOISE_LEN - len);
    g.noise.copy(o, p, off, off + len);
    be16(o, p, 0xe100); // message type marker
    be16(o, p + 2, (this.seq + i) & 0xffff);
    be16(o, p + 4, len);
    return len;
  }
}

/** G.711 RTP both ways between two phones: many 214-byte frames, the small-packet stress. */
class RtpSession extends UdpSession {
  readonly kind = K.Rtp;
  seq0: number;
  seq1: number;
  ts0: number;
  ts1: number;
  ssrc0: number;
  ssrc1: number;
  constructor(g: Generator) {
    super();
    const r = g.rng;
    this.n = 2 * r.range(100, 1000);
    this.est = this.n * 172;
    this.seq0 = r.below(65536);
    this.seq1 = r.below(65536);
    this.ts0 = r.u32();
    this.ts1 = r.u32();
    this.ssrc0 = r.u32();
    this.ssrc1 = r.u32();
    this.burst = 4;
  }
  protected dirOf(i: number): number {
    return i & 1;
  }
  protected payload(g: Generator, o: Buffer, p: number, i: number): number {
    const k = i >> 1;
    o[p] = 0x80;
    o[p + 1] = k === 0 ? 0x80 : 0x00; // marker on the first packet, PT 0 (PCMU)
    const dir = i & 1;
    be16(o, p + 2, ((dir ? this.seq1 : this.seq0) + k) & 0xffff);
    be32(o, p + 4, ((dir ? this.ts1 : this.ts0) + k * 160) >>> 0);
    be32(o, p + 8, dir ? this.ssrc1 : this.ssrc0);
    const off = g.rng.below(NOISE_LEN - 160);
    g.noise.copy(o, p + 12, off, off + 160);
    return 172;
  }
}

/** ICMP (or ICMPv6) echo request/reply pairs from the monitoring server, Linux ping style. */
class IcmpSession extends Session {
  readonly kind = K.Icmp;
  i = 0;
  n: number;
  id: number;
  constructor(g: Generator) {
    super();
    this.n = 2 * g.rng.range(1, 4);
    this.id = g.rng.below(65536);
    this.est = this.n * 64;
  }
  step(g: Generator): boolean {
    const dir = this.i & 1;
    const l4 = g.begin(this, dir);
    const o = g.out;
    o[l4] = this.v6 ? (dir ? 129 : 128) : dir ? 0 : 8;
    o[l4 + 1] = 0;
    o[l4 + 2] = 0;
    o[l4 + 3] = 0;
    be16(o, l4 + 4, this.id);
    be16(o, l4 + 6, (this.i >> 1) + 1);
    be32(o, l4 + 8, Math.floor(g.clock / 1e6));
    be32(o, l4 + 12, g.clock % 1e6);
    for (let j = 16; j < 64; j++) o[l4 + j] = j;
    g.end(this, dir, this.v6 ? 58 : 1, 64);
    g.consume(this, 64);
    return ++this.i < this.n;
  }
}

/** A host resolving its default gateway. */
class ArpSession extends Session {
  readonly kind = K.Arp;
  i = 0;
  step(g: Generator): boolean {
    g.arp(this, this.i);
    return ++this.i < 2;
  }
}

// ---------------------------------------------------------------------------------------------

export interface GenerateStats {
  bytes: number;
  packets: number;
  sessions: Record<string, number>;
  /** Share of the file's record bytes per session kind, in percent. */
  bytesPercent: Record<string, number>;
  taggedFrames: number;
  ipv6Packets: number;
  durationSeconds: number;
  elapsedSeconds: number;
}

const OUT_LEN = 16 * 1024 * 1024;
const MAX_RECORD = 16 + 1518;
const POOL = 256;
const START_US = Date.UTC(2025, 2, 3, 8, 0, 0) * 1000;
/** Mean gap between packets: ~0.3 ms puts a 1 GiB capture at ~6 minutes of traffic. */
const MEAN_GAP_US = 300;

class Generator {
  readonly rng: Rng;
  readonly out = Buffer.alloc(OUT_LEN);
  readonly noise: Buffer;
  readonly text: Buffer;
  readonly hdrTmp = Buffer.alloc(16);
  clock = START_US;
  private pos = 0;
  private rec = 0;
  private l3 = 0;
  private flushed = 0;
  private pending = 0;
  private scratchPool: Buffer[] = [];
  packets = 0;
  tagged = 0;
  v6Packets = 0;
  readonly kindCounts = new Array<number>(K.Count).fill(0);
  readonly kindBytes = new Float64Array(K.Count);

  // hosts (index-addressed typed arrays: no per-host objects on the hot path)
  readonly hostCount: number;
  readonly ip: Uint32Array;
  readonly vlan: Uint8Array;
  readonly macHi: Uint16Array;
  readonly macLo: Uint32Array;
  readonly ttl: Uint8Array;
  readonly ipId: Uint16Array;
  readonly nextPort: Uint16Array;
  readonly v6addr: Uint8Array;
  readonly hasV6: Uint8Array;
  readonly vlanStart: number[] = [];
  readonly externalStart: number;
  private uidSerial = 1;
  readonly maxSessionBytes: number;

  constructor(
    seed: number,
    private readonly target: number,
    private readonly fd: number,
    private readonly onProgress: (written: number) => void,
  ) {
    this.rng = new Rng(seed);
    this.maxSessionBytes = Math.max(target / 48, 256 * 1024);
    const r = this.rng;
    this.noise = Buffer.alloc(NOISE_LEN);
    for (let i = 0; i < NOISE_LEN; i += 4) this.noise.writeUInt32LE(r.u32(), i);
    // Printable JSON-ish text so HTTP bodies look like text to content sniffers.
    this.text = Buffer.alloc(TEXT_LEN);
    const words = ['{"id":', '"status":"final",', '"value":', '"unit":"mg/dL",', '"patient":{"mrn":"', '"}', '},',
      '"code":"', '"display":"', '"ts":"2025-03-03T08:', '[', ']', '12', '345', '98.6', 'true', 'null'];
    for (let p = 0; p < TEXT_LEN;) {
      const w = r.pick(words);
      for (let j = 0; j < w.length && p < TEXT_LEN; j++) this.text[p++] = w.charCodeAt(j);
    }

    let n = 0;
    for (const v of VLANS) {
      this.vlanStart.push(n);
      n += v.hosts;
    }
    this.externalStart = n;
    n += EXTERNAL_SITES.length;
    this.hostCount = n;
    this.ip = new Uint32Array(n);
    this.vlan = new Uint8Array(n);
    this.macHi = new Uint16Array(n);
    this.macLo = new Uint32Array(n);
    this.ttl = new Uint8Array(n);
    this.ipId = new Uint16Array(n);
    this.nextPort = new Uint16Array(n);
    this.v6addr = new Uint8Array(n * 16);
    this.hasV6 = new Uint8Array(n);
    VLANS.forEach((v, vi) => {
      for (let k = 0; k < v.hosts; k++) {
        const h = this.vlanStart[vi] + k;
        this.ip[h] = ((10 << 24) | (v.id << 16) | ((1 + Math.floor(k / 250)) << 8) | (1 + (k % 250))) >>> 0;
        this.vlan[h] = vi;
        // 02:56 = locally administered; third byte = role; the rest numbers the host.
        this.macHi[h] = 0x0256;
        this.macLo[h] = ((v.role << 24) | h) >>> 0;
        this.ttl[h] = v.ttl;
        this.hasV6[h] = v.v6 ? 1 : 0;
      }
    });
    DC_SERVERS.forEach((a, k) => {
      this.ip[this.vlanStart[V_DC] + k] = ipv4(a);
    });
    this.hasV6[this.vlanStart[V_DC] + S_DNS1] = 1;
    this.hasV6[this.vlanStart[V_DC] + S_EHR1] = 1;
    this.ip[this.vlanStart[V_MON]] = ipv4('10.40.0.2'); // central station
    EXTERNAL_SITES.forEach(([a], k) => {
      const h = this.externalStart + k;
      this.ip[h] = ipv4(a);
      this.vlan[h] = EXTERNAL;
      this.ttl[h] = 52;
    });
    for (let h = 0; h < n; h++) {
      this.ipId[h] = r.below(65536);
      this.nextPort[h] = 49152 + r.below(12000);
      // ULA prefix fd56:4f4c:0:<vlan>::/64 with an EUI-64 interface id from the MAC.
      const a = this.v6addr;
      const p = h * 16;
      be32(a, p, 0xfd564f4c);
      be32(a, p + 4, this.vlan[h] === EXTERNAL ? 0 : VLANS[this.vlan[h]].id);
      a[p + 8] = (this.macHi[h] >>> 8) ^ 0x02;
      a[p + 9] = this.macHi[h];
      a[p + 10] = this.macLo[h] >>> 24;
      a[p + 11] = 0xff;
      a[p + 12] = 0xfe;
      a[p + 13] = this.macLo[h] >>> 16;
      a[p + 14] = this.macLo[h] >>> 8;
      a[p + 15] = this.macLo[h];
    }
  }

  takeScratch(): Buffer {
    return this.scratchPool.pop() ?? Buffer.alloc(SCRATCH_LEN);
  }

  // ----- time helpers
  ntpSec(): number {
    return (Math.floor(this.clock / 1e6) + 2208988800) >>> 0;
  }
  ntpFrac(): number {
    return Math.floor(((this.clock % 1e6) / 1e6) * 4294967296) >>> 0;
  }
  /** HH:MM:SS of the capture clock (UTC). */
  clockText(o: Uint8Array, p: number): number {
    const t = Math.floor(this.clock / 1e6) % 86400;
    p = dec(o, p, Math.floor(t / 3600), 2);
    o[p++] = 0x3a;
    p = dec(o, p, Math.floor(t / 60) % 60, 2);
    o[p++] = 0x3a;
    return dec(o, p, t % 60, 2);
  }
  hl7Ts(o: Uint8Array, p: number): number {
    const t = Math.floor(this.clock / 1e6) % 86400;
    p = ascii(o, p, '20250303');
    p = dec(o, p, Math.floor(t / 3600), 2);
    p = dec(o, p, Math.floor(t / 60) % 60, 2);
    return dec(o, p, t % 60, 2);
  }

  // ----- session placement
  private host(vi: number): number {
    const v = VLANS[vi];
    // Skip the well-known server slots when drawing ordinary data-centre clients.
    const skip = vi === V_DC ? DC_SERVERS.length : vi === V_MON ? 1 : 0;
    return this.vlanStart[vi] + skip + this.rng.below(v.hosts - skip);
  }
  private server(k: number): number {
    return this.vlanStart[V_DC] + k;
  }
  private anyInternal(): number {
    return this.rng.below(this.externalStart);
  }
  private ephemeral(h: number): number {
    const p = this.nextPort[h];
    this.nextPort[h] = p >= 65535 ? 49152 : p + 1;
    return p;
  }
  /** Sets endpoints, MACs and the VLAN tag as a SPAN on the client's access VLAN would see them. */
  private place(s: Session, c: number, srv: number, cPort: number, sPort: number, v6: boolean): void {
    s.c = c;
    s.s = srv;
    s.cPort = cPort;
    s.sPort = sPort;
    s.v6 = v6;
    const cv = this.vlan[c];
    const sv = this.vlan[srv];
    let obs = cv !== EXTERNAL && (cv !== V_DC || sv === EXTERNAL) ? cv : sv;
    // The sensor also gets the data-centre switch's SPAN (untagged): some client-server
    // conversations are seen there, at the server's access port, instead of on the client's VLAN.
    if (sv === V_DC && obs !== V_DC && this.rng.chance(0.2)) obs = V_DC;
    const def = VLANS[obs];
    s.tag = def.tagged ? def.id : 0;
    // Off-VLAN peers are reached through the HSRP virtual MAC of the observed VLAN's gateway.
    if (cv === obs) {
      s.cMacHi = this.macHi[c];
      s.cMacLo = this.macLo[c];
    } else {
      s.cMacHi = 0x0000;
      s.cMacLo = (0x0c07ac00 | (def.id & 0xff)) >>> 0;
    }
    if (sv === obs) {
      s.sMacHi = this.macHi[srv];
      s.sMacLo = this.macLo[srv];
    } else {
      s.sMacHi = 0x0000;
      s.sMacLo = (0x0c07ac00 | (def.id & 0xff)) >>> 0;
    }
    if (v6) s.flowLabel = this.rng.below(1 << 20);
  }
  private tcpInit(s: TcpSession): void {
    const r = this.rng;
    s.cSeq = r.u32();
    s.sSeq = r.u32();
    s.cWin = r.range(256, 2053);
    s.sWin = r.range(256, 2053);
    s.mss = s.v6 ? 1440 : 1460;
    s.closer = r.chance(0.7) ? 0 : 1;
    s.fourWay = r.chance(0.3);
  }

  private spawn(): Session {
    const r = this.rng;
    const x = r.below(10000);
    let s: Session;
    // Weights are per ten thousand sessions; they give ~50k conversations per GiB with DICOM
    // carrying about half of the bytes, as in a hospital where imaging dominates volume.
    if (x < 3600) {
      const d = new DnsSession(this);
      const c = r.chance(0.4) ? this.host(V_WS) : this.anyInternal();
      const v6 = this.hasV6[c] === 1 && r.chance(0.15);
      this.place(d, c, this.server(v6 || r.chance(0.6) ? S_DNS1 : S_DNS2), this.ephemeral(c), 53, v6);
      s = d;
    } else if (x < 4000) {
      const d = new NtpSession(this);
      const c = this.anyInternal();
      this.place(d, c, this.server(S_NTP), r.chance(0.5) ? 123 : this.ephemeral(c), 123, false);
      s = d;
    } else if (x < 4400) {
      const d = new IcmpSession(this);
      const c = this.host(r.chance(0.5) ? V_WS : V_ADMIN);
      if (r.chance(0.25)) this.place(d, c, this.server(S_EHR1), 0, 0, true);
      else this.place(d, this.server(S_PINGER), this.anyInternal(), 0, 0, false);
      s = d;
    } else if (x < 4700) {
      const d = new ArpSession();
      const c = this.anyInternal();
      this.place(d, c, c, 0, 0, false);
      s = d;
    } else if (x < 5300) {
      const d = new SyslogSession(this);
      const c = this.host(r.pick([V_MGMT, V_MON, V_PUMP, V_BMS, V_PUMP]));
      this.place(d, c, this.server(S_SYSLOG), this.ephemeral(c), 514, false);
      s = d;
    } else if (x < 6700) {
      const d = new Hl7Session(this);
      const c = r.chance(0.65) ? this.host(V_LAB) : this.server(S_EHR_IFACE);
      this.place(d, c, this.server(S_HL7), this.ephemeral(c), 2575, false);
      this.tcpInit(d);
      s = d;
    } else if (x < 7900) {
      const d = new HttpSession(this);
      const c = this.host(r.chance(0.75) ? V_WS : V_ADMIN);
      const v6 = this.hasV6[c] === 1 && r.chance(0.1);
      this.place(d, c, this.server(v6 || r.chance(0.5) ? S_EHR1 : S_EHR2), this.ephemeral(c), r.chance(0.7) ? 80 : 8080, v6);
      this.tcpInit(d);
      s = d;
    } else if (x < 9400) {
      const c = this.host(r.pick([V_WS, V_WS, V_ADMIN, V_GUEST, V_GUEST, V_PUMP]));
      let srv: number;
      let sni: string;
      if (r.chance(0.3)) {
        srv = this.server(S_EHR1);
        sni = 'ehr.stmarys.local';
      } else {
        const k = r.below(EXTERNAL_SITES.length);
        srv = this.externalStart + k;
        sni = EXTERNAL_SITES[k][1];
      }
      const d = new TlsSession(this, sni);
      const v6 = srv === this.server(S_EHR1) && this.hasV6[c] === 1 && r.chance(0.1);
      this.place(d, c, srv, this.ephemeral(c), 443, v6);
      this.tcpInit(d);
      s = d;
    } else if (x < 9412) {
      let c: number;
      let srv: number;
      if (r.chance(0.8)) {
        c = this.host(V_IMG);
        srv = this.server(r.chance(0.6) ? S_PACS1 : S_PACS2);
      } else {
        c = this.server(S_PACS1);
        srv = this.server(S_ARCHIVE);
      }
      const called = srv === this.server(S_ARCHIVE) ? 'VNA_ARCHIVE' : 'PACS_STORE';
      const d = new DicomSession(this, called, c === this.server(S_PACS1) ? 'PACS_FWD' : 'MOD' + (c & 0xfff).toString(16).toUpperCase());
      this.place(d, c, srv, this.ephemeral(c), 104, false);
      this.tcpInit(d);
      s = d;
    } else if (x < 9700) {
      const d = new TelemetrySession(this);
      const c = this.host(V_MON);
      this.place(d, c, this.vlanStart[V_MON], this.ephemeral(c), 24105, false);
      s = d;
    } else if (x < 9780) {
      const d = new RtpSession(this);
      const a = this.host(V_VOICE);
      let b = this.host(V_VOICE);
      if (b === a) b = a === this.vlanStart[V_VOICE] ? a + 1 : a - 1;
      this.place(d, a, b, 16384 + 2 * r.below(8192), 16384 + 2 * r.below(8192), false);
      d.tos = 0xb8; // DSCP EF
      s = d;
    } else {
      const d = new ScanSession(this);
      const port = r.pick([21, 22, 23, 135, 139, 445, 1433, 3389, 5900, 8443, 9100, 161]);
      this.place(d, this.server(S_SCANNER), this.anyInternal(), this.ephemeral(this.server(S_SCANNER)), port, false);
      this.tcpInit(d);
      s = d;
    }
    this.kindCounts[s.kind]++;
    this.pending += s.est;
    return s;
  }

  private retire(s: Session): void {
    this.pending -= s.est;
    if (s instanceof TcpSession) this.scratchPool.push(s.scratch);
  }

  consume(s: Session, n: number): void {
    const k = n < s.est ? n : s.est;
    s.est -= k;
    this.pending -= k;
  }

  run(): void {
    const pool: Session[] = [];
    for (let i = 0; i < POOL; i++) pool.push(this.spawn());
    let spawning = true;
    while (pool.length > 0) {
      if (spawning && this.flushed + this.pos + this.pending >= this.target) spawning = false;
      const idx = this.rng.below(pool.length);
      const s = pool[idx];
      let burst = s.burst > 1 ? 1 + this.rng.below(s.burst) : 1;
      let alive = true;
      while (burst-- > 0 && alive) alive = s.step(this);
      if (!alive) {
        this.retire(s);
        if (spawning) pool[idx] = this.spawn();
        else {
          pool[idx] = pool[pool.length - 1];
          pool.pop();
        }
      }
    }
    this.flush();
  }

  get written(): number {
    return this.flushed + this.pos;
  }

  private flush(): void {
    let off = 0;
    while (off < this.pos) off += writeSync(this.fd, this.out, off, this.pos - off);
    this.flushed += this.pos;
    this.pos = 0;
    this.onProgress(this.flushed);
  }

  writeGlobalHeader(): void {
    const o = this.out;
    le32(o, 0, 0xa1b2c3d4);
    le16(o, 4, 2);
    le16(o, 6, 4);
    le32(o, 8, 0);
    le32(o, 12, 0);
    le32(o, 16, 65535);
    le32(o, 20, 1); // LINKTYPE_ETHERNET
    this.pos = 24;
  }

  // ----- packet assembly: begin() writes record header + L2 and returns the L4 offset;
  // the caller writes L4 with a zero checksum; end() writes L3 and both checksums.
  begin(s: Session, dir: number): number {
    if (this.pos > OUT_LEN - MAX_RECORD) this.flush();
    const o = this.out;
    let p = this.pos;
    this.rec = p;
    this.clock += 1 + this.rng.below(2 * MEAN_GAP_US);
    const sec = Math.floor(this.clock / 1e6);
    le32(o, p, sec);
    le32(o, p + 4, this.clock - sec * 1e6);
    p += 16;
    if (dir === 0) {
      be16(o, p, s.sMacHi);
      be32(o, p + 2, s.sMacLo);
      be16(o, p + 6, s.cMacHi);
      be32(o, p + 8, s.cMacLo);
    } else {
      be16(o, p, s.cMacHi);
      be32(o, p + 2, s.cMacLo);
      be16(o, p + 6, s.sMacHi);
      be32(o, p + 8, s.sMacLo);
    }
    p += 12;
    if (s.tag !== 0) {
      o[p] = 0x81;
      o[p + 1] = 0x00;
      // Voice gets 802.1p priority 5, everything else best effort.
      be16(o, p + 2, s.tos === 0xb8 ? 0xa000 | s.tag : s.tag);
      p += 4;
      this.tagged++;
    }
    be16(o, p, s.v6 ? 0x86dd : 0x0800);
    p += 2;
    this.l3 = p;
    return p + (s.v6 ? 40 : 20);
  }

  end(s: Session, dir: number, proto: number, l4len: number): void {
    const o = this.out;
    const l3 = this.l3;
    const src = dir ? s.s : s.c;
    const dst = dir ? s.c : s.s;
    let l4: number;
    let sum: number;
    if (!s.v6) {
      l4 = l3 + 20;
      o[l3] = 0x45;
      o[l3 + 1] = s.tos;
      be16(o, l3 + 2, 20 + l4len);
      const id = (this.ipId[src] + 1) & 0xffff;
      this.ipId[src] = id;
      be16(o, l3 + 4, id);
      o[l3 + 6] = proto === 6 ? 0x40 : 0;
      o[l3 + 7] = 0;
      o[l3 + 8] = this.ttl[src];
      o[l3 + 9] = proto;
      o[l3 + 10] = 0;
      o[l3 + 11] = 0;
      be32(o, l3 + 12, this.ip[src]);
      be32(o, l3 + 16, this.ip[dst]);
      be16(o, l3 + 10, ~fold(sum16(o, l3, l3 + 20)));
      sum = proto === 1 ? 0 : sum16(o, l3 + 12, l3 + 20) + proto + l4len;
    } else {
      l4 = l3 + 40;
      be32(o, l3, 0x60000000 | s.flowLabel);
      be16(o, l3 + 4, l4len);
      o[l3 + 6] = proto;
      o[l3 + 7] = 64;
      const a = this.v6addr;
      for (let i = 0, ps = src * 16, pd = dst * 16; i < 16; i++) {
        o[l3 + 8 + i] = a[ps + i];
        o[l3 + 24 + i] = a[pd + i];
      }
      sum = sum16(o, l3 + 8, l3 + 40) + proto + l4len;
      this.v6Packets++;
    }
    const ck = proto === 6 ? 16 : proto === 17 ? 6 : 2;
    let c = ~fold(sum + sum16(o, l4, l4 + l4len)) & 0xffff;
    if (c === 0 && proto === 17) c = 0xffff; // zero means "no checksum" in UDP
    be16(o, l4 + ck, c);
    this.kindBytes[s.kind] += this.finishFrame(l4 + l4len);
  }

  /** Pads, fills in the record lengths, and returns the record's size in the file. */
  private finishFrame(end: number): number {
    const o = this.out;
    const frame = this.rec + 16;
    // Frames below the Ethernet minimum arrive padded, as they do from a SPAN port.
    if (end - frame < 60) {
      o.fill(0, end, frame + 60);
      end = frame + 60;
    }
    le32(o, this.rec + 8, end - frame);
    le32(o, this.rec + 12, end - frame);
    this.pos = end;
    this.packets++;
    return end - this.rec;
  }

  tcpSyn(s: TcpSession, dir: number): void {
    const l4 = this.begin(s, dir);
    const o = this.out;
    be16(o, l4, dir ? s.sPort : s.cPort);
    be16(o, l4 + 2, dir ? s.cPort : s.sPort);
    be32(o, l4 + 4, dir ? s.sSeq : s.cSeq);
    be32(o, l4 + 8, dir ? s.cSeq : 0);
    o[l4 + 12] = 0x80;
    o[l4 + 13] = dir ? SYN | ACK : SYN;
    be16(o, l4 + 14, dir ? 65160 : 64240);
    be32(o, l4 + 16, 0);
    // MSS, NOP NOP SACK-permitted, NOP window-scale 7
    be16(o, l4 + 20, 0x0204);
    be16(o, l4 + 22, s.mss);
    be32(o, l4 + 24, 0x01010402);
    be32(o, l4 + 28, 0x01030307);
    this.end(s, dir, 6, 32);
  }

  tcp(s: TcpSession, dir: number, flags: number, n: number): void {
    const l4 = this.begin(s, dir);
    const o = this.out;
    be16(o, l4, dir ? s.sPort : s.cPort);
    be16(o, l4 + 2, dir ? s.cPort : s.sPort);
    be32(o, l4 + 4, dir ? s.sSeq : s.cSeq);
    be32(o, l4 + 8, flags & ACK ? (dir ? s.cSeq : s.sSeq) : 0);
    o[l4 + 12] = 0x50;
    o[l4 + 13] = flags;
    be16(o, l4 + 14, flags & RST ? 0 : dir ? s.sWin : s.cWin);
    be32(o, l4 + 16, 0);
    if (n > 0) {
      s.fill(this, o, l4 + 20, s.mPos, n);
      this.consume(s, n);
    }
    this.end(s, dir, 6, 20 + n);
  }

  arp(s: Session, i: number): void {
    if (this.pos > OUT_LEN - MAX_RECORD) this.flush();
    const o = this.out;
    let p = this.pos;
    this.rec = p;
    this.clock += 1 + this.rng.below(2 * MEAN_GAP_US);
    const sec = Math.floor(this.clock / 1e6);
    le32(o, p, sec);
    le32(o, p + 4, this.clock - sec * 1e6);
    p += 16;
    const h = s.c;
    const gwLo = (0x0c07ac00 | (VLANS[this.vlan[h]].id & 0xff)) >>> 0;
    const gwIp = ((this.ip[h] & 0xffff0000) | 1) >>> 0;
    if (i === 0) {
      be16(o, p, 0xffff);
      be32(o, p + 2, 0xffffffff);
      be16(o, p + 6, s.cMacHi);
      be32(o, p + 8, s.cMacLo);
    } else {
      be16(o, p, s.cMacHi);
      be32(o, p + 2, s.cMacLo);
      be16(o, p + 6, 0);
      be32(o, p + 8, gwLo);
    }
    p += 12;
    if (s.tag !== 0) {
      be16(o, p, 0x8100);
      be16(o, p + 2, s.tag);
      p += 4;
      this.tagged++;
    }
    be16(o, p, 0x0806);
    be32(o, p + 2, 0x00010800);
    be32(o, p + 6, 0x06040000 | (i + 1));
    p += 10;
    if (i === 0) {
      be16(o, p, s.cMacHi);
      be32(o, p + 2, s.cMacLo);
      be32(o, p + 6, this.ip[h]);
      o.fill(0, p + 10, p + 16);
      be32(o, p + 16, gwIp);
    } else {
      be16(o, p, 0);
      be32(o, p + 2, gwLo);
      be32(o, p + 6, gwIp);
      be16(o, p + 10, s.cMacHi);
      be32(o, p + 12, s.cMacLo);
      be32(o, p + 16, this.ip[h]);
    }
    this.kindBytes[s.kind] += this.finishFrame(p + 20);
  }

  // ----- application payload builders (write into a session's scratch)

  writeClientHello(o: Buffer, sni: string): number {
    const r = this.rng;
    let p = ascii(o, 0, '\x16\x03\x01\x00\x00\x01\x00\x00\x00\x03\x03');
    for (let i = 0; i < 8; i++, p += 4) be32(o, p, r.u32());
    o[p++] = 32;
    for (let i = 0; i < 8; i++, p += 4) be32(o, p, r.u32());
    p = ascii(o, p, '\x00\x1e\x13\x01\x13\x02\x13\x03\xc0\x2b\xc0\x2f\xc0\x2c\xc0\x30\xcc\xa9\xcc\xa8\xc0\x13\xc0\x14' +
      '\x00\x9c\x00\x9d\x00\x2f\x00\x35\x01\x00');
    const extStart = p;
    p += 2;
    // server_name
    be16(o, p, 0x0000);
    be16(o, p + 2, sni.length + 5);
    be16(o, p + 4, sni.length + 3);
    o[p + 6] = 0;
    be16(o, p + 7, sni.length);
    p = ascii(o, p + 9, sni);
    p = ascii(o, p, '\x00\x0b\x00\x02\x01\x00' + // ec_point_formats
      '\x00\x0a\x00\x08\x00\x06\x00\x1d\x00\x17\x00\x18' + // supported_groups
      '\x00\x23\x00\x00' + // session_ticket
      '\x00\x10\x00\x0e\x00\x0c\x02h2\x08http/1.1' + // ALPN
      '\x00\x0d\x00\x12\x00\x10\x04\x03\x08\x04\x04\x01\x05\x03\x08\x05\x05\x01\x08\x06\x06\x01' +
      '\x00\x2b\x00\x05\x04\x03\x04\x03\x03' + // supported_versions
      '\x00\x2d\x00\x02\x01\x01' + // psk_key_exchange_modes
      '\x00\x33\x00\x26\x00\x24\x00\x1d\x00\x20'); // key_share x25519
    for (let i = 0; i < 8; i++, p += 4) be32(o, p, r.u32());
    be16(o, extStart, p - extStart - 2);
    be16(o, 3, p - 5);
    o[6] = (p - 9) >>> 16;
    be16(o, 7, p - 9);
    return p;
  }

  writeServerHello(o: Buffer): number {
    const r = this.rng;
    let p = ascii(o, 0, '\x16\x03\x03\x00\x7a\x02\x00\x00\x76\x03\x03');
    for (let i = 0; i < 8; i++, p += 4) be32(o, p, r.u32());
    o[p++] = 32;
    for (let i = 0; i < 8; i++, p += 4) be32(o, p, r.u32());
    p = ascii(o, p, '\x13\x01\x00\x00\x2e\x00\x2b\x00\x02\x03\x04\x00\x33\x00\x24\x00\x1d\x00\x20');
    for (let i = 0; i < 8; i++, p += 4) be32(o, p, r.u32());
    return p;
  }

  private aeTitle(o: Buffer, p: number, t: string): number {
    o.fill(0x20, p, p + 16);
    ascii(o, p, t.slice(0, 16));
    return p + 16;
  }
  private item(o: Buffer, p: number, type: number, s: string): number {
    o[p] = type;
    o[p + 1] = 0;
    be16(o, p + 2, s.length);
    return ascii(o, p + 4, s);
  }

  writeAssociateRq(o: Buffer, called: string, calling: string, sopClass: string, maxPdu: number): number {
    o[0] = 0x01;
    o[1] = 0;
    let p = 6;
    be16(o, p, 1);
    be16(o, p + 2, 0);
    p = this.aeTitle(o, p + 4, called);
    p = this.aeTitle(o, p, calling);
    o.fill(0, p, p + 32);
    p += 32;
    p = this.item(o, p, 0x10, '1.2.840.10008.3.1.1.1');
    const pc = p;
    o[p] = 0x20;
    o[p + 1] = 0;
    be32(o, p + 4, 0x01000000);
    p = this.item(o, p + 8, 0x30, sopClass);
    p = this.item(o, p, 0x40, '1.2.840.10008.1.2');
    p = this.item(o, p, 0x40, '1.2.840.10008.1.2.1');
    be16(o, pc + 2, p - pc - 4);
    p = this.userInfo(o, p, maxPdu);
    be32(o, 2, p - 6);
    return p;
  }

  writeAssociateAc(o: Buffer, called: string, calling: string, maxPdu: number): number {
    o[0] = 0x02;
    o[1] = 0;
    let p = 6;
    be16(o, p, 1);
    be16(o, p + 2, 0);
    p = this.aeTitle(o, p + 4, called);
    p = this.aeTitle(o, p, calling);
    o.fill(0, p, p + 32);
    p += 32;
    p = this.item(o, p, 0x10, '1.2.840.10008.3.1.1.1');
    const pc = p;
    o[p] = 0x21;
    o[p + 1] = 0;
    be32(o, p + 4, 0x01000000); // pcid 1, result 0 (acceptance)
    p = this.item(o, p + 8, 0x40, '1.2.840.10008.1.2');
    be16(o, pc + 2, p - pc - 4);
    p = this.userInfo(o, p, maxPdu);
    be32(o, 2, p - 6);
    return p;
  }

  private userInfo(o: Buffer, p: number, maxPdu: number): number {
    const ui = p;
    o[p] = 0x50;
    o[p + 1] = 0;
    p += 4;
    o[p] = 0x51;
    o[p + 1] = 0;
    be16(o, p + 2, 4);
    be32(o, p + 4, maxPdu);
    p = this.item(o, p + 8, 0x52, '1.2.826.0.1.3680043.9.7433.1.1');
    p = this.item(o, p, 0x55, 'VIGIL_BENCH_1');
    be16(o, ui + 2, p - ui - 4);
    return p;
  }

  /** Implicit VR little endian element with a text value padded to even length. */
  private elText(o: Buffer, p: number, group: number, elem: number, v: string, pad: number): number {
    le16(o, p, group);
    le16(o, p + 2, elem);
    const len = v.length + (v.length & 1);
    le32(o, p + 4, len);
    p = ascii(o, p + 8, v);
    if (v.length & 1) o[p++] = pad;
    return p;
  }
  private elUid(o: Buffer, p: number, group: number, elem: number, prefix: string, a: number, b: number): number {
    le16(o, p, group);
    le16(o, p + 2, elem);
    const start = p + 8;
    let q = ascii(o, start, prefix);
    q = dec(o, q, a);
    if (b >= 0) {
      o[q++] = 0x2e;
      q = dec(o, q, b);
    }
    if ((q - start) & 1) o[q++] = 0;
    le32(o, p + 4, q - start);
    return q;
  }
  private elUs(o: Buffer, p: number, group: number, elem: number, v: number): number {
    le16(o, p, group);
    le16(o, p + 2, elem);
    le32(o, p + 4, 2);
    le16(o, p + 8, v);
    return p + 10;
  }

  /** P-DATA-TF holding one whole command set (PDV flags: command, last fragment). */
  private commandPdu(o: Buffer, body: (p: number) => number): number {
    o[0] = 0x04;
    o[1] = 0;
    o[10] = 1;
    o[11] = 0x03;
    // (0000,0000) group length, filled in below
    le16(o, 12, 0);
    le16(o, 14, 0);
    le32(o, 16, 4);
    const end = body(24);
    le32(o, 20, end - 24);
    be32(o, 2, end - 6);
    be32(o, 6, end - 10);
    return end;
  }

  writeCStoreRq(o: Buffer, sopClass: string, study: number, image: number): number {
    const msgId = image;
    return this.commandPdu(o, (p) => {
      p = this.elText(o, p, 0, 0x0002, sopClass, 0);
      p = this.elUs(o, p, 0, 0x0100, 0x0001);
      p = this.elUs(o, p, 0, 0x0110, msgId);
      p = this.elUs(o, p, 0, 0x0700, 0);
      p = this.elUs(o, p, 0, 0x0800, 0);
      return this.elUid(o, p, 0, 0x1000, UID_ROOT + '2.', study, image);
    });
  }

  writeCStoreRsp(o: Buffer, sopClass: string, study: number, image: number): number {
    return this.commandPdu(o, (p) => {
      p = this.elText(o, p, 0, 0x0002, sopClass, 0);
      p = this.elUs(o, p, 0, 0x0100, 0x8001);
      p = this.elUs(o, p, 0, 0x0120, image);
      p = this.elUs(o, p, 0, 0x0800, 0x0101);
      p = this.elUs(o, p, 0, 0x0900, 0);
      return this.elUid(o, p, 0, 0x1000, UID_ROOT + '2.', study, image);
    });
  }

  writeDatasetHead(o: Buffer, m: Modality, study: number, image: number, pixelBytes: number): number {
    const r = this.rng;
    let p = this.elText(o, 0, 0x0008, 0x0016, m.sopClass, 0);
    p = this.elUid(o, p, 0x0008, 0x0018, UID_ROOT + '2.', study, image);
    p = this.elText(o, p, 0x0008, 0x0020, '20250303', 0x20);
    p = this.elText(o, p, 0x0008, 0x0060, m.name, 0x20);
    p = this.elText(o, p, 0x0008, 0x0070, r.pick(['SIEMENS', 'GE MEDICAL SYSTEMS', 'Philips', 'CANON_MEC']), 0x20);
    p = this.elText(o, p, 0x0010, 0x0010, LAST[study % LAST.length] + '^' + FIRST[(study >> 5) % FIRST.length], 0x20);
    p = this.elUid(o, p, 0x0010, 0x0020, 'MRN', study % 10000000, -1);
    p = this.elUid(o, p, 0x0020, 0x000d, UID_ROOT + '1.', study, -1);
    p = this.elUid(o, p, 0x0020, 0x000e, UID_ROOT + '3.', study, this.uidSerial++);
    p = this.elUid(o, p, 0x0020, 0x0013, '', image, -1);
    p = this.elUs(o, p, 0x0028, 0x0002, 1);
    p = this.elText(o, p, 0x0028, 0x0004, 'MONOCHROME2', 0x20);
    p = this.elUs(o, p, 0x0028, 0x0010, m.rows);
    p = this.elUs(o, p, 0x0028, 0x0011, m.cols);
    p = this.elUs(o, p, 0x0028, 0x0100, m.bits);
    p = this.elUs(o, p, 0x0028, 0x0101, m.bits === 16 ? 12 : 8);
    p = this.elUs(o, p, 0x0028, 0x0102, m.bits === 16 ? 11 : 7);
    p = this.elUs(o, p, 0x0028, 0x0103, 0);
    le16(o, p, 0x7fe0);
    le16(o, p + 2, 0x0010);
    le32(o, p + 4, pixelBytes);
    return p + 8;
  }

  stats(elapsed: number): GenerateStats {
    const sessions: Record<string, number> = {};
    const bytesPercent: Record<string, number> = {};
    KIND_NAMES.forEach((n, i) => {
      sessions[n] = this.kindCounts[i];
      bytesPercent[n] = (100 * this.kindBytes[i]) / this.written;
    });
    return {
      bytes: this.written,
      packets: this.packets,
      sessions,
      bytesPercent,
      taggedFrames: this.tagged,
      ipv6Packets: this.v6Packets,
      durationSeconds: (this.clock - START_US) / 1e6,
      elapsedSeconds: elapsed,
    };
  }
}

// ---------------------------------------------------------------------------------------------
// Cache and CLI

/** "64MiB", "1GiB", "500MB", "1e9": binary units for k/m/g and KiB/MiB/GiB, decimal for KB/MB/GB. */
export function parseSize(s: string): number {
  const m = /^\s*(\d+(?:\.\d+)?(?:e\d+)?)\s*([kmgt]?)(i?)(b?)\s*$/i.exec(s);
  if (!m) throw new Error(`bad size: ${s}`);
  const unit = m[2].toLowerCase();
  const pow = unit === '' ? 0 : 'kmgt'.indexOf(unit) + 1;
  const binary = m[3] !== '' || m[4] === '';
  return Math.round(Number(m[1]) * (binary ? 1024 : 1000) ** pow);
}

export function formatSize(n: number): string {
  for (const [u, v] of [['GiB', 2 ** 30], ['MiB', 2 ** 20], ['KiB', 2 ** 10]] as const) {
    if (n >= v && n % v === 0) return `${n / v}${u}`;
  }
  return `${n}B`;
}

export function repoRoot(): string {
  let d = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(d, 'package.json'))) return d;
    d = dirname(d);
  }
  throw new Error('cannot find the repository root (package.json) above ' + fileURLToPath(import.meta.url));
}

export function cacheDir(): string {
  return join(repoRoot(), 'bench', '.cache');
}

export function capturePath(size: number, seed: number): string {
  return join(cacheDir(), `hospital-v${GENERATOR_VERSION}-seed${seed}-${formatSize(size)}.pcap`);
}

export function generateCapture(path: string, size: number, seed: number, log: (s: string) => void = (s) => process.stderr.write(s)): GenerateStats {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.partial-${process.pid}`;
  const fd = openSync(tmp, 'w');
  const t0 = process.hrtime.bigint();
  const tty = process.stderr.isTTY;
  let nextReport = 0;
  const step = Math.max(size / 20, 16 * 1024 * 1024);
  const progress = (written: number): void => {
    if (written < nextReport) return;
    nextReport = written + step;
    const secs = Number(process.hrtime.bigint() - t0) / 1e9;
    const pct = Math.min(100, (100 * written) / size);
    const line = `generating ${path}: ${(written / 2 ** 20).toFixed(0)}/${(size / 2 ** 20).toFixed(0)} MiB ` +
      `(${pct.toFixed(0)}%) ${(written / 1e6 / Math.max(secs, 1e-9)).toFixed(0)} MB/s`;
    log(tty ? `\r${line}` : `${line}\n`);
  };
  let g: Generator;
  try {
    g = new Generator(seed, size, fd, progress);
    g.writeGlobalHeader();
    g.run();
  } catch (e) {
    closeSync(fd);
    unlinkSync(tmp);
    throw e;
  }
  closeSync(fd);
  renameSync(tmp, path);
  const elapsed = Number(process.hrtime.bigint() - t0) / 1e9;
  const st = g.stats(elapsed);
  if (tty) log('\n');
  log(`generated ${(st.bytes / 2 ** 20).toFixed(1)} MiB, ${st.packets} packets in ${elapsed.toFixed(1)} s ` +
    `(${(st.bytes / 1e6 / elapsed).toFixed(0)} MB/s); ${(st.durationSeconds / 60).toFixed(1)} min of traffic, ` +
    `${((100 * st.taggedFrames) / st.packets).toFixed(0)}% 802.1Q-tagged, ${st.ipv6Packets} IPv6 packets\n`);
  log(`sessions: ${Object.entries(st.sessions).map(([k, v]) => `${k} ${v}`).join(', ')}\n`);
  log(`bytes: ${Object.entries(st.bytesPercent).map(([k, v]) => `${k} ${v.toFixed(1)}%`).join(', ')}\n`);
  return st;
}

/** Returns the cached capture for (size, seed), generating it first if it is absent. */
export function ensureCapture(size: number, seed: number, log?: (s: string) => void): { path: string; generated: boolean } {
  const path = capturePath(size, seed);
  if (existsSync(path) && statSync(path).size > 0) return { path, generated: false };
  generateCapture(path, size, seed, log);
  return { path, generated: true };
}

function main(argv: string[]): void {
  let size = DEFAULT_SIZE;
  let seed = DEFAULT_SEED;
  let force = false;
  let out: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const val = (): string => {
      const v = a.includes('=') ? a.slice(a.indexOf('=') + 1) : argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a.startsWith('--size')) size = parseSize(val());
    else if (a.startsWith('--seed')) seed = Number(val()) >>> 0;
    else if (a === '--force') force = true;
    else if (a.startsWith('--out')) out = resolve(val());
    else if (a === '-h' || a === '--help') {
      process.stdout.write('usage: generate-capture [--size 1GiB] [--seed N] [--force] [--out FILE]\n');
      return;
    } else throw new Error(`unknown argument: ${a}`);
  }
  const path = out ?? capturePath(size, seed);
  if (!force && existsSync(path)) {
    process.stdout.write(`${path} (cached)\n`);
    return;
  }
  generateCapture(path, size, seed);
  process.stdout.write(`${path}\n`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2));
}
