import { macText } from '../decode/address-text.js';
import { IPPROTO_TCP, IPPROTO_UDP, TCP_FIN, TCP_RST, TCP_SYN, type DecodedPacket } from '../decode/decoded-packet.js';
import type { Direction, Dissector, DissectorContext, DissectorSession, Transport } from '../protocols/dissector.js';
import type { DissectorRegistry } from '../protocols/dissector-registry.js';
import type { Endpoint, ObservationValue } from '../protocols/observation.js';
import { flowEndpoint, keyPort } from './flow-endpoints.js';
import type { FlowTable } from './flow-table.js';
import { DEFAULT_TOTAL_HOLD_BYTES, ReassemblyBudget, TcpReassembler, type StreamSink } from './tcp-reassembler.js';

/**
 * Receives facts as their parts, so a sink that drops repeats (the analyzer) builds an object
 * only for facts it keeps.
 */
export interface ObservationSink {
  observe(ts: number, key: string, value: ObservationValue, src: Endpoint, dst: Endpoint, flow: number): void;
}

export interface DissectionOptions {
  /** Bytes delivered per direction before a dissector that is still not done is detached. */
  maxStreamDepth: number;
  /** Out-of-order bytes held across all streams. */
  maxHeldBytes: number;
}

export const DEFAULT_DISSECTION_OPTIONS: DissectionOptions = { maxStreamDepth: 8 * 1024 * 1024, maxHeldBytes: DEFAULT_TOTAL_HOLD_BYTES };

/**
 * FlowTable.userState values. They also say which of the maps below hold the flow, so that the
 * end of the many flows no dissector read costs no map lookup: only an UNDECIDED flow can be in
 * `pendingSyns`, only an ATTACHED one in `sessions`, only a DETACHED one in `detachedService`.
 */
const UNDECIDED = 0;
const ATTACHED = 1;
const NONE = 2;
/** Read by a dissector that is done with it: no more packets, but the flow keeps its service. */
const DETACHED = 3;

/**
 * The per-flow bridge from packets to dissectors: picks a dissector for each TCP or UDP flow,
 * reassembles TCP for it, and turns what it emits into observations with endpoints and times.
 * Flows without a dissector cost one byte of state and a port lookup.
 */
export class FlowDissection {
  private readonly sessions = new Map<number, FlowSession>();
  readonly budget: ReassemblyBudget;
  private readonly options: DissectionOptions;
  readonly maxStreamDepth: number;
  now = 0;
  /** Sessions that threw: the dissector is detached and the flow keeps being counted. */
  dissectorErrors = 0;
  streamGaps = 0;
  streamGapBytes = 0;
  attached = 0;

  constructor(
    private readonly registry: DissectorRegistry,
    private readonly flows: FlowTable,
    readonly sink: ObservationSink,
    options: Partial<DissectionOptions> = {},
  ) {
    this.options = { ...DEFAULT_DISSECTION_OPTIONS, ...options };
    this.budget = new ReassemblyBudget(this.options.maxHeldBytes);
    this.maxStreamDepth = this.options.maxStreamDepth;
  }

