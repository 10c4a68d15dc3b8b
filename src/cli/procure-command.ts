import { join } from 'node:path';
import { Taxonomy } from '../inventory/taxonomy.js';
import { assessCandidate } from '../procure/assess-candidate.js';
import { CandidateError, readCandidate } from '../procure/candidate.js';
import { readMds2, type Mds2Form } from '../procure/mds2-reader.js';
import { renderHtml, writeReport } from '../procure/procurement-report.js';
import { DEFAULT_CHROMIUM, writeReportPdf } from '../procure/report-pdf.js';
import { readSbom, type Sbom } from '../procure/sbom-reader.js';
import { InventoryStore } from '../store/inventory-store.js';
import { defaultDbLocation } from './db-location.js';

/**
 * `vigil procure assess <candidate.yaml> [--mds2 FILE] [--sbom FILE] --report DIR [--chromium PATH] [--no-pdf]`:
 * a device assessed before it is bought. The PDF is printed when a Chromium is found; without one the
 * HTML and JSON are written, a one-line notice names the path tried, and the exit code stays 0.
 */
export async function procureAssessCommand(candidateFile: string, options: { mds2?: string; sbom?: string; report: string; db?: string; json?: boolean; pdf?: boolean; chromium?: string }): Promise<number> {
  let mds2: Mds2Form | undefined;
  let sbom: Sbom | undefined;
  try {
    const candidate = readCandidate(candidateFile, new Set(Taxonomy.load().categories.map((c) => c.id)));
    if (options.mds2) mds2 = await readMds2(options.mds2);
    if (options.sbom) sbom = readSbom(options.sbom);
    const store = await InventoryStore.open(options.db ?? defaultDbLocation());
    try {
      const report = await assessCandidate(store, candidate, mds2, sbom);
      const files = writeReport(report, options.report);
      let pdf: string | null = null;
      if (options.pdf !== false) {
        const printed = await writeReportPdf(renderHtml(report), join(options.report, 'procurement-report.pdf'), options.chromium ?? DEFAULT_CHROMIUM);
        if ('skipped' in printed) process.stderr.write(`vigil procure assess: ${printed.skipped}\n`);
        else pdf = printed.written;
      }
      if (options.json) {
        process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
        return 0;
      }
      const r = report.risk;
      const v = report.vulnerabilities;
      const out = [
        `${candidate.vendor} ${candidate.model} ${candidate.softwareVersion} (${candidate.category}) in ${candidate.zone}`,
        `  projected risk ${r.score.score} (safety ${r.score.safety}, privacy ${r.score.privacy}); rank ${r.rank} of ${r.of} devices`,
        `  with the guideline applied: ${r.withGuideline.score.score} (${r.withGuideline.reduction} lower${r.withGuideline.removed.length ? `: ${r.withGuideline.removed.map((f) => f.id).join(', ')}` : ''})`,
        `  vulnerabilities: ${v.findings.length} (model ${v.model.matched}${v.components ? `; SBOM ${v.components.checkable} of ${v.components.total} components known to the knowledge base, ${v.components.matched} matched, ${v.components.pastEndOfSupport.length} past end of support` : ''})${v.vex.excluded ? `; ${v.vex.excluded} ruled out by the SBOM's VEX` : ''}${v.kbEmpty ? ' - knowledge base empty' : ''}`,
        `  MDS2: ${mds2 ? `${mds2.questions.size} questions, ${mds2.unanswered.length} unanswered` : 'none given'}; ${report.gaps.gaps.length} gaps, ${report.gaps.openQuestions.length} open questions, ${report.clauses.length} contract clauses`,
        `  guideline: ${report.guideline.allow.length} flows to allow, ${report.guideline.disable.length} services to disable`,
        `  declared vs observed: ${report.declaredVsObserved.devices.length ? `${report.declaredVsObserved.findings.length} findings on ${report.declaredVsObserved.devices.length} device(s) of the model` : 'no device of the model on the network'}`,
        ...(report.placement.unresolvedPeers.length ? [`  peers not found on the network: ${report.placement.unresolvedPeers.join(', ')}`] : []),
        `  report: ${[files.html, files.json, ...(pdf ? [pdf] : [])].join(', ')}`,
      ];
      process.stdout.write(`${out.join('\n')}\n`);
      return 0;
    } finally {
      await store.close();
    }
  } catch (err) {
    process.stderr.write(`vigil procure assess: ${err instanceof CandidateError ? err.message : (err as Error).message}\n`);
    return 2;
  }
}
