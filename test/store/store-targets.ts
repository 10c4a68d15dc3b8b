/** The two store back ends every store test runs against: a SQLite file and a real PostgreSQL. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

export const PG_ADMIN_URL = process.env.VIGIL_TEST_PG ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface StoreTarget {
  name: 'sqlite' | 'postgres';
  /** A new, empty store location. */
  create(): Promise<string>;
  /** Removes every store this target created. */
  cleanup(): Promise<void>;
}

async function pgReachable(): Promise<string | null> {
  const client = new pg.Client({ connectionString: PG_ADMIN_URL, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('select 1');
    return null;
  } catch (err) {
    return `PostgreSQL not reachable at ${PG_ADMIN_URL} (${(err as Error).message}); set VIGIL_TEST_PG`;
  } finally {
    await client.end().catch(() => undefined);
  }
}

export const pgSkipReason = await pgReachable();
if (pgSkipReason) console.warn(`skipping PostgreSQL store tests: ${pgSkipReason}`);

export function sqliteTarget(): StoreTarget {
  const dirs: string[] = [];
  return {
    name: 'sqlite',
    async create() {
      const dir = mkdtempSync(join(tmpdir(), 'vigil-store-'));
      dirs.push(dir);
      return join(dir, 'vigil.db');
    },
    async cleanup() {
      for (const d of dirs) rmSync(d, { recursive: true, force: true });
    },
  };
}

/** Each store is a database of its own, created and dropped here, so tests never see each other's rows. */
export function postgresTarget(): StoreTarget {
  const made: string[] = [];
  const admin = async <T>(fn: (c: pg.Client) => Promise<T>) => {
    const c = new pg.Client({ connectionString: PG_ADMIN_URL });
    await c.connect();
    try {
      return await fn(c);
    } finally {
      await c.end();
    }
  };
  return {
    name: 'postgres',
    async create() {
      const name = `vigil_test_${process.pid}_${Math.random().toString(36).slice(2, 10)}`;
      await admin((c) => c.query(`create database ${name}`));
      made.push(name);
      const u = new URL(PG_ADMIN_URL);
      u.pathname = `/${name}`;
      return u.toString();
    },
    async cleanup() {
      for (const name of made) await admin((c) => c.query(`drop database if exists ${name} with (force)`)).catch(() => undefined);
    },
  };
}

export const TARGETS: { name: string; target: () => StoreTarget; skip: string | null }[] = [
  { name: 'sqlite', target: sqliteTarget, skip: null },
  { name: 'postgres', target: postgresTarget, skip: pgSkipReason },
];
