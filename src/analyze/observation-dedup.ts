import type { Endpoint, ObservationValue } from '../protocols/observation.js';

type ValueSet = Set<string | number | boolean>;
type KeyMap = Map<string, ValueSet>;

/**
 * "Emit a fact when it is new for that host and key (or its value changed)": remembers which
 * (host, key, value) triples were already reported, in nested maps (MAC, address, key, value) so
 * that checking a fact builds no string: address texts are interned where they are made
 * (decode/address-text.ts), so each lookup finds its hash already computed. Bounded: past `limit`
 * values it forgets everything and starts again, which can only repeat a fact, never lose one.
 */
export class ObservationDedup {
  private hosts = new Map<string, Map<string, KeyMap>>();
  private size = 0;
  duplicates = 0;

  constructor(private readonly limit = 2_000_000) {}

  isNew(src: Endpoint, key: string, rawValue: ObservationValue): boolean {
    const mac = src.mac ?? '';
    let byIp = this.hosts.get(mac);
    if (byIp === undefined) this.hosts.set(mac, (byIp = new Map()));
    let keys = byIp.get(src.ip);
    if (keys === undefined) byIp.set(src.ip, (keys = new Map()));
    let values = keys.get(key);
    if (values === undefined) keys.set(key, (values = new Set()));
    const value = typeof rawValue === 'object' ? JSON.stringify(rawValue) : rawValue;
    if (values.has(value)) {
      this.duplicates++;
      return false;
    }
    if (this.size >= this.limit) {
      this.hosts = new Map();
      this.size = 0;
      return this.isNew(src, key, rawValue);
    }
    values.add(value);
    this.size++;
    return true;
  }
}
