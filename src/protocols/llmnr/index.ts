export { LlmnrDissector, LLMNR_PORT } from './llmnr-dissector.js';
