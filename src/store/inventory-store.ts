import { Kysely, PostgresDialect, sql, type Compilable, type Selectable } from 'kysely';
import type { PoolClient } from 'pg';
import { openStore, type Dialect, type OpenedStore } from './open-store.js';
import type { AttributeCandidateTable, ConnectionFactTable, ConnectionTable, Database, DeviceIdentifierTable, DeviceRiskTable, ServiceTable, DeviceTable, IdentifierKind, ObservationTable } from './schema.js';
import { copyRows, type CopyType } from './pg-copy.js';
import { col, excluded, greatest, least, pgArrayLiteral, upsertRows, type PgUpsert } from './upsert.js';

export type DeviceRow = Selectable<DeviceTable>;
export type ObservationRow = Selectable<ObservationTable>;
export type CandidateRow = Selectable<AttributeCandidateTable>;
export type NewDevice = Omit<DeviceTable, 'id' | 'attribute_summary' | 'randomised_mac' | 'shared_address'> &
  Partial<Pick<DeviceTable, 'attribute_summary' | 'randomised_mac' | 'shared_address'>>;

export type IdentifierInput = DeviceIdentifierTable;

/** What the attribute resolver decides for a device. */
export const ATTRIBUTE_COLUMNS = ['hostname', 'vendor', 'model', 'firmware', 'os', 'serial', 'category', 'role', 'zone', 'attribute_summary'] as const;
export type DeviceAttributes = { id: number } & { [K in (typeof ATTRIBUTE_COLUMNS)[number]]: string | null };

/** Advisory lock key serialising transactions that rewrite the zones ("VGL2"). */
const ZONES_LOCK = 0x56474c32;

/** Rows per unnest statement on PostgreSQL: large enough to amortise a round trip, small enough to bound memory. */
const PG_UNNEST_ROWS = 20_000;

export type ServiceInput = ServiceTable;

export type ConnectionInput = ConnectionTable;

export interface DeviceQuery {
  category?: string;
  limit?: number;
  offset?: number;
}

/**
 * The inventory's reads and writes, the same for SQLite and PostgreSQL. Writes are upserts, so
 * analysing a second capture updates devices (times, addresses, evidence) instead of duplicating them.
 */
export class InventoryStore {
  private constructor(
    readonly db: Kysely<Database>,
    readonly dialect: Dialect,
    private readonly opened: OpenedStore,
    /** In a PostgreSQL transaction: the devices it created, whose first rows need no conflict check. */
    private readonly created: CreatedDevices | null = null,
    /** In a PostgreSQL transaction: its connection, which also carries COPY. */
    private readonly pgClient: PoolClient | null = null,
  ) {}

  static async open(spec: string): Promise<InventoryStore> {
    const opened = await openStore(spec);
    return new InventoryStore(opened.db, opened.dialect, opened);
  }

  get location(): string {
    return this.opened.location;
  }

  async close(): Promise<void> {
    await this.opened.db.destroy();
  }

  /** For upsertRows: which rows belong to devices this transaction created and has written none of into `table` yet. */
  private newRows(table: string, idColumns: readonly string[], rows: readonly object[]): ((row: Record<string, unknown>) => boolean) | undefined {
    return this.created?.claim(table, idColumns, rows as readonly Record<string, unknown>[]);
  }

