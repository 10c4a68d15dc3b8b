/**
 * The audit trail: every mutation and every packet export made through the API or the CLI. Rows are
 * only ever inserted. `detail` holds the request's parameters, never a token or patient data.
 */
import type { InventoryStore } from '../store/inventory-store.js';

export interface AuditEntry {
  actor: string;
  role: string | null;
  action: string;
  target?: string | null;
  detail?: Record<string, unknown>;
  remote?: string | null;
}

export async function audit(store: InventoryStore, e: AuditEntry): Promise<void> {
  await store.db
    .insertInto('audit_log')
    .values({ ts: Date.now() / 1000, actor: e.actor, role: e.role, action: e.action, target: e.target ?? null, detail: JSON.stringify(e.detail ?? {}), remote: e.remote ?? null })
    .execute();
}

export async function auditEntries(store: InventoryStore, q: { limit: number; offset: number; action?: string }) {
  let query = store.db.selectFrom('audit_log').selectAll().orderBy('id', 'desc');
  if (q.action) query = query.where('action', '=', q.action);
  return query.limit(q.limit).offset(q.offset).execute();
}
