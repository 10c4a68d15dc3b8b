/**
 * The inventory as the dashboard asks for it: one page at a time, filtered, searched and sorted in
 * the store, so a page of 100k devices costs an index walk, not a table scan in the server.
 */
import { sql } from 'kysely';
import type { InventoryStore } from '../store/inventory-store.js';
import type { Taxonomy } from '../inventory/taxonomy.js';

export const DEVICE_SORTS = ['last_seen', 'first_seen', 'ip', 'hostname', 'vendor', 'model', 'category', 'role', 'zone', 'id'] as const;
export type DeviceSort = (typeof DEVICE_SORTS)[number];

export interface DeviceFilter {
  /** Matched, case-insensitive, against IP, MAC, hostname, vendor, model, firmware and serial. */
  q?: string;
  category?: string;
  role?: string;
  zone?: string;
  vendor?: string;
  /** A patient-safety class from the taxonomy: every category in it. */
  safety?: string;
  /** A scale-out site: devices its sensors saw (a device may belong to several). */
  site?: string;
}

export interface DevicePageQuery extends DeviceFilter {
  sort: DeviceSort;
  order: 'asc' | 'desc';
  limit: number;
  offset: number;
}

const LIST_COLUMNS = ['id', 'ip', 'mac', 'hostname', 'vendor', 'model', 'firmware', 'os', 'category', 'role', 'zone', 'vlan', 'first_seen', 'last_seen'] as const;

function filtered(store: InventoryStore, taxonomy: Taxonomy, f: DeviceFilter) {
  let q = store.db.selectFrom('devices');
  if (f.category) q = q.where('category', '=', f.category);
  if (f.role) q = q.where('role', '=', f.role);
  if (f.zone) q = q.where('zone', '=', f.zone);
  if (f.vendor) q = q.where('vendor', '=', f.vendor);
  if (f.site) {
    const site = f.site;
    // EXISTS, not a join: a device seen at several sites still counts once, and each probe is a walk of the device_sites key.
    q = q.where((eb) => eb.exists(eb.selectFrom('device_sites').select(sql`1`.as('one')).whereRef('device_sites.device_id', '=', 'devices.id').where('device_sites.site', '=', site)));
  }
  if (f.safety) {
    const cats = taxonomy.categories.filter((c) => c.safetyImpact === f.safety).map((c) => c.id);
    q = cats.length ? q.where('category', 'in', cats) : q.where(sql<boolean>`1 = 0`);
  }
  if (f.q) {
    // LIKE's own wildcards in the search text are matched literally.
    const pattern = `%${f.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    // SQLite's LIKE already ignores ASCII case; PostgreSQL's ILIKE does the same.
    const like = store.dialect === 'postgres' ? sql.raw('ilike') : sql.raw('like');
    q = q.where((eb) =>
      eb.or((['ip', 'mac', 'hostname', 'vendor', 'model', 'firmware', 'serial', 'category', 'role'] as const).map((c) => sql<boolean>`${sql.ref(c)} ${like} ${pattern} escape '\\'`)),
    );
  }
  return q;
}

export async function devicePage(store: InventoryStore, taxonomy: Taxonomy, p: DevicePageQuery) {
  const base = filtered(store, taxonomy, p);
  const [{ total }] = await base.select((eb) => eb.fn.countAll<number>().as('total')).execute();
  // Ids first, then their rows: skipping `offset` entries walks the (sort, id) index alone instead
  // of reading every skipped row. The id breaks ties so a page boundary never repeats or skips a device.
  const ids = (await base.select('id').orderBy(p.sort, p.order).orderBy('id', 'asc').limit(p.limit).offset(p.offset).execute()).map((r) => Number(r.id));
  const rows = ids.length ? await store.db.selectFrom('devices').select([...LIST_COLUMNS]).where('id', 'in', ids).execute() : [];
  const byId = new Map(rows.map((d) => [Number(d.id), d]));
  const items = ids.map((id) => byId.get(id)!).filter(Boolean);
  return { total: Number(total), items: items.map((d) => ({ ...d, id: Number(d.id), safety: d.category ? (taxonomy.category(d.category)?.safetyImpact ?? null) : null })) };
}

/** Every matching device, in pages, for CSV export without holding them all at once. */
export async function* allDevices(store: InventoryStore, taxonomy: Taxonomy, p: Omit<DevicePageQuery, 'limit' | 'offset'>) {
  for (let offset = 0; ; offset += 5000) {
    const page = await filtered(store, taxonomy, p).select([...LIST_COLUMNS, 'serial']).orderBy(p.sort, p.order).orderBy('id', 'asc').limit(5000).offset(offset).execute();
    yield* page;
    if (page.length < 5000) return;
  }
}

/** Counts for the overview: by category, zone and patient-safety class. */
export async function inventoryCounts(store: InventoryStore, taxonomy: Taxonomy) {
  const byCategory = await store.db.selectFrom('devices').select(['category', (eb) => eb.fn.countAll<number>().as('n')]).groupBy('category').execute();
  const byZone = await store.db.selectFrom('devices').select(['zone', (eb) => eb.fn.countAll<number>().as('n')]).groupBy('zone').execute();
  const bySafety: Record<string, number> = {};
  let medical = 0;
  let phi = 0;
  for (const r of byCategory) {
    const c = r.category ? taxonomy.category(r.category) : undefined;
    const k = c?.safetyImpact ?? 'unknown';
    bySafety[k] = (bySafety[k] ?? 0) + Number(r.n);
    if (c?.medical) medical += Number(r.n);
    if (c?.holdsPhi || c?.movesPhi) phi += Number(r.n);
  }
  const devices = byCategory.reduce((n, r) => n + Number(r.n), 0);
  return {
    devices,
    medical,
    phi,
    byCategory: byCategory.map((r) => ({ category: r.category, label: r.category ? (taxonomy.category(r.category)?.label ?? r.category) : 'Unidentified', n: Number(r.n) })).sort((a, b) => b.n - a.n),
    byZone: byZone.map((r) => ({ zone: r.zone, n: Number(r.n) })).sort((a, b) => b.n - a.n),
    bySafety,
  };
}
