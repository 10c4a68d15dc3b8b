/**
 * Synthetic patients. Names are built from invented syllables so they cannot be a real person's
 * record; they appear only inside HL7 and DICOM payloads (a test checks that).
 */
import type { Rng } from './rng.js';

const ONSETS = ['b', 'd', 'f', 'g', 'k', 'l', 'm', 'n', 'p', 'r', 's', 't', 'v', 'z', 'br', 'dr', 'kr', 'th', 'st', 'qu'];
const VOWELS = ['a', 'e', 'i', 'o', 'u', 'ae', 'ou', 'y'];
const CODAS = ['', '', 'n', 'r', 'l', 'x', 'th', 'm', 'sk'];

export interface Patient {
  mrn: string;
  family: string;
  given: string;
  dob: string;
  sex: 'F' | 'M';
  ward: string;
  bed: string;
}

function word(rng: Rng, syllables: number): string {
  let s = '';
  for (let i = 0; i < syllables; i++) s += rng.pick(ONSETS) + rng.pick(VOWELS) + (i === syllables - 1 ? rng.pick(CODAS) : '');
  return s.toUpperCase();
}

export function makePatients(rng: Rng, n: number, wards: string[]): Patient[] {
  const out: Patient[] = [];
  const seen = new Set<string>();
  while (out.length < n) {
    // Three-syllable family names (7+ letters) keep accidental matches in random bytes negligible.
    const family = word(rng, 3);
    const given = word(rng, 2);
    if (seen.has(family) || family.length < 7) continue;
    seen.add(family);
    const y = 1935 + rng.below(85);
    const m = 1 + rng.below(12);
    const d = 1 + rng.below(28);
    out.push({
      mrn: `SA${String(100000 + out.length * 37 + rng.below(30)).padStart(7, '0')}`,
      family,
      given,
      dob: `${y}${String(m).padStart(2, '0')}${String(d).padStart(2, '0')}`,
      sex: rng.chance(0.5) ? 'F' : 'M',
      ward: rng.pick(wards),
      bed: String(1 + rng.below(30)),
    });
  }
  return out;
}
