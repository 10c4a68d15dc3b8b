import { sql, type Kysely, type Selectable } from 'kysely';
import { openStore, type Dialect, type OpenedStore } from './open-store.js';
import type { AttributeCandidateTable, ConnectionFactTable, ConnectionTable, Database, DeviceIdentifierTable, DeviceRiskTable, ServiceTable, DeviceTable, IdentifierKind, ObservationTable } from './schema.js';
import { col, excluded, greatest, least, upsertRows } from './upsert.js';

export type DeviceRow = Selectable<DeviceTable>;
export type ObservationRow = Selectable<ObservationTable>;
export type CandidateRow = Selectable<AttributeCandidateTable>;
export type NewDevice = Omit<DeviceTable, 'id' | 'attribute_summary' | 'randomised_mac' | 'shared_address'> &
  Partial<Pick<DeviceTable, 'attribute_summary' | 'randomised_mac' | 'shared_address'>>;

export type IdentifierInput = DeviceIdentifierTable;

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

  /** Runs `fn` in one transaction: a failed update leaves the store as it was. */
  async transaction<T>(fn: (store: InventoryStore) => Promise<T>): Promise<T> {
    return this.db.transaction().execute((trx) => fn(new InventoryStore(trx, this.dialect, this.opened)));
  }

  async addCapture(c: { name: string; packets: number; bytes: number; first_ts: number | null; last_ts: number | null }): Promise<number> {
    const row = await this.db
      .insertInto('captures')
      .values({ ...c, analysed_at: new Date().toISOString() })
      .returning('id')
      .executeTakeFirstOrThrow();
    return Number(row.id);
  }

  /** Devices holding any of the identifiers, keyed `kind:value`; for an IP, the device that held it last. */
  async devicesByIdentifier(ids: readonly { kind: IdentifierKind; value: string }[]): Promise<Map<string, number>> {
    const found = new Map<string, number>();
    const byKind = new Map<IdentifierKind, string[]>();
    for (const id of ids) {
      let list = byKind.get(id.kind);
      if (!list) byKind.set(id.kind, (list = []));
      list.push(id.value);
    }
    for (const [kind, values] of byKind) {
      for (let i = 0; i < values.length; i += 500) {
        const rows = await this.db
          .selectFrom('device_identifiers')
          .select(['device_id', 'value', 'last_seen'])
          .where('kind', '=', kind)
          .where('value', 'in', values.slice(i, i + 500))
          .orderBy('last_seen', 'asc')
          .execute();
        // Ascending: the latest holder of an identifier overwrites earlier ones.
        for (const r of rows) found.set(`${kind}:${r.value}`, Number(r.device_id));
      }
    }
    return found;
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

  async upsertIdentifiers(rows: readonly IdentifierInput[]): Promise<void> {
    const d = this.dialect;
    await upsertRows(this.db, 'device_identifiers', rows as never, ['kind', 'value', 'device_id'], {
      first_seen: least(d, col('device_identifiers', 'first_seen'), excluded('first_seen')),
      last_seen: greatest(d, col('device_identifiers', 'last_seen'), excluded('last_seen')),
    });
  }

  /**
   * Facts about devices. On SQLite this is the ingest hot path, so it runs one prepared statement
   * per row inside the caller's transaction rather than building SQL text per batch.
   */
  async upsertObservations(rows: readonly Omit<ObservationRow, never>[]): Promise<void> {
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
    });
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
    });
  }

  async upsertConnections(rows: readonly ConnectionInput[]): Promise<void> {
    const d = this.dialect;
    await upsertRows(this.db, 'connections', rows as never, ['client_id', 'server_id', 'transport', 'port'], {
      flows: sql`${col('connections', 'flows')} + ${excluded('flows')}`,
      bytes: sql`${col('connections', 'bytes')} + ${excluded('bytes')}`,
      service: sql`coalesce(${excluded('service')}, ${col('connections', 'service')})`,
      first_seen: least(d, col('connections', 'first_seen'), excluded('first_seen')),
      last_seen: greatest(d, col('connections', 'last_seen'), excluded('last_seen')),
    });
  }

  async upsertConnectionFacts(rows: readonly Selectable<ConnectionFactTable>[]): Promise<void> {
    const d = this.dialect;
    await upsertRows(this.db, 'connection_facts', rows as never, ['client_id', 'server_id', 'transport', 'port', 'sender', 'key', 'value'], {
      count: sql`${col('connection_facts', 'count')} + ${excluded('count')}`,
      first_seen: least(d, col('connection_facts', 'first_seen'), excluded('first_seen')),
      last_seen: greatest(d, col('connection_facts', 'last_seen'), excluded('last_seen')),
    });
  }

  async connectionFacts() {
    return this.db.selectFrom('connection_facts').selectAll().execute();
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
