/** Colours for the patient-safety classes of knowledge/taxonomy.json, most severe first. */
export const SAFETY_COLOURS: Record<string, string> = {
  'life-sustaining': '#c0392b',
  therapeutic: '#e67e22',
  diagnostic: '#d4ac0d',
  monitoring: '#8e44ad',
  'clinical-support': '#2e86c1',
  'non-clinical': '#7f8c8d',
  unknown: '#bdc3c7',
};

export const SAFETY_ORDER = Object.keys(SAFETY_COLOURS);

export const when = (ts: number | null | undefined): string => (ts ? new Date(ts * 1000).toISOString().slice(0, 19).replace('T', ' ') : '');
