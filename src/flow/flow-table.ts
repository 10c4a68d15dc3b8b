import {
  IPPROTO_TCP,
  IPPROTO_UDP,
  TCP_ACK,
  TCP_FIN,
  TCP_RST,
  TCP_SYN,
  type DecodedPacket,
} from '../decode/decoded-packet.js';
import { flowKeyOf, KEY_HASH, KEY_STRIDE, KEY_WORDS, newKeyScratch, type KeyScratch } from './flow-key.js';
import { grown, type Column } from './grown-array.js';

export interface FlowTimeouts {
  /** Seconds without a packet before a TCP flow ends (Zeek's tcp_inactivity_timeout is 5 min). */
  tcpIdleS: number;
  udpIdleS: number;
  otherIdleS: number;
  /** A flow longer than this is reported and restarted, as NetFlow's active timeout does. */
  activeS: number;
  /** Seconds a TCP flow lingers after both FINs or a RST, for late retransmissions and ACKs. */
  closedS: number;
}

export const DEFAULT_TIMEOUTS: FlowTimeouts = { tcpIdleS: 300, udpIdleS: 60, otherIdleS: 60, activeS: 1800, closedS: 5 };

export interface FlowTableOptions {
  /** Flows held at once; past it the stalest of a few candidates is evicted (and counted). */
  maxFlows: number;
  timeouts: FlowTimeouts;
  /**
   * Flow numbers are `created * serialStride + serialOffset`, so tables in parallel workers hand
   * out disjoint numbers (stride = workers, offset = this worker's index).
   */
  serialStride: number;
  serialOffset: number;
  /** Keep the same addresses on two VLANs as two flows (default: one flow, as Zeek does). */
  vlanAware: boolean;
}

export const DEFAULT_MAX_FLOWS = 1 << 19;
/** Both endpoints' MACs known from packets they sent: nothing more to learn. */
const MACS_FROM_SENDERS = 15;

/** Coarse TCP connection states. */
export const TCP_STATE_NONE = 0;
export const TCP_STATE_SYN_SENT = 1;
export const TCP_STATE_SYN_ACK = 2;
export const TCP_STATE_ESTABLISHED = 3;
export const TCP_STATE_CLOSING = 4;
export const TCP_STATE_CLOSED = 5;
export const TCP_STATE_RESET = 6;
export const TCP_STATE_NAMES = ['none', 'syn_sent', 'syn_ack', 'established', 'closing', 'closed', 'reset'] as const;

export type FlowEndReason = 'idle' | 'active' | 'closed' | 'evicted' | 'reused' | 'end';

export interface FlowTableListener {
  /** A flow ended; its slots are still readable during the call and reused after it. */
  flowEnd(id: number, reason: FlowEndReason): void;
}

export const STATS_STRIDE = 8;
export const STAT_FIRST = 0;
export const STAT_LAST = 1;
/** + 0 for the originator, + 1 for the responder. */
export const STAT_PACKETS = 2;
export const STAT_BYTES = 4;
export const STAT_PAYLOAD = 6;

const HISTORY_LEN = 12;
const INITIAL_CAPACITY = 4096;
const EMPTY = 0;
/**
 * Expiry runs on capture time, not per packet: each time the clock passes a sweep interval, a
 * slice of the table is examined, sized so the whole table is visited about once a minute. A flow
 * thus ends at most about a minute after its timeout, at a cost that does not grow with the
 * packet rate.
 */
const SWEEP_INTERVAL_S = 1;
const SWEEP_ROUND_S = 60;
const SWEEP_MIN_BATCH = 64;
const EVICTION_CANDIDATES = 8;

/**
 * Bidirectional flow table in typed arrays: an open-addressing index (linear probing with
 * backward-shift deletion) over dense per-flow columns. No string keys and no object per flow;
 * ids are stable for a flow's life and reused after it ends.
 */
export class FlowTable {
  readonly maxFlows: number;
  private readonly timeouts: FlowTimeouts;
  private readonly serialStride: number;
  private readonly shortestTimeoutS: number;
  private readonly serialOffset: number;
  private index: Int32Array;
  private indexMask: number;
  /** Columns are allocated for this many flows and doubled on demand up to maxFlows. */
  capacity = 0;
  /** Ids below this have been handed out at least once. */
  private nextId = 0;

