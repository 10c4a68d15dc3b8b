import type { Kysely, Migration } from 'kysely';

/**
 * What crossed each conversation, for the facts that name a clinical workflow (DICOM commands, HL7
 * message types, ...): facts per device cannot tell which peer a modality stored its images on.
 */
export function connectionFactsMigration(dialect: 'sqlite' | 'postgres'): Migration {
  const real = dialect === 'postgres' ? 'double precision' : 'real';
  return {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('connection_facts')
        .addColumn('client_id', 'bigint', (c) => c.notNull().references('devices.id').onDelete('cascade'))
        .addColumn('server_id', 'bigint', (c) => c.notNull().references('devices.id').onDelete('cascade'))
        .addColumn('transport', 'text', (c) => c.notNull())
        .addColumn('port', 'integer', (c) => c.notNull())
        .addColumn('sender', 'text', (c) => c.notNull())
        .addColumn('key', 'text', (c) => c.notNull())
        .addColumn('value', 'text', (c) => c.notNull())
        .addColumn('count', 'bigint', (c) => c.notNull())
        .addColumn('first_seen', real, (c) => c.notNull())
        .addColumn('last_seen', real, (c) => c.notNull())
        .addPrimaryKeyConstraint('connection_facts_pk', ['client_id', 'server_id', 'transport', 'port', 'sender', 'key', 'value'])
        .execute();
      await db.schema.createIndex('connection_facts_key').on('connection_facts').columns(['key', 'value']).execute();
    },
    async down(db: Kysely<any>) {
      await db.schema.dropTable('connection_facts').ifExists().execute();
    },
  };
}
