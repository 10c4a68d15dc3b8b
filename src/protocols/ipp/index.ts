export { IppDissector, createIppDissector, IPP_PORT, type IppDissectorOptions } from './ipp-dissector.js';
export { readIppMessage, type IppMessage, type IppAttribute } from './ipp-message.js';
export { operationName, statusName } from './ipp-vocabulary.js';
export { parseDeviceId, type DeviceId } from './device-id.js';
