import { IPPROTO_TCP, L3_IPV4, L3_IPV6, TCP_ACK, TCP_FIN, TCP_PSH, TCP_RST, TCP_SYN, TCP_URG, type DecodedPacket } from '../../decode/decoded-packet.js';

/*
 * The p0f v3 view of a SYN or SYN+ACK: what the sender's TCP/IP stack chose for itself before it knew
 * anything of its peer. Field meanings and quirk rules follow p0f 3.09b's README ("sig = ver:ittl:olen:
 * mss:wsize,scale:olayout:quirks:pclass") and its packet parser, so that the signature Vigil prints for a
 * packet is the `raw_sig` p0f prints for it (test/protocols/tcp-fingerprint.test.ts checks that on real
 * captures).
 */

export const QUIRK_DF = 1 << 0; // "df": don't fragment set
export const QUIRK_NZ_ID = 1 << 1; // "id+": DF set but IP ID non-zero
export const QUIRK_ZERO_ID = 1 << 2; // "id-": DF not set but IP ID zero
export const QUIRK_ECN = 1 << 3; // "ecn": explicit congestion notification support
export const QUIRK_NZ_MBZ = 1 << 4; // "0+": the IPv4 "must be zero" flag set
export const QUIRK_FLOW = 1 << 5; // "flow": non-zero IPv6 flow label
export const QUIRK_ZERO_SEQ = 1 << 6; // "seq-": sequence number zero
export const QUIRK_NZ_ACK = 1 << 7; // "ack+": ACK number non-zero, ACK flag not set
export const QUIRK_ZERO_ACK = 1 << 8; // "ack-": ACK number zero, ACK flag set
export const QUIRK_NZ_URG = 1 << 9; // "uptr+": URG pointer non-zero, URG flag not set
export const QUIRK_URG = 1 << 10; // "urgf+": URG flag used
export const QUIRK_PUSH = 1 << 11; // "pushf+": PUSH flag used
export const QUIRK_OPT_ZERO_TS1 = 1 << 12; // "ts1-": own timestamp zero
export const QUIRK_OPT_NZ_TS2 = 1 << 13; // "ts2+": non-zero peer timestamp on an initial SYN
export const QUIRK_OPT_EOL_NZ = 1 << 14; // "opt+": non-zero data after EOL
export const QUIRK_OPT_EXWS = 1 << 15; // "exws": window scale above 14
export const QUIRK_OPT_BAD = 1 << 16; // "bad": malformed TCP options

/** The quirks in p0f's printing order, with their names. */
export const QUIRK_NAMES: readonly (readonly [number, string])[] = [
  [QUIRK_DF, 'df'],
  [QUIRK_NZ_ID, 'id+'],
  [QUIRK_ZERO_ID, 'id-'],
  [QUIRK_ECN, 'ecn'],
  [QUIRK_NZ_MBZ, '0+'],
  [QUIRK_FLOW, 'flow'],
  [QUIRK_ZERO_SEQ, 'seq-'],
  [QUIRK_NZ_ACK, 'ack+'],
  [QUIRK_ZERO_ACK, 'ack-'],
  [QUIRK_NZ_URG, 'uptr+'],
  [QUIRK_URG, 'urgf+'],
  [QUIRK_PUSH, 'pushf+'],
  [QUIRK_OPT_ZERO_TS1, 'ts1-'],
  [QUIRK_OPT_NZ_TS2, 'ts2+'],
  [QUIRK_OPT_EOL_NZ, 'opt+'],
  [QUIRK_OPT_EXWS, 'exws'],
  [QUIRK_OPT_BAD, 'bad'],
];

/** "IPv6 quirks" a signature scoped to both versions ignores on IPv4, and the reverse. */
export const QUIRKS_IPV6_ONLY = QUIRK_FLOW;
export const QUIRKS_IPV4_ONLY = QUIRK_DF | QUIRK_NZ_ID | QUIRK_ZERO_ID;

export const TCPOPT_EOL = 0;
export const TCPOPT_NOP = 1;
export const TCPOPT_MSS = 2;
export const TCPOPT_WSCALE = 3;
export const TCPOPT_SACKOK = 4;
export const TCPOPT_SACK = 5;
export const TCPOPT_TIMESTAMP = 8;