  /** Runs `fn` in one transaction: a failed update leaves the store as it was. */
  async transaction<T>(fn: (store: InventoryStore) => Promise<T>): Promise<T> {
    const pool = this.opened.pgPool;
    if (!pool) return this.db.transaction().execute((trx) => fn(new InventoryStore(trx, this.dialect, this.opened)));
    // On PostgreSQL the transaction holds one client of the pool itself, rather than through
    // Kysely's transaction, so that COPY (which Kysely cannot issue) runs inside it too.
    const client = await pool.connect();
    let broken: Error | undefined;
    try {
      await client.query('begin');
      const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool: oneClientPool(client) }) });
      const out = await fn(new InventoryStore(db, this.dialect, this.opened, new CreatedDevices(), client));
      await client.query('commit');
      return out;
    } catch (err) {
      // A connection that cannot even roll back is closed rather than handed to the next caller.
      await client.query('rollback').catch((e: Error) => (broken = e));
      throw err;
    } finally {
      client.release(broken);
    }
  }

  /** upsertRows' PostgreSQL options for `table`: column types, and COPY for rows that need no conflict check. */
  private pgUpsert(types: Record<string, CopyType>, fresh?: (row: Record<string, unknown>) => boolean, distinct = false): PgUpsert | undefined {
    if (this.dialect !== 'postgres') return undefined;
    const client = this.pgClient;
    return { types, isNew: fresh, distinct, copy: client ? (table, rows, cols) => copyRows(client, table, rows, cols, cols.map((c) => types[c])) : undefined };
  }

  async addCapture(c: { name: string; packets: number; bytes: number; first_ts: number | null; last_ts: number | null; site?: string | null; sensor?: string | null }): Promise<number> {
    const row = await this.db
      .insertInto('captures')
      .values({ ...c, analysed_at: new Date().toISOString() })
      .returning('id')
      .executeTakeFirstOrThrow();
    return Number(row.id);
  }

  /**
   * Devices holding any of the identifiers, keyed `kind:value`; for an IP, the device that held it last.
   * With `site`, only devices seen at that site: two hospitals may both use 10.1.2.3.
   */
  async devicesByIdentifier(ids: readonly { kind: IdentifierKind; value: string }[], site?: string): Promise<Map<string, number>> {
    const found = new Map<string, number>();
    const byKind = new Map<IdentifierKind, string[]>();
    for (const id of ids) {
      let list = byKind.get(id.kind);
      if (!list) byKind.set(id.kind, (list = []));
      list.push(id.value);
    }
    // PostgreSQL takes each kind's values as one array parameter, in one round trip; SQLite's
    // parameter limit wants chunks.
    const chunk = this.dialect === 'postgres' ? Infinity : 500;
    for (const [kind, values] of byKind) {
      for (let i = 0; i < values.length; i += chunk) {
        const some = values.slice(i, i + chunk);
        let q = this.db
          .selectFrom('device_identifiers')
          .select(['device_id', 'value', 'last_seen'])
          .where('kind', '=', kind)
          .where((eb) => (this.dialect === 'postgres' ? eb('value', '=', sql<string>`any(${some}::text[])`) : eb('value', 'in', some)));
        if (site !== undefined)
          q = q.where((eb) => eb.exists(eb.selectFrom('device_sites').select('device_sites.device_id').whereRef('device_sites.device_id', '=', 'device_identifiers.device_id').where('device_sites.site', '=', site)));
        const rows = await q.orderBy('last_seen', 'asc').execute();
        // Ascending: the latest holder of an identifier overwrites earlier ones.
        for (const r of rows) found.set(`${kind}:${r.value}`, Number(r.device_id));
      }
    }
    return found;
  }

  /** Of these MACs, those whose MAC-keyed device has a candidate from `source`. */
  async macsWithCandidateSource(macs: readonly string[], source: string): Promise<string[]> {
    const out: string[] = [];
    for (let i = 0; i < macs.length; i += 500) {
      const rows = await this.db
        .selectFrom('devices')
        .innerJoin('attribute_candidates', 'attribute_candidates.device_id', 'devices.id')
        .select('devices.identity')
        .distinct()
        .where('devices.identity_kind', '=', 'mac')
        .where('devices.identity', 'in', macs.slice(i, i + 500))
        .where('attribute_candidates.source', '=', source)
        .execute();
      for (const r of rows) out.push(r.identity);
    }
    return out;
  }

  /** The sites each device was seen at, widened to the times seen. */
  async upsertDeviceSites(rows: readonly { device_id: number; site: string; first_seen: number; last_seen: number }[]): Promise<void> {
    const d = this.dialect;
    await upsertRows(this.db, 'device_sites', rows as never, ['device_id', 'site'], {
      first_seen: least(d, col('device_sites', 'first_seen'), excluded('first_seen')),
      last_seen: greatest(d, col('device_sites', 'last_seen'), excluded('last_seen')),
    }, this.pgUpsert({ device_id: 'int8', site: 'text', first_seen: 'float8', last_seen: 'float8' }, this.newRows('device_sites', ['device_id'], rows)));
  }

  async createDevice(d: NewDevice): Promise<number> {
    const row = await this.db.insertInto('devices').values(d as never).returning('id').executeTakeFirstOrThrow();
    return Number(row.id);
  }

  async touchDevice(id: number, seen: { first_seen: number; last_seen: number; mac?: string | null; ip?: string | null; vlan?: number | null }): Promise<void> {
    const d = this.dialect;
    await this.db
      .updateTable('devices')
      .set({
        first_seen: least(d, col('devices', 'first_seen'), sql`${seen.first_seen}`),
        last_seen: greatest(d, col('devices', 'last_seen'), sql`${seen.last_seen}`),
        ...(seen.mac ? { mac: seen.mac } : {}),
        ...(seen.ip ? { ip: seen.ip } : {}),
        ...(seen.vlan != null ? { vlan: seen.vlan } : {}),
      })
      .where('id', '=', id)
      .execute();
  }

  async updateDevice(id: number, patch: Partial<Omit<DeviceTable, 'id'>>): Promise<void> {
    if (Object.keys(patch).length === 0) return;
    await this.db.updateTable('devices').set(patch).where('id', '=', id).execute();
  }

  /**
   * Many devices at once, ids keyed `identity_kind:identity` (unique). A central service folds in
   * thousands of devices per window: one statement on PostgreSQL, not one round trip each.
   */
  async createDevices(rows: readonly NewDevice[]): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    if (rows.length === 0) return out;
    if (this.dialect !== 'postgres') {
      for (const d of rows) out.set(`${d.identity_kind}:${d.identity}`, await this.createDevice(d));
      return out;
    }
    const cols = ['identity_kind', 'identity', 'first_seen', 'last_seen', 'mac', 'ip', 'vlan', 'randomised_mac', 'shared_address'] as const;
    const types = ['text', 'text', 'float8', 'float8', 'text', 'text', 'int4', 'int4', 'int4'];
    for (let i = 0; i < rows.length; i += PG_UNNEST_ROWS) {
      const chunk = rows.slice(i, i + PG_UNNEST_ROWS);
      const arrays = cols.map((c, j) => sql`${chunk.map((r) => (r as unknown as Record<string, unknown>)[c] ?? (c === 'randomised_mac' || c === 'shared_address' ? 0 : null))}::${sql.raw(types[j])}[]`);
      const r = await sql<{ id: number; identity_kind: string; identity: string }>`insert into devices (${sql.raw(cols.join(', '))}, attribute_summary) select *, '{}' from unnest(${sql.join(arrays)}) returning id, identity_kind, identity`.execute(this.db);
      for (const row of r.rows) {
        out.set(`${row.identity_kind}:${row.identity}`, Number(row.id));
        this.created?.ids.add(Number(row.id));
      }
    }
    return out;
  }

  /** touchDevice for many devices. */
  async touchDevices(rows: readonly { id: number; first_seen: number; last_seen: number; mac: string | null; ip: string | null; vlan: number | null }[]): Promise<void> {
    if (this.dialect !== 'postgres') {
      for (const r of rows) await this.touchDevice(r.id, r);
      return;
    }
    for (let i = 0; i < rows.length; i += PG_UNNEST_ROWS) {
      const c = rows.slice(i, i + PG_UNNEST_ROWS);
      await sql`update devices set first_seen = least(devices.first_seen, v.first_seen), last_seen = greatest(devices.last_seen, v.last_seen),
          mac = coalesce(v.mac, devices.mac), ip = coalesce(v.ip, devices.ip), vlan = coalesce(v.vlan, devices.vlan)
        from unnest(${c.map((r) => r.id)}::int8[], ${c.map((r) => r.first_seen)}::float8[], ${c.map((r) => r.last_seen)}::float8[], ${c.map((r) => r.mac || null)}::text[], ${c.map((r) => r.ip || null)}::text[], ${c.map((r) => r.vlan)}::int4[])
          as v(id, first_seen, last_seen, mac, ip, vlan) where devices.id = v.id`.execute(this.db);
    }
  }

  /** The chosen attributes of many devices, each row whole. */
  async setDeviceAttributes(rows: readonly DeviceAttributes[]): Promise<void> {
    const raw = this.opened.sqlite;
    if (raw && this.dialect === 'sqlite') {
      const stmt = raw.prepare(`update devices set ${ATTRIBUTE_COLUMNS.map((c) => `${c} = ?`).join(', ')} where id = ?`);
      for (const r of rows) stmt.run(...ATTRIBUTE_COLUMNS.map((c) => r[c]), r.id);
      return;
    }
    for (let i = 0; i < rows.length; i += PG_UNNEST_ROWS) {
      const c = rows.slice(i, i + PG_UNNEST_ROWS);
      const arrays = [sql`${c.map((r) => r.id)}::int8[]`, ...ATTRIBUTE_COLUMNS.map((col) => sql`${pgArrayLiteral(c as never, col)}::text[]`)];
      await sql`update devices set ${sql.raw(ATTRIBUTE_COLUMNS.map((col) => `${col} = v.${col}`).join(', '))}
        from unnest(${sql.join(arrays)}) as v(id, ${sql.raw(ATTRIBUTE_COLUMNS.join(', '))}) where devices.id = v.id`.execute(this.db);
    }
  }

  /** Candidates of many devices, each device's replaced whole. */
  async replaceCandidatesOf(deviceIds: readonly number[], rows: readonly CandidateRow[]): Promise<void> {
    const raw = this.opened.sqlite;
    if (raw && this.dialect === 'sqlite') {
      const del = raw.prepare('delete from attribute_candidates where device_id = ?');
      for (const id of deviceIds) del.run(id);
      const ins = raw.prepare('insert into attribute_candidates (device_id, attribute, value, source, confidence, count, first_seen, last_seen, evidence) values (?, ?, ?, ?, ?, ?, ?, ?, ?) on conflict do nothing');
      for (const r of rows) ins.run(r.device_id, r.attribute, r.value, r.source, r.confidence, r.count, r.first_seen, r.last_seen, r.evidence);
      return;
    }
    const stored = this.created ? this.created.stored('attribute_candidates', deviceIds) : deviceIds;
    for (let i = 0; i < stored.length; i += PG_UNNEST_ROWS) await sql`delete from attribute_candidates where device_id = any(${stored.slice(i, i + PG_UNNEST_ROWS)}::int8[])`.execute(this.db);
    // Devices this transaction created have no candidates anywhere yet: theirs need no conflict check.
    const kept = new Set(stored);
    const fresh = new Set(deviceIds.filter((id) => !kept.has(id)));
    await upsertRows(this.db, 'attribute_candidates', rows as never, ['device_id', 'attribute', 'value', 'source'], null,
      this.pgUpsert({ device_id: 'int8', attribute: 'text', value: 'text', source: 'text', confidence: 'float8', count: 'int8', first_seen: 'float8', last_seen: 'float8', evidence: 'text' },
        fresh.size ? (r) => fresh.has(r.device_id as number) : undefined));
  }

  async upsertIdentifiers(rows: readonly IdentifierInput[]): Promise<void> {
    const d = this.dialect;
    await upsertRows(this.db, 'device_identifiers', rows as never, ['kind', 'value', 'device_id'], {
      first_seen: least(d, col('device_identifiers', 'first_seen'), excluded('first_seen')),
      last_seen: greatest(d, col('device_identifiers', 'last_seen'), excluded('last_seen')),
    }, this.pgUpsert({ device_id: 'int8', kind: 'text', value: 'text', first_seen: 'float8', last_seen: 'float8', source: 'text' }, this.newRows('device_identifiers', ['device_id'], rows)));
  }

  /**
   * Facts about devices. On SQLite this is the ingest hot path, so it runs one prepared statement
   * per row inside the caller's transaction rather than building SQL text per batch. `distinct`:
   * the caller vouches that no two rows share (device, key, value).
   */
  async upsertObservations(rows: readonly Omit<ObservationRow, never>[], distinct = false): Promise<void> {
    const raw = this.opened.sqlite;
    if (raw && this.dialect === 'sqlite') {
      const stmt = (this.upsertObservationStmt ??= raw.prepare(
        `insert into observations (device_id, key, value, count, first_ts, last_ts, capture_id, flow) values (?, ?, ?, ?, ?, ?, ?, ?)
         on conflict (device_id, key, value) do update set count = observations.count + excluded.count,
           first_ts = min(observations.first_ts, excluded.first_ts), last_ts = max(observations.last_ts, excluded.last_ts)`,
      ));
      // In primary-key order, B-tree inserts walk the tree once instead of jumping around it.
      const sorted = [...rows].sort((a, b) => a.device_id - b.device_id || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0) || (a.value < b.value ? -1 : a.value > b.value ? 1 : 0));
      for (const r of sorted) stmt.run(r.device_id, r.key, r.value, r.count, r.first_ts, r.last_ts, r.capture_id, r.flow);
      return;
    }
    const d = this.dialect;
    await upsertRows(this.db, 'observations', rows as never, ['device_id', 'key', 'value'], {
      count: sql`${col('observations', 'count')} + ${excluded('count')}`,
      first_ts: least(d, col('observations', 'first_ts'), excluded('first_ts')),
      last_ts: greatest(d, col('observations', 'last_ts'), excluded('last_ts')),
    }, this.pgUpsert({ device_id: 'int8', key: 'text', value: 'text', count: 'int8', first_ts: 'float8', last_ts: 'float8', capture_id: 'int8', flow: 'int8' }, this.newRows('observations', ['device_id'], rows), distinct));
  }
  private upsertObservationStmt: import('better-sqlite3').Statement | undefined;

  /** Every device's risk, replaced whole: a recompute scores the entire inventory. */
  async replaceDeviceRisk(rows: readonly Selectable<DeviceRiskTable>[]): Promise<void> {
    await this.db.deleteFrom('device_risk').execute();
    const raw = this.opened.sqlite;
    if (raw && this.dialect === 'sqlite') {
      const stmt = raw.prepare('insert into device_risk (device_id, score, safety, privacy, likelihood, safety_impact, privacy_impact, criticality, factors, computed_at) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)');
      for (const r of rows) stmt.run(r.device_id, r.score, r.safety, r.privacy, r.likelihood, r.safety_impact, r.privacy_impact, r.criticality, r.factors, r.computed_at);
      return;
    }
    await upsertRows(this.db, 'device_risk', rows as never, ['device_id'], null);
  }

  async upsertServices(rows: readonly ServiceInput[]): Promise<void> {
    const d = this.dialect;
    await upsertRows(this.db, 'services', rows as never, ['device_id', 'transport', 'port', 'direction'], {
      flows: sql`${col('services', 'flows')} + ${excluded('flows')}`,
      service: sql`coalesce(${excluded('service')}, ${col('services', 'service')})`,
      first_seen: least(d, col('services', 'first_seen'), excluded('first_seen')),
      last_seen: greatest(d, col('services', 'last_seen'), excluded('last_seen')),
    }, this.pgUpsert({ device_id: 'int8', transport: 'text', port: 'int4', direction: 'text', service: 'text', flows: 'int8', first_seen: 'float8', last_seen: 'float8' }, this.newRows('services', ['device_id'], rows)));
  }

  async upsertConnections(rows: readonly ConnectionInput[]): Promise<void> {
    const d = this.dialect;
    await upsertRows(this.db, 'connections', rows as never, ['client_id', 'server_id', 'transport', 'port'], {
      flows: sql`${col('connections', 'flows')} + ${excluded('flows')}`,
      bytes: sql`${col('connections', 'bytes')} + ${excluded('bytes')}`,
      service: sql`coalesce(${excluded('service')}, ${col('connections', 'service')})`,
      first_seen: least(d, col('connections', 'first_seen'), excluded('first_seen')),
      last_seen: greatest(d, col('connections', 'last_seen'), excluded('last_seen')),
    }, this.pgUpsert({ client_id: 'int8', server_id: 'int8', transport: 'text', port: 'int4', service: 'text', flows: 'int8', bytes: 'int8', first_seen: 'float8', last_seen: 'float8' }, this.newRows('connections', ['client_id', 'server_id'], rows)));
  }

  async upsertConnectionFacts(rows: readonly Selectable<ConnectionFactTable>[]): Promise<void> {
    const d = this.dialect;
    await upsertRows(this.db, 'connection_facts', rows as never, ['client_id', 'server_id', 'transport', 'port', 'sender', 'key', 'value'], {
      count: sql`${col('connection_facts', 'count')} + ${excluded('count')}`,
      first_seen: least(d, col('connection_facts', 'first_seen'), excluded('first_seen')),
      last_seen: greatest(d, col('connection_facts', 'last_seen'), excluded('last_seen')),
    }, this.pgUpsert({ client_id: 'int8', server_id: 'int8', transport: 'text', port: 'int4', sender: 'text', key: 'text', value: 'text', count: 'int8', first_seen: 'float8', last_seen: 'float8' }, this.newRows('connection_facts', ['client_id', 'server_id'], rows)));
  }

  async connectionFacts() {
    return this.db.selectFrom('connection_facts').selectAll().execute();
  }

  /**
   * Calls `each` with every row of a select, as the array of its values in select order; the rows come
   * in the order `query.execute()` returns them. On SQLite the compiled statement is stepped raw: a
   * full risk recompute reads hundreds of thousands of rows, and an object per row (then collecting
   * them all) costs more than the query. `each` must not use the store.
   */
  async eachRow(query: Compilable<object>, each: (row: unknown[]) => void): Promise<void> {
    const compiled = query.compile();
    const raw = this.opened.sqlite;
    if (raw && this.dialect === 'sqlite') {
      for (const row of raw.prepare(compiled.sql).raw(true).iterate(...(compiled.parameters as unknown[]))) each(row as unknown[]);
      return;
    }
    for (const row of (await this.db.executeQuery(compiled)).rows) each(Object.values(row));
  }

  /** A device's candidate values are recomputed from all its evidence, so they are replaced whole. */
  async replaceCandidates(deviceId: number, rows: readonly Omit<CandidateRow, 'device_id'>[]): Promise<void> {
    await this.db.deleteFrom('attribute_candidates').where('device_id', '=', deviceId).execute();
    await upsertRows(this.db, 'attribute_candidates', rows.map((r) => ({ device_id: deviceId, ...r })), ['device_id', 'attribute', 'value', 'source'], null);
  }

  async observationsOf(deviceIds: readonly number[]): Promise<ObservationRow[]> {
    return this.inChunks(deviceIds, (ids) => this.db.selectFrom('observations').selectAll().where('device_id', 'in', ids).execute());
  }

  async servicesOf(deviceIds: readonly number[]) {
    return this.inChunks(deviceIds, (ids) => this.db.selectFrom('services').selectAll().where('device_id', 'in', ids).execute());
  }

  /** Connections where any of the devices is client or server. */
  async connectionsOf(deviceIds: readonly number[]) {
    return this.inChunks(deviceIds, (ids) =>
      this.db
        .selectFrom('connections')
        .selectAll()
        .where((eb) => eb.or([eb('client_id', 'in', ids), eb('server_id', 'in', ids)]))
        .execute(),
    );
  }

  async identifiersOf(deviceIds: readonly number[]) {
    return this.inChunks(deviceIds, (ids) => this.db.selectFrom('device_identifiers').selectAll().where('device_id', 'in', ids).execute());
  }

  async candidatesOf(deviceIds: readonly number[]): Promise<CandidateRow[]> {
    return this.inChunks(deviceIds, (ids) => this.db.selectFrom('attribute_candidates').selectAll().where('device_id', 'in', ids).execute());
  }

  async devicesById(ids: readonly number[]): Promise<DeviceRow[]> {
    return this.inChunks(ids, (chunk) => this.db.selectFrom('devices').selectAll().where('id', 'in', chunk).execute());
  }

  /** The inventory: every device with its chosen attributes, most recently seen first. */
  async devices(q: DeviceQuery = {}): Promise<DeviceRow[]> {
    let query = this.db.selectFrom('devices').selectAll().orderBy('last_seen', 'desc').orderBy('id', 'asc');
    if (q.category) query = query.where('category', '=', q.category);
    if (q.limit !== undefined) query = query.limit(q.limit);
    if (q.offset !== undefined) query = query.offset(q.offset);
    return query.execute();
  }

  async allDeviceIds(): Promise<number[]> {
    const rows = await this.db.selectFrom('devices').select('id').execute();
    return rows.map((r) => Number(r.id));
  }

  async replaceZones(rows: readonly { id: string; name: string; kind: string; site: string | null; department: string | null; subnet: string | null; vlan: number | null; inferred: number }[]): Promise<void> {
    await this.db.deleteFrom('zones').execute();
    await upsertRows(this.db, 'zones', rows as never, ['id'], null);
  }

  async zones() {
    // In a PostgreSQL transaction the zones are read to be written back whole (replaceZones): two
    // windows stored at once would each delete the zones the other added. One at a time, then, until commit.
    if (this.created) await sql`select pg_advisory_xact_lock(${ZONES_LOCK})`.execute(this.db);
    return this.db.selectFrom('zones').selectAll().orderBy('id').execute();
  }

  async captures() {
    return this.db.selectFrom('captures').selectAll().orderBy('id').execute();
  }

  private async inChunks<T>(ids: readonly number[], run: (chunk: number[]) => Promise<T[]>): Promise<T[]> {
    const out: T[] = [];
    for (let i = 0; i < ids.length; i += 900) out.push(...(await run(ids.slice(i, i + 900))));
    return out;
  }
}

