import { sql, type Kysely, type Migration } from 'kysely';

/**
 * The inventory tables. Written once for both dialects: the only differences are how an id is
 * generated and the double type's name, both chosen by `dialect`.
 */
export function inventoryMigration(dialect: 'sqlite' | 'postgres'): Migration {
  const pg = dialect === 'postgres';
  const id = pg ? sql`bigserial` : sql`integer`;
  const real = pg ? 'double precision' : 'real';
  return {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('captures')
        .addColumn('id', id, (c) => (pg ? c.primaryKey() : c.primaryKey().autoIncrement()))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('packets', 'bigint', (c) => c.notNull())
        .addColumn('bytes', 'bigint', (c) => c.notNull())
        .addColumn('first_ts', real)
        .addColumn('last_ts', real)
        .addColumn('analysed_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('devices')
        .addColumn('id', id, (c) => (pg ? c.primaryKey() : c.primaryKey().autoIncrement()))
        .addColumn('identity_kind', 'text', (c) => c.notNull())
        .addColumn('identity', 'text', (c) => c.notNull())
        .addColumn('first_seen', real, (c) => c.notNull())
        .addColumn('last_seen', real, (c) => c.notNull())
        .addColumn('mac', 'text')
        .addColumn('ip', 'text')
        .addColumn('vlan', 'integer')
        .addColumn('hostname', 'text')
        .addColumn('vendor', 'text')
        .addColumn('model', 'text')
        .addColumn('firmware', 'text')
        .addColumn('os', 'text')
        .addColumn('serial', 'text')
        .addColumn('category', 'text')
        .addColumn('role', 'text')
        .addColumn('zone', 'text')
        .addColumn('attribute_summary', 'text', (c) => c.notNull().defaultTo('{}'))
        .addColumn('randomised_mac', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('shared_address', 'integer', (c) => c.notNull().defaultTo(0))
        .addUniqueConstraint('devices_identity', ['identity_kind', 'identity'])
        .execute();
      await db.schema.createIndex('devices_category').on('devices').columns(['category', 'last_seen']).execute();
      await db.schema.createIndex('devices_last_seen').on('devices').columns(['last_seen', 'id']).execute();
      await db.schema
        .createTable('device_identifiers')
        .addColumn('device_id', 'bigint', (c) => c.notNull().references('devices.id').onDelete('cascade'))
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('value', 'text', (c) => c.notNull())
        .addColumn('first_seen', real, (c) => c.notNull())
        .addColumn('last_seen', real, (c) => c.notNull())
        .addColumn('source', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('device_identifiers_pk', ['kind', 'value', 'device_id'])
        .execute();
      await db.schema.createIndex('device_identifiers_device').on('device_identifiers').column('device_id').execute();
      await db.schema
        .createTable('observations')
        .addColumn('device_id', 'bigint', (c) => c.notNull().references('devices.id').onDelete('cascade'))
        .addColumn('key', 'text', (c) => c.notNull())
        .addColumn('value', 'text', (c) => c.notNull())
        .addColumn('count', 'bigint', (c) => c.notNull())
        .addColumn('first_ts', real, (c) => c.notNull())
        .addColumn('last_ts', real, (c) => c.notNull())
        .addColumn('capture_id', 'bigint', (c) => c.notNull())
        .addColumn('flow', 'bigint')
        .addPrimaryKeyConstraint('observations_pk', ['device_id', 'key', 'value'])
        // SQLite: rows live in the primary-key B-tree itself, one tree fewer to update per fact.
        .$call((b) => (pg ? b : b.modifyEnd(sql`without rowid`)))
        .execute();
      await db.schema
        .createTable('attribute_candidates')
        .addColumn('device_id', 'bigint', (c) => c.notNull().references('devices.id').onDelete('cascade'))
        .addColumn('attribute', 'text', (c) => c.notNull())
        .addColumn('value', 'text', (c) => c.notNull())
        .addColumn('source', 'text', (c) => c.notNull())
        .addColumn('confidence', real, (c) => c.notNull())
        .addColumn('count', 'bigint', (c) => c.notNull())
        .addColumn('first_seen', real, (c) => c.notNull())
        .addColumn('last_seen', real, (c) => c.notNull())
        .addColumn('evidence', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('attribute_candidates_pk', ['device_id', 'attribute', 'value', 'source'])
        .execute();
      await db.schema
        .createTable('services')
        .addColumn('device_id', 'bigint', (c) => c.notNull().references('devices.id').onDelete('cascade'))
        .addColumn('transport', 'text', (c) => c.notNull())
        .addColumn('port', 'integer', (c) => c.notNull())
        .addColumn('direction', 'text', (c) => c.notNull())
        .addColumn('service', 'text')
        .addColumn('flows', 'bigint', (c) => c.notNull())
        .addColumn('first_seen', real, (c) => c.notNull())
        .addColumn('last_seen', real, (c) => c.notNull())
        .addPrimaryKeyConstraint('services_pk', ['device_id', 'transport', 'port', 'direction'])
        .execute();
      await db.schema
        .createTable('connections')
        .addColumn('client_id', 'bigint', (c) => c.notNull().references('devices.id').onDelete('cascade'))
        .addColumn('server_id', 'bigint', (c) => c.notNull().references('devices.id').onDelete('cascade'))
        .addColumn('transport', 'text', (c) => c.notNull())
        .addColumn('port', 'integer', (c) => c.notNull())
        .addColumn('service', 'text')
        .addColumn('flows', 'bigint', (c) => c.notNull())
        .addColumn('bytes', 'bigint', (c) => c.notNull())
        .addColumn('first_seen', real, (c) => c.notNull())
        .addColumn('last_seen', real, (c) => c.notNull())
        .addPrimaryKeyConstraint('connections_pk', ['client_id', 'server_id', 'transport', 'port'])
        .execute();
      await db.schema.createIndex('connections_server').on('connections').column('server_id').execute();
      await db.schema
        .createTable('zones')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('site', 'text')
        .addColumn('department', 'text')
        .addColumn('subnet', 'text')
        .addColumn('vlan', 'integer')
        .addColumn('inferred', 'integer', (c) => c.notNull())
        .execute();
    },
    async down(db: Kysely<any>) {
      for (const t of ['zones', 'connections', 'services', 'attribute_candidates', 'observations', 'device_identifiers', 'devices', 'captures']) {
        await db.schema.dropTable(t).ifExists().execute();
      }
    },
  };
}
