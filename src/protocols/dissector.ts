import type { ObservationValue } from './observation.js';

/** 0: bytes sent by the flow's originator; 1: bytes sent by its responder. */
export type Direction = 0 | 1;
export type Transport = 'tcp' | 'udp';

/**
 * What a dissector session sees of its flow. `emit` attaches timestamps and endpoints, so a
 * dissector deals only in protocol facts.
 */
export interface DissectorContext {
  /** Record a fact learned from bytes sent in direction `from`. */
  emit(key: string, value: ObservationValue, from: Direction): void;
  /** Time of the data being delivered, seconds since the epoch. */
  readonly ts: number;
  readonly transport: Transport;
  /** Ports of the originator and responder. */
  readonly originatorPort: number;
  readonly responderPort: number;
}

/** Per-flow parser state. */
export interface DissectorSession {
  /**
   * UDP: one whole datagram. TCP: the next in-order bytes of one direction of the stream, in
   * chunks of any size (a message may be split at any byte). Must never throw.
   */
  data(dir: Direction, buf: Buffer, offset: number, length: number): void;
  /** TCP only: `length` bytes of this direction were lost; resynchronise or give up. */
  gap?(dir: Direction, length: number): void;
  /** The flow ended (FIN, RST, timeout or end of capture). */
  end?(): void;
  /** True once the session has what it needs: the engine stops delivering bytes to it. */
  readonly done: boolean;
}

/**
 * A protocol dissector. One instance per analysis; `open` makes a session per flow. Every
 * dissector passes the shared conformance suite (test/protocols/conformance.ts).
 */
export interface Dissector {
  /** Lower-case protocol name; also the prefix of every key it emits. */
  readonly name: string;
  readonly udpPorts: readonly number[];
  readonly tcpPorts: readonly number[];
  /** Whether TCP sessions want in-order reassembled bytes (true for every stream protocol). */
  readonly reassemble?: boolean;
  /**
   * Cheap heuristic on the first payload of a flow whose ports matched no dissector. Must not
   * allocate; `buf[offset..offset+length)` is the first payload seen in direction `dir`.
   */
  probe?(transport: Transport, dir: Direction, buf: Buffer, offset: number, length: number): boolean;
  open(ctx: DissectorContext): DissectorSession;
}
