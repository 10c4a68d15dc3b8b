import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyzeCommand } from '../../src/cli/analyze-command.js';
import { deviceReports } from '../../src/inventory/device-report.js';
import { recomputeAttributes } from '../../src/inventory/inventory-update.js';
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
  });
}
