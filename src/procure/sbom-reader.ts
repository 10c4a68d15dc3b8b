/**
 * A software bill of materials: CycloneDX JSON (components, nested components included) or SPDX JSON
 * (packages). Each component keeps what matching needs (name, version, purl, CPE, supplier) and, where
 * the SBOM states it, its end of support. A component without a name is reported and skipped.
 * A CycloneDX document's `vulnerabilities` (its VEX: the vendor's analysis of each CVE for this device)
 * are kept as statements; a malformed one is reported and skipped.
 */
import { readFileSync } from 'node:fs';

export interface SbomComponent {
  name: string;
  version: string | null;
  purl: string | null;
  cpe: string | null;
  supplier: string | null;
  type: string | null;
  /** CycloneDX property "End-of-Support" (or SPDX validUntilDate), as written. */
  endOfSupport: string | null;
  /** CycloneDX property "Level of Support" (Actively maintained, Inactive, Deprecated...). */
  support: string | null;
  /** CycloneDX bom-ref (SPDX SPDXID): what a VEX statement's `affects` points at. */
  bomRef?: string | null;
}

/** The CycloneDX VEX states (1.4 to 1.6 `analysis.state`). */
export const VEX_STATES = ['resolved', 'resolved_with_pedigree', 'exploitable', 'in_triage', 'false_positive', 'not_affected'] as const;
export type VexState = (typeof VEX_STATES)[number];

/** One CycloneDX `vulnerabilities[]` entry: the vendor's word on one CVE for the components it affects. */
export interface VexStatement {
  id: string;
  state: VexState;
  justification: string | null;
  detail: string | null;
  response: string[];
  /** bom-refs of the components (or of the device itself) the statement is about; empty: the whole SBOM. */
  affects: string[];
}

