export { SmbDissector, SMB_PORT, NETBIOS_SESSION_PORT, MAX_MESSAGES } from './smb-dissector.js';
export { SmbFramer, MAX_KEPT_OCTETS } from './smb-framer.js';
export { parseSmb1 } from './smb1.js';
export { parseSmb2, dialectText, scanNtlmssp } from './smb2.js';
export { parseNtlmssp, NTLMSSP_SIGNATURE } from './ntlmssp.js';
export { smbText } from './smb-text.js';
export type { SmbSink } from './smb-sink.js';
