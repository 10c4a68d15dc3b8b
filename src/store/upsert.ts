import { sql, type Expression, type Kysely, type RawBuilder } from 'kysely';
import type { Database } from './schema.js';
import type { Dialect } from './open-store.js';

/** Bound parameters per statement: SQLite allows 32766, PostgreSQL 65535. */
const MAX_PARAMS = 30000;
/** Rows per unnest statement: a few parameters however many rows, bounded for memory. */
const UNNEST_ROWS = 20_000;

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
  /** On PostgreSQL, each column's type: rows then go as one array per column through unnest. */
  pgTypes?: Readonly<Record<string, string>>,
): Promise<void> {
  if (rows.length === 0) return;
  if (pgTypes) {
    const cols = Object.keys(pgTypes);
    for (const round of distinctKeyRounds(rows, keys)) {
      for (let i = 0; i < round.length; i += UNNEST_ROWS) {
        const chunk = round.slice(i, i + UNNEST_ROWS);
        // One JSON document per statement: JSON.stringify is native, where per-column arrays are
        // escaped element by element in JavaScript; PostgreSQL's json_to_recordset reads it in C.
        const source = sql`select ${sql.raw(cols.join(', '))} from json_to_recordset(${JSON.stringify(chunk)}::json) as v(${sql.raw(cols.map((c) => `${c} ${pgTypes[c]}`).join(', '))})`;
        const q = db.insertInto(table).columns(cols as never).expression(source as never);
        await (update === null ? q.onConflict((oc) => oc.columns(keys as never).doNothing()) : q.onConflict((oc) => oc.columns(keys as never).doUpdateSet(update as never))).execute();
      }
    }
    return;
  }
  const perRow = Object.keys(rows[0]).length;
  const batch = Math.max(1, Math.floor(MAX_PARAMS / perRow));
  for (const round of distinctKeyRounds(rows, keys)) {
    for (let i = 0; i < round.length; i += batch) {
      const chunk = round.slice(i, i + batch);
      const q = db.insertInto(table).values(chunk as never);
      await (update === null ? q.onConflict((oc) => oc.columns(keys as never).doNothing()) : q.onConflict((oc) => oc.columns(keys as never).doUpdateSet(update as never))).execute();
    }
  }
}

/**
 * PostgreSQL refuses an INSERT ... ON CONFLICT DO UPDATE that touches one row twice ("cannot affect
 * row a second time"), so rows sharing a key go to successive statements: the n-th row of a key in
 * round n. Each round then folds into what the previous one wrote, as one row at a time would.
 */
export function distinctKeyRounds(rows: readonly Record<string, unknown>[], keys: readonly string[]): Record<string, unknown>[][] {
  const seen = new Map<string, number>();
  const rounds: Record<string, unknown>[][] = [[]];
  for (const r of rows) {
    let k = String(r[keys[0]]);
    for (let i = 1; i < keys.length; i++) k += `\u0000${r[keys[i]]}`;
    const n = seen.get(k) ?? 0;
    seen.set(k, n + 1);
    (rounds[n] ??= []).push(r);
  }
  return rounds;
}