  /** KEY_STRIDE words a flow: the 11 key words, then the key's hash (one cache line on lookup). */
  keys: Uint32Array;
  /**
   * STATS_STRIDE doubles a flow, kept together because every packet updates them: first time,
   * last time, then packets, bytes and payload bytes for the originator and the responder.
   */
  stats: Float64Array;
  tcpFlags: Uint16Array;
  tcpState: Uint8Array;
  /** 1 when the originator is endpoint A of the normalised key. */
  origIsA: Uint8Array;
  history: Uint8Array;
  historyLength: Uint8Array;
  /** MAC of endpoint A then B, 12 bytes a flow; `macKnown` bit 0 for A, bit 1 for B; bits 2 and 3 when taken from their own packets. */
  macs: Uint8Array;
  macKnown: Uint8Array;
  live: Uint8Array;
  /** Flow number in creation order (1-based), stable across id reuse: what outputs call the flow id. */
  serial: Float64Array;
  /** Free for the layers above: which dissector state a flow is in. */
  userState: Uint8Array;

  private freeIds: Int32Array;
  private freeTop = 0;
  private sweepCursor = 0;
  private nextSweepTs = 0;
  private readonly scratch: KeyScratch = newKeyScratch();
  private listener: FlowTableListener | null = null;

  /** Flows alive now. */
  active = 0;
  /** Flows ever created. */
  created = 0;
  evicted = 0;
  /** Latest packet time seen, for expiry. */
  now = 0;
  /**
   * The time of the packet `update` is accounting. Its rare calls (expiry on lookup, the sweep) read
   * it from here: a double passed as an argument to a call that is not inlined is boxed, and V8
   * boxed it ahead of the branch, for every packet (44 MB of garbage on the benchmark capture).
   */
  private packetTs = 0;

  /** Set by `update`: 0 if the packet was sent by the originator, 1 by the responder. */
  direction: 0 | 1 = 0;
  /** Set by `update`: true when the packet started a new flow. */
  isNew = false;

  constructor(options: Partial<FlowTableOptions> = {}) {
    const max = options.maxFlows ?? DEFAULT_MAX_FLOWS;
    this.maxFlows = max;
    this.timeouts = { ...DEFAULT_TIMEOUTS, ...options.timeouts };
    const t = this.timeouts;
    this.shortestTimeoutS = Math.min(t.tcpIdleS, t.udpIdleS, t.otherIdleS, t.closedS);
    this.serialStride = options.serialStride ?? 1;
    this.serialOffset = options.serialOffset ?? 0;
    this.scratch.vlanAware = options.vlanAware ?? false;
    this.index = new Int32Array(0);
    this.indexMask = 0;
    this.keys = new Uint32Array(0);
    this.stats = this.serial = new Float64Array(0);
    this.tcpFlags = new Uint16Array(0);
    this.tcpState = this.origIsA = this.history = this.historyLength = this.macs = this.macKnown = this.live = this.userState = new Uint8Array(0);
    this.freeIds = new Int32Array(0);
    this.resize(Math.min(max, INITIAL_CAPACITY));
  }

  /** Grow every column to `capacity` flows, keeping live flows and their ids. */
  private resize(capacity: number): void {
    const grow = <T extends Column>(old: T, per: number): T => grown(old, capacity * per);
    this.keys = grow(this.keys, KEY_STRIDE);
    this.stats = grow(this.stats, STATS_STRIDE);
    this.tcpFlags = grow(this.tcpFlags, 2);
    this.tcpState = grow(this.tcpState, 1);
    this.origIsA = grow(this.origIsA, 1);
    this.history = grow(this.history, HISTORY_LEN);
    this.historyLength = grow(this.historyLength, 1);
    this.macs = grow(this.macs, 12);
    this.macKnown = grow(this.macKnown, 1);
    this.live = grow(this.live, 1);
    this.serial = grow(this.serial, 1);
    this.userState = grow(this.userState, 1);
    this.freeIds = grow(this.freeIds, 1);
    this.capacity = capacity;
    let size = 1024;
    while (size < capacity * 2) size *= 2;
    if (size !== this.index.length) {
      this.index = new Int32Array(size);
      this.indexMask = size - 1;
      for (let id = 0; id < this.nextId; id++) {
        if (!this.live[id]) continue;
        let pos = this.keys[id * KEY_STRIDE + KEY_HASH] & this.indexMask;
        while (this.index[pos] !== EMPTY) pos = (pos + 1) & this.indexMask;
        this.index[pos] = id + 1;
      }
    }
  }

  setListener(listener: FlowTableListener): void {
    this.listener = listener;
  }

