export { DhcpDissector, DHCP_SERVER_PORT, DHCP_CLIENT_PORT, MAX_OPAQUE_OCTETS } from './dhcp-dissector.js';
export { DhcpOptionReader, DhcpOption, DhcpMessageType, MAGIC_COOKIE, BOOTP_FIXED_LENGTH } from './dhcp-message.js';
export { optionText, boundedHex, wireNameText } from './dhcp-text.js';
