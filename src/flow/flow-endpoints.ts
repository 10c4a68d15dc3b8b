import { ipv4TextOf, ipv6Text, macText } from '../decode/address-text.js';
import type { Endpoint } from '../protocols/observation.js';
import { KEY_STRIDE } from './flow-key.js';
import type { FlowTable } from './flow-table.js';

const V6_SCRATCH = new Uint8Array(16);

/** Text form of endpoint A (0) or B (1) of a flow's key. */
export function keyAddressText(keys: Uint32Array, id: number, endpoint: 0 | 1): string {
  const base = id * KEY_STRIDE;
  const at = base + (endpoint === 0 ? 2 : 6);
  if (((keys[base + 1] >> 8) & 0xff) === 4) {
    return ipv4TextOf(keys[at]);
  }
  for (let w = 0; w < 4; w++) {
    const x = keys[at + w];
    V6_SCRATCH[w * 4] = x >>> 24;
    V6_SCRATCH[w * 4 + 1] = (x >>> 16) & 0xff;
    V6_SCRATCH[w * 4 + 2] = (x >>> 8) & 0xff;
    V6_SCRATCH[w * 4 + 3] = x & 0xff;
  }
  return ipv6Text(V6_SCRATCH, 0);
}

export function keyPort(keys: Uint32Array, id: number, endpoint: 0 | 1): number {
  const w = keys[id * KEY_STRIDE + 10];
  return endpoint === 0 ? w >>> 16 : w & 0xffff;
}

/** The flow's originator (role 0) or responder (role 1) as an observation endpoint. */
export function flowEndpoint(flows: FlowTable, id: number, role: 0 | 1): Endpoint {
  // Endpoint A is the originator when origIsA is set.
  const endpoint = (flows.origIsA[id] === 1 ? role : role ^ 1) as 0 | 1;
  const known = flows.macKnown[id] & (endpoint === 0 ? 1 : 2);
  return {
    mac: known ? macText(flows.macs, id * 12 + endpoint * 6) : null,
    ip: keyAddressText(flows.keys, id, endpoint),
    port: keyPort(flows.keys, id, endpoint),
  };
}