/** p0f keeps at most this many options of a header (config.h MAX_TCP_OPT). */
export const MAX_TCP_OPTIONS = 24;

const IP4_DF = 0x4000;
const IP4_MBZ = 0x8000;
const IP_TOS_ECN_BITS = 0x03;
const TCP_ECE = 0x40;
const TCP_CWR = 0x80;
const TCP_NS = 0x100;

/** One packet's signature. Reused from packet to packet: copy what you keep. */
export class TcpSignature {
  /** 4 or 6. */
  ipVersion = 4;
  ttl = 0;
  /** Length of IPv4 options (always 0 for IPv6, as in p0f). */
  ipOptionsLength = 0;
  quirks = 0;
  /** Option kinds in order, `optionCount` of them. */
  readonly optionLayout = new Uint8Array(MAX_TCP_OPTIONS);
  optionCount = 0;
  /** Bytes after an EOL option. */
  eolPadding = 0;
  /** 0 when the packet carries no MSS option. */
  mss = 0;
  wscale = 0;
  window = 0;
  /** 1 when the segment carries payload. */
  payloadClass = 0;
  /** IP plus TCP header length. */
  headerLength = 0;
  /** The sender's timestamp value (TSval), 0 when absent. */
  ts1 = 0;
  /** True for a SYN+ACK, false for a SYN. */
  synAck = false;
}

/**
 * Reads `p` into `sig` if it is a SYN or SYN+ACK that p0f would fingerprint: not a fragment, IPv4 or IPv6
 * with TCP right after the fixed header (p0f does not walk IPv6 extension headers), captured whole, and no
 * FIN or RST with the SYN. Returns false otherwise; never throws.
 */
export function readTcpSignature(p: DecodedPacket, sig: TcpSignature): boolean {
  if (p.ipProto !== IPPROTO_TCP || p.reassembled || p.fragment) return false;
  const flags = p.tcpFlags;
  const type = flags & (TCP_SYN | TCP_ACK | TCP_FIN | TCP_RST);
  if (type !== TCP_SYN && type !== (TCP_SYN | TCP_ACK)) return false;
  const buf = p.buf;
  const ip = p.l3Offset;
  const tcp = p.l4Offset;
  const captured = p.frameOffset + p.frameLength;
  if (buf !== p.frame || tcp + 20 > captured) return false;
  let quirks = 0;
  let end: number;
  if (p.l3 === L3_IPV4) {
    const ihl = (buf[ip] & 0x0f) * 4;
    if (buf[ip] >> 4 !== 4 || tcp !== ip + ihl) return false;
    const total = (buf[ip + 2] << 8) | buf[ip + 3];
    // p0f trusts the IP length, and leaves a packet the capture cut short.
    if (total < ihl + 20 || ip + total > captured) return false;
    end = ip + total;
    sig.ipVersion = 4;
    sig.ipOptionsLength = ihl - 20;
    const flagsOffset = (buf[ip + 6] << 8) | buf[ip + 7];
    if ((buf[ip + 1] & IP_TOS_ECN_BITS) !== 0) quirks |= QUIRK_ECN;
    if ((flagsOffset & IP4_MBZ) !== 0) quirks |= QUIRK_NZ_MBZ;
    const id = (buf[ip + 4] << 8) | buf[ip + 5];
    if ((flagsOffset & IP4_DF) !== 0) {
      quirks |= QUIRK_DF;
      if (id !== 0) quirks |= QUIRK_NZ_ID;
    } else if (id === 0) quirks |= QUIRK_ZERO_ID;
    sig.headerLength = ihl;
  } else if (p.l3 === L3_IPV6) {
    if (buf[ip] >> 4 !== 6 || tcp !== ip + 40 || buf[ip + 6] !== IPPROTO_TCP) return false;
    const total = 40 + ((buf[ip + 4] << 8) | buf[ip + 5]);
    if (total < 60 || ip + total > captured) return false;
    end = ip + total;
    sig.ipVersion = 6;
    sig.ipOptionsLength = 0;
    const verTos = buf.readUInt32BE(ip);
    if ((verTos & 0xfffff) !== 0) quirks |= QUIRK_FLOW;
    if (((verTos >>> 20) & IP_TOS_ECN_BITS) !== 0) quirks |= QUIRK_ECN;
    sig.headerLength = 40;
  } else return false;

  const dataOffset = (buf[tcp + 12] >> 4) * 4;
  if (dataOffset < 20 || tcp + dataOffset > end) return false;
  sig.headerLength += dataOffset;
  sig.ttl = p.ttl;
  sig.window = p.tcpWindow;
  sig.synAck = type !== TCP_SYN;
  if ((flags & (TCP_ECE | TCP_CWR | TCP_NS)) !== 0) quirks |= QUIRK_ECN;
  if (p.tcpSeq === 0) quirks |= QUIRK_ZERO_SEQ;
  if ((flags & TCP_ACK) !== 0) {
    if (p.tcpAck === 0) quirks |= QUIRK_ZERO_ACK;
  } else if (p.tcpAck !== 0) quirks |= QUIRK_NZ_ACK;
  if ((flags & TCP_URG) !== 0) quirks |= QUIRK_URG;
  else if (((buf[tcp + 18] << 8) | buf[tcp + 19]) !== 0) quirks |= QUIRK_NZ_URG;
  if ((flags & TCP_PSH) !== 0) quirks |= QUIRK_PUSH;
  sig.payloadClass = end - tcp - dataOffset > 0 ? 1 : 0;
  sig.quirks = quirks | readOptions(buf, tcp + 20, tcp + dataOffset, sig);
  return true;
}

