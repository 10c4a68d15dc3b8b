/**
 * MDS2 gaps -> controls -> contract clauses, from knowledge/procure/mds2-controls.json. A rule fires on
 * a weak answer (and only where its `appliesWhen` answers hold); a rule whose question the form leaves
 * unanswered becomes a question for the vendor, never a guess.
 */
import { join } from 'node:path';
import { knowledgeDir } from '../inventory/knowledge-dir.js';
import type { Mds2Form } from './mds2-reader.js';
import { readKnowledgeJson } from '../inventory/knowledge-dir.js';

export interface ProcurementFactor {
  id: string;
  label: string;
  weight: number;
  privacy?: boolean;
}

export interface ControlRule {
  id: string;
  topic: string;
  question: string;
  weak: string[];
  appliesWhen?: Record<string, string[]>;
  finding: string;
  control: string;
  /** True when the hospital's control closes the gap and no clause is needed. */
  controlCloses: boolean;
  clause: string | null;
  /**
   * What the gap adds to the projected risk; `guideline` names the step of the secure configuration
   * guideline that removes it (the what-if drops the gap's risk when the guideline is applied).
   */
  risk?: { fact?: string; exposure?: string; factor?: ProcurementFactor; guideline?: string };
}

export interface DeclaredCheck {
  question: string;
  declared: string[];
  observedKeys: string[];
  observedEquals?: string;
  finding: string;
}

export interface ProcureKnowledge {
  rules: ControlRule[];
  declaredVsObserved: DeclaredCheck[];
  riskyServices: { transport: string; port: number; name: string; why: string }[];
  credentialFacts: { key: string; equals?: string; advice: string }[];
}

export function loadProcureKnowledge(file = join(knowledgeDir(), 'procure', 'mds2-controls.json')): ProcureKnowledge {
  const doc = readKnowledgeJson<ProcureKnowledge>(file);
  if (!Array.isArray(doc.rules)) throw new Error(`${file}: "rules" must be a list`);
  const ids = new Set<string>();
  doc.rules.forEach((r, i) => {
    const at = `${file}: rules[${i}]${r?.id ? ` (${r.id})` : ''}`;
    for (const k of ['id', 'topic', 'question', 'finding', 'control'] as const) if (typeof r[k] !== 'string' || r[k] === '') throw new Error(`${at}: "${k}" is required`);
    if (!Array.isArray(r.weak) || r.weak.length === 0) throw new Error(`${at}: "weak" must list the answers that make the gap`);
    if (typeof r.controlCloses !== 'boolean') throw new Error(`${at}: "controlCloses" must be true or false`);
    if (r.risk?.guideline !== undefined && (typeof r.risk.guideline !== 'string' || r.risk.guideline === '')) throw new Error(`${at}: "risk.guideline" must name the guideline step that removes the risk`);
    if (!r.controlCloses && typeof r.clause !== 'string') throw new Error(`${at}: a control that does not close the gap needs a "clause"`);
    const f = r.risk?.factor;
    if (f && (typeof f.id !== 'string' || typeof f.label !== 'string' || typeof f.weight !== 'number' || f.weight < 0 || f.weight > 1)) throw new Error(`${at}: risk.factor needs id, label and a weight from 0 to 1`);
    if (ids.has(r.id)) throw new Error(`${at}: duplicate id`);
    ids.add(r.id);
  });
  return { rules: doc.rules, declaredVsObserved: doc.declaredVsObserved ?? [], riskyServices: doc.riskyServices ?? [], credentialFacts: doc.credentialFacts ?? [] };
}

export interface Gap {
  rule: string;
  topic: string;
  question: string;
  questionText: string;
  answer: string;
  finding: string;
  control: string;
  controlCloses: boolean;
  /** The clause to ask the vendor for; null when the control closes the gap. */
  clause: string | null;
  risk?: ControlRule['risk'];
}

export interface OpenQuestion {
  rule: string;
  topic: string;
  question: string;
  /** Why it is open: not in the form, or no answer. */
  reason: string;
}

export interface GapAnalysis {
  gaps: Gap[];
  /** Rules the form leaves undecided: the questions to put to the vendor. */
  openQuestions: OpenQuestion[];
  /** Rules answered well: the topics the vendor covers. */
  met: { rule: string; topic: string; question: string; answer: string }[];
  /** Rules that do not apply to this device (its other answers rule them out). */
  notApplicable: string[];
}

export function analyseGaps(form: Mds2Form | undefined, k: ProcureKnowledge): GapAnalysis {
  const out: GapAnalysis = { gaps: [], openQuestions: [], met: [], notApplicable: [] };
  for (const r of k.rules) {
    if (!form) {
      out.openQuestions.push({ rule: r.id, topic: r.topic, question: r.question, reason: 'no MDS2 form given' });
      continue;
    }
    const conditions = Object.entries(r.appliesWhen ?? {});
    const undecided = conditions.find(([q]) => !form.questions.get(q)?.answer);
    if (!undecided && conditions.some(([q, answers]) => !answers.includes(form.questions.get(q)!.answer!))) {
      out.notApplicable.push(r.id);
      continue;
    }
    const q = form.questions.get(r.question);
    if (!q) {
      out.openQuestions.push({ rule: r.id, topic: r.topic, question: r.question, reason: 'question not in the form' });
      continue;
    }
    if (!q.answer || q.answer === 'See Note') {
      out.openQuestions.push({ rule: r.id, topic: r.topic, question: r.question, reason: q.raw ? `answered "${q.raw}"${q.noteRef ? ` (${q.noteRef}: ${form.notes.get(q.noteRef) ?? 'note missing'})` : ''}: not a Yes or No` : 'no answer' });
      continue;
    }
    if (undecided) {
      out.openQuestions.push({ rule: r.id, topic: r.topic, question: r.question, reason: `${undecided[0]} is unanswered, so it is not known whether ${r.question} applies` });
      continue;
    }
    if (r.weak.includes(q.answer)) {
      out.gaps.push({ rule: r.id, topic: r.topic, question: r.question, questionText: q.question, answer: q.answer, finding: r.finding, control: r.control, controlCloses: r.controlCloses, clause: r.controlCloses ? null : r.clause, risk: r.risk });
    } else out.met.push({ rule: r.id, topic: r.topic, question: r.question, answer: q.answer });
  }
  return out;
}
