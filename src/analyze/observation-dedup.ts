import type { Endpoint, Observation } from '../protocols/observation.js';

/**
 * A flow's endpoint objects are shared by all its facts, so each host's part of the dedup key is
 * built once and kept on the object under a symbol (which JSON output ignores).
 */
const HOST_KEY = Symbol('dedupHost');

/**
 * "Emit a fact when it is new for that host and key (or its value changed)": remembers which
 * (host, key, value) triples were already reported. Bounded: past `limit` it forgets everything
 * and starts again, which can only repeat a fact, never lose one.
 */
export class ObservationDedup {
  private seen = new Set<string>();
  duplicates = 0;

  constructor(private readonly limit = 2_000_000) {}

  isNew(o: Observation): boolean {
    const src = o.src as Endpoint & { [HOST_KEY]?: string };
    let prefix = src[HOST_KEY];
    if (prefix === undefined) prefix = src[HOST_KEY] = `${src.mac ?? ''}|${src.ip}|`;
    const value = typeof o.value === 'object' ? JSON.stringify(o.value) : o.value;
    const id = `${prefix}${o.key}|${value}`;
    if (this.seen.has(id)) {
      this.duplicates++;
      return false;
    }
    if (this.seen.size >= this.limit) this.seen = new Set();
    this.seen.add(id);
    return true;
  }
}
