import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { knowledgeDir } from '../../inventory/knowledge-dir.js';
import {
  MAX_TCP_OPTIONS,
  QUIRK_NAMES,
  TCPOPT_EOL,
  TCPOPT_MSS,
  TCPOPT_NOP,
  TCPOPT_SACK,
  TCPOPT_SACKOK,
  TCPOPT_TIMESTAMP,
  TCPOPT_WSCALE,
} from './tcp-signature.js';

/*
 * p0f v3's signature file (p0f.fp), read as p0f 3.09b's readfp.c and tcp_register_sig() read it: the
 * [tcp:request] (SYN) and [tcp:response] (SYN+ACK) sections; `label = type:class:name:flavor`, then its
 * `sig = ver:ittl:olen:mss:wsize,scale:olayout:quirks:pclass` lines. The [mtu] and [http:*] sections are
 * skipped. A bad line is reported with its file and line, and the rest of the file is kept.
 */

export const WINDOW_NORMAL = 0;
export const WINDOW_ANY = 1;
/** `%N`: a multiple of N. */
export const WINDOW_MOD = 2;
/** `mss*N`. */
export const WINDOW_MSS = 3;
/** `mtu*N`. */
export const WINDOW_MTU = 4;

export interface P0fLabel {
  /** `g:` labels match only when nothing specific does. */
  readonly generic: boolean;
  /** The OS class (`win`, `unix`, `other`), or null for `!`: a userland tool such as a scanner. */
  readonly osClass: string | null;
  readonly name: string;
  readonly flavor: string | null;
  /** Name and flavor as p0f prints them: `Windows 7 or 8`. */
  readonly text: string;
}

export interface P0fTcpSignature {
  readonly file: string;
  readonly line: number;
  readonly label: P0fLabel;
  /** 4, 6, or -1 for `*`. */
  readonly ipVersion: number;
  readonly ttl: number;
  /** `ittl-`: the tool randomises its TTL, so only an upper bound is known. */
  readonly badTtl: boolean;
  readonly ipOptionsLength: number;
  /** -1 for `*`. */
  readonly mss: number;
  readonly windowType: number;
  readonly window: number;
  /** -1 for `*`. */
  readonly wscale: number;
  readonly layout: Uint8Array;
  readonly layoutHash: number;
  readonly eolPadding: number;
  readonly quirks: number;
  /** -1 for `*`, 0 for no payload, 1 for payload. */
  readonly payloadClass: number;
}

export interface P0fDatabase {
  /** Signatures of SYNs (index 1, p0f's `to_srv`) and of SYN+ACKs (index 0), bucketed by option layout. */
  readonly byLayout: readonly [Map<number, P0fTcpSignature[]>, Map<number, P0fTcpSignature[]>];
  readonly count: number;
  readonly errors: readonly string[];
  readonly files: readonly string[];
}

const OPTION_NAMES: Record<string, number> = {
  nop: TCPOPT_NOP,
  mss: TCPOPT_MSS,
  ws: TCPOPT_WSCALE,
  sok: TCPOPT_SACKOK,
  sack: TCPOPT_SACK,
  ts: TCPOPT_TIMESTAMP,
};
const QUIRK_BY_NAME = new Map(QUIRK_NAMES.map(([bit, name]) => [name, bit]));
const IPV6_INVALID_QUIRKS = new Set(['df', 'id+', 'id-', '0+']);

/** FNV-1a over the option kinds: the bucket key of a layout (the layouts themselves are compared after). */
export function layoutHash(layout: Uint8Array, count: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < count; i++) h = Math.imul(h ^ layout[i], 0x01000193);
  return Math.imul(h ^ count, 0x01000193) >>> 0;
}

class SignatureSyntaxError extends Error {}

function integer(text: string, min: number, max: number, what: string): number {
  if (!/^\d+$/.test(text)) throw new SignatureSyntaxError(`${what} is not a number: "${text}"`);
  const n = Number(text);
  if (n < min || n > max) throw new SignatureSyntaxError(`${what} ${n} is outside ${min}..${max}`);
  return n;
}

