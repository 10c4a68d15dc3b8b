import { TCP_ACK, type DecodedPacket } from '../../decode/decoded-packet.js';
import type { ObservationValue } from '../observation.js';
import { sharedP0fDatabase, type P0fDatabase } from './p0f-database.js';
import { formatP0fSignature, matchP0f } from './p0f-match.js';
import { readTcpSignature, TcpSignature } from './tcp-signature.js';
import { grown, type Column } from '../../flow/grown-array.js';

/** Receives one fact about the packet's sender. */
export type TcpFingerprintEmit = (key: string, value: ObservationValue) => void;

/** (sender, signature) pairs remembered before starting again. */
const MAX_REPORTED = 1 << 20;

/**
 * A number naming the packet's sender (MAC and address) and every signature field the facts depend on (the
 * SYN's MSS too, for a SYN+ACK's window): two 32-bit FNV-1a hashes in 53 bits, so a collision, which would
 * only hide a second signature of one host, is out of reach.
 */
function senderSignatureKey(p: DecodedPacket, sig: TcpSignature, synMss: number): number {
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ 0x5bd1e995;
  const mix = (v: number): void => {
    a = Math.imul(a ^ v, 0x01000193);
    b = Math.imul(b ^ v, 0x5bd1e995) ^ (b >>> 15);
  };
  const addr = p.addrBuf;
  for (let i = 0; i < p.addrLength; i++) mix(addr[p.srcAddrOffset + i]);
  if (p.srcMacOffset >= 0) for (let i = 0; i < 6; i++) mix(p.frame[p.srcMacOffset + i]);
  mix(sig.synAck ? 1 : 0);
  mix(sig.ipVersion);
  mix(sig.ttl);
  mix(sig.ipOptionsLength);
  mix(sig.quirks);
  mix(sig.quirks >>> 8);
  mix(sig.quirks >>> 16);
  for (let i = 0; i < sig.optionCount; i++) mix(sig.optionLayout[i]);
  mix(sig.optionCount);
  mix(sig.eolPadding);
  mix(sig.mss);
  mix(sig.mss >>> 8);
  mix(sig.wscale);
  mix(sig.window);
  mix(sig.window >>> 8);
  mix(sig.payloadClass);
  mix(sig.headerLength);
  mix(sig.ts1 === 0 ? 0 : 1);
  mix(synMss);
  mix(synMss >>> 8);
  return (a >>> 0) * 0x200000 + ((b >>> 0) >>> 11);
}

const STATE_NONE = 0;
/** A SYN was fingerprinted; its SYN+ACK has not been. */
const STATE_SYN = 1;
/** The first SYN+ACK was fingerprinted too. */
const STATE_ACKED = 2;

/**
 * Passive OS fingerprints from the SYN and SYN+ACK of each TCP connection, as p0f v3 takes them
 * (knowledge/fingerprints/p0f). Like p0f, it fingerprints a SYN+ACK only when it saw the SYN it answers
 * (a window may be a multiple of the peer's MSS), only the first one, and not a retransmitted SYN; a SYN
 * that matches a userland tool (a scanner) ends the connection's fingerprinting.
 *
 * Facts: `tcp.syn_signature` / `tcp.synack_signature` (p0f's raw signature), `tcp.os` (an exact or generic
 * match), `tcp.os_fuzzy` (a fuzzy one), `tcp.tool` (a userland tool's SYN). Per-connection state lives in
 * columns indexed by flow id, grown with the flow table, so a packet allocates nothing until it yields a
 * fact. A host opens thousands of connections with the same stack: unless `everyConnection`, a signature
 * already reported for its sender (MAC and address) is neither matched nor reported again, which is what
 * the per-host facts would have kept anyway.
 */
export class TcpFingerprinter {
  private readonly sig = new TcpSignature();
  private state = new Uint8Array(0);
  private synMss = new Uint16Array(0);
  private synSeq = new Uint32Array(0);
  private clientPort = new Uint16Array(0);
  private flowSerial = new Float64Array(0);
  /** (sender, signature) already reported, with whether it was a tool's. */
  private readonly reported = new Map<number, boolean>();

  constructor(
    private readonly db: P0fDatabase = sharedP0fDatabase(),
    private readonly everyConnection = false,
  ) {}

  /** The key of this sender's signature (-1 when every connection is reported); `reported.get(key)` says whether it was, and if a tool's. */
  private senderKey(p: DecodedPacket, synMss: number): number {
    return this.everyConnection ? -1 : senderSignatureKey(p, this.sig, synMss);
  }

  private remember(key: number, tool: boolean): void {
    if (key < 0) return;
    // Bounded: forgetting can only report a signature again, never lose one.
    if (this.reported.size >= MAX_REPORTED) this.reported.clear();
    this.reported.set(key, tool);
  }

  /** Call for every packet of flow `id` (number `serial`) with the SYN flag set. */
  packet(id: number, serial: number, p: DecodedPacket, emit: TcpFingerprintEmit): void {
    const sig = this.sig;
    if (!readTcpSignature(p, sig)) return;
    if (id >= this.state.length) this.grow(id + 1);
    const known = this.flowSerial[id] === serial ? this.state[id] : STATE_NONE;
    if (!sig.synAck) {
      // p0f: "Perhaps just a simple dupe?" A retransmitted SYN is not fingerprinted twice.
      if (known !== STATE_NONE && p.srcPort === this.clientPort[id] && this.synSeq[id] === p.tcpSeq) return;
      this.flowSerial[id] = serial;
      const key = this.senderKey(p, 0);
      let tool = this.reported.get(key);
      if (tool === undefined) {
        const match = matchP0f(this.db, sig, 0);
        emit('tcp.syn_signature', formatP0fSignature(sig, 0));
        tool = match !== null && match.signature.label.osClass === null;
        if (tool) emit('tcp.tool', match!.signature.label.text);
        else if (match !== null) emit(match.fuzzy ? 'tcp.os_fuzzy' : 'tcp.os', match.signature.label.text);
        this.remember(key, tool);
      }
      if (tool) {
        this.state[id] = STATE_NONE;
        return;
      }
      this.state[id] = STATE_SYN;
      this.synMss[id] = sig.mss;
      this.synSeq[id] = p.tcpSeq;
      this.clientPort[id] = p.srcPort;
      return;
    }
    if ((p.tcpFlags & TCP_ACK) === 0 || known !== STATE_SYN || p.dstPort !== this.clientPort[id]) return;
    this.state[id] = STATE_ACKED;
    const synMss = this.synMss[id];
    const key = this.senderKey(p, synMss);
    if (this.reported.has(key)) return;
    const match = matchP0f(this.db, sig, synMss);
    emit('tcp.synack_signature', formatP0fSignature(sig, synMss));
    if (match !== null && match.signature.label.osClass !== null) emit(match.fuzzy ? 'tcp.os_fuzzy' : 'tcp.os', match.signature.label.text);
    this.remember(key, false);
  }

  private grow(min: number): void {
    let size = Math.max(1024, this.state.length);
    while (size < min) size *= 2;
    const grow = <T extends Column>(old: T): T => grown(old, size);
    this.state = grow(this.state);
    this.synMss = grow(this.synMss);
    this.synSeq = grow(this.synSeq);
    this.clientPort = grow(this.clientPort);
    const known = this.flowSerial.length;
    this.flowSerial = grow(this.flowSerial);
    // Serial 0 is a real flow: a fresh slot must not look like one.
    this.flowSerial.fill(-1, known);
  }
}
