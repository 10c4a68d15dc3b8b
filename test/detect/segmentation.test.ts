// `segmentation.violation` on simulated hospitals with their site file and the bundled zone policy: the
// normal traffic raises nothing except on the devices the truth labels with a hazard (a guest laptop reaching
// the ICU, a terminal server administered over telnet), and every attack that crosses zones is raised. The
// hospital is generated (every patient synthetic), so no third-party data is needed.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { Analyzer } from '../../src/analyze/analyzer.js';
import { defaultDissectors } from '../../src/protocols/index.js';
import { analyzeCommand } from '../../src/cli/analyze-command.js';
import type { Alert } from '../../src/detect/alert.js';
import { Detector } from '../../src/detect/detector.js';
import { loadSiteFile } from '../../src/inventory/site-zones.js';
import { simulate, type Truth } from '../../src/simulate/index.js';
import { siteFile } from '../../src/simulate/site-file.js';

const dir = mkdtempSync(join(tmpdir(), 'vigil-segmentation-'));
const CROSSING = ['port-scan', 'smb-worm', 'brute-force', 'hl7-rogue-destination'];

async function segmentationAlerts(name: string, attacks: string[]): Promise<{ truth: Truth; alerts: Alert[] }> {
  const capture = join(dir, `${name}.pcapng`);
  const { truth } = simulate({ seed: 7, devices: 150, duration: 2400, attacks, out: capture, imageScale: 0.05 });
  const site = join(dir, `${name}.site.yaml`);
  writeFileSync(site, siteFile(truth));
  const d = new Detector({ rules: ['segmentation.violation'], zones: loadSiteFile(site) });
  const a = new Analyzer({ dissectors: defaultDissectors(), onFlow: d.flow, onObservation: d.observation, rawObservationKeys: d.rawKeys, onRawObservation: d.raw });
  await a.addCapture(capture);
  a.finish();
  return { truth, alerts: d.finish().alerts };
}

const ipsOf = (truth: Truth, ids: readonly string[]) => new Set(truth.devices.filter((x) => ids.includes(x.id)).flatMap((x) => x.ips));

describe('segmentation.violation on the simulated hospital', () => {
  let clean: { truth: Truth; alerts: Alert[] };
  let attacked: { truth: Truth; alerts: Alert[] };
  beforeAll(async () => {
    clean = await segmentationAlerts('clean', []);
    attacked = await segmentationAlerts('attacks', CROSSING);
  }, 300_000);

  it('raises nothing on normal traffic but the labelled hazards', () => {
    const hazards = ipsOf(clean.truth, clean.truth.hazards.flatMap((h) => h.devices));
    const unexplained = clean.alerts.filter((a) => !hazards.has(a.srcIp) && !hazards.has(a.dstIp ?? ''));
    expect(unexplained.map((a) => `${a.title} ${a.srcIp} > ${a.dstIp}`)).toEqual([]);
    // The guest laptop that reaches the ICU's central station is the policy's first concern.
    const guest = clean.truth.hazards.find((h) => h.type === 'guest-to-clinical');
    expect(guest).toBeDefined();
    const a = clean.alerts.find((x) => x.evidence.srcZone === 'guest-wifi');
    expect(a?.baseSeverity).toBe('high');
    expect(a?.evidence.policyRule).toMatch(/^zone-policy\.yaml: rules\[\d+\]$/);
  });

  it('raises every attack that crosses zones, naming its attacker, inside its window', () => {
    expect(attacked.truth.attacks.map((a) => a.type).sort()).toEqual([...CROSSING].sort());
    for (const at of attacked.truth.attacks) {
      const attackers = ipsOf(attacked.truth, at.attackers);
      const start = Date.parse(at.start) / 1000 - 60;
      const end = Date.parse(at.end) / 1000 + 600;
      const hits = attacked.alerts.filter((a) => (attackers.has(a.srcIp) || attackers.has(a.dstIp ?? '')) && a.firstTs <= end && a.lastTs >= start);
      expect(hits.length, `${at.type}: ${at.description}`).toBeGreaterThan(0);
      for (const h of hits) expect(h.evidence.srcZone).not.toBe(h.evidence.dstZone);
    }
    const worm = attacked.alerts.filter((a) => a.evidence.service === 'tcp/445' || (Array.isArray(a.evidence.service) && a.evidence.service.includes('tcp/445')));
    expect(new Set(worm.map((a) => a.evidence.dstZone)).size).toBeGreaterThan(2);
    const telnet = attacked.alerts.find((a) => a.evidence.srcZone === 'guest-wifi' && a.evidence.service === 'tcp/23');
    expect(telnet?.baseSeverity).toBe('high');
  });

  it('keeps one alert per zone pair and service however many flows cross', () => {
    for (const a of attacked.alerts) {
      expect(a.flows.length).toBeLessThanOrEqual(20);
      expect((a.evidence.destinations as string[]).length).toBeLessThanOrEqual(16);
    }
    const scan = attacked.alerts.filter((a) => a.evidence.srcZone === 'administration' && a.evidence.policyRule === 'default deny');
    expect(scan.length).toBeGreaterThan(0);
    expect(scan.reduce((n, a) => n + (a.evidence.flows as number), 0)).toBeGreaterThan(scan.length * 5);
  });

  it('vigil analyze reads --site and --zone-policy: site rules go before the bundled ones, a bad file stops before reading', async () => {
    const run = async (name: string, zonePolicy?: string[]) => {
      const out = join(dir, name);
      await analyzeCommand([join(dir, 'attacks.pcapng')], { db: false, out, quiet: true, site: join(dir, 'attacks.site.yaml'), zonePolicy });
      return readFileSync(join(out, 'alerts.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Alert).filter((a) => a.rule === 'segmentation.violation');
    };
    expect((await run('bundled')).length).toBe(attacked.alerts.length);
    // This site lets every zone talk to every other on SMB: the worm's spread is no violation any more.
    const smb = join(dir, 'smb.yaml');
    writeFileSync(smb, "extends: default\nrules:\n  - { from: '*', to: '*', services: [tcp/445], action: allow }\n");
    const withSmb = await run('smb', [smb]);
    expect(withSmb.length).toBeGreaterThan(0);
    expect(withSmb.some((a) => JSON.stringify(a.evidence.service).includes('tcp/445'))).toBe(false);
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'rules:\n  - { from: a, to: b, action: maybe }\n');
    await expect(run('bad', [bad])).rejects.toThrow(/bad\.yaml: rules\[0\]: "action" must be allow or deny/);
  }, 120_000);
});
