import { L3_IPV4, L3_IPV6, type DecodedPacket } from '../decode/decoded-packet.js';

/**
 * A flow key as 11 unsigned 32-bit words, normalised so both directions give the same key:
 * [vlan, proto|ipVersion<<8, addrA×4, addrB×4, portA<<16|portB] where (addrA, portA) is the
 * lesser endpoint. IPv4 addresses use one word and leave three zero.
 */
export const KEY_WORDS = 11;
/** The flow table stores each key with its hash after it, so a lookup touches one cache line. */
export const KEY_STRIDE = 12;
export const KEY_HASH = 11;

export interface KeyScratch {
  key: Uint32Array;
  /** True when the packet's source is endpoint A of the normalised key. */
  srcIsA: boolean;
  hash: number;
  /** Whether `key` holds an IPv4 key (its IPv6-only words are zero). */
  v4: boolean;
  /** Keep the same addresses on two VLANs apart (word 0 holds the VLANs); else word 0 is 0. */
  vlanAware: boolean;
}

export function newKeyScratch(): KeyScratch {
  return { key: new Uint32Array(KEY_WORDS), srcIsA: true, hash: 0, v4: true, vlanAware: false };
}

/**
 * Fill `out` with the normalised key of `p` (which must have an IP layer). Ports are 0 for
 * protocols without them and for fragments.
 */
export function flowKeyOf(p: DecodedPacket, out: KeyScratch): void {
  const k = out.key;
  const b = p.addrBuf;
  const s = p.srcAddrOffset;
  const d = p.dstAddrOffset;
  const sp = p.fragment ? 0 : p.srcPort;
  const dp = p.fragment ? 0 : p.dstPort;
  // Like Zeek and Wireshark's conversation tables, VLANs are not part of a flow by default: a SPAN of
  // access ports sees each packet once, on its sender's VLAN, so the two directions of a routed
  // conversation (a modality on the imaging VLAN, the PACS in the data centre) carry different tags.
  // Sites that reuse addresses across VLANs turn `vlanAware` on.
  k[0] = out.vlanAware ? (p.vlanOuter << 12) | p.vlan : 0;
  let cmp = 0;
  if (p.l3 === L3_IPV4) {
    const sa = ((b[s] << 24) | (b[s + 1] << 16) | (b[s + 2] << 8) | b[s + 3]) >>> 0;
    const da = ((b[d] << 24) | (b[d + 1] << 16) | (b[d + 2] << 8) | b[d + 3]) >>> 0;
    k[1] = p.ipProto | (4 << 8);
    cmp = sa < da ? -1 : sa > da ? 1 : sp - dp;
    const srcIsA = cmp <= 0;
    k[2] = srcIsA ? sa : da;
    k[6] = srcIsA ? da : sa;
    k[10] = srcIsA ? ((sp << 16) | dp) >>> 0 : ((dp << 16) | sp) >>> 0;
    // The words an IPv6 key uses are cleared only when the previous key was IPv6.
    if (!out.v4) {
      k[3] = k[4] = k[5] = k[7] = k[8] = k[9] = 0;
      out.v4 = true;
    }
    out.srcIsA = srcIsA;
    out.hash = hashKey4(k);
    return;
  } else {
    out.v4 = false;
    k[1] = p.ipProto | (6 << 8);
    for (let i = 0; i < 16 && cmp === 0; i++) cmp = b[s + i] - b[d + i];
    if (cmp === 0) cmp = sp - dp;
    const srcIsA = cmp <= 0;
    const a = srcIsA ? s : d;
    const z = srcIsA ? d : s;
    for (let w = 0; w < 4; w++) {
      const ao = a + 4 * w;
      const zo = z + 4 * w;
      k[2 + w] = ((b[ao] << 24) | (b[ao + 1] << 16) | (b[ao + 2] << 8) | b[ao + 3]) >>> 0;
      k[6 + w] = ((b[zo] << 24) | (b[zo + 1] << 16) | (b[zo + 2] << 8) | b[zo + 3]) >>> 0;
    }
    k[10] = srcIsA ? ((sp << 16) | dp) >>> 0 : ((dp << 16) | sp) >>> 0;
    out.srcIsA = srcIsA;
  }
  out.hash = hashKey(k);
}

/** IPv4 keys leave six words zero; mixing only the five that vary halves the cost. */
export function hashKey4(k: Uint32Array): number {
  let h = 0x9747b28c;
  h = mixWord(h, k[0]);
  h = mixWord(h, k[1]);
  h = mixWord(h, k[2]);
  h = mixWord(h, k[6]);
  h = mixWord(h, k[10]);
  return finalMix(h);
}

function mixWord(h: number, x: number): number {
  x = Math.imul(x, 0xcc9e2d51);
  x = (x << 15) | (x >>> 17);
  x = Math.imul(x, 0x1b873593);
  h ^= x;
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}

function finalMix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Murmur3-style mixing of the key words. Symmetric because the key is normalised. */
export function hashKey(k: Uint32Array): number {
  let h = 0x9747b28c;
  for (let i = 0; i < KEY_WORDS; i++) h = mixWord(h, k[i]);
  return finalMix(h);
}

export function isIpPacket(p: DecodedPacket): boolean {
  return p.l3 === L3_IPV4 || p.l3 === L3_IPV6;
}
