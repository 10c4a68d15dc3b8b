/**
 * Request shapes of web attacks, read from the request target (query included: the attack is usually there)
 * and the header values, never emitted themselves: only the class of attack becomes a fact (`http.attack`),
 * because a target or header may carry patient identifiers or session tokens.
 *
 * Patterns follow the classic signature families (OWASP CRS 942 SQLi, 930 traversal, 932 command injection,
 * 941 XSS, CVE-2014-6271 Shellshock, CVE-2021-44228 Log4Shell including its `${lower:...}` obfuscations).
 */
import type { MessageHead } from './http-head.js';

/** Octets of a target or header value inspected. */
const MAX_INSPECTED = 4096;

const SQLI = /(\bunion\b[\s(]+(all\s+)?select\b|\bselect\b.+\bfrom\b.+\binformation_schema\b|'\s*(or|and)\s+['"]?\w+['"]?\s*=\s*['"]?\w+|\b(or|and)\s+\d+\s*=\s*\d+\s*(--|#)|;\s*(drop|insert|update|delete)\s+\w+|\b(sleep|benchmark|pg_sleep)\s*\(\s*\d+|waitfor\s+delay\s+')/;
const TRAVERSAL = /(\.\.[/\\]){2,}|\/etc\/(passwd|shadow)|\\windows\\win\.ini|\bboot\.ini\b/;
const RCE = /(\(\)\s*\{\s*:?\s*;?\s*\}\s*;|\|\s*(dir|id|ls|cat|whoami|uname)\b|;\s*(id|ls|cat|wget|curl|uname|whoami)\b|\$\((id|whoami|uname|cat|wget|curl)\b|`(id|whoami|uname)`|\/bin\/(ba)?sh\b|\bcmd(\.exe)?\s*\/c\b|<\?php)/;
const XSS = /(<script\b|\bjavascript:|\bon(error|load|mouseover)\s*=|<svg\b[^>]*\bon\w+\s*=)/;
const LOG4J = /\$\{\s*(jndi|\$\{|lower:|upper:|env:|sys:|::-)|jndi:(ldaps?|rmi|dns|iiop|corba|nds|http):\/\//;
/** Scanners that announce themselves in the User-Agent. */
const SCANNER = /\b(nikto|sqlmap|nmap scripting engine|masscan|zgrab|dirbuster|gobuster|wpscan|acunetix|nessus|openvas|w3af|havij|nuclei)\b/;

/** `%XX` decoded twice (double encoding), `+` as space, lower-cased; bad escapes kept as they are. */
function decoded(text: string): string {
  let t = text;
  for (let i = 0; i < 2 && t.includes('%'); i++) t = t.replace(/%([0-9a-fA-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
  return t.replace(/\+/g, ' ').toLowerCase();
}

/** The attack classes a request shows: `sqli`, `traversal`, `rce`, `xss`, `log4j`, `scanner`. */
export function requestAttacks(head: MessageHead, target: string): string[] {
  const found: string[] = [];
  const t = decoded(target.length > MAX_INSPECTED ? target.slice(0, MAX_INSPECTED) : target);
  if (SQLI.test(t)) found.push('sqli');
  if (TRAVERSAL.test(t)) found.push('traversal');
  if (RCE.test(t)) found.push('rce');
  if (XSS.test(t)) found.push('xss');
  if (LOG4J.test(t)) found.push('log4j');
  for (const f of head.fields) {
    if (f.end <= f.start) continue;
    const v = decoded(head.buf.toString('latin1', f.start, Math.min(f.end, f.start + MAX_INSPECTED)));
    if (!found.includes('log4j') && LOG4J.test(v)) found.push('log4j');
    if (!found.includes('rce') && RCE.test(v)) found.push('rce');
    if (f.name === 'user-agent' && !found.includes('scanner') && SCANNER.test(v)) found.push('scanner');
    if ((f.name === 'referer' || f.name === 'cookie') && !found.includes('sqli') && SQLI.test(v)) found.push('sqli');
  }
  return found;
}
