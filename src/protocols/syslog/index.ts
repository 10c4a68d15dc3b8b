export { SyslogDissector, SYSLOG_UDP_PORT, SYSLOG_TCP_PORTS } from './syslog-dissector.js';
export { parseSyslogHeader, HEADER_WINDOW, type SyslogHeader } from './syslog-header.js';
