export { FtpDissector, FTP_PORT, MAX_BANNER } from './ftp-dissector.js';
export { LineSplitter } from './ftp-lines.js';
