export { HttpDissector, createHttpDissector, requestPath, HTTP_TCP_PORTS, MAX_PATH_LENGTH, type HttpDissectorOptions } from './http-dissector.js';
export {
  parseHead,
  parseStartLine,
  findHeadEnd,
  field,
  valueText,
  firstToken,
  MAX_HEADER_FIELDS,
  MAX_VALUE_LENGTH,
  type MessageHead,
  type HeaderField,
  type StartLine,
} from './http-head.js';
export { readDeviceDescription, isDeviceDescription, UPNP_FIELDS } from './upnp-description.js';
