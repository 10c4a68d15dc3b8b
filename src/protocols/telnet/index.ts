export { TelnetDissector, TELNET_PORT } from './telnet-dissector.js';
export { TelnetStream, Octet, IAC } from './telnet-stream.js';
