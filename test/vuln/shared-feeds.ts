/** The real feeds in ../shared/knowledge/vuln, read by the tests (never copied: the CSAF files carry no licence). */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export const SHARED_VULN = join(import.meta.dirname, '../../../shared/knowledge/vuln');
export const CSAF_DIR = join(SHARED_VULN, 'csaf-icsma');
export const HAVE_CSAF = existsSync(CSAF_DIR);
/** The bundled (CC0) copies in knowledge/vuln. */
export const BUNDLED = join(import.meta.dirname, '../../knowledge/vuln');

export const readJson = (path: string): unknown => JSON.parse(readFileSync(path, 'utf8'));
/** icsma-20-170-04.json -> <CSAF_DIR>/2020/icsma-20-170-04.json */
export const csaf = (name: string) => join(CSAF_DIR, `20${name.slice(6, 8)}`, name);
