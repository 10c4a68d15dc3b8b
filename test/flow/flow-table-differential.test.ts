import { describe, expect, it } from 'vitest';
import { IPPROTO_ICMP, IPPROTO_TCP, IPPROTO_UDP, type DecodedPacket } from '../../src/decode/decoded-packet.js';
import { flowKeyOf, newKeyScratch } from '../../src/flow/flow-key.js';
import { FlowTable, type FlowEndReason, type FlowTimeouts } from '../../src/flow/flow-table.js';
import { randInt, rng } from '../decode/fixtures.js';
import { ACK, FIN, RST, RawPackets, SYN } from './packets.js';

// Thousands of random packets through the FlowTable and through a plain Map-based model of what
// it promises. Every flow the model holds must be findable in the table under the same id, every
// new flow must be new in both, and every flow the table ends must have a reason the model agrees
// with. A probe chain broken by deletion (backward shift) or by growing the index shows up as a
// live flow that can no longer be found.

interface ModelFlow {
  id: number;
  proto: number;
  firstTs: number;
  lastTs: number;
  /** Originator endpoint as `ip|port`. */
  orig: string;
  fin: Set<string>;
  reset: boolean;
}

interface Endpoint {
  ip: string;
  port: number;
}

type FindFn = (key: Uint32Array, hash: number) => number;

