export { LldpDissector } from './lldp-dissector.js';
