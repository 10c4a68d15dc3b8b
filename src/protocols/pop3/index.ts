export { Pop3Dissector, POP3_PORT, MAX_BANNER } from './pop3-dissector.js';
export { mailProduct } from './mail-product.js';