function parseLabel(value: string): P0fLabel {
  const m = /^([sg]):([A-Za-z0-9!]+):([^:]+):(.*)$/.exec(value);
  if (!m) throw new SignatureSyntaxError(`label is not type:class:name:flavor: "${value}"`);
  const flavor = m[4] === '' ? null : m[4];
  return { generic: m[1] === 'g', osClass: m[2] === '!' ? null : m[2].toLowerCase(), name: m[3], flavor, text: flavor ? `${m[3]} ${flavor}` : m[3] };
}

type Draft = Omit<P0fTcpSignature, 'file' | 'line' | 'label'>;

/** One `sig =` value, as tcp_register_sig() reads it. */
export function parseTcpSignature(value: string): Draft {
  const fields = value.split(':');
  if (fields.length !== 8) throw new SignatureSyntaxError(`a TCP signature has 8 fields separated by ':', this has ${fields.length}`);
  const [ver, ittl, olen, mssText, winScale, olayout, quirkText, pclass] = fields;
  const ipVersion = ver === '4' ? 4 : ver === '6' ? 6 : ver === '*' ? -1 : NaN;
  if (Number.isNaN(ipVersion)) throw new SignatureSyntaxError(`IP version must be 4, 6 or *: "${ver}"`);

  const ttlMatch = /^(\d+)(?:(-)|\+(\d+))?$/.exec(ittl);
  if (!ttlMatch) throw new SignatureSyntaxError(`initial TTL is not N, N+D or N-: "${ittl}"`);
  let ttl = integer(ttlMatch[1], 1, 255, 'initial TTL');
  if (ttlMatch[3] !== undefined) ttl = integer(String(ttl + Number(ttlMatch[3])), 1, 255, 'initial TTL plus distance');
  const badTtl = ttlMatch[2] === '-';

  const ipOptionsLength = integer(olen, 0, 255, 'IP options length');
  const mss = mssText === '*' ? -1 : integer(mssText, 0, 65535, 'MSS');

  const comma = winScale.indexOf(',');
  if (comma < 0) throw new SignatureSyntaxError(`window size and scale must be separated by ',': "${winScale}"`);
  const winText = winScale.slice(0, comma);
  const scaleText = winScale.slice(comma + 1);
  let windowType: number;
  let window: number;
  if (winText === '*') {
    windowType = WINDOW_ANY;
    window = 0;
  } else if (winText.startsWith('%')) {
    windowType = WINDOW_MOD;
    window = integer(winText.slice(1), 2, 65535, "'%' window");
  } else if (winText.startsWith('mss*') || winText.startsWith('mtu*')) {
    windowType = winText[1] === 's' ? WINDOW_MSS : WINDOW_MTU;
    window = integer(winText.slice(4), 1, 1000, 'MSS/MTU multiplier');
  } else {
    windowType = WINDOW_NORMAL;
    window = integer(winText, 0, 65535, 'window size');
  }
  const wscale = scaleText === '*' ? -1 : integer(scaleText, 0, 255, 'window scale');

  const layout = new Uint8Array(MAX_TCP_OPTIONS);
  let count = 0;
  let eolPadding = 0;
  const options = olayout === '' ? [] : olayout.split(',');
  for (let i = 0; i < options.length; i++) {
    const o = options[i];
    if (count >= MAX_TCP_OPTIONS) throw new SignatureSyntaxError('too many TCP options');
    if (o.startsWith('eol+')) {
      if (i !== options.length - 1) throw new SignatureSyntaxError('eol must be the last option');
      eolPadding = integer(o.slice(4), 0, 255, 'EOL padding');
      layout[count++] = TCPOPT_EOL;
    } else if (o.startsWith('?')) {
      layout[count++] = integer(o.slice(1), 0, 255, "'?' option");
    } else if (o in OPTION_NAMES) {
      layout[count++] = OPTION_NAMES[o];
    } else throw new SignatureSyntaxError(`unknown TCP option "${o}"`);
  }

  let quirks = 0;
  for (const q of quirkText === '' ? [] : quirkText.split(',')) {
    const bit = QUIRK_BY_NAME.get(q);
    if (bit === undefined) throw new SignatureSyntaxError(`unknown quirk "${q}"`);
    if (ipVersion === 6 && IPV6_INVALID_QUIRKS.has(q)) throw new SignatureSyntaxError(`'${q}' is not valid for IPv6`);
    if (ipVersion === 4 && q === 'flow') throw new SignatureSyntaxError("'flow' is not valid for IPv4");
    quirks |= bit;
  }
  const payloadClass = pclass === '*' ? -1 : pclass === '0' ? 0 : pclass === '+' ? 1 : NaN;
  if (Number.isNaN(payloadClass)) throw new SignatureSyntaxError(`payload class must be 0, + or *: "${pclass}"`);

  const kept = layout.slice(0, count);
  return { ipVersion, ttl, badTtl, ipOptionsLength, mss, windowType, window, wscale, layout: kept, layoutHash: layoutHash(kept, count), eolPadding, quirks, payloadClass };
}

