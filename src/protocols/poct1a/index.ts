export { Poct1aDissector, POCT1A_DEFAULT_PORTS } from './poct1a-dissector.js';
export { TagScanner, attribute, MAX_TAG, MAX_DEPTH } from './poct1a-tags.js';
