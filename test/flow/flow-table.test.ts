import { describe, expect, it } from 'vitest';
import { PacketDecoder } from '../../src/decode/packet-decoder.js';
import { flowEndpoint } from '../../src/flow/flow-endpoints.js';
import {
  FlowTable,
  TCP_STATE_CLOSED,
  TCP_STATE_CLOSING,
  TCP_STATE_ESTABLISHED,
  TCP_STATE_NAMES,
  TCP_STATE_RESET,
  TCP_STATE_SYN_ACK,
  TCP_STATE_SYN_SENT,
  type FlowEndReason,
  type FlowTimeouts,
} from '../../src/flow/flow-table.js';
import { fixtureFrames } from '../decode/fixtures.js';
import { ACK, FIN, PSH, RST, SYN, Wire, type Spec } from './packets.js';

const TIMEOUTS: FlowTimeouts = { tcpIdleS: 100, udpIdleS: 20, otherIdleS: 5, activeS: 1000, closedS: 3 };

function table(options: { maxFlows?: number; timeouts?: Partial<FlowTimeouts>; vlanAware?: boolean } = {}) {
  const flows = new FlowTable({ maxFlows: options.maxFlows ?? 64, timeouts: { ...TIMEOUTS, ...options.timeouts }, vlanAware: options.vlanAware });
  const ended: { id: number; reason: FlowEndReason; serial: number; orig: string; packets: [number, number] }[] = [];
  flows.setListener({
    flowEnd: (id, reason) => {
      const o = flowEndpoint(flows, id, 0);
      ended.push({ id, reason, serial: flows.serial[id], orig: `${o.ip}:${o.port}`, packets: [flows.packets(id, 0), flows.packets(id, 1)] });
    },
  });
  return { flows, ended, wire: new Wire(flows) };
}

const ep = (flows: FlowTable, id: number, role: 0 | 1) => {
  const e = flowEndpoint(flows, id, role);
  return e.ip.includes(':') ? `[${e.ip}]:${e.port}` : `${e.ip}:${e.port}`;
};

