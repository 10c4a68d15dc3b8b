// Category baselines: a device sending far more than its category learnt in the learning window
// (`baseline.category-volume`), a device using a protocol its category never used (`baseline.category-protocol`),
// what most of a category does later is not raised, small categories are not judged; and the stored category
// baselines (SQLite and PostgreSQL): folded in after each analysis and, once a day old, judging from the start.
import { afterAll, describe, expect, it } from 'vitest';
import type { FlowRecord } from '../../src/analyze/flow-record.js';
import { bucketTop, loadCategoryBaselines, quantile, rateBucket, saveCategoryBaselines } from '../../src/detect/category-baseline.js';
import { Detector } from '../../src/detect/detector.js';
import type { DeviceContext } from '../../src/detect/device-context.js';
import { loadThresholds } from '../../src/detect/thresholds.js';
import { InventoryStore } from '../../src/store/inventory-store.js';
import { TARGETS } from '../store/store-targets.js';

const T0 = 1_700_000_400; // a multiple of the 600 s interval
let serial = 0;
function flow(client: string, server: string, port: number, ts: number, service: string | null, bytes = 1000): FlowRecord {
  return {
    id: ++serial, proto: 'tcp', ipVersion: 4, vlan: 0, originator: { mac: null, ip: client, port: 50000 }, responder: { mac: null, ip: server, port },
    firstTs: ts, lastTs: ts + 0.5, durationS: 0.5, origPackets: 6, origBytes: bytes, origPayloadBytes: bytes - 300, respPackets: 4, respBytes: 400, respPayloadBytes: 100,
    service, endReason: 'closed', tcp: { state: 'closed', history: 'ShADadFf', origFlags: 0x1b, respFlags: 0x1b },
  };
}

const pumps = (n: number) => [...Array(n)].map((_, i) => `10.0.1.${i + 1}`);
/** Pumps are infusion pumps (life-sustaining); 10.0.2.* are CT scanners; the rest has no category. */
const ctx: DeviceContext = {
  device: (ip) =>
    ip.startsWith('10.0.1.') ? { deviceId: 1, category: 'infusion-pump', safetyImpact: 'life-sustaining', medical: true, workflows: [] }
    : ip.startsWith('10.0.2.') ? { deviceId: 2, category: 'imaging-ct', safetyImpact: 'diagnostic', medical: true, workflows: [] }
    : null,
};

/** Four hours (a one-hour learning window) of every pump sending a 1000-byte TLS flow a minute to its server. */
function routine(from: number, ips: readonly string[], seconds = 14_400): FlowRecord[] {
  const out: FlowRecord[] = [];
  for (let s = 0; s < seconds; s += 60) for (const ip of ips) out.push(flow(ip, '10.0.9.9', 443, from + s + 1, 'tls'));
  return out;
}

function detect(flows: FlowRecord[], c: DeviceContext = ctx, d = new Detector({ rules: ['baseline.category-volume', 'baseline.category-protocol'] })) {
  for (const f of flows) d.flow(f);
  return { d, alerts: d.finish(c).alerts };
}
const summary = (alerts: { rule: string; device: { ip: string }; evidence: Record<string, unknown>; severity: string }[]) =>
  alerts.map((a) => [a.rule, a.device.ip, a.evidence.protocol ?? a.evidence.category, a.severity]).sort();

describe('category histograms', () => {
  it('read p99 as the upper edge of its quarter-octave bucket', () => {
    const h = new Map<number, number>();
    for (let i = 0; i < 99; i++) h.set(rateBucket(1000), (h.get(rateBucket(1000)) ?? 0) + 1);
    h.set(rateBucket(1e6), 1);
    expect(quantile(h, 0.99)).toBe(bucketTop(rateBucket(1000)));
    expect(quantile(h, 0.99)).toBeGreaterThanOrEqual(1000);
    expect(quantile(h, 0.99)).toBeLessThan(1000 * 1.19);
    expect(quantile(h, 1)).toBeGreaterThanOrEqual(1e6);
    expect(quantile(new Map(), 0.99)).toBe(0);
    expect(rateBucket(0)).toBe(-1);
  });
});

