import type { Endpoint, ObservationValue } from '../protocols/observation.js';

type ValueSet = Set<string | number | boolean>;

/**
 * A flow's endpoint objects are shared by all its facts, so each host's entry is found once per
 * endpoint and kept on the object under a symbol (which JSON output ignores).
 */
const HOST_ENTRY = Symbol('dedupHost');

/**
 * "Emit a fact when it is new for that host and key (or its value changed)": remembers which
 * (host, key, value) triples were already reported, in nested maps so that checking a fact
 * builds no string. Bounded: past `limit` values it forgets everything and starts again, which
 * can only repeat a fact, never lose one.
 */
export class ObservationDedup {
  private hosts = new Map<string, Map<string, ValueSet>>();
  private size = 0;
  private generation = 0;
  duplicates = 0;

  constructor(private readonly limit = 2_000_000) {}

  isNew(srcEndpoint: Endpoint, key: string, rawValue: ObservationValue): boolean {
    const src = srcEndpoint as Endpoint & { [HOST_ENTRY]?: { generation: number; keys: Map<string, ValueSet> } };
    let entry = src[HOST_ENTRY];
    if (entry === undefined || entry.generation !== this.generation) {
      const host = `${src.mac ?? ''}|${src.ip}`;
      let keys = this.hosts.get(host);
      if (!keys) this.hosts.set(host, (keys = new Map()));
      entry = src[HOST_ENTRY] = { generation: this.generation, keys };
    }
    let values = entry.keys.get(key);
    if (!values) entry.keys.set(key, (values = new Set()));
    const value = typeof rawValue === 'object' ? JSON.stringify(rawValue) : rawValue;
    if (values.has(value)) {
      this.duplicates++;
      return false;
    }
    if (this.size >= this.limit) {
      this.hosts = new Map();
      this.size = 0;
      this.generation++;
      return this.isNew(srcEndpoint, key, rawValue);
    }
    values.add(value);
    this.size++;
    return true;
  }
}
