/**
 * Fingerprint rules: data (knowledge/fingerprints/*.json|yaml, plus user folders) saying which facts about a
 * device reveal its vendor, model, firmware, OS, category, role or serial. The file format is documented in
 * knowledge/README.md. Rules are validated and compiled once, and indexed by the key (and, for `equals`, the
 * value) of a condition, so matching one device costs a map lookup per fact plus the rules it can satisfy.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { ObservationValue } from '../protocols/observation.js';
import { knowledgeDir } from './knowledge-dir.js';
import { taxonomy } from './taxonomy.js';

export type Attribute = 'vendor' | 'model' | 'firmware' | 'os' | 'category' | 'role' | 'serial';
export const ATTRIBUTES: readonly Attribute[] = ['vendor', 'model', 'firmware', 'os', 'category', 'role', 'serial'];

export interface Fact {
  key: string;
  value: ObservationValue;
}

export interface RuleHit {
  rule: string;
  attribute: Attribute;
  value: string;
  confidence: number;
  /** The facts that satisfied the rule's conditions, in the order of its `when`. */
  evidence: Fact[];
}

type Operator = 'match' | 'equals' | 'contains' | 'prefix';
const OPERATORS: readonly Operator[] = ['match', 'equals', 'contains', 'prefix'];

/** Bounds that keep a user's rule file from making matching slow. */
const MAX_CONDITIONS = 8;
const MAX_PATTERN_LENGTH = 512;
const MAX_TEMPLATE_LENGTH = 256;
/** Values longer than this are not tested (observations are capped at 512 characters anyway): a bound on
 *  the time a regex can take (patterns that backtrack exponentially are refused at load). */
const MAX_VALUE_LENGTH = 1024;
/** A substituted value longer than this is cut: attribute values are names, not text. */
const MAX_HIT_VALUE_LENGTH = 128;
/** List elements tested per fact. */
const MAX_LIST_ELEMENTS = 64;

const RULE_ID = /^[a-z0-9][a-z0-9._-]*$/;
const FACT_KEY = /^[a-z0-9-]+(?:\.[a-z0-9_-]+)+$/;
const RULE_FIELDS = ['id', 'when', 'unless', 'then', 'confidence', 'source', 'description'];
const FILE_FIELDS = ['rules', '$comment', 'licence', 'attribution'];
const CONDITION_FIELDS = ['key', 'case', ...OPERATORS];
const RULE_FILE = /\.(json|ya?ml)$/;
/** A group holding one repeated atom, itself repeated: `(a+)+`, `(\w*)*`, `([^,]+){2,}`. It backtracks
 *  exponentially on a near-miss; JavaScript regexes have no time limit, so such patterns are refused. */
