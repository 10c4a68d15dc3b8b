export { DnsDissector, createDnsDissector, DNS_PORT, type DnsDissectorOptions } from './dns-dissector.js';
export {
  DnsMessageReader,
  parseDnsMessage,
  DnsType,
  DnsClass,
  DnsOpcode,
  DnsSection,
  DNS_HEADER_LENGTH,
  type DnsMessage,
  type DnsQuestion,
  type DnsResourceRecord,
  type DnsRecordData,
} from './dns-message.js';
export { readName, skipName, MAX_NAME_LENGTH, MAX_LABEL_LENGTH, MAX_POINTER_JUMPS, ROOT_NAME } from './dns-name.js';
export { LengthPrefixFramer, type MessageHandler } from './length-prefix-framer.js';
