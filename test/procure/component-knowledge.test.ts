/**
 * SBOM components against real CVE records of ../shared/knowledge/vuln (CISA vulnrichment, read at test
 * time, never copied): OFFIS DCMTK in CVE-2022-2121 (CNA and ADP both say: before 3.6.7) found by CPE and
 * by a purl whose namespace names the vendor, FasterXML jackson-databind in CVE-2020-11113 (ADP: before
 * 2.9.10.4) found by a Maven purl. The versions tested are read from the records' own affected ranges:
 * one inside, and the bound itself, just outside.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { componentKnowledge, purlParts } from '../../src/procure/component-knowledge.js';
import { readSbom, type SbomComponent } from '../../src/procure/sbom-reader.js';
import { parseCve5 } from '../../src/vuln/import-cve5.js';
import type { KbProduct } from '../../src/vuln/product-match.js';
import { vendorKeys } from '../../src/vuln/vendor-key.js';
import { HAVE_PROCUREMENT, SBOM_EXTENDED } from './procure-files.js';

const VULNRICHMENT = join(import.meta.dirname, '../../../shared/knowledge/vuln/cve/vulnrichment');
const DCMTK = join(VULNRICHMENT, 'CVE-2022-2121.json');
const JACKSON = join(VULNRICHMENT, 'CVE-2020-11113.json');
const HAVE_RECORDS = existsSync(DCMTK) && existsSync(JACKSON);

type Rec = { containers: { cna: { affected: Aff[] }; adp?: { affected?: Aff[] }[] } };
type Aff = { vendor: string; product: string; versions: { version: string; lessThan?: string; status: string }[] };

/** The record's rows as the store keeps them. */
function rows(file: string): KbProduct[] {
  const keys = vendorKeys();
  return parseCve5(JSON.parse(readFileSync(file, 'utf8')), file).products.filter((p) => p.status === 'affected').map((p) => ({ ...p, source: file, vendorKey: keys.key(p.vendor), format: 'cve5' }));
}

/** The exclusive upper bound the record states for vendor/product, and a version just below it. */
function bound(file: string, vendor: RegExp): { inside: string; outside: string } {
  const rec = JSON.parse(readFileSync(file, 'utf8')) as Rec;
  const all = [...rec.containers.cna.affected, ...(rec.containers.adp ?? []).flatMap((a) => a.affected ?? [])];
  const lt = all.filter((a) => vendor.test(a.vendor)).flatMap((a) => a.versions).find((v) => v.status === 'affected' && v.lessThan)!.lessThan!;
  return { inside: lt.replace(/(\d+)$/, (d) => String(Number(d) - 1)), outside: lt };
}

const comp = (name: string, version: string | null, ids: { cpe?: string; purl?: string }): SbomComponent => ({ name, version, cpe: ids.cpe ?? null, purl: ids.purl ?? null, supplier: null, type: 'library', endOfSupport: null, support: null, bomRef: `ref-${name}-${version}` });