/** p0f's option walk; returns the option quirks and fills layout, MSS, scale and TSval. */
function readOptions(buf: Buffer, start: number, end: number, sig: TcpSignature): number {
  let quirks = 0;
  let count = 0;
  let pos = start;
  sig.eolPadding = 0;
  sig.mss = 0;
  sig.wscale = 0;
  sig.ts1 = 0;
  const layout = sig.optionLayout;
  let aborted = false;
  while (pos < end && count < MAX_TCP_OPTIONS) {
    const kind = buf[pos++];
    layout[count++] = kind;
    if (kind === TCPOPT_EOL) {
      sig.eolPadding = end - pos;
      while (pos < end && buf[pos++] === 0);
      // As p0f 3.09b reads it: a non-zero byte counts only when more padding follows it.
      if (pos !== end) {
        quirks |= QUIRK_OPT_EOL_NZ;
        pos = end;
      }
      continue;
    }
    if (kind === TCPOPT_NOP) continue;
    if (kind === TCPOPT_MSS) {
      if (pos + 3 > end) {
        aborted = true;
        break;
      }
      if (buf[pos] !== 4) quirks |= QUIRK_OPT_BAD;
      sig.mss = (buf[pos + 1] << 8) | buf[pos + 2];
      pos += 3;
    } else if (kind === TCPOPT_WSCALE) {
      if (pos + 2 > end) {
        aborted = true;
        break;
      }
      if (buf[pos] !== 3) quirks |= QUIRK_OPT_BAD;
      sig.wscale = buf[pos + 1];
      if (sig.wscale > 14) quirks |= QUIRK_OPT_EXWS;
      pos += 2;
    } else if (kind === TCPOPT_SACKOK) {
      if (pos + 1 > end) {
        aborted = true;
        break;
      }
      if (buf[pos] !== 2) quirks |= QUIRK_OPT_BAD;
      pos += 1;
    } else if (kind === TCPOPT_TIMESTAMP) {
      if (pos + 9 > end) {
        aborted = true;
        break;
      }
      if (buf[pos] !== 10) quirks |= QUIRK_OPT_BAD;
      sig.ts1 = buf.readUInt32BE(pos + 1);
      if (sig.ts1 === 0) quirks |= QUIRK_OPT_ZERO_TS1;
      if (!sig.synAck && buf.readUInt32BE(pos + 5) !== 0) quirks |= QUIRK_OPT_NZ_TS2;
      pos += 9;
    } else {
      // SACK (10..34 bytes) and unknown options (2..40) carry their own length.
      if (pos === end) {
        aborted = true;
        break;
      }
      const len = buf[pos];
      const min = kind === TCPOPT_SACK ? 10 : 2;
      const max = kind === TCPOPT_SACK ? 34 : 40;
      if (len < min || len > max || pos - 1 + len > end) {
        aborted = true;
        break;
      }
      pos += len - 1;
    }
  }
  sig.optionCount = count;
  if (aborted || pos !== end) quirks |= QUIRK_OPT_BAD;
  return quirks;
}
