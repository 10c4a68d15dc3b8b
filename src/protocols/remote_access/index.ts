export { RemoteAccessDissector, type RemoteAccessTool } from './remote-access-dissector.js';
export { rfbVersion, teamviewerMagic, tlsHandshake, TEAMVIEWER_PORT, ANYDESK_TCP_PORT, ANYDESK_UDP_PORT } from './remote-access-signatures.js';
