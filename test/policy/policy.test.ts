/**
 * Policies generated from a simulated hospital's observed behaviour, verified by replay: no clinical
 * conversation blocked, the simulator's labelled guest-to-clinical hazard cut, and each output format
 * carrying exactly the allowed conversations.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyzeCommand } from '../../src/cli/analyze-command.js';
import { recogniseWorkflows, type WorkflowInstance } from '../../src/graph/workflows.js';
import { buildPolicy, permits } from '../../src/policy/allowlist.js';
import { formatPolicy } from '../../src/policy/policy-formats.js';
import { replayPolicy } from '../../src/policy/policy-replay.js';
import { simulate, type Truth } from '../../src/simulate/index.js';
import { siteFile } from '../../src/simulate/site-file.js';
import { InventoryStore } from '../../src/store/inventory-store.js';

describe('policies from observed behaviour', () => {
  let dir: string;
  let store: InventoryStore;
  let truth: Truth;
  let workflows: WorkflowInstance[];
  const deviceOf = async (truthId: string): Promise<number | undefined> => {
    const macs = truth.devices.find((d) => d.id === truthId)?.macs ?? [];
    const row = await store.db.selectFrom('device_identifiers').select('device_id').where('kind', '=', 'mac').where('value', 'in', macs.length ? macs : ['-']).executeTakeFirst();
    return row ? Number(row.device_id) : undefined;
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-policy-'));
    truth = simulate({ seed: 5, devices: 300, duration: 600, imageScale: 0.1, out: join(dir, 'h.pcapng'), truth: join(dir, 'h.truth.json') }).truth;
    writeFileSync(join(dir, 'site.yaml'), siteFile(truth));
    await analyzeCommand([join(dir, 'h.pcapng')], { db: join(dir, 'vigil.db'), site: join(dir, 'site.yaml'), quiet: true, detect: false });
    store = await InventoryStore.open(join(dir, 'vigil.db'));
    workflows = await recogniseWorkflows(store);
  });
  afterAll(async () => {
    await store?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("blocks no clinical conversation of any hazard device, replaying the capture's conversations", async () => {
    let checked = 0;
    for (const h of truth.hazards)
      for (const id of h.devices) {
        const device = await deviceOf(id);
        if (device === undefined) continue;
        const policy = await buildPolicy(store, id, [device], workflows);
        const replay = await replayPolicy(store, policy);
        expect(replay.clinical.blocked, `${h.type} ${id}`).toBe(0);
        expect(replay.clinical.conversations + replay.other.conversations).toBe((await store.connectionsOf([device])).length);
        checked++;
      }
    expect(checked).toBeGreaterThan(30);
  });

  it('cuts the path from guest Wi-Fi to the clinical device the simulator left reachable, and says what else it stops', async () => {
    const hazard = truth.hazards.find((h) => h.type === 'guest-to-clinical')!;
    const victimId = hazard.devices.find((d) => truth.devices.find((t) => t.id === d)?.category !== 'guest')!;
    const laptop = (await deviceOf(hazard.devices.find((d) => d !== victimId)!))!;
    const victim = (await deviceOf(victimId))!;
    const policy = await buildPolicy(store, victimId, [victim], workflows);
    const replay = await replayPolicy(store, policy);
    expect(replay.attackPaths.paths).toBeGreaterThan(0);
    expect(replay.attackPaths.cut).toBe(replay.attackPaths.paths);
    expect(policy.denied.some((c) => c.from.id === laptop && c.to.id === victim)).toBe(true);
    expect(policy.allow.every((r) => r.from.id !== laptop)).toBe(true);
    // Its clinical peers keep their conversations: the HL7 interface it feeds, at least.
    expect(policy.allow.some((r) => /HL7|monitor/i.test(r.reason))).toBe(true);
  });

  it('cuts every path from guest Wi-Fi to every hazard device when the clinical network enforces its allowlist', async () => {
    const guests = new Set((await store.db.selectFrom('devices').innerJoin('zones', 'zones.id', 'devices.zone').select('devices.id').where('zones.kind', '=', 'guest').execute()).map((r) => Number(r.id)));
    const everyone = (await store.allDeviceIds()).filter((id) => !guests.has(id));
    const policy = await buildPolicy(store, 'clinical network', everyone, workflows);
    const replay = await replayPolicy(store, policy);
    expect(replay.clinical.blocked).toBe(0);
    const fromGuest = replay.attackPaths.uncut.filter((p) => p.from === 'guest');
    expect(fromGuest).toEqual([]);
    expect(replay.attackPaths.cut).toBeGreaterThan(0);
  });

  it('writes the same allowlist as nftables, Cisco IOS and PAN-OS', async () => {
    const hub = workflows.find((w) => /HL7/i.test(w.name))!.hub.id;
    const policy = await buildPolicy(store, 'engine', [hub], workflows);
    const addressed = policy.allow.filter((r) => r.from.ip && r.to.ip);
    expect(addressed.length).toBeGreaterThan(2);
    const nft = formatPolicy(policy, 'nftables', ['note']);
    const ios = formatPolicy(policy, 'cisco');
    const pan = formatPolicy(policy, 'panos');
    for (const r of addressed) {
      expect(nft).toContain(`ip saddr ${r.from.ip} ip daddr ${r.to.ip} ${r.transport} dport ${r.port} accept`);
      expect(ios).toContain(`permit ${r.transport} host ${r.from.ip} host ${r.to.ip} eq ${r.port}`);
      expect(pan).toMatch(new RegExp(`source ${r.from.ip!.replace(/\./g, '\\.')} destination ${r.to.ip!.replace(/\./g, '\\.')} application any service \\S+-${r.transport}-${r.port} action allow`));
    }
    expect(nft.split('\n').filter((l) => / accept comment /.test(l))).toHaveLength(addressed.length);
    expect(nft).toMatch(/^# note\n/);
    expect(ios).toMatch(/deny ip any host \S+ log\n deny ip host \S+ any log\n permit ip any any$/);
    const json = JSON.parse(formatPolicy(policy, 'json'));
    expect(json.allow).toHaveLength(policy.allow.length);
    // Conversations that touch no member pass untouched.
    expect(permits(policy, { from: -1, to: -2, transport: 'tcp', port: 445 })).toBe(true);
  });
});
