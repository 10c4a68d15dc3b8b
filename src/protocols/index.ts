import type { Dissector } from './dissector.js';
import { DnsDissector } from './dns/dns-dissector.js';

/** Every dissector Vigil runs by default, in port-claim priority order. */
export function defaultDissectors(): Dissector[] {
  return [new DnsDissector()];
}
