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

/** How upsertRows writes on PostgreSQL. */
export interface PgUpsert {
  /** Each column's type: rows go as one array per column through unnest. */
  types: Readonly<Record<string, string>>;
  /**
   * Rows whose key cannot be stored yet (their device was created by this transaction): the first
   * of each key is inserted without a conflict check (by `copy` when given, else a plain INSERT).
   * Were one there after all, the primary key refuses it and the transaction fails; nothing is
   * overwritten.
   */
  isNew?: (row: Record<string, unknown>) => boolean;
  /** The caller vouches that no two rows share a key: one round, without checking. */
  distinct?: boolean;
  /** Bulk-loads rows into the table inside the caller's transaction (COPY). */
  copy?: (table: string, rows: readonly Record<string, unknown>[], columns: readonly string[]) => Promise<void>;
}

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
  pg?: PgUpsert,
): Promise<void> {
  if (rows.length === 0) return;
  if (pg) {
    const { types, isNew, copy } = pg;
    const cols = Object.keys(types);
    const rounds = pg.distinct ? [rows] : distinctKeyRounds(rows, keys);
    for (let r = 0; r < rounds.length; r++) {
      let round = rounds[r];
      if (r === 0 && isNew) {
        // One pass: isNew is asked once a row, however large the window.
        const fresh: Record<string, unknown>[] = [];
        const known: Record<string, unknown>[] = [];
        for (const row of round) (isNew(row) ? fresh : known).push(row);
        if (fresh.length) {
          round = known;
          if (copy) await copy(table, fresh, cols);
          else for (let i = 0; i < fresh.length; i += UNNEST_ROWS) await sql`insert into ${sql.table(table)} (${sql.raw(cols.join(', '))}) ${unnestSource(fresh.slice(i, i + UNNEST_ROWS), cols, types)}`.execute(db);
        }
      }
      for (let i = 0; i < round.length; i += UNNEST_ROWS) {
        const q = db.insertInto(table).columns(cols as never).expression(unnestSource(round.slice(i, i + UNNEST_ROWS), cols, types) as never);
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
 * `select * from unnest(...)`: one array literal per column, each a single text parameter. PostgreSQL
 * parses arrays about twice as fast as json_to_recordset parses the same rows as objects, and
 * the literals are built here in one pass rather than by pg's escaping element by element.
 */
function unnestSource(rows: readonly Record<string, unknown>[], cols: readonly string[], pgTypes: Readonly<Record<string, string>>): RawBuilder<unknown> {
  const arrays = cols.map((c) => sql`${pgArrayLiteral(rows, c)}::${sql.raw(pgTypes[c])}[]`);
  return sql`select * from unnest(${sql.join(arrays)})`;
}

/** The PostgreSQL array literal of one column of the rows (undefined and null are NULL). */
export function pgArrayLiteral(rows: readonly Record<string, unknown>[], column: string): string {
  const values = new Array<unknown>(rows.length);
  let plain = true;
  let text = false;
  for (let i = 0; i < rows.length; i++) {
    const v = rows[i][column] ?? null;
    if (typeof v === 'string') text = true;
    else if (typeof v === 'number' ? !Number.isFinite(v) : v !== null) plain = false;
    values[i] = v;
  }
  // JSON's array of strings, numbers and nulls is the array literal but for its brackets: quotes and
  // backslashes are escaped alike. Not so JSON's other escapes (\n, \u0001, a lone surrogate), which
  // an array literal would read as the letter after the backslash: any of those takes the slow path.
  // An escape is a backslash after an even run of them (an escaped backslash followed by a letter,
  // as in a Windows share path, is not one). Finite numbers and nulls have no escapes to look for.
  if (plain) {
    const json = JSON.stringify(values);
    if (!text || !/(?:^|[^\\])(?:\\\\)*\\[^"\\]/.test(json)) return `{${json.slice(1, -1)}}`;
  }
  const parts = new Array<string>(rows.length);
  for (let i = 0; i < rows.length; i++) parts[i] = pgArrayElement(values[i]);
  return `{${parts.join(',')}}`;
}

/** One element: quoted, with double quotes and backslashes escaped; anything else (newlines too) stands as it is inside the quotes. */
export function pgArrayElement(v: unknown): string {
  if (v === null || v === undefined) return 'NULL';
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : Number.isNaN(v) ? 'NaN' : v > 0 ? 'Infinity' : '-Infinity';
  if (typeof v === 'boolean') return v ? 't' : 'f';
  const s = String(v);
  return s.includes('"') || s.includes('\\') ? `"${s.replace(/["\\]/g, '\\$&')}"` : `"${s}"`;
}

/**
 * PostgreSQL refuses an INSERT ... ON CONFLICT DO UPDATE that touches one row twice ("cannot affect
 * row a second time"), so rows sharing a key go to successive statements: the n-th row of a key in
 * round n. Each round then folds into what the previous one wrote, as one row at a time would.
 * Rows are told apart by maps nested one key column deep each, not by a joined text per row: the
 * column values are strings and numbers already made, whose hashes V8 keeps, so a batch of a
 * hundred thousand facts builds no strings here.
 */
export function distinctKeyRounds(rows: readonly Record<string, unknown>[], keys: readonly string[]): Record<string, unknown>[][] {
  const first: Record<string, unknown>[] = [];
  const rounds: Record<string, unknown>[][] = [first];
  const last = keys.length - 1;
  const root = new Map<unknown, unknown>();
  for (const r of rows) {
    let level = root;
    for (let i = 0; i < last; i++) {
      const v = r[keys[i]];
      let next = level.get(v) as Map<unknown, unknown> | undefined;
      if (next === undefined) level.set(v, (next = new Map()));
      level = next;
    }
    const leaf = r[keys[last]];
    const n = (level.get(leaf) as number | undefined) ?? 0;
    level.set(leaf, n + 1);
    if (n === 0) first.push(r);
    else (rounds[n] ??= []).push(r);
  }
  return rounds;
}
