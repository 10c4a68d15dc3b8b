/**
 * Risk on a simulated hospital, analysed as a hospital would: the orderings the product promises,
 * stated on the simulator's own devices. "Equally vulnerable" is set up by giving two devices the
 * same vulnerability and decision; everything else (category, zone, workflows, peers, facts) is what
 * the analysis found.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyzeCommand } from '../../src/cli/analyze-command.js';
import { computeRisk, readRisk } from '../../src/risk/device-risk.js';
import { Taxonomy } from '../../src/inventory/taxonomy.js';
import { loadMitigations, mitigationOptions } from '../../src/risk/mitigations.js';
import { gatherRiskWorld } from '../../src/risk/risk-inputs.js';
import { loadRiskModel } from '../../src/risk/risk-model.js';
import { scoreDevice } from '../../src/risk/risk-score.js';
import { runWhatIf } from '../../src/risk/what-if.js';
import { simulate } from '../../src/simulate/index.js';
import { siteFile } from '../../src/simulate/site-file.js';
import { InventoryStore } from '../../src/store/inventory-store.js';

describe('risk on the simulated hospital', () => {
  let dir: string;
  let store: InventoryStore;
  const ids = async (category: string) => (await store.db.selectFrom('devices').select('id').where('category', '=', category).orderBy('id').execute()).map((r) => Number(r.id));
  const vulnerable = async (cve: string, kev: boolean, decisions: [number, string][]) => {
    await store.db
      .insertInto('vulnerabilities')
      .values({ cve, title: 'test vulnerability', description: null, cvss_score: 9.8, cvss_vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', attack_vector: 'network', cwe: null, kev: kev ? 1 : 0, kev_date_added: null, kev_ransomware: null, epss: null, epss_percentile: null, exploitation: kev ? 'active' : 'none', automatable: 'yes', technical_impact: 'total', advisories: '[]', remediations: '[]', sources: '[]' })
      .execute();
    for (const [device_id, decision] of decisions)
      await store.db.insertInto('device_vulnerabilities').values({ device_id, cve, confidence: 'exact', evidence: '[]', exploitability: '{}', decision, decision_points: '{}', vex_state: 'exploitable', assessed_at: 0 }).execute();
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-risk-sim-'));
    const r = simulate({ seed: 5, devices: 300, duration: 600, imageScale: 0.1, out: join(dir, 'h.pcapng'), truth: join(dir, 'h.truth.json') });
    writeFileSync(join(dir, 'site.yaml'), siteFile(r.truth));
    await analyzeCommand([join(dir, 'h.pcapng')], { db: join(dir, 'vigil.db'), site: join(dir, 'site.yaml'), quiet: true, detect: false });
    store = await InventoryStore.open(join(dir, 'vigil.db'));
  });
  afterAll(async () => {
    await store?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("ranks the hospital's only MRI above every equally vulnerable ultrasound", async () => {
    const [mri, ...otherMri] = await ids('imaging-mr');
    const ultrasounds = await ids('imaging-us');
    expect(otherMri).toEqual([]);
    expect(ultrasounds.length).toBeGreaterThan(3);
    await vulnerable('CVE-2099-1001', false, [[mri, 'out-of-cycle'], ...ultrasounds.map((u): [number, string] => [u, 'out-of-cycle'])]);
    await computeRisk(store);
    const [m] = await readRisk(store, { deviceId: mri });
    const us = await Promise.all(ultrasounds.map(async (u) => (await readRisk(store, { deviceId: u }))[0]));
    for (const u of us.filter((x) => x.likelihood <= m.likelihood)) expect(m.safety, `${m.device.label} vs ${u.device.label}`).toBeGreaterThan(u.safety);
    // Only an ultrasound that more can reach than the MRI may outrank it, and the factors say so.
    for (const u of us.filter((x) => x.safety >= m.safety)) expect(u.factors.filter((f) => f.kind === 'likelihood').length).toBeGreaterThan(m.factors.filter((f) => f.kind === 'likelihood').length);
    expect(m.factors.find((f) => f.id === 'criticality')!.detail).toMatch(/the only one of its category/);
  });

  it('ranks a KEV-vulnerable pump reachable from guest Wi-Fi above the same pump on its isolated VLAN', async () => {
    const pumps = await ids('infusion-pump');
    const [guest] = (await store.db.selectFrom('devices').innerJoin('zones', 'zones.id', 'devices.zone').select('devices.id').where('zones.kind', '=', 'guest').execute()).map((r) => Number(r.id));
    expect(guest).toBeDefined();
    const before = new Map((await readRisk(store, { limit: 1000 })).map((r) => [r.deviceId, r]));
    // Two pumps the analysis scored alike; the first then gets a conversation from the guest network.
    const [a, b] = pumps.filter((p) => before.get(p)?.likelihood === before.get(pumps[0])?.likelihood && before.get(p)?.criticality === before.get(pumps[0])?.criticality);
    expect(b).toBeDefined();
    await vulnerable('CVE-2099-2002', true, [[a, 'immediate'], [b, 'immediate']]);
    await store.upsertConnections([{ client_id: guest, server_id: a, transport: 'tcp', port: 443, service: 'https', flows: 1, bytes: 1000, first_seen: 1, last_seen: 2 }]);
    await computeRisk(store);
    const [ra] = await readRisk(store, { deviceId: a });
    const [rb] = await readRisk(store, { deviceId: b });
    expect(ra.safety).toBeGreaterThan(rb.safety);
    expect(ra.factors.find((f) => f.id === 'exposure-guest')?.detail).toMatch(/connects to tcp\/443/);
    expect(rb.factors.some((f) => f.id === 'exposure-guest')).toBe(false);
  });

  it('gives every device a score and two rankings, each in order', async () => {
    const total = (await store.devices()).length;
    const bySafety = await readRisk(store, { by: 'safety', limit: 10_000 });
    const byPrivacy = await readRisk(store, { by: 'privacy', limit: 10_000 });
    expect(bySafety).toHaveLength(total);
    expect(bySafety.map((r) => r.safety)).toEqual([...bySafety.map((r) => r.safety)].sort((x, y) => y - x));
    expect(byPrivacy.map((r) => r.privacy)).toEqual([...byPrivacy.map((r) => r.privacy)].sort((x, y) => y - x));
    // The top of the safety ranking is clinical; non-clinical devices never lead it.
    expect(['life-sustaining', 'therapeutic', 'monitoring', 'diagnostic']).toContain(bySafety[0].factors.find((f) => f.id === 'safety-class')!.detail.split(' ')[0]);
  });

  it('stores for every device the score its own inputs give, devices scored alike sharing nothing wrong', async () => {
    const model = loadRiskModel();
    const run = await computeRisk(store, { model });
    const world = await gatherRiskWorld(store, Taxonomy.load(), model);
    expect(run.devices).toBe(world.inputs.size);
    // The pumps and nurse stations of one model, with no facts or exposure, are scored once and copied.
    const plain = [...world.inputs.values()].filter((i) => i.facts.size === 0 && i.exposure.size === 0);
    expect(plain.length).toBeGreaterThan(10);
    const stored = new Map((await readRisk(store, { limit: 10_000 })).map((r) => [r.deviceId, r]));
    for (const i of world.inputs.values()) {
      const expected = scoreDevice(i, model);
      const got = stored.get(i.deviceId)!;
      expect({ ...got, device: undefined, computedAt: undefined }, `device ${i.deviceId}`).toEqual({ ...expected, device: undefined, computedAt: undefined });
    }
    expect(new Set(run.scores.map((r) => r.deviceId)).size).toBe(run.devices);
  });

  it('lists mitigations with predicted risk and cost, the cheapest that brings a printer with a default SNMP community under the target first', async () => {
    const model = loadRiskModel();
    const catalogue = loadMitigations();
    const world = await gatherRiskWorld(store, Taxonomy.load(), model);
    const printer = [...world.inputs.values()].find((i) => i.category === 'printer' && i.facts.has('snmp.community_default'))!;
    expect(printer).toBeDefined();
    const { before, options } = mitigationOptions(printer, model, catalogue, new Set());
    const creds = options.find((o) => o.mitigation.id === 'change-default-credentials')!;
    expect(creds.removes).toEqual(['snmp-default-community']);
    expect(creds.after).toBeLessThan(before.score);
    // The order the team reads: options under the target by cost, then the rest by how much they cut.
    const under = options.filter((o) => o.bringsUnderTarget);
    expect(options.slice(0, under.length)).toEqual(under);
    expect(under.map((o) => o.mitigation.cost)).toEqual([...under.map((o) => o.mitigation.cost)].sort((a, b) => a - b));
    const rest = options.slice(under.length);
    expect(rest.map((o) => o.reduction)).toEqual([...rest.map((o) => o.reduction)].sort((a, b) => b - a));
    expect(options.find((o) => o.mitigation.id === 'monitor-only')).toMatchObject({ reduction: 0 });
    // Vendor patches are offered only when an advisory offers a fix.
    expect(options.some((o) => o.mitigation.id === 'vendor-patch')).toBe(false);
  });

  it('what-if: moving the guest laptop out of guest Wi-Fi takes guest exposure off the device it reached, and changes nothing stored', async () => {
    const model = loadRiskModel();
    const world = await gatherRiskWorld(store, Taxonomy.load(), model);
    const [guest] = [...world.entry].find(([, kinds]) => kinds.includes('guest'))!;
    const reached = [...world.inputs.values()].filter((i) => i.exposure.has('guest') && [...(world.inbound.get(i.deviceId) ?? [])].every((c) => c.client === guest || !world.entry.get(c.client)?.includes('guest')));
    expect(reached.length).toBeGreaterThan(0);
    const stored = await readRisk(store, { limit: 10_000 });
    const itZone = [...world.zones].find(([, z]) => z.kind === 'it')![0];
    const r = runWhatIf(world, [{ deviceIds: [guest], moveTo: itZone }], model, loadMitigations());
    for (const d of reached) {
      const row = r.devices.find((x) => x.id === d.deviceId)!;
      expect(row.changes).toContain('no longer reached from guest');
    }
    expect(r.after.total).toBeLessThanOrEqual(r.before.total);
    expect(await readRisk(store, { limit: 10_000 })).toEqual(stored);
    expect(() => runWhatIf(world, [{ deviceIds: [guest], apply: ['pray'] }], model, loadMitigations())).toThrow(/unknown mitigation "pray"/);
    expect(() => runWhatIf(world, [{ deviceIds: [guest], moveTo: 'moon' }], model, loadMitigations())).toThrow(/unknown zone "moon"/);
  });
});
