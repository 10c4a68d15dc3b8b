/**
 * SSH_MSG_KEXINIT (RFC 4253 §7.1) and the HASSH fingerprints computed from it (salesforce/hassh).
 *
 *   byte         SSH_MSG_KEXINIT (20)
 *   byte[16]     cookie
 *   name-list    kex_algorithms, server_host_key_algorithms,
 *                encryption_algorithms_client_to_server, encryption_algorithms_server_to_client,
 *                mac_algorithms_client_to_server, mac_algorithms_server_to_client,
 *                compression_algorithms_client_to_server, compression_algorithms_server_to_client,
 *                languages_client_to_server, languages_server_to_client
 *   boolean      first_kex_packet_follows
 *   uint32       0 (reserved)
 */
import { createHash } from 'node:crypto';

export const SSH_MSG_KEXINIT = 20;
const COOKIE = 16;
const NAME_LISTS = 10;

export interface KexInit {
  kex: string;
  encC2S: string;
  encS2C: string;
  macC2S: string;
  macS2C: string;
  compC2S: string;
  compS2C: string;
}

/** The name-lists of a KEXINIT payload `buf[pos..end)` (message byte included), or null if one overruns. */
export function parseKexInit(buf: Buffer, pos: number, end: number): KexInit | null {
  if (end - pos < 1 + COOKIE || buf[pos] !== SSH_MSG_KEXINIT) return null;
  pos += 1 + COOKIE;
  const lists: string[] = [];
  for (let i = 0; i < NAME_LISTS; i++) {
    if (pos + 4 > end) return null;
    const n = buf.readUInt32BE(pos);
    pos += 4;
    if (n > end - pos) return null;
    // RFC 4251 §5: a name-list is US-ASCII; latin1 keeps any stray octet one character.
    lists.push(buf.toString('latin1', pos, pos + n));
    pos += n;
  }
  return { kex: lists[0], encC2S: lists[2], encS2C: lists[3], macC2S: lists[4], macS2C: lists[5], compC2S: lists[6], compS2C: lists[7] };
}

/** HASSH (client): MD5 of `kex;enc_c2s;mac_c2s;comp_c2s`, lower-case hex. */
export function hassh(k: KexInit): string {
  return md5(`${k.kex};${k.encC2S};${k.macC2S};${k.compC2S}`);
}

/** HASSHServer: MD5 of `kex;enc_s2c;mac_s2c;comp_s2c`, lower-case hex. */
export function hasshServer(k: KexInit): string {
  return md5(`${k.kex};${k.encS2C};${k.macS2C};${k.compS2C}`);
}

function md5(text: string): string {
  return createHash('md5').update(text, 'latin1').digest('hex');
}
