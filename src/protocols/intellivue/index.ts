export { IntellivueDissector, createIntellivueDissector, INTELLIVUE_UDP_PORTS } from './intellivue-dissector.js';
export { readAttributeList } from './intellivue-attributes.js';
