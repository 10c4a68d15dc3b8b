export { SshDissector, SSH_PORT, MAX_BANNER } from './ssh-dissector.js';
export { parseKexInit, hassh, hasshServer, SSH_MSG_KEXINIT, type KexInit } from './ssh-kexinit.js';
