/**
 * `vigil risk`, `vigil mitigate`, `vigil whatif` and `vigil policy` as a hospital team runs them: the
 * real launcher on the bundled hospital analysed by `vigil demo`, every answer checked against the
 * store, and every wrong call answered with exit status 2 and a line that names what was wrong.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InventoryStore } from '../../src/store/inventory-store.js';
import { ensureBuilt, vigil } from './cli-helpers.js';

describe('risk, mitigation, what-if and policy commands on the bundled hospital', () => {
  let cwd: string;
  let db: string;
  const run = (args: string[]) => vigil([...args, '--db', db], { cwd });
  const storedRisk = async () => {
    const store = await InventoryStore.open(db);
    try {
      return await store.db.selectFrom('device_risk').select(['device_id', 'score', 'safety', 'privacy', 'factors']).orderBy('device_id').execute();
    } finally {
      await store.close();
    }
  };

  beforeAll(() => {
    ensureBuilt();
    cwd = mkdtempSync(join(tmpdir(), 'vigil-risk-cli-'));
    db = join(cwd, 'vigil.db');
    const demo = vigil(['demo', '--no-serve'], { cwd });
    expect(demo.status, demo.stderr).toBe(0);
  }, 120_000);
  afterAll(() => rmSync(cwd, { recursive: true, force: true }));

  it('vigil risk scores every device and lists the top by safety and by privacy, each with its factors', async () => {
    const safety = run(['risk', '--json', '--limit', '10']);
    expect(safety.status, safety.stderr).toBe(0);
    const s = JSON.parse(safety.stdout) as { devices: number; by: string; top: { deviceId: number; safety: number; privacy: number; factors: { id: string; weight: number }[] }[] };
    const stored = await storedRisk();
    expect(s.devices).toBe(stored.length);
    expect(s.devices).toBeGreaterThan(100);
    expect(s.top).toHaveLength(10);
    expect(s.top.map((r) => r.safety)).toEqual([...s.top.map((r) => r.safety)].sort((a, b) => b - a));
    // The top of the list is the top of the store.
    expect(s.top[0].safety).toBe(Math.max(...stored.map((r) => r.safety)));
    for (const r of s.top) expect(r.factors.map((f) => f.id)).toEqual(expect.arrayContaining(['safety-class', 'criticality', 'privacy-class']));

    const privacy = JSON.parse(run(['risk', '--json', '--by', 'privacy', '--limit', '5']).stdout) as typeof s;
    expect(privacy.by).toBe('privacy');
    expect(privacy.top[0].privacy).toBe(Math.max(...stored.map((r) => r.privacy)));

    const text = run(['risk', '--limit', '3']);
    expect(text.status).toBe(0);
    expect(text.stdout).toMatch(/ranked by patient safety/);
    expect(text.stdout.trim().split('\n')).toHaveLength(2 + 3);

    const bad = run(['risk', '--by', 'loudness']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/--by is safety or privacy \(got "loudness"\)/);
  });

  it('vigil mitigate lists the options for the riskiest device, those under the target first and cheapest first', async () => {
    const [top] = (JSON.parse(run(['risk', '--json', '--limit', '1']).stdout) as { top: { deviceId: number; score: number }[] }).top;
    const r = run(['mitigate', String(top.deviceId), '--json']);
    expect(r.status, r.stderr).toBe(0);
    const m = JSON.parse(r.stdout) as { device: { id: number }; target: number; before: { score: number }; options: { mitigation: { id: string; cost: number }; after: number; bringsUnderTarget: boolean; reduction: number }[] };
    expect(m.device.id).toBe(top.deviceId);
    expect(m.before.score).toBe(top.score);
    expect(m.options.length).toBeGreaterThan(1);
    const under = m.options.filter((o) => o.bringsUnderTarget);
    expect(m.options.slice(0, under.length)).toEqual(under);
    expect(under.map((o) => o.mitigation.cost)).toEqual([...under.map((o) => o.mitigation.cost)].sort((a, b) => a - b));
    for (const o of m.options) {
      expect(o.after).toBeLessThanOrEqual(m.before.score);
      expect(o.bringsUnderTarget).toBe(o.after < m.target);
    }

    const missing = run(['mitigate', 'no-such-host.example']);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/no device "no-such-host\.example"/);
  });

  it('vigil whatif shows risk before and after a plan and changes nothing stored', async () => {
    const [top] = (JSON.parse(run(['risk', '--json', '--limit', '1']).stdout) as { top: { deviceId: number; score: number }[] }).top;
    const before = await storedRisk();
    const plan = join(cwd, 'plan.yaml');
    writeFileSync(plan, `name: segment the riskiest device\nactions:\n  - devices: [${top.deviceId}]\n    apply: [micro-segmentation]\n`);
    const r = run(['whatif', plan, '--json']);
    expect(r.status, r.stderr).toBe(0);
    const w = JSON.parse(r.stdout) as { plan: string; before: { max: number; mean: number }; after: { max: number; mean: number }; devices: { id: number; before: { score: number }; after: { score: number }; changes: string[] }[] };
    expect(w.plan).toBe('segment the riskiest device');
    const d = w.devices.find((x) => x.id === top.deviceId)!;
    expect(d).toBeDefined();
    expect(d.before.score).toBe(top.score);
    expect(d.after.score).toBeLessThan(d.before.score);
    expect(d.changes.length).toBeGreaterThan(0);
    expect(w.after.mean).toBeLessThanOrEqual(w.before.mean);
    // Nothing is changed: the stored scores are the ones before the what-if.
    expect(await storedRisk()).toEqual(before);

    const empty = join(cwd, 'empty.yaml');
    writeFileSync(empty, 'name: nothing\n');
    const bad = run(['whatif', empty]);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/empty\.yaml: expected "actions:"/);
    const unknown = join(cwd, 'unknown.yaml');
    writeFileSync(unknown, `actions:\n  - devices: [no-such-host.example]\n    apply: [micro-segmentation]\n`);
    const u = run(['whatif', unknown]);
    expect(u.status).toBe(2);
    expect(u.stderr).toMatch(/no device "no-such-host\.example"/);
    const broken = join(cwd, 'broken.yaml');
    writeFileSync(broken, 'actions: [\n');
    expect(run(['whatif', broken]).status).toBe(2);
  });

  it("vigil policy writes a device's allowlist in each format, verified to block none of its clinical conversations", () => {
    const [top] = (JSON.parse(run(['risk', '--json', '--limit', '1']).stdout) as { top: { deviceId: number }[] }).top;
    const json = run(['policy', String(top.deviceId), '--format', 'json']);
    expect(json.status, json.stderr).toBe(0);
    const p = JSON.parse(json.stdout) as { policy: { members: unknown[]; allow: unknown[] }; replay: { clinical: { blocked: number; conversations: number } } };
    expect(p.policy.members).toHaveLength(1);
    expect(p.replay.clinical.blocked).toBe(0);
    const nft = run(['policy', String(top.deviceId), '--format', 'nftables']);
    expect(nft.status).toBe(0);
    expect(nft.stdout).toMatch(/blocked 0/);
    expect(nft.stdout.split('\n').filter((l) => / accept comment /.test(l))).toHaveLength(p.policy.allow.length);
    for (const format of ['cisco', 'panos']) {
      const f = run(['policy', String(top.deviceId), '--format', format]);
      expect(f.status, `${format}: ${f.stderr}`).toBe(0);
      expect(f.stdout.length).toBeGreaterThan(100);
    }
    const bad = run(['policy', String(top.deviceId), '--format', 'iptables']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/--format is one of .*nftables.* \(got "iptables"\)/);
    const none = run(['policy', 'category:no-such-category']);
    expect(none.status).toBe(2);
    expect(none.stderr).toMatch(/nothing matches "category:no-such-category"/);
  });
});
