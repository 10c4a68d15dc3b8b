/**
 * Candidates assessed against the analysed demo hospital (data/demo/hospital-demo.pcapng.gz with its site
 * file and the bundled knowledge base): the report is complete with the shared MDS2 and SBOM; two
 * candidates of one category that differ only in encryption and patching differ in risk, controls and
 * clauses exactly as knowledge/procure/mds2-controls.json says.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assessCandidate, type ProcurementReport } from '../../src/procure/assess-candidate.js';
import { parseCandidate, type Candidate } from '../../src/procure/candidate.js';
import { loadProcureKnowledge } from '../../src/procure/mds2-controls.js';
import { readMds2, type Mds2Form, type Mds2Question } from '../../src/procure/mds2-reader.js';
import { REPORT_SECTIONS, renderHtml, writeReport } from '../../src/procure/procurement-report.js';
import { parseSbom, readSbom } from '../../src/procure/sbom-reader.js';
import { InventoryStore } from '../../src/store/inventory-store.js';
import { procureAssessCommand } from '../../src/cli/procure-command.js';
import { analysedDemoStore } from '../api/api-fixture.js';
import { HAVE_PROCUREMENT, NEMA_MDS2, SBOM_EXTENDED, SKIP_REASON } from './procure-files.js';

const CHROMIUM = process.env.VIGIL_CHROMIUM ?? '/usr/bin/chromium';
const NO_CHROMIUM = existsSync(CHROMIUM) ? '' : ` (skipped: no Chromium at ${CHROMIUM})`;
const hasCommand = (cmd: string) => {
  try {
    execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
};

/** Runs the CLI command with stderr captured: the notices it prints are part of what is tested. */
async function withStderr<T>(run: () => Promise<T>): Promise<{ result: T; stderr: string }> {
  const orig = process.stderr.write.bind(process.stderr);
  let stderr = '';
  process.stderr.write = ((chunk: string | Uint8Array) => {
    stderr += String(chunk);
    return true;
  }) as typeof process.stderr.write;
  try {
    return { result: await run(), stderr };
  } finally {
    process.stderr.write = orig;
  }
}

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
    // The live model: rank among the demo's devices plus the candidate.
    expect(report.risk.of).toBe((await store.devices()).length + 1);
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
    // The guideline: the demo's central stations open IntelliVue Data Export to their monitors (udp/24105), so
    // that flow is allowed as observed; peers no monitor talks to yet give their listening services, marked to
    // confirm in a monitored trial; the infrastructure is what the demo's monitors use.
    const observed = report.guideline.allow.filter((a) => !/monitored trial/.test(a.basis));
    expect(observed.length).toBeGreaterThan(0);
    for (const a of observed) expect(a).toMatchObject({ to: 'Philips IntelliVue MX450', service: 'udp/24105 (intellivue)', basis: 'central-station devices connect to patient-monitor devices on udp/24105' });
    expect(report.guideline.allow.length).toBeGreaterThan(observed.length);
    expect(report.guideline.infrastructure.map((i) => i.service)).toContain('ntp udp/123');
    expect(report.risk.score.factors.find((f) => f.id === 'cleartext-phi-hl7')!.detail).toBe('MDS2 TXCF-2 = No');
    // Monitors of this model are on the network: declared vs observed compares against them.
    const truth = JSON.parse(readFileSync(new URL('../../data/demo/hospital-demo.truth.json', import.meta.url), 'utf8')) as { devices: { model: string }[] };
    expect(report.declaredVsObserved.devices.length).toBe(truth.devices.filter((d) => d.model === 'IntelliVue MX450').length);
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

  it('rescores the candidate with the secure configuration guideline applied, naming every factor it removes', async () => {
    // A weak pump: in the guest Wi-Fi, always-on remote service, unneeded ports open, talking to the internet, no encryption.
    const weak = withAnswers(form, { 'RMOT-1': 'Yes', 'SAHD-8': 'No', 'CONN-4': 'Yes', 'TXCF-2': 'No' });
    const r = await assessCandidate(store, parseCandidate(PUMP('Weakpump').replace('zone: wards', 'zone: guest-wifi'), 'w.yaml'), weak);
    const declared = r.risk.score;
    const g = r.risk.withGuideline;
    expect(g.score.score).toBeLessThan(declared.score);
    expect(g.reduction).toBeCloseTo(declared.score - g.score.score, 5);
    // The guideline's zone is the clinical zone most pumps are in.
    expect(g.zone).toBe(r.guideline.zone.advice.match(/such as ([\w-]+)/)![1]);
    expect(g.zone).not.toBe('guest-wifi');
    // Every likelihood factor that differs is named, and nothing else is.
    const after = new Map(g.score.factors.map((f) => [f.id, f.weight]));
    const differing = declared.factors.filter((f) => f.kind === 'likelihood' && (after.get(f.id) ?? 0) < f.weight).map((f) => f.id).sort();
    expect(g.removed.map((x) => x.id).sort()).toEqual(differing);
    expect(differing).toEqual(expect.arrayContaining(['exposure-guest', 'exposure-internet', 'exposure-remote-access', 'remote-access-tool', 'mds2-unneeded-services']));
    const because = new Map(g.removed.map((x) => [x.id, x.because]));
    expect(because.get('exposure-guest')).toContain(`placed in zone ${g.zone}`);
    expect(because.get('exposure-internet')).toContain('MDS2 CONN-4 = Yes');
    expect(because.get('remote-access-tool')).toContain('MDS2 RMOT-1 = Yes');
    expect(because.get('exposure-remote-access')).toContain('MDS2 RMOT-1 = Yes');
    expect(because.get('mds2-unneeded-services')).toContain('MDS2 SAHD-8 = No');
    // The named factors explain the whole difference: the declared likelihood without them is the guideline's.
    const combine = (ws: number[]) => 1 - ws.reduce((p, w) => p * (1 - w), 1);
    const removedTo = new Map(g.removed.map((x) => [x.id, x.becomes]));
    const rebuilt = combine(declared.factors.filter((f) => f.kind === 'likelihood').map((f) => removedTo.get(f.id) ?? f.weight));
    expect(rebuilt).toBeCloseTo(g.score.likelihood, 3);
    // What configuration cannot fix stays: cleartext HL7 (TXCF-2 = No) is the vendor's to fix.
    expect(after.has('cleartext-phi-hl7')).toBe(true);
    expect(g.rank).toBeGreaterThanOrEqual(r.risk.rank);
    // Shown in the report.
    const html = renderHtml(r);
    expect(html).toContain('With the secure configuration guideline applied');
    expect(html).toContain(`${g.score.score} / 100`);
    // A candidate with none of those gaps, already in a clinical zone: the guideline changes nothing.
    const tidy = await assessCandidate(store, parseCandidate(PUMP('Tidypump'), 't.yaml'), withAnswers(form, { 'RMOT-1': 'No', 'SAHD-8': 'Yes', 'CONN-4': 'No' }));
    expect(tidy.risk.withGuideline.removed).toEqual([]);
    expect(tidy.risk.withGuideline.reduction).toBe(0);
    expect(tidy.risk.withGuideline.zone).toBe('wards');
  });

  it('checks SBOM components by CPE and honours the SBOM\'s VEX: not_affected is marked and leaves the score', async () => {
    const doc = JSON.parse(readFileSync(SBOM_EXTENDED, 'utf8')) as { components: Record<string, unknown>[]; vulnerabilities?: unknown[] };
    // DCMTK 3.6.6 is inside CVE-2022-2121 (before 3.6.7), a record of the bundled knowledge base.
    doc.components.push({ type: 'library', 'bom-ref': 'dcmtk-ref', name: 'DCMTK', version: '3.6.6', cpe: 'cpe:2.3:a:offis:dcmtk:3.6.6:*:*:*:*:*:*:*', purl: 'pkg:github/DCMTK/dcmtk@3.6.6' });
    const plain = parseSbom(JSON.stringify(doc), 'with-dcmtk.json');
    const a = await assessCandidate(store, parseCandidate(MONITOR, 'm.yaml'), undefined, plain);
    const comp = a.vulnerabilities.components!;
    expect(comp.total).toBe(66);
    expect(comp.perComponent.length).toBe(66);
    expect(comp.perComponent.find((k) => k.name === 'DCMTK')).toMatchObject({ status: 'affected', identity: { via: 'cpe' } });
    expect(comp.perComponent.filter((k) => k.status === 'no-knowledge').length).toBe(65);
    expect(comp.scope).toMatch(/medical-device advisories only/);
    expect(comp.matched).toBe(1);
    const found = a.vulnerabilities.findings.find((f) => f.cve === 'CVE-2022-2121')!;
    expect(found.via).toEqual(['DCMTK 3.6.6']);
    expect(found.excluded).toBe(false);
    expect(a.vulnerabilities.counted).toBe(a.vulnerabilities.findings.length);

    doc.vulnerabilities = [
      { id: 'CVE-2022-2121', analysis: { state: 'not_affected', justification: 'code_not_reachable', detail: 'the DICOM network module is not built into this device' }, affects: [{ ref: 'dcmtk-ref' }] },
      { id: 'CVE-2099-0001', analysis: { state: 'not_affected', justification: 'component_not_present' }, affects: [{ ref: 'dcmtk-ref' }] },
      { id: 'CVE-2022-2122', analysis: { state: 'maybe' } },
    ];
    const vexed = parseSbom(JSON.stringify(doc), 'with-vex.json');
    expect(vexed.vex.map((v) => v.id)).toEqual(['CVE-2022-2121', 'CVE-2099-0001']);
    expect(vexed.errors).toEqual([expect.stringMatching(/vulnerabilities\[2\] \(CVE-2022-2122\): analysis.state "maybe"/)]);
    const b = await assessCandidate(store, parseCandidate(MONITOR, 'm.yaml'), undefined, vexed);
    const marked = b.vulnerabilities.findings.find((f) => f.cve === 'CVE-2022-2121')!;
    expect(marked.excluded).toBe(true);
    expect(marked.vex).toMatchObject({ state: 'not_affected', justification: 'code_not_reachable' });
    expect(b.vulnerabilities.counted).toBe(a.vulnerabilities.counted - 1);
    expect(b.vulnerabilities.vex).toMatchObject({ statements: 2, excluded: 1 });
    expect(b.vulnerabilities.vex.unmatched.map((v) => v.id)).toEqual(['CVE-2099-0001']);
    // The score counts one vulnerability fewer.
    const vulnFactor = (r: ProcurementReport) => r.risk.score.factors.find((f) => f.id.startsWith('vulnerabilities-'))!.detail;
    expect(vulnFactor(a)).toMatch(new RegExp(`^${a.vulnerabilities.counted} known`));
    expect(vulnFactor(b)).toMatch(new RegExp(`^${b.vulnerabilities.counted} known`));
    const html = renderHtml(b);
    expect(html).toContain('not_affected: code_not_reachable: the DICOM network module is not built into this device');
    expect(html).toContain('(not counted)');
    // A statement scoped to another component does not speak for this one; "exploitable" is shown and counted.
    doc.vulnerabilities = [
      { id: 'CVE-2022-2121', analysis: { state: 'not_affected', justification: 'code_not_reachable' }, affects: [{ ref: 'some-other-ref' }] },
    ];
    const elsewhere = await assessCandidate(store, parseCandidate(MONITOR, 'm.yaml'), undefined, parseSbom(JSON.stringify(doc), 'x.json'));
    expect(elsewhere.vulnerabilities.findings.find((f) => f.cve === 'CVE-2022-2121')!.excluded).toBe(false);
    doc.vulnerabilities = [{ id: 'CVE-2022-2121', analysis: { state: 'exploitable', response: ['update'] } }];
    const exploitable = await assessCandidate(store, parseCandidate(MONITOR, 'm.yaml'), undefined, parseSbom(JSON.stringify(doc), 'y.json'));
    const e = exploitable.vulnerabilities.findings.find((f) => f.cve === 'CVE-2022-2121')!;
    expect(e).toMatchObject({ excluded: false, vex: { state: 'exploitable', response: ['update'] } });
    expect(exploitable.vulnerabilities.counted).toBe(a.vulnerabilities.counted);
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
      const code = await procureAssessCommand(cand, { mds2: NEMA_MDS2, sbom: SBOM_EXTENDED, report: join(dir, 'out'), db: fixture.db, json: false, pdf: false });
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

  it.skipIf(!!NO_CHROMIUM)(`vigil procure assess prints the report as an A4 PDF through headless Chromium${NO_CHROMIUM}`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-procure-pdf-'));
    try {
      const cand = join(dir, 'c.yaml');
      writeFileSync(cand, MONITOR);
      const out = join(dir, 'out');
      const { result: code, stderr } = await withStderr(() => procureAssessCommand(cand, { mds2: NEMA_MDS2, sbom: SBOM_EXTENDED, report: out, db: fixture.db, chromium: CHROMIUM }));
      expect(stderr).toBe('');
      expect(code).toBe(0);
      const file = join(out, 'procurement-report.pdf');
      const pdf = readFileSync(file);
      expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
      // Page objects, not the /Pages tree: the report of 240 questions and 65 components runs to several.
      const pages = (pdf.toString('latin1').match(/\/Type\s*\/Page(?![a-z])/g) ?? []).length;
      expect(pages).toBeGreaterThanOrEqual(2);
      expect(statSync(file).size).toBeGreaterThan(20_000);
      if (hasCommand('pdftotext')) {
        const text = execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' });
        expect(text).toContain('IntelliVue MX450');
        expect(text).toContain('Contract clauses');
        // The footer's page numbers, on the last page too.
        expect(text).toMatch(new RegExp(`page ${pages} of ${pages}`));
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);

  it('without a Chromium the HTML and JSON are written, a one-line notice names the path tried, and the exit code is 0', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-procure-nopdf-'));
    try {
      const cand = join(dir, 'c.yaml');
      writeFileSync(cand, MONITOR);
      const out = join(dir, 'out');
      const missing = join(dir, 'no-such-chromium');
      const { result: code, stderr } = await withStderr(() => procureAssessCommand(cand, { report: out, db: fixture.db, chromium: missing }));
      expect(code).toBe(0);
      expect(stderr.trim().split('\n')).toEqual([expect.stringContaining(`no Chromium at ${missing}`)]);
      expect(existsSync(join(out, 'procurement-report.html'))).toBe(true);
      expect(existsSync(join(out, 'procurement-report.json'))).toBe(true);
      expect(existsSync(join(out, 'procurement-report.pdf'))).toBe(false);
      // --no-pdf: not even tried, so nothing to say.
      const quiet = await withStderr(() => procureAssessCommand(cand, { report: join(dir, 'out2'), db: fixture.db, chromium: missing, pdf: false }));
      expect(quiet.result).toBe(0);
      expect(quiet.stderr).toBe('');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
