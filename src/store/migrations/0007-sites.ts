import type { Kysely, Migration } from 'kysely';

/**
 * Many sensors, one store (docs/scale-out.md). A device belongs to each site that saw it; captures and
 * alerts name the site and sensor they came from. `ingest_batches` records every sensor window the
 * central service committed, in the same transaction as its rows, so a redelivered window is
 * recognised and stored once. `sensors` keeps what each sensor last reported, drops included.
 */
export function sitesMigration(dialect: 'sqlite' | 'postgres'): Migration {
  const real = dialect === 'postgres' ? 'double precision' : 'real';
  return {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('device_sites')
        .addColumn('device_id', 'bigint', (c) => c.notNull().references('devices.id').onDelete('cascade'))
        .addColumn('site', 'text', (c) => c.notNull())
        .addColumn('first_seen', real, (c) => c.notNull())
        .addColumn('last_seen', real, (c) => c.notNull())
        .addPrimaryKeyConstraint('device_sites_pk', ['device_id', 'site'])
        .execute();
      await db.schema.createIndex('device_sites_site').on('device_sites').columns(['site', 'device_id']).execute();
      await db.schema.alterTable('captures').addColumn('site', 'text').execute();
      await db.schema.alterTable('captures').addColumn('sensor', 'text').execute();
      await db.schema.alterTable('alerts').addColumn('site', 'text').execute();
      await db.schema
        .createTable('ingest_batches')
        .addColumn('batch', 'text', (c) => c.primaryKey())
        .addColumn('sensor', 'text', (c) => c.notNull())
        .addColumn('site', 'text', (c) => c.notNull())
        .addColumn('seq', 'bigint', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('observations', 'bigint', (c) => c.notNull())
        .addColumn('alerts', 'bigint', (c) => c.notNull())
        .addColumn('reason', 'text')
        .addColumn('stored_at', real, (c) => c.notNull())
        .execute();
      await db.schema.createIndex('ingest_batches_sensor').on('ingest_batches').columns(['sensor', 'seq']).execute();
      await db.schema
        .createTable('sensors')
        .addColumn('sensor', 'text', (c) => c.primaryKey())
        .addColumn('site', 'text', (c) => c.notNull())
        .addColumn('version', 'text', (c) => c.notNull())
        .addColumn('windows', 'bigint', (c) => c.notNull())
        .addColumn('last_window_at', real, (c) => c.notNull())
        .addColumn('last_packet_ts', real)
        .addColumn('dropped_windows', 'bigint', (c) => c.notNull())
        .addColumn('dropped_bytes', 'bigint', (c) => c.notNull())
        .addColumn('capture_drops', 'bigint', (c) => c.notNull())
        .execute();
    },
    async down(db: Kysely<any>) {
      await db.schema.dropTable('sensors').ifExists().execute();
      await db.schema.dropTable('ingest_batches').ifExists().execute();
      await db.schema.dropTable('device_sites').ifExists().execute();
    },
  };
}