function run(seed: number, steps: number, maxFlows: number, timeouts: FlowTimeouts, nKeys: number, meanGapS: number, checkEvery = 97) {
  const r = rng(seed);
  // The model keeps VLANs apart, so the table does too; VLAN-blind keys are the same code with word 0 at 0.
  const flows = new FlowTable({ maxFlows, timeouts, vlanAware: true });
  const find = (flows as unknown as { find: FindFn }).find.bind(flows);
  const model = new Map<string, ModelFlow>();
  const byId = new Map<number, string>();
  const raw = new RawPackets();
  const scratch = newKeyScratch();
  scratch.vlanAware = true;
  let ts = 1000;
  let evictionAllowed = false;
  let flushing = false;
  /** expect() is slow: check plainly, and only hand failures to it. */
  const check = (ok: boolean, message: () => string) => {
    if (!ok) expect.fail(message());
  };
  const stats: Record<string, number> = { packets: 0, created: 0, idle: 0, active: 0, closed: 0, reused: 0, evicted: 0 };

  const closed = (f: ModelFlow) => f.reset || f.fin.size === 2;
  const expiry = (f: ModelFlow, now: number): FlowEndReason | null => {
    const idle = now - f.lastTs;
    if (closed(f)) return idle > timeouts.closedS ? 'closed' : null;
    const limit = f.proto === IPPROTO_TCP ? timeouts.tcpIdleS : f.proto === IPPROTO_UDP ? timeouts.udpIdleS : timeouts.otherIdleS;
    if (idle > limit) return 'idle';
    if (now - f.firstTs > timeouts.activeS) return 'active';
    return null;
  };

  // Every end the table reports must be one the model agrees with, at the time it happens.
  let pending: { synOnClosed: string | null } = { synOnClosed: null };
  flows.setListener({
    flowEnd: (id, reason) => {
      const key = byId.get(id);
      check(key !== undefined, () => `flow id ${id} ended (${reason}) but the model has no live flow there`);
      const f = model.get(key!)!;
      // At the end of input a flow already past its timeout is reported with it; others as 'end'.
      if (flushing) check(reason === (expiry(f, flows.now) ?? 'end'), () => `${key} flushed as ${reason}, the model says ${expiry(f, flows.now) ?? 'end'}`);
      else if (reason === 'evicted') check(evictionAllowed, () => `evicted ${key} though the table was not full`);
      else if (reason === 'reused') check(pending.synOnClosed === key, () => `reused ${key}`);
      else check(reason === expiry(f, ts), () => `${key} ended '${reason}', the model says ${expiry(f, ts)} at ${ts} (last ${f.lastTs}, first ${f.firstTs})`);
      stats[reason]++;
      model.delete(key!);
      byId.delete(id);
    },
  });

  // A pool of endpoint pairs: IPv4 and IPv6, well-known and ephemeral ports, two VLANs.
  const keys: { a: Endpoint; b: Endpoint; proto: number; vlan: number }[] = [];
  for (let i = 0; i < nKeys; i++) {
    const v6 = r() < 0.3;
    const host = (n: number) => (v6 ? `fd98::${(n + 1).toString(16)}` : `10.98.${n >> 8}.${n & 255}`);
    const proto = [IPPROTO_TCP, IPPROTO_TCP, IPPROTO_UDP, IPPROTO_UDP, IPPROTO_ICMP][randInt(r, 5)];
    const a = { ip: host(randInt(r, 4000)), port: proto === IPPROTO_ICMP ? 0 : 1024 + randInt(r, 60000) };
    let b = { ip: host(randInt(r, 50)), port: proto === IPPROTO_ICMP ? 0 : [53, 80, 443, 104, 2575][randInt(r, 5)] };
    if (b.ip === a.ip) b = { ...b, ip: host(4000 + i) };
    keys.push({ a, b, proto, vlan: r() < 0.2 ? 10 : 0 });
  }
  const textKey = (k: (typeof keys)[number]) => {
    const [x, y] = [`${k.a.ip}|${k.a.port}`, `${k.b.ip}|${k.b.port}`].sort();
    return `${k.vlan}/${k.proto}/${x}/${y}`;
  };

  const checkAllFound = (where: string) => {
    check(flows.active === model.size, () => `${where}: ${flows.active} flows active, the model has ${model.size}`);
    for (const [key, f] of model) {
      // Rebuild the packet to get its normalised key, then look it up without updating.
      const [vlan, proto, x, y] = key.split('/');
      const [xip, xport] = x.split('|');
      const [yip, yport] = y.split('|');
      const p = raw.make(xip, yip, Number(proto), Number(xport), Number(yport), 0, ts, Number(vlan));
      flowKeyOf(p, scratch);
      const found = find(scratch.key, scratch.hash);
      check(found === f.id && flows.live[f.id] === 1, () => `${where}: live flow ${key} (id ${f.id}) found as ${found}`);
    }
  };

  for (let step = 0; step < steps; step++) {
    ts += -Math.log(1 - r()) * meanGapS;
    if (r() < 0.002) {
      flows.expireAll(ts);
      continue;
    }
    // Recently used keys more often, so flows live long enough to see both directions.
    const k = keys[r() < 0.7 ? randInt(r, Math.max(1, nKeys >> 3)) : randInt(r, nKeys)];
    const key = textKey(k);
    const fromA = r() < 0.5;
    const src = fromA ? k.a : k.b;
    const dst = fromA ? k.b : k.a;
    let flags = 0;
    if (k.proto === IPPROTO_TCP) {
      const x = r();
      flags = x < 0.15 ? SYN : x < 0.25 ? SYN | ACK : x < 0.3 ? FIN | ACK : x < 0.33 ? RST : ACK;
    }
    const p: DecodedPacket = raw.make(src.ip, dst.ip, k.proto, src.port, dst.port, flags, ts, k.vlan);

    const before = model.get(key);
    const reason = before ? expiry(before, ts) : null;
    const synOnClosed = !!before && !reason && k.proto === IPPROTO_TCP && flags === SYN && closed(before);
    pending = { synOnClosed: synOnClosed ? key : null };
    const expectNew = !before || reason !== null || synOnClosed;
    evictionAllowed = expectNew && model.size - (before && expectNew ? 1 : 0) >= maxFlows;

    const id = flows.update(p);
    stats.packets++;
    const where = `seed ${seed} step ${step} ${key}`;
    check(flows.isNew === expectNew, () => `${where}: isNew ${flows.isNew} (model: live=${!!before} expiry=${reason} synOnClosed=${synOnClosed})`);
    check(expectNew || id === before!.id, () => `${where}: id ${id}, the model has ${before!.id}`);
    check(model.has(key) === !expectNew, () => `${where}: the table did not end the old flow`);

    let f = model.get(key);
    if (!f) {
      check(!byId.has(id), () => `${where}: id ${id} handed out while live`);
      // Originator: SYN sender, SYN-ACK receiver, else the ephemeral side, else the sender.
      let srcIsOrig = true;
      if (k.proto === IPPROTO_TCP && flags & SYN) srcIsOrig = (flags & ACK) === 0;
      else if (k.proto !== IPPROTO_ICMP) srcIsOrig = !(src.port < 1024 && dst.port >= 1024);
      const o = srcIsOrig ? src : dst;
      f = { id, proto: k.proto, firstTs: ts, lastTs: ts, orig: `${o.ip}|${o.port}`, fin: new Set(), reset: false };
      model.set(key, f);
      byId.set(id, key);
      stats.created++;
    }
    f.lastTs = Math.max(f.lastTs, ts);
    const srcKey = `${src.ip}|${src.port}`;
    check(flows.direction === (srcKey === f.orig ? 0 : 1), () => `${where}: direction ${flows.direction}, originator ${f.orig}`);
    if (flags & RST) f.reset = true;
    else if (flags & FIN) f.fin.add(srcKey);

    if (step % checkEvery === 0) checkAllFound(where);
  }
  checkAllFound(`seed ${seed} end`);
  expect(flows.created).toBe(stats.created);
  expect(flows.evicted).toBe(stats.evicted);
  flushing = true;
  flows.flush();
  expect(model.size).toBe(0);
  expect(flows.active).toBe(0);
  return stats;
}

const T: FlowTimeouts = { tcpIdleS: 40, udpIdleS: 20, otherIdleS: 10, activeS: 120, closedS: 3 };

describe('FlowTable against a Map-based model', () => {
  it.each([1, 2, 3, 4])('seed %i: a small, crowded table (evictions, expiries, reuse)', (seed) => {
    const stats = run(seed, 30000, 512, T, 3000, 0.02);
    // The run must exercise what it claims to.
    expect(stats.evicted).toBeGreaterThan(100);
    expect(stats.idle).toBeGreaterThan(100);
    expect(stats.reused + stats.closed).toBeGreaterThan(20);
  });

  it.each([5, 6])('seed %i: slow traffic, mostly expiries and active timeouts', (seed) => {
    const stats = run(seed, 20000, 2048, T, 1500, 0.05);
    expect(stats.idle + stats.closed).toBeGreaterThan(500);
    expect(stats.active).toBeGreaterThan(5);
  });

  it('a table that fills past 4096 flows (the index grows under live flows)', () => {
    const stats = run(7, 40000, 12000, { ...T, tcpIdleS: 1e5, udpIdleS: 1e5, otherIdleS: 1e5, activeS: 1e6 }, 20000, 0.001, 1999);
    expect(stats.created).toBeGreaterThan(9000);
  });
});
