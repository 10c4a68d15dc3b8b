/**
 * Which network service a vulnerability is reached through (knowledge/vuln/service-exposure.json): words
 * of its title and description, its CWE, or its product name select rules; each rule names ports
 * (`tcp/443`, or `any` for a flaw in the TCP/IP stack itself), service names, or a radio link.
 */
import { join } from 'node:path';
import { knowledgeDir } from '../inventory/knowledge-dir.js';
import { asArray, isObject } from './feed.js';
import { readKnowledgeJson } from '../inventory/knowledge-dir.js';

export interface ServiceNeed {
  /** Ids of the rules that hold, e.g. ["web"]. */
  rules: string[];
  /** `tcp/443`... */
  ports: Set<string>;
  services: Set<string>;
  /** Any listening port will do (a TCP/IP stack flaw). */
  anyPort: boolean;
  /** Reached over a radio link a wired capture does not see. */
  radio: boolean;
}

interface Rule {
  id: string;
  words: RegExp | null;
  cwes: Set<string>;
  product: RegExp | null;
  ports: string[];
  services: string[];
  radio: boolean;
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

export class ServiceExposureRules {
  private readonly memo = new Map<string, ServiceNeed | null>();

  private constructor(private readonly rules: readonly Rule[]) {}

  static load(file = join(knowledgeDir(), 'vuln', 'service-exposure.json')): ServiceExposureRules {
    const doc = readKnowledgeJson<unknown>(file);
    if (!isObject(doc) || !Array.isArray(doc.rules)) throw new Error(`${file}: expected {"rules": [...]}`);
    const rules = doc.rules.map((r: unknown, i): Rule => {
      const where = `${file}: rules[${i}]`;
      if (!isObject(r) || typeof r.id !== 'string') throw new Error(`${where}: needs an "id"`);
      const ports = asArray(r.ports).map(String);
      for (const p of ports) if (p !== 'any' && !/^(tcp|udp)\/\d{1,5}$/.test(p)) throw new Error(`${where} (${r.id}): port "${p}" is not tcp/N, udp/N or any`);
      const words = asArray(r.words).map(String);
      let product: RegExp | null = null;
      if (typeof r.product === 'string') {
        try {
          product = new RegExp(r.product, 'iu');
        } catch (err) {
          throw new Error(`${where} (${r.id}).product: ${(err as Error).message}`);
        }
      }
      return {
        id: r.id,
        words: words.length ? new RegExp(`(?:^|[^a-z0-9])(?:${words.map(escape).join('|')})(?:$|[^a-z0-9])`, 'i') : null,
        cwes: new Set(asArray(r.cwes).map(String)),
        product,
        ports,
        services: asArray(r.services).map(String),
        radio: r.radio === true,
      };
    });
    return new ServiceExposureRules(rules);
  }

  /** The services a vulnerability needs, or null when no rule names one (any listening service may do). */
  need(v: { cve: string; title: string | null; description: string | null; cwe: string | null }, products: readonly string[] = []): ServiceNeed | null {
    const key = `${v.cve}\u0000${products.join('\u0001')}`;
    const hit = this.memo.get(key);
    if (hit !== undefined) return hit;
    const text = `${v.title ?? ''}\n${v.description ?? ''}`;
    const need: ServiceNeed = { rules: [], ports: new Set(), services: new Set(), anyPort: false, radio: false };
    for (const r of this.rules) {
      const holds = (r.words !== null && r.words.test(text)) || (v.cwe !== null && r.cwes.has(v.cwe)) || (r.product !== null && products.some((p) => r.product!.test(p)));
      if (!holds) continue;
      need.rules.push(r.id);
      for (const p of r.ports) if (p === 'any') need.anyPort = true;
      else need.ports.add(p);
      for (const s of r.services) need.services.add(s);
      if (r.radio) need.radio = true;
    }
    const result = need.rules.length ? need : null;
    this.memo.set(key, result);
    return result;
  }
}

/** Whether a conversation or listening port `tcp/443 tls` (transport, port, service name) is one the need names. */
export function serviceMatches(need: ServiceNeed | null, transport: string, port: number, service: string | null): boolean {
  if (need === null || need.anyPort) return true;
  return need.ports.has(`${transport}/${port}`) || (service !== null && need.services.has(service));
}