/**
 * Devices created by one PostgreSQL transaction. Until the transaction writes a table's rows for such
 * a device, no row of that table can name it (its id is new, and uncommitted to anyone else): those
 * rows are inserted without ON CONFLICT, which spares a speculative insertion per row.
 */
class CreatedDevices {
  readonly ids = new Set<number>();
  private readonly written = new Map<string, Set<number>>();

  /** A test for rows that cannot be stored yet; the devices of all `rows` then count as written to `table`. */
  claim(table: string, idColumns: readonly string[], rows: readonly Record<string, unknown>[]): ((row: Record<string, unknown>) => boolean) | undefined {
    if (this.ids.size === 0 || rows.length === 0) return undefined;
    let done = this.written.get(table);
    if (!done) this.written.set(table, (done = new Set()));
    const before = new Set(done);
    for (const r of rows) for (const c of idColumns) if (this.ids.has(r[c] as number)) done.add(r[c] as number);
    return (row) => idColumns.some((c) => this.ids.has(row[c] as number) && !before.has(row[c] as number));
  }

  /** Of these devices, those that may have rows in `table`; all of them count as written to it from now on. */
  stored(table: string, deviceIds: readonly number[]): number[] {
    let done = this.written.get(table);
    if (!done) this.written.set(table, (done = new Set()));
    const out = deviceIds.filter((id) => !this.ids.has(id) || done.has(id));
    for (const id of deviceIds) if (this.ids.has(id)) done.add(id);
    return out;
  }
}

/** A pool of one client for a Kysely instance inside a transaction: it never releases or ends the client, the transaction does. */
function oneClientPool(client: PoolClient) {
  const lent = { query: client.query.bind(client), release: () => undefined };
  return { connect: async () => lent, end: async () => undefined } as never;
}