describe('both directions map to one flow with the right originator', () => {
  // Client and server both ways round in address order, so a mix-up of endpoint A and B shows.
  for (const [client, server] of [
    ['10.98.0.9:40000', '10.98.0.2:80'],
    ['10.98.0.2:40000', '10.98.0.9:80'],
    ['[fd98::9]:40000', '[fd98::2]:443'],
    ['[fd98::2]:40000', '[fd98::9]:443'],
  ]) {
    it(`SYN sender is the originator: ${client} → ${server}`, () => {
      const { flows, wire } = table();
      const syn = wire.send({ from: client, to: server, flags: SYN, ts: 1 });
      const synAck = wire.send({ from: server, to: client, flags: SYN | ACK, ts: 1.1 });
      const ack = wire.send({ from: client, to: server, flags: ACK, ts: 1.2 });
      expect(syn).toEqual({ id: syn.id, dir: 0, isNew: true });
      expect(synAck).toEqual({ id: syn.id, dir: 1, isNew: false });
      expect(ack).toEqual({ id: syn.id, dir: 0, isNew: false });
      expect(ep(flows, syn.id, 0)).toBe(client);
      expect(ep(flows, syn.id, 1)).toBe(server);
      expect(flows.active).toBe(1);
      expect([flows.packets(syn.id, 0), flows.packets(syn.id, 1)]).toEqual([2, 1]);
    });

    it(`the receiver of a SYN-ACK seen first is the originator: ${client} → ${server}`, () => {
      const { flows, wire } = table();
      const synAck = wire.send({ from: server, to: client, flags: SYN | ACK, ts: 1 });
      expect(synAck.dir).toBe(1);
      expect(ep(flows, synAck.id, 0)).toBe(client);
      expect(wire.send({ from: client, to: server, flags: ACK, ts: 2 })).toEqual({ id: synAck.id, dir: 0, isNew: false });
    });
  }

  it('mid-stream UDP: the ephemeral-port side talking to a well-known port is the originator', () => {
    const { flows, wire } = table();
    // The DNS answer is the first packet seen.
    const answer = wire.send({ from: '10.98.0.2:53', to: '10.98.0.9:40000', proto: 'udp', ts: 1 });
    expect(answer.dir).toBe(1);
    expect(ep(flows, answer.id, 0)).toBe('10.98.0.9:40000');
    expect(ep(flows, answer.id, 1)).toBe('10.98.0.2:53');
    const query = wire.send({ from: '10.98.0.9:40000', to: '10.98.0.2:53', proto: 'udp', ts: 2 });
    expect(query).toEqual({ id: answer.id, dir: 0, isNew: false });
  });

  it('mid-stream TCP picks the ephemeral side too; otherwise the first sender originates', () => {
    const { flows, wire } = table();
    const a = wire.send({ from: '10.98.0.2:443', to: '10.98.0.9:50000', flags: ACK, ts: 1 });
    expect(ep(flows, a.id, 0)).toBe('10.98.0.9:50000');
    const b = wire.send({ from: '10.98.0.9:5000', to: '10.98.0.2:6000', proto: 'udp', ts: 1 });
    expect(ep(flows, b.id, 0)).toBe('10.98.0.9:5000');
    const c = wire.send({ from: '10.98.0.9:53', to: '10.98.0.2:123', proto: 'udp', ts: 1 });
    expect(ep(flows, c.id, 0)).toBe('10.98.0.9:53');
  });

  it('ICMP: one flow per address pair, the first sender originates', () => {
    const { flows, wire } = table();
    const req = wire.send({ from: '10.98.0.9', to: '10.98.0.2', proto: 'icmp', ts: 1 });
    const rep = wire.send({ from: '10.98.0.2', to: '10.98.0.9', proto: 'icmp', ts: 1 });
    expect(rep).toEqual({ id: req.id, dir: 1, isNew: false });
    expect(flowEndpoint(flows, req.id, 0)).toEqual({ mac: '02:98:00:00:00:01', ip: '10.98.0.9', port: 0 });
  });

  it('learns each endpoint’s MAC from the frames', () => {
    const { flows, wire } = table();
    const s = wire.send({ from: '10.98.0.9:40000', to: '10.98.0.2:80', flags: SYN, ts: 1, srcMac: '02:00:00:00:00:09', dstMac: '02:00:00:00:00:02' });
    expect(flowEndpoint(flows, s.id, 0).mac).toBe('02:00:00:00:00:09');
    expect(flowEndpoint(flows, s.id, 1).mac).toBe('02:00:00:00:00:02');
  });

  it('by default, the two directions of a routed conversation are one flow though their VLAN tags differ', () => {
    const { flows, wire } = table();
    // A SPAN of access ports: the modality's SYN on its VLAN 50, the PACS's answer on the data centre's VLAN 30.
    const syn = wire.send({ from: '10.50.0.12:50000', to: '10.30.0.20:104', flags: SYN, ts: 1, vlan: 50 });
    expect(wire.send({ from: '10.30.0.20:104', to: '10.50.0.12:50000', flags: SYN | ACK, ts: 1.001, vlan: 30 })).toEqual({ id: syn.id, dir: 1, isNew: false });
    expect(flows.active).toBe(1);
  });

  it('VLAN-aware, VLANs keep otherwise identical flows apart', () => {
    const { flows, wire } = table({ vlanAware: true });
    const base: Spec = { from: '10.98.0.9:40000', to: '10.98.0.2:80', flags: SYN, ts: 1 };
    const ids = [
      wire.send(base),
      wire.send({ ...base, vlan: 10 }),
      wire.send({ ...base, vlan: 20 }),
      wire.send({ ...base, vlan: 20, vlanOuter: 100 }),
      wire.send({ ...base, vlan: 20, vlanOuter: 200 }),
    ];
    expect(ids.every((s) => s.isNew)).toBe(true);
    expect(new Set(ids.map((s) => s.id)).size).toBe(5);
    expect(flows.active).toBe(5);
    // And the reply on VLAN 20 finds its own flow.
    expect(wire.send({ from: '10.98.0.2:80', to: '10.98.0.9:40000', flags: SYN | ACK, ts: 2, vlan: 20 })).toEqual({ id: ids[2].id, dir: 1, isNew: false });
  });

  it('counts packets, bytes and payload bytes per direction', () => {
    const { flows, wire } = table();
    const q = wire.send({ from: '10.98.0.9:40000', to: '10.98.0.2:53', proto: 'udp', data: 'x'.repeat(30), ts: 1 });
    wire.send({ from: '10.98.0.2:53', to: '10.98.0.9:40000', proto: 'udp', data: 'y'.repeat(100), ts: 1 });
    wire.send({ from: '10.98.0.2:53', to: '10.98.0.9:40000', proto: 'udp', data: 'z', ts: 1 });
    const id = q.id;
    expect([flows.packets(id, 0), flows.packets(id, 1)]).toEqual([1, 2]);
    expect([flows.payloadBytes(id, 0), flows.payloadBytes(id, 1)]).toEqual([30, 101]);
    expect([flows.bytes(id, 0), flows.bytes(id, 1)]).toEqual([14 + 28 + 30, 2 * (14 + 28) + 101]);
  });
});

