import type { Kysely, Migration } from 'kysely';

/**
 * Alerts and incidents from detection (src/detect/). An alert is found again by `uid` (rule, device, peer,
 * first time) so analysing the same capture twice updates it rather than adding a copy. Evidence holds facts,
 * never PHI or credential values; `flows` lists the flow ids and 5-tuples that find the packets. Baselines
 * keep, per local address, the services it answered on and the peers it talked to, across analyses.
 */
export function alertsMigration(dialect: 'sqlite' | 'postgres'): Migration {
  const real = dialect === 'postgres' ? 'double precision' : 'real';
  const id = dialect === 'postgres' ? 'bigserial' : 'integer';
  return {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('incidents')
        .addColumn('id', id, (c) => (dialect === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement()))
        .addColumn('uid', 'text', (c) => c.notNull().unique())
        .addColumn('title', 'text', (c) => c.notNull())
        .addColumn('severity', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull().defaultTo('new'))
        .addColumn('first_ts', real, (c) => c.notNull())
        .addColumn('last_ts', real, (c) => c.notNull())
        .addColumn('hosts', 'text', (c) => c.notNull())
        .addColumn('rules', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('alerts')
        .addColumn('id', id, (c) => (dialect === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement()))
        .addColumn('uid', 'text', (c) => c.notNull().unique())
        .addColumn('rule', 'text', (c) => c.notNull())
        .addColumn('severity', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull().defaultTo('new'))
        .addColumn('title', 'text', (c) => c.notNull())
        .addColumn('description', 'text', (c) => c.notNull())
        .addColumn('device_id', 'bigint', (c) => c.references('devices.id').onDelete('set null'))
        .addColumn('src_ip', 'text', (c) => c.notNull())
        .addColumn('dst_ip', 'text')
        .addColumn('first_ts', real, (c) => c.notNull())
        .addColumn('last_ts', real, (c) => c.notNull())
        .addColumn('count', 'bigint', (c) => c.notNull())
        .addColumn('incident_id', 'bigint', (c) => c.references('incidents.id').onDelete('set null'))
        .addColumn('evidence', 'text', (c) => c.notNull())
        .addColumn('flows', 'text', (c) => c.notNull())
        .addColumn('status_changed_at', real)
        .addColumn('status_by', 'text')
        .execute();
      await db.schema.createIndex('alerts_status').on('alerts').columns(['status', 'severity']).execute();
      await db.schema.createIndex('alerts_device').on('alerts').column('device_id').execute();
      // What each local address did across analyses: its listening services and its peers.
      await db.schema
        .createTable('baselines')
        .addColumn('ip', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('value', 'text', (c) => c.notNull())
        .addColumn('count', 'bigint', (c) => c.notNull())
        .addColumn('first_seen', real, (c) => c.notNull())
        .addColumn('last_seen', real, (c) => c.notNull())
        .addPrimaryKeyConstraint('baselines_pk', ['ip', 'kind', 'value'])
        .execute();
    },
    async down(db: Kysely<any>) {
      await db.schema.dropTable('baselines').ifExists().execute();
      await db.schema.dropTable('alerts').ifExists().execute();
      await db.schema.dropTable('incidents').ifExists().execute();
    },
  };
}
