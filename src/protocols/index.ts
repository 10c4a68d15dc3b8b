import type { Dissector } from './dissector.js';
import { DnsDissector } from './dns/dns-dissector.js';
import { DhcpDissector } from './dhcp/dhcp-dissector.js';
import { Dhcpv6Dissector } from './dhcpv6/dhcpv6-dissector.js';
import { MdnsDissector } from './mdns/mdns-dissector.js';
import { LlmnrDissector } from './llmnr/llmnr-dissector.js';
import { NbnsDissector } from './nbns/nbns-dissector.js';
import { HttpDissector } from './http/http-dissector.js';
import { TlsDissector } from './tls/tls-dissector.js';
import { SsdpDissector } from './ssdp/ssdp-dissector.js';

/** Every dissector Vigil runs by default, in port-claim priority order. */
export function defaultDissectors(): Dissector[] {
  return [new DnsDissector(), new DhcpDissector(), new Dhcpv6Dissector(), new MdnsDissector(), new LlmnrDissector(), new NbnsDissector(), new HttpDissector(), new TlsDissector(), new SsdpDissector()];
}
