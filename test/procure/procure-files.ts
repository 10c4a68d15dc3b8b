/**
 * The procurement inputs in ../shared/procurement, read by the tests and never copied: the MDS2 example
 * is NEMA's published worksheet (no licence file); the SBOMs are MIT (spacelab-ccny/sbom-completeness).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export const PROCUREMENT = join(import.meta.dirname, '../../../shared/procurement');
export const NEMA_MDS2 = join(PROCUREMENT, 'mds2/NEMA_Example-MDS2-Worksheet_HN1-2019.xlsx');
export const SBOM_NARROW = join(PROCUREMENT, 'sbom/sbom-completeness_narrow.sbom.json');
export const SBOM_EXTENDED = join(PROCUREMENT, 'sbom/sbom-completeness_extended.sbom.json');
export const HAVE_PROCUREMENT = [NEMA_MDS2, SBOM_NARROW, SBOM_EXTENDED].every((f) => existsSync(f));
export const SKIP_REASON = HAVE_PROCUREMENT ? '' : ' (skipped: ../shared/procurement absent)';