  /** Call after `flows.update(p)` returned `id`. */
  packet(id: number, p: DecodedPacket): void {
    const flows = this.flows;
    const state = flows.userState[id];
    // NONE and DETACHED: nothing reads this flow's packets any more.
    if (state >= NONE) return;
    this.now = p.ts;
    const dir = flows.direction;
    if (state === UNDECIDED) {
      if (p.fragment || (p.ipProto !== IPPROTO_TCP && p.ipProto !== IPPROTO_UDP)) {
        flows.userState[id] = NONE;
        return;
      }
      const transport: Transport = p.ipProto === IPPROTO_TCP ? 'tcp' : 'udp';
      const respPort = keyPort(flows.keys, id, flows.origIsA[id] === 1 ? 1 : 0);
      const origPort = keyPort(flows.keys, id, flows.origIsA[id] === 1 ? 0 : 1);
      let dissector = this.registry.byPort(transport, respPort, origPort);
      if (!dissector) {
        if (!this.registry.hasProbers) {
          flows.userState[id] = NONE;
          return;
        }
        // Wait for the first payload, then probe it once.
        if (p.payloadLength === 0) {
          if (transport === 'tcp' && p.tcpFlags & TCP_SYN) this.pendingSyn(id, dir, p.tcpSeq);
          return;
        }
        try {
          dissector = this.registry.probe(transport, dir, p.buf, p.payloadOffset, p.payloadLength);
        } catch {
          this.dissectorErrors++;
          dissector = null;
        }
        if (!dissector) {
          flows.userState[id] = NONE;
          this.pendingSyns.delete(id);
          return;
        }
      }
      try {
        this.attach(id, dissector, transport, origPort, respPort);
      } catch {
        // open() threw: the flow goes on without a dissector.
        this.dissectorErrors++;
        flows.userState[id] = NONE;
        this.pendingSyns.delete(id);
        return;
      }
    }
    const session = this.sessions.get(id);
    if (!session) return;
    try {
      session.packet(dir, p);
    } catch {
      this.dissectorErrors++;
      // Deliver nothing more to it, not even the held bytes that detaching flushes.
      session.finished = true;
      this.detach(id, session);
      return;
    }
    if (session.finished) this.detach(id, session);
  }

  /** The flow ended: close its session. Returns the name of the dissector that read it, if any. */
  flowEnd(id: number): string | null {
    const state = this.flows.userState[id];
    if (state === NONE) return null;
    if (state === UNDECIDED) {
      this.pendingSyns.delete(id);
      return null;
    }
    const session = state === ATTACHED ? this.sessions.get(id) : undefined;
    if (session) {
      try {
        session.close();
      } catch {
        this.dissectorErrors++;
        session.finished = true;
      }
      this.sessions.delete(id);
      session.release();
      return session.dissector.name;
    }
    const service = this.detachedService.get(id) ?? null;
    this.detachedService.delete(id);
    return service;
  }

  /** The dissector that reads (or read, before detaching) a live flow, if any: the flow's service. */
  serviceOf(id: number): string | null {
    return this.sessions.get(id)?.dissector.name ?? this.detachedService.get(id) ?? null;
  }

  get activeSessions(): number {
    return this.sessions.size;
  }

  /** SYN sequence numbers of flows still waiting for a first payload to probe. */
  private readonly pendingSyns = new Map<number, [number, number]>();

  private pendingSyn(id: number, dir: Direction, seq: number): void {
    let pair = this.pendingSyns.get(id);
    if (!pair) this.pendingSyns.set(id, (pair = [-1, -1]));
    pair[dir] = seq;
  }

  private attach(id: number, dissector: Dissector, transport: Transport, origPort: number, respPort: number): void {
    const session = new FlowSession(this, id, dissector, transport, origPort, respPort);
    const syns = this.pendingSyns.get(id);
    if (syns) {
      this.pendingSyns.delete(id);
      for (const d of [0, 1] as const) if (syns[d] >= 0) session.streams?.[d].syn(syns[d]);
    }
    this.sessions.set(id, session);
    this.flows.userState[id] = ATTACHED;
    this.attached++;
  }

  private detach(id: number, session: FlowSession): void {
    this.sessions.delete(id);
    this.flows.userState[id] = DETACHED;
    session.release();
    // Remember the service name for the flow record even after detaching.
    this.detachedService.set(id, session.dissector.name);
  }

  /** Service names of live flows whose dissector detached; cleared when the flow ends. */
  private readonly detachedService = new Map<number, string>();

  flowSerial(id: number): number {
    return this.flows.serial[id];
  }

  endpoint(id: number, role: 0 | 1): Endpoint {
    return flowEndpoint(this.flows, id, role);
  }
}

class FlowSession implements DissectorContext {
  readonly session: DissectorSession;
  readonly streams: [TcpReassembler, TcpReassembler] | null;
  private endpoints: [Endpoint, Endpoint] | null = null;
  private delivered0 = 0;
  private delivered1 = 0;
  finished = false;
  private fin0 = false;
  private fin1 = false;

  constructor(
    private readonly owner: FlowDissection,
    private readonly id: number,
    readonly dissector: Dissector,
    readonly transport: Transport,
    readonly originatorPort: number,
    readonly responderPort: number,
  ) {
    this.session = dissector.open(this);
    this.streams =
      transport === 'tcp' && dissector.reassemble !== false
        ? [new TcpReassembler(this.streamSink(0), owner.budget), new TcpReassembler(this.streamSink(1), owner.budget)]
        : null;
  }

