import { describe, expect, it } from 'vitest';
import { PacketDecoder } from '../../src/decode/packet-decoder.js';
import { FlowDissection, type DissectionOptions } from '../../src/flow/flow-dissection.js';
import { FlowTable } from '../../src/flow/flow-table.js';
import type { Direction, Dissector, DissectorContext, DissectorSession, Transport } from '../../src/protocols/dissector.js';
import { DissectorRegistry } from '../../src/protocols/dissector-registry.js';
import type { Observation } from '../../src/protocols/observation.js';
import { fixtureFrames } from '../decode/fixtures.js';
import { ACK, FIN, PSH, RST, SYN, Wire } from './packets.js';

interface Behaviour {
  /** Throw from data() from this call on (1-based), from end(), from gap(), or from open(). */
  throwOnData?: number;
  throwOnEnd?: boolean;
  throwOnGap?: boolean;
  throwOnOpen?: boolean;
  /** Become done after this many data() calls. */
  doneAfter?: number;
}

/** A session that records everything it is given, and emits one fact per chunk. */
class RecordingSession implements DissectorSession {
  readonly chunks: { dir: Direction; text: string }[] = [];
  readonly gaps: { dir: Direction; length: number }[] = [];
  ends = 0;
  done = false;
  readonly ts: number[] = [];
  constructor(
    readonly ctx: DissectorContext,
    private readonly b: Behaviour,
  ) {}

  data(dir: Direction, buf: Buffer, offset: number, length: number): void {
    if (this.done) throw new Error('data after done');
    this.chunks.push({ dir, text: buf.toString('latin1', offset, offset + length) });
    this.ts.push(this.ctx.ts);
    if (this.b.throwOnData !== undefined && this.chunks.length >= this.b.throwOnData) throw new Error('dissector bug');
    this.ctx.emit('rec.chunk', length, dir);
    if (this.b.doneAfter === this.chunks.length) this.done = true;
  }

  gap(dir: Direction, length: number): void {
    this.gaps.push({ dir, length });
    if (this.b.throwOnGap) throw new Error('gap bug');
  }

  end(): void {
    this.ends++;
    if (this.b.throwOnEnd) throw new Error('end bug');
  }

  /** Each direction's bytes, concatenated. */
  stream(dir: Direction): string {
    return this.chunks
      .filter((c) => c.dir === dir)
      .map((c) => c.text)
      .join('');
  }
}

class RecordingDissector implements Dissector {
  readonly sessions: RecordingSession[] = [];
  probes: { transport: Transport; dir: Direction; text: string }[] = [];
  constructor(
    readonly name: string,
    readonly tcpPorts: readonly number[],
    readonly udpPorts: readonly number[],
    private readonly b: Behaviour = {},
    readonly reassemble?: boolean,
    probePrefix?: string,
  ) {
    if (probePrefix !== undefined) {
      this.probe = (transport, dir, buf, offset, length) => {
        const text = buf.toString('latin1', offset, offset + length);
        this.probes.push({ transport, dir, text });
        return text.startsWith(probePrefix);
      };
    }
  }

  probe?: Dissector['probe'];

  open(ctx: DissectorContext): DissectorSession {
    if (this.b.throwOnOpen) throw new Error('open bug');
    const s = new RecordingSession(ctx, this.b);
    this.sessions.push(s);
    return s;
  }
}

function setup(dissectors: Dissector[], options: Partial<DissectionOptions> = {}) {
  const flows = new FlowTable({ maxFlows: 64 });
  const observations: Observation[] = [];
  const dissection = new FlowDissection(new DissectorRegistry(dissectors), flows, { observe: (ts, key, value, src, dst, flow) => observations.push({ ts, key, value, src, dst, flow }) }, options);
  flows.setListener({ flowEnd: (id) => dissection.flowEnd(id) });
  return { flows, dissection, observations, wire: new Wire(flows, dissection) };
}

const C = '10.98.0.200:40000';
const S = '10.98.0.2:7777';

