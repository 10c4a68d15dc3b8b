export { MdnsDissector, MDNS_PORT, IDENTITY_TXT_KEYS, MAX_TXT_KEYS } from './mdns-dissector.js';
