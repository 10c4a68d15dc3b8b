/** IP address text to the 16-octet form the packet index stores (IPv4 in the first 4 octets), or null. */
import { isIPv4, isIPv6 } from 'node:net';

export interface IpBytes {
  family: 4 | 6;
  bytes: Buffer;
}

export function parseIp(text: string): IpBytes | null {
  const t = text.trim();
  const bytes = Buffer.alloc(16);
  if (isIPv4(t)) {
    t.split('.').forEach((part, i) => (bytes[i] = Number(part)));
    return { family: 4, bytes };
  }
  if (!isIPv6(t)) return null;
  let s = t.split('%')[0].toLowerCase();
  // An embedded dotted IPv4 tail (::ffff:10.0.0.1) is two words.
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(s);
  if (dotted) {
    const q = dotted[1].split('.').map(Number);
    s = s.slice(0, -dotted[1].length) + `${((q[0] << 8) | q[1]).toString(16)}:${((q[2] << 8) | q[3]).toString(16)}`;
  }
  const [head, tail] = s.includes('::') ? s.split('::') : [s, null];
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const words = tail === null ? left : [...left, ...Array(8 - left.length - right.length).fill('0'), ...right];
  if (words.length !== 8) return null;
  words.forEach((w, i) => bytes.writeUInt16BE(parseInt(w, 16), i * 2));
  return { family: 6, bytes };
}
