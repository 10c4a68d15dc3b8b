export { ImapDissector, IMAP_PORT, MAX_BANNER } from './imap-dissector.js';
