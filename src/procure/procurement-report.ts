/**
 * The assessment written as JSON and as one self-contained HTML page (inline style, no script, no
 * external asset), to print or attach to the purchase file. Every section is present; a section with
 * nothing to say says why.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ProcurementReport } from './assess-candidate.js';

const esc = (s: unknown): string => String(s ?? '').replace(/[&<>"']/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch]!);
const table = (head: string[], rows: unknown[][], empty: string): string =>
  rows.length === 0 ? `<p class="none">${esc(empty)}</p>` : `<table><thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${rows.map((r) => `<tr>${r.map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`).join('')}</tbody></table>`;
const list = (items: string[], empty: string) => (items.length ? `<ul>${items.map((i) => `<li>${esc(i)}</li>`).join('')}</ul>` : `<p class="none">${esc(empty)}</p>`);

/** The section ids every report has, in order: the tests check each is present. */
export const REPORT_SECTIONS = ['candidate', 'inputs', 'vulnerabilities', 'risk', 'gaps', 'clauses', 'guideline', 'declared-vs-observed'] as const;

export function renderHtml(r: ProcurementReport): string {
  const c = r.candidate;
  const v = r.vulnerabilities;
  const comp = v.components;
  const s = r.risk.score;
  const g = r.risk.withGuideline;
  const sections: Record<(typeof REPORT_SECTIONS)[number], string> = {
    candidate: `<h2>Candidate</h2>${table(['vendor', 'model', 'software', 'category', 'site', 'zone', 'peers', 'count'], [[c.vendor, c.model, c.softwareVersion, c.category, c.site, c.zone, c.peers.join(', '), c.count]], '')}
      <p>Zone: ${r.placement.zone ? `${esc(r.placement.zone.id)} (${esc(r.placement.zone.kind)})` : `<b>${esc(c.zone)} is not a zone of the site</b>`}. Peers resolved: ${esc(r.placement.peers.map((p) => `${p.asked} → ${p.devices.length ? p.devices.join(', ') : 'not found'}`).join('; '))}. Devices of category ${esc(c.category)} already on the network: ${r.placement.sameCategoryOnNetwork}.</p>`,
    inputs: `<h2>Inputs</h2>${
      r.inputs.mds2
        ? `<p>MDS2 ${esc(r.inputs.mds2.file)}: ${r.inputs.mds2.questions} questions (${esc(Object.entries(r.inputs.mds2.answers).map(([k, n]) => `${n} ${k}`).join(', '))}), ${r.inputs.mds2.notes} notes.</p><h3>Unanswered questions</h3>${table(['id', 'question', 'note'], r.inputs.mds2.unanswered.map((q) => [q.id, q.question, q.note ?? '']), 'Every question is answered.')}${list(r.inputs.mds2.errors, '')}`
        : '<p class="none">No MDS2 form given: every control rule is an open question for the vendor.</p>'
    }${r.inputs.sbom ? `<p>SBOM ${esc(r.inputs.sbom.file)} (${esc(r.inputs.sbom.format)}): ${r.inputs.sbom.components} components.</p>${list(r.inputs.sbom.errors, '')}` : '<p class="none">No SBOM given: third-party components cannot be checked.</p>'}`,
    vulnerabilities: `<h2>Known vulnerabilities</h2><p>${v.kbEmpty ? '<b>The knowledge base is empty: nothing could be matched.</b> ' : ''}Model ${esc(c.vendor)} ${esc(c.model)} ${esc(c.softwareVersion)}: ${v.model.matched} CVE(s). ${
      comp ? `SBOM: ${comp.total} components, ${comp.withVersion} with a version; ${comp.checkable} known to the knowledge base by CPE or purl, ${comp.matched} with findings; ${comp.notCheckable.length} unknown to it (no knowledge).` : 'No SBOM.'
    }${v.vex.statements ? ` The SBOM's VEX has ${v.vex.statements} statement(s); ${v.vex.excluded} finding(s) it says do not affect the device are shown but not counted in the projected risk.` : ''}</p>${table(['CVE', 'decision', 'KEV', 'CVSS', 'via', 'evidence', 'exposure', 'vendor VEX'], v.findings.map((f) => [f.cve, f.excluded ? `${f.decision} (not counted)` : f.decision, f.kev ? 'yes' : '', f.cvss ?? '', f.via.join(', '), f.evidence, f.exposure, f.vex ? [f.vex.state, f.vex.justification, f.vex.detail].filter(Boolean).join(': ') : '']), 'No known vulnerability matched.')}${
      v.vex.unmatched.length ? `<h3>VEX statements on CVEs not found for this device</h3>${table(['CVE', 'state', 'justification'], v.vex.unmatched.map((x) => [x.id, x.state, x.justification ?? x.detail ?? '']), '')}` : ''
    }${
      comp
        ? `<h3>SBOM components against the knowledge base</h3><p class="none">${esc(comp.scope)}</p>${table(
            ['component', 'version', 'answer', 'records', 'detail'],
            comp.perComponent.map((k) => [k.name, k.version ?? '', k.status.replace(/-/g, ' '), [...k.affected, ...k.possible].map((x) => x.cve).join(', '), k.reason]),
            '',
          )}`
        : ''
    }${
      comp ? `<h3>Components past end of support</h3>${table(['component', 'version', 'end of support'], comp.pastEndOfSupport.map((x) => [x.name, x.version ?? '', x.endOfSupport]), 'None stated.')}<h3>Components not actively maintained</h3>${table(['component', 'version', 'support'], comp.unmaintained.map((x) => [x.name, x.version ?? '', x.support]), 'None stated.')}` : ''
    }<h3>Attack paths it would join</h3>${list(v.attackPaths.map((p) => `from ${p.from}: ${p.hops.map((h) => `${h.from.label} → ${h.to.label} (${h.services.join(', ')})`).join(', ')}`), 'No path from an entry point would reach it over lateral-movement services.')}`,
    risk: `<h2>Projected risk</h2><p class="score">${s.score} / 100 (safety ${s.safety}, privacy ${s.privacy}); rank ${r.risk.rank} of ${r.risk.of} devices.</p>${table(['factor', 'weight', 'detail'], s.factors.map((f) => [f.label, f.weight, f.detail]), '')}<h3>With the secure configuration guideline applied</h3><p class="score">${g.score.score} / 100 (safety ${g.score.safety}, privacy ${g.score.privacy}); rank ${g.rank} of ${r.risk.of}; ${g.reduction > 0 ? `${g.reduction} lower than as declared` : 'no lower than as declared'}.</p>${list(g.applied, 'The guideline changes nothing the risk model weighs for this candidate.')}${table(['factor removed or lowered', 'weight', 'becomes', 'because'], g.removed.map((x) => [x.label, x.weight, x.becomes, x.because]), 'No factor changes.')}<p class="none">Unchanged by the guideline: ${esc(g.unchanged)}.</p><h3>Devices of the same category on the network</h3>${table(['device', 'score'], r.risk.sameCategory.slice(0, 20).map((x) => [x.label, x.score]), 'None.')}`,
    gaps: `<h2>MDS2 gaps → controls</h2>${table(['topic', 'question', 'answer', 'finding', 'control', 'closes it'], r.gaps.gaps.map((g) => [g.topic, g.question, g.answer, g.finding, g.control, g.controlCloses ? 'yes' : 'no: clause needed']), 'No weak answer.')}<h3>Open questions for the vendor</h3>${table(['topic', 'question', 'why open'], r.gaps.openQuestions.map((q) => [q.topic, q.question, q.reason]), 'None.')}<h3>Met</h3>${list(r.gaps.met.map((m) => `${m.topic}: ${m.question} = ${m.answer}`), 'None.')}`,
    clauses: `<h2>Contract clauses</h2>${table(['topic', 'clause', 'because'], r.clauses.map((x) => [x.topic, x.clause, x.questions.join('; ')]), 'No clause needed.')}`,
    guideline: `<h2>Secure configuration</h2><p>${esc(r.guideline.zone.advice)}</p><h3>Allow</h3>${table(['from', 'to', 'service', 'why'], r.guideline.allow.map((a) => [a.from, a.to, a.service, a.basis]), 'No flow could be derived: no intended peer was found on the network.')}${table(['infrastructure service', 'servers seen'], r.guideline.infrastructure.map((i) => [i.service, i.servers.join(', ')]), 'No infrastructure service seen for the category.')}<p>${esc(r.guideline.denyEverythingElse)}</p><h3>Disable</h3>${table(['service', 'why'], r.guideline.disable.map((d) => [d.service, d.why]), 'Nothing to disable was found.')}<h3>Credentials</h3>${list(r.guideline.credentials, '')}<h3>Logging</h3>${list(r.guideline.logging, '')}`,
    'declared-vs-observed': `<h2>Declared vs observed</h2>${
      r.declaredVsObserved.devices.length
        ? `<p>${r.declaredVsObserved.devices.length} device(s) of this model on the network: ${esc(r.declaredVsObserved.devices.map((d) => d.label).join(', '))}.</p>${table(['question', 'declared', 'observed', 'devices', 'finding'], r.declaredVsObserved.findings.map((f) => [f.question, f.declared, f.observed, f.devices.join(', '), f.finding]), 'No declared answer is contradicted by traffic.')}${table(['question', 'proposed answer', 'because'], r.declaredVsObserved.proposed.map((p) => [p.question, p.answer, p.because]), 'No answer to propose from traffic.')}${table(['listening service', 'devices'], r.declaredVsObserved.listening.map((l) => [l.service, l.devices]), 'No listening service seen.')}`
        : '<p class="none">No device of this vendor and model is on the network yet: nothing to compare.</p>'
    }`,
  };
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Procurement assessment: ${esc(c.vendor)} ${esc(c.model)}</title><style>
body{font:14px/1.45 system-ui,sans-serif;margin:2em;color:#1b1f24;max-width:75em}h1{font-size:1.5em}h2{border-bottom:1px solid #ccd;padding-bottom:.2em;margin-top:1.6em}
table{border-collapse:collapse;margin:.5em 0;width:100%}th,td{border:1px solid #ccd;padding:.25em .5em;text-align:left;vertical-align:top}th{background:#eef1f5}.none{color:#667}.score{font-size:1.3em;font-weight:600}
@media print{body{margin:0;max-width:none;font-size:11px}thead{display:table-header-group}tr{break-inside:avoid}h2,h3{break-after:avoid}}
</style></head><body><h1>Secure before procure: ${esc(c.vendor)} ${esc(c.model)} ${esc(c.softwareVersion)}</h1><p>Generated ${esc(r.generatedAt)} by Vigil.</p>
${REPORT_SECTIONS.map((id) => `<section id="${id}">${sections[id]}</section>`).join('\n')}
</body></html>
`;
}

export function writeReport(r: ProcurementReport, dir: string): { json: string; html: string } {
  mkdirSync(dir, { recursive: true });
  const json = join(dir, 'procurement-report.json');
  const html = join(dir, 'procurement-report.html');
  writeFileSync(json, `${JSON.stringify(r, null, 2)}\n`);
  writeFileSync(html, renderHtml(r));
  return { json, html };
}
