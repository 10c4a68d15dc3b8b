/**
 * Namespaces of the SOAP messages SDC devices exchange (IEEE 11073-20701/-20702, DPWS 1.1, WS-Discovery
 * 1.1) and of older WS-Discovery users sharing UDP 3702 (WSD printers, ONVIF cameras), with the prefix
 * each is written as in `sdc.types`: the prefixes used by the specifications themselves.
 */
export const KNOWN_PREFIXES: ReadonlyMap<string, string> = new Map([
  ['http://docs.oasis-open.org/ws-dd/ns/dpws/2009/01', 'dpws'],
  ['http://docs.oasis-open.org/ws-dd/ns/discovery/2009/01', 'wsd'],
  ['http://standards.ieee.org/downloads/11073/11073-20702-2016', 'mdpws'],
  ['http://standards.ieee.org/downloads/11073/11073-20701-2018', 'sdc'],
  ['http://standards.ieee.org/downloads/11073/11073-10207-2017/message', 'msg'],
  ['http://standards.ieee.org/downloads/11073/11073-10207-2017/participant', 'pm'],
  ['http://schemas.xmlsoap.org/ws/2006/02/devprof', 'wsdp'],
  ['http://schemas.xmlsoap.org/ws/2005/04/discovery', 'wsd2005'],
  ['http://www.onvif.org/ver10/network/wsdl', 'dn'],
  ['http://www.onvif.org/ver10/device/wsdl', 'tds'],
  ['http://schemas.microsoft.com/windows/2006/08/wdp/print', 'wprt'],
  ['http://schemas.microsoft.com/windows/2006/08/wdp/scan', 'wscn'],
]);

/** DPWS device metadata (ThisModel, ThisDevice): DPWS 1.1 and the 2006 draft printers still use. */
export const DPWS_NAMESPACES: ReadonlySet<string> = new Set(['http://docs.oasis-open.org/ws-dd/ns/dpws/2009/01', 'http://schemas.xmlsoap.org/ws/2006/02/devprof']);

/** BICEPS participant model (MdsDescriptor, MetaData). */
export const PARTICIPANT_NAMESPACE = 'http://standards.ieee.org/downloads/11073/11073-10207-2017/participant';

/** SOAP 1.2 and 1.1 envelopes. */
export const SOAP_NAMESPACES: ReadonlySet<string> = new Set(['http://www.w3.org/2003/05/soap-envelope', 'http://schemas.xmlsoap.org/soap/envelope/']);

/** WS-Addressing (2005/08 as in DPWS 1.1; 2004/08 as in the WS-Discovery 2005 draft). */
export const ADDRESSING_NAMESPACES: ReadonlySet<string> = new Set(['http://www.w3.org/2005/08/addressing', 'http://schemas.xmlsoap.org/ws/2004/08/addressing']);
