/**
 * What a site approves, so that expected traffic is not alerted on: domains (a listed domain covers its
 * subdomains) and addresses. A JSON file `{"domains": [...], "addresses": [...]}` (knowledge/detect/approved-destinations.json
 * documents the format): contracted vendor remote-service endpoints a medical device may reach (`medical.internet`
 * keeps those at low), archives and interface engines allowed to receive patient data (`phi.unapproved-destination`).
 */
import { readFileSync } from 'node:fs';

export interface Approved {
  domains: ReadonlySet<string>;
  addresses: ReadonlySet<string>;
}

export function loadApproved(files: readonly string[]): Approved {
  const domains = new Set<string>();
  const addresses = new Set<string>();
  for (const file of files) {
    let doc: { domains?: unknown; addresses?: unknown };
    try {
      doc = JSON.parse(readFileSync(file, 'utf8')) as typeof doc;
    } catch (e) {
      throw new Error(`${file}: ${(e as Error).message}`);
    }
    for (const [field, into] of [['domains', domains], ['addresses', addresses]] as const) {
      const list = doc[field] ?? [];
      if (!Array.isArray(list)) throw new Error(`${file}: "${field}" must be a list of strings`);
      list.forEach((v, i) => {
        if (typeof v !== 'string' || v.trim() === '') throw new Error(`${file}: ${field}[${i}] must be a non-empty string`);
        into.add(v.trim().toLowerCase().replace(/\.$/, ''));
      });
    }
  }
  return { domains, addresses };
}
