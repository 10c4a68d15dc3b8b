/**
 * Real ICS Medical Advisories against the devices the inventory learns from a simulated hospital (the
 * simulator's catalogue has the real models: BD Alaris 8015, Philips IntelliVue MX450...). The inventory
 * learns the Alaris pumps' vendor and category but not their model, the MX450's model but not its firmware:
 * the matches say so, and the decisions follow from the tables (derivations in the comments).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyzeCommand } from '../../src/cli/analyze-command.js';
import { simulate } from '../../src/simulate/index.js';
import { siteFile } from '../../src/simulate/site-file.js';
import { InventoryStore } from '../../src/store/inventory-store.js';
import { assessVulnerabilities, readDeviceVulnerabilities, type DeviceVulnerability } from '../../src/vuln/assess.js';
import { importKnowledgeBase } from '../../src/vuln/kb-import.js';
import { BUNDLED, csaf, HAVE_CSAF } from './shared-feeds.js';

describe.skipIf(!HAVE_CSAF)(`vulnerabilities of the simulated hospital ${HAVE_CSAF ? '' : '(skipped: ../shared/knowledge/vuln absent)'}`, () => {
  let dir: string;
  let findings: DeviceVulnerability[] = [];
  let devices: { id: number; vendor: string | null; model: string | null; category: string | null }[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-vuln-sim-'));
    const r = simulate({ seed: 5, devices: 300, duration: 600, imageScale: 0.1, out: join(dir, 'h.pcapng'), truth: join(dir, 'h.truth.json') });
    writeFileSync(join(dir, 'site.yaml'), siteFile(r.truth));
    await analyzeCommand([join(dir, 'h.pcapng')], { db: join(dir, 'vigil.db'), site: join(dir, 'site.yaml'), quiet: true, detect: false });
    const store = await InventoryStore.open(join(dir, 'vigil.db'));
    try {
      const s = await importKnowledgeBase(store, [join(BUNDLED, 'kev'), join(BUNDLED, 'cve'), csaf('icsma-23-194-01.json'), csaf('icsma-20-254-01.json'), csaf('icsma-20-170-04.json')]);
      expect(s.errors).toBe(0);
      await assessVulnerabilities(store);
      findings = await readDeviceVulnerabilities(store);
      devices = (await store.devices()).map((d) => ({ id: Number(d.id), vendor: d.vendor, model: d.model, category: d.category }));
    } finally {
      await store.close();
    }
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const of = (id: number, cve: string) => findings.find((f) => f.deviceId === id && f.cve === cve);

  it('matches every BD Alaris pump by vendor and category to the PCU flaws, and decides them by the tables', () => {
    const pumps = devices.filter((d) => d.vendor === 'BD (CareFusion)' && d.category === 'infusion-pump');
    expect(pumps.length).toBeGreaterThan(5);
    for (const p of pumps) {
      // CVE-2023-30561 (IUI bus, BD's CVE record: PCU 8015 <= 12.1.3): AV:P -> small; CISA ADP: exploitation none,
      // automatable no; C:H/I:N/A:H is not disclosure-only, pump = life-sustaining -> catastrophic -> very high.
      // none/small/no/very high -> scheduled. The model is unknown: vendor-category, VEX in triage.
      const f = of(p.id, 'CVE-2023-30561');
      expect(f, `pump ${p.id}`).toBeDefined();
      if (p.model === null) expect(f!.confidence).toBe('vendor-category');
      expect(Object.fromEntries(Object.entries(f!.decisionPoints).map(([k, v]) => [k, v.value]))).toEqual({ exploitation: 'none', exposure: 'small', automatable: 'no', situatedSafety: 'catastrophic', missionImpact: expect.any(String), humanImpact: 'very high' });
      expect(f!.decision).toBe('scheduled');
      // CVE-2023-30563 is BD's Systems Manager only (its CVE record), though the CSAF file lists the PCU under it too.
      expect(of(p.id, 'CVE-2023-30563')).toBeUndefined();
    }
  });

  it('matches the Philips IntelliVue MX450 to "IntelliVue patient monitor MX400-MX850" on the model only', () => {
    const monitors = devices.filter((d) => d.vendor === 'Philips' && d.model === 'IntelliVue MX450');
    expect(monitors.length).toBeGreaterThan(3);
    for (const m of monitors) {
      // CVE-2020-16216 (AV:A, C:N/I:N/A:H): adjacent and others share the segment -> controlled; CVSS AV:A -> not
      // automatable; monitor = life-sustaining -> catastrophic -> very high. none/controlled/no/very high -> scheduled.
      const f = of(m.id, 'CVE-2020-16216')!;
      expect(f.confidence).toBe('model-only');
      expect(f.evidence[0].product).toBe('IntelliVue patient monitor MX400-MX850');
      expect(f.decisionPoints.exposure.value).toBe('controlled');
      expect(f.decision).toBe('scheduled');
    }
  });

  it('finds nothing on vendors no imported advisory names', () => {
    const mindray = devices.filter((d) => d.vendor === 'Mindray').map((d) => d.id);
    expect(mindray.length).toBeGreaterThan(0);
    expect(findings.filter((f) => mindray.includes(f.deviceId))).toEqual([]);
  });
});