  get ts(): number {
    return this.owner.now;
  }

  emit(key: string, value: ObservationValue, from: Direction): void {
    if (!this.endpoints) this.endpoints = [this.owner.endpoint(this.id, 0), this.owner.endpoint(this.id, 1)];
    let src = this.endpoints[from];
    const p = this.datagram;
    // A UDP flow keyed by addresses and ports can mix senders: DHCP clients all send from
    // 0.0.0.0:68 to 255.255.255.255:67. The fact belongs to the MAC of the datagram that proves it.
    if (p !== null && from === this.datagramDir && p.srcMacOffset >= 0 && src.mac !== null && !sameMac(p.buf, p.srcMacOffset, src.mac)) {
      src = { mac: macText(p.buf, p.srcMacOffset), ip: src.ip, port: src.port };
    }
    this.owner.sink.observe(this.owner.now, key, value, src, this.endpoints[from ^ 1], this.owner.flowSerial(this.id));
  }

  /** The datagram being delivered to a stream-less session, so `emit` can name its sender's MAC. */
  private datagram: DecodedPacket | null = null;
  private datagramDir: Direction = 0;

  packet(dir: Direction, p: DecodedPacket): void {
    if (!this.streams) {
      if (p.payloadLength > 0) {
        this.datagram = p;
        this.datagramDir = dir;
        try {
          this.session.data(dir, p.buf, p.payloadOffset, p.payloadLength);
        } finally {
          this.datagram = null;
        }
      }
      if (p.ipProto === IPPROTO_TCP && p.tcpFlags & (TCP_FIN | TCP_RST)) this.setFin(dir);
    } else {
      const stream = this.streams[dir];
      const flags = p.tcpFlags;
      if (flags & TCP_SYN) stream.syn(p.tcpSeq);
      if (p.payloadLength > 0) stream.segment(flags & TCP_SYN ? (p.tcpSeq + 1) >>> 0 : p.tcpSeq, p.buf, p.payloadOffset, p.payloadLength);
      if (flags & TCP_RST) {
        this.streams[0].finish();
        this.streams[1].finish();
        this.fin0 = this.fin1 = true;
      } else if (flags & TCP_FIN) {
        stream.finish();
        this.setFin(dir);
      }
    }
    if (this.session.done || (this.fin0 && this.fin1)) this.finish();
  }

  private setFin(dir: Direction): void {
    if (dir === 0) this.fin0 = true;
    else this.fin1 = true;
  }

  close(): void {
    if (this.streams) {
      this.streams[0].finish();
      this.streams[1].finish();
    }
    this.finish();
  }

  release(): void {
    if (!this.streams) return;
    for (const s of this.streams) {
      s.finish();
      this.owner.streamGaps += s.gaps;
      this.owner.streamGapBytes += s.gapBytes;
    }
  }

  private finish(): void {
    if (this.finished) return;
    this.finished = true;
    this.session.end?.();
  }

  private streamSink(dir: Direction): StreamSink {
    return {
      data: (buf, offset, length) => {
        if (this.finished || this.session.done) return;
        const delivered = dir === 0 ? (this.delivered0 += length) : (this.delivered1 += length);
        this.session.data(dir, buf, offset, length);
        if (delivered > this.owner.maxStreamDepth) this.finish();
      },
      gap: (length) => {
        if (this.finished || this.session.done) return;
        this.session.gap?.(dir, length);
      },
    };
  }
}

const HEX = '0123456789abcdef';

/** Whether the 6 bytes at `offset` are the MAC written as `text` (aa:bb:cc:dd:ee:ff), without allocating. */
function sameMac(buf: Buffer, offset: number, text: string): boolean {
  for (let i = 0; i < 6; i++) {
    const b = buf[offset + i];
    if (text.charCodeAt(i * 3) !== HEX.charCodeAt(b >> 4) || text.charCodeAt(i * 3 + 1) !== HEX.charCodeAt(b & 15)) return false;
  }
  return true;
}
