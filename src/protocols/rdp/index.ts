export { RdpDissector, RDP_PORT } from './rdp-dissector.js';
export { parseConnectionConfirm, parseConnectionRequest, protocolNames, selectedName, x224Code } from './rdp-x224.js';
