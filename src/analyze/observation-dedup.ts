import type { Observation } from '../protocols/observation.js';

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
    const value = typeof o.value === 'object' ? JSON.stringify(o.value) : String(o.value);
    const id = `${o.src.mac ?? ''}|${o.src.ip}|${o.key}|${value}`;
    if (this.seen.has(id)) {
      this.duplicates++;
      return false;
    }
    if (this.seen.size >= this.limit) this.seen = new Set();
    this.seen.add(id);
    return true;
  }
}
