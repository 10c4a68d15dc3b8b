/**
 * Vigil's clinical taxonomy (knowledge/taxonomy.json): the categories a device can be, with the clinical
 * context risk scoring needs (safety impact, patient data), and the roles a device can play on a network.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { knowledgeDir } from './knowledge-dir.js';

export type SafetyImpact = 'life-sustaining' | 'therapeutic' | 'diagnostic' | 'monitoring' | 'clinical-support' | 'non-clinical';

export const SAFETY_IMPACTS: readonly SafetyImpact[] = [
  'life-sustaining',
  'therapeutic',
  'diagnostic',
  'monitoring',
  'clinical-support',
  'non-clinical',
];

export interface Category {
  id: string;
  label: string;
  clinicalFunction: string;
  safetyImpact: SafetyImpact;
  /** Stores patient data (a compromise is a breach). */
  holdsPhi: boolean;
  /** Sends or receives patient data on the network. */
  movesPhi: boolean;
  /** Typical clinical workflows, in order where there is one. */
  workflows: string[];
  /** A medical device or clinical system, as opposed to general IT. */
  medical: boolean;
}

export interface Role {
  id: string;
  label: string;
  /** The category a device in this role has unless something says otherwise. */
  category: string;
  description: string;
  /** Every category a device in this role may have (`category` first); e.g. a modality is any imaging-*. */
  categories: readonly string[];
}

const ID = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
const CATEGORY_FIELDS = ['id', 'label', 'clinicalFunction', 'safetyImpact', 'holdsPhi', 'movesPhi', 'workflows', 'medical'];
const ROLE_FIELDS = ['id', 'label', 'category', 'description', 'categories'];

export class Taxonomy {
  readonly categories: readonly Category[];
  readonly roles: readonly Role[];
  private readonly categoryById: ReadonlyMap<string, Category>;
  private readonly roleById: ReadonlyMap<string, Role>;

  private constructor(categories: Category[], roles: Role[]) {
    this.categories = categories;
    this.roles = roles;
    this.categoryById = new Map(categories.map((c) => [c.id, c]));
    this.roleById = new Map(roles.map((r) => [r.id, r]));
  }

  /** knowledge/taxonomy.json (or `file`); throws naming the file, the entry and the problem. */
  static load(file: string = join(knowledgeDir(), 'taxonomy.json')): Taxonomy {
    let doc: unknown;
    try {
      doc = JSON.parse(readFileSync(file, 'utf8'));
    } catch (e) {
      throw new Error(`${file}: ${(e as Error).message}`);
    }
    const { categories, roles } = (doc ?? {}) as { categories?: unknown; roles?: unknown };
    if (!Array.isArray(categories) || !Array.isArray(roles)) throw new Error(`${file}: expected "categories" and "roles" arrays`);
    const cats = categories.map((c: unknown, i) => parseCategory(c, `${file}: categories[${i}]`));
    const catIds = unique(cats, `${file}: categories`);
    const rs = roles.map((r: unknown, i) => parseRole(r, `${file}: roles[${i}]`, catIds));
    unique(rs, `${file}: roles`);
    return new Taxonomy(cats, rs);
  }

  category(id: string): Category | undefined {
    return this.categoryById.get(id);
  }

  role(id: string): Role | undefined {
    return this.roleById.get(id);
  }
}

let shared: Taxonomy | null = null;

/** The bundled taxonomy, loaded once per process. */
export function taxonomy(): Taxonomy {
  return (shared ??= Taxonomy.load());
}

function unique(items: readonly { id: string }[], where: string): Set<string> {
  const ids = new Set<string>();
  for (const it of items) {
    if (ids.has(it.id)) throw new Error(`${where}: duplicate id "${it.id}"`);
    ids.add(it.id);
  }
  return ids;
}

function fields(value: unknown, where: string, allowed: readonly string[]): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error(`${where}: not an object`);
  const o = value as Record<string, unknown>;
  for (const k of Object.keys(o)) if (!allowed.includes(k)) throw new Error(`${where}: unknown field "${k}"`);
  if (typeof o.id !== 'string' || !ID.test(o.id)) throw new Error(`${where}: "id" must be lower-case words joined by "-"`);
  return o;
}

function text(o: Record<string, unknown>, key: string, where: string): string {
  const v = o[key];
  if (typeof v !== 'string' || v.trim() === '') throw new Error(`${where} (${String(o.id)}): "${key}" must be a non-empty string`);
  return v;
}

function flag(o: Record<string, unknown>, key: string, where: string): boolean {
  const v = o[key];
  if (typeof v !== 'boolean') throw new Error(`${where} (${String(o.id)}): "${key}" must be true or false`);
  return v;
}

function parseCategory(value: unknown, where: string): Category {
  const o = fields(value, where, CATEGORY_FIELDS);
  const safety = o.safetyImpact;
  if (!SAFETY_IMPACTS.includes(safety as SafetyImpact)) {
    throw new Error(`${where} (${String(o.id)}): "safetyImpact" must be one of ${SAFETY_IMPACTS.join(', ')}`);
  }
  const workflows = o.workflows;
  if (!Array.isArray(workflows) || workflows.some((w) => typeof w !== 'string' || w.trim() === '')) {
    throw new Error(`${where} (${String(o.id)}): "workflows" must be an array of non-empty strings`);
  }
  return {
    id: o.id as string,
    label: text(o, 'label', where),
    clinicalFunction: text(o, 'clinicalFunction', where),
    safetyImpact: safety as SafetyImpact,
    holdsPhi: flag(o, 'holdsPhi', where),
    movesPhi: flag(o, 'movesPhi', where),
    workflows: workflows as string[],
    medical: flag(o, 'medical', where),
  };
}

function parseRole(value: unknown, where: string, categoryIds: ReadonlySet<string>): Role {
  const o = fields(value, where, ROLE_FIELDS);
  const category = text(o, 'category', where);
  const categories = o.categories ?? [category];
  if (!Array.isArray(categories) || categories[0] !== category) {
    throw new Error(`${where} (${String(o.id)}): "categories" must be an array starting with "category"`);
  }
  for (const c of categories) {
    if (typeof c !== 'string' || !categoryIds.has(c)) throw new Error(`${where} (${String(o.id)}): unknown category "${String(c)}"`);
  }
  return {
    id: o.id as string,
    label: text(o, 'label', where),
    category,
    description: text(o, 'description', where),
    categories: categories as string[],
  };
}