/** A TCP conversation: handshake at ISNs 1000 (client) and 9000 (server). */
function handshake(wire: Wire, client = C, server = S, ts = 1) {
  wire.send({ from: client, to: server, flags: SYN, seq: 1000, ts });
  wire.send({ from: server, to: client, flags: SYN | ACK, seq: 9000, ack: 1001, ts });
  return wire.send({ from: client, to: server, flags: ACK, seq: 1001, ack: 9001, ts });
}

describe('FlowDissection: UDP', () => {
  it('delivers each datagram whole, per direction, with the flow’s ports', () => {
    const d = new RecordingDissector('rec', [], [7777]);
    const { wire, dissection } = setup([d]);
    wire.send({ from: C, to: S, proto: 'udp', data: 'query one', ts: 1 });
    wire.send({ from: S, to: C, proto: 'udp', data: 'answer one', ts: 2 });
    wire.send({ from: C, to: S, proto: 'udp', data: '', ts: 3 });
    wire.send({ from: C, to: S, proto: 'udp', data: 'query two', ts: 4 });
    expect(d.sessions).toHaveLength(1);
    const s = d.sessions[0];
    expect(s.chunks).toEqual([
      { dir: 0, text: 'query one' },
      { dir: 1, text: 'answer one' },
      { dir: 0, text: 'query two' },
    ]);
    expect(s.ts).toEqual([1, 2, 4]);
    expect([s.ctx.transport, s.ctx.originatorPort, s.ctx.responderPort]).toEqual(['udp', 40000, 7777]);
    expect(dissection.serviceOf(wire.send({ from: C, to: S, proto: 'udp', data: 'x', ts: 5 }).id)).toBe('rec');
  });

  it('picked up at the answer, directions are still right', () => {
    const d = new RecordingDissector('rec', [], [53]);
    const { wire } = setup([d]);
    wire.send({ from: '10.98.0.2:53', to: C, proto: 'udp', data: 'answer', ts: 1 });
    wire.send({ from: C, to: '10.98.0.2:53', proto: 'udp', data: 'next query', ts: 2 });
    expect(d.sessions[0].chunks).toEqual([
      { dir: 1, text: 'answer' },
      { dir: 0, text: 'next query' },
    ]);
  });

  it('matches by the originator’s port when the responder’s is unknown', () => {
    const d = new RecordingDissector('rec', [], [40000]);
    const { wire } = setup([d]);
    wire.send({ from: C, to: '10.98.0.2:60000', proto: 'udp', data: 'x', ts: 1 });
    expect(d.sessions).toHaveLength(1);
  });

  it('leaves flows of other ports, ICMP and fragments alone', () => {
    const d = new RecordingDissector('rec', [7777], [7777]);
    const { wire, dissection } = setup([d]);
    wire.send({ from: C, to: '10.98.0.2:7778', proto: 'udp', data: 'x', ts: 1 });
    wire.send({ from: '10.98.0.200', to: '10.98.0.2', proto: 'icmp', data: 'ping', ts: 1 });
    expect(d.sessions).toHaveLength(0);
    expect(dissection.activeSessions).toBe(0);
  });
});

