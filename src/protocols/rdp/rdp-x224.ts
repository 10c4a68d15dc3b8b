/**
 * The first PDU of each side of an RDP connection ([MS-RDPBCGR] 2.2.1.1, 2.2.1.2): a TPKT (RFC 1006:
 * version 3, reserved, 16-bit length) carrying an X.224 Connection Request (client) or Connection Confirm
 * (server) TPDU (ISO 8073: length indicator, code 0xE0 or 0xD0, dst-ref, src-ref, class), then for the
 * request an optional `Cookie: mstshash=<name>\r\n` or routing token and an optional RDP_NEG_REQ; for the
 * confirm an optional RDP_NEG_RSP or RDP_NEG_FAILURE. All reads are bounded by the TPDU.
 */
export const TPKT_HEADER = 4;
const X224_FIXED = 7;
export const X224_CR = 0xe0;
export const X224_CC = 0xd0;
const TYPE_NEG_REQ = 1;
const TYPE_NEG_RSP = 2;
const COOKIE = 'Cookie: mstshash=';
const CRLF_CR = 0x0d;
const CRLF_LF = 0x0a;

/** [MS-RDPBCGR] 2.2.1.1.1 requestedProtocols / 2.2.1.2.1 selectedProtocol flags, low bit first. */
const PROTOCOL_NAMES: ReadonlyArray<readonly [number, string]> = [
  [0x01, 'tls'],
  [0x02, 'credssp'],
  [0x04, 'rdstls'],
  [0x08, 'credssp_early_auth'],
  [0x10, 'rdsaad'],
];

/** The protocol names of a requestedProtocols mask; 0 (PROTOCOL_RDP) is `standard`. */
export function protocolNames(mask: number): string[] {
  const names = mask === 0 ? ['standard'] : [];
  for (const [bit, name] of PROTOCOL_NAMES) if ((mask & bit) !== 0) names.push(name);
  if ((mask & ~0x1f) !== 0) names.push(`0x${(mask >>> 0).toString(16)}`);
  return names;
}

/** The name of a selectedProtocol value (one of the flags, or 0). */
export function selectedName(value: number): string {
  if (value === 0) return 'standard';
  for (const [bit, name] of PROTOCOL_NAMES) if (value === bit) return name;
  return `0x${(value >>> 0).toString(16)}`;
}

export interface ConnectionRequest {
  cookie: boolean;
  /** requestedProtocols, or null without an RDP_NEG_REQ (then only standard RDP security is possible). */
  requested: number | null;
}

/** The TPDU code of a TPKT `buf[0..n)` holding X.224, or -1. */
export function x224Code(buf: Buffer, n: number): number {
  if (n < TPKT_HEADER + X224_FIXED || buf[0] !== 3 || buf[1] !== 0) return -1;
  const li = buf[TPKT_HEADER];
  if (li < X224_FIXED - 1 || TPKT_HEADER + 1 + li > n) return -1;
  return buf[TPKT_HEADER + 1] & 0xf0;
}

/** A Connection Request in the whole TPKT `buf[0..n)`, or null if it is not one. */
export function parseConnectionRequest(buf: Buffer, n: number): ConnectionRequest | null {
  if (x224Code(buf, n) !== X224_CR) return null;
  const end = TPKT_HEADER + 1 + buf[TPKT_HEADER];
  let pos = TPKT_HEADER + X224_FIXED;
  let cookie = false;
  // A cookie or routing token is a line ending in CR LF; anything that is not an RDP_NEG_REQ comes first.
  if (pos < end && buf[pos] !== TYPE_NEG_REQ) {
    let lf = -1;
    for (let i = pos + 1; i < end; i++) {
      if (buf[i] === CRLF_LF && buf[i - 1] === CRLF_CR) {
        lf = i;
        break;
      }
    }
    if (lf < 0) return { cookie: false, requested: null };
    cookie = lf - pos > COOKIE.length && buf.toString('latin1', pos, pos + COOKIE.length) === COOKIE;
    pos = lf + 1;
  }
  let requested: number | null = null;
  if (end - pos >= 8 && buf[pos] === TYPE_NEG_REQ && buf.readUInt16LE(pos + 2) === 8) requested = buf.readUInt32LE(pos + 4);
  return { cookie, requested };
}

/** The selectedProtocol of a Connection Confirm's RDP_NEG_RSP, 0 for a confirm without one, or null. */
export function parseConnectionConfirm(buf: Buffer, n: number): number | null {
  if (x224Code(buf, n) !== X224_CC) return null;
  const end = TPKT_HEADER + 1 + buf[TPKT_HEADER];
  const pos = TPKT_HEADER + X224_FIXED;
  if (pos === end) return 0;
  if (end - pos >= 8 && buf[pos] === TYPE_NEG_RSP && buf.readUInt16LE(pos + 2) === 8) return buf.readUInt32LE(pos + 4);
  return null;
}
