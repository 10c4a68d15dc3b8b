export { Dhcpv6Dissector, DHCPV6_CLIENT_PORT, DHCPV6_SERVER_PORT, Dhcpv6MessageType, Dhcpv6Option } from './dhcpv6-dissector.js';
