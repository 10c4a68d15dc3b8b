export { NbnsDissector, NBNS_PORT, NbnsOpcode } from './nbns-dissector.js';
export { readNetbiosName, rawNetbiosName, ENCODED_NAME_LENGTH, NETBIOS_NAME_LENGTH } from './netbios-name.js';
