import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OuiRegistry, isLocallyAdministered } from '../../src/inventory/oui.js';
import { VendorNames, canonicalVendor, vendorNames } from '../../src/inventory/vendor-names.js';

const DEBIAN_IEEE = join(import.meta.dirname, '../../../shared/knowledge/oui/debian-ieee-data');
/** Wireshark's copy of the IEEE listings (libwireshark-data), installed with tshark. */
const WIRESHARK_MANUF = '/usr/share/wireshark/manuf';

let registry: OuiRegistry;
beforeAll(() => {
  registry = OuiRegistry.load();
});

describe('OuiRegistry.lookup', () => {
  it('finds MA-L blocks and gives the canonical vendor beside the registry text', () => {
    expect(registry.lookup('00:50:56:c0:00:08')).toEqual({
      vendor: 'VMware',
      organisation: 'VMware, Inc.',
      registry: 'MA-L',
      prefix: '00:50:56',
    });
    const philips = registry.lookup('00:09:5c:12:34:56');
    expect(philips?.organisation).toBe('Philips Medical Systems - Cardiac and Monitoring Systems (CM');
    expect(philips?.vendor).toBe('Philips');
    expect(registry.lookup('F0:E5:C3:01:02:03')?.vendor).toBe('Draeger'); // Drägerwerk AG & Co. KG aA
    expect(registry.lookup('f8:c6:78:01:02:03')?.vendor).toBe('BD (CareFusion)'); // Carefusion
  });

  it('finds MA-M (28-bit), MA-S (36-bit) and IAB (36-bit) assignments from the IEEE listings', () => {
    // mam.csv: MA-M,208593B,IOG Products LLC
    expect(registry.lookup('20:85:93:b1:22:33')).toMatchObject({ organisation: 'IOG Products LLC', registry: 'MA-M', prefix: '20:85:93:B' });
    // oui36.csv: MA-S,70B3D5719,2M Technology
    expect(registry.lookup('70-B3-D5-71-9A-BC')).toMatchObject({ organisation: '2M Technology', registry: 'MA-S', prefix: '70:B3:D5:71:9' });
    // iab.csv: IAB,0050C27D5,DEUTA-WERKE GmbH (IAB is only in the bundled supplement)
    expect(registry.lookup('0050.c27d.5123')).toMatchObject({ organisation: 'DEUTA-WERKE GmbH', registry: 'IAB', prefix: '00:50:C2:7D:5' });
  });

  it('prefers the longest prefix, and names no vendor for a subdivided block without a sub-assignment', () => {
    // 70:B3:D5 itself is registered to the IEEE Registration Authority (it holds MA-S blocks).
    expect(registry.lookup('70:b3:d5:71:90:00')?.registry).toBe('MA-S');
    // 10:06:48 is subdivided into MA-M blocks; 10:06:48:F is not assigned.
    expect(registry.lookup('10:06:48:0a:00:01')?.registry).toBe('MA-M');
    expect(registry.lookup('10:06:48:f0:00:01')).toBeNull();
    // MA-L 10:00:00 is listed as "Private".
    expect(registry.lookup('10:00:00:00:00:01')).toBeNull();
  });

  it('returns null for locally administered (randomised) and group addresses', () => {
    for (const mac of ['02:50:56:c0:00:08', 'da:a1:19:4e:5f:60', '3a:09:5c:12:34:56', 'fe:ff:ff:ff:ff:ff']) {
      expect(isLocallyAdministered(mac)).toBe(true);
      expect(registry.lookup(mac)).toBeNull();
    }
    expect(isLocallyAdministered('00:50:56:c0:00:08')).toBe(false);
    expect(registry.lookup('01:00:5e:00:00:fb')).toBeNull(); // IPv4 multicast
    expect(registry.lookup('33:33:00:00:00:01')).toBeNull(); // IPv6 multicast (also local bit)
    expect(registry.lookup('ff:ff:ff:ff:ff:ff')).toBeNull();
    expect(registry.lookup('01:80:c2:00:00:0e')).toBeNull(); // LLDP group address, IEEE-assigned block
  });

  it('returns null for malformed MAC strings', () => {
    for (const bad of ['', 'zz', '00:50:56', '00:50:56:c0:00', '00:50:56:c0:00:08:09', '00:50-56:c0:00:08', '0:50:56:c0:0:8',
      ' 00:50:56:c0:00:08', '00:50:56:c0:00:0g', '0050.56c0.008', '005056c00008ab', '00::50:56:c0:00:08']) {
      expect(registry.lookup(bad)).toBeNull();
      expect(isLocallyAdministered(bad)).toBe(false);
    }
  });

  it.skipIf(!existsSync(DEBIAN_IEEE))('agrees with every IAB row and the registry of every MA-M and MA-S row of Debian ieee-data', () => {
    // Independent of the loader: the CSVs read here with a small quoted-field parser of their own.
    const rows = (file: string) =>
      readFileSync(join(DEBIAN_IEEE, file), 'utf8')
        .split('\n')
        .slice(1)
        // Quoted addresses may span lines: only lines that start a record are read.
        .filter((l) => /^(MA-L|MA-M|MA-S|IAB),[0-9A-F]+,/.test(l))
        .map((l) => {
          const m = /^([A-Z-]+),([0-9A-F]+),("(?:[^"]|"")*"|[^,]*),/.exec(l);
          if (!m) throw new Error(`unparsed row ${l}`);
          const org = m[3].startsWith('"') ? m[3].slice(1, -1).replace(/""/g, '"') : m[3];
          return { registry: m[1], hex: m[2], org: org.replace(/\s+/g, ' ').trim() };
        });
    const macOf = (hex: string) => (hex + '000000').slice(0, 12).replace(/(..)(?=.)/g, '$1:');
    let iab = 0;
    for (const r of rows('iab.csv')) {
      const hit = registry.lookup(macOf(r.hex));
      if (r.org === 'Private' || r.org === 'IEEE Registration Authority') expect(hit).toBeNull();
      else {
        expect(hit, r.hex).toMatchObject({ registry: 'IAB', organisation: r.org });
        iab++;
      }
    }
    expect(iab).toBeGreaterThan(4000);
    for (const [file, name] of [['mam.csv', 'MA-M'], ['oui36.csv', 'MA-S']] as const) {
      const all = rows(file);
      let unnamed = 0;
      for (const r of all) {
        const hit = registry.lookup(macOf(r.hex));
        // The package is newer: an entry may have become Private since, never another registry or prefix.
        if (hit === null) unnamed++;
        else expect(hit, r.hex).toMatchObject({ registry: name, prefix: r.hex.replace(/(..)(?=.)/g, '$1:') });
      }
      expect(unnamed).toBeLessThan(all.length / 20);
    }
  });
});

