import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseCsaf } from '../../src/vuln/import-csaf.js';
import { parseCve5 } from '../../src/vuln/import-cve5.js';
import { parseEpss } from '../../src/vuln/import-epss.js';
import { parseKev } from '../../src/vuln/import-kev.js';
import { parseNvd, splitCpe } from '../../src/vuln/import-nvd.js';
import { parseFeedFile } from '../../src/vuln/kb-import.js';
import { BUNDLED, CSAF_DIR, csaf, HAVE_CSAF, readJson } from './shared-feeds.js';

describe.skipIf(!HAVE_CSAF)(`CSAF 2.0 ICS Medical Advisories from ../shared ${HAVE_CSAF ? '' : '(skipped: ../shared/knowledge/vuln absent)'}`, () => {
  it('reads all 144 advisories without an error: 433 vulnerabilities of 428 CVEs', () => {
    let files = 0;
    let entries = 0;
    let errors = 0;
    const cves = new Set<string>();
    for (const year of readdirSync(CSAF_DIR)) {
      for (const name of readdirSync(join(CSAF_DIR, year))) {
        const feed = parseCsaf(readJson(join(CSAF_DIR, year, name)), name);
        files++;
        entries += feed.entries;
        errors += feed.errors.length;
        for (const v of feed.vulns) cves.add(v.cve);
      }
    }
    expect(files).toBe(144);
    expect(entries).toBe(433);
    expect(cves.size).toBe(428);
    expect(errors).toBe(0);
  });

  it('ICSMA-20-170-04 (Baxter Spectrum): scores, CWE, remediations and version ranges, checked by hand', () => {
    const feed = parseCsaf(readJson(csaf('icsma-20-170-04.json')), 'x');
    expect(feed.published).toBe('2020-06-23T00:00:00.000000Z');
    expect(feed.vulns.map((v) => v.cve)).toEqual(['CVE-2020-12039', 'CVE-2020-12040', 'CVE-2020-12045', 'CVE-2020-12041', 'CVE-2020-12047', 'CVE-2020-12043']);
    const v = feed.vulns[0];
    expect(v).toMatchObject({ cwe: 'CWE-259', cvssScore: 4.3, cvssVector: 'CVSS:3.0/AV:P/AC:L/PR:N/UI:N/S:U/C:L/I:L/A:L', attackVector: 'physical', advisories: ['ICSMA-20-170-04'], fallbackTitle: 'Baxter Sigma Spectrum Infusion Pumps (Update B)' });
    expect(v.title).toBeUndefined();
    expect(v.remediations).toHaveLength(7);
    expect(v.remediations!.every((r) => r.category === 'vendor_fix')).toBe(true);
    // Six products, each known_affected by each of the six CVEs.
    expect(feed.products).toHaveLength(36);
    const v8 = feed.products.find((p) => p.cve === 'CVE-2020-12039' && p.versionText === 'v8.x model 35700BAX2')!;
    expect(v8).toMatchObject({ vendor: 'Baxter', product: 'Baxter Spectrum', status: 'affected', constraint: { kind: 'range', min: 'v8.x', max: 'v8.x' } });
  });

  it('reads "<=12.1.3" ranges, "B.02 | C.02 | C.03" version lists and model families', () => {
    const bd = parseCsaf(readJson(csaf('icsma-23-194-01.json')), 'x');
    expect(bd.entries).toBe(8);
    expect(bd.products.find((p) => p.product === 'BD Alaris Point-of-Care Unit (PCU) Model 8015')!.constraint).toEqual({ kind: 'range', min: null, minInclusive: true, max: '12.1.3', maxInclusive: true });
    const pic = parseCsaf(readJson(csaf('icsma-21-322-02.json')), 'x').products.filter((p) => p.cve === 'CVE-2021-43548' && p.product.startsWith('Patient Information'));
    expect(pic.map((p) => p.constraint)).toEqual([
      { kind: 'exact', version: 'B.02' },
      { kind: 'exact', version: 'C.02' },
      { kind: 'exact', version: 'C.03' },
    ]);
    const mx = parseCsaf(readJson(csaf('icsma-20-254-01.json')), 'x').products.find((p) => p.product === 'IntelliVue patient monitor MX400-MX850')!;
    expect(mx.constraint).toEqual({ kind: 'unparsed', text: '<=N' });
  });

  it('takes the fixed version a vendor_fix names for the products it lists', () => {
    const vyaire = parseCsaf(readJson(csaf('icsma-18-037-01.json')), 'x');
    // "...recommends that users upgrade to the newer Vyaire Upgrade Utility v2.0.3.0."
    expect(vyaire.products[0].fixedVersion).toBe('2.0.3.0');
    const natus = parseCsaf(readJson(csaf('icsma-18-165-01.json')), 'x');
    // "A free software update to NeuroWorks/SleepWorks 8.5 GMA 3 is available..."
    expect(new Set(natus.products.map((p) => p.fixedVersion))).toEqual(new Set(['8.5']));
  });
});

