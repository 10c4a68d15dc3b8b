export { TlsDissector, createTlsDissector, TLS_TCP_PORTS, DTLS_UDP_PORTS, type TlsDissectorOptions } from './tls-dissector.js';
export {
  parseClientHello,
  parseServerHello,
  ja3,
  ja3String,
  ja3s,
  ja3sString,
  ja4,
  isGrease,
  versionName,
  ExtensionType,
  type ClientHello,
  type ServerHello,
} from './tls-hello.js';
export { readCertificate, signatureAlgorithm, type CertificateFacts } from './tls-certificate.js';