describe('FlowDissection: TCP', () => {
  it('reassembles each direction in order, across loss of order, retransmission and overlap', () => {
    const d = new RecordingDissector('rec', [7777], []);
    const { wire, dissection } = setup([d]);
    handshake(wire);
    // Client: "GET /a HTTP/1.0\r\n\r\n" in three segments, the last first, one retransmitted.
    wire.send({ from: C, to: S, flags: PSH | ACK, seq: 1008, data: 'HTTP/1.0\r\n\r\n', ts: 2 });
    wire.send({ from: C, to: S, flags: PSH | ACK, seq: 1005, data: '/a ', ts: 2 });
    wire.send({ from: C, to: S, flags: PSH | ACK, seq: 1001, data: 'GET /a', ts: 2 });
    wire.send({ from: C, to: S, flags: PSH | ACK, seq: 1001, data: 'GET ', ts: 2 });
    // Server: two segments in order, then one overlapping both.
    wire.send({ from: S, to: C, flags: PSH | ACK, seq: 9001, data: 'HTTP/1.0 200', ts: 3 });
    wire.send({ from: S, to: C, flags: PSH | ACK, seq: 9013, data: ' OK\r\n', ts: 3 });
    wire.send({ from: S, to: C, flags: PSH | ACK, seq: 9010, data: '200 OK\r\n\r\nbody', ts: 3 });
    const s = d.sessions[0];
    expect(s.stream(0)).toBe('GET /a HTTP/1.0\r\n\r\n');
    expect(s.stream(1)).toBe('HTTP/1.0 200 OK\r\n\r\nbody');
    expect(s.gaps).toEqual([]);
    expect(s.ctx.transport).toBe('tcp');
    // Both FINs end the session, once, and detach it.
    wire.send({ from: C, to: S, flags: FIN | ACK, seq: 1020, ts: 4 });
    expect(s.ends).toBe(0);
    wire.send({ from: S, to: C, flags: FIN | ACK, seq: 9023, ts: 4 });
    expect(s.ends).toBe(1);
    expect(dissection.activeSessions).toBe(0);
  });

  it('a SYN carrying data delivers it', () => {
    const d = new RecordingDissector('rec', [7777], []);
    const { wire } = setup([d]);
    wire.send({ from: C, to: S, flags: SYN, seq: 50, data: 'fast open', ts: 1 });
    wire.send({ from: C, to: S, flags: ACK, seq: 60, data: '!', ts: 1 });
    expect(d.sessions[0].stream(0)).toBe('fast open!');
  });

  it('the recorded conversations arrive whole, per direction', () => {
    const d = new RecordingDissector('rec', [8080, 8443], []);
    const { flows, dissection } = setup([d]);
    const decoder = new PacketDecoder();
    for (const f of fixtureFrames('tcp')) {
      const p = decoder.decodeFrame(f.data, 0, f.data.length, f.origLen, f.linkType, f.ts);
      dissection.packet(flows.update(p), p);
    }
    const request = 'HELO vigil\r\nDATA ' + 'y'.repeat(100) + '\r\nQUIT\r\n';
    const reply = '220 vigil fixture server\r\n' + 'x'.repeat(300) + '\r\n';
    expect(d.sessions.map((s) => [s.ctx.originatorPort > 1024, s.ctx.responderPort, s.stream(0), s.stream(1), s.ends])).toEqual([
      [true, 8080, request, reply, 1],
      [true, 8443, request, reply, 1],
    ]);
  });

  it('reassemble: false delivers segments as they come', () => {
    const d = new RecordingDissector('rec', [7777], [], {}, false);
    const { wire } = setup([d]);
    handshake(wire);
    wire.send({ from: C, to: S, flags: PSH | ACK, seq: 1004, data: 'def', ts: 2 });
    wire.send({ from: C, to: S, flags: PSH | ACK, seq: 1001, data: 'abc', ts: 2 });
    expect(d.sessions[0].chunks.map((c) => c.text)).toEqual(['def', 'abc']);
  });

  it('a hole the budget cannot wait for reaches the session as a gap, and is counted', () => {
    const d = new RecordingDissector('rec', [7777], []);
    const { wire, dissection } = setup([d], { maxHeldBytes: 8 });
    handshake(wire);
    wire.send({ from: C, to: S, flags: PSH | ACK, seq: 1001, data: 'abc', ts: 2 });
    wire.send({ from: C, to: S, flags: PSH | ACK, seq: 1010, data: 'jklmnop', ts: 2 });
    wire.send({ from: C, to: S, flags: PSH | ACK, seq: 1017, data: 'qr', ts: 2 });
    const s = d.sessions[0];
    expect(s.stream(0)).toBe('abcjklmnopqr');
    expect(s.gaps).toEqual([{ dir: 0, length: 6 }]);
    expect(dissection.budget.overflows).toBe(1);
    wire.send({ from: S, to: C, flags: RST, seq: 9001, ts: 3 });
    expect(s.ends).toBe(1);
    expect([dissection.streamGaps, dissection.streamGapBytes]).toEqual([1, 6]);
  });

  it('at flow end, held data is delivered after its gap, then the session ends', () => {
    const d = new RecordingDissector('rec', [7777], []);
    const { flows, wire, dissection } = setup([d]);
    handshake(wire);
    wire.send({ from: C, to: S, flags: PSH | ACK, seq: 1001, data: 'ab', ts: 2 });
    wire.send({ from: C, to: S, flags: PSH | ACK, seq: 1008, data: 'hi', ts: 2 });
    const s = d.sessions[0];
    expect(s.stream(0)).toBe('ab');
    flows.flush();
    expect(s.stream(0)).toBe('abhi');
    expect(s.gaps).toEqual([{ dir: 0, length: 5 }]);
    expect(s.ends).toBe(1);
    expect(dissection.activeSessions).toBe(0);
    expect(dissection.budget.held).toBe(0);
  });

  it('stops delivering past maxStreamDepth', () => {
    const d = new RecordingDissector('rec', [7777], []);
    const { wire, dissection } = setup([d], { maxStreamDepth: 10 });
    handshake(wire);
    wire.send({ from: C, to: S, flags: PSH | ACK, seq: 1001, data: '0123456', ts: 2 });
    wire.send({ from: C, to: S, flags: PSH | ACK, seq: 1008, data: '789abc', ts: 2 });
    wire.send({ from: C, to: S, flags: PSH | ACK, seq: 1014, data: 'more', ts: 2 });
    expect(d.sessions[0].stream(0)).toBe('0123456789abc');
    expect(d.sessions[0].ends).toBe(1);
    expect(dissection.activeSessions).toBe(0);
  });
});

