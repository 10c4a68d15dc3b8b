export { SnmpDissector, SNMP_PORT, SNMP_TRAP_PORT, MAX_VARBINDS } from './snmp-dissector.js';
export { BerReader, Tag, oidText, oidEquals, smallInt, MAX_ELEMENT_LENGTH, MAX_OID_ARCS } from './ber.js';