describe.skipIf(!existsSync(WIRESHARK_MANUF))("OuiRegistry against Wireshark's manuf (an independent copy of the IEEE listings)", () => {
  it('gives the same registry for every assignment, and the same organisation for nearly all', () => {
    let compared = 0;
    let sameName = 0;
    let unnamed = 0;
    for (const line of readFileSync(WIRESHARK_MANUF, 'utf8').split('\n')) {
      const fields = line.split('\t');
      if (line.startsWith('#') || fields.length < 3) continue;
      const [prefix, bitsText] = fields[0].split('/');
      const bits = bitsText === undefined ? 24 : Number(bitsText);
      const organisation = fields[2].replace(/\s+/g, ' ').trim();
      // Blocks the IEEE subdivides: a MAC in them belongs to a sub-assignment, tested on its own line.
      if (![24, 28, 36].includes(bits) || organisation === 'IEEE Registration Authority') continue;
      const hit = registry.lookup((prefix.replace(/:/g, '') + '000000').slice(0, 12));
      compared++;
      if (hit === null) {
        unnamed++;
        continue;
      }
      expect(bits === 24 ? ['MA-L'] : bits === 28 ? ['MA-M'] : ['MA-S', 'IAB'], line).toContain(hit.registry);
      expect(hit.prefix, line).toBe(prefix.toUpperCase().slice(0, bits === 24 ? 8 : bits === 28 ? 10 : 13));
      if (hit.organisation.toLowerCase() === organisation.toLowerCase()) sameName++;
    }
    expect(compared).toBeGreaterThan(45_000);
    // Both copies change with time (renamed and newly private assignments): close, not identical.
    expect(unnamed / compared).toBeLessThan(0.01);
    expect(sameName / compared).toBeGreaterThan(0.95);
  });
});

