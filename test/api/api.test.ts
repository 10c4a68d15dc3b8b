import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createToken } from '../../src/api/api-tokens.js';
import { buildServer } from '../../src/api/server.js';
import { serve } from '../../src/cli/serve-command.js';
import { InventoryStore } from '../../src/store/inventory-store.js';
import { pgSkipReason, postgresTarget } from '../store/store-targets.js';
import { analysedDemoStore } from './api-fixture.js';

describe('REST API on the analysed demo hospital', () => {
  let fixture: { db: string; packets: string; cleanup: () => void };
  let store: InventoryStore;
  let app: FastifyInstance;
  let routes: { method: string; url: string }[];
  const tokens: Record<string, string> = {};
  const get = (url: string, token?: string) => app.inject({ method: 'GET', url, headers: token ? { authorization: `Bearer ${token}` } : {} });

  beforeAll(async () => {
    fixture = await analysedDemoStore();
    store = await InventoryStore.open(fixture.db);
    for (const role of ['viewer', 'analyst', 'admin'] as const) tokens[role] = (await createToken(store, `test-${role}`, role)).token;
    tokens.expired = (await createToken(store, 'test-expired', 'admin', -1)).token;
    const built = await buildServer({ store, webRoot: null, packetStore: fixture.packets });
    app = built.app;
    routes = built.routes.routes;
    await app.ready();
  });
  afterAll(async () => {
    await app?.close();
    await store?.close();
    fixture?.cleanup();
  });

  describe('authentication', () => {
    it('answers health and the document without a token', async () => {
      expect((await get('/api/health')).json()).toEqual({ ok: true, store: 'sqlite' });
      expect((await get('/api/docs')).statusCode).toBe(200);
    });

    it('refuses a request without a token, with a reason', async () => {
      const r = await get('/api/devices');
      expect(r.statusCode).toBe(401);
      expect(r.json()).toEqual({ error: 'unauthorised', reason: expect.stringMatching(/no API token/) });
    });

    it('refuses an unknown, a malformed and an expired token', async () => {
      expect((await get('/api/devices', 'vgl_not-a-real-token')).json().reason).toBe('unknown token');
      expect((await get('/api/devices', 'hunter2')).json().reason).toBe('not a Vigil API token');
      const expired = await get('/api/devices', tokens.expired);
      expect(expired.statusCode).toBe(401);
      expect(expired.json().reason).toBe('token expired');
    });

    it('refuses a role below the route and says which role it needs', async () => {
      const r = await app.inject({ method: 'POST', url: '/api/tokens', headers: { authorization: `Bearer ${tokens.analyst}` }, payload: { name: 'x', role: 'viewer' } });
      expect(r.statusCode).toBe(403);
      expect(r.json().reason).toMatch(/needs the admin role.*analyst/);
      expect((await get('/api/audit', tokens.viewer)).statusCode).toBe(403);
    });

    it('lets an admin make a token that then works, revoke it, and audits both without the secret', async () => {
      const made = await app.inject({ method: 'POST', url: '/api/tokens', headers: { authorization: `Bearer ${tokens.admin}` }, payload: { name: 'biomed-viewer', role: 'viewer' } });
      expect(made.statusCode).toBe(201);
      const { id, token } = made.json();
      expect(token).toMatch(/^vgl_/);
      expect((await get('/api/me', token)).json()).toMatchObject({ name: 'biomed-viewer', role: 'viewer' });
      const del = await app.inject({ method: 'DELETE', url: `/api/tokens/${id}`, headers: { authorization: `Bearer ${tokens.admin}` } });
      expect(del.statusCode).toBe(200);
      expect((await get('/api/me', token)).json().reason).toBe('token revoked');
      const audit = (await get('/api/audit', tokens.admin)).json() as { action: string; actor: string; detail: Record<string, unknown> }[];
      expect(audit.map((a) => a.action)).toEqual(expect.arrayContaining(['POST /api/tokens', 'DELETE /api/tokens/:id']));
      expect(audit.find((a) => a.action === 'POST /api/tokens')).toMatchObject({ actor: 'test-admin', detail: { name: 'biomed-viewer', role: 'viewer', status: 201 } });
      // The store keeps only hashes, and the audit trail no secret at all.
      const rows = await store.db.selectFrom('api_tokens').select('hash').execute();
      expect(rows.some((r) => r.hash.includes('vgl_'))).toBe(false);
      expect(JSON.stringify(audit)).not.toContain(token);
    });
  });

  describe('inventory', () => {
    it('pages through every device exactly once', async () => {
      const total = Number((await store.db.selectFrom('devices').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
      const seen: number[] = [];
      for (let offset = 0; offset < total; offset += 40) {
        const page = (await get(`/api/devices?limit=40&offset=${offset}`, tokens.viewer)).json();
        expect(page.total).toBe(total);
        seen.push(...page.items.map((d: { id: number }) => d.id));
      }
      expect(seen.length).toBe(total);
      expect(new Set(seen).size).toBe(total);
    });

    it('filters by category and patient-safety class, searches and sorts', async () => {
      const pumps = (await get('/api/devices?category=infusion-pump&limit=1000', tokens.viewer)).json();
      expect(pumps.total).toBeGreaterThan(5);
      expect(pumps.items.every((d: { category: string; safety: string }) => d.category === 'infusion-pump' && d.safety === 'life-sustaining')).toBe(true);
      const life = (await get('/api/devices?safety=life-sustaining&limit=1000', tokens.viewer)).json();
      expect(life.total).toBeGreaterThanOrEqual(pumps.total);
      expect(life.items.every((d: { safety: string }) => d.safety === 'life-sustaining')).toBe(true);
      const alaris = (await get('/api/devices?q=alaris&limit=1000', tokens.viewer)).json();
      expect(alaris.total).toBeGreaterThan(0);
      expect(alaris.items.every((d: { hostname: string | null; vendor: string | null; model: string | null }) => /alaris/i.test(`${d.hostname} ${d.vendor} ${d.model}`))).toBe(true);
      // LIKE wildcards in the search are literal: nobody's hostname holds a percent sign.
      expect((await get('/api/devices?q=%25', tokens.viewer)).json().total).toBe(0);
      const sorted = (await get('/api/devices?sort=hostname&order=asc&limit=1000', tokens.viewer)).json().items.map((d: { hostname: string | null }) => d.hostname).filter(Boolean);
      expect(sorted).toEqual([...sorted].sort((a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0)));
    });

    it('rejects bad parameters with a reason naming them', async () => {
      const r = await get('/api/devices?limit=0', tokens.viewer);
      expect(r.statusCode).toBe(400);
      expect(r.json()).toEqual({ error: 'bad-request', reason: expect.stringMatching(/query:.*limit/) });
      expect((await get('/api/devices?sort=password', tokens.viewer)).json().reason).toMatch(/sort/);
      expect((await get('/api/devices/abc', tokens.viewer)).statusCode).toBe(400);
      const missing = await get('/api/devices/999999', tokens.viewer);
      expect(missing.statusCode).toBe(404);
      expect(missing.json().reason).toBe('no device 999999');
      expect((await get('/api/no-such-thing', tokens.viewer)).json()).toEqual({ error: 'not-found', reason: 'no API route GET /api/no-such-thing' });
    });

    it('exports the filtered inventory as CSV, one row per device', async () => {
      const pumps = (await get('/api/devices?category=infusion-pump', tokens.viewer)).json().total;
      const r = await get('/api/devices.csv?category=infusion-pump', tokens.viewer);
      expect(r.headers['content-type']).toMatch(/text\/csv/);
      const lines = r.body.trim().split('\r\n');
      expect(lines[0]).toMatch(/^id,ip,mac,hostname,vendor,model/);
      expect(lines.length - 1).toBe(pumps);
      expect(lines.slice(1).every((l) => l.includes('infusion-pump'))).toBe(true);
    });

    it('details one device with evidence, clinical context, peers and blast radius', async () => {
      const [pump] = (await get('/api/devices?category=infusion-pump&limit=1', tokens.viewer)).json().items;
      const d = (await get(`/api/devices/${pump.id}`, tokens.viewer)).json();
      expect(d.clinical).toMatchObject({ safetyImpact: 'life-sustaining' });
      expect(d.evidence.some((e: { attribute: string; value: string }) => e.attribute === 'category' && e.value === 'infusion-pump')).toBe(true);
      expect(d.peers.length).toBeGreaterThan(0);
      expect(d.facts.length).toBeGreaterThan(0);
      const b = (await get(`/api/devices/${pump.id}/blast-radius?hops=2`, tokens.viewer)).json();
      expect(b.maxHops).toBe(2);
      expect(b.device.id).toBe(pump.id);
    });

    it('gives an overview whose counts add up to the inventory', async () => {
      const o = (await get('/api/overview', tokens.viewer)).json();
      const total = (await get('/api/devices', tokens.viewer)).json().total;
      expect(o.devices).toBe(total);
      expect(o.byCategory.reduce((n: number, c: { n: number }) => n + c.n, 0)).toBe(total);
      expect(Object.values(o.bySafety as Record<string, number>).reduce((a, b) => a + b, 0)).toBe(total);
      expect(o.workflows.length).toBeGreaterThan(0);
      expect(o.captures).toHaveLength(1);
    });

    it('serves a graph whose edges join its nodes', async () => {
      const g = (await get('/api/graph', tokens.viewer)).json();
      const ids = new Set(g.nodes.map((n: { id: number }) => n.id));
      expect(g.total).toBe(g.nodes.length);
      expect(g.edges.length).toBeGreaterThan(g.nodes.length / 2);
      expect(g.edges.every((e: { from: number; to: number }) => ids.has(e.from) && ids.has(e.to))).toBe(true);
      // Risk is computed by the fixture, so every node carries its score for the map's colours.
      expect(g.nodes.every((n: { risk: number | null }) => typeof n.risk === 'number' && n.risk >= 0 && n.risk <= 100)).toBe(true);
      const top = (await get('/api/graph?limit=10', tokens.viewer)).json();
      expect(top.nodes).toHaveLength(10);
      expect(Math.min(...top.nodes.map((n: { degree: number }) => n.degree))).toBeGreaterThanOrEqual(Math.max(...g.nodes.filter((n: { id: number }) => !top.nodes.some((t: { id: number }) => t.id === n.id)).map((n: { degree: number }) => n.degree)));
    });

    it('summarises conversations with the internet by destination, paged, every device a known one', async () => {
      const all = (await get('/api/internet?limit=5000', tokens.viewer)).json();
      expect(all.total).toBeGreaterThan(0);
      expect(all.destinations).toHaveLength(all.total);
      const page = (await get('/api/internet?limit=2&offset=1', tokens.viewer)).json();
      expect(page.destinations.map((d: { address: string }) => d.address)).toEqual(all.destinations.slice(1, 3).map((d: { address: string }) => d.address));
      const ids = new Set((await get('/api/graph?limit=20000', tokens.viewer)).json().nodes.map((n: { id: number }) => n.id));
      for (const d of all.destinations) {
        // Public addresses only, each device counted once per direction.
        expect(d.address).not.toMatch(/^(10\.|192\.168\.|172\.(1[6-9]|2\d|3[01])\.)/);
        expect(d.outbound + d.inbound).toBe(d.devices.length);
        expect(d.flows).toBe(d.devices.reduce((n: number, x: { flows: number }) => n + x.flows, 0));
        for (const x of d.devices) expect(ids.has(x.id)).toBe(true);
      }
      expect((await get('/api/internet?limit=0', tokens.viewer)).statusCode).toBe(400);
    });
  });

  describe('alerts and vulnerabilities', () => {
    it('lists alerts with filters and moves one through its lifecycle, audited, for an analyst only', async () => {
      const all = (await get('/api/alerts?limit=1000', tokens.viewer)).json();
      expect(all.total).toBeGreaterThan(0);
      expect(all.items).toHaveLength(all.total);
      const high = (await get('/api/alerts?severity=high&limit=1000', tokens.viewer)).json();
      expect(high.items.every((a: { severity: string }) => a.severity === 'high' || a.severity === 'critical')).toBe(true);
      const overview = (await get('/api/overview', tokens.viewer)).json();
      expect(overview.alerts.open).toBe(all.items.filter((a: { status: string }) => a.status !== 'resolved').length);
      const id = all.items[0].id;
      const patch = (token: string, body: unknown, alert = id) => app.inject({ method: 'PATCH', url: `/api/alerts/${alert}`, headers: { authorization: `Bearer ${token}` }, payload: body as object });
      expect((await patch(tokens.viewer, { status: 'acknowledged' })).statusCode).toBe(403);
      expect((await patch(tokens.analyst, { status: 'ignored' })).json().reason).toMatch(/body:.*status/);
      expect((await patch(tokens.analyst, { status: 'resolved' }, 999999)).statusCode).toBe(404);
      const done = await patch(tokens.analyst, { status: 'acknowledged' });
      expect(done.json()).toMatchObject({ id, status: 'acknowledged', status_by: 'test-analyst' });
      const acked = (await get('/api/alerts?status=acknowledged', tokens.viewer)).json();
      expect(acked.items.map((a: { id: number }) => a.id)).toContain(id);
      const audit = (await get('/api/audit?action=PATCH%20%2Fapi%2Falerts%2F%3Aid', tokens.admin)).json();
      expect(audit[0]).toMatchObject({ actor: 'test-analyst', target: JSON.stringify({ id: String(id) }), detail: { status: 'acknowledged' } });
    });

    it('lists vulnerabilities with their decisions, per device, and as CycloneDX VEX', async () => {
      const stored = Number((await store.db.selectFrom('device_vulnerabilities').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
      const all = (await get('/api/vulnerabilities?limit=1000', tokens.viewer)).json();
      expect(all.total).toBe(stored);
      expect(stored).toBeGreaterThan(0);
      const order = ['immediate', 'out-of-cycle', 'scheduled', 'defer'];
      const ranks = all.items.map((v: { decision: string }) => order.indexOf(v.decision));
      expect(ranks).toEqual([...ranks].sort((a: number, b: number) => a - b));
      const scheduled = (await get('/api/vulnerabilities?decision=scheduled&limit=1000', tokens.viewer)).json();
      expect(scheduled.items.every((v: { decision: string }) => v.decision === 'scheduled')).toBe(true);
      const one = all.items[0];
      const mine = (await get(`/api/vulnerabilities?deviceId=${one.deviceId}&limit=1000`, tokens.viewer)).json();
      expect(mine.items.every((v: { deviceId: number }) => v.deviceId === one.deviceId)).toBe(true);
      expect(Object.keys(one.decisionPoints)).toEqual(expect.arrayContaining(['exploitation', 'exposure', 'automatable', 'humanImpact']));
      const vex = (await get(`/api/devices/${one.deviceId}/vex`, tokens.viewer)).json();
      expect(vex.bomFormat).toBe('CycloneDX');
      expect(vex.vulnerabilities.map((v: { id: string }) => v.id)).toEqual(expect.arrayContaining(mine.items.map((v: { cve: string }) => v.cve)));
      const overview = (await get('/api/overview', tokens.viewer)).json();
      expect(overview.vulnerabilities.findings).toBe(stored);
    });
  });

  describe('risk and policy', () => {
    it('ranks devices by safety and by privacy, each score with its factors', async () => {
      const { computeRisk } = await import('../../src/risk/device-risk.js');
      await computeRisk(store);
      const safety = (await get('/api/risk?by=safety&limit=20', tokens.viewer)).json();
      const privacy = (await get('/api/risk?by=privacy&limit=20', tokens.viewer)).json();
      expect(safety.total).toBe((await get('/api/devices', tokens.viewer)).json().total);
      expect(safety.items.map((r: { safety: number }) => r.safety)).toEqual([...safety.items.map((r: { safety: number }) => r.safety)].sort((a: number, b: number) => b - a));
      expect(privacy.items.map((r: { privacy: number }) => r.privacy)).toEqual([...privacy.items.map((r: { privacy: number }) => r.privacy)].sort((a: number, b: number) => b - a));
      expect(safety.items[0].factors.map((f: { id: string }) => f.id)).toEqual(expect.arrayContaining(['safety-class', 'criticality']));
      const device = (await get(`/api/devices/${safety.items[0].deviceId}`, tokens.viewer)).json();
      expect(device.risk.safety).toBe(safety.items[0].safety);
      const overview = (await get('/api/overview', tokens.viewer)).json();
      expect(overview.risk.histogram.reduce((n: number, h: { safety: number }) => n + h.safety, 0)).toBe(safety.total);
    });

    it("generates a device's allowlist that blocks none of its clinical conversations", async () => {
      const [pump] = (await get('/api/devices?category=infusion-pump&limit=1', tokens.viewer)).json().items;
      const r = (await get(`/api/devices/${pump.id}/policy?format=cisco`, tokens.viewer)).json();
      expect(r.replay.clinical.blocked).toBe(0);
      expect(r.text).toMatch(/^! Vigil allowlist for /);
      expect(r.text).toMatch(/ip access-list extended VIGIL-/);
      expect((await get(`/api/devices/${pump.id}/policy?format=word`, tokens.viewer)).json().reason).toMatch(/format/);
    });
  });

  describe('mitigations and what-if', () => {
    it('lists a device\'s mitigation options and runs a what-if without changing the store', async () => {
      const [printer] = (await get('/api/devices?category=printer&limit=1', tokens.viewer)).json().items;
      const m = (await get(`/api/devices/${printer.id}/mitigations`, tokens.viewer)).json();
      expect(m.options.length).toBeGreaterThan(0);
      expect(m.options.every((o: { after: number; before: number }) => o.after <= o.before)).toBe(true);
      const stored = (await get('/api/risk?by=score&limit=1000', tokens.viewer)).json();
      const pumps = (await get('/api/devices?category=infusion-pump&limit=1000', tokens.viewer)).json().items.map((d: { id: number }) => d.id);
      const post = (body: unknown) => app.inject({ method: 'POST', url: '/api/whatif', headers: { authorization: `Bearer ${tokens.viewer}` }, payload: body as object });
      const r = await post({ name: 'segment pumps', actions: [{ deviceIds: pumps, apply: ['micro-segmentation', 'vendor-workaround'] }] });
      expect(r.statusCode).toBe(200);
      const w = r.json();
      expect(w.before.devices).toBe(stored.total);
      expect(w.after.total).toBeLessThanOrEqual(w.before.total);
      expect(w.devices.every((d: { after: { score: number }; before: { score: number } }) => d.after.score <= d.before.score)).toBe(true);
      expect((await get('/api/risk?by=score&limit=1000', tokens.viewer)).json()).toEqual(stored);
      expect((await post({ actions: [{ deviceIds: pumps, apply: ['prayer'] }] })).json()).toMatchObject({ error: 'bad-request', reason: expect.stringMatching(/unknown mitigation "prayer"/) });
      expect((await post({ actions: [] })).statusCode).toBe(400);
    });
  });

  describe('packet downloads', () => {
    it('gives an analyst the device\'s packets, redacted by default, hashed and audited; a viewer none', async () => {
      const engine = (await get('/api/devices?category=hl7-engine&limit=1', tokens.viewer)).json().items[0];
      expect(engine).toBeDefined();
      expect((await get(`/api/devices/${engine.id}/pcap`, tokens.viewer)).statusCode).toBe(403);
      const r = await get(`/api/devices/${engine.id}/pcap`, tokens.analyst);
      expect(r.statusCode).toBe(200);
      expect(r.headers['content-type']).toBe('application/x-pcapng');
      const body = r.rawPayload;
      expect(body.readUInt32LE(0)).toBe(0x0a0d0d0a);
      expect(r.headers['x-vigil-sha256']).toBe(createHash('sha256').update(body).digest('hex'));
      expect(Number(r.headers['x-vigil-packets'])).toBeGreaterThan(10);
      const clear = await get(`/api/devices/${engine.id}/pcap?redact=false`, tokens.analyst);
      // Lengths are kept and only patient values differ.
      expect(clear.rawPayload.length).toBe(body.length);
      expect(clear.rawPayload.equals(body)).toBe(false);
      const audit = (await get('/api/audit?action=pcap.export', tokens.admin)).json();
      expect(audit.slice(0, 2).map((a: { actor: string; detail: { redacted: boolean; sha256: string } }) => [a.actor, a.detail.redacted])).toEqual([
        ['test-analyst', false],
        ['test-analyst', true],
      ]);
      expect(audit[1].detail.sha256).toBe(r.headers['x-vigil-sha256']);
    });
  });

  describe('procurement', () => {
    const MDS2 = fileURLToPath(new URL('../../../shared/procurement/mds2/NEMA_Example-MDS2-Worksheet_HN1-2019.xlsx', import.meta.url));
    const SBOM = fileURLToPath(new URL('../../../shared/procurement/sbom/sbom-completeness_narrow.sbom.json', import.meta.url));
    const candidate = { vendor: 'BD', model: 'Alaris 8015 PC Unit', softwareVersion: '12.1.2', category: 'infusion-pump', site: 'main', zone: 'icu', peers: ['pump-server'], count: 20 };
    const post = (token: string, body: unknown) => app.inject({ method: 'POST', url: '/api/procure/assess', headers: { authorization: `Bearer ${token}` }, payload: body as object });

    it('assesses a candidate for an analyst, lists every problem of a bad one, and refuses a viewer', async () => {
      expect((await post(tokens.viewer, { candidate })).statusCode).toBe(403);
      const bad = (await post(tokens.analyst, { candidate: { vendor: 'BD' } })).json();
      expect(bad.error).toBe('bad-request');
      for (const f of ['model', 'softwareVersion', 'category', 'zone', 'count']) expect(bad.reason).toContain(f);
      const r = await post(tokens.analyst, { candidate });
      expect(r.statusCode).toBe(200);
      const { report, html } = r.json();
      expect(report.risk.of).toBeGreaterThan(100);
      expect(report.risk.rank).toBeGreaterThanOrEqual(1);
      expect(html).toMatch(/^<!doctype html>/i);
      expect(html).not.toMatch(/<script/i);
    });

    it.skipIf(!existsSync(MDS2) || !existsSync(SBOM))('reads an uploaded MDS2 worksheet and SBOM (../shared/procurement)', async () => {
      const r = await post(tokens.analyst, { candidate, mds2Base64: readFileSync(MDS2).toString('base64'), sbom: readFileSync(SBOM, 'utf8') });
      expect(r.statusCode).toBe(200);
      const { report } = r.json();
      expect(report.gaps.gaps.length).toBeGreaterThan(0);
      expect(report.clauses.length).toBeGreaterThan(0);
      expect(report.vulnerabilities.components.total).toBe(55);
    });
  });

  describe('the OpenAPI document', () => {
    it('describes every route with its role and parameters', async () => {
      const doc = (await get('/api/docs')).json();
      expect(doc.openapi).toBe('3.0.3');
      for (const r of routes) expect(doc.paths[r.url]?.[r.method.toLowerCase()], `${r.method} ${r.url}`).toBeDefined();
      const list = doc.paths['/api/devices'].get;
      expect(list['x-vigil-role']).toBe('viewer');
      expect(list.parameters.find((p: { name: string }) => p.name === 'limit')).toMatchObject({ in: 'query', schema: { type: 'integer', maximum: 1000 } });
      expect(doc.paths['/api/devices/{id}'].get.parameters[0]).toMatchObject({ name: 'id', in: 'path', required: true });
      expect(doc.paths['/api/tokens'].post.requestBody.content['application/json'].schema.required).toEqual(expect.arrayContaining(['name', 'role']));
    });
  });

  describe('limits', () => {
    it('refuses a body over the limit and malformed JSON with a reason', async () => {
      const big = await app.inject({ method: 'POST', url: '/api/tokens', headers: { authorization: `Bearer ${tokens.admin}`, 'content-type': 'application/json' }, payload: JSON.stringify({ name: 'x'.repeat(2 << 20), role: 'viewer' }) });
      expect(big.statusCode).toBe(413);
      expect(big.json().error).toBe('payload-too-large');
      const bad = await app.inject({ method: 'POST', url: '/api/tokens', headers: { authorization: `Bearer ${tokens.admin}`, 'content-type': 'application/json' }, payload: '{"name": ' });
      expect(bad.statusCode).toBe(400);
      expect(bad.json().reason).toMatch(/JSON/i);
      const invalid = await app.inject({ method: 'POST', url: '/api/tokens', headers: { authorization: `Bearer ${tokens.admin}` }, payload: { name: 'ok', role: 'superuser' } });
      expect(invalid.statusCode).toBe(400);
      expect(invalid.json().reason).toMatch(/body:.*role/);
    });

    it('rate-limits a caller past its budget', async () => {
      const { app: limited } = await buildServer({ store, webRoot: null, rateLimit: 5 });
      try {
        const codes: number[] = [];
        for (let i = 0; i < 7; i++) codes.push((await limited.inject({ method: 'GET', url: '/api/me', headers: { authorization: `Bearer ${tokens.viewer}` } })).statusCode);
        expect(codes.slice(0, 5)).toEqual([200, 200, 200, 200, 200]);
        expect(codes[5]).toBe(429);
        const r = await limited.inject({ method: 'GET', url: '/api/me', headers: { authorization: `Bearer ${tokens.viewer}` } });
        expect(r.json()).toMatchObject({ error: 'rate-limited', reason: expect.stringMatching(/more than 5 requests/) });
      } finally {
        await limited.close();
      }
    });
  });
});

describe('vigil serve', () => {
  let fixture: { db: string; cleanup: () => void };
  let certDir: string;
  beforeAll(async () => {
    fixture = await analysedDemoStore();
    certDir = mkdtempSync(join(tmpdir(), 'vigil-tls-'));
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=localhost', '-keyout', join(certDir, 'key.pem'), '-out', join(certDir, 'cert.pem')], { stdio: 'ignore' });
  });
  afterAll(() => {
    fixture?.cleanup();
    rmSync(certDir, { recursive: true, force: true });
  });

  it('listens on 127.0.0.1, makes an admin token on first start only, and serves HTTPS with a certificate', async () => {
    const first = await serve({ db: fixture.db, port: 0, tlsCert: join(certDir, 'cert.pem'), tlsKey: join(certDir, 'key.pem'), web: null as never });
    try {
      expect(first.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      expect(first.adminToken).toMatch(/^vgl_/);
      const body = await new Promise<string>((resolve, reject) => {
        const req = httpsRequest(`${first.url}/api/me`, { headers: { authorization: `Bearer ${first.adminToken}` }, ca: readFileSync(join(certDir, 'cert.pem')), servername: 'localhost', checkServerIdentity: () => undefined }, (res) => {
          let s = '';
          res.on('data', (c) => (s += c));
          res.on('end', () => resolve(s));
        });
        req.on('error', reject);
        req.end();
      });
      expect(JSON.parse(body)).toMatchObject({ name: 'admin', role: 'admin' });
    } finally {
      await first.close();
    }
    const second = await serve({ db: fixture.db, port: 0, web: null as never });
    try {
      expect(second.url).toMatch(/^http:\/\/127\.0\.0\.1:/);
      expect(second.adminToken).toBeNull();
    } finally {
      await second.close();
    }
  });
});

describe.skipIf(!!pgSkipReason)('REST API on PostgreSQL', () => {
  const target = postgresTarget();
  afterAll(() => target.cleanup());

  it('authenticates, pages and audits the same way as on SQLite', async () => {
    const url = await target.create();
    await analysedDemoStore(url).then((f) => f.cleanup());
    const store = await InventoryStore.open(url);
    const { app } = await buildServer({ store, webRoot: null });
    try {
      const { token } = await createToken(store, 'pg-admin', 'admin');
      const auth = { authorization: `Bearer ${token}` };
      expect((await app.inject({ method: 'GET', url: '/api/health' })).json()).toEqual({ ok: true, store: 'postgres' });
      const page = (await app.inject({ method: 'GET', url: '/api/devices?limit=5&category=infusion-pump', headers: auth })).json();
      expect(page.total).toBeGreaterThan(5);
      expect(page.items).toHaveLength(5);
      expect((await app.inject({ method: 'GET', url: '/api/devices?q=ALARIS', headers: auth })).json().total).toBeGreaterThan(0);
      expect((await app.inject({ method: 'POST', url: '/api/tokens', headers: auth, payload: { name: 'pg-viewer', role: 'viewer' } })).statusCode).toBe(201);
      const audit = (await app.inject({ method: 'GET', url: '/api/audit', headers: auth })).json();
      expect(audit[0]).toMatchObject({ action: 'POST /api/tokens', actor: 'pg-admin' });
      // A change is in the audit log by the time its success reaches the client, every time.
      for (let i = 0; i < 10; i++) {
        expect((await app.inject({ method: 'POST', url: '/api/tokens', headers: auth, payload: { name: `pg-viewer-${i}`, role: 'viewer' } })).statusCode).toBe(201);
        const rows = await store.db.selectFrom('audit_log').select('target').where('action', '=', 'POST /api/tokens').execute();
        expect(rows, `change ${i}`).toHaveLength(i + 2);
      }
    } finally {
      await app.close();
      await store.close();
    }
  });
});
