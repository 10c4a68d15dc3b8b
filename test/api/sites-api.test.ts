/**
 * The read side of scale-out: the site filter on devices and alerts, and GET /api/sites, on a store
 * whose site, sensor and ingest rows are written directly, against SQLite and a real PostgreSQL.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createToken } from '../../src/api/api-tokens.js';
import { buildServer } from '../../src/api/server.js';
import { InventoryStore } from '../../src/store/inventory-store.js';
import { TARGETS, type StoreTarget } from '../store/store-targets.js';

const T0 = 1_700_000_000;

/** Three devices at north (one of them also at south), two at south only, one local device at no site. */
async function seed(store: InventoryStore) {
  const device = (n: number, category: string) =>
    store.createDevice({
      identity_kind: 'mac', identity: `02:00:00:00:00:0${n}`, first_seen: T0 + n, last_seen: T0 + 100 + n, mac: `02:00:00:00:00:0${n}`, ip: `10.0.0.${n}`, vlan: null,
      hostname: `dev-${n}`, vendor: null, model: null, firmware: null, os: null, serial: null, category, role: null, zone: null,
    });
  const ids: number[] = [];
  for (let n = 1; n <= 6; n++) ids.push(await device(n, n % 2 ? 'infusion-pump' : 'workstation'));
  const [d1, d2, d3, d4, d5] = ids;
  await store.db
    .insertInto('device_sites')
    .values([
      { device_id: d1, site: 'north', first_seen: T0 + 1, last_seen: T0 + 50 },
      { device_id: d2, site: 'north', first_seen: T0 + 2, last_seen: T0 + 60 },
      { device_id: d3, site: 'north', first_seen: T0 + 3, last_seen: T0 + 70 },
      { device_id: d3, site: 'south', first_seen: T0 + 30, last_seen: T0 + 90 },
      { device_id: d4, site: 'south', first_seen: T0 + 4, last_seen: T0 + 80 },
      { device_id: d5, site: 'south', first_seen: T0 + 5, last_seen: T0 + 95 },
    ])
    .execute();
  await store.db
    .insertInto('sensors')
    .values([
      { sensor: 'north-a', site: 'north', version: '0.1.0', windows: 40, last_window_at: T0 + 600, last_packet_ts: T0 + 590, dropped_windows: 0, dropped_bytes: 0, capture_drops: 0 },
      { sensor: 'north-b', site: 'north', version: '0.1.1', windows: 12, last_window_at: T0 + 500, last_packet_ts: null, dropped_windows: 3, dropped_bytes: 4096, capture_drops: 17 },
      { sensor: 'south-a', site: 'south', version: '0.1.0', windows: 7, last_window_at: T0 + 700, last_packet_ts: T0 + 699, dropped_windows: 0, dropped_bytes: 0, capture_drops: 2 },
    ])
    .execute();
  const batch = (sensor: string, site: string, seq: number, status: 'stored' | 'rejected', reason: string | null, at: number) => ({
    batch: `${sensor}/run1/${seq}`, sensor, site, seq, status, observations: status === 'stored' ? 10 : 0, alerts: 0, reason, stored_at: at,
  });
  await store.db
    .insertInto('ingest_batches')
    .values([
      batch('north-a', 'north', 1, 'stored', null, T0 + 100),
      batch('north-a', 'north', 2, 'stored', null, T0 + 200),
      batch('north-a', 'north', 3, 'rejected', 'schema version 9 unknown', T0 + 300),
      batch('north-b', 'north', 1, 'stored', null, T0 + 150),
      batch('north-b', 'north', 2, 'rejected', 'older reason', T0 + 160),
      batch('north-b', 'north', 3, 'rejected', 'window too large', T0 + 400),
      batch('south-a', 'south', 1, 'stored', null, T0 + 110),
      // A sensor that never registered: its windows count for the site, not as a sensor.
      batch('stray', 'south', 1, 'rejected', 'unknown sensor', T0 + 120),
    ])
    .execute();
  const alert = (uid: string, site: string | null, device: number) => ({
    uid, rule: 'test-rule', severity: 'high' as const, status: 'new' as const, title: uid, description: 'test', device_id: device, src_ip: '10.0.0.1', dst_ip: null,
    first_ts: T0, last_ts: T0 + 1, count: 1, incident_id: null, evidence: '{}', flows: '[]', status_changed_at: null, status_by: null, site,
  });
  await store.db.insertInto('alerts').values([alert('a-north-1', 'north', d1), alert('a-north-2', 'north', d2), alert('a-south', 'south', d4), alert('a-local', null, ids[5])]).execute();
  return { ids, north: [d1, d2, d3], south: [d3, d4, d5] };
}