describe('timeouts', () => {
  for (const [proto, limit] of [['tcp', TIMEOUTS.tcpIdleS], ['udp', TIMEOUTS.udpIdleS], ['icmp', TIMEOUTS.otherIdleS]] as const) {
    it(`${proto}: idle for exactly ${limit} s keeps the flow; a little more ends it ('idle')`, () => {
      const { flows, ended, wire } = table();
      const s: Spec = { from: '10.98.0.9:40000', to: '10.98.0.2:80', proto, ts: 0 };
      const first = wire.send({ ...s, ts: 10 });
      expect(wire.send({ ...s, ts: 10 + limit }).isNew).toBe(false);
      const later = wire.send({ ...s, ts: 10 + 2 * limit + 0.001 });
      expect(later.isNew).toBe(true);
      expect(ended).toMatchObject([{ id: first.id, reason: 'idle', serial: 1, packets: [2, 0] }]);
      expect(flows.serial[later.id]).toBe(2);
      expect(flows.firstTs(later.id)).toBe(10 + 2 * limit + 0.001);
    });
  }

  it("a flow longer than activeS ends ('active') and restarts, though never idle", () => {
    const { flows, ended, wire } = table({ timeouts: { activeS: 35 } });
    const s: Spec = { from: '10.98.0.9:40000', to: '10.98.0.2:53', proto: 'udp', ts: 0 };
    const ids = [0, 10, 20, 30, 35, 40, 50].map((ts) => wire.send({ ...s, ts }));
    expect(ids.map((x) => x.isNew)).toEqual([true, false, false, false, false, true, false]);
    expect(ended).toMatchObject([{ reason: 'active', packets: [5, 0] }]);
    expect(flows.firstTs(ids[6].id)).toBe(40);
  });

  const handshake = (wire: Wire, t: number, cport = 40000) => {
    const c = `10.98.0.9:${cport}`;
    const sv = '10.98.0.2:80';
    const syn = wire.send({ from: c, to: sv, flags: SYN, seq: 100, ts: t });
    wire.send({ from: sv, to: c, flags: SYN | ACK, seq: 500, ack: 101, ts: t });
    wire.send({ from: c, to: sv, flags: ACK, seq: 101, ack: 501, ts: t });
    return syn.id;
  };

  it("a closed TCP flow lingers closedS for late packets, then ends ('closed')", () => {
    const { flows, ended, wire } = table();
    const id = handshake(wire, 0);
    expect(flows.tcpState[id]).toBe(TCP_STATE_ESTABLISHED);
    wire.send({ from: '10.98.0.9:40000', to: '10.98.0.2:80', flags: FIN | ACK, ts: 1 });
    expect(flows.tcpState[id]).toBe(TCP_STATE_CLOSING);
    wire.send({ from: '10.98.0.2:80', to: '10.98.0.9:40000', flags: FIN | ACK, ts: 1 });
    expect(flows.tcpState[id]).toBe(TCP_STATE_CLOSED);
    // The last ACK, late, within the linger: same flow.
    expect(wire.send({ from: '10.98.0.9:40000', to: '10.98.0.2:80', flags: ACK, ts: 1 + TIMEOUTS.closedS })).toEqual({ id, dir: 0, isNew: false });
    expect(ended).toEqual([]);
    const after = wire.send({ from: '10.98.0.9:40000', to: '10.98.0.2:80', flags: ACK, ts: 1 + 2 * TIMEOUTS.closedS + 0.01 });
    expect(after.isNew).toBe(true);
    expect(ended).toMatchObject([{ id, reason: 'closed' }]);
  });

  it("a reset TCP flow lingers closedS too", () => {
    const { flows, ended, wire } = table();
    const id = handshake(wire, 0);
    wire.send({ from: '10.98.0.2:80', to: '10.98.0.9:40000', flags: RST, ts: 1 });
    expect(flows.tcpState[id]).toBe(TCP_STATE_RESET);
    flows.expireAll(1 + TIMEOUTS.closedS);
    expect(ended).toEqual([]);
    flows.expireAll(1 + TIMEOUTS.closedS + 0.01);
    expect(ended).toMatchObject([{ id, reason: 'closed' }]);
    expect(flows.active).toBe(0);
  });

  it("a SYN on the ports of a closed flow starts a new flow ('reused')", () => {
    const { flows, ended, wire } = table();
    const id = handshake(wire, 0);
    wire.send({ from: '10.98.0.9:40000', to: '10.98.0.2:80', flags: FIN | ACK, ts: 1 });
    wire.send({ from: '10.98.0.2:80', to: '10.98.0.9:40000', flags: FIN | ACK, ts: 1 });
    const again = wire.send({ from: '10.98.0.9:40000', to: '10.98.0.2:80', flags: SYN, seq: 9000, ts: 1.5 });
    expect(again.isNew).toBe(true);
    expect(ended).toMatchObject([{ id, reason: 'reused', serial: 1 }]);
    expect(flows.serial[again.id]).toBe(2);
    expect(flows.tcpState[again.id]).toBe(TCP_STATE_SYN_SENT);
    expect(flows.historyText(again.id)).toBe('S');
  });

  it('a retransmitted SYN in an open flow is the same flow', () => {
    const { ended, wire } = table();
    const first = wire.send({ from: '10.98.0.9:40000', to: '10.98.0.2:80', flags: SYN, ts: 0 });
    const again = wire.send({ from: '10.98.0.9:40000', to: '10.98.0.2:80', flags: SYN, ts: 1 });
    expect(again).toEqual({ id: first.id, dir: 0, isNew: false });
    expect(ended).toEqual([]);
  });

  it('a FIN after a RST does not reopen the flow: it still lingers and a new SYN still reuses', () => {
    const { flows, ended, wire } = table();
    const id = handshake(wire, 0);
    wire.send({ from: '10.98.0.2:80', to: '10.98.0.9:40000', flags: RST | ACK, ts: 1 });
    wire.send({ from: '10.98.0.9:40000', to: '10.98.0.2:80', flags: FIN | ACK, ts: 1.1 });
    expect(TCP_STATE_NAMES[flows.tcpState[id]]).toBe('reset');
    const again = wire.send({ from: '10.98.0.9:40000', to: '10.98.0.2:80', flags: SYN, ts: 1.2 });
    expect(again.isNew).toBe(true);
    expect(ended).toMatchObject([{ id, reason: 'reused' }]);
  });

  it('expired flows end in the background sweep without packets of their own', () => {
    const { flows, ended, wire } = table({ maxFlows: 16 });
    const stale = wire.send({ from: '10.98.0.9:40000', to: '10.98.0.2:53', proto: 'udp', ts: 0 });
    // Another flow's packets, long after: the sweep visits every id within maxFlows/2 packets.
    for (let i = 0; i < 8; i++) wire.send({ from: '10.98.0.7:1000', to: '10.98.0.2:53', proto: 'udp', ts: 100 + i });
    expect(ended).toMatchObject([{ id: stale.id, reason: 'idle' }]);
    expect(flows.active).toBe(1);
    flows.flush();
    expect(ended.map((e) => e.reason)).toEqual(['idle', 'end']);
    expect(flows.active).toBe(0);
  });
});

