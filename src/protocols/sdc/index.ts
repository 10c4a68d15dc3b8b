export { SdcDissector, createSdcDissector, WS_DISCOVERY_PORT } from './sdc-dissector.js';
export { readSoapMessage } from './soap-message.js';
export { scanXml } from './xml-scanner.js';
