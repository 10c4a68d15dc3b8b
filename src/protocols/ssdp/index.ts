export { SsdpDissector, createSsdpDissector, SSDP_PORT } from './ssdp-dissector.js';
