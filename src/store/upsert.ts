import { sql, type Expression, type Kysely, type RawBuilder } from 'kysely';
import type { Database } from './schema.js';
import type { Dialect } from './open-store.js';

/** Bound parameters per statement: SQLite allows 32766, PostgreSQL 65535. */
const MAX_PARAMS = 30000;

/** `greatest`/`least` are PostgreSQL; SQLite's multi-argument max/min do the same. */
export function greatest(dialect: Dialect, a: Expression<unknown> | RawBuilder<unknown>, b: Expression<unknown> | RawBuilder<unknown>): RawBuilder<number> {
  return dialect === 'postgres' ? sql<number>`greatest(${a}, ${b})` : sql<number>`max(${a}, ${b})`;
}
export function least(dialect: Dialect, a: Expression<unknown> | RawBuilder<unknown>, b: Expression<unknown> | RawBuilder<unknown>): RawBuilder<number> {
  return dialect === 'postgres' ? sql<number>`least(${a}, ${b})` : sql<number>`min(${a}, ${b})`;
}

/** `table.column` and `excluded.column` as SQL, for ON CONFLICT update sets. */
export const col = (table: string, column: string) => sql.ref(`${table}.${column}`);
export const excluded = (column: string) => sql.ref(`excluded.${column}`);

type TableName = keyof Database;

/**
 * Multi-row INSERT ... ON CONFLICT (keys) DO UPDATE in batches that stay under the dialects'
 * parameter limits. `update` builds the SET clause from the table name (both dialects accept
 * `excluded.` for the proposed row).
 */
export async function upsertRows<T extends TableName>(
  db: Kysely<Database>,
  table: T,
  rows: readonly Record<string, unknown>[],
  keys: readonly string[],
  update: Record<string, RawBuilder<unknown>> | null,
): Promise<void> {
  if (rows.length === 0) return;
  const perRow = Object.keys(rows[0]).length;
  const batch = Math.max(1, Math.floor(MAX_PARAMS / perRow));
  for (let i = 0; i < rows.length; i += batch) {
    const chunk = rows.slice(i, i + batch);
    const q = db.insertInto(table).values(chunk as never);
    await (update === null ? q.onConflict((oc) => oc.columns(keys as never).doNothing()) : q.onConflict((oc) => oc.columns(keys as never).doUpdateSet(update as never))).execute();
  }
}