describe('eviction when the table is full', () => {
  it('is counted, reported, and picks the stalest flow', () => {
    const { flows, ended, wire } = table({ maxFlows: 8, timeouts: { udpIdleS: 1e6, activeS: 1e7 } });
    const ids = Array.from({ length: 8 }, (_, i) => wire.send({ from: `10.98.1.${i + 1}:5000`, to: '10.98.0.2:53', proto: 'udp', ts: i }).id);
    // Refresh every flow but the fourth.
    for (let i = 0; i < 8; i++) if (i !== 3) wire.send({ from: `10.98.1.${i + 1}:5000`, to: '10.98.0.2:53', proto: 'udp', ts: 100 + i });
    expect(flows.evicted).toBe(0);
    const ninth = wire.send({ from: '10.98.1.99:5000', to: '10.98.0.2:53', proto: 'udp', ts: 200 });
    expect(ninth.isNew).toBe(true);
    expect(flows.evicted).toBe(1);
    expect(ended).toMatchObject([{ id: ids[3], reason: 'evicted', orig: '10.98.1.4:5000' }]);
    expect(flows.active).toBe(8);
    // The other seven are all still found.
    for (let i = 0; i < 8; i++) {
      if (i === 3) continue;
      expect(wire.send({ from: `10.98.1.${i + 1}:5000`, to: '10.98.0.2:53', proto: 'udp', ts: 201 })).toMatchObject({ id: ids[i], isNew: false });
    }
  });

  it('in a larger table, each victim is staler than most flows', () => {
    const { flows, ended, wire } = table({ maxFlows: 256, timeouts: { udpIdleS: 1e6, activeS: 1e7 } });
    for (let i = 0; i < 2000; i++) {
      const before = ended.length;
      const live = Array.from(flows.live);
      const lastTs = live.map((_, id) => flows.lastTs(id));
      wire.send({ from: `10.98.${i >> 8}.${i & 255}:5000`, to: '10.98.0.2:53', proto: 'udp', ts: i });
      if (ended.length > before) {
        const victim = ended[ended.length - 1];
        expect(victim.reason).toBe('evicted');
        const fresher = lastTs.filter((t, id) => live[id] && t > lastTs[victim.id]).length;
        // The victim is the stalest of 8 candidates: at least 7 live flows are fresher.
        expect(fresher).toBeGreaterThanOrEqual(7);
      }
    }
    expect(flows.evicted).toBe(2000 - 256);
    expect(flows.active).toBe(256);
  });
});

