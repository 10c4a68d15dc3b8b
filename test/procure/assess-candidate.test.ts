/**
 * Candidates assessed against the analysed demo hospital (data/demo/hospital-demo.pcapng.gz with its site
 * file and the bundled knowledge base): the report is complete with the shared MDS2 and SBOM; two
 * candidates of one category that differ only in encryption and patching differ in risk, controls and
 * clauses exactly as knowledge/procure/mds2-controls.json says.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assessCandidate, type ProcurementReport } from '../../src/procure/assess-candidate.js';
import { parseCandidate, type Candidate } from '../../src/procure/candidate.js';
import { loadProcureKnowledge } from '../../src/procure/mds2-controls.js';
import { readMds2, type Mds2Form, type Mds2Question } from '../../src/procure/mds2-reader.js';
import { REPORT_SECTIONS, renderHtml, writeReport } from '../../src/procure/procurement-report.js';
import { readSbom } from '../../src/procure/sbom-reader.js';
import { InventoryStore } from '../../src/store/inventory-store.js';
import { procureAssessCommand } from '../../src/cli/procure-command.js';
import { analysedDemoStore } from '../api/api-fixture.js';
import { HAVE_PROCUREMENT, NEMA_MDS2, SBOM_EXTENDED, SKIP_REASON } from './procure-files.js';

const MONITOR = `vendor: Philips
model: IntelliVue MX450
software_version: M.00.03
category: patient-monitor
site: main
zone: icu
peers: [central-station, hl7-engine, 10.40.0.99]
count: 4
`;
const PUMP = (vendor: string) => `vendor: ${vendor}
model: SafeDrip 3
softwareVersion: 2.0
category: infusion-pump
site: main
zone: wards
peers: [pump-server]
count: 10
`;

/** A copy of the form with some answers replaced: the vendor's form as a second vendor would fill it. */
function withAnswers(form: Mds2Form, answers: Record<string, 'Yes' | 'No'>): Mds2Form {
  const questions = new Map<string, Mds2Question>();
  for (const [id, q] of form.questions) questions.set(id, answers[id] ? { ...q, raw: answers[id], answer: answers[id] } : q);
  return { ...form, questions, unanswered: form.unanswered.filter((q) => !answers[q.id]) };
}

