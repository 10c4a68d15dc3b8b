import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyzeCommand } from '../../src/cli/analyze-command.js';
import { deviceReports } from '../../src/inventory/device-report.js';
import { InventoryCollector } from '../../src/inventory/inventory-collector.js';
import { INTERNET_PEER_KEY, recomputeAttributes, updateInventory } from '../../src/inventory/inventory-update.js';
import { loadAttributeKnowledge } from '../../src/inventory/knowledge.js';
import { simulate, type Truth } from '../../src/simulate/index.js';
import { InventoryStore } from '../../src/store/inventory-store.js';
import { TARGETS } from '../store/store-targets.js';

// A small simulated hospital (synthetic patients only): real bytes through the whole pipeline.
const dir = mkdtempSync(join(tmpdir(), 'vigil-inventory-'));
const capture = join(dir, 'hospital.pcapng');
let truth: Truth;
let patientNames: string[];

beforeAll(() => {
  const r = simulate({ seed: 11, devices: 90, duration: 900, out: capture, truth: join(dir, 'truth.json'), imageScale: 0.05 });
  truth = r.truth;
  patientNames = r.patientNames;
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Every text value in every table, for the privacy check. */
async function dumpStore(store: InventoryStore): Promise<string> {
  const parts: string[] = [];
  for (const table of ['captures', 'devices', 'device_identifiers', 'observations', 'attribute_candidates', 'services', 'connections', 'zones'] as const) {
    parts.push(JSON.stringify(await store.db.selectFrom(table).selectAll().execute()));
  }
  return parts.join('\n');
}

for (const { name, target, skip } of TARGETS) {
  describe.skipIf(skip !== null)(`inventory from a capture, stored in ${name}`, () => {
    const t = target();
    afterAll(() => t.cleanup());

    it('knows the simulated devices, and a second analysis updates them instead of duplicating them', async () => {
      const db = await t.create();
      await analyzeCommand([capture], { db, quiet: true });
      let store = await InventoryStore.open(db);
      const first = await deviceReports(store, { detail: true });
      const firstObs = await store.db.selectFrom('observations').select(['device_id', 'key', 'value', 'count']).execute();
      await store.close();

      const macs = new Set(first.map((d) => d.mac).filter(Boolean));
      const truthMacs = truth.devices.flatMap((d) => d.macs);
      const found = truth.devices.filter((d) => d.macs.some((m) => macs.has(m)));
      // Devices that never send a frame in 15 minutes cannot be known; most do.
      expect(found.length / truth.devices.length).toBeGreaterThan(0.9);
      expect(new Set(first.map((d) => `${d.identity.kind}:${d.identity.value}`)).size).toBe(first.length);
      expect(first.filter((d) => d.mac && !truthMacs.includes(d.mac)).every((d) => d.mac!.startsWith('00:00:0c:07:ac'))).toBe(true);
      // Every attribute the inventory states says what proves it.
      for (const d of first) {
        for (const attr of ['vendor', 'category', 'hostname'] as const) {
          if (d[attr] === null) continue;
          const backing = d.evidence!.filter((e) => e.attribute === attr && e.value.toLowerCase() === d[attr]!.toLowerCase());
          expect(backing.length, `${d.mac} ${attr}`).toBeGreaterThan(0);
          expect(backing.every((e) => e.facts.length > 0)).toBe(true);
        }
      }

      await analyzeCommand([capture], { db, quiet: true });
      store = await InventoryStore.open(db);
      const second = await deviceReports(store);
      expect(second.length).toBe(first.length);
      expect((await store.captures()).length).toBe(2);
      const secondObs = await store.db.selectFrom('observations').select(['device_id', 'key', 'value', 'count']).execute();
      expect(secondObs.length).toBe(firstObs.length);
      const before = new Map(firstObs.map((o) => [`${o.device_id}|${o.key}|${o.value}`, Number(o.count)]));
      for (const o of secondObs) expect(Number(o.count)).toBe(2 * before.get(`${o.device_id}|${o.key}|${o.value}`)!);
      const again = new Map(second.map((d) => [d.id, d]));
      for (const d of first) expect(again.get(d.id)).toMatchObject({ firstSeen: d.firstSeen, lastSeen: d.lastSeen, mac: d.mac });

      const text = (await dumpStore(store)).toUpperCase();
      await store.close();
      const leaked = patientNames.filter((n) => n.length >= 4 && text.includes(n.toUpperCase()));
      expect(leaked).toEqual([]);
    });

    it('decides the devices an analysis creates exactly as re-deciding them from the store does', async () => {
      const db = await t.create();
      await analyzeCommand([capture], { db, quiet: true });
      const store = await InventoryStore.open(db);
      try {
        // Attribute summaries compared as objects: their key order follows the order facts were read in.
        const snapshot = async () => ({
          devices: (await store.db.selectFrom('devices').select(['id', 'hostname', 'vendor', 'model', 'firmware', 'os', 'serial', 'category', 'role', 'zone', 'attribute_summary']).orderBy('id').execute()).map((d) => ({ ...d, id: Number(d.id), attribute_summary: JSON.parse(d.attribute_summary) })),
          candidates: (await store.db.selectFrom('attribute_candidates').selectAll().execute()).map((c) => JSON.stringify({ ...c, device_id: Number(c.device_id), count: Number(c.count) })).sort(),
        });
        const created = await snapshot();
        expect(created.candidates.length).toBeGreaterThan(created.devices.length);
        const ids = created.devices.map((d) => d.id);
        const routers = new Set(await store.macsWithCandidateSource((await store.devicesById(ids)).map((d) => d.mac).filter((m): m is string => !!m), 'behaviour:routes-subnets'));
        const routerIds = new Set((await store.devicesById(ids)).filter((d) => d.mac && routers.has(d.mac)).map((d) => Number(d.id)));
        await store.transaction((s) => recomputeAttributes(s, ids, loadAttributeKnowledge(), [], routerIds));
        const recomputed = await snapshot();
        expect(recomputed.devices).toEqual(created.devices);
        expect(recomputed.candidates).toEqual(created.candidates);
      } finally {
        await store.close();
      }
    });

    it('adds up a fact that two addresses of one device both sent, on its creation and after', async () => {
      const mac = '00:09:5c:11:22:33';
      const evidence = () => {
        const c = new InventoryCollector();
        const fact = (ip: string, key: string, value: string, ts: number) => c.observation({ ts, key, value, src: { mac, ip, port: 68 }, dst: { mac: null, ip: '10.1.0.1', port: 67 } });
        fact('10.1.0.5', 'dhcp.hostname', 'PUMP-7', 100);
        fact('10.1.0.5', 'dhcp.hostname', 'PUMP-7', 150);
        fact('10.1.0.6', 'dhcp.hostname', 'PUMP-7', 200);
        fact('10.1.0.6', 'dhcp.vendor_class', 'Alaris', 120);
        return c;
      };
      const store = await InventoryStore.open(await t.create());
      try {
        const knowledge = loadAttributeKnowledge();
        const info = { name: 'a.pcap', packets: 4, bytes: 400, firstTs: 100, lastTs: 200 };
        const first = await updateInventory(store, evidence(), info, knowledge);
        expect(first).toMatchObject({ devices: 1, created: 1, observations: 3 });
        const facts = async () => {
          const [device] = await store.db.selectFrom('devices').select(['id', 'hostname']).execute();
          const rows = await store.observationsOf([Number(device.id)]);
          return { hostname: device.hostname, facts: rows.map((o) => [o.key, o.value, Number(o.count), o.first_ts, o.last_ts]).sort() };
        };
        expect(await facts()).toEqual({
          hostname: 'PUMP-7',
          facts: [
            ['dhcp.hostname', '"PUMP-7"', 3, 100, 200],
            ['dhcp.vendor_class', '"Alaris"', 1, 120, 120],
          ],
        });
        await updateInventory(store, evidence(), info, knowledge);
        expect((await facts()).facts[0]).toEqual(['dhcp.hostname', '"PUMP-7"', 6, 100, 200]);
      } finally {
        await store.close();
      }
    });

    it('folds evidence that itself names an internet peer into the peer fact its conversation makes', async () => {
      const c = new InventoryCollector();
      const src = { mac: '00:09:5c:11:22:44', ip: '10.1.0.7', port: 50000 };
      const dst = { mac: '00:00:5e:00:01:01', ip: '203.0.113.5', port: 443 };
      c.observation({ ts: 100, key: INTERNET_PEER_KEY, value: 'to 203.0.113.5 tcp/443', src, dst });
      c.flow({ id: 1, proto: 'tcp', ipVersion: 4, vlan: 0, originator: src, responder: dst, firstTs: 110, lastTs: 120, durationS: 10, origPackets: 5, origBytes: 500, origPayloadBytes: 100, respPackets: 5, respBytes: 900, respPayloadBytes: 500, service: null, endReason: 'closed', tcp: { state: 'closed', history: 'ShADadFf', origFlags: 0x1b, respFlags: 0x1b } });
      const store = await InventoryStore.open(await t.create());
      try {
        await updateInventory(store, c, { name: 'a.pcap', packets: 10, bytes: 1400, firstTs: 100, lastTs: 120 }, loadAttributeKnowledge());
        const rows = await store.db.selectFrom('observations').select(['key', 'value', 'count', 'first_ts', 'last_ts']).where('key', '=', INTERNET_PEER_KEY).execute();
        expect(rows.map((o) => [o.value, Number(o.count), o.first_ts, o.last_ts])).toEqual([['"to 203.0.113.5 tcp/443"', 2, 100, 120]]);
      } finally {
        await store.close();
      }
    });
  });
}
