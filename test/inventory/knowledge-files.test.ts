import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { FingerprintRules } from '../../src/inventory/fingerprint-rules.js';
import { OuiRegistry } from '../../src/inventory/oui.js';
import { Taxonomy } from '../../src/inventory/taxonomy.js';
import { VendorNames, canonicalVendor } from '../../src/inventory/vendor-names.js';

const ROOT = join(import.meta.dirname, '../..');
const KNOWLEDGE = join(ROOT, 'knowledge');
const SHARED = join(ROOT, '../shared/knowledge');
/** IANA Private Enterprise Numbers as Wireshark ships them (libwireshark-data), installed with tshark. */
const WIRESHARK_ENTERPRISES = '/usr/share/wireshark/enterprises.tsv';

/** Facts the inventory adds besides observations. */
const INVENTORY_KEYS = ['oui.vendor', 'oui.organisation', 'zone.kind', 'service.listen', 'service.client'];

interface RawRule {
  id: string;
  when: { key: string }[];
  then: Record<string, string>;
  source: string;
}

function ruleFiles(): string[] {
  const dir = join(KNOWLEDGE, 'fingerprints');
  return readdirSync(dir)
    .filter((n) => /\.(json|ya?ml)$/.test(n))
    .map((n) => join(dir, n));
}

function rawRules(file: string): RawRule[] {
  const text = readFileSync(file, 'utf8');
  return ((file.endsWith('.json') ? JSON.parse(text) : parseYaml(text)) as { rules: RawRule[] }).rules;
}

