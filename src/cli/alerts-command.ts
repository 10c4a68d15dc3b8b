import { ALERT_STATUSES, SEVERITIES, type AlertStatus, type Severity } from '../detect/alert.js';
import { countAlerts, listAlerts, listIncidents, setAlertStatus } from '../detect/alert-store.js';
import { InventoryStore } from '../store/inventory-store.js';
import { defaultDbLocation } from './db-location.js';

export interface AlertsCommandOptions {
  db?: string;
  status?: string;
  severity?: string;
  limit?: number;
  json?: boolean;
  by?: string;
  /** List incidents instead of alerts. */
  incidents?: boolean;
}

/** `vigil alerts [ack|resolve <id>]`: returns the exit code. */
export async function alertsCommand(action: string | undefined, id: string | undefined, o: AlertsCommandOptions): Promise<number> {
  if (o.status && !ALERT_STATUSES.includes(o.status as AlertStatus)) return fail(`--status must be one of ${ALERT_STATUSES.join(', ')}`);
  if (o.severity && !SEVERITIES.includes(o.severity as Severity)) return fail(`--severity must be one of ${SEVERITIES.join(', ')}`);
  const store = await InventoryStore.open(o.db ?? defaultDbLocation());
  try {
    if (action !== undefined) {
      const status: AlertStatus | null = action === 'ack' || action === 'acknowledge' ? 'acknowledged' : action === 'resolve' ? 'resolved' : null;
      if (!status) return fail(`unknown action "${action}" (expected ack or resolve)`);
      const n = Number(id);
      if (!Number.isInteger(n) || n <= 0) return fail(`${action} needs an alert id (a positive number)`);
      if (!(await setAlertStatus(store, n, status, o.by ?? process.env.USER ?? 'cli'))) return fail(`no alert ${n} in ${store.location}`);
      process.stdout.write(`alert ${n} ${status}\n`);
      return 0;
    }
    if (o.incidents) {
      const incidents = await listIncidents(store);
      if (o.json) process.stdout.write(JSON.stringify({ incidents }, null, 2) + '\n');
      else for (const i of incidents) process.stdout.write(`${String(i.id).padStart(5)}  ${i.severity.padEnd(8)} ${new Date(i.lastTs * 1000).toISOString().replace('T', ' ').slice(0, 19)}  ${i.alertIds.length} alerts  ${i.title}\n`);
      if (!o.json && incidents.length === 0) process.stdout.write('no incidents\n');
      return 0;
    }
    const filter = { status: o.status as AlertStatus | undefined, severity: o.severity as Severity | undefined };
    const alerts = await listAlerts(store, { ...filter, limit: o.limit ?? 100 });
    if (o.json) {
      process.stdout.write(JSON.stringify({ total: await countAlerts(store, filter), alerts }, null, 2) + '\n');
      return 0;
    }
    for (const a of alerts) {
      const when = new Date(a.lastTs * 1000).toISOString().replace('T', ' ').slice(0, 19);
      process.stdout.write(`${String(a.id).padStart(5)}  ${a.severity.padEnd(8)} ${a.status.padEnd(12)} ${when}  ${a.rule.padEnd(26)} ${a.title}${a.count > 1 ? ` (x${a.count})` : ''}\n`);
    }
    if (alerts.length === 0) process.stdout.write('no alerts\n');
    return 0;
  } finally {
    await store.close();
  }
}

function fail(message: string): number {
  process.stderr.write(`vigil: ${message}\n`);
  return 2;
}
