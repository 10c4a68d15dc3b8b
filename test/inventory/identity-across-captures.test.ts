import { afterAll, describe, expect, it } from 'vitest';
import type { FlowRecord } from '../../src/analyze/flow-record.js';
import { deviceReports } from '../../src/inventory/device-report.js';
import { InventoryCollector } from '../../src/inventory/inventory-collector.js';
import { updateInventory } from '../../src/inventory/inventory-update.js';
import { loadAttributeKnowledge } from '../../src/inventory/knowledge.js';
import type { Endpoint, ObservationValue } from '../../src/protocols/observation.js';
import { InventoryStore } from '../../src/store/inventory-store.js';
import { TARGETS } from '../store/store-targets.js';

const knowledge = loadAttributeKnowledge();
const ep = (mac: string | null, ip: string, port = 0): Endpoint => ({ mac, ip, port });
function flow(orig: Endpoint, resp: Endpoint, ts: number): FlowRecord {
  return { id: 1, proto: 'tcp', ipVersion: 4, vlan: 0, originator: orig, responder: resp, firstTs: ts, lastTs: ts + 1, durationS: 1, origPackets: 3, origBytes: 300, origPayloadBytes: 100, respPackets: 3, respBytes: 300, respPayloadBytes: 100, service: null, endReason: 'closed', tcp: { state: 'closed', history: 'ShADadFf', origFlags: 0, respFlags: 0 } };
}
const fact = (c: InventoryCollector, src: Endpoint, key: string, value: ObservationValue, ts: number) => c.observation({ ts, key, value, src, dst: ep(null, '') });
const SERVER = ep('00:50:56:00:00:02', '10.30.0.2', 443);
const GW = '00:00:0c:07:ac:32';
const capture = (name: string, ts: number) => ({ name, packets: 1, bytes: 1, firstTs: ts, lastTs: ts + 10 });

async function analyse(store: InventoryStore, name: string, ts: number, build: (c: InventoryCollector) => void) {
  const c = new InventoryCollector();
  build(c);
  return updateInventory(store, c, capture(name, ts), knowledge);
}

for (const { name, target, skip } of TARGETS) {
  describe.skipIf(skip !== null)(`identity across analyses (${name})`, () => {
    const t = target();
    afterAll(() => t.cleanup());

    it('a device that changes its IP stays one device with an IP history', async () => {
      const store = await InventoryStore.open(await t.create());
      const pump = '00:13:38:ae:a1:ba';
      await analyse(store, 'a', 1000, (c) => c.flow(flow(ep(pump, '10.40.0.50', 50000), SERVER, 1000)));
      await analyse(store, 'b', 9000, (c) => c.flow(flow(ep(pump, '10.40.0.77', 50000), SERVER, 9000)));
      const devices = await deviceReports(store, { detail: true });
      const d = devices.filter((x) => x.mac === pump);
      expect(d).toHaveLength(1);
      expect(d[0].ip).toBe('10.40.0.77');
      expect(d[0].addresses!.filter((a) => a.kind === 'ip').map((a) => a.value).sort()).toEqual(['10.40.0.50', '10.40.0.77']);
      expect(d[0].firstSeen).toBe(new Date(1000 * 1000).toISOString());
      expect(d[0].lastSeen).toBe(new Date(9001 * 1000).toISOString());
      await store.close();
    });

    it('a randomised MAC that changes is the same device by its DHCP client id', async () => {
      const store = await InventoryStore.open(await t.create());
      const tablet = (mac: string, ip: string, ts: number) => (c: InventoryCollector) => {
        fact(c, ep(mac, '0.0.0.0', 68), 'dhcp.client_mac', mac, ts);
        fact(c, ep(mac, '0.0.0.0', 68), 'dhcp.client_id', 'ff4e8a1c0200010001aabbccdd', ts);
        fact(c, ep(mac, '0.0.0.0', 68), 'dhcp.hostname', 'Ward-Tablet-3', ts);
        c.flow(flow(ep(mac, ip, 50000), SERVER, ts));
      };
      await analyse(store, 'a', 1000, tablet('7a:11:22:33:44:55', '10.90.0.8', 1000));
      await analyse(store, 'b', 9000, tablet('5e:99:88:77:66:01', '10.90.0.31', 9000));
      const devices = (await deviceReports(store, { detail: true })).filter((d) => d.identity.kind === 'client-id');
      expect(devices).toHaveLength(1);
      expect(devices[0]).toMatchObject({ randomisedMac: true, mac: '5e:99:88:77:66:01', hostname: 'Ward-Tablet-3' });
      expect(devices[0].addresses!.filter((a) => a.kind === 'mac').map((a) => a.value).sort()).toEqual(['5e:99:88:77:66:01', '7a:11:22:33:44:55']);
      await store.close();
    });

    it('a host seen on its own segment once, and later only across a router, is one device', async () => {
      const store = await InventoryStore.open(await t.create());
      const ct = '00:0e:8c:ff:b0:79';
      await analyse(store, 'radiology segment', 1000, (c) => c.flow(flow(ep(ct, '10.50.0.11', 50000), SERVER, 1000)));
      await analyse(store, 'datacentre segment', 9000, (c) => {
        // On the data centre's segment every radiology host arrives with the router's MAC.
        for (const ip of ['10.50.0.11', '10.50.0.12', '10.20.0.5']) c.flow(flow(ep(GW, ip, 50000), SERVER, 9000));
      });
      const devices = await deviceReports(store, { detail: true });
      const ctDevices = devices.filter((d) => d.ip === '10.50.0.11');
      expect(ctDevices).toHaveLength(1);
      expect(ctDevices[0].mac).toBe(ct);
      expect(ctDevices[0].lastSeen).toBe(new Date(9001 * 1000).toISOString());
      expect(devices.find((d) => d.ip === '10.50.0.12')?.identity).toEqual({ kind: 'ip', value: '10.50.0.12' });
      // The router itself is a device of its own, without the addresses it forwards.
      const router = devices.filter((d) => d.mac === GW);
      expect(router).toHaveLength(1);
      expect(router[0].role).toBe('core-router');
      expect(router[0].addresses!.filter((a) => a.kind === 'ip')).toEqual([]);
      await store.close();
    });
  });
}