describe.skipIf(!HAVE_PROCUREMENT)(`procurement assessment on the demo hospital${SKIP_REASON}`, () => {
  let fixture: Awaited<ReturnType<typeof analysedDemoStore>>;
  let store: InventoryStore;
  let form: Mds2Form;
  beforeAll(async () => {
    fixture = await analysedDemoStore();
    store = await InventoryStore.open(fixture.db);
    form = await readMds2(NEMA_MDS2);
  }, 300_000);
  afterAll(async () => {
    await store?.close();
    fixture?.cleanup();
  });

  let report: ProcurementReport;
  it('assesses a monitor with the NEMA MDS2 and the extended SBOM, every section present', async () => {
    const sbom = readSbom(SBOM_EXTENDED);
    report = await assessCandidate(store, parseCandidate(MONITOR, 'monitor.yaml'), form, sbom);
    expect(report.inputs.mds2).toMatchObject({ questions: 240, notes: 8, answers: { Yes: 29, No: 112, 'N/A': 90, 'See Note': 1, 'free text': 7, none: 1 } });
    expect(report.inputs.mds2!.unanswered.map((q) => q.id)).toEqual(['DOC-10']);
    expect(report.inputs.sbom!.components).toBe(65);
    // Peers: a role and an unknown address.
    expect(report.placement.peers[0]).toMatchObject({ asked: 'central-station', by: 'role' });
    expect(report.placement.peers[0].devices.length).toBeGreaterThan(0);
    expect(report.placement.unresolvedPeers).toEqual(['10.40.0.99']);
    expect(report.placement.zone).toMatchObject({ id: 'icu', kind: 'clinical' });
    // SBOM coverage is accounted for: every component is either checked or said not to be.
    const comp = report.vulnerabilities.components!;
    expect(comp.total).toBe(65);
    expect(comp.checkable + comp.notCheckable.length).toBe(65);
    expect(comp.matched).toBeLessThanOrEqual(comp.checkable);
    expect(comp.pastEndOfSupport.map((x) => x.endOfSupport)).toEqual(['No longer supported']);
    expect(report.vulnerabilities.kbEmpty).toBe(false);
    // The live model: rank among the 171 demo devices plus the candidate.
    expect(report.risk.of).toBe(172);
    expect(report.risk.rank).toBeGreaterThanOrEqual(1);
    expect(report.risk.score.factors.map((f) => f.id)).toEqual(expect.arrayContaining(['safety-class', 'criticality', 'privacy-class']));
    // NEMA's example answers RMOT-1 No and TXCF-2 No (with MPII-3 Yes): no remote-service gap, an encryption gap.
    const gapRules = report.gaps.gaps.map((g) => g.rule);
    expect(gapRules).toContain('transmission-encryption');
    expect(gapRules).toContain('malware-protection');
    expect(gapRules).not.toContain('remote-service');
    expect(report.gaps.met.map((m) => m.rule)).toContain('remote-service');
    expect(report.risk.score.factors.map((f) => f.id)).toContain('cleartext-phi-hl7');
    expect(report.clauses.length).toBeGreaterThan(5);
    // The guideline: no monitor talks to a central station in the demo capture, so the flows are the peers'
    // listening services, marked to confirm; the infrastructure is what the demo's monitors use.
    expect(report.guideline.allow.length).toBeGreaterThan(0);
    expect(report.guideline.allow.every((a) => /monitored trial/.test(a.basis))).toBe(true);
    expect(report.guideline.infrastructure.map((i) => i.service)).toContain('ntp udp/123');
    expect(report.risk.score.factors.find((f) => f.id === 'cleartext-phi-hl7')!.detail).toBe('MDS2 TXCF-2 = No');
    // Monitors of this model are on the network: declared vs observed compares against them.
    expect(report.declaredVsObserved.devices.length).toBe(11);
    expect(report.declaredVsObserved.listening.length).toBeGreaterThanOrEqual(0);
    const html = renderHtml(report);
    for (const id of REPORT_SECTIONS) expect(html).toContain(`<section id="${id}">`);
    expect(html).not.toMatch(/<script|<link|src="http|href="http/);
  });

  it('a candidate of the same category that encrypts and patches scores lower, with fewer controls and clauses', async () => {
    const k = loadProcureKnowledge();
    const good = withAnswers(form, { 'TXCF-2': 'Yes', 'CSUP-11': 'Yes', 'CSUP-7': 'Yes' });
    const bad = withAnswers(form, { 'TXCF-2': 'No', 'CSUP-11': 'No', 'CSUP-7': 'No' });
    const a = await assessCandidate(store, parseCandidate(PUMP('Goodpump'), 'a.yaml'), good);
    const b = await assessCandidate(store, parseCandidate(PUMP('Badpump'), 'b.yaml'), bad);
    const rules = (r: ProcurementReport) => new Set(r.gaps.gaps.map((g) => g.rule));
    const onlyB = [...rules(b)].filter((x) => !rules(a).has(x)).sort();
    // TXCF-2.1 (encryption not configurable) applies only where TXCF-2 is No: the data's appliesWhen.
    expect(onlyB).toEqual(['transmission-encryption', 'transmission-encryption-configurable', 'update-notification', 'vulnerability-process']);
    expect([...rules(a)].filter((x) => !rules(b).has(x))).toEqual([]);
    // Clauses: exactly those the data file gives for the three rules (TXCF-2.1 applies only when TXCF-2 is No).
    const clause = (id: string) => k.rules.find((r) => r.id === id)!.clause!;
    const clausesOf = (r: ProcurementReport) => new Set(r.clauses.map((c) => c.clause));
    for (const id of ['transmission-encryption', 'vulnerability-process', 'update-notification']) {
      expect(clausesOf(b).has(clause(id))).toBe(true);
      expect(clausesOf(a).has(clause(id))).toBe(false);
    }
    // Risk: the cleartext-HL7 fact and the no-patch-process factor, with the weights the data and the model give.
    const factors = (r: ProcurementReport) => new Map(r.risk.score.factors.map((f) => [f.id, f.weight]));
    expect(factors(b).get('cleartext-phi-hl7')).toBe(0.25);
    expect(factors(b).get('mds2-no-patch-process')).toBe(k.rules.find((r) => r.id === 'vulnerability-process')!.risk!.factor!.weight);
    expect(factors(a).has('cleartext-phi-hl7')).toBe(false);
    expect(factors(a).has('mds2-no-patch-process')).toBe(false);
    expect(b.risk.score.likelihood).toBeGreaterThan(a.risk.score.likelihood);
    expect(b.risk.score.score).toBeGreaterThan(a.risk.score.score);
    expect(b.risk.rank).toBeLessThanOrEqual(a.risk.rank);
    // Pumps talk to the pump server here: the allowlist says so.
    expect(a.guideline.allow).toContainEqual({ from: 'Goodpump SafeDrip 3', to: expect.any(String), service: 'tcp/443 (tls)', basis: 'infusion-pump devices on this network connect to pump-server on tcp/443' });
    // The same placement for both: the difference is the vendor's answers only.
    expect(a.guideline.allow.map((x) => [x.to, x.service, x.basis])).toEqual(b.guideline.allow.map((x) => [x.to, x.service, x.basis]));
    expect(a.risk.score.criticality).toBe(b.risk.score.criticality);
  });

  it('checks declared answers against the traffic of devices of the same model', async () => {
    // The demo's CT scanner that runs a remote-access tool, whichever it is.
    const ct = await store.db
      .selectFrom('observations')
      .innerJoin('devices', 'devices.id', 'observations.device_id')
      .select(['devices.vendor', 'devices.model', 'devices.hostname'])
      .where('key', '=', 'remote-access.tool')
      .where('devices.category', '=', 'imaging-ct')
      .executeTakeFirstOrThrow();
    const cand = `vendor: ${ct.vendor}\nmodel: ${ct.model}\nsoftwareVersion: "1"\ncategory: imaging-ct\nsite: main\nzone: radiology\npeers: [pacs]\ncount: 1\n`;
    const declaredClean = withAnswers(form, { 'RMOT-1': 'No', 'TXCF-2': 'Yes' });
    const r = await assessCandidate(store, parseCandidate(cand, 'ct.yaml'), declaredClean);
    expect(r.declaredVsObserved.devices.map((d) => d.label)).toContain(ct.hostname);
    const byQ = new Map(r.declaredVsObserved.findings.map((f) => [f.question, f]));
    expect(byQ.get('RMOT-1')).toMatchObject({ declared: 'No', observed: 'remote-access.tool' });
    expect(byQ.get('RMOT-1')!.devices).toContain(ct.hostname);
    // The same model answering honestly raises no such finding.
    const honest = await assessCandidate(store, parseCandidate(cand, 'ct.yaml'), withAnswers(form, { 'RMOT-1': 'Yes' }));
    expect(honest.declaredVsObserved.findings.map((f) => f.question)).not.toContain('RMOT-1');
    expect(honest.gaps.gaps.map((g) => g.rule)).toContain('remote-service');
    expect(honest.risk.score.factors.map((f) => f.id)).toContain('remote-access-tool');
    // With no MDS2, traffic proposes the answer.
    const noForm = await assessCandidate(store, parseCandidate(cand, 'ct.yaml'));
    expect(noForm.declaredVsObserved.proposed).toContainEqual({ question: 'RMOT-1', answer: 'Yes', because: expect.stringContaining('remote-access.tool') });
  });

  it('with no MDS2, every control rule is an open question and the report says so', async () => {
    const r = await assessCandidate(store, parseCandidate(PUMP('Nopump'), 'c.yaml'));
    expect(r.gaps.gaps).toEqual([]);
    expect(r.gaps.openQuestions.length).toBe(loadProcureKnowledge().rules.length);
    expect(renderHtml(r)).toContain('No MDS2 form given');
  });

  it('vigil procure assess writes the HTML and JSON report', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-procure-'));
    try {
      const cand = join(dir, 'c.yaml');
      (await import('node:fs')).writeFileSync(cand, MONITOR);
      const code = await procureAssessCommand(cand, { mds2: NEMA_MDS2, sbom: SBOM_EXTENDED, report: join(dir, 'out'), db: fixture.db, json: false });
      expect(code).toBe(0);
      const json = JSON.parse(readFileSync(join(dir, 'out', 'procurement-report.json'), 'utf8')) as ProcurementReport;
      expect(json.inputs.mds2!.questions).toBe(240);
      expect(existsSync(join(dir, 'out', 'procurement-report.html'))).toBe(true);
      (await import('node:fs')).writeFileSync(cand, 'vendor: X\n');
      expect(await procureAssessCommand(cand, { report: join(dir, 'out2'), db: fixture.db })).toBe(2);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    void writeReport;
  });
});
