/**
 * The header of one syslog message: PRI, and HOSTNAME and APP-NAME (RFC 5424 §6.2) or HOSTNAME and TAG
 * (RFC 3164 §4.1.2-4.1.3). The MSG part is never read: it may hold patient data.
 *
 * Only tokens that end inside the bytes given are reported, so a message cut short yields a subset of what
 * the whole message yields, never a shortened value.
 */

/** Octets of a message's start that are read: room for PRI, a timestamp, a 255-octet HOSTNAME and APP-NAME. */
export const HEADER_WINDOW = 512;
/** RFC 5424 §6: APP-NAME is at most 48 printable characters; RFC 3164's TAG at most 32. */
const MAX_APP = 48;
const MAX_HOST = 255;

export interface SyslogHeader {
  facility: number;
  severity: number;
  /** '5424' or '3164'; null when the rest of the header is not recognised. */
  format: '5424' | '3164' | null;
  hostname: string | null;
  app: string | null;
}

const LT = 0x3c;
const GT = 0x3e;
const SP = 0x20;
const ZERO = 0x30;
const NINE = 0x39;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

const isDigit = (c: number): boolean => c >= ZERO && c <= NINE;

/** The header of the message `buf[pos..end)`, or null if it does not start with a valid PRI. */
export function parseSyslogHeader(buf: Buffer, pos: number, end: number): SyslogHeader | null {
  end = Math.min(end, pos + HEADER_WINDOW);
  // RFC 5424 §6.2.1: PRI = "<" PRIVAL ">", PRIVAL 1-3 digits, 0..191; no leading zero except "0" itself.
  if (pos >= end || buf[pos] !== LT) return null;
  let at = pos + 1;
  let pri = 0;
  const digitsStart = at;
  while (at < end && isDigit(buf[at]) && at - digitsStart < 3) pri = pri * 10 + buf[at++] - ZERO;
  const digits = at - digitsStart;
  if (digits === 0 || at >= end || buf[at] !== GT || pri > 191 || (digits > 1 && buf[digitsStart] === ZERO)) return null;
  at++;
  const header: SyslogHeader = { facility: pri >> 3, severity: pri & 7, format: null, hostname: null, app: null };

  // RFC 5424 §6.2.2: VERSION = NONZERO-DIGIT 0*2DIGIT, then SP. Only version 1 is defined, and senders put other
  // digits here (sequence numbers, as Cisco and nDPI's capture do), so only "1 " is read as RFC 5424.
  if (at + 1 < end && buf[at] === 0x31 && buf[at + 1] === SP) {
    header.format = '5424';
    rfc5424(buf, at + 2, end, header);
    return header;
  }
  rfc3164(buf, at, end, header);
  return header;
}

/** TIMESTAMP SP HOSTNAME SP APP-NAME SP ...: each a run of printable US-ASCII, "-" when absent. */
function rfc5424(buf: Buffer, at: number, end: number, header: SyslogHeader): void {
  const ts = token(buf, at, end, 64);
  if (ts < 0) return;
  const hostEnd = token(buf, ts + 1, end, MAX_HOST);
  if (hostEnd < 0) return;
  header.hostname = nilOr(buf, ts + 1, hostEnd);
  const appEnd = token(buf, hostEnd + 1, end, MAX_APP);
  if (appEnd < 0) return;
  header.app = nilOr(buf, hostEnd + 1, appEnd);
}

/**
 * RFC 3164 §4.1.2: TIMESTAMP is `Mmm dd hh:mm:ss` (day space-padded), then SP HOSTNAME SP, then the MSG whose
 * TAG (§4.1.3) is the alphanumeric run before `[pid]` or `:`. Many senders leave out HOSTNAME, so a first word
 * that itself ends in `:` or holds `[` is the TAG.
 */
function rfc3164(buf: Buffer, at: number, end: number, header: SyslogHeader): void {
  if (!timestamp3164(buf, at, end)) return;
  header.format = '3164';
  const first = at + 16;
  const firstEnd = token(buf, first, end, MAX_HOST);
  if (firstEnd < 0) return;
  const tagEnd = tagIn(buf, first, firstEnd);
  if (tagEnd >= 0) {
    if (tagEnd > first) header.app = buf.toString('latin1', first, tagEnd);
    return;
  }
  header.hostname = buf.toString('latin1', first, firstEnd);
  // The TAG runs to `[` or `:`; it need not be followed by SP, so the word's end is wherever those come.
  let t = firstEnd + 1;
  const stop = Math.min(end, t + MAX_APP + 1);
  while (t < stop && buf[t] > SP && buf[t] < 0x7f && buf[t] !== 0x5b && buf[t] !== 0x3a) t++;
  if (t < stop && (buf[t] === 0x5b || buf[t] === 0x3a) && t > firstEnd + 1) header.app = buf.toString('latin1', firstEnd + 1, t);
}

/** `Mmm dd hh:mm:ss ` at `at`. */
function timestamp3164(buf: Buffer, at: number, end: number): boolean {
  if (at + 16 > end) return false;
  const month = buf.toString('latin1', at, at + 3);
  if (!MONTHS.includes(month) || buf[at + 3] !== SP) return false;
  const d1 = buf[at + 4];
  if (!(d1 === SP || isDigit(d1)) || !isDigit(buf[at + 5]) || buf[at + 6] !== SP) return false;
  for (const i of [7, 8, 10, 11, 13, 14]) if (!isDigit(buf[at + i])) return false;
  return buf[at + 9] === 0x3a && buf[at + 12] === 0x3a && buf[at + 15] === SP;
}

/** End of the word of printable US-ASCII at `at` if an SP follows it within `max` octets, else -1. */
function token(buf: Buffer, at: number, end: number, max: number): number {
  const stop = Math.min(end, at + max + 1);
  let i = at;
  while (i < stop && buf[i] > SP && buf[i] < 0x7f) i++;
  return i > at && i < stop && buf[i] === SP ? i : -1;
}

/** In the word `[at, wordEnd)`: the end of a TAG if the word ends in `:` or holds `[`, else -1. */
function tagIn(buf: Buffer, at: number, wordEnd: number): number {
  for (let i = at; i < wordEnd; i++) if (buf[i] === 0x5b) return i;
  return buf[wordEnd - 1] === 0x3a ? wordEnd - 1 : -1;
}

function nilOr(buf: Buffer, at: number, end: number): string | null {
  return end - at === 1 && buf[at] === 0x2d ? null : buf.toString('latin1', at, end);
}
