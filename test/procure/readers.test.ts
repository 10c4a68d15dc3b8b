/**
 * The NEMA example MDS2 and both SBOMs import without loss. The expected counts were found independently
 * of this code: the worksheet unzipped and its sheet XML read with Python's standard library (240 rows
 * whose column A is a question id; column C: 29 Yes, 112 No, 90 N/A, 1 "See Notes", 7 free-text DOC
 * answers, and DOC-10 empty with "See Note 1"; 8 notes), the SBOMs with Python's json module (55 and 65
 * components, none nested, every one with a CPE and a purl; 54 and 59 with a version).
 */
import { describe, expect, it } from 'vitest';
import { parseCandidate, CandidateError } from '../../src/procure/candidate.js';
import { readMds2 } from '../../src/procure/mds2-reader.js';
import { cpeParts, parseSbom, readSbom } from '../../src/procure/sbom-reader.js';
import { HAVE_PROCUREMENT, NEMA_MDS2, SBOM_EXTENDED, SBOM_NARROW, SKIP_REASON } from './procure-files.js';

describe.skipIf(!HAVE_PROCUREMENT)(`MDS2 and SBOM readers on the shared examples${SKIP_REASON}`, () => {
  it('reads every question of the NEMA HN 1-2019 example, keyed by id, and lists the unanswered one', async () => {
    const f = await readMds2(NEMA_MDS2);
    expect(f.sheet).toBe('mds2-form');
    expect(f.questions.size).toBe(240);
    const by = { Yes: 0, No: 0, 'N/A': 0, 'See Note': 0, text: 0, none: 0 };
    for (const q of f.questions.values()) by[q.answer ?? (q.raw ? 'text' : 'none')]++;
    expect(by).toEqual({ Yes: 29, No: 112, 'N/A': 90, 'See Note': 1, text: 7, none: 1 });
    expect(f.unanswered.map((q) => q.id)).toEqual(['DOC-10']);
    expect(f.unanswered[0].noteRef).toBe('Note 1');
    expect(f.notes.size).toBe(8);
    expect(f.notes.get('Note 8')).toContain('companywebsite');
    expect(f.errors).toEqual([]);
    expect(f.questions.get('TXCF-2')).toMatchObject({ answer: 'No', section: 'TXCF' });
    expect(f.questions.get('RMOT-1')?.answer).toBe('No');
    expect(f.questions.get('DOC-2')?.raw).toBe('Handheld Blood Glucose Monitor');
    // The worksheet's own typo is kept as written, not guessed into SAHD-15.
    expect(f.questions.get('SHAD-15')?.answer).toBe('Yes');
    expect(f.questions.get('MLDP-3')?.noteRef).toBe('Note 4');
  });

  it('reads both CycloneDX SBOMs with every component', () => {
    const narrow = readSbom(SBOM_NARROW);
    const extended = readSbom(SBOM_EXTENDED);
    expect([narrow.format, narrow.specVersion]).toEqual(['cyclonedx', '1.4']);
    expect(narrow.components.length).toBe(55);
    expect(extended.components.length).toBe(65);
    for (const s of [narrow, extended]) {
      expect(s.errors).toEqual([]);
      expect(s.components.every((c) => c.cpe && c.purl && c.supplier)).toBe(true);
    }
    expect(narrow.components.filter((c) => c.version).length).toBe(54);
    expect(extended.components.filter((c) => c.version).length).toBe(59);
    expect(narrow.components.filter((c) => c.endOfSupport === 'No longer supported').length).toBe(1);
    const unifi = extended.components.find((c) => c.name === 'UniFi Network Application')!;
    expect(unifi).toMatchObject({ version: '8.3.32', supplier: 'Ubiquiti', purl: 'pkg:generic/unifi_network_application@8.3.32' });
    expect(cpeParts(unifi.cpe)).toEqual({ vendor: 'ubiquiti', product: 'unifi_network_application', version: '8.3.32' });
  });
});

describe('bad inputs name the file and every problem', () => {
  it('a candidate lists every missing field at once', () => {
    let err: unknown;
    try {
      parseCandidate('vendor: Acme\nmodel: X1\ncount: 0\n', 'c.yaml');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(CandidateError);
    const p = (err as CandidateError).problems;
    expect(p[0]).toBe('missing fields: softwareVersion, category, site, zone, peers');
    expect(p).toContain('count: expected a whole number of at least 1, got 0');
    expect((err as Error).message).toContain('c.yaml');
  });

  it('a candidate with an unknown category or a bad port is refused', () => {
    const text = 'vendor: Acme\nmodel: X1\nsoftware_version: 2.1\ncategory: toaster\nsite: main\nzone: icu\npeers: [pacs]\ncount: 2\nlistens: [tcp/104, "port 80"]\n';
    expect(() => parseCandidate(text, 'c.yaml', new Set(['infusion-pump']))).toThrow(/toaster[\s\S]*listens\[1\]/);
    const ok = parseCandidate(text.replace('toaster', 'infusion-pump').replace(', "port 80"', ''), 'c.yaml', new Set(['infusion-pump']));
    expect(ok).toMatchObject({ softwareVersion: '2.1', peers: ['pacs'], count: 2, listens: ['tcp/104'] });
  });

  it('an SBOM keeps its valid components and names the bad ones; SPDX is read too', () => {
    const s = parseSbom(JSON.stringify({ bomFormat: 'CycloneDX', specVersion: '1.5', components: [{ name: 'openssl', version: '1.0.2k', cpe: 'cpe:2.3:a:openssl:openssl:1.0.2k:*:*:*:*:*:*:*' }, { version: '1' }, 'x'] }), 'b.json');
    expect(s.components.map((c) => c.name)).toEqual(['openssl']);
    expect(s.errors).toEqual(['b.json: components[1]: component without a name; skipped', 'b.json: components[2]: not an object; skipped']);
    const spdx = parseSbom(JSON.stringify({ spdxVersion: 'SPDX-2.3', name: 'dev', packages: [{ name: 'busybox', versionInfo: '1.31.1', supplier: 'Organization: BusyBox', externalRefs: [{ referenceType: 'cpe23Type', referenceLocator: 'cpe:2.3:a:busybox:busybox:1.31.1:*:*:*:*:*:*:*' }] }] }), 's.json');
    expect(spdx.components[0]).toMatchObject({ name: 'busybox', version: '1.31.1', supplier: 'BusyBox', cpe: 'cpe:2.3:a:busybox:busybox:1.31.1:*:*:*:*:*:*:*' });
    expect(() => parseSbom('{', 'x.json')).toThrow(/x\.json: not valid JSON/);
  });
});
