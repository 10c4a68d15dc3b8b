import { Taxonomy } from '../inventory/taxonomy.js';
import { assessCandidate } from '../procure/assess-candidate.js';
import { CandidateError, readCandidate } from '../procure/candidate.js';
import { readMds2, type Mds2Form } from '../procure/mds2-reader.js';
import { writeReport } from '../procure/procurement-report.js';
import { readSbom, type Sbom } from '../procure/sbom-reader.js';
import { InventoryStore } from '../store/inventory-store.js';
import { defaultDbLocation } from './inventory-output.js';

/** `vigil procure assess <candidate.yaml> [--mds2 FILE] [--sbom FILE] --report DIR`: a device assessed before it is bought. */
export async function procureAssessCommand(candidateFile: string, options: { mds2?: string; sbom?: string; report: string; db?: string; json?: boolean }): Promise<number> {
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
      if (options.json) {
        process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
        return 0;
      }
      const r = report.risk;
      const v = report.vulnerabilities;
      const out = [
        `${candidate.vendor} ${candidate.model} ${candidate.softwareVersion} (${candidate.category}) in ${candidate.zone}`,
        `  projected risk ${r.score.score} (safety ${r.score.safety}, privacy ${r.score.privacy}); rank ${r.rank} of ${r.of} devices`,
        `  vulnerabilities: ${v.findings.length} (model ${v.model.matched}${v.components ? `; SBOM ${v.components.checkable} of ${v.components.total} components checkable, ${v.components.matched} matched, ${v.components.pastEndOfSupport.length} past end of support` : ''})${v.kbEmpty ? ' - knowledge base empty' : ''}`,
        `  MDS2: ${mds2 ? `${mds2.questions.size} questions, ${mds2.unanswered.length} unanswered` : 'none given'}; ${report.gaps.gaps.length} gaps, ${report.gaps.openQuestions.length} open questions, ${report.clauses.length} contract clauses`,
        `  guideline: ${report.guideline.allow.length} flows to allow, ${report.guideline.disable.length} services to disable`,
        `  declared vs observed: ${report.declaredVsObserved.devices.length ? `${report.declaredVsObserved.findings.length} findings on ${report.declaredVsObserved.devices.length} device(s) of the model` : 'no device of the model on the network'}`,
        ...(report.placement.unresolvedPeers.length ? [`  peers not found on the network: ${report.placement.unresolvedPeers.join(', ')}`] : []),
        `  report: ${files.html}, ${files.json}`,
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
