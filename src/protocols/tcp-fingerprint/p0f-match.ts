import { WINDOW_ANY, WINDOW_MOD, WINDOW_MSS, WINDOW_MTU, WINDOW_NORMAL, layoutHash, type P0fDatabase, type P0fTcpSignature } from './p0f-database.js';
import {
  QUIRK_DF,
  QUIRK_ECN,
  QUIRK_NAMES,
  QUIRK_NZ_ID,
  QUIRK_ZERO_ID,
  QUIRKS_IPV4_ONLY,
  QUIRKS_IPV6_ONLY,
  TCPOPT_EOL,
  TCPOPT_MSS,
  TCPOPT_NOP,
  TCPOPT_SACK,
  TCPOPT_SACKOK,
  TCPOPT_TIMESTAMP,
  TCPOPT_WSCALE,
  type TcpSignature,
} from './tcp-signature.js';

/*
 * Matching a packet's signature against p0f.fp, in the order and with the tolerances of p0f 3.09b's
 * tcp_find_match(): the first exact specific signature wins; else the first generic one; else the first
 * "fuzzy" one (TTL out of range, or quirks that differ only by df/id+ disappearing or id-/ecn appearing),
 * never for a userland tool.
 */

/** p0f's MAX_DIST: how many hops below its initial TTL a packet may arrive and still match. */
export const MAX_DISTANCE = 35;
/** IPv4 and IPv6 header plus a bare TCP header (tcp.h MIN_TCP4, MIN_TCP6). */
const MIN_TCP4 = 40;
const MIN_TCP6 = 60;
/** The MSS p0f-sendsyn probes carry; a SYN+ACK echoing it is printed with a wildcard. */
const SPECIAL_MSS = 1331;

export interface P0fMatch {
  readonly signature: P0fTcpSignature;
  readonly fuzzy: boolean;
}

/** Window as a multiple of MSS or MTU (detect_win_multi): the multiplier, or -1; `useMtu[0]` says which. */
export function windowMultiplier(sig: TcpSignature, synMss: number, useMtu: Uint8Array): number {
  const win = sig.window;
  const mss = sig.mss;
  if (win === 0 || mss < 100) return -1;
  const tryDiv = (div: number, mtu: number): number => {
    if (div > 0 && win % div === 0) {
      useMtu[0] = mtu;
      return win / div;
    }
    return -1;
  };
  let r: number;
  // "Some systems will sometimes subtract 12 bytes when timestamps are in use."
  if ((r = tryDiv(mss, 0)) >= 0) return r;
  if (sig.ts1 !== 0 && (r = tryDiv(mss - 12, 0)) >= 0) return r;
  // "Some systems use MTU on the wrong interface, so let's check for the most common case."
  if ((r = tryDiv(1500 - MIN_TCP4, 0)) >= 0) return r;
  if ((r = tryDiv(1500 - MIN_TCP4 - 12, 0)) >= 0) return r;
  if (sig.ipVersion === 6) {
    if ((r = tryDiv(1500 - MIN_TCP6, 0)) >= 0) return r;
    if ((r = tryDiv(1500 - MIN_TCP6 - 12, 0)) >= 0) return r;
  }
  // "Some systems use MTU instead of MSS."
  if ((r = tryDiv(mss + MIN_TCP4, 1)) >= 0) return r;
  if ((r = tryDiv(mss + sig.headerLength, 1)) >= 0) return r;
  if (sig.ipVersion === 6 && (r = tryDiv(mss + MIN_TCP6, 1)) >= 0) return r;
  if ((r = tryDiv(1500, 1)) >= 0) return r;
  // "On SYN+ACKs, some systems use [the MSS] of the peer."
  if (synMss !== 0) {
    if ((r = tryDiv(synMss, 0)) >= 0) return r;
    if ((r = tryDiv(synMss - 12, 0)) >= 0) return r;
  }
  return -1;
}

function sameLayout(a: Uint8Array, sig: TcpSignature): boolean {
  if (a.length !== sig.optionCount) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== sig.optionLayout[i]) return false;
  return true;
}

const scratchMtu = new Uint8Array(1);