describe('CVE JSON 5 records (bundled copies of cisagov/vulnrichment, CC0)', () => {
  const record = (id: string) => parseCve5(readJson(join(BUNDLED, 'cve', `${id}.json`)), `${id}.json`);

  it('reads all 29 records without an error', () => {
    const files = readdirSync(join(BUNDLED, 'cve')).filter((f) => f.endsWith('.json'));
    expect(files).toHaveLength(29);
    const feeds = files.map((f) => parseCve5(readJson(join(BUNDLED, 'cve', f)), f));
    expect(feeds.flatMap((f) => f.errors)).toEqual([]);
    expect(feeds.reduce((n, f) => n + f.entries, 0)).toBe(29);
  });

  it('CVE-2023-30561 (BD Alaris PCU): CNA CVSS, CWE, range and CISA ADP SSVC options, checked by hand', () => {
    const f = record('CVE-2023-30561');
    expect(f.vulns[0]).toMatchObject({ cve: 'CVE-2023-30561', cvssScore: 6.1, attackVector: 'physical', cwe: 'CWE-311', exploitation: 'none', automatable: 'no', technicalImpact: 'partial' });
    expect(f.products).toHaveLength(1);
    expect(f.products[0]).toMatchObject({ vendor: 'Becton Dickinson & Co', status: 'affected', constraint: { kind: 'range', min: null, max: '12.1.3', maxInclusive: true } });
  });

  it('CVE-2024-1486 (GE Venue): exact versions and lessThanOrEqual ranges; CVE-2023-40159 lessThan gives the fixed version', () => {
    const venue = record('CVE-2024-1486').products.filter((p) => p.product === 'Venue');
    expect(venue.map((p) => p.versionText)).toEqual(['R1', 'R2', '>= R3, <= R3.3', '>= R4, <= R4.2']);
    const vue = record('CVE-2023-40159').products[0];
    expect(vue).toMatchObject({ product: 'Vue PACS', constraint: { kind: 'range', max: '12.2.8.410', maxInclusive: false }, fixedVersion: '12.2.8.410' });
  });

  it('skips the "n/a" vendor of legacy CNA containers but reads CISA ADP products and scores', () => {
    const f = record('CVE-2020-10673');
    expect(f.products.some((p) => p.vendor === 'n/a')).toBe(false);
    expect(f.products.length).toBe(39);
    expect(f.vulns[0]).toMatchObject({ cvssScore: 8.8, exploitation: 'none', automatable: 'no', technicalImpact: 'total' });
  });
});

describe('CISA KEV (bundled copy, CC0)', () => {
  it('reads 1,404 entries: each CVE is exploitation active with its date added', () => {
    const f = parseKev(readJson(join(BUNDLED, 'kev', 'known_exploited_vulnerabilities.json')), 'kev.json');
    expect(f.errors).toEqual([]);
    expect(f.entries).toBe(1404);
    expect(f.published).toBe('2025-08-25T17:04:19.9796Z');
    expect(f.products).toEqual([]);
    expect(f.vulns.find((v) => v.cve === 'CVE-2025-48384')).toMatchObject({ kev: { dateAdded: '2025-08-25', ransomware: 'Unknown' }, exploitation: 'active', cwe: 'CWE-59', title: 'Git Link Following Vulnerability' });
    expect(f.vulns.find((v) => v.cve === 'CVE-2017-0144')!.kev!.dateAdded).toBe('2022-02-10');
  });
});

