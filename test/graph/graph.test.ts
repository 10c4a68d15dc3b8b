import { describe, expect, it } from 'vitest';
import { blastRadius, reachersOf } from '../../src/graph/blast-radius.js';
import { articulationPoints, betweenness, chokePoints } from '../../src/graph/choke-points.js';
import { DeviceGraph, type GraphDevice } from '../../src/graph/device-graph.js';
import { LateralMovement } from '../../src/graph/lateral-movement.js';
import { Taxonomy } from '../../src/inventory/taxonomy.js';

const taxonomy = Taxonomy.load();
const lateral = LateralMovement.load();
const dev = (id: number, category: string | null = null): GraphDevice => ({ id, label: `d${id}`, category, role: null });

// 1 workstation --smb--> 2 engine --hl7--> 3 EHR; 2 --ntp--> 4 ntp; 5 pump --https--> 6 pump server; 6 --rdp--> 2
const devices = [dev(1, 'workstation'), dev(2, 'hl7-engine'), dev(3, 'ehr'), dev(4, 'server'), dev(5, 'infusion-pump'), dev(6, 'pump-server')];
const e = (from: number, to: number, transport: string, port: number, service: string | null) => ({ from, to, service: `${transport}/${port}${service ? ` ${service}` : ''}`, lateral: lateral.allows(transport, port, service) });
const g = new DeviceGraph(devices, [e(1, 2, 'tcp', 445, 'smb'), e(2, 3, 'tcp', 2575, 'hl7'), e(2, 4, 'udp', 123, 'ntp'), e(5, 6, 'tcp', 443, 'tls'), e(6, 2, 'tcp', 3389, 'rdp'), e(1, 2, 'tcp', 445, 'smb')]);

describe('blast radius', () => {
  it('follows lateral-movement conversations hop by hop, not time sync', () => {
    const r = blastRadius(g, 1, taxonomy);
    expect(r.reachable.map((x) => [x.device.id, x.hops, x.from.id])).toEqual([
      [2, 1, 1],
      [3, 2, 2],
    ]);
    expect(r.reachable[0].services).toEqual(['tcp/445 smb']);
    expect(r.reachableWeight.byCategory).toEqual({ 'hl7-engine': 1, ehr: 1 });
  });

  it('bounds the walk by hops and lists the dependents that lose a service', () => {
    expect(blastRadius(g, 5, taxonomy, 1).reachable.map((x) => x.device.id)).toEqual([6]);
    expect(blastRadius(g, 5, taxonomy, 3).reachable.map((x) => x.device.id)).toEqual([6, 2, 3]);
    const engine = blastRadius(g, 2, taxonomy);
    expect(engine.dependents.map((d) => d.device.id).sort()).toEqual([1, 6]);
    expect(engine.dependentWeight.devices).toBe(2);
  });

  it('answers the reverse: who can reach a device', () => {
    expect(reachersOf(g, 3).map((r) => [r.device.id, r.hops])).toEqual([
      [2, 1],
      [1, 2],
      [6, 2],
      [5, 3],
    ]);
    expect(() => reachersOf(g, 99)).toThrow('no device 99');
  });
});

describe('choke points', () => {
  it('finds the articulation points and how many devices each cuts off', () => {
    const cut = articulationPoints(g);
    // Undirected: 1-2, 2-3, 2-4, 5-6, 6-2. Removing 2 cuts 1, 3, 4 and (5, 6) apart from each other.
    expect(cut[g.index.get(2)!]).toBe(4);
    expect(cut[g.index.get(6)!]).toBe(1);
    expect(cut[g.index.get(1)!]).toBe(0);
    expect(chokePoints(g)[0].device.id).toBe(2);
  });

  it('ranks a workflow hub that cuts nothing apart and carries no path by the devices whose workflows stop with it', () => {
    // A ring 11-12-13-20 carries the paths; 10, an interface engine, receives HL7 from 11 and 12, which also talk directly.
    const ring = new DeviceGraph([dev(10, 'hl7-engine'), dev(11), dev(12), dev(13), dev(20, 'server')], [
      { from: 11, to: 10, service: 'tcp/2575 hl7', lateral: true },
      { from: 12, to: 10, service: 'tcp/2575 hl7', lateral: true },
      { from: 11, to: 12, service: 'x', lateral: true },
      { from: 12, to: 13, service: 'x', lateral: true },
      { from: 13, to: 20, service: 'x', lateral: true },
      { from: 20, to: 11, service: 'x', lateral: true },
    ]);
    const member = (id: number) => ({ id, label: `d${id}`, category: null, part: 'sender', flows: 1, evidence: [], services: ['tcp/2575'] });
    const engine = { workflow: 'hl7-results', name: 'Results', hub: { id: 10, label: 'd10', category: 'hl7-engine', part: 'receiver' }, members: [member(11), member(12)], flows: 2, firstSeen: 0, lastSeen: 1 };
    // Without workflows the engine is not a choke point at all: it cuts nothing off and no shortest path needs it.
    expect(chokePoints(ring, 5, 64).map((c) => c.device.id)).not.toContain(10);
    const ranked = chokePoints(ring, 5, 64, [engine]);
    expect(ranked.every((c) => c.isolates === 0)).toBe(true);
    expect(ranked[0]).toMatchObject({ device: { id: 10 }, workflows: 1, workflowDevices: 2, betweenness: 0 });
  });

  it('exact betweenness when every source is sampled (a path a-b-c: b carries every a..c path)', () => {
    const path = new DeviceGraph([dev(1), dev(2), dev(3)], [
      { from: 1, to: 2, service: 'x', lateral: true },
      { from: 2, to: 3, service: 'x', lateral: true },
    ]);
    const bc = betweenness(path, 10);
    expect([...bc]).toEqual([0, 1, 0]);
  });

  it('handles a long chain without deep recursion', () => {
    const n = 200_000;
    const chain = new DeviceGraph(
      Array.from({ length: n }, (_, i) => dev(i)),
      Array.from({ length: n - 1 }, (_, i) => ({ from: i, to: i + 1, service: 'x', lateral: true })),
    );
    const cut = articulationPoints(chain);
    expect(cut[0]).toBe(0);
    expect(cut[1]).toBeGreaterThan(0);
    expect(cut[n - 1]).toBe(0);
  });
});