  /**
   * Account `p` (which must have an IP layer) to its flow, creating the flow if needed. Returns
   * the flow id and sets `direction` and `isNew`.
   */
  update(p: DecodedPacket): number {
    const ts = p.ts;
    this.packetTs = ts;
    if (ts > this.now) this.now = ts;
    const sc = this.scratch;
    flowKeyOf(p, sc);
    let id = this.find(sc.key, sc.hash);
    const tcp = p.ipProto === IPPROTO_TCP && !p.fragment;
    const flags = tcp ? p.tcpFlags : 0;
    if (id >= 0) {
      // Nothing can have expired within the shortest timeout: skip the full check then.
      const expired =
        ts - this.stats[id * STATS_STRIDE + STAT_LAST] > this.shortestTimeoutS || ts - this.stats[id * STATS_STRIDE + STAT_FIRST] > this.timeouts.activeS ? this.expiredAtPacket(id) : null;
      const reused =
        !expired && tcp && (flags & (TCP_SYN | TCP_ACK)) === TCP_SYN && this.tcpState[id] >= TCP_STATE_CLOSED;
      if (expired || reused) {
        this.end(id, expired ?? 'reused');
        id = -1;
      }
    }
    this.isNew = id < 0;
    if (id < 0) id = this.create(p, sc, flags);
    const srcIsA = sc.srcIsA ? 1 : 0;
    const dir: 0 | 1 = srcIsA === this.origIsA[id] ? 0 : 1;
    this.direction = dir;
    const st = this.stats;
    const sb = id * STATS_STRIDE;
    st[sb + STAT_PACKETS + dir]++;
    st[sb + STAT_BYTES + dir] += p.wireLength;
    st[sb + STAT_PAYLOAD + dir] += p.payloadLength;
    if (ts > st[sb + STAT_LAST]) st[sb + STAT_LAST] = ts;
    if (this.macKnown[id] !== MACS_FROM_SENDERS) {
      if (p.srcMacOffset >= 0) this.learnMac(id, srcIsA === 1 ? 0 : 1, p.frame, p.srcMacOffset, true);
      if (p.dstMacOffset >= 0) this.learnMac(id, srcIsA === 1 ? 1 : 0, p.frame, p.dstMacOffset, false);
    }
    if (tcp) this.tcpUpdate(id, dir, flags, p.payloadLength);
    if (ts >= this.nextSweepTs) this.sweep();
    return id;
  }

  /**
   * End every live flow at the end of the input. A flow already past its timeout at `atTs` (the
   * input's last packet time) ended by that timeout, whether or not a sweep had reached it yet.
   */
  flush(atTs = this.now): void {
    for (let id = 0; id < this.nextId; id++) if (this.live[id]) this.end(id, this.expiredReason(id, atTs) ?? 'end');
  }

  /** Expire flows idle or active too long relative to `ts` (for a pause in live traffic). */
  expireAll(ts: number): void {
    for (let id = 0; id < this.nextId; id++) {
      if (!this.live[id]) continue;
      const reason = this.expiredReason(id, ts);
      if (reason) this.end(id, reason);
    }
  }

  firstTs(id: number): number {
    return this.stats[id * STATS_STRIDE + STAT_FIRST];
  }
  lastTs(id: number): number {
    return this.stats[id * STATS_STRIDE + STAT_LAST];
  }
  /** Packets sent by the originator (dir 0) or the responder (dir 1). */
  packets(id: number, dir: 0 | 1): number {
    return this.stats[id * STATS_STRIDE + STAT_PACKETS + dir];
  }
  bytes(id: number, dir: 0 | 1): number {
    return this.stats[id * STATS_STRIDE + STAT_BYTES + dir];
  }
  payloadBytes(id: number, dir: 0 | 1): number {
    return this.stats[id * STATS_STRIDE + STAT_PAYLOAD + dir];
  }

  historyText(id: number): string {
    let s = '';
    const base = id * HISTORY_LEN;
    for (let i = 0; i < this.historyLength[id]; i++) s += String.fromCharCode(this.history[base + i]);
    return s;
  }

  private find(key: Uint32Array, hash: number): number {
    const mask = this.indexMask;
    const keys = this.keys;
    let pos = hash & mask;
    for (;;) {
      const entry = this.index[pos];
      if (entry === EMPTY) return -1;
      const id = entry - 1;
      if (this.keys[id * KEY_STRIDE + KEY_HASH] === hash) {
        const base = id * KEY_STRIDE;
        if (
          keys[base + 10] === key[10] &&
          keys[base + 2] === key[2] &&
          keys[base + 6] === key[6] &&
          keys[base + 1] === key[1] &&
          keys[base] === key[0] &&
          keys[base + 3] === key[3] &&
          keys[base + 4] === key[4] &&
          keys[base + 5] === key[5] &&
          keys[base + 7] === key[7] &&
          keys[base + 8] === key[8] &&
          keys[base + 9] === key[9]
        )
          return id;
      }
      pos = (pos + 1) & mask;
    }
  }

