export { PjlDissector, createPjlDissector, RAW_PRINT_PORT } from './pjl-dissector.js';
export { printLanguage, LANGUAGE_SNIFF_LENGTH } from './print-language.js';
