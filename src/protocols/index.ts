import type { Dissector } from './dissector.js';
import { DnsDissector } from './dns/dns-dissector.js';
import { DhcpDissector } from './dhcp/dhcp-dissector.js';
import { Dhcpv6Dissector } from './dhcpv6/dhcpv6-dissector.js';
import { MdnsDissector } from './mdns/mdns-dissector.js';
import { LlmnrDissector } from './llmnr/llmnr-dissector.js';
import { NbnsDissector } from './nbns/nbns-dissector.js';

/** Every dissector Vigil runs by default, in port-claim priority order. */
export function defaultDissectors(): Dissector[] {
  return [new DnsDissector(), new DhcpDissector(), new Dhcpv6Dissector(), new MdnsDissector(), new LlmnrDissector(), new NbnsDissector()];
}