  private create(p: DecodedPacket, sc: KeyScratch, flags: number): number {
    let id: number;
    if (this.freeTop > 0) id = this.freeIds[--this.freeTop];
    else if (this.nextId < this.capacity) id = this.nextId++;
    else if (this.capacity < this.maxFlows) {
      this.resize(Math.min(this.maxFlows, this.capacity * 2));
      id = this.nextId++;
    } else {
      this.evictOne();
      id = this.freeIds[--this.freeTop];
    }
    const base = id * KEY_STRIDE;
    for (let i = 0; i < KEY_WORDS; i++) this.keys[base + i] = sc.key[i];
    this.keys[base + KEY_HASH] = sc.hash;
    let pos = sc.hash & this.indexMask;
    while (this.index[pos] !== EMPTY) pos = (pos + 1) & this.indexMask;
    this.index[pos] = id + 1;
    // Who opened the flow: a SYN's sender; a SYN-ACK's receiver; otherwise, for traffic picked
    // up mid-conversation, the side on the ephemeral port talking to a well-known one.
    let srcIsOrig = true;
    if (p.ipProto === IPPROTO_TCP && flags & TCP_SYN) srcIsOrig = (flags & TCP_ACK) === 0;
    else if ((p.ipProto === IPPROTO_TCP || p.ipProto === IPPROTO_UDP) && !p.fragment) srcIsOrig = !(p.srcPort < 1024 && p.dstPort >= 1024);
    this.origIsA[id] = (sc.srcIsA ? 1 : 0) === (srcIsOrig ? 1 : 0) ? 1 : 0;
    const sb = id * STATS_STRIDE;
    this.stats.fill(0, sb, sb + STATS_STRIDE);
    this.stats[sb + STAT_FIRST] = p.ts;
    this.stats[sb + STAT_LAST] = p.ts;
    const s = id * 2;
    this.tcpFlags[s] = this.tcpFlags[s + 1] = 0;
    this.tcpState[id] = TCP_STATE_NONE;
    this.historyLength[id] = 0;
    this.macKnown[id] = 0;
    this.userState[id] = 0;
    this.live[id] = 1;
    this.active++;
    this.created++;
    this.serial[id] = (this.created - 1) * this.serialStride + this.serialOffset + 1;
    return id;
  }

  private end(id: number, reason: FlowEndReason): void {
    this.listener?.flowEnd(id, reason);
    this.removeFromIndex(id);
    this.live[id] = 0;
    this.active--;
    this.freeIds[this.freeTop++] = id;
  }

  /** Backward-shift deletion keeps probe chains intact without tombstones. */
  private removeFromIndex(id: number): void {
    const mask = this.indexMask;
    const index = this.index;
    let pos = this.keys[id * KEY_STRIDE + KEY_HASH] & mask;
    while (index[pos] !== id + 1) pos = (pos + 1) & mask;
    let hole = pos;
    let next = (hole + 1) & mask;
    while (index[next] !== EMPTY) {
      const home = this.keys[(index[next] - 1) * KEY_STRIDE + KEY_HASH] & mask;
      // Move the entry back if the hole lies cyclically between its home and its slot.
      if ((next > hole && (home <= hole || home > next)) || (next < hole && home <= hole && home > next)) {
        index[hole] = index[next];
        hole = next;
      }
      next = (next + 1) & mask;
    }
    index[hole] = EMPTY;
  }

  private expiredAtPacket(id: number): FlowEndReason | null {
    return this.expiredReason(id, this.packetTs);
  }

  private expiredReason(id: number, ts: number): FlowEndReason | null {
    const t = this.timeouts;
    const idle = ts - this.stats[id * STATS_STRIDE + STAT_LAST];
    const state = this.tcpState[id];
    if (state >= TCP_STATE_CLOSED) return idle > t.closedS ? 'closed' : null;
    const proto = this.keys[id * KEY_STRIDE + 1] & 0xff;
    const limit = proto === IPPROTO_TCP ? t.tcpIdleS : proto === IPPROTO_UDP ? t.udpIdleS : t.otherIdleS;
    if (idle > limit) return 'idle';
    if (ts - this.stats[id * STATS_STRIDE + STAT_FIRST] > t.activeS) return 'active';
    return null;
  }

