/**
 * A sensor's alerts as the central service keeps them. The sensor raised each alert's severity with
 * what it knew (the clinical protocols it heard); the central service knows every site's inventory,
 * so an alert about a device it knows to be an infusion pump is raised for that too. Uids gain the
 * site: two hospitals' sensors can see the same address do the same thing at the same second.
 */
import { severityRank, type Alert, type Incident } from '../detect/alert.js';
import { clinicalSeverity } from '../detect/clinical-severity.js';
import type { Thresholds } from '../detect/thresholds.js';
import { knownDevices } from '../inventory/inventory-update.js';
import type { Taxonomy } from '../inventory/taxonomy.js';
import type { InventoryStore } from '../store/inventory-store.js';

export async function centralAlerts(
  tx: InventoryStore,
  site: string,
  result: { alerts: readonly Alert[]; incidents: readonly Incident[] },
  taxonomy: Taxonomy,
  thresholds: Thresholds,
): Promise<{ alerts: Alert[]; incidents: Incident[] }> {
  const lookups = result.alerts.flatMap((a) => [...(a.device.mac ? [{ kind: 'mac' as const, value: a.device.mac }] : []), { kind: 'ip' as const, value: a.device.ip }]);
  const found = lookups.length ? await knownDevices(tx, lookups, site) : new Map<string, number>();
  const ids = [...new Set(found.values())];
  const rows = ids.length ? await tx.devicesById(ids) : [];
  const categoryOf = new Map(rows.map((r) => [Number(r.id), r.category]));
  const siteUid = (uid: string) => `${site}:${uid}`;
  const alerts = result.alerts.map((a): Alert => {
    const deviceId = (a.device.mac ? found.get(`mac:${a.device.mac}`) : undefined) ?? found.get(`ip:${a.device.ip}`) ?? null;
    const category = deviceId === null ? a.category : (categoryOf.get(deviceId) ?? a.category);
    const known = category ? taxonomy.category(category) : undefined;
    let severity = a.severity;
    let reasons = a.severityReasons;
    const approved = a.severityReasons.some((r) => r.startsWith('approved by the site'));
    if (known && !approved) {
      const central = clinicalSeverity(a.baseSeverity, { deviceId, category, safetyImpact: known.safetyImpact, medical: known.medical, workflows: [] }, thresholds.severity);
      if (severityRank(central.severity) > severityRank(severity)) {
        severity = central.severity;
        reasons = [...central.reasons, 'raised by the central inventory'];
      }
    }
    return { ...a, uid: siteUid(a.uid), incident: a.incident === null ? null : siteUid(a.incident), deviceId, category, safetyImpact: known?.safetyImpact ?? a.safetyImpact, severity, severityReasons: reasons };
  });
  const incidents = result.incidents.map((i) => ({ ...i, uid: siteUid(i.uid), alerts: i.alerts.map(siteUid) }));
  return { alerts, incidents };
}