describe('OuiRegistry.load', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-oui-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads a supplement folder and says which file and line is corrupt', () => {
    const ouiData = join(dir, 'index.json');
    writeFileSync(ouiData, '{\n "005056": "VMware, Inc.\\nPalo Alto",\n "0050C2": "IEEE Registration Authority\\nPiscataway"\n}\n');
    const good = join(dir, 'good');
    const bad = join(dir, 'bad');
    for (const d of [good, bad]) mkdirSync(d);
    writeFileSync(join(good, 'extra.tsv'), '# comment\nIAB\t0050C27D5\tDEUTA-WERKE GmbH\n');
    const r = OuiRegistry.load({ ouiDataFile: ouiData, supplementDir: good });
    expect(r.lookup('00:50:c2:7d:51:23')?.organisation).toBe('DEUTA-WERKE GmbH');
    expect(r.lookup('00:50:c2:00:00:01')).toBeNull();
    expect(r.counts).toEqual({ 'MA-L': 2, 'MA-M': 0, 'MA-S': 0, IAB: 1 });

    writeFileSync(join(bad, 'extra.tsv'), '# comment\nIAB\t0050C27D5\tDEUTA-WERKE GmbH\nIAB\t0050C27\tShort prefix\n');
    expect(() => OuiRegistry.load({ ouiDataFile: ouiData, supplementDir: bad })).toThrow(`${join(bad, 'extra.tsv')}:3:`);
    writeFileSync(join(bad, 'extra.tsv'), 'MA-L 005056 spaces not tabs\n');
    expect(() => OuiRegistry.load({ ouiDataFile: ouiData, supplementDir: bad })).toThrow(`${join(bad, 'extra.tsv')}:1:`);

    const corrupt = join(dir, 'corrupt.json');
    writeFileSync(corrupt, '{\n "005056": "VMware, Inc.",\n "00505": "five digits"\n}\n');
    expect(() => OuiRegistry.load({ ouiDataFile: corrupt, supplementDir: good })).toThrow(`${corrupt}:3: prefix 00505`);
    writeFileSync(corrupt, '{\n "005056": "VMware, Inc.",\n "00505C": "trailing comma",\n}\n');
    expect(() => OuiRegistry.load({ ouiDataFile: corrupt, supplementDir: good })).toThrow(`${corrupt}:3: trailing comma`);
    writeFileSync(corrupt, '{\n "005056": "VMware, Inc.",\n "00505C": 7\n}\n');
    expect(() => OuiRegistry.load({ ouiDataFile: corrupt, supplementDir: good })).toThrow(`${corrupt}:3: the organisation of 00505C`);
    writeFileSync(corrupt, '{\n "005056": "VMware, Inc.",\n garbage\n}\n');
    expect(() => OuiRegistry.load({ ouiDataFile: corrupt, supplementDir: good })).toThrow(`${corrupt}:3:`);
  });
});

