/**
 * Indicators of compromise a user imports: CSV (`type,value[,description]`, one a line, `#` comments; types
 * `ip`, `domain`, `ja3`, `ja4`, `sha256` (certificate fingerprint), `md5`, `sha1`) and STIX 2.1 bundles
 * (every `indicator` whose `pattern_type` is `stix`, each `=` comparison on `ipv4-addr:value`,
 * `ipv6-addr:value`, `domain-name:value`, `url:value` (its host), `x509-certificate:hashes.'SHA-256'`, and
 * `file:hashes.*`). File hashes are kept but cannot match traffic: Vigil sees no files. A bad line or
 * indicator is reported with its file and position, and the valid ones are kept.
 */
import { readFileSync } from 'node:fs';

export type IocType = 'ip' | 'domain' | 'ja3' | 'ja4' | 'sha256' | 'md5' | 'sha1';
const TYPES = new Set<IocType>(['ip', 'domain', 'ja3', 'ja4', 'sha256', 'md5', 'sha1']);

export interface Ioc {
  type: IocType;
  value: string;
  description: string;
  source: string;
}

export class IocSet {
  private readonly byKey = new Map<string, Ioc>();
  readonly errors: string[] = [];

  get size(): number {
    return this.byKey.size;
  }

  add(ioc: Ioc): void {
    this.byKey.set(`${ioc.type}:${ioc.value}`, ioc);
  }

  match(type: IocType, value: string): Ioc | undefined {
    const v = value.toLowerCase();
    const hit = this.byKey.get(`${type}:${v}`);
    if (hit || type !== 'domain') return hit;
    // A listed domain covers its subdomains.
    for (let i = v.indexOf('.'); i >= 0; i = v.indexOf('.', i + 1)) {
      const parent = this.byKey.get(`domain:${v.slice(i + 1)}`);
      if (parent) return parent;
    }
    return undefined;
  }

  /** Loads a CSV or STIX 2.1 JSON file (by content: JSON starts with `{`). */
  load(file: string): void {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      this.errors.push(`${file}: ${(e as Error).message}`);
      return;
    }
    if (text.trimStart().startsWith('{')) this.loadStix(file, text);
    else this.loadCsv(file, text);
  }

  private entry(type: string, value: string, description: string, where: string): void {
    const t = type.trim().toLowerCase() as IocType;
    let v = value.trim().toLowerCase();
    if (!TYPES.has(t)) return void this.errors.push(`${where}: unknown indicator type "${type}" (expected ${[...TYPES].join(', ')})`);
    if (t === 'domain') v = v.replace(/\.$/, '');
    const ok =
      t === 'ip' ? /^(\d{1,3}\.){3}\d{1,3}$|^[0-9a-f:]+$/.test(v) && v.length > 1
      : t === 'domain' ? /^[a-z0-9_-]+(\.[a-z0-9_-]+)+$/.test(v)
      : t === 'ja4' ? /^[a-z0-9_]{10,}$/.test(v)
      : t === 'md5' || t === 'ja3' ? /^[0-9a-f]{32}$/.test(v)
      : t === 'sha1' ? /^[0-9a-f]{40}$/.test(v)
      : /^[0-9a-f]{64}$/.test(v.replace(/:/g, ''));
    if (!ok) return void this.errors.push(`${where}: "${value}" is not a valid ${t}`);
    this.add({ type: t, value: t === 'sha256' ? v.replace(/:/g, '') : v, description: description.trim(), source: where });
  }

  private loadCsv(file: string, text: string): void {
    let first = true;
    text.split(/\r?\n/).forEach((line, i) => {
      const l = line.trim();
      if (l === '' || l.startsWith('#')) return;
      const [type, value, ...rest] = l.split(',');
      // An optional header line: the first that is not a comment.
      const header = first && type.trim().toLowerCase() === 'type';
      first = false;
      if (header) return;
      if (value === undefined) return void this.errors.push(`${file}:${i + 1}: expected "type,value[,description]"`);
      this.entry(type, value, rest.join(','), `${file}:${i + 1}`);
    });
  }

  private loadStix(file: string, text: string): void {
    let doc: { type?: unknown; objects?: unknown };
    try {
      doc = JSON.parse(text) as typeof doc;
    } catch (e) {
      return void this.errors.push(`${file}: not JSON: ${(e as Error).message}`);
    }
    if (doc.type !== 'bundle' || !Array.isArray(doc.objects)) return void this.errors.push(`${file}: not a STIX 2.1 bundle (expected "type": "bundle" and "objects")`);
    doc.objects.forEach((o: { type?: unknown; id?: unknown; pattern?: unknown; pattern_type?: unknown; name?: unknown; description?: unknown }, i: number) => {
      if (!o || o.type !== 'indicator') return;
      const where = `${file}: objects[${i}]${typeof o.id === 'string' ? ` (${o.id})` : ''}`;
      if (o.pattern_type !== undefined && o.pattern_type !== 'stix') return;
      if (typeof o.pattern !== 'string') return void this.errors.push(`${where}: indicator without a pattern`);
      const description = typeof o.name === 'string' ? o.name : typeof o.description === 'string' ? o.description : '';
      let found = 0;
      for (const m of o.pattern.matchAll(/([a-z0-9-]+):([a-zA-Z0-9_.'-]+)\s*=\s*'((?:[^'\\]|\\.)*)'/g)) {
        const [, object, path, raw] = m;
        const value = raw.replace(/\\(.)/g, '$1');
        found++;
        if ((object === 'ipv4-addr' || object === 'ipv6-addr') && path === 'value') this.entry('ip', value.replace(/\/(32|128)$/, ''), description, where);
        else if (object === 'domain-name' && path === 'value') this.entry('domain', value, description, where);
        else if (object === 'url' && path === 'value') {
          try {
            this.entry('domain', new URL(value).hostname, description, where);
          } catch {
            this.errors.push(`${where}: bad URL "${value}"`);
          }
        } else if (object === 'x509-certificate' && /SHA-256/i.test(path)) this.entry('sha256', value, description, where);
        else if (object === 'file' && /hashes/.test(path)) {
          const alg = /SHA-256/i.test(path) ? 'sha256' : /SHA-1/i.test(path) ? 'sha1' : /MD5/i.test(path) ? 'md5' : null;
          if (alg) this.entry(alg, value, description, where);
        } else found--;
      }
      if (found === 0) this.errors.push(`${where}: no supported comparison in pattern ${o.pattern.slice(0, 120)}`);
    });
  }
}