const NESTED_QUANTIFIER = /\((?:\?:)?(?:\\.|\[(?:\\.|[^\]])*\]|[^()\\])[+*]\)(?:[+*]|\{\d+,)/;

interface Condition {
  key: string;
  op: Operator;
  /** The operand, lower-cased unless the condition is case-sensitive. */
  operand: string;
  regex: RegExp | null;
  caseSensitive: boolean;
  /** Capture groups the condition yields: a regex's groups; `$0` (the value) for the others. */
  groups: number;
}

/** A `then` value: literal text and references to capture groups. */
type TemplatePart = string | { condition: number; group: number };

interface Rule {
  order: number;
  id: string;
  file: string;
  when: Condition[];
  /** The rule does not fire when any of these holds for any fact (a relayed DICOM store is not the sender's own). */
  unless: Condition[];
  then: { attribute: Attribute; template: TemplatePart[] }[];
  confidence: number;
  source: string;
}

export class RuleFileError extends Error {
  constructor(file: string, rule: string | null, message: string) {
    super(rule === null ? `${file}: ${message}` : `${file}: rule "${rule}": ${message}`);
    this.name = 'RuleFileError';
  }
}

export class FingerprintRules {
  private readonly rules: Rule[];
  /** Rules indexed by an `equals` condition: key, then lower-cased value. */
  private readonly byKeyAndValue = new Map<string, Map<string, Rule[]>>();
  /** The other rules, by the key of their first condition. */
  private readonly byKey = new Map<string, Rule[]>();

  private constructor(rules: Rule[]) {
    this.rules = rules;
    for (const rule of rules) {
      const indexed = rule.when.find((c) => c.op === 'equals') ?? null;
      if (indexed !== null) {
        let values = this.byKeyAndValue.get(indexed.key);
        if (values === undefined) this.byKeyAndValue.set(indexed.key, (values = new Map()));
        const v = indexed.operand.toLowerCase();
        const list = values.get(v);
        if (list === undefined) values.set(v, [rule]);
        else list.push(rule);
      } else {
        const list = this.byKey.get(rule.when[0].key);
        if (list === undefined) this.byKey.set(rule.when[0].key, [rule]);
        else list.push(rule);
      }
    }
  }

  /** knowledge/fingerprints/*.json|yaml, then every such file in `extraDirs` (user rules). Validates every
   *  rule and throws naming file, rule id and problem. Compiles regexes once. */
  static load(extraDirs: readonly string[] = []): FingerprintRules {
    const files: string[] = [];
    for (const dir of [join(knowledgeDir(), 'fingerprints'), ...extraDirs]) {
      let names: string[];
      try {
        names = readdirSync(dir);
      } catch (e) {
        throw new RuleFileError(dir, null, `cannot read rule folder: ${(e as Error).message}`);
      }
      for (const n of names.filter((n) => RULE_FILE.test(n)).sort()) files.push(join(dir, n));
    }
    return FingerprintRules.fromFiles(files);
  }

  /** The rules of these files, in order; ids must be unique across all of them. */
  static fromFiles(files: readonly string[]): FingerprintRules {
    const rules: Rule[] = [];
    const ids = new Map<string, string>();
    const tax = taxonomy();
    for (const file of files) {
      for (const rule of parseRuleFile(file, readFileSync(file, 'utf8'), rules.length)) {
        const other = ids.get(rule.id);
        if (other !== undefined) throw new RuleFileError(file, rule.id, `duplicate id (also in ${other})`);
        ids.set(rule.id, file);
        for (const { attribute, template } of rule.then) {
          if (template.length !== 1 || typeof template[0] !== 'string') continue;
          if (attribute === 'category' && tax.category(template[0]) === undefined) {
            throw new RuleFileError(file, rule.id, `category "${template[0]}" is not in knowledge/taxonomy.json`);
          }
          if (attribute === 'role' && tax.role(template[0]) === undefined) {
            throw new RuleFileError(file, rule.id, `role "${template[0]}" is not in knowledge/taxonomy.json`);
          }
        }
        rules.push(rule);
      }
    }
    return new FingerprintRules(rules);
  }

  get size(): number {
    return this.rules.length;
  }

  /** Every attribute value the rules derive from one device's distinct facts. */
  match(facts: readonly Fact[]): RuleHit[] {
    const byKey = new Map<string, Fact[]>();
    for (const f of facts) {
      const list = byKey.get(f.key);
      if (list === undefined) byKey.set(f.key, [f]);
      else list.push(f);
    }
    const candidates = new Set<Rule>();
    for (const [key, list] of byKey) {
      const rules = this.byKey.get(key);
      if (rules !== undefined) for (const r of rules) candidates.add(r);
      const values = this.byKeyAndValue.get(key);
      if (values === undefined) continue;
      for (const f of list) {
        forEachString(f.value, true, (s) => {
          const hit = values.get(s.toLowerCase());
          if (hit !== undefined) for (const r of hit) candidates.add(r);
          return false;
        });
      }
    }
    const ordered = [...candidates].sort((a, b) => a.order - b.order);
    const hits: RuleHit[] = [];
    const seen = new Set<string>();
    for (const rule of ordered) evaluate(rule, byKey, hits, seen);
    return hits;
  }
}

/** Calls `visit` with each string a value offers to a condition; stops when it returns true. A list offers
 *  its elements and, for `equals`, the whole list joined with `,` (how DHCP fingerprints are written). */
function forEachString(value: ObservationValue, joined: boolean, visit: (s: string) => boolean): void {
  if (typeof value === 'string') {
    if (value.length <= MAX_VALUE_LENGTH) visit(value);
    return;
  }
  if (typeof value === 'number' || typeof value === 'boolean') {
    visit(String(value));
    return;
  }
  const n = Math.min(value.length, MAX_LIST_ELEMENTS);
  for (let i = 0; i < n; i++) {
    const s = String(value[i]);
    if (s.length <= MAX_VALUE_LENGTH && visit(s)) return;
  }
  if (joined && value.length > 0) {
    const all = value.join(',');
    if (all.length <= MAX_VALUE_LENGTH) visit(all);
  }
}

/** The capture groups of a condition on one value (group 0 the whole match), or null. */
function test(c: Condition, value: ObservationValue): readonly string[] | null {
  let result: readonly string[] | null = null;
  forEachString(value, c.op === 'equals', (s) => {
    if (c.regex !== null) {
      const m = c.regex.exec(s);
      if (m !== null) result = m.map((g) => g ?? '');
    } else {
      const v = c.caseSensitive ? s : s.toLowerCase();
      if (c.op === 'equals' ? v === c.operand : c.op === 'prefix' ? v.startsWith(c.operand) : v.includes(c.operand)) result = [s];
    }
    return result !== null;
  });
  return result;
}

function evaluate(rule: Rule, byKey: ReadonlyMap<string, Fact[]>, hits: RuleHit[], seen: Set<string>): void {
  const first = byKey.get(rule.when[0].key);
  if (first === undefined) return;
  for (const c of rule.unless) for (const f of byKey.get(c.key) ?? []) if (test(c, f.value) !== null) return;
  // Every fact satisfying the first condition may give its own value (two User-Agents, two models);
  // the other conditions need only hold once.
  const rest: { fact: Fact; groups: readonly string[] }[] = [];
  for (let i = 1; i < rule.when.length; i++) {
    const c = rule.when[i];
    let found: { fact: Fact; groups: readonly string[] } | null = null;
    for (const f of byKey.get(c.key) ?? []) {
      const groups = test(c, f.value);
      if (groups !== null) {
        found = { fact: f, groups };
        break;
      }
    }
    if (found === null) return;
    rest.push(found);
  }
  for (const fact of first) {
    const groups = test(rule.when[0], fact.value);
    if (groups === null) continue;
    const all = [groups, ...rest.map((r) => r.groups)];
    const evidence = [fact, ...rest.map((r) => r.fact)];
    for (const { attribute, template } of rule.then) {
      const value = render(template, all);
      if (value === '') continue;
      const dedupe = `${rule.id}\u0000${attribute}\u0000${value}`;
      if (seen.has(dedupe)) continue;
      seen.add(dedupe);
      hits.push({ rule: rule.id, attribute, value, confidence: rule.confidence, evidence });
    }
  }
}

/** The value of a `then` template, or '' (dropped) when nothing is left or when every group it refers to
 *  is empty: "Aironet $1" without a model number says nothing. */
function render(template: readonly TemplatePart[], groups: readonly (readonly string[])[]): string {
  let out = '';
  let references = 0;
  let filled = 0;
  for (const part of template) {
    if (typeof part === 'string') {
      out += part;
      continue;
    }
    const g = groups[part.condition][part.group] ?? '';
    references++;
    if (g.trim() !== '') filled++;
    out += g;
  }
  if (references > 0 && filled === 0) return '';
  out = out.replace(/\s+/g, ' ').trim();
  return out.length > MAX_HIT_VALUE_LENGTH ? out.slice(0, MAX_HIT_VALUE_LENGTH).trimEnd() : out;
}

function parseRuleFile(file: string, text: string, firstOrder: number): Rule[] {
  let doc: unknown;
  try {
    doc = file.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
  } catch (e) {
    throw new RuleFileError(file, null, (e as Error).message.split('\n')[0]);
  }
  if (typeof doc !== 'object' || doc === null || !Array.isArray((doc as { rules?: unknown }).rules)) {
    throw new RuleFileError(file, null, 'expected an object with a "rules" array');
  }
  for (const k of Object.keys(doc)) if (!FILE_FIELDS.includes(k)) throw new RuleFileError(file, null, `unknown field "${k}"`);
  return ((doc as { rules: unknown[] }).rules).map((r, i) => parseRule(file, r, i, firstOrder + i));
}

function parseRule(file: string, value: unknown, index: number, order: number): Rule {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new RuleFileError(file, null, `rules[${index}] is not an object`);
  }
  const r = value as Record<string, unknown>;
  const id = typeof r.id === 'string' ? r.id : `rules[${index}]`;
  const fail = (message: string): never => {
    throw new RuleFileError(file, id, message);
  };
  if (typeof r.id !== 'string' || !RULE_ID.test(r.id)) fail('"id" must be lower case letters, digits, ".", "_" or "-"');
  for (const k of Object.keys(r)) if (!RULE_FIELDS.includes(k)) fail(`unknown field "${k}"`);
  if (!Array.isArray(r.when) || r.when.length === 0 || r.when.length > MAX_CONDITIONS) {
    fail(`"when" must be a list of 1 to ${MAX_CONDITIONS} conditions`);
  }
  const when = (r.when as unknown[]).map((c, i) => parseCondition(c, `when[${i}]`, fail));
  if (r.unless !== undefined && (!Array.isArray(r.unless) || r.unless.length === 0 || r.unless.length > MAX_CONDITIONS)) {
    fail(`"unless" must be a list of 1 to ${MAX_CONDITIONS} conditions`);
  }
  const unless = ((r.unless as unknown[] | undefined) ?? []).map((c, i) => parseCondition(c, `unless[${i}]`, fail));
  if (typeof r.then !== 'object' || r.then === null || Array.isArray(r.then) || Object.keys(r.then).length === 0) {
    fail('"then" must be an object setting at least one attribute');
  }
  const then = Object.entries(r.then as Record<string, unknown>).map(([attribute, v]) => {
    if (!ATTRIBUTES.includes(attribute as Attribute)) fail(`"then" sets unknown attribute "${attribute}" (use ${ATTRIBUTES.join(', ')})`);
    if (typeof v !== 'string' || v.trim() === '' || v.length > MAX_TEMPLATE_LENGTH) {
      fail(`"then.${attribute}" must be a non-empty string of at most ${MAX_TEMPLATE_LENGTH} characters`);
    }
    return { attribute: attribute as Attribute, template: parseTemplate(v as string, when, `then.${attribute}`, fail) };
  });
  if (typeof r.confidence !== 'number' || !(r.confidence > 0 && r.confidence <= 1)) fail('"confidence" must be a number in (0, 1]');
  if (typeof r.source !== 'string' || r.source.trim() === '') fail('"source" must say where the signature is published');
  if (r.description !== undefined && typeof r.description !== 'string') fail('"description" must be a string');
  return { order, id, file, when, unless, then, confidence: r.confidence as number, source: r.source as string };
}

