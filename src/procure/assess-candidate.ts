/**
 * Secure before procure: one candidate device assessed against this hospital before it is bought.
 *
 *   assessCandidate(store, candidate, mds2?, sbom?) -> ProcurementReport
 *     every section present, each saying what it could not judge: inputs (with every unanswered MDS2
 *     question), vulnerabilities (model and SBOM components, with how many components could be checked),
 *     placement and projected risk with its rank among live devices, MDS2 gaps -> controls -> clauses,
 *     the secure configuration guideline, and declared vs observed.
 */
import type { InventoryStore } from '../store/inventory-store.js';
import type { Candidate } from './candidate.js';
import { candidateRisk, type CandidateRisk } from './candidate-risk.js';
import { candidateVulnerabilities, type CandidateVulnerabilities } from './candidate-vulns.js';
import { declaredVsObserved, type DeclaredVsObserved } from './declared-vs-observed.js';
import { placeCandidate, type Placement } from './intended-peers.js';
import { analyseGaps, loadProcureKnowledge, type GapAnalysis, type ProcureKnowledge } from './mds2-controls.js';
import type { Mds2Form } from './mds2-reader.js';
import type { Sbom } from './sbom-reader.js';
import { secureConfiguration, type SecureConfiguration } from './secure-config.js';

export interface ProcurementReport {
  generatedAt: string;
  candidate: Candidate;
  inputs: {
    mds2: { file: string; questions: number; answers: Record<string, number>; unanswered: { id: string; question: string; note: string | null }[]; notes: number; errors: string[] } | null;
    sbom: { file: string; format: string; components: number; errors: string[] } | null;
  };
  placement: { zone: Placement['zone']; zoneUnknown: boolean; peers: { asked: string; by: string | null; devices: string[] }[]; unresolvedPeers: string[]; sameCategoryOnNetwork: number };
  vulnerabilities: CandidateVulnerabilities;
  risk: CandidateRisk;
  gaps: GapAnalysis;
  /** The clauses to put in the contract, one per gap a control cannot close, deduplicated. */
  clauses: { clause: string; questions: string[]; topic: string }[];
  guideline: SecureConfiguration;
  declaredVsObserved: DeclaredVsObserved;
}

export async function assessCandidate(store: InventoryStore, candidate: Candidate, mds2?: Mds2Form, sbom?: Sbom, knowledge: ProcureKnowledge = loadProcureKnowledge()): Promise<ProcurementReport> {
  const placement = await placeCandidate(store, candidate);
  // An id no live device has: the candidate's place in the graphs the assessment builds.
  const maxId = await store.db.selectFrom('devices').select((eb) => eb.fn.max('id').as('m')).executeTakeFirst();
  const virtualId = Number(maxId?.m ?? 0) + 1_000_000;
  const gaps = analyseGaps(mds2, knowledge);
  const vulnerabilities = await candidateVulnerabilities(store, candidate, placement, virtualId, sbom);
  const risk = await candidateRisk(store, candidate, placement, virtualId, vulnerabilities, gaps.gaps);
  const clauses = new Map<string, { clause: string; questions: string[]; topic: string }>();
  for (const g of gaps.gaps) {
    if (!g.clause) continue;
    const c = clauses.get(g.clause) ?? { clause: g.clause, questions: [], topic: g.topic };
    c.questions.push(`${g.question} = ${g.answer}`);
    clauses.set(g.clause, c);
  }
  for (const q of gaps.openQuestions) {
    const text = `The vendor answers MDS2 question ${q.question} (${q.topic}) in writing before purchase.`;
    clauses.set(text, { clause: text, questions: [`${q.question}: ${q.reason}`], topic: q.topic });
  }
  const answers: Record<string, number> = {};
  for (const q of mds2?.questions.values() ?? []) {
    const k = q.answer ?? (q.raw ? 'free text' : 'none');
    answers[k] = (answers[k] ?? 0) + 1;
  }
  return {
    generatedAt: new Date().toISOString(),
    candidate,
    inputs: {
      mds2: mds2 ? { file: mds2.file, questions: mds2.questions.size, answers, unanswered: mds2.unanswered.map((q) => ({ id: q.id, question: q.question, note: q.noteRef ? `${q.noteRef}: ${mds2.notes.get(q.noteRef) ?? '(note missing)'}` : null })), notes: mds2.notes.size, errors: mds2.errors } : null,
      sbom: sbom ? { file: sbom.file, format: `${sbom.format} ${sbom.specVersion ?? ''}`.trim(), components: sbom.components.length, errors: sbom.errors } : null,
    },
    placement: {
      zone: placement.zone,
      zoneUnknown: placement.zoneUnknown,
      peers: placement.peers.map((p) => ({ asked: p.asked, by: p.by, devices: p.devices.map((d) => d.label) })),
      unresolvedPeers: placement.unresolved,
      sameCategoryOnNetwork: placement.sameCategory.length,
    },
    vulnerabilities,
    risk,
    gaps,
    clauses: [...clauses.values()],
    guideline: await secureConfiguration(store, candidate, placement, mds2, gaps.gaps, knowledge),
    declaredVsObserved: await declaredVsObserved(store, candidate, mds2, knowledge),
  };
}
