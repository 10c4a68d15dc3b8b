export { LpdDissector, createLpdDissector, LPD_PORT } from './lpd-dissector.js';