describe('NVD API 2.0 and FIRST EPSS', () => {
  const nvd = {
    format: 'NVD_CVE',
    timestamp: '2024-06-01T00:00:00.000',
    vulnerabilities: [
      {
        cve: {
          id: 'CVE-2022-2121',
          descriptions: [{ lang: 'en', value: 'OFFIS DCMTK NULL pointer dereference' }],
          metrics: { cvssMetricV31: [{ type: 'Primary', cvssData: { baseScore: 6.5, vectorString: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H' } }] },
          weaknesses: [{ description: [{ lang: 'en', value: 'CWE-476' }] }],
          configurations: [{ nodes: [{ operator: 'OR', negate: false, cpeMatch: [{ vulnerable: true, criteria: 'cpe:2.3:a:offis:dcmtk:*:*:*:*:*:*:*:*', versionEndExcluding: '3.6.7' }, { vulnerable: false, criteria: 'cpe:2.3:o:linux:linux_kernel:-:*:*:*:*:*:*:*' }, { vulnerable: true, criteria: 'not a cpe' }] }] }],
        },
      },
      { cve: { id: 'CVE-BAD' } },
    ],
  };

  it('reads cpeMatch bounds as a range and names the bad entries', () => {
    const f = parseNvd(nvd, 'nvd.json');
    expect(f.entries).toBe(1);
    expect(f.vulns[0]).toMatchObject({ cve: 'CVE-2022-2121', cvssScore: 6.5, attackVector: 'network', cwe: 'CWE-476' });
    expect(f.products).toEqual([{ cve: 'CVE-2022-2121', advisory: null, vendor: 'offis', product: 'dcmtk', status: 'affected', versionText: '< 3.6.7', constraint: { kind: 'range', min: null, minInclusive: true, max: '3.6.7', maxInclusive: false }, fixedVersion: '3.6.7' }]);
    expect(f.errors).toEqual(['nvd.json: vulnerabilities[0] (CVE-2022-2121): configurations[0].nodes[0].cpeMatch[2]: "criteria" is not a CPE 2.3 name', 'nvd.json: vulnerabilities[1]: missing or malformed cve.id']);
    expect(splitCpe('cpe:2.3:a:ge_healthcare:centricity\\:pacs:4.0:*:*:*:*:*:*:*')).toEqual({ vendor: 'ge healthcare', product: 'centricity:pacs', version: '4.0' });
  });

  it('reads EPSS scores, the score date, and names bad lines', () => {
    const f = parseEpss('#model_version:v2023.03.01,score_date:2024-06-01T00:00:00+0000\ncve,epss,percentile\nCVE-2017-0144,0.97565,0.99998\nCVE-2020-12039,0.00043,0.0812\nCVE-2020-1,0.5,0.5\nCVE-2019-0708,1.7,0.9\n', 'epss.csv');
    expect(f.published).toBe('2024-06-01T00:00:00+0000');
    expect(f.vulns).toEqual([
      { cve: 'CVE-2017-0144', epss: { score: 0.97565, percentile: 0.99998 } },
      { cve: 'CVE-2020-12039', epss: { score: 0.00043, percentile: 0.0812 } },
    ]);
    expect(f.errors).toEqual(['epss.csv: line 5: not "CVE-id,probability 0-1,percentile 0-1": "CVE-2020-1,0.5,0.5"', 'epss.csv: line 6: not "CVE-id,probability 0-1,percentile 0-1": "CVE-2019-0708,1.7,0.9"']);
  });

  it('recognises each format from its content', () => {
    const kind = (file: string, text: string) => {
      const r = parseFeedFile(file, text);
      return 'format' in r ? r.format : 'skip' in r ? 'skip' : r.error;
    };
    expect(kind('a.json', JSON.stringify(nvd))).toBe('nvd');
    expect(kind('b.csv', 'cve,epss,percentile\n')).toBe('epss');
    expect(kind('c.json', readFileSync(join(BUNDLED, 'cve', 'CVE-2023-30561.json'), 'utf8'))).toBe('cve5');
    expect(kind('d.json', '{"title": "x", "catalogVersion": "1", "vulnerabilities": []}')).toBe('kev');
    expect(kind('e.json', '{"$schema": "http://json-schema.org/draft-07/schema#", "properties": {}}')).toBe('skip');
    expect(kind('kev.csv', 'cveID,vendorProject,product,vulnerabilityName\n')).toBe('skip');
    expect(kind('other.csv', 'a,b\n1,2\n')).toMatch(/^other\.csv: a CSV file but not FIRST EPSS scores/);
    expect(kind('f.json', '{"nothing": 1}')).toMatch(/^f\.json: not a recognised feed/);
    expect(kind('g.json', '{"document": ')).toMatch(/^g\.json: not valid JSON/);
  });
});