describe('TCP history and state', () => {
  it('the recorded TCP conversations give Zeek-style histories', () => {
    const { flows, ended } = table();
    const decoder = new PacketDecoder();
    for (const f of fixtureFrames('tcp')) flows.update(decoder.decodeFrame(f.data, 0, f.data.length, f.origLen, f.linkType, f.ts));
    const seen = new Map<number, string>();
    for (let id = 0; id < flows.maxFlows; id++) if (flows.live[id]) seen.set(flows.serial[id], `${ep(flows, id, 0)} ${flows.historyText(id)} ${TCP_STATE_NAMES[flows.tcpState[id]]}`);
    expect(ended).toEqual([]);
    expect([...seen.entries()].sort(([a], [b]) => a - b).map(([, v]) => v.replace(/:\d+ /, ':* '))).toEqual([
      '10.98.0.1:* ShADadfF closed',
      '[fd98::1]:* ShADadfF closed',
      '10.98.0.1:* Sr reset',
    ]);
  });

  it('upper case for the originator also when the originator is the higher address', () => {
    const { flows, wire } = table();
    const c = '10.98.0.200:40000';
    const s = '10.98.0.2:80';
    const id = wire.send({ from: c, to: s, flags: SYN, ts: 0 }).id;
    expect(flows.tcpState[id]).toBe(TCP_STATE_SYN_SENT);
    wire.send({ from: s, to: c, flags: SYN | ACK, ts: 0 });
    expect(flows.tcpState[id]).toBe(TCP_STATE_SYN_ACK);
    wire.send({ from: c, to: s, flags: ACK, ts: 0 });
    wire.send({ from: c, to: s, flags: PSH | ACK, data: 'GET', ts: 0 });
    wire.send({ from: s, to: c, flags: PSH | ACK, data: 'OK', ts: 0 });
    wire.send({ from: s, to: c, flags: FIN | ACK, ts: 0 });
    wire.send({ from: c, to: s, flags: RST, ts: 0 });
    expect(flows.historyText(id)).toBe('ShADdfR');
    expect(flows.tcpState[id]).toBe(TCP_STATE_RESET);
    expect(flows.tcpFlags[id * 2]).toBe(SYN | ACK | PSH | RST);
    expect(flows.tcpFlags[id * 2 + 1]).toBe(SYN | ACK | PSH | FIN);
  });

  it('each letter once per direction, upper case for the originator, data with FIN counts both', () => {
    const { flows, wire } = table();
    const c = '10.98.0.9:40000';
    const s = '10.98.0.2:80';
    const id = wire.send({ from: c, to: s, flags: SYN, ts: 0 }).id;
    wire.send({ from: s, to: c, flags: SYN, ts: 0 });
    for (let i = 0; i < 3; i++) {
      wire.send({ from: c, to: s, flags: SYN, ts: 0 });
      wire.send({ from: c, to: s, flags: PSH | ACK, data: 'x', ts: 0 });
      wire.send({ from: s, to: c, flags: ACK, ts: 0 });
    }
    wire.send({ from: s, to: c, flags: FIN | PSH | ACK, data: 'bye', ts: 0 });
    expect(flows.historyText(id)).toBe('SsDadf');
    wire.send({ from: s, to: c, flags: SYN | ACK, ts: 0 });
    wire.send({ from: c, to: s, flags: SYN | ACK, ts: 0 });
    wire.send({ from: c, to: s, flags: FIN, ts: 0 });
    expect(flows.tcpState[id]).toBe(TCP_STATE_CLOSED);
    wire.send({ from: c, to: s, flags: ACK, ts: 0 });
    wire.send({ from: c, to: s, flags: RST, ts: 0 });
    wire.send({ from: s, to: c, flags: RST, ts: 0 });
    wire.send({ from: s, to: c, flags: PSH | ACK, data: 'late', ts: 0 });
    // All twelve letters, each once.
    expect(flows.historyText(id)).toBe('SsDadfhHFARr');
  });
});
