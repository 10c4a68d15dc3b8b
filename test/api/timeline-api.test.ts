// GET /api/devices/{id}/timeline and GET /api/alerts/{id}/root-cause on the analysed demo hospital (a port scan):
// what a viewer gets, that it matches the library, and the answers for unknown ids and a missing token.
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createToken } from '../../src/api/api-tokens.js';
import { buildServer } from '../../src/api/server.js';
import { rootCause } from '../../src/forensics/root-cause.js';
import { deviceTimeline, type TimelineEvent } from '../../src/forensics/timeline.js';
import { InventoryStore } from '../../src/store/inventory-store.js';
import { analysedDemoStore } from './api-fixture.js';

describe('timeline and root-cause routes', () => {
  let fixture: { db: string; packets: string; cleanup: () => void };
  let store: InventoryStore;
  let app: FastifyInstance;
  let viewer: string;
  const get = (url: string, token?: string) => app.inject({ method: 'GET', url, headers: token ? { authorization: `Bearer ${token}` } : {} });

  beforeAll(async () => {
    fixture = await analysedDemoStore();
    store = await InventoryStore.open(fixture.db);
    viewer = (await createToken(store, 'test-viewer', 'viewer')).token;
    app = (await buildServer({ store, webRoot: null, packetStore: fixture.packets })).app;
    await app.ready();
  }, 300_000);
  afterAll(async () => {
    await app?.close();
    await store?.close();
    fixture?.cleanup();
  });

  it('gives a viewer the timeline of a device with alerts, oldest first or newest first', async () => {
    const alert = await store.db.selectFrom('alerts').select(['id', 'device_id']).where('device_id', 'is not', null).where('severity', 'in', ['high', 'critical']).orderBy('id').executeTakeFirstOrThrow();
    const id = Number(alert.device_id);
    const r = await get(`/api/devices/${id}/timeline`, viewer);
    expect(r.statusCode).toBe(200);
    const body = r.json() as { device: { id: number; label: string }; events: TimelineEvent[] };
    expect(body.device.id).toBe(id);
    expect(body.events).toEqual(await deviceTimeline(store, id));
    expect(body.events.some((e) => e.kind === 'alert' && e.alertId === Number(alert.id))).toBe(true);
    for (let i = 1; i < body.events.length; i++) expect(body.events[i].ts).toBeGreaterThanOrEqual(body.events[i - 1].ts);
    const newest = (await get(`/api/devices/${id}/timeline?order=desc&limit=3`, viewer)).json() as { events: TimelineEvent[] };
    expect(newest.events).toEqual(body.events.slice(-3).reverse());

    const rc = await get(`/api/alerts/${alert.id}/root-cause`, viewer);
    expect(rc.statusCode).toBe(200);
    const answer = rc.json();
    expect(answer).toEqual(await rootCause(store, Number(alert.id)));
    expect(answer.path.at(-1).device.id).toBe(id);
    expect(answer.path[0].device.id).toBe(answer.patientZero.id);
    expect(answer.explanation.length).toBeGreaterThanOrEqual(2);
  });

  it('answers 404 for unknown ids, 400 for a bad one and 401 without a token', async () => {
    expect((await get('/api/devices/999999/timeline', viewer)).json()).toEqual({ error: 'not-found', reason: 'no device 999999' });
    expect((await get('/api/alerts/999999/root-cause', viewer)).json()).toEqual({ error: 'not-found', reason: 'no alert 999999' });
    expect((await get('/api/devices/abc/timeline', viewer)).statusCode).toBe(400);
    expect((await get('/api/alerts/1/root-cause')).statusCode).toBe(401);
  });
});
