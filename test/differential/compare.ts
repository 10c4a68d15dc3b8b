import { tsharkTuple, tupleText } from './layering.js';
import type { TsharkCapture, TsharkConversation } from './tshark.js';
import type { VigilCapture, VigilFlow } from './vigil.js';

/**
 * One difference between Vigil and tshark on one capture. `check` and `detail` together identify
 * it, so that an exception can name exactly the difference it explains.
 */
export interface Difference {
  check: 'packets' | 'frame' | 'tcp-conversations' | 'udp-conversations' | 'tcp-pairs' | 'udp-pairs' | 'read';
  detail: string;
  /** For a conversation count difference: every address/port pair whose row and flow counts differ. */
  pairs?: PairSplit[];
}

/** How tshark's rows and Vigil's flows divide one address/port pair. */
export interface PairSplit {
  /** `a:port <-> b:port`, endpoints in text order. */
  pair: string;
  tsharkRows: number;
  /** Frames in each of tshark's rows for the pair, in table order. */
  tsharkRowFrames: number[];
  vigilFlows: number;
  /** Distinct VLAN ids (outer * 4096 + inner) among Vigil's flows of the pair. */
  vigilVlans: number;
}

export interface Comparison {
  packets: number;
  framesCompared: number;
  conversations: { tcp: number; udp: number };
  differences: Difference[];
}

/** Both directions of a conversation give the same key. */
export function pairKey(a: string, b: string): string {
  return a < b ? `${a} <-> ${b}` : `${b} <-> ${a}`;
}

export function compareCapture(tshark: TsharkCapture, vigil: VigilCapture): Comparison {
  const differences: Difference[] = [];
  const packets = tshark.frames.length;
  if (vigil.packets !== packets) differences.push({ check: 'packets', detail: `tshark ${packets}, vigil ${vigil.packets}` });
  // A capture cut short: both tools should notice (tshark says so on standard error).
  if ((vigil.damage !== null) !== (tshark.stderr !== '')) {
    differences.push({ check: 'read', detail: `tshark: ${tshark.stderr || 'read cleanly'}; vigil: ${vigil.damage ?? 'read cleanly'}` });
  }
  if (vigil.evicted !== 0) differences.push({ check: 'read', detail: `vigil's flow table evicted ${vigil.evicted} flows` });

  // 3. Addresses and ports, frame by frame.
  let framesCompared = 0;
  for (const frame of tshark.frames) {
    const n = frame.number;
    if (n > vigil.frames.length) break; // counted once above, as a packet count difference
    framesCompared++;
    const expected = tsharkTuple(frame);
    const got = vigil.frames[n - 1];
    if (expected && 'error' in expected) {
      differences.push({ check: 'frame', detail: `frame ${n} (${frame.protocols.join(':')}): cannot read tshark's fields: ${expected.error}` });
      continue;
    }
    const want = tupleText(expected);
    const have = tupleText(got ?? null);
    if (want !== have) differences.push({ check: 'frame', detail: `frame ${n} (${frame.protocols.join(':')}): tshark ${want}, vigil ${have}` });
  }

  // 2. Conversations. A Vigil flow counts when it holds a packet whose TCP/UDP header Vigil
  // decoded: the non-final fragments of a datagram make a flow of their own (ports 0) that tshark's
  // tables, which count the transport layer, have no row for. TCP/UDP headers quoted inside ICMP
  // errors count on neither side (tshark's conversation taps skip them; Vigil's ICMP flows are not
  // compared here).
  for (const proto of ['tcp', 'udp'] as const) {
    const rows = tshark.conversations[proto];
    const flows = vigil.flows.filter((f) => f.proto === proto && f.l4Packets > 0);
    differences.push(...compareConversations(proto, rows, flows));
  }
  return {
    packets,
    framesCompared,
    conversations: { tcp: tshark.conversations.tcp.length, udp: tshark.conversations.udp.length },
    differences,
  };
}

/**
 * Two comparisons, because the two tools group differently on purpose:
 *
 * - `<proto>-pairs`, exact, no exceptions expected: the set of address/port pairs (direction and
 *   VLAN ignored) with, for each, the frames tshark's table counts and the packets with a decoded
 *   TCP/UDP header that Vigil's flows of that pair hold.
 * - `<proto>-conversations`: tshark 4.0 keys a conversation-table row by its conversation index
 *   (tcp.stream / udp.stream), not by the pair: a TCP SYN with a new initial sequence number on a
 *   known pair starts a new stream (see port-reuse.ts), and a dissector that makes a conversation
 *   of its own for the same pair (SNMP does) starts one too. Vigil, with timeouts off, splits a pair on TCP port reuse (a SYN once the
 *   earlier connection closed or reset) and on VLAN. The counts must match unless an exception
 *   names the capture, both counts and the reason.
 */
function compareConversations(proto: 'tcp' | 'udp', rows: TsharkConversation[], flows: VigilFlow[]): Difference[] {
  const out: Difference[] = [];
  const byPairT = new Map<string, { rows: number; frames: number; rowFrames: number[] }>();
  for (const r of rows) {
    const k = pairKey(r.a, r.b);
    const e = byPairT.get(k) ?? { rows: 0, frames: 0, rowFrames: [] };
    e.rows++;
    e.frames += r.frames;
    e.rowFrames.push(r.frames);
    byPairT.set(k, e);
  }
  const byPairV = new Map<string, { flows: number; packets: number; vlans: Set<number> }>();
  for (const f of flows) {
    const k = pairKey(f.a, f.b);
    const e = byPairV.get(k) ?? { flows: 0, packets: 0, vlans: new Set<number>() };
    e.flows++;
    e.packets += f.l4Packets;
    e.vlans.add(f.vlan);
    byPairV.set(k, e);
  }
  for (const [k, t] of byPairT) {
    const v = byPairV.get(k);
    if (!v) out.push({ check: `${proto}-pairs`, detail: `${k}: tshark ${t.frames} frames, vigil has no flow` });
    else if (v.packets !== t.frames) out.push({ check: `${proto}-pairs`, detail: `${k}: tshark ${t.frames} frames, vigil ${v.packets} packets` });
  }
  for (const [k, v] of byPairV) {
    if (!byPairT.has(k)) out.push({ check: `${proto}-pairs`, detail: `${k}: vigil ${v.packets} packets, tshark has no conversation` });
  }
  const pairs: PairSplit[] = [];
  for (const k of [...new Set([...byPairT.keys(), ...byPairV.keys()])].sort()) {
    const t = byPairT.get(k);
    const v = byPairV.get(k);
    if ((t?.rows ?? 0) !== (v?.flows ?? 0)) {
      pairs.push({ pair: k, tsharkRows: t?.rows ?? 0, tsharkRowFrames: t?.rowFrames ?? [], vigilFlows: v?.flows ?? 0, vigilVlans: v?.vlans.size ?? 0 });
    }
  }
  if (pairs.length > 0) {
    out.push({
      check: `${proto}-conversations`,
      detail: `tshark ${rows.length} rows, vigil ${flows.length} flows, ${pairs.length} pair(s) split differently`,
      pairs,
    });
  }
  return out;
}
