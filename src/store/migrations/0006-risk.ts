import type { Kysely, Migration } from 'kysely';

/** Each device's risk score with the factors that made it, replaced whole by every recompute. */
export function riskMigration(dialect: 'sqlite' | 'postgres'): Migration {
  const real = dialect === 'postgres' ? 'double precision' : 'real';
  return {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('device_risk')
        .addColumn('device_id', 'bigint', (c) => c.primaryKey().references('devices.id').onDelete('cascade'))
        .addColumn('score', real, (c) => c.notNull())
        .addColumn('safety', real, (c) => c.notNull())
        .addColumn('privacy', real, (c) => c.notNull())
        .addColumn('likelihood', real, (c) => c.notNull())
        .addColumn('safety_impact', real, (c) => c.notNull())
        .addColumn('privacy_impact', real, (c) => c.notNull())
        .addColumn('criticality', real, (c) => c.notNull())
        .addColumn('factors', 'text', (c) => c.notNull())
        .addColumn('computed_at', real, (c) => c.notNull())
        .execute();
      await db.schema.createIndex('device_risk_safety').on('device_risk').column('safety').execute();
      await db.schema.createIndex('device_risk_privacy').on('device_risk').column('privacy').execute();
    },
    async down(db: Kysely<any>) {
      await db.schema.dropTable('device_risk').ifExists().execute();
    },
  };
}
