export { LdapDissector, LDAP_PORT, LDAP_GC_PORT, STARTTLS_OID } from './ldap-dissector.js';
export { dnAttributeTypes } from './dn-types.js';
