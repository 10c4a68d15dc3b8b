/**
 * The zone policy `segmentation.violation` checks conversations against: which zone may open conversations
 * to which zone, on which services. A YAML (or JSON) file, edited by the site:
 * ```yaml
 * extends: default            # also apply the bundled policy, after these rules (user files only)
 * enforce: [kind:clinical]    # zones that declare a policy: default-deny to and from them
 * rules:
 *   - from: kind:guest        # a zone id, a glob (icu-*), kind:<zone kind>, or *
 *     to: kind:clinical
 *     action: deny            # allow | deny
 *     severity: high          # optional: the alert's base severity
 *     why: guest Wi-Fi must never reach clinical networks
 *   - from: '*'
 *     to: kind:it
 *     services: [udp/53, udp/67, tcp/8000-8100, icmp]   # omitted or '*': any service
 *     action: allow
 * ```
 * The first rule that matches decides (a site's rules come before the bundled ones, so they override
 * them). With no matching rule, a conversation between two different zones is a violation when either
 * zone is enforced (default-deny); otherwise it is not judged. Conversations inside one zone are never
 * judged: segmentation is between zones.
 */
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { parse } from 'yaml';
import { knowledgeDir } from '../inventory/knowledge-dir.js';
import { SEVERITIES, type Severity } from './alert.js';

/** A zone as the policy sees it: its id and, when a site file gave one, its kind. */
export interface ZoneRef {
  id: string;
  kind: string | null;
}

/** Transport codes for services: the policy and the rule compare numbers, not text. */
export const PROTO_TCP = 0;
export const PROTO_UDP = 1;
export const PROTO_ICMP = 2;
export const PROTO_OTHER = 3;
const PROTO_CODES: Record<string, number> = { tcp: PROTO_TCP, udp: PROTO_UDP, icmp: PROTO_ICMP, icmpv6: PROTO_ICMP };
export const protoCode = (proto: string): number => PROTO_CODES[proto] ?? PROTO_OTHER;

interface ServiceRange {
  /** A PROTO_ code, or -1 for any transport. */
  proto: number;
  lo: number;
  hi: number;
}

export interface ZonePolicyRule {
  from: string;
  to: string;
  /** null: any service. */
  services: readonly ServiceRange[] | null;
  action: 'allow' | 'deny';
  severity: Severity | null;
  why: string | null;
  /** `file-name: rules[i]`, for the alert's evidence. */
  where: string;
  fromMatch: (z: ZoneRef) => boolean;
  toMatch: (z: ZoneRef) => boolean;
}

export interface ZonePolicy {
  enforce: readonly ((z: ZoneRef) => boolean)[];
  rules: readonly ZonePolicyRule[];
}

/** What the policy says of one conversation: allowed, or denied by a rule or by default (rule null). */
export interface ZoneVerdict {
  allowed: boolean;
  rule: ZonePolicyRule | null;
}

export const DEFAULT_ZONE_POLICY = (): string => join(knowledgeDir(), 'detect', 'zone-policy.yaml');

const globCache = new Map<string, RegExp>();
function glob(pattern: string): RegExp {
  let r = globCache.get(pattern);
  if (!r) globCache.set(pattern, (r = new RegExp(`^${pattern.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`)));
  return r;
}

/** A matcher for `*`, `kind:<glob>` or an id glob. */
export function zonePattern(pattern: string): (z: ZoneRef) => boolean {
  if (pattern === '*') return () => true;
  if (pattern.startsWith('kind:')) {
    const re = glob(pattern.slice(5));
    return (z) => z.kind !== null && re.test(z.kind);
  }
  const re = glob(pattern);
  return (z) => re.test(z.id);
}

/** `tcp/443`, `udp/5000-5100`, `tcp/*`, `icmp`, `*`. */
function parseService(text: string, where: string): ServiceRange {
  const t = text.trim().toLowerCase();
  if (t === '*' || t === 'any') return { proto: -1, lo: 0, hi: 65535 };
  if (t === 'icmp' || t === 'icmpv6') return { proto: PROTO_ICMP, lo: 0, hi: 65535 };
  const m = /^(tcp|udp)\/(\*|(\d{1,5})(?:-(\d{1,5}))?)$/.exec(t);
  if (!m) throw new Error(`${where}: bad service ${JSON.stringify(text)}; expected tcp/443, udp/5000-5100, tcp/*, icmp or *`);
  const proto = PROTO_CODES[m[1]];
  if (m[2] === '*') return { proto, lo: 0, hi: 65535 };
  const lo = Number(m[3]);
  const hi = m[4] === undefined ? lo : Number(m[4]);
  if (lo > 65535 || hi > 65535 || hi < lo) throw new Error(`${where}: bad port range in ${JSON.stringify(text)}`);
  return { proto, lo, hi };
}