describe('shipped knowledge files', () => {
  it('all load and validate', () => {
    expect(VendorNames.load().vendors.length).toBeGreaterThan(50);
    expect(Taxonomy.load().categories.length).toBe(33);
    const rules = FingerprintRules.load();
    expect(rules.size).toBe(ruleFiles().reduce((n, f) => n + rawRules(f).length, 0));
    const oui = OuiRegistry.load();
    expect(oui.counts['MA-L']).toBeGreaterThan(30_000);
    expect(oui.counts.IAB).toBeGreaterThan(4_000);
  });

  it('has rule files of JSON and YAML, one per family, with unique ids and a source for every rule', () => {
    const files = ruleFiles();
    expect(files.some((f) => f.endsWith('.json'))).toBe(true);
    expect(files.some((f) => /\.ya?ml$/.test(f))).toBe(true);
    const ids = new Set<string>();
    for (const f of files) {
      for (const r of rawRules(f)) {
        expect(ids.has(r.id), r.id).toBe(false);
        ids.add(r.id);
        expect(r.source.trim().length, r.id).toBeGreaterThan(5);
      }
    }
  });

  it('uses only observation keys that exist (docs/observations.md, the medical dissectors in progress, inventory facts)', () => {
    const doc = readFileSync(join(ROOT, 'docs/observations.md'), 'utf8');
    const documented = new Set([...doc.matchAll(/^\| `([a-z0-9_.-]+)` \|/gm)].map((m) => m[1]));
    expect(documented.has('dhcp.vendor_class')).toBe(true);
    const known = new Set([...documented, ...INVENTORY_KEYS]);
    for (const f of ruleFiles()) {
      for (const r of rawRules(f)) for (const c of r.when) expect(known.has(c.key), `${r.id}: ${c.key}`).toBe(true);
    }
  });

  it('sets only categories and roles of the taxonomy, and vendors by their canonical names', () => {
    const taxonomy = Taxonomy.load();
    let checked = 0;
    for (const f of ruleFiles()) {
      for (const r of rawRules(f)) {
        if (r.then.category !== undefined) expect(taxonomy.category(r.then.category), `${r.id}: ${r.then.category}`).toBeDefined();
        if (r.then.role !== undefined) expect(taxonomy.role(r.then.role), `${r.id}: ${r.then.role}`).toBeDefined();
        const vendor = r.then.vendor;
        if (vendor !== undefined && !vendor.includes('$')) {
          expect(canonicalVendor(vendor), `${r.id}: ${vendor}`).toBe(vendor);
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThan(50);
  });

  it('keeps the Fingerbank licence notice with the derived rules and in the README', () => {
    const fingerbank = JSON.parse(readFileSync(join(KNOWLEDGE, 'fingerprints/fingerbank-dhcp.json'), 'utf8')) as Record<string, string>;
    expect(fingerbank.licence).toMatch(/Open Database License 1\.0/);
    expect(fingerbank.attribution).toMatch(/FingerBank v6\.8\.2/);
    const readme = readFileSync(join(KNOWLEDGE, 'README.md'), 'utf8');
    expect(readme).toMatch(/ODbL/);
    expect(readme).toMatch(/WTFPL/);
  });

  it('documents every file of its own in knowledge/README.md', () => {
    const readme = readFileSync(join(KNOWLEDGE, 'README.md'), 'utf8');
    const files = ['vendors.json', 'taxonomy.json', ...readdirSync(join(KNOWLEDGE, 'oui')).map((n) => `oui/${n}`), ...readdirSync(join(KNOWLEDGE, 'fingerprints')).map((n) => `fingerprints/${n}`)];
    for (const f of files) expect(readme, f).toContain(f);
  });

  it.skipIf(!existsSync(WIRESHARK_ENTERPRISES))('names, in SNMP enterprise rules, the vendor IANA registered the enterprise number to', () => {
    const enterprises = new Map(
      readFileSync(WIRESHARK_ENTERPRISES, 'utf8')
        .split('\n')
        .filter((l) => /^\d+\t/.test(l))
        .map((l) => l.split('\t') as [string, string]),
    );
    let checked = 0;
    for (const f of ruleFiles()) {
      for (const r of rawRules(f)) {
        const c = r.when[0] as { key: string; prefix?: string };
        const pen = c.key === 'snmp.sysobjectid' && c.prefix !== undefined ? /^1\.3\.6\.1\.4\.1\.(\d+)\.$/.exec(c.prefix)?.[1] : undefined;
        if (pen === undefined || r.then.vendor === undefined) continue;
        const registered = enterprises.get(pen);
        expect(registered, `${r.id}: enterprise ${pen}`).toBeDefined();
        expect(canonicalVendor(registered!), `${r.id}: ${registered}`).toBe(r.then.vendor);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(15);
  });

  it("agrees with the simulator's device models: categories, roles, and vendors of the registered OUIs", () => {
    const taxonomy = Taxonomy.load();
    const catalogue = JSON.parse(readFileSync(join(KNOWLEDGE, 'simulator/catalogue.json'), 'utf8')) as {
      devices: { id: string; category: string; role: string; vendor: string; ouiOrganization: string }[];
    };
    for (const d of catalogue.devices) {
      const category = taxonomy.category(d.category);
      expect(category, d.id).toBeDefined();
      expect(taxonomy.role(d.role)?.categories, d.id).toContain(d.category);
      // A registry name is ambiguous only where the device's being medical settles it (Siemens AG, Toshiba).
      const context = category!.medical ? 'medical' : 'any';
      expect(canonicalVendor(d.ouiOrganization, context), `${d.id}: ${d.ouiOrganization}`).toBe(canonicalVendor(d.vendor, context));
    }
  });
});

describe.skipIf(!existsSync(SHARED))('generated knowledge is up to date with its sources in ../shared', () => {
  let out: string;
  beforeAll(() => {
    out = mkdtempSync(join(tmpdir(), 'vigil-knowledge-'));
  });
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it('knowledge/oui/ieee-supplement.tsv is what scripts/make-oui-data.sh makes', () => {
    const file = join(out, 'ieee-supplement.tsv');
    execFileSync(join(ROOT, 'scripts/make-oui-data.sh'), [join(SHARED, 'oui/debian-ieee-data'), file], { stdio: 'pipe' });
    expect(readFileSync(file, 'utf8')).toBe(readFileSync(join(KNOWLEDGE, 'oui/ieee-supplement.tsv'), 'utf8'));
  });

  it('knowledge/fingerprints/fingerbank-dhcp.json is what scripts/make-fingerbank-rules.sh makes', () => {
    const file = join(out, 'fingerbank-dhcp.json');
    execFileSync(join(ROOT, 'scripts/make-fingerbank-rules.sh'), [join(SHARED, 'fingerprints/fingerbank'), file], { stdio: 'pipe' });
    expect(readFileSync(file, 'utf8')).toBe(readFileSync(join(KNOWLEDGE, 'fingerprints/fingerbank-dhcp.json'), 'utf8'));
  });
});
