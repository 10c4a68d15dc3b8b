import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { InventoryStore } from '../../src/store/inventory-store.js';
import { importKnowledgeBase } from '../../src/vuln/kb-import.js';
import { kbStatus, loadKbProducts, loadVulnerabilities } from '../../src/vuln/kb-store.js';
import { assessVulnerabilities, readDeviceVulnerabilities } from '../../src/vuln/assess.js';
import { buildSite } from './site.js';
import { TARGETS } from '../store/store-targets.js';
import { BUNDLED, csaf, HAVE_CSAF } from './shared-feeds.js';

/** A CSAF advisory with one good vulnerability, one without a CVE and one naming a product the tree lacks. */
const badAdvisory = {
  document: { category: 'csaf_security_advisory', csaf_version: '2.0', title: 'Test advisory', tracking: { id: 'TEST-01', current_release_date: '2024-01-01T00:00:00Z' } },
  product_tree: {
    branches: [{ category: 'vendor', name: 'Becton, Dickinson and Company (BD)', branches: [{ category: 'product_name', name: 'Alaris PC Unit', branches: [{ category: 'product_version_range', name: '<=12.1.3', product: { name: 'Alaris PC Unit <=12.1.3', product_id: 'P1' } }] }] }],
  },
  vulnerabilities: [
    { cve: 'CVE-2099-0001', cwe: { id: 'CWE-319', name: 'x' }, product_status: { known_affected: ['P1'] }, scores: [{ cvss_v3: { baseScore: 7.5, vectorString: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N' }, products: ['P1'] }] },
    { cwe: { id: 'CWE-20' }, product_status: { known_affected: ['P1'] } },
    { cve: 'CVE-2099-0002', product_status: { known_affected: ['P1', 'P9'] } },
  ],
};

const badKev = { title: 'KEV', catalogVersion: '2099.01.01', dateReleased: '2099-01-01T00:00:00Z', vulnerabilities: [{ cveID: 'CVE-2099-0001', dateAdded: '2099-01-01', vendorProject: 'BD', product: 'Alaris' }, { cveID: 'CVE-XYZ' }, { cveID: 'CVE-2099-0003', dateAdded: 'yesterday' }] };

for (const { name, target, skip } of TARGETS) {
  describe.skipIf(skip !== null)(`vulnerability knowledge base on ${name}`, () => {
    const t = target();
    const dirs: string[] = [];
    afterAll(async () => {
      await t.cleanup();
      for (const d of dirs) rmSync(d, { recursive: true, force: true });
    });

    it('imports what is readable from malformed feeds and names each file and entry it skipped', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'vigil-kb-'));
      dirs.push(dir);
      writeFileSync(join(dir, 'advisory.json'), JSON.stringify(badAdvisory));
      writeFileSync(join(dir, 'kev.json'), JSON.stringify(badKev));
      writeFileSync(join(dir, 'broken.json'), '{ "document": ');
      writeFileSync(join(dir, 'epss.csv'), 'cve,epss,percentile\nCVE-2099-0001,0.5,0.9\nnonsense line\n');
      const store = await InventoryStore.open(await t.create());
      try {
        const s = await importKnowledgeBase(store, [dir]);
        const byName = (n: string) => s.files.find((f) => f.file.endsWith(n))!;
        expect(byName('broken.json')).toMatchObject({ format: null, entries: 0 });
        expect(byName('broken.json').errors[0]).toMatch(/broken\.json: not valid JSON/);
        expect(byName('advisory.json')).toMatchObject({ format: 'csaf', entries: 2, cves: 2, products: 2 });
        expect(byName('advisory.json').errors).toEqual([
          `${join(dir, 'advisory.json')} (TEST-01): vulnerabilities[1]: missing or malformed "cve" (null)`,
          `${join(dir, 'advisory.json')} (TEST-01): vulnerabilities[2] (CVE-2099-0002): product_status.known_affected names unknown product "P9"`,
        ]);
        expect(byName('kev.json')).toMatchObject({ format: 'kev', entries: 1 });
        expect(byName('kev.json').errors).toEqual([
          `${join(dir, 'kev.json')}: vulnerabilities[1]: missing or malformed "cveID" ("CVE-XYZ")`,
          `${join(dir, 'kev.json')}: vulnerabilities[2] (CVE-2099-0003): "dateAdded" is not a date ("yesterday")`,
        ]);
        expect(byName('epss.csv').errors).toEqual([`${join(dir, 'epss.csv')}: line 3: not "CVE-id,probability 0-1,percentile 0-1": "nonsense line"`]);
        expect(s.errors).toBe(6);
        const v = (await loadVulnerabilities(store)).get('CVE-2099-0001')!;
        // Three files spoke of it: the advisory's score, KEV's flag and EPSS's probability all merged.
        expect(v).toMatchObject({ cvss_score: 7.5, attack_vector: 'network', cwe: 'CWE-319', kev: 1, kev_date_added: '2099-01-01', exploitation: 'active', epss: 0.5, epss_percentile: 0.9 });
        expect(JSON.parse(v.advisories)).toEqual(['TEST-01']);
        const products = await loadKbProducts(store);
        expect(products.map((p) => [p.cve, p.vendorKey, p.product])).toEqual([
          ['CVE-2099-0001', 'bd (carefusion)', 'Alaris PC Unit'],
          ['CVE-2099-0002', 'bd (carefusion)', 'Alaris PC Unit'],
        ]);
        const status = await kbStatus(store);
        expect(status.sources.map((x) => [x.format, x.entries, x.errors.length])).toEqual([
          ['csaf', 2, 2],
          ['epss', 1, 1],
          ['kev', 1, 2],
        ]);
      } finally {
        await store.close();
      }
    });

    it.skipIf(!HAVE_CSAF)('imports the bundled KEV and CVE records with real advisories; importing again changes nothing', async () => {
      const store = await InventoryStore.open(await t.create());
      try {
        const paths = [join(BUNDLED, 'kev'), join(BUNDLED, 'cve'), csaf('icsma-18-058-02.json'), csaf('icsma-23-194-01.json'), csaf('icsma-20-170-04.json')];
        const first = await importKnowledgeBase(store, paths);
        expect(first.errors).toBe(0);
        // 1 KEV file + 29 CVE records + 3 advisories; the KEV schema file would be skipped, the LICENSE is not JSON.
        expect(first.files.filter((f) => f.format !== null)).toHaveLength(33);
        const status = await kbStatus(store);
        const again = await importKnowledgeBase(store, paths);
        expect(again.products).toBe(first.products);
        expect(await kbStatus(store)).toMatchObject({ vulnerabilities: status.vulnerabilities, products: status.products, kev: status.kev });
        expect(status.kev).toBe(1404);
        const vulns = await loadVulnerabilities(store, ['CVE-2017-0144', 'CVE-2023-30561']);
        // KEV says exploited; the Philips IntelliSpace Portal advisory adds its product and advisory id.
        expect(vulns.get('CVE-2017-0144')).toMatchObject({ kev: 1, kev_date_added: '2022-02-10', exploitation: 'active', cvss_score: 8.1 });
        expect(JSON.parse(vulns.get('CVE-2017-0144')!.advisories)).toEqual(['ICSMA-18-058-02']);
        // The CVE record and the CSAF advisory both list the BD Alaris PCU: two sources, one CVE.
        expect(JSON.parse(vulns.get('CVE-2023-30561')!.sources)).toHaveLength(2);
        const pcu = (await loadKbProducts(store)).filter((p) => p.cve === 'CVE-2023-30561' && /8015/.test(p.product));
        expect(pcu.map((p) => p.vendorKey)).toEqual(['bd (carefusion)', 'bd (carefusion)']);
      } finally {
        await store.close();
      }
    });

    it.skipIf(!HAVE_CSAF)('stores and reads back the assessment of every device', async () => {
      const store = await InventoryStore.open(await t.create());
      try {
        const ids = await buildSite(store, { guestReachesXtr: true, centralStations: ['xtr', 'cic'] });
        await importKnowledgeBase(store, [join(BUNDLED, 'kev'), csaf('icsma-20-049-01.json'), csaf('icsma-20-170-04.json')]);
        const summary = await assessVulnerabilities(store);
        // The XTR has BlueKeep; pump-1, pump-2 and pump-4 (Sigma Spectrum 8.00.01) and pump-3 (model unknown) the 6 Spectrum CVEs.
        expect(summary).toMatchObject({ devices: 12, devicesAffected: 5, findings: 25, kev: 1, kbEmpty: false });
        expect(summary.byDecision.immediate).toBe(1);
        const xtr = await readDeviceVulnerabilities(store, ids.get('xtr'));
        expect(xtr.map((f) => [f.cve, f.decision, f.kev, f.confidence, f.vexState])).toEqual([['CVE-2019-0708', 'immediate', true, 'exact', 'exploitable']]);
        expect(xtr[0].device).toMatchObject({ id: ids.get('xtr'), label: 'xtr', vendor: 'Spacelabs', category: 'central-station', zone: 'clin' });
        expect(xtr[0].advisories).toEqual(['ICSMA-20-049-01']);
        const all = await readDeviceVulnerabilities(store);
        expect(all).toHaveLength(25);
        expect(all[0].cve).toBe('CVE-2019-0708');
        // Assessing again replaces the rows rather than adding to them.
        await assessVulnerabilities(store);
        expect(await readDeviceVulnerabilities(store)).toHaveLength(25);
      } finally {
        await store.close();
      }
    });
  });
}