describe.skipIf(!HAVE_RECORDS)(`SBOM components against the knowledge base${HAVE_RECORDS ? '' : ' (skipped: ../shared/knowledge/vuln/cve/vulnrichment absent)'}`, () => {
  it('finds DCMTK by CPE inside the affected range of CVE-2022-2121 and not at its bound', () => {
    const { inside, outside } = bound(DCMTK, /offis/i);
    expect([inside, outside]).toEqual(['3.6.6', '3.6.7']);
    const cpe = (v: string) => `cpe:2.3:a:offis:dcmtk:${v}:*:*:*:*:*:*:*`;
    const [hit, miss, unknown] = componentKnowledge([comp('DCMTK', inside, { cpe: cpe(inside) }), comp('DCMTK', outside, { cpe: cpe(outside) }), comp('dcmtk', null, { cpe: 'cpe:2.3:a:offis:dcmtk:*:*:*:*:*:*:*:*' })], rows(DCMTK), vendorKeys());
    expect(hit.status).toBe('affected');
    expect(hit.identity).toEqual({ via: 'cpe', vendor: 'offis', product: 'dcmtk' });
    expect(hit.affected.map((r) => r.cve)).toEqual(['CVE-2022-2121']);
    expect(hit.affected[0].test).toContain(`version ${inside} within`);
    expect(hit.rows.length).toBeGreaterThan(0);
    expect(miss.status).toBe('not-affected');
    expect(miss.affected).toEqual([]);
    expect(miss.outside.map((r) => r.cve)).toEqual(['CVE-2022-2121']);
    expect(miss.reason).toContain(`version ${outside} is outside`);
    // No version anywhere: the record names the product, so it may be affected; said, not guessed.
    expect(unknown.status).toBe('possibly-affected');
    expect(unknown.possible[0].test).toMatch(/^version unknown/);
  });

  it('finds jackson-databind by its Maven purl (namespace names the vendor) inside CVE-2020-11113 and not at its bound', () => {
    const { inside, outside } = bound(JACKSON, /fasterxml/i);
    expect(outside).toBe('2.9.10.4');
    const purl = (v: string) => `pkg:maven/com.fasterxml.jackson.core/jackson-databind@${v}`;
    const [hit, miss] = componentKnowledge([comp('jackson-databind', null, { purl: purl(inside) }), comp('jackson-databind', null, { purl: purl(outside) })], rows(JACKSON), vendorKeys());
    expect(hit).toMatchObject({ status: 'affected', version: inside, identity: { via: 'purl', product: 'jackson-databind' } });
    expect(hit.affected.map((r) => r.cve)).toEqual(['CVE-2020-11113']);
    expect(miss).toMatchObject({ status: 'not-affected', version: outside });
  });

  it('a purl without a namespace, or another vendor, is no knowledge, with the reason', () => {
    const { inside } = bound(DCMTK, /offis/i);
    const [bare, other] = componentKnowledge([comp('dcmtk', inside, { purl: `pkg:generic/dcmtk@${inside}` }), comp('dcmtk', inside, { cpe: `cpe:2.3:a:someone_else:dcmtk:${inside}:*:*:*:*:*:*:*` })], rows(DCMTK), vendorKeys());
    expect(bare.status).toBe('no-knowledge');
    expect(bare.reason).toContain('pkg:generic/dcmtk');
    expect(other.status).toBe('no-knowledge');
    expect(other.affected).toEqual([]);
  });

  it.skipIf(!HAVE_PROCUREMENT)('gives every component of the shared extended SBOM an answer; a vendor the records know but not the product is said so', () => {
    const sbom = readSbom(SBOM_EXTENDED);
    const known = componentKnowledge(sbom.components, [...rows(DCMTK), ...rows(JACKSON)], vendorKeys());
    expect(known.length).toBe(65);
    expect(known.every((k) => k.status === 'no-knowledge' && /^no knowledge: no record of the knowledge base names CPE /.test(k.reason))).toBe(true);
    const [sibling] = componentKnowledge([comp('dcmqrscp', '3.6.6', { cpe: 'cpe:2.3:a:offis:dcmqrscp:3.6.6:*:*:*:*:*:*:*' })], rows(DCMTK), vendorKeys());
    expect(sibling.reason).toMatch(/records of vendor (OFFIS|offis), none of this product/);
  });
});

describe('purl parts', () => {
  it('splits type, namespace, name and version, percent-decoded', () => {
    expect(purlParts('pkg:npm/%40angular/core@16.2.0?arch=x#sub')).toEqual({ type: 'npm', namespace: ['@angular'], name: 'core', version: '16.2.0' });
    expect(purlParts('pkg:generic/edgeos@2.0.9-hotfix.7')).toEqual({ type: 'generic', namespace: [], name: 'edgeos', version: '2.0.9-hotfix.7' });
    expect(purlParts('not a purl')).toBeNull();
  });
});