describe('category baselines in one analysis', () => {
  it('raise a device sending far more than its category, and a protocol its category never used', () => {
    const flows = routine(T0, pumps(8));
    // After the one-hour learning window: pump 8 sends 200 flows of 20 kB in ten minutes (an exfiltration, a
    // scan), pump 7 speaks SMB to a file server; all eight pumps start using HTTP (a new, ordinary workflow).
    for (let i = 0; i < 200; i++) flows.push(flow('10.0.1.8', '10.0.9.50', 8443, T0 + 8000 + i, null, 20_000));
    flows.push(flow('10.0.1.7', '10.0.9.60', 445, T0 + 9000, 'smb'));
    for (const ip of pumps(8)) flows.push(flow(ip, '10.0.9.9', 80, T0 + 10_000, 'http'));
    const { alerts } = detect(flows);
    expect(summary(alerts)).toEqual([
      ['baseline.category-protocol', '10.0.1.7', 'smb', 'critical'],
      ['baseline.category-volume', '10.0.1.8', 'infusion-pump', 'critical'],
    ]);
    const volume = alerts.find((a) => a.rule === 'baseline.category-volume')!;
    expect(volume.evidence.bytesPerHour).toBeGreaterThan(20_000_000);
    expect(volume.evidence.flowsPerHour).toBe((200 + 10) * 6);
    expect(volume.evidence.p99BytesPerHour).toBeLessThan(100_000);
    expect(volume.flows.length).toBe(1);
    const protocol = alerts.find((a) => a.rule === 'baseline.category-protocol')!;
    expect(protocol.dstIp).toBe('10.0.9.60');
    expect(protocol.evidence.baselineProtocols).toEqual(['tls']);
  });

  it('raises nothing on routine traffic, within the learning window, or below the absolute minimums', () => {
    expect(detect(routine(T0, pumps(8))).alerts).toEqual([]);
    const early = routine(T0, pumps(8));
    for (let i = 0; i < 200; i++) early.push(flow('10.0.1.8', '10.0.9.50', 8443, T0 + 700 + i, null, 20_000));
    early.push(flow('10.0.1.7', '10.0.9.60', 445, T0 + 800, 'smb'));
    expect(detect(early).alerts).toEqual([]);
    // Seven times the category's rate, but 440 kB and 100 flows an hour: under minBytesPerHour and minFlowsPerHour.
    const small = routine(T0, pumps(8));
    for (let i = 0; i < 7; i++) small.push(flow('10.0.1.8', '10.0.9.50', 8443, T0 + 8000 + i, null, 9000));
    expect(detect(small).alerts).toEqual([]);
    const t = loadThresholds();
    const lower = new Detector({ rules: ['baseline.category-volume'], thresholds: { ...t, 'baseline.category': { ...t['baseline.category'], minBytesPerHour: 100_000 } } });
    expect(summary(detect(small, ctx, lower).alerts)).toEqual([['baseline.category-volume', '10.0.1.8', 'infusion-pump', 'critical']]);
  });

  it('spreads the bytes of a long flow over its life: a persistent connection is no burst', () => {
    const flows = routine(T0, pumps(8));
    // 1.2 MB over 10,000 s is 430 kB an hour with the routine (under minBytesPerHour); counted where it began,
    // it would be 7 MB in one hour.
    flows.push({ ...flow('10.0.1.8', '10.0.9.9', 8443, T0 + 4000, 'tls', 1_200_000), lastTs: T0 + 14_000, durationS: 10_000 });
    expect(detect(flows).alerts).toEqual([]);
    flows.push(flow('10.0.1.8', '10.0.9.50', 8443, T0 + 8000, null, 1_200_000));
    expect(summary(detect(flows).alerts)).toEqual([['baseline.category-volume', '10.0.1.8', 'infusion-pump', 'critical']]);
  });

  it('judges no category with fewer than minDevices devices, and no device without a category', () => {
    const flows = routine(T0, ['10.0.2.1', '10.0.2.2', '10.0.5.5']);
    flows.push(flow('10.0.2.1', '10.0.9.60', 445, T0 + 9000, 'smb'));
    flows.push(flow('10.0.5.5', '10.0.9.60', 445, T0 + 9000, 'smb'));
    expect(detect(flows).alerts).toEqual([]);
  });
});

for (const { name, target, skip } of TARGETS) {
  describe.skipIf(skip !== null)(`stored category baselines on ${name}`, () => {
    const t = target();
    afterAll(() => t.cleanup());
    it('are folded in after each analysis, and judge from the start once a day old', async () => {
      const store = await InventoryStore.open(await t.create());
      try {
        const analysis = async (flows: FlowRecord[]) => {
          const d = new Detector({ rules: ['baseline.category-protocol', 'baseline.category-volume'] });
          d.storedCategories = await loadCategoryBaselines(store);
          const r = detect(flows, ctx, d);
          await saveCategoryBaselines(store, d.learntCategories, d.categoryUse.firstTs, d.categoryUse.lastTs);
          return summary(r.alerts);
        };
        expect(await analysis(routine(T0, pumps(8)))).toEqual([]);
        let stored = (await loadCategoryBaselines(store)).get('infusion-pump')!;
        expect(stored.devices.size).toBe(8);
        expect([...stored.protocols]).toEqual([['tls', 240 * 8]]);
        // 22 whole intervals per pump: the partial first and last ones understate a rate and are left out.
        expect([...stored.bytes.values()].reduce((a, n) => a + n, 0)).toBe(22 * 8);
        // Two days later: SMB in the very first minute is judged (the stored baseline is old enough).
        const later = routine(T0 + 2 * 86400, pumps(8), 1800);
        later.push(flow('10.0.1.3', '10.0.9.60', 445, T0 + 2 * 86400 + 30, 'smb'));
        expect(await analysis(later)).toEqual([['baseline.category-protocol', '10.0.1.3', 'smb', 'critical']]);
        stored = (await loadCategoryBaselines(store)).get('infusion-pump')!;
        // The finding is not learnt; the routine is, and devices are counted once.
        expect([...stored.protocols]).toEqual([['tls', 240 * 8 + 30 * 8]]);
        expect(stored.devices.size).toBe(8);
        expect(stored.since).toBe(T0 + 1);
        const rows = await store.db.selectFrom('baselines').selectAll().where('ip', '=', 'category:infusion-pump').where('kind', '=', 'category-device').execute();
        expect(rows.map((r) => Number(r.count))).toEqual(Array(8).fill(1));
      } finally {
        await store.close();
      }
    }, 60_000);
  });
}