const ACTIONS = new Set(['allow', 'deny']);

interface ParsedFile {
  extendsDefault: boolean;
  enforce: string[];
  rules: ZonePolicyRule[];
}

function parseFile(file: string): ParsedFile {
  let doc: Record<string, unknown>;
  try {
    doc = (parse(readFileSync(file, 'utf8')) ?? {}) as Record<string, unknown>;
  } catch (err) {
    throw new Error(`zone policy ${file}: ${(err as Error).message}`);
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) throw new Error(`zone policy ${file}: expected a mapping with "enforce" and "rules"`);
  if (doc.extends !== undefined && doc.extends !== 'default') throw new Error(`zone policy ${file}: "extends" can only be "default"`);
  const enforce = doc.enforce ?? [];
  if (!Array.isArray(enforce) || enforce.some((e) => typeof e !== 'string' || e === '')) throw new Error(`zone policy ${file}: "enforce" must be a list of zone patterns`);
  if (!Array.isArray(doc.rules ?? [])) throw new Error(`zone policy ${file}: "rules" must be a list`);
  const rules = ((doc.rules ?? []) as unknown[]).map((raw, i): ZonePolicyRule => {
    const where = `zone policy ${file}: rules[${i}]`;
    const r = raw as Record<string, unknown>;
    if (r === null || typeof r !== 'object') throw new Error(`${where}: expected a mapping`);
    for (const k of ['from', 'to'] as const) if (typeof r[k] !== 'string' || r[k] === '') throw new Error(`${where}: "${k}" must be a zone pattern (an id, a glob, kind:<kind> or *)`);
    if (typeof r.action !== 'string' || !ACTIONS.has(r.action)) throw new Error(`${where}: "action" must be allow or deny`);
    if (r.severity !== undefined && !SEVERITIES.includes(r.severity as Severity)) throw new Error(`${where}: "severity" must be one of ${SEVERITIES.join(', ')}`);
    let services: ServiceRange[] | null = null;
    if (r.services !== undefined && r.services !== '*') {
      if (!Array.isArray(r.services) || r.services.some((s) => typeof s !== 'string' && typeof s !== 'number')) throw new Error(`${where}: "services" must be a list such as [tcp/443, udp/53]`);
      services = r.services.map((s) => parseService(String(s), where));
      if (services.some((s) => s.proto === -1)) services = null;
    }
    return {
      from: r.from as string, to: r.to as string, services, action: r.action as 'allow' | 'deny', severity: (r.severity as Severity | undefined) ?? null,
      why: typeof r.why === 'string' ? r.why : null, where: `${basename(file)}: rules[${i}]`, fromMatch: zonePattern(r.from as string), toMatch: zonePattern(r.to as string),
    };
  });
  return { extendsDefault: doc.extends === 'default', enforce: enforce as string[], rules };
}

/**
 * The policy from `files` in order; without files, the bundled one (knowledge/detect/zone-policy.yaml). A
 * file with `extends: default` adds the bundled rules after all given files' rules.
 */
export function loadZonePolicy(files: readonly string[] = []): ZonePolicy {
  const parsed = (files.length ? files : [DEFAULT_ZONE_POLICY()]).map(parseFile);
  if (files.length && parsed.some((p) => p.extendsDefault)) parsed.push(parseFile(DEFAULT_ZONE_POLICY()));
  return { enforce: parsed.flatMap((p) => p.enforce).map(zonePattern), rules: parsed.flatMap((p) => p.rules) };
}

function serviceMatches(services: readonly ServiceRange[] | null, proto: number, port: number): boolean {
  if (services === null) return true;
  for (const s of services) if ((s.proto === -1 || s.proto === proto) && (proto === PROTO_ICMP || (port >= s.lo && port <= s.hi))) return true;
  return false;
}

/**
 * The verdict on a conversation opened from zone `src` to a service (`proto` a PROTO_ code, `port` the
 * responder's port) in zone `dst`; null when the policy does not judge it (one zone, or no rule and neither
 * zone enforced).
 */
export function zoneVerdict(policy: ZonePolicy, src: ZoneRef, dst: ZoneRef, proto: number, port: number): ZoneVerdict | null {
  if (src.id === dst.id) return null;
  for (const r of policy.rules) if (r.fromMatch(src) && r.toMatch(dst) && serviceMatches(r.services, proto, port)) return { allowed: r.action === 'allow', rule: r };
  if (policy.enforce.some((e) => e(src) || e(dst))) return { allowed: false, rule: null };
  return null;
}
