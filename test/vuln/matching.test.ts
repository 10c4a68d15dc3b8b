import { describe, expect, it } from 'vitest';
import { loadMatchingRules, ProductMatcher, type KbProduct } from '../../src/vuln/product-match.js';
import { parseConstraint } from '../../src/vuln/version.js';
import { VendorKeys } from '../../src/vuln/vendor-key.js';

const keys = VendorKeys.load();
const rules = loadMatchingRules(keys);

describe('vendor keys', () => {
  it('folds the spellings of one vendor together, as advisories, CVE records and the inventory write them', () => {
    const same = (names: string[]) => expect(new Set(names.map((n) => keys.key(n))).size).toBe(1);
    same(['Becton, Dickinson and Company (BD)', 'Becton Dickinson & Co', 'BD', 'CareFusion', 'BD (CareFusion)']);
    same(['GE', 'General Electric (GE)', 'GE Healthcare', 'GE HealthCare']);
    same(['Philips', 'Phillips', 'Koninklijke Philips N.V.']);
    same(['Siemens', 'Siemens Healthineers']);
    same(['Baxter', 'Hillrom', 'Welch Allyn (Hillrom/Baxter)']);
    expect(keys.key('Baxter')).not.toBe(keys.key('BD'));
    expect(keys.key('Siemens Smart Infrastructure')).not.toBe(keys.key('Siemens'));
  });
});

describe('products against device models', () => {
  const row = (cve: string, vendor: string, product: string, version: string): KbProduct => ({ cve, source: 't', advisory: null, vendor, vendorKey: keys.key(vendor), product, versionText: version, constraint: parseConstraint(version), fixedVersion: null });
  const matcher = new ProductMatcher(
    [
      row('CVE-A', 'Philips', 'IntelliVue patient monitor MX400-MX850', '<=N'),
      row('CVE-B', "Philips", "Philips' IntelliView MX40", '<= B.06'),
      row('CVE-C', 'Becton, Dickinson and Company (BD)', 'BD Alaris Point-of-Care Unit (PCU) Model 8015', '<=12.1.3'),
      row('CVE-D', 'Becton, Dickinson and Company (BD)', 'BD Alaris Systems Manager', '<=12.3'),
      row('CVE-E', 'Philips', 'Patient Information Center iX (PICiX)', 'C.03'),
      row('CVE-F', 'General Electric (GE)', 'B450', '2.X'),
    ],
    keys,
    rules,
  );
  const m = (vendor: string, model: string | null, firmware: string | null, category: string) => matcher.match({ id: 1, vendor, model, firmware, category }).map((x) => [x.cve, x.confidence]);

  it.each([
    // [vendor, model, firmware, category, expected matches]
    ['Philips', 'IntelliVue MX450', 'M.00.03', 'patient-monitor', [['CVE-A', 'model-only']]],
    ['Philips', 'IntelliVue MX40', 'B.05', 'patient-monitor', [['CVE-B', 'range']]],
    ['BD (CareFusion)', 'Alaris 8015 PC Unit', '12.1.2', 'infusion-pump', [['CVE-C', 'range']]],
    ['BD (CareFusion)', 'Alaris 8015 PC Unit', '12.3.1', 'infusion-pump', []],
    ['BD (CareFusion)', 'Alaris 8015 PC Unit', null, 'infusion-pump', [['CVE-C', 'model-only']]],
    ['BD (CareFusion)', null, null, 'infusion-pump', [['CVE-C', 'vendor-category']]],
    ['BD (CareFusion)', null, null, 'pump-server', [['CVE-D', 'vendor-category']]],
    ['Philips', 'Patient Information Center iX', 'PIIC iX C.03', 'central-station', [['CVE-E', 'exact']]],
    ['Philips', 'Patient Information Center iX', 'PIIC iX C.02', 'central-station', []],
    ['GE Healthcare', 'CARESCAPE B450', '2.0.8', 'patient-monitor', [['CVE-F', 'range']]],
    ['GE Healthcare', 'CARESCAPE B650', '2.0.8', 'patient-monitor', []],
    ['Mindray', 'BeneVision N12', '03.03.00', 'patient-monitor', []],
  ] as [string, string | null, string | null, string, string[][]][])('%s %s %s (%s)', (vendor, model, firmware, category, expected) => {
    expect(m(vendor, model, firmware, category)).toEqual(expected);
  });
});

describe('a CVE record from the CNA over an advisory that lists every product under every CVE', () => {
  it('takes the CVE record for that CVE and vendor', () => {
    const row = (format: string, product: string): KbProduct => ({ cve: 'CVE-2023-30563', source: format, advisory: null, vendor: 'Becton, Dickinson and Company (BD)', vendorKey: keys.key('BD'), product, versionText: '<=12.3', constraint: parseConstraint('<=12.3'), fixedVersion: null, format });
    // ICSMA-23-194-01 names all five products under CVE-2023-30563; BD's CVE record only the Systems Manager.
    const matcher = new ProductMatcher([row('csaf', 'BD Alaris Point-of-Care Unit (PCU) Model 8015'), row('csaf', 'BD Alaris Systems Manager'), row('cve5', 'BD Alaris\u00e2\u201e\u00a2 Systems Manager')], keys, rules);
    expect(matcher.match({ id: 1, vendor: 'BD (CareFusion)', model: 'Alaris 8015 PC Unit', firmware: '12.1.2', category: 'infusion-pump' })).toEqual([]);
    const sm = matcher.match({ id: 2, vendor: 'BD (CareFusion)', model: 'Alaris Systems Manager', firmware: '12.1', category: 'pump-server' });
    expect(sm.map((m) => [m.cve, m.confidence, m.products[0].source])).toEqual([['CVE-2023-30563', 'range', 'cve5']]);
  });
});
