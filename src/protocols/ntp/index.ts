export { NtpDissector, NTP_PORT, NTP_HEADER, MODE_NAMES } from './ntp-dissector.js';
