/**
 * Signatures of remote-access tools in the first octets of a flow:
 *   VNC/RFB (RFC 6143 §7.1.1): each side opens with the 12-octet ProtocolVersion `RFB xxx.yyy\n`.
 *   TeamViewer: its TCP/UDP 5938 frames start with the magic 0x17 0x24 (client) or 0x11 0x30 (server).
 *   AnyDesk: TLS (a handshake record, 0x16 0x03) on TCP 7070, or its discovery datagrams on UDP 50001.
 */
export const RFB_VERSION_LENGTH = 12;
export const TEAMVIEWER_PORT = 5938;
export const ANYDESK_TCP_PORT = 7070;
export const ANYDESK_UDP_PORT = 50001;

const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39;

/** The `xxx.yyy` of an RFB ProtocolVersion at `buf[pos..pos+12)`, or null. */
export function rfbVersion(buf: Uint8Array, pos: number, length: number): string | null {
  if (length < RFB_VERSION_LENGTH) return null;
  if (buf[pos] !== 0x52 || buf[pos + 1] !== 0x46 || buf[pos + 2] !== 0x42 || buf[pos + 3] !== 0x20 || buf[pos + 11] !== 0x0a || buf[pos + 7] !== 0x2e) return null;
  for (const i of [4, 5, 6, 8, 9, 10]) if (!isDigit(buf[pos + i])) return null;
  return String.fromCharCode(...buf.subarray(pos + 4, pos + 11));
}

/** Whether `buf[pos..]` opens with a TeamViewer magic (at least two octets). */
export function teamviewerMagic(buf: Uint8Array, pos: number, length: number): boolean {
  if (length < 2) return false;
  return (buf[pos] === 0x17 && buf[pos + 1] === 0x24) || (buf[pos] === 0x11 && buf[pos + 1] === 0x30);
}

/** Whether `buf[pos..]` opens with a TLS handshake record header. */
export function tlsHandshake(buf: Uint8Array, pos: number, length: number): boolean {
  return length >= 2 && buf[pos] === 0x16 && buf[pos + 1] === 0x03;
}
