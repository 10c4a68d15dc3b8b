import { join } from 'node:path';
import type { ObservationValue } from '../protocols/observation.js';
import type { Attribute } from './fingerprint-rules.js';
import { knowledgeDir } from './knowledge-dir.js';
import { canonicalVendor } from './vendor-names.js';
import { readKnowledgeJson } from './knowledge-dir.js';

export type FieldTransform = 'vendor' | 'medical-vendor' | 'first-label' | 'windows-build' | 'nbns-name';

export interface IdentityField {
  key: string;
  attribute: Attribute | 'hostname';
  confidence: number;
  transform?: FieldTransform;
}

const ATTRIBUTES = new Set(['vendor', 'model', 'firmware', 'os', 'category', 'role', 'serial', 'hostname']);
const TRANSFORMS = new Set(['vendor', 'medical-vendor', 'first-label', 'windows-build', 'nbns-name']);

/** knowledge/identity-fields.json plus user files of the same shape; errors name the file and entry. */
export function loadIdentityFields(extraFiles: readonly string[] = []): Map<string, IdentityField[]> {
  const byKey = new Map<string, IdentityField[]>();
  for (const file of [join(knowledgeDir(), 'identity-fields.json'), ...extraFiles]) {
    const doc = readKnowledgeJson<{ fields?: unknown }>(file);
    if (!Array.isArray(doc.fields)) throw new Error(`${file}: expected {"fields": [...]}`);
    doc.fields.forEach((f: IdentityField, i: number) => {
      const where = `${file}: fields[${i}]`;
      if (typeof f?.key !== 'string' || !/^[a-z0-9_-]+\./.test(f.key)) throw new Error(`${where}: "key" must be an observation key`);
      if (!ATTRIBUTES.has(f.attribute)) throw new Error(`${where}: unknown attribute ${JSON.stringify(f.attribute)}`);
      if (typeof f.confidence !== 'number' || !(f.confidence > 0 && f.confidence <= 1)) throw new Error(`${where}: "confidence" must be in (0, 1]`);
      if (f.transform !== undefined && !TRANSFORMS.has(f.transform)) throw new Error(`${where}: unknown transform ${JSON.stringify(f.transform)}`);
      let list = byKey.get(f.key);
      if (!list) byKey.set(f.key, (list = []));
      list.push(f);
    });
  }
  return byKey;
}

/** Windows names by NT version and build ([MS-NLMP] VERSION carries both). */
function windowsName(version: string): string | null {
  const m = /^(\d+)\.(\d+)\.(\d+)/.exec(version);
  if (!m) return null;
  const [major, minor, build] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (major === 10) {
    if (build >= 22000) return `Windows 11 (build ${build})`;
    if (build === 14393 || build === 17763 || build === 20348) return `Windows Server ${build === 14393 ? 2016 : build === 17763 ? 2019 : 2022} or Windows 10 (build ${build})`;
    return `Windows 10 (build ${build})`;
  }
  const legacy: Record<string, string> = { '6.3': 'Windows 8.1 / Server 2012 R2', '6.2': 'Windows 8 / Server 2012', '6.1': 'Windows 7 / Server 2008 R2', '6.0': 'Windows Vista / Server 2008', '5.2': 'Windows XP x64 / Server 2003', '5.1': 'Windows XP' };
  const name = legacy[`${major}.${minor}`];
  return name ? `${name} (build ${build})` : `Windows NT ${major}.${minor} (build ${build})`;
}

/** The attribute value a field's observation states, or null when it states nothing usable. */
export function fieldValue(field: IdentityField, value: ObservationValue): string | null {
  if (typeof value !== 'string') return null;
  let v = value.trim();
  switch (field.transform) {
    case 'vendor':
      v = canonicalVendor(v);
      break;
    case 'medical-vendor':
      // A medical protocol's "SIEMENS" is Siemens Healthineers, not the building-systems business.
      v = canonicalVendor(v, 'medical');
      break;
    case 'first-label':
      v = v.split('.')[0];
      break;
    case 'nbns-name':
      v = v.replace(/<[0-9a-f]{2}>$/i, '').trim();
      break;
    case 'windows-build':
      return windowsName(v);
  }
  return v === '' ? null : v;
}
