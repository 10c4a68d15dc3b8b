import { sql, type Kysely, type Migration } from 'kysely';

/**
 * Who may use the API and what they did with it. Tokens are kept as SHA-256 hashes: the store never
 * holds a usable secret. The audit log is append-only by convention: nothing in Vigil updates or
 * deletes its rows.
 */
export function apiAccessMigration(dialect: 'sqlite' | 'postgres'): Migration {
  const real = dialect === 'postgres' ? 'double precision' : 'real';
  const id = dialect === 'postgres' ? sql`bigserial` : sql`integer`;
  return {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('api_tokens')
        .addColumn('id', id, (c) => (dialect === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement()))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('role', 'text', (c) => c.notNull())
        .addColumn('hash', 'text', (c) => c.notNull().unique())
        .addColumn('created_at', real, (c) => c.notNull())
        .addColumn('expires_at', real)
        .addColumn('revoked_at', real)
        .addColumn('last_used_at', real)
        .execute();
      await db.schema
        .createTable('audit_log')
        .addColumn('id', id, (c) => (dialect === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement()))
        .addColumn('ts', real, (c) => c.notNull())
        .addColumn('actor', 'text', (c) => c.notNull())
        .addColumn('role', 'text')
        .addColumn('action', 'text', (c) => c.notNull())
        .addColumn('target', 'text')
        .addColumn('detail', 'text', (c) => c.notNull())
        .addColumn('remote', 'text')
        .execute();
      await db.schema.createIndex('audit_log_ts').on('audit_log').column('ts').execute();
    },
    async down(db: Kysely<any>) {
      await db.schema.dropTable('audit_log').ifExists().execute();
      await db.schema.dropTable('api_tokens').ifExists().execute();
    },
  };
}
