/**
 * The vendor's MDS2 form (ANSI/NEMA HN 1-2019 worksheet, XLSX), read with exceljs and keyed by question
 * id. The worksheet's layout: a header row whose first cell is "Question ID"; then one row per question
 * with the id (DOC-1, MPII-2.1...), the question, the answer (Yes, No, N/A, See Note; free text in the
 * DOC section) and a note reference ("See Note 3"; "__" for none); section titles in column B with
 * empty ids; notes at the end as "Note N" rows. Nothing is guessed: a question with no answer is listed
 * as unanswered, even when its note may say more.
 */
import ExcelJS from 'exceljs';

export type Mds2Answer = 'Yes' | 'No' | 'N/A' | 'See Note';

export interface Mds2Question {
  id: string;
  /** The id's prefix: DOC, MPII, ALOF... (the worksheet's section code). */
  section: string;
  question: string;
  /** The answer as written (trimmed); null when the cell is empty. */
  raw: string | null;
  /** Yes, No, N/A or See Note; null for a free-text answer (DOC section) or none. */
  answer: Mds2Answer | null;
  /** "Note 3" when the row refers to one. */
  noteRef: string | null;
  row: number;
}

export interface Mds2Form {
  file: string;
  sheet: string;
  questions: Map<string, Mds2Question>;
  notes: Map<string, string>;
  /** Questions whose answer cell is empty. */
  unanswered: Mds2Question[];
  /** Rows that could not be read (duplicate ids...), each naming the file and row. */
  errors: string[];
}

const QUESTION_ID = /^[A-Z]{3,5}-\d+(\.\d+)*$/;
const NOTE_ID = /^Note\s*(\d+)$/i;

/** A cell's value as text: exceljs gives strings, numbers, dates, rich text and formula results. */
export function cellText(v: ExcelJS.CellValue): string | null {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (v instanceof Date) return v.toISOString().slice(0, 10);
  if (typeof v === 'object') {
    if ('richText' in v && Array.isArray(v.richText)) return v.richText.map((r) => r.text).join('');
    if ('result' in v) return cellText((v as { result?: ExcelJS.CellValue }).result ?? null);
    if ('text' in v && typeof (v as { text: unknown }).text === 'string') return (v as { text: string }).text;
    if ('error' in v) return null;
  }
  return String(v);
}

export function normaliseAnswer(raw: string | null): Mds2Answer | null {
  if (!raw) return null;
  const t = raw.trim().toLowerCase().replace(/\s+/g, ' ');
  if (t === 'yes' || t === 'y') return 'Yes';
  if (t === 'no' || t === 'n') return 'No';
  if (t === 'n/a' || t === 'na' || t === 'not applicable') return 'N/A';
  if (/^see notes?\b/.test(t)) return 'See Note';
  return null;
}

export async function readMds2(file: string): Promise<Mds2Form> {
  const wb = new ExcelJS.Workbook();
  try {
    await wb.xlsx.readFile(file);
  } catch (err) {
    throw new Error(`${file}: not a readable XLSX workbook: ${(err as Error).message}`);
  }
  return mds2FromWorkbook(wb, file);
}

export function mds2FromWorkbook(wb: ExcelJS.Workbook, file: string): Mds2Form {
  // The form's sheet is the one with a "Question ID" header; vendors add cover sheets before it.
  let sheet: ExcelJS.Worksheet | undefined;
  let header = 0;
  for (const ws of wb.worksheets) {
    ws.eachRow((row, n) => {
      if (!header && cellText(row.getCell(1).value)?.trim().toLowerCase() === 'question id') header = n;
    });
    if (header) {
      sheet = ws;
      break;
    }
  }
  if (!sheet) throw new Error(`${file}: no worksheet has a "Question ID" header: not an MDS2 (HN 1-2019) form`);
  const form: Mds2Form = { file, sheet: sheet.name, questions: new Map(), notes: new Map(), unanswered: [], errors: [] };
  sheet.eachRow((row, n) => {
    if (n <= header) return;
    const a = cellText(row.getCell(1).value)?.trim() ?? '';
    const b = cellText(row.getCell(2).value)?.trim() ?? '';
    const note = NOTE_ID.exec(a);
    if (note) {
      form.notes.set(`Note ${note[1]}`, b);
      return;
    }
    if (!a) return;
    if (!QUESTION_ID.test(a)) {
      form.errors.push(`${file}: ${sheet!.name} row ${n}: "${a}" is not a question id (expected like MPII-2.1); row skipped`);
      return;
    }
    const rawCell = cellText(row.getCell(3).value)?.trim() ?? '';
    const noteCell = cellText(row.getCell(4).value)?.trim() ?? '';
    const noteNo = /note\s*(\d+)/i.exec(noteCell);
    const q: Mds2Question = { id: a, section: a.split('-')[0], question: b, raw: rawCell || null, answer: normaliseAnswer(rawCell), noteRef: noteNo ? `Note ${noteNo[1]}` : null, row: n };
    if (form.questions.has(a)) {
      form.errors.push(`${file}: ${sheet!.name} row ${n}: question ${a} appears again (first at row ${form.questions.get(a)!.row}); the first is kept`);
      return;
    }
    form.questions.set(a, q);
    if (!q.raw) form.unanswered.push(q);
  });
  return form;
}

/** The answer to a question, or null when the form does not answer it. */
export const answerOf = (form: Mds2Form | undefined, id: string): Mds2Answer | null => form?.questions.get(id)?.answer ?? null;
