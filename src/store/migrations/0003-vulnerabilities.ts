import type { Kysely, Migration } from 'kysely';

/**
 * The vulnerability knowledge base (what each imported feed says about CVEs and the products they
 * affect) and the assessment of each device against it. Feed rows are keyed by the file they came from,
 * so re-importing a file replaces what it said instead of adding to it.
 */
export function vulnerabilitiesMigration(dialect: 'sqlite' | 'postgres'): Migration {
  const real = dialect === 'postgres' ? 'double precision' : 'real';
  return {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('vuln_sources')
        .addColumn('file', 'text', (c) => c.primaryKey())
        .addColumn('format', 'text', (c) => c.notNull())
        .addColumn('imported_at', 'text', (c) => c.notNull())
        .addColumn('published', 'text')
        .addColumn('entries', 'integer', (c) => c.notNull())
        .addColumn('errors', 'text', (c) => c.notNull().defaultTo('[]'))
        .execute();
      await db.schema
        .createTable('vulnerabilities')
        .addColumn('cve', 'text', (c) => c.primaryKey())
        .addColumn('title', 'text')
        .addColumn('description', 'text')
        .addColumn('cvss_score', real)
        .addColumn('cvss_vector', 'text')
        .addColumn('attack_vector', 'text')
        .addColumn('cwe', 'text')
        .addColumn('kev', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('kev_date_added', 'text')
        .addColumn('kev_ransomware', 'text')
        .addColumn('epss', real)
        .addColumn('epss_percentile', real)
        .addColumn('exploitation', 'text')
        .addColumn('automatable', 'text')
        .addColumn('technical_impact', 'text')
        .addColumn('advisories', 'text', (c) => c.notNull().defaultTo('[]'))
        .addColumn('remediations', 'text', (c) => c.notNull().defaultTo('[]'))
        .addColumn('sources', 'text', (c) => c.notNull().defaultTo('[]'))
        .execute();
      await db.schema
        .createTable('vuln_products')
        .addColumn('cve', 'text', (c) => c.notNull())
        .addColumn('source', 'text', (c) => c.notNull())
        .addColumn('advisory', 'text')
        .addColumn('vendor', 'text', (c) => c.notNull())
        .addColumn('vendor_key', 'text', (c) => c.notNull())
        .addColumn('product', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('version_kind', 'text', (c) => c.notNull())
        .addColumn('version_text', 'text')
        .addColumn('version_min', 'text')
        .addColumn('min_inclusive', 'integer', (c) => c.notNull().defaultTo(1))
        .addColumn('version_max', 'text')
        .addColumn('max_inclusive', 'integer', (c) => c.notNull().defaultTo(1))
        .addColumn('fixed_version', 'text')
        .execute();
      await db.schema.createIndex('vuln_products_vendor').on('vuln_products').columns(['vendor_key', 'cve']).execute();
      await db.schema.createIndex('vuln_products_source').on('vuln_products').column('source').execute();
      await db.schema
        .createTable('device_vulnerabilities')
        .addColumn('device_id', 'bigint', (c) => c.notNull().references('devices.id').onDelete('cascade'))
        .addColumn('cve', 'text', (c) => c.notNull())
        .addColumn('confidence', 'text', (c) => c.notNull())
        .addColumn('evidence', 'text', (c) => c.notNull())
        .addColumn('exploitability', 'text', (c) => c.notNull())
        .addColumn('decision', 'text', (c) => c.notNull())
        .addColumn('decision_points', 'text', (c) => c.notNull())
        .addColumn('vex_state', 'text', (c) => c.notNull())
        .addColumn('assessed_at', real, (c) => c.notNull())
        .addPrimaryKeyConstraint('device_vulnerabilities_pk', ['device_id', 'cve'])
        .execute();
      await db.schema.createIndex('device_vulnerabilities_cve').on('device_vulnerabilities').column('cve').execute();
    },
    async down(db: Kysely<any>) {
      for (const t of ['device_vulnerabilities', 'vuln_products', 'vulnerabilities', 'vuln_sources']) await db.schema.dropTable(t).ifExists().execute();
    },
  };
}
