// Alerts in the store on SQLite and PostgreSQL (test/store/store-targets.ts): save, list with filters,
// count, status changes, incidents, and a re-analysis updating rather than copying.
import { afterAll, describe, expect, it } from 'vitest';
import type { Alert, Incident } from '../../src/detect/alert.js';
import { countAlerts, listAlerts, listIncidents, saveAlerts, setAlertStatus } from '../../src/detect/alert-store.js';
import { InventoryStore } from '../../src/store/inventory-store.js';
import { TARGETS } from '../store/store-targets.js';

function alert(uid: string, rule: string, severity: Alert['severity'], ts: number, incident: string | null): Alert {
  return {
    uid, rule, severity, baseSeverity: severity, status: 'new', title: `${rule} title`, description: 'd', device: { ip: '10.0.0.1', mac: null },
    deviceId: null, category: null, safetyImpact: null, srcIp: '10.0.0.9', dstIp: '10.0.0.1', firstTs: ts, lastTs: ts + 5, count: 1, incident,
    evidence: { ports: [22, 445] }, flows: [{ id: 3, proto: 'tcp', src: '10.0.0.9', sport: 40000, dst: '10.0.0.1', dport: 445, ts }], severityReasons: [],
  };
}

for (const { name, target, skip } of TARGETS) {
  describe.skipIf(skip !== null)(`alert store on ${name}`, () => {
    const t = target();
    afterAll(() => t.cleanup());
    it('saves, filters, counts, changes status and groups incidents', async () => {
      const store = await InventoryStore.open(await t.create());
      try {
        const inc: Incident = { uid: 'inc-1', title: 'scan then exploit', severity: 'critical', firstTs: 100, lastTs: 300, hosts: ['10.0.0.1', '10.0.0.9'], rules: ['scan.vertical', 'smb.v1-exploit'], alerts: ['a1', 'a2'] };
        const alerts = [alert('a1', 'scan.vertical', 'medium', 100, 'inc-1'), alert('a2', 'smb.v1-exploit', 'critical', 200, 'inc-1'), alert('a3', 'cleartext.credentials', 'low', 50, null)];
        expect(await saveAlerts(store, { alerts, incidents: [inc] })).toBe(3);
        expect(await countAlerts(store)).toBe(3);
        expect(await countAlerts(store, { severity: 'high' })).toBe(1);
        const all = await listAlerts(store, { limit: 10 });
        expect(all.map((a) => a.uid)).toEqual(['a2', 'a1', 'a3']);
        expect(all[0].evidence).toEqual({ ports: [22, 445] });
        expect(all[0].flows[0].dport).toBe(445);
        expect((await listAlerts(store, { limit: 1, offset: 1 })).map((a) => a.uid)).toEqual(['a1']);
        expect(await setAlertStatus(store, all[0].id, 'acknowledged', 'nurse.it')).toBe(true);
        expect(await setAlertStatus(store, 999_999, 'resolved', 'x')).toBe(false);
        const acked = await listAlerts(store, { status: 'acknowledged' });
        expect(acked.map((a) => [a.uid, a.statusBy])).toEqual([['a2', 'nurse.it']]);
        expect(acked[0].statusChangedAt).toBeGreaterThan(1.7e9);
        const incidents = await listIncidents(store);
        expect(incidents.map((i) => [i.uid, i.alertIds.length, i.rules])).toEqual([['inc-1', 2, ['scan.vertical', 'smb.v1-exploit']]]);
        // The same traffic analysed again: counts move, the status a person set stays, nothing is copied.
        await saveAlerts(store, { alerts: [{ ...alerts[1], count: 4, lastTs: 400 }], incidents: [inc] });
        expect(await countAlerts(store)).toBe(3);
        const again = (await listAlerts(store, { status: 'acknowledged' }))[0];
        expect([again.count, again.lastTs]).toEqual([4, 400]);
      } finally {
        await store.close();
      }
    }, 60_000);
  });
}
