export { CdpDissector } from './cdp-dissector.js';
