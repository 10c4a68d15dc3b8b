import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CATEGORY_IDS, loadPortHints, MAX_CONFIDENCE, PortHintError } from '../../src/inventory/port-hints.js';

const DEFAULT = new URL('../../knowledge/port-hints.json', import.meta.url).pathname;
const TAXONOMY = JSON.parse(readFileSync(new URL('../../knowledge/taxonomy.json', import.meta.url), 'utf8')) as { categories: Array<{ id: string }> };
const dir = mkdtempSync(join(tmpdir(), 'vigil-port-hints-'));
let n = 0;
function file(content: unknown): string {
  const path = join(dir, `hints-${n++}.json`);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}
const entry = (over: Record<string, unknown> = {}) => ({
  transport: 'tcp', port: 4000, protocol: 'test-proto', vendors: ['Acme'], categories: ['lab-analyzer'], roles: ['lab-analyzer'], confidence: 0.2, source: 'Acme interface manual, section 3', ...over,
});

describe('loadPortHints', () => {
  const hints = loadPortHints();

  it('loads the shipped file: published medical ports, each sourced and low-confidence', () => {
    expect(hints.all.length).toBeGreaterThanOrEqual(10);
    for (const h of hints.all) {
      expect(h.confidence).toBeLessThanOrEqual(MAX_CONFIDENCE);
      expect(h.source.length).toBeGreaterThan(8);
      expect(h.file).toBe(DEFAULT);
    }
    expect(hints.hintsFor('tcp', 104).map((h) => h.protocol)).toEqual(['dicom']);
    expect(hints.hintsFor('udp', 24005)[0].vendors).toEqual(['Philips']);
    expect(hints.hintsFor('tcp', 2575)[0].categories).toContain('hl7-engine');
    expect(hints.hintsFor('udp', 104)).toEqual([]);
    expect(hints.hintsFor('tcp', 65000)).toEqual([]);
  });

  it('names vendor ports from published manuals, lower when other software shares the port', () => {
    const transfer = hints.hintsFor('tcp', 10001);
    expect(transfer.map((h) => [h.protocol, h.vendors, h.categories])).toEqual([['ge-carescape-software-transfer', ['GE Healthcare'], ['patient-monitor']]]);
    expect(transfer[0].source).toMatch(/CARESCAPE Monitor B850 technical manual 2106778-001.*IX port/);
    // Webmin's default port: the manual lists it, but any Linux host may answer there.
    const webmin = hints.hintsFor('tcp', 10000)[0];
    expect(webmin.vendors).toEqual(['GE Healthcare']);
    expect(webmin.confidence).toBeLessThan(transfer[0].confidence);
    expect(hints.hintsFor('udp', 2000)[0].categories).toEqual(['patient-monitor', 'central-station']);
    expect(hints.hintsFor('udp', 7000)[0].protocol).toBe('ge-carescape-discovery');
    expect(hints.hintsFor('tcp', 2000)).toEqual([]);
    expect(hints.hintsFor('tcp', 12575)[0]).toMatchObject({ protocol: 'hl7-mllp-tls', vendors: ['dcm4che'] });
    expect(hints.hintsFor('tcp', 3613)[0].vendors).toEqual(['BD (CareFusion)']);
  });

  it('names vendors by their canonical names (knowledge/vendors.json) and every source by its address', () => {
    const names = new Set((JSON.parse(readFileSync(new URL('../../knowledge/vendors.json', import.meta.url), 'utf8')) as { vendors: Array<{ name: string }> }).vendors.map((v) => v.name));
    for (const h of hints.all) for (const v of h.vendors) expect(names, `${h.transport}/${h.port}`).toContain(v);
    for (const h of hints.all.filter((x) => x.vendors.length > 0 && !['Orthanc', 'Philips'].includes(x.vendors[0]))) expect(h.source, `${h.transport}/${h.port}`).toMatch(/https:\/\//);
  });

  it('expands a category pattern to every matching id of the vocabulary', () => {
    expect(hints.hintsFor('tcp', 11112)[0].categories).toEqual(expect.arrayContaining(['imaging-ct', 'imaging-mr', 'imaging-xa', 'pacs']));
  });

  it('uses the taxonomy vocabulary exactly', () => {
    expect([...CATEGORY_IDS].sort()).toEqual(TAXONOMY.categories.map((c) => c.id).sort());
  });

  it('extends the default with a user file, keeping file order per port', () => {
    const mine = file({ hints: [entry({ port: 104, protocol: 'local-pacs', vendors: ['Site'] }), entry()] });
    const both = loadPortHints([DEFAULT, mine]);
    expect(both.hintsFor('tcp', 104).map((h) => h.protocol)).toEqual(['dicom', 'local-pacs']);
    expect(both.hintsFor('tcp', 4000)[0].file).toBe(mine);
  });

  const bad: Array<[string, unknown, RegExp]> = [
    ['not JSON', '{"hints": [', /cannot read port hints/],
    ['no hints array', { entries: [] }, /"hints" array/],
    ['an unknown field', { hints: [entry({ colour: 'red' })] }, /hints\[0\] \(tcp\/4000\): unknown field "colour"/],
    ['a missing field', { hints: [(({ source: _s, ...rest }) => rest)(entry())] }, /missing field "source"/],
    ['a bad transport', { hints: [entry(), entry({ transport: 'sctp' })] }, /hints\[1\] \(sctp\/4000\): transport/],
    ['a port out of range', { hints: [entry({ port: 70000 })] }, /port must be an integer/],
    ['an unknown category', { hints: [entry({ categories: ['toaster'] })] }, /unknown category "toaster"/],
    ['a pattern matching nothing', { hints: [entry({ categories: ['xray-*'] })] }, /unknown category "xray-\*"/],
    ['an unknown role', { hints: [entry({ roles: ['wizard'] })] }, /unknown role "wizard"/],
    ['an overconfident hint', { hints: [entry({ confidence: 0.9 })] }, /confidence must be a number in \(0, 0.3\]/],
    ['no source', { hints: [entry({ source: '' })] }, /source must say where/],
    ['vendors not strings', { hints: [entry({ vendors: [1] })] }, /vendors must be an array/],
  ];
  for (const [what, content, message] of bad) {
    it(`fails on ${what}, naming the file and the entry`, () => {
      const path = file(content);
      expect(() => loadPortHints([path])).toThrow(PortHintError);
      expect(() => loadPortHints([path])).toThrow(message);
      expect(() => loadPortHints([path])).toThrow(path);
    });
  }
});