describe('canonicalVendor', () => {
  it('maps registry, DICOM and product spellings to one name', () => {
    expect(canonicalVendor('Philips Medical Systems - Cardiac and Monitoring Systems (CM')).toBe('Philips');
    expect(canonicalVendor('GE Medical Systems')).toBe('GE Healthcare');
    expect(canonicalVendor('GE MEDICAL SYSTEMS')).toBe('GE Healthcare');
    expect(canonicalVendor('G.E. Medical Systems')).toBe('GE Healthcare');
    expect(canonicalVendor('GE Medical System(China) Co., Ltd. ')).toBe('GE Healthcare');
    expect(canonicalVendor('Drägerwerk AG & Co. KG aA')).toBe('Draeger');
    expect(canonicalVendor('Draeger Medical Systems, Inc.')).toBe('Draeger');
    expect(canonicalVendor('Carefusion')).toBe('BD (CareFusion)');
    expect(canonicalVendor('Becton Dickinson')).toBe('BD (CareFusion)');
    expect(canonicalVendor('FRESENIUS-VIAL')).toBe('Fresenius Kabi');
    expect(canonicalVendor('Siemens Healthcare Diagnostics, Inc')).toBe('Siemens Healthineers');
    expect(canonicalVendor('SIEMENS BUILDING')).toBe('Siemens Smart Infrastructure');
    expect(canonicalVendor('Hewlett Packard')).toBe('HP');
    expect(canonicalVendor('Hewlett Packard Enterprise')).toBe('HPE (Aruba)');
    expect(canonicalVendor('HP Tuners LLC')).toBe('HP Tuners LLC');
    expect(canonicalVendor('Cisco Systems, Inc')).toBe('Cisco');
    expect(canonicalVendor('Dell Inc.')).toBe('Dell');
    expect(canonicalVendor('DellKing Industrial Co., Ltd')).toBe('DellKing Industrial Co., Ltd');
  });

  it('resolves ambiguous names only in a medical context', () => {
    expect(canonicalVendor('SIEMENS')).toBe('Siemens');
    expect(canonicalVendor('SIEMENS', 'medical')).toBe('Siemens Healthineers');
    expect(canonicalVendor('Siemens AG', 'medical')).toBe('Siemens Healthineers');
    expect(canonicalVendor('TOSHIBA_MEC')).toBe('Canon Medical (Toshiba)');
    expect(canonicalVendor('Toshiba')).toBe('Toshiba');
    expect(canonicalVendor('Toshiba', 'medical')).toBe('Canon Medical (Toshiba)');
    expect(canonicalVendor('CANON INC.')).toBe('Canon');
    expect(canonicalVendor('KODAK', 'medical')).toBe('Carestream');
  });

  it('returns unknown names trimmed', () => {
    expect(canonicalVendor('  ACME Widgets  ')).toBe('ACME Widgets');
    expect(canonicalVendor('')).toBe('');
  });

  it('maps every canonical name to itself, so rule and registry values fuse', () => {
    for (const v of vendorNames().vendors) {
      expect(canonicalVendor(v.name), v.name).toBe(v.name);
      // In a medical context a bare "Siemens" or "Toshiba" means the medical business.
      if (v.medical) expect(canonicalVendor(v.name, 'medical'), v.name).toBe(v.name);
    }
  });

  it('rejects a bad vendors file naming the file and the entry', () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-vendors-'));
    try {
      const file = join(dir, 'vendors.json');
      writeFileSync(file, JSON.stringify({ vendors: [{ name: 'A', medical: false, aliases: ['^a'] }, { name: 'B', medical: false, aliases: ['(unclosed'] }] }));
      expect(() => VendorNames.load(file)).toThrow(/vendors\.json: vendors\[1\] \(B\)\.aliases\[0\]/);
      writeFileSync(file, JSON.stringify({ vendors: [{ name: 'A', medical: 'yes', aliases: ['^a'] }] }));
      expect(() => VendorNames.load(file)).toThrow(/vendors\[0\] \(A\): "medical"/);
      writeFileSync(file, '{ "vendors": [ ');
      expect(() => VendorNames.load(file)).toThrow(file);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