  /** Examine the next slice of the table at the current packet's time. */
  private sweep(): void {
    const ts = this.packetTs;
    this.nextSweepTs = ts + SWEEP_INTERVAL_S;
    const max = this.nextId;
    const batch = Math.max(SWEEP_MIN_BATCH, Math.ceil((max * SWEEP_INTERVAL_S) / SWEEP_ROUND_S));
    for (let n = 0; n < batch && n < max; n++) {
      const id = this.sweepCursor;
      this.sweepCursor = id + 1 === max ? 0 : id + 1;
      if (this.live[id]) {
        const reason = this.expiredReason(id, ts);
        if (reason) this.end(id, reason);
      }
    }
  }

  private evictOne(): void {
    let victim = -1;
    let oldest = Infinity;
    const max = this.nextId;
    for (let seen = 0, n = 0; n < max && seen < EVICTION_CANDIDATES; n++) {
      const id = this.sweepCursor;
      this.sweepCursor = id + 1 === max ? 0 : id + 1;
      if (!this.live[id]) continue;
      seen++;
      if (this.stats[id * STATS_STRIDE + STAT_LAST] < oldest) {
        oldest = this.stats[id * STATS_STRIDE + STAT_LAST];
        victim = id;
      }
    }
    this.evicted++;
    this.end(victim, 'evicted');
  }

  /**
   * An endpoint's MAC is first taken from the destination of a packet to it, then replaced by the
   * source of its own first packet: across a router the destination is the gateway's MAC, while a
   * SPAN of access ports shows each sender's own MAC on the packets it sends.
   */
  private learnMac(id: number, endpoint: 0 | 1, frame: Buffer, offset: number, sender: boolean): void {
    const bit = endpoint === 0 ? 1 : 2;
    const fromSender = bit << 2;
    const known = this.macKnown[id];
    if (known & fromSender || (!sender && known & bit)) return;
    this.macKnown[id] = known | bit | (sender ? fromSender : 0);
    const base = id * 12 + endpoint * 6;
    for (let i = 0; i < 6; i++) this.macs[base + i] = frame[offset + i];
  }

  private tcpUpdate(id: number, dir: 0 | 1, flags: number, payload: number): void {
    this.tcpFlags[id * 2 + dir] |= flags;
    const state = this.tcpState[id];
    const syn = (flags & TCP_SYN) !== 0;
    const ack = (flags & TCP_ACK) !== 0;
    if (flags & TCP_RST) {
      this.tcpState[id] = TCP_STATE_RESET;
      this.addHistory(id, dir, 'R');
      return;
    }
    if (syn && !ack) {
      if (state === TCP_STATE_NONE) this.tcpState[id] = TCP_STATE_SYN_SENT;
      this.addHistory(id, dir, 'S');
    } else if (syn && ack) {
      if (state <= TCP_STATE_SYN_SENT) this.tcpState[id] = TCP_STATE_SYN_ACK;
      this.addHistory(id, dir, 'H');
    } else if (ack) {
      if (state === TCP_STATE_SYN_ACK || state === TCP_STATE_NONE) this.tcpState[id] = TCP_STATE_ESTABLISHED;
      if (payload === 0 && !(flags & TCP_FIN)) this.addHistory(id, dir, 'A');
    }
    if (payload > 0) this.addHistory(id, dir, 'D');
    if (flags & TCP_FIN) {
      this.addHistory(id, dir, 'F');
      const other = this.tcpFlags[id * 2 + (dir ^ 1)] & TCP_FIN;
      // A FIN after a RST (or a late one) must not reopen the connection.
      if (state !== TCP_STATE_RESET) this.tcpState[id] = other ? TCP_STATE_CLOSED : TCP_STATE_CLOSING;
    }
  }

  /** Zeek-style history: each event letter once per direction, upper case for the originator. */
  private addHistory(id: number, dir: 0 | 1, letter: string): void {
    const code = dir === 0 ? letter.charCodeAt(0) : letter.charCodeAt(0) + 32;
    const len = this.historyLength[id];
    const base = id * HISTORY_LEN;
    for (let i = 0; i < len; i++) if (this.history[base + i] === code) return;
    if (len === HISTORY_LEN) return;
    this.history[base + len] = code;
    this.historyLength[id] = len + 1;
  }
}