export interface Sbom {
  file: string;
  format: 'cyclonedx' | 'spdx';
  specVersion: string | null;
  /** The device the SBOM describes (metadata.component), when named. */
  subject: string | null;
  components: SbomComponent[];
  /** bom-ref of the device the SBOM describes (metadata.component), which VEX statements may name. */
  subjectRef?: string | null;
  vex: VexStatement[];
  errors: string[];
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | null => (typeof v === 'string' && v.trim() !== '' ? v.trim() : typeof v === 'number' ? String(v) : null);

function cyclonedx(doc: Obj, file: string): Sbom {
  const subject = isObj(doc.metadata) && isObj(doc.metadata.component) ? doc.metadata.component : null;
  const out: Sbom = { file, format: 'cyclonedx', specVersion: str(doc.specVersion), subject: subject ? str(subject.name) : null, subjectRef: subject ? str(subject['bom-ref']) : null, components: [], vex: [], errors: [] };
  const walk = (list: unknown, path: string) => {
    if (list === undefined) return;
    if (!Array.isArray(list)) {
      out.errors.push(`${file}: ${path}: expected a list`);
      return;
    }
    list.forEach((c, i) => {
      const at = `${path}[${i}]`;
      if (!isObj(c)) return void out.errors.push(`${file}: ${at}: not an object; skipped`);
      const name = str(c.name);
      if (!name) out.errors.push(`${file}: ${at}: component without a name; skipped`);
      else {
        const props = Array.isArray(c.properties) ? c.properties.filter(isObj) : [];
        const prop = (n: string) => str(props.find((p) => typeof p.name === 'string' && p.name.toLowerCase() === n.toLowerCase())?.value);
        const supplier = (isObj(c.supplier) ? str(c.supplier.name) : null) ?? str(c.publisher) ?? str(c.author) ?? (isObj(c.manufacturer) ? str(c.manufacturer.name) : null);
        out.components.push({ name, version: str(c.version), purl: str(c.purl), cpe: str(c.cpe), supplier, type: str(c.type), endOfSupport: prop('End-of-Support') ?? prop('cdx:lifecycle:end-of-support'), support: prop('Level of Support'), bomRef: str(c['bom-ref']) });
      }
      walk(c.components, `${at}.components`);
    });
  };
  walk(doc.components, 'components');
  readVex(doc.vulnerabilities, file, out);
  return out;
}

function readVex(list: unknown, file: string, out: Sbom): void {
  if (list === undefined) return;
  if (!Array.isArray(list)) return void out.errors.push(`${file}: vulnerabilities: expected a list`);
  list.forEach((v, i) => {
    const at = `${file}: vulnerabilities[${i}]`;
    if (!isObj(v)) return void out.errors.push(`${at}: not an object; skipped`);
    const id = str(v.id);
    if (!id) return void out.errors.push(`${at}: no id; skipped`);
    // A vulnerability listed without analysis states nothing about exploitability: nothing to honour.
    if (!isObj(v.analysis)) return void out.errors.push(`${at} (${id}): no analysis; skipped`);
    const state = str(v.analysis.state);
    if (!state || !(VEX_STATES as readonly string[]).includes(state)) return void out.errors.push(`${at} (${id}): analysis.state ${JSON.stringify(v.analysis.state ?? null)} is not one of ${VEX_STATES.join(', ')}; skipped`);
    const affects = Array.isArray(v.affects) ? v.affects.filter(isObj).map((a) => str(a.ref)).filter((r): r is string => r !== null) : [];
    const response = Array.isArray(v.analysis.response) ? v.analysis.response.map(str).filter((r): r is string => r !== null) : [];
    out.vex.push({ id: id.toUpperCase(), state: state as VexState, justification: str(v.analysis.justification), detail: str(v.analysis.detail), response, affects });
  });
}

function spdx(doc: Obj, file: string): Sbom {
  const out: Sbom = { file, format: 'spdx', specVersion: str(doc.spdxVersion), subject: str(doc.name), components: [], vex: [], errors: [] };
  const packages = Array.isArray(doc.packages) ? doc.packages : [];
  if (!Array.isArray(doc.packages)) out.errors.push(`${file}: packages: expected a list`);
  packages.forEach((p, i) => {
    if (!isObj(p) || !str(p.name)) return void out.errors.push(`${file}: packages[${i}]: package without a name; skipped`);
    const refs = Array.isArray(p.externalRefs) ? p.externalRefs.filter(isObj) : [];
    const ref = (t: RegExp) => str(refs.find((r) => typeof r.referenceType === 'string' && t.test(r.referenceType))?.referenceLocator);
    // SPDX writes suppliers as "Organization: Name" or "Person: Name"; NOASSERTION says nothing.
    const supplier = str(p.supplier)?.replace(/^(Organization|Person|Tool):\s*/i, '') ?? null;
    out.components.push({ name: str(p.name)!, version: str(p.versionInfo), purl: ref(/^purl$/i), cpe: ref(/^cpe23Type$|^cpe22Type$/i), supplier: supplier === 'NOASSERTION' ? null : supplier, type: str(p.primaryPackagePurpose), endOfSupport: str(p.validUntilDate), support: null, bomRef: str(p.SPDXID) });
  });
  return out;
}

export function parseSbom(text: string, file: string): Sbom {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new Error(`${file}: not valid JSON: ${(err as Error).message}`);
  }
  if (!isObj(doc)) throw new Error(`${file}: not a JSON object`);
  if (doc.bomFormat === 'CycloneDX' || (Array.isArray(doc.components) && typeof doc.specVersion === 'string')) return cyclonedx(doc, file);
  if (typeof doc.spdxVersion === 'string') return spdx(doc, file);
  throw new Error(`${file}: neither CycloneDX JSON (bomFormat) nor SPDX JSON (spdxVersion)`);
}

export function readSbom(file: string): Sbom {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new Error(`${file}: not readable: ${(err as Error).message}`);
  }
  return parseSbom(text, file);
}

/** CPE 2.3 fields: cpe:2.3:part:vendor:product:version:... ("*" and "-" say nothing). */
export function cpeParts(cpe: string | null): { vendor: string | null; product: string | null; version: string | null } {
  const f = cpe?.split(':') ?? [];
  if (f[0] !== 'cpe' || f.length < 6) return { vendor: null, product: null, version: null };
  const v = (x: string | undefined) => (x && x !== '*' && x !== '-' ? x.replace(/\\(.)/g, '$1') : null);
  return f[1] === '2.3' ? { vendor: v(f[3]), product: v(f[4]), version: v(f[5]) } : { vendor: v(f[2]), product: v(f[3]), version: v(f[4]) };
}