describe('FlowDissection: done, errors, probes', () => {
  it('`done` detaches the session: nothing more is delivered, the service name is kept', () => {
    const d = new RecordingDissector('rec', [7777], [7777], { doneAfter: 2 });
    const { wire, dissection } = setup([d]);
    const first = wire.send({ from: C, to: S, proto: 'udp', data: 'one', ts: 1 });
    wire.send({ from: S, to: C, proto: 'udp', data: 'two', ts: 1 });
    wire.send({ from: C, to: S, proto: 'udp', data: 'three', ts: 1 });
    const s = d.sessions[0];
    expect(s.chunks.map((c) => c.text)).toEqual(['one', 'two']);
    expect(s.ends).toBe(1);
    expect(dissection.activeSessions).toBe(0);
    // Detached, but the flow's service is still known until the flow ends.
    expect(dissection.serviceOf(first.id)).toBe('rec');
    expect(d.sessions).toHaveLength(1);
  });

  it('`done` in the middle of a TCP chunk run stops the rest of the reassembled bytes too', () => {
    const d = new RecordingDissector('rec', [7777], [], { doneAfter: 1 });
    const { wire } = setup([d]);
    handshake(wire);
    wire.send({ from: C, to: S, flags: PSH | ACK, seq: 1004, data: 'def', ts: 2 });
    wire.send({ from: C, to: S, flags: PSH | ACK, seq: 1001, data: 'abc', ts: 2 });
    wire.send({ from: S, to: C, flags: PSH | ACK, seq: 9001, data: 'reply', ts: 2 });
    expect(d.sessions[0].chunks.map((c) => c.text)).toEqual(['abc']);
  });

  it('a dissector that throws is detached and counted; the flow and other flows go on', () => {
    const bad = new RecordingDissector('bad', [], [7777], { throwOnData: 2 });
    const good = new RecordingDissector('good', [], [8888]);
    const { flows, wire, dissection } = setup([bad, good]);
    const a = wire.send({ from: C, to: S, proto: 'udp', data: 'one', ts: 1 });
    expect(() => wire.send({ from: C, to: S, proto: 'udp', data: 'two', ts: 2 })).not.toThrow();
    wire.send({ from: C, to: S, proto: 'udp', data: 'three', ts: 3 });
    wire.send({ from: C, to: '10.98.0.2:8888', proto: 'udp', data: 'fine', ts: 3 });
    expect(dissection.dissectorErrors).toBe(1);
    expect(bad.sessions[0].chunks.map((c) => c.text)).toEqual(['one', 'two']);
    expect(flows.packets(a.id, 0)).toBe(3);
    expect(good.sessions[0].chunks.map((c) => c.text)).toEqual(['fine']);
    expect(dissection.activeSessions).toBe(1);
  });

  it('a TCP dissector that throws while out-of-order data is held is detached without throwing again', () => {
    const bad = new RecordingDissector('bad', [7777], [], { throwOnData: 1 });
    const { flows, wire, dissection } = setup([bad]);
    handshake(wire);
    wire.send({ from: C, to: S, flags: PSH | ACK, seq: 1004, data: 'def', ts: 2 });
    expect(() => wire.send({ from: C, to: S, flags: PSH | ACK, seq: 1001, data: 'abc', ts: 2 })).not.toThrow();
    expect(dissection.dissectorErrors).toBe(1);
    expect(bad.sessions[0].chunks.map((c) => c.text)).toEqual(['abc']);
    expect(dissection.activeSessions).toBe(0);
    expect(dissection.budget.held).toBe(0);
    expect(() => flows.flush()).not.toThrow();
  });

  it('a dissector whose end() throws at flow end is counted, not thrown', () => {
    const bad = new RecordingDissector('bad', [], [7777], { throwOnEnd: true });
    const { flows, wire, dissection } = setup([bad]);
    wire.send({ from: C, to: S, proto: 'udp', data: 'one', ts: 1 });
    expect(() => flows.flush()).not.toThrow();
    expect(dissection.dissectorErrors).toBe(1);
    expect(dissection.activeSessions).toBe(0);
  });

  it('a dissector whose gap() throws is counted and detached', () => {
    const bad = new RecordingDissector('bad', [7777], [], { throwOnGap: true });
    const { wire, dissection } = setup([bad], { maxHeldBytes: 4 });
    handshake(wire);
    expect(() => wire.send({ from: C, to: S, flags: PSH | ACK, seq: 1010, data: 'later', ts: 2 })).not.toThrow();
    expect(dissection.dissectorErrors).toBe(1);
    expect(dissection.activeSessions).toBe(0);
  });

  it('a dissector whose open() throws is counted; the flow goes on without it', () => {
    const bad = new RecordingDissector('bad', [], [7777], { throwOnOpen: true });
    const { flows, wire, dissection } = setup([bad]);
    let id = -1;
    expect(() => (id = wire.send({ from: C, to: S, proto: 'udp', data: 'one', ts: 1 }).id)).not.toThrow();
    wire.send({ from: C, to: S, proto: 'udp', data: 'two', ts: 2 });
    expect(dissection.dissectorErrors).toBe(1);
    expect(flows.packets(id, 0)).toBe(2);
    expect(dissection.activeSessions).toBe(0);
  });

  it('a dissector that throws on the held bytes flushed at flow end is counted, not thrown', () => {
    const bad = new RecordingDissector('bad', [7777], [], { throwOnData: 2 });
    const { flows, wire, dissection } = setup([bad]);
    handshake(wire);
    wire.send({ from: C, to: S, flags: PSH | ACK, seq: 1001, data: 'ab', ts: 2 });
    wire.send({ from: C, to: S, flags: PSH | ACK, seq: 1005, data: 'ef', ts: 2 });
    wire.send({ from: C, to: S, flags: PSH | ACK, seq: 1009, data: 'ij', ts: 2 });
    expect(() => flows.flush()).not.toThrow();
    expect(dissection.dissectorErrors).toBe(1);
    expect(bad.sessions[0].chunks.map((c) => c.text)).toEqual(['ab', 'ef']);
    expect(dissection.budget.held).toBe(0);
  });

  it('a probe that throws is counted; the flow goes on without a dissector', () => {
    const bad = new RecordingDissector('bad', [], []);
    bad.probe = () => {
      throw new Error('probe bug');
    };
    const { wire, dissection } = setup([bad]);
    expect(() => wire.send({ from: C, to: '10.98.0.2:31337', proto: 'udp', data: 'x', ts: 1 })).not.toThrow();
    wire.send({ from: C, to: '10.98.0.2:31337', proto: 'udp', data: 'y', ts: 2 });
    expect(dissection.dissectorErrors).toBe(1);
    expect(bad.sessions).toHaveLength(0);
  });

  it('probes the first payload when no port matches, and attaches with the stream intact', () => {
    const byPort = new RecordingDissector('ported', [7777], []);
    const probed = new RecordingDissector('probed', [], [], {}, undefined, 'VIGIL');
    const { wire, dissection } = setup([byPort, probed]);
    const c = '10.98.0.200:40001';
    const s = '10.98.0.2:31337';
    handshake(wire, c, s);
    expect(probed.probes).toEqual([]);
    // The server speaks first.
    const banner = wire.send({ from: s, to: c, flags: PSH | ACK, seq: 9001, data: 'VIGIL ready\r\n', ts: 2 });
    wire.send({ from: c, to: s, flags: PSH | ACK, seq: 1001, data: 'hello', ts: 2 });
    expect(probed.probes).toEqual([{ transport: 'tcp', dir: 1, text: 'VIGIL ready\r\n' }]);
    expect(probed.sessions).toHaveLength(1);
    expect(probed.sessions[0].stream(1)).toBe('VIGIL ready\r\n');
    expect(probed.sessions[0].stream(0)).toBe('hello');
    expect(dissection.serviceOf(banner.id)).toBe('probed');
    // A port match never probes.
    handshake(wire, c, S);
    wire.send({ from: c, to: S, flags: PSH | ACK, seq: 1001, data: 'VIGIL too', ts: 3 });
    expect(probed.probes).toHaveLength(1);
    expect(byPort.sessions).toHaveLength(1);
  });

  it('a first payload the probes reject settles the flow: later payloads are not probed', () => {
    const probed = new RecordingDissector('probed', [], [], {}, undefined, 'VIGIL');
    const { wire, dissection } = setup([probed]);
    wire.send({ from: C, to: '10.98.0.2:31337', proto: 'udp', data: 'nope', ts: 1 });
    wire.send({ from: C, to: '10.98.0.2:31337', proto: 'udp', data: 'VIGIL', ts: 2 });
    expect(probed.probes.map((p) => p.text)).toEqual(['nope']);
    expect(probed.sessions).toHaveLength(0);
    expect(dissection.attached).toBe(0);
  });
});