function parseCondition(value: unknown, where: string, fail: (m: string) => never): Condition {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return fail(`${where} is not an object`);
  const c = value as Record<string, unknown>;
  for (const k of Object.keys(c)) if (!CONDITION_FIELDS.includes(k)) fail(`${where}: unknown field "${k}"`);
  if (typeof c.key !== 'string' || !FACT_KEY.test(c.key)) fail(`${where}: "key" must be a fact key like "dhcp.vendor_class"`);
  const ops = OPERATORS.filter((o) => c[o] !== undefined);
  if (ops.length !== 1) fail(`${where}: needs exactly one of ${OPERATORS.join(', ')}`);
  const op = ops[0];
  const operand = c[op];
  if (typeof operand !== 'string' || operand === '' || operand.length > MAX_PATTERN_LENGTH) {
    fail(`${where}: "${op}" must be a non-empty string of at most ${MAX_PATTERN_LENGTH} characters`);
  }
  if (c.case !== undefined && typeof c.case !== 'boolean') fail(`${where}: "case" must be true or false`);
  const caseSensitive = c.case === true;
  let regex: RegExp | null = null;
  let groups = 0;
  if (op === 'match') {
    if (NESTED_QUANTIFIER.test(operand as string)) fail(`${where}: nested quantifier (catastrophic backtracking)`);
    try {
      regex = new RegExp(operand as string, caseSensitive ? '' : 'i');
    } catch (e) {
      fail(`${where}: bad regular expression: ${(e as Error).message}`);
    }
    // Capture groups of a regex: those of its alternation with the empty pattern, which always matches.
    groups = (new RegExp(`${operand as string}|`).exec('') as RegExpExecArray).length - 1;
  }
  return {
    key: c.key as string,
    op,
    operand: caseSensitive || regex !== null ? (operand as string) : (operand as string).toLowerCase(),
    regex,
    caseSensitive,
    groups,
  };
}