/** Adds the TCP signatures of one p0f.fp-format text to `into`; returns the problems, each naming file and line. */
export function readP0fText(text: string, file: string, into: P0fDatabase['byLayout']): { count: number; errors: string[] } {
  const errors: string[] = [];
  let count = 0;
  let direction = -1; // 1: tcp:request, 0: tcp:response, -1: a section Vigil does not read
  let label: P0fLabel | null = null;
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (line === '' || line.startsWith(';')) continue;
    try {
      if (line.startsWith('[')) {
        label = null;
        direction = line === '[tcp:request]' ? 1 : line === '[tcp:response]' ? 0 : -1;
        continue;
      }
      const eq = line.indexOf('=');
      if (eq < 0) throw new SignatureSyntaxError(`expected "name = value": "${line}"`);
      if (direction < 0) continue;
      const name = line.slice(0, eq).trim();
      const value = line.slice(eq + 1).trim();
      if (name === 'label') label = parseLabel(value);
      else if (name === 'sig') {
        if (label === null) throw new SignatureSyntaxError('sig before any label');
        const sig: P0fTcpSignature = { file, line: i + 1, label, ...parseTcpSignature(value) };
        const bucket = into[direction];
        const list = bucket.get(sig.layoutHash);
        if (list) list.push(sig);
        else bucket.set(sig.layoutHash, [sig]);
        count++;
      } else if (name !== 'sys' && name !== 'classes') throw new SignatureSyntaxError(`unknown statement "${name}"`);
    } catch (err) {
      if (!(err instanceof SignatureSyntaxError)) throw err;
      errors.push(`${file}:${i + 1}: ${err.message}`);
    }
  }
  return { count, errors };
}

/**
 * The bundled p0f database (`knowledge/fingerprints/p0f/p0f.fp`) and every other `*.fp` file beside it, in
 * name order after it: a site adds its own signatures by dropping a file there.
 */
export function loadP0fDatabase(dir = join(knowledgeDir(), 'fingerprints', 'p0f')): P0fDatabase {
  const byLayout: P0fDatabase['byLayout'] = [new Map(), new Map()];
  const errors: string[] = [];
  const files: string[] = [];
  let count = 0;
  if (!existsSync(dir)) return { byLayout, count, errors: [`${dir}: no p0f signature folder`], files };
  const names = readdirSync(dir)
    .filter((n) => n.endsWith('.fp'))
    .sort((a, b) => (a === 'p0f.fp' ? -1 : b === 'p0f.fp' ? 1 : a.localeCompare(b)));
  for (const name of names) {
    const file = join(dir, name);
    const read = readP0fText(readFileSync(file, 'utf8'), file, byLayout);
    count += read.count;
    errors.push(...read.errors);
    files.push(file);
  }
  return { byLayout, count, errors, files };
}

let shared: P0fDatabase | null = null;

/** The default database, read once per process. */
export function sharedP0fDatabase(): P0fDatabase {
  return (shared ??= loadP0fDatabase());
}