describe('FlowDissection: observations', () => {
  it('carry the sender of the bytes as src, with MACs, ports, time and flow number', () => {
    const d = new RecordingDissector('rec', [], [7777]);
    const { wire, observations, flows } = setup([d]);
    // The client is the higher address (endpoint B of the key), so a swapped mapping shows.
    const q = wire.send({ from: C, to: S, proto: 'udp', data: 'q', ts: 10, srcMac: '02:00:00:00:00:c8', dstMac: '02:00:00:00:00:02' });
    wire.send({ from: S, to: C, proto: 'udp', data: 'answer', ts: 11, srcMac: '02:00:00:00:00:02', dstMac: '02:00:00:00:00:c8' });
    const client = { mac: '02:00:00:00:00:c8', ip: '10.98.0.200', port: 40000 };
    const server = { mac: '02:00:00:00:00:02', ip: '10.98.0.2', port: 7777 };
    expect(observations).toEqual([
      { ts: 10, key: 'rec.chunk', value: 1, src: client, dst: server, flow: flows.serial[q.id] },
      { ts: 11, key: 'rec.chunk', value: 6, src: server, dst: client, flow: flows.serial[q.id] },
    ]);
  });

  it('IPv6 endpoints, picked up mid-stream from the responder', () => {
    const d = new RecordingDissector('rec', [443], []);
    const { wire, observations } = setup([d]);
    wire.send({ from: '[fd98::2]:443', to: '[fd98::abcd]:50000', flags: PSH | ACK, seq: 5, data: 'server', ts: 1 });
    wire.send({ from: '[fd98::abcd]:50000', to: '[fd98::2]:443', flags: PSH | ACK, seq: 77, data: 'client', ts: 2 });
    expect(observations.map((o) => [o.value, o.src.ip, o.src.port, o.dst.ip, o.dst.port])).toEqual([
      [6, 'fd98::2', 443, 'fd98::abcd', 50000],
      [6, 'fd98::abcd', 50000, 'fd98::2', 443],
    ]);
    expect(d.sessions[0].ctx.originatorPort).toBe(50000);
  });
});