for (const t of TARGETS) {
  describe.skipIf(!!t.skip)(`site reads on ${t.name}`, () => {
    let target: StoreTarget;
    let store: InventoryStore;
    let app: FastifyInstance;
    let token: string;
    let seeded: Awaited<ReturnType<typeof seed>>;
    const get = (a: FastifyInstance, url: string, tok = token) => a.inject({ method: 'GET', url, headers: { authorization: `Bearer ${tok}` } });

    beforeAll(async () => {
      target = t.target();
      store = await InventoryStore.open(await target.create());
      token = (await createToken(store, 'sites-viewer', 'viewer')).token;
      seeded = await seed(store);
      app = (await buildServer({ store, webRoot: null })).app;
      await app.ready();
    });
    afterAll(async () => {
      await app?.close();
      await store?.close();
      await target?.cleanup();
    });

    it('answers an empty list of sites for a store that only ever analysed locally', async () => {
      const local = await InventoryStore.open(await target.create());
      const { app: localApp } = await buildServer({ store: local, webRoot: null });
      try {
        const tok = (await createToken(local, 'local-viewer', 'viewer')).token;
        const r = await get(localApp, '/api/sites', tok);
        expect(r.statusCode).toBe(200);
        expect(r.json()).toEqual([]);
      } finally {
        await localApp.close();
        await local.close();
      }
    });

    it('lists exactly the devices a site saw, once each, with other filters and in CSV', async () => {
      const ids = async (url: string) => {
        const r = await get(app, url);
        expect(r.statusCode).toBe(200);
        const body = r.json() as { total: number; items: { id: number }[] };
        expect(body.items).toHaveLength(body.total);
        return body.items.map((d) => d.id).sort((a, b) => a - b);
      };
      expect(await ids('/api/devices?site=north')).toEqual(seeded.north);
      expect(await ids('/api/devices?site=south')).toEqual(seeded.south);
      expect(await ids('/api/devices')).toEqual(seeded.ids);
      expect(await ids('/api/devices?site=north&category=infusion-pump')).toEqual([seeded.ids[0], seeded.ids[2]]);
      // Paging walks the same set: two pages of two hold the three north devices, none repeated.
      const p1 = (await get(app, '/api/devices?site=north&sort=id&order=asc&limit=2')).json();
      const p2 = (await get(app, '/api/devices?site=north&sort=id&order=asc&limit=2&offset=2')).json();
      expect(p1.total).toBe(3);
      expect([...p1.items, ...p2.items].map((d: { id: number }) => d.id)).toEqual(seeded.north);
      const csv = await get(app, '/api/devices.csv?site=south');
      expect(csv.statusCode).toBe(200);
      const lines = csv.body.trim().split('\r\n');
      expect(lines).toHaveLength(1 + seeded.south.length);
      expect(lines.slice(1).every((l) => /dev-[345]/.test(l))).toBe(true);
    });

    it('answers an unknown site with no devices, no alerts, not an error', async () => {
      const devices = await get(app, '/api/devices?site=nowhere');
      expect(devices.statusCode).toBe(200);
      expect(devices.json()).toEqual({ total: 0, items: [] });
      const alerts = await get(app, '/api/alerts?site=nowhere');
      expect(alerts.statusCode).toBe(200);
      expect(alerts.json()).toEqual({ total: 0, items: [] });
    });

    it('filters alerts by the site whose sensor raised them', async () => {
      const north = (await get(app, '/api/alerts?site=north')).json() as { total: number; items: { uid: string }[] };
      expect(north.total).toBe(2);
      expect(north.items.map((a) => a.uid).sort()).toEqual(['a-north-1', 'a-north-2']);
      expect((await get(app, '/api/alerts?site=south')).json().items.map((a: { uid: string }) => a.uid)).toEqual(['a-south']);
      expect((await get(app, '/api/alerts')).json().total).toBe(4);
    });

    it('summarises each site: devices, sensors with their drops, windows stored and refused', async () => {
      const r = await get(app, '/api/sites');
      expect(r.statusCode).toBe(200);
      const sites = r.json();
      expect(sites.map((s: { site: string }) => s.site)).toEqual(['north', 'south']);
      const [north, south] = sites;
      expect(north).toMatchObject({ site: 'north', devices: 3, firstSeen: T0 + 1, lastSeen: T0 + 70 });
      expect(north.ingest).toEqual({ stored: 3, rejected: 3, lastRejection: { sensor: 'north-b', reason: 'window too large', at: T0 + 400 } });
      expect(north.sensors).toEqual([
        {
          sensor: 'north-a', version: '0.1.0', windows: 40, lastWindowAt: T0 + 600, lastPacketTs: T0 + 590, droppedWindows: 0, droppedBytes: 0, captureDrops: 0,
          ingest: { stored: 2, rejected: 1, lastRejection: { sensor: 'north-a', reason: 'schema version 9 unknown', at: T0 + 300 } },
        },
        {
          sensor: 'north-b', version: '0.1.1', windows: 12, lastWindowAt: T0 + 500, lastPacketTs: null, droppedWindows: 3, droppedBytes: 4096, captureDrops: 17,
          ingest: { stored: 1, rejected: 2, lastRejection: { sensor: 'north-b', reason: 'window too large', at: T0 + 400 } },
        },
      ]);
      expect(south).toMatchObject({ site: 'south', devices: 3, firstSeen: T0 + 4, lastSeen: T0 + 95 });
      expect(south.ingest).toEqual({ stored: 1, rejected: 1, lastRejection: { sensor: 'stray', reason: 'unknown sensor', at: T0 + 120 } });
      expect(south.sensors.map((s: { sensor: string; ingest: unknown }) => [s.sensor, s.ingest])).toEqual([['south-a', { stored: 1, rejected: 0, lastRejection: null }]]);
    });

    it('needs a token, and declares the route and the site filters in the OpenAPI document', async () => {
      expect((await app.inject({ method: 'GET', url: '/api/sites' })).statusCode).toBe(401);
      const doc = (await app.inject({ method: 'GET', url: '/api/docs' })).json();
      expect(doc.paths['/api/sites'].get['x-vigil-role']).toBe('viewer');
      expect(doc.paths['/api/sites'].get.responses['200'].content['application/json'].schema.type).toBe('array');
      for (const p of ['/api/devices', '/api/devices.csv', '/api/alerts']) expect(doc.paths[p].get.parameters.map((x: { name: string }) => x.name)).toContain('site');
    });
  });
}
