import { Kysely, Migrator, PostgresDialect, SqliteDialect, type Migration } from 'kysely';
import type { Database } from './schema.js';
import { inventoryMigration } from './migrations/0001-inventory.js';
import { alertsMigration } from './migrations/0004-alerts.js';
import { connectionFactsMigration } from './migrations/0002-connection-facts.js';
import { vulnerabilitiesMigration } from './migrations/0003-vulnerabilities.js';
import { apiAccessMigration } from './migrations/0005-api-access.js';
import { riskMigration } from './migrations/0006-risk.js';
import { sitesMigration } from './migrations/0007-sites.js';

export type Dialect = 'sqlite' | 'postgres';

export interface OpenedStore {
  db: Kysely<Database>;
  dialect: Dialect;
  /** The raw better-sqlite3 handle, for the bulk-ingest fast path; null on PostgreSQL. */
  sqlite: import('better-sqlite3').Database | null;
  /** The pg pool under Kysely, on PostgreSQL: a transaction takes one client from it, for COPY too. */
  pgPool: import('pg').Pool | null;
  /** Where the store lives, with any password removed. */
  location: string;
}

export class StoreError extends Error {
  override name = 'StoreError';
}

/** Every migration, in order. Names sort lexically; never rename or edit one that has shipped. */
export function migrations(dialect: Dialect): Record<string, Migration> {
  return { '0001-inventory': inventoryMigration(dialect), '0002-connection-facts': connectionFactsMigration(dialect), '0003-vulnerabilities': vulnerabilitiesMigration(dialect), '0004-alerts': alertsMigration(dialect), '0005-api-access': apiAccessMigration(dialect), '0006-risk': riskMigration(dialect), '0007-sites': sitesMigration(dialect) };
}

const isPostgres = (spec: string): boolean => /^postgres(ql)?:\/\//i.test(spec);

/** A location safe to print: a PostgreSQL URL without its password. */
export function redactLocation(spec: string): string {
  if (!isPostgres(spec)) return spec;
  try {
    const u = new URL(spec);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'postgres://(unparsable URL)';
  }
}

/**
 * Opens the store named by `spec` (a SQLite file path, `:memory:`, or a `postgres://` URL) and
 * brings its schema up to date. Errors name the location and what failed.
 */
export async function openStore(spec: string): Promise<OpenedStore> {
  const location = redactLocation(spec);
  let opened: OpenedStore;
  if (isPostgres(spec)) {
    const pg = (await import('pg')).default;
    // bigint columns hold counts and byte totals well below 2^53: read them as numbers.
    const types = { getTypeParser: (oid: number, format?: 'text' | 'binary') => (oid === 20 ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format as 'text')) };
    const pool = new pg.Pool({ connectionString: spec, max: 4, types: types as never });
    // An idle connection the server closes (restart, admin) must not take the process down: the
    // next query reconnects or fails with its own error.
    pool.on('error', () => undefined);
    try {
      const client = await pool.connect();
      client.release();
    } catch (err) {
      await pool.end().catch(() => undefined);
      throw new StoreError(`cannot connect to PostgreSQL at ${location}: ${(err as Error).message}`);
    }
    opened = { db: new Kysely<Database>({ dialect: new PostgresDialect({ pool }) }), dialect: 'postgres', sqlite: null, pgPool: pool, location };
  } else {
    const BetterSqlite = (await import('better-sqlite3')).default;
    let handle: import('better-sqlite3').Database;
    try {
      handle = new BetterSqlite(spec);
      // WAL lets `vigil devices` read while an analysis writes; NORMAL sync is safe with WAL.
      handle.pragma('journal_mode = WAL');
      handle.pragma('synchronous = NORMAL');
      handle.pragma('foreign_keys = ON');
      // 64 MiB of page cache: the fact indexes of a large site stay in memory while a capture is folded in.
      handle.pragma('cache_size = -65536');
      handle.prepare('select count(*) from sqlite_master').get();
    } catch (err) {
      throw new StoreError(`cannot open SQLite store ${location}: ${(err as Error).message}`);
    }
    opened = { db: new Kysely<Database>({ dialect: new SqliteDialect({ database: handle }) }), dialect: 'sqlite', sqlite: handle, pgPool: null, location };
  }
  const all = migrations(opened.dialect);
  // Migrations written in parallel may land in any order: a store that ran a later one still takes an earlier newcomer.
  const migrator = new Migrator({ db: opened.db, provider: { getMigrations: async () => all }, allowUnorderedMigrations: true });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    await opened.db.destroy().catch(() => undefined);
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new StoreError(`cannot migrate store ${location} (migration ${failed}): ${(error as Error).message ?? String(error)}`);
  }
  return opened;
}
