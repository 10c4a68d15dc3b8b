// Stored baselines across analyses (SQLite and PostgreSQL): a new listening service or peer after the
// baseline is old enough raises; a young baseline raises nothing; each analysis is folded in.
import { afterAll, describe, expect, it } from 'vitest';
import type { FlowRecord } from '../../src/analyze/flow-record.js';
import { baselineFindings, loadBaselines, saveBaselines } from '../../src/detect/baseline.js';
import { Detector } from '../../src/detect/detector.js';
import { InventoryStore } from '../../src/store/inventory-store.js';
import { TARGETS } from '../store/store-targets.js';

let serial = 0;
function session(client: string, server: string, port: number, ts: number): FlowRecord {
  return {
    id: ++serial, proto: 'tcp', ipVersion: 4, vlan: 0, originator: { mac: null, ip: client, port: 50000 }, responder: { mac: null, ip: server, port },
    firstTs: ts, lastTs: ts + 1, durationS: 1, origPackets: 4, origBytes: 400, origPayloadBytes: 100, respPackets: 4, respBytes: 400, respPayloadBytes: 100,
    service: null, endReason: 'closed', tcp: { state: 'closed', history: 'ShADadFf', origFlags: 0x1b, respFlags: 0x1b },
  };
}

async function analysis(store: InventoryStore, flows: FlowRecord[]) {
  const d = new Detector({ rules: [] });
  for (const f of flows) d.flow(f);
  baselineFindings(d.baseline, await loadBaselines(store, [...d.baseline.hosts.keys()]), d.thresholds.baseline.minAgeS, d);
  const r = d.finish();
  await saveBaselines(store, d.baseline);
  return r.alerts.map((a) => [a.rule, a.device.ip, a.evidence.service ?? a.evidence.peer, a.severity]);
}

for (const { name, target, skip } of TARGETS) {
  describe.skipIf(skip !== null)(`baselines on ${name}`, () => {
    const t = target();
    afterAll(() => t.cleanup());
    it('learns, then raises what is new once the baseline is a day old', async () => {
      const store = await InventoryStore.open(await t.create());
      try {
        const day0 = 1_700_000_000;
        expect(await analysis(store, [session('10.0.0.9', '10.0.0.5', 443, day0)])).toEqual([]);
        // Two hours later: the baseline is too young to judge by.
        expect(await analysis(store, [session('10.0.0.9', '10.0.0.5', 4444, day0 + 7200)])).toEqual([]);
        const later = await analysis(store, [session('10.0.0.9', '10.0.0.5', 443, day0 + 2 * 86400), session('10.0.0.7', '10.0.0.5', 5555, day0 + 2 * 86400)]);
        // 10.0.0.7 has no baseline yet: nothing is judged about it. tcp/4444 was learnt two hours in.
        expect(later.sort()).toEqual([
          ['baseline.new-peer', '10.0.0.5', '10.0.0.7', 'low'],
          ['baseline.new-service', '10.0.0.5', 'tcp/5555', 'medium'],
        ]);
        const rows = await store.db.selectFrom('baselines').selectAll().where('ip', '=', '10.0.0.5').where('value', '=', 'tcp/443').execute();
        expect(rows.map((r) => [Number(r.count), r.first_seen])).toEqual([[2, day0]]);
      } finally {
        await store.close();
      }
    }, 60_000);
  });
}