/** The p0f signature `sig` matches, or null. `synMss`: the MSS of the SYN a SYN+ACK answers (0 if none). */
export function matchP0f(db: P0fDatabase, sig: TcpSignature, synMss: number): P0fMatch | null {
  const bucket = db.byLayout[sig.synAck ? 0 : 1].get(layoutHash(sig.optionLayout, sig.optionCount));
  if (bucket === undefined) return null;
  scratchMtu[0] = 0;
  const multiplier = windowMultiplier(sig, synMss, scratchMtu);
  const useMtu = scratchMtu[0] === 1;
  let fuzzyMatch: P0fTcpSignature | null = null;
  let genericMatch: P0fTcpSignature | null = null;
  for (const ref of bucket) {
    if (!sameLayout(ref.layout, sig)) continue;
    let fuzzy = false;
    let refQuirks = ref.quirks;
    // "If the p0f.fp signature has no IP version specified, we need to remove IPv6-specific quirks from it
    // when matching IPv4 packets, and vice versa."
    if (ref.ipVersion === -1) refQuirks &= sig.ipVersion === 4 ? ~QUIRKS_IPV6_ONLY : ~QUIRKS_IPV4_ONLY;
    if (refQuirks !== sig.quirks) {
      const deleted = (refQuirks ^ sig.quirks) & refQuirks;
      const added = (refQuirks ^ sig.quirks) & sig.quirks;
      if (fuzzyMatch !== null || (deleted & ~(QUIRK_DF | QUIRK_NZ_ID)) !== 0 || (added & ~(QUIRK_ZERO_ID | QUIRK_ECN)) !== 0) continue;
      fuzzy = true;
    }
    if (ref.eolPadding !== sig.eolPadding || ref.ipOptionsLength !== sig.ipOptionsLength) continue;
    if (ref.badTtl) {
      if (ref.ttl < sig.ttl) continue;
    } else if (ref.ttl < sig.ttl || ref.ttl - sig.ttl > MAX_DISTANCE) fuzzy = true;
    if (ref.mss !== -1 && ref.mss !== sig.mss) continue;
    if (ref.wscale !== -1 && ref.wscale !== sig.wscale) continue;
    if (ref.payloadClass !== -1 && ref.payloadClass !== sig.payloadClass) continue;
    switch (ref.windowType) {
      case WINDOW_NORMAL:
        if (ref.window !== sig.window) continue;
        break;
      case WINDOW_MOD:
        if (sig.window % ref.window !== 0) continue;
        break;
      case WINDOW_MSS:
        if (useMtu || ref.window !== multiplier) continue;
        break;
      case WINDOW_MTU:
        if (!useMtu || ref.window !== multiplier) continue;
        break;
      case WINDOW_ANY:
        break;
    }
    if (!fuzzy) {
      if (!ref.label.generic) return { signature: ref, fuzzy: false };
      genericMatch ??= ref;
    } else fuzzyMatch ??= ref;
  }
  if (genericMatch !== null) return { signature: genericMatch, fuzzy: false };
  // "No fuzzy matching for userland tools."
  if (fuzzyMatch !== null && fuzzyMatch.label.osClass !== null) return { signature: fuzzyMatch, fuzzy: true };
  return null;
}

/** p0f's guess_dist(): hops from the nearest usual initial TTL. */
export function guessDistance(ttl: number): number {
  if (ttl <= 32) return 32 - ttl;
  if (ttl <= 64) return 64 - ttl;
  if (ttl <= 128) return 128 - ttl;
  return 255 - ttl;
}

/** Hops between sender and sensor: from the matched signature's TTL, else guessed (p0f's `dist`). */
export function hopDistance(sig: TcpSignature, match: P0fMatch | null): number {
  const ref = match?.signature;
  if (!ref || ref.ttl < sig.ttl || (!ref.badTtl && ref.ttl - sig.ttl > MAX_DISTANCE)) return guessDistance(sig.ttl);
  return ref.ttl - sig.ttl;
}

const OPTION_TEXT: Record<number, string> = {
  [TCPOPT_NOP]: 'nop',
  [TCPOPT_MSS]: 'mss',
  [TCPOPT_WSCALE]: 'ws',
  [TCPOPT_SACKOK]: 'sok',
  [TCPOPT_SACK]: 'sack',
  [TCPOPT_TIMESTAMP]: 'ts',
};

/** The signature in p0f.fp notation, exactly as p0f prints it as `raw_sig` (dump_sig()). */
export function formatP0fSignature(sig: TcpSignature, synMss: number): string {
  const dist = guessDistance(sig.ttl);
  let s = `${sig.ipVersion}:${sig.ttl}+${dist > MAX_DISTANCE ? '?' : dist}:${sig.ipOptionsLength}:`;
  s += sig.mss === SPECIAL_MSS && sig.synAck ? '*:' : `${sig.mss}:`;
  scratchMtu[0] = 0;
  const multiplier = windowMultiplier(sig, synMss, scratchMtu);
  s += multiplier > 0 ? `${scratchMtu[0] === 1 ? 'mtu' : 'mss'}*${multiplier}` : String(sig.window);
  s += `,${sig.wscale}:`;
  for (let i = 0; i < sig.optionCount; i++) {
    const kind = sig.optionLayout[i];
    if (i > 0) s += ',';
    s += kind === TCPOPT_EOL ? `eol+${sig.eolPadding}` : (OPTION_TEXT[kind] ?? `?${kind}`);
  }
  s += ':';
  let first = true;
  for (const [bit, name] of QUIRK_NAMES) {
    if ((sig.quirks & bit) === 0) continue;
    s += first ? name : `,${name}`;
    first = false;
  }
  return s + (sig.payloadClass ? ':+' : ':0');
}