/** `$1`..`$9`: groups of the first condition; `${c.n}`: group n of condition c (from 1); `$0`, `${c.0}`:
 *  the whole match (the value itself for `equals`, `contains`, `prefix`); `$$`: a dollar sign. */
function parseTemplate(text: string, when: readonly Condition[], where: string, fail: (m: string) => never): TemplatePart[] {
  const parts: TemplatePart[] = [];
  let literal = '';
  const ref = /\$(?:(\d)|\{(\d+)\.(\d+)\}|(\$))/y;
  for (let i = 0; i < text.length; ) {
    if (text[i] !== '$') {
      literal += text[i++];
      continue;
    }
    ref.lastIndex = i;
    const m = ref.exec(text);
    if (m === null) return fail(`${where}: "$" must start $n, \${c.n} or $$`);
    i = ref.lastIndex;
    if (m[4] !== undefined) {
      literal += '$';
      continue;
    }
    const condition = m[1] !== undefined ? 0 : Number(m[2]) - 1;
    const group = Number(m[1] ?? m[3]);
    if (condition < 0 || condition >= when.length) fail(`${where}: condition ${condition + 1} does not exist`);
    if (group > when[condition].groups) fail(`${where}: condition ${condition + 1} has no capture group ${group}`);
    if (literal !== '') parts.push(literal);
    literal = '';
    parts.push({ condition, group });
  }
  if (literal !== '') parts.push(literal);
  return parts;
}
