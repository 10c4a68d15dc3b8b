/**
 * The raw printing dissector: TCP 9100 ("JetDirect", AppSocket) and its neighbours, where a client writes a
 * print stream straight to the printer and the printer answers PJL status readback (HP PJL Technical Reference, ch. 7).
 * From the client: the PJL commands it sends (`@PJL INFO ID`, `@PJL SET ...`), that a job was sent
 * (`@PJL JOB`: `pjl.job_seen`, never its name), the names of the variables it sets (never their values:
 * USERNAME and JOBNAME are among them) and the page description language of the document (from `@PJL ENTER
 * LANGUAGE` or the stream's first octets, print-language.ts). Once the document starts the client side is
 * not read further. From the printer: the model its INFO ID answer names, the languages, memory and
 * serial number of INFO CONFIG, and the status code and online state of INFO STATUS / USTATUS DEVICE. The
 * display text of a status is not kept (a panel may show a job's name). Keys are documented in
 * docs/observations.md.
 *
 * No port is claimed by default: 9100 is also Prometheus node_exporter's port, whose HTTP must stay HTTP's.
 * A flow is taken by the probe when the client's first octets are PJL's Universal Exit Language, `@PJL`, or
 * the start of a PostScript, PDF, PCL or PCL XL stream (`new PjlDissector({ tcpPorts: [9100] })` claims the
 * port for a site whose 9100 is only printers).
 *
 * Both directions are read line by line (PJL lines end in LF, CR optional, PJL ref. §2.3); a printer's
 * answer starts with the echo of the command (`@PJL INFO ID`) and ends with a form feed (§7.2).
 */
import type { Direction, Dissector, DissectorContext, DissectorSession, Transport } from '../dissector.js';
import type { ObservationValue } from '../observation.js';
import { LANGUAGE_SNIFF_LENGTH, printLanguage } from './print-language.js';

export const RAW_PRINT_PORT = 9100;

/** PJL ref. §2.3: command lines are short; a longer line of the client is document data, of the printer cut. */
const MAX_LINE = 256;
/** Lines read per direction: status polling repeats itself, and identity is in the first answers. */
const MAX_LINES = 1024;
/** Distinct facts remembered per flow. */
const MAX_REMEMBERED = 256;
const MAX_TEXT = 128;

const UEL = Buffer.from('\x1b%-12345X', 'latin1');
const PJL = Buffer.from('@PJL', 'latin1');
/** First octets of a print stream the probe accepts: PJL, then PostScript, PDF, PCL (a reset and another escape), PCL XL. */
const PROBE_SIGNATURES: readonly Buffer[] = [UEL, PJL, '%!PS', '%PDF-', '\x1bE\x1b', ') HP-PCL XL'].map((s) => (Buffer.isBuffer(s) ? s : Buffer.from(s, 'latin1')));
const FF = 0x0c;

/** Status readback categories of `@PJL INFO` (PJL ref. §7.4 to §7.12; PRODINFO and SUPPLIES on newer models). */
const INFO_CATEGORIES: ReadonlySet<string> = new Set(['ID', 'CONFIG', 'FILESYS', 'MEMORY', 'PAGECOUNT', 'STATUS', 'VARIABLES', 'USTATUS', 'LOG', 'PRODINFO', 'SUPPLIES', 'BRFIRMWARE']);

export class PjlDissector implements Dissector {
  readonly name = 'pjl';
  readonly udpPorts: readonly number[] = [];
  readonly tcpPorts: readonly number[];
  readonly reassemble = true;

  constructor(options: { tcpPorts?: readonly number[] } = {}) {
    this.tcpPorts = options.tcpPorts ?? [];
  }

  /** A client's first octets start a PJL job or a print stream (a printer never speaks first). */
  probe(transport: Transport, dir: Direction, buf: Buffer, offset: number, length: number): boolean {
    if (transport !== 'tcp' || dir !== 0) return false;
    for (const signature of PROBE_SIGNATURES) if (startsWith(buf, offset, offset + length, signature)) return true;
    return false;
  }

  open(ctx: DissectorContext): DissectorSession {
    return new PjlSession(ctx);
  }
}

function startsWith(buf: Buffer, start: number, end: number, prefix: Buffer): boolean {
  if (end - start < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (buf[start + i] !== prefix[i]) return false;
  return true;
}

class LineState {
  readonly line = Buffer.allocUnsafe(MAX_LINE);
  length = 0;
  lines = 0;
  stopped = false;
}

class PjlSession implements DissectorSession {
  private readonly dirs: [LineState, LineState] = [new LineState(), new LineState()];
  private readonly seen = new Set<string>();
  /** The printer's answer being read: the category its echo line named, and the CONFIG feature whose options follow. */
  private category = '';
  private feature = '';

  constructor(private readonly ctx: DissectorContext) {}

  get done(): boolean {
    return this.dirs[0].stopped && this.dirs[1].stopped;
  }

  data(dir: Direction, buf: Buffer, offset: number, length: number): void {
    const d = this.dirs[dir];
    if (d.stopped || offset < 0 || length <= 0 || offset + length > buf.length) return;
    for (let i = offset; i < offset + length && !d.stopped; i++) {
      const c = buf[i];
      if (c === 0x0a || (dir === 1 && c === FF)) {
        this.lineDone(dir, d, c === FF);
        continue;
      }
      d.line[d.length++] = c;
      if (d.length === MAX_LINE) {
        // No line end within the bound: the client's document has begun, or the printer's line is cut.
        if (dir === 0) this.clientLine(d, true);
        else d.length = 0;
      }
    }
  }

  gap(dir: Direction): void {
    this.dirs[dir].stopped = true;
  }

  end(): void {
    // Document data with no line end yet (a short PCL stream): enough octets to name its language.
    const d = this.dirs[0];
    if (!d.stopped && d.length >= LANGUAGE_SNIFF_LENGTH) this.clientLine(d, true);
  }

  private emit(key: string, value: ObservationValue, from: Direction): void {
    const id = `${from}\u0000${key}\u0000${String(value)}`;
    if (this.seen.has(id) || this.seen.size >= MAX_REMEMBERED) return;
    this.seen.add(id);
    this.ctx.emit(key, value, from);
  }

  private lineDone(dir: Direction, d: LineState, formFeed: boolean): void {
    if (++d.lines >= MAX_LINES) d.stopped = true;
    if (dir === 0) this.clientLine(d, false);
    else {
      this.printerLine(d.line.toString('latin1', 0, d.length));
      d.length = 0;
      if (formFeed) this.category = '';
    }
  }

  /** One client line, or `unended` octets that reached the bound or the end of the flow without a line end. */
  private clientLine(d: LineState, unended: boolean): void {
    let start = 0;
    const end = d.length;
    d.length = 0;
    while (startsWith(d.line, start, end, UEL)) start += UEL.length;
    if (!unended && (start === end || (start + 1 === end && d.line[start] === 0x0d))) return;
    if (!startsWith(d.line, start, end, PJL)) {
      // The document itself: its language from its first octets, then nothing more of it is read.
      const language = printLanguage(d.line, start, Math.min(end, start + LANGUAGE_SNIFF_LENGTH));
      if (language !== null) this.emit('pjl.language', language, 0);
      d.stopped = true;
      return;
    }
    if (unended) {
      // A PJL line longer than the bound is not PJL a client sends.
      d.stopped = true;
      return;
    }
    this.command(d.line.toString('latin1', start + PJL.length, end).trim(), d);
  }

  private command(text: string, d: LineState): void {
    if (text === '') return;
    // PJL ref. §2.3: words are separated by spaces or tabs; `=` may be surrounded by white space.
    const words = text.split(/[ \t]+/);
    const verb = words[0].toUpperCase();
    if (!/^[A-Z]{2,16}$/.test(verb)) return;
    if (verb === 'INFO' || verb === 'USTATUS') {
      const category = (words[1] ?? '').split('=')[0].toUpperCase();
      const known = verb === 'INFO' ? INFO_CATEGORIES.has(category) : /^[A-Z]{2,16}$/.test(category);
      this.emit('pjl.command', known ? `${verb} ${category}` : verb, 0);
      return;
    }
    this.emit('pjl.command', verb, 0);
    if (verb === 'JOB') this.emit('pjl.job_seen', true, 0);
    else if (verb.startsWith('FS')) this.emit('pjl.filesystem_access', true, 0);
    else if (verb === 'SET' || verb === 'DEFAULT' || verb === 'INQUIRE' || verb === 'DINQUIRE') {
      const variable = variableName(text.slice(words[0].length));
      if (variable !== null) this.emit('pjl.variable', variable, 0);
    } else if (verb === 'ENTER') {
      // `@PJL ENTER LANGUAGE = PCL`: the document follows in that language.
      const m = /^\s*LANGUAGE\s*=\s*([A-Za-z0-9_-]{1,16})\s*$/i.exec(text.slice(words[0].length));
      if (m !== null) this.emit('pjl.language', m[1].toUpperCase(), 0);
      d.stopped = true;
    }
  }

  private printerLine(raw: string): void {
    const line = raw.replace(/[\x00-\x08\x0b-\x1f\x7f]/g, '');
    const trimmed = line.trim();
    if (trimmed.startsWith('@PJL')) {
      // The echo that starts an answer: `@PJL INFO ID`, `@PJL USTATUS DEVICE`.
      const words = trimmed.slice(4).trim().split(/[ \t]+/);
      const verb = (words[0] ?? '').toUpperCase();
      this.category = verb === 'INFO' || verb === 'USTATUS' ? `${verb} ${(words[1] ?? '').toUpperCase()}` : verb;
      this.feature = '';
      return;
    }
    if (trimmed === '') return;
    switch (this.category) {
      case 'INFO ID': {
        // PJL ref. §7.5: "a printer model number ... in quotes", e.g. "HP LaserJet 4250".
        const model = unquote(trimmed);
        if (model !== null) this.emit('pjl.model', model, 1);
        return;
      }
      case 'INFO CONFIG':
        return this.configLine(line, trimmed);
      case 'INFO STATUS':
      case 'USTATUS DEVICE':
      case 'USTATUS JOB':
        return this.statusLine(trimmed);
      case 'INFO PAGECOUNT': {
        const m = /^(?:PAGECOUNT\s*=\s*)?(\d{1,9})$/i.exec(trimmed);
        if (m !== null) this.emit('pjl.page_count', Number(m[1]), 1);
        return;
      }
      case 'INFO PRODINFO':
        return this.serialLine(trimmed);
    }
  }

  /** PJL ref. §7.6: `feature[=value] [n ENUMERATED]` lines, each followed by its options indented with a tab. */
  private configLine(line: string, trimmed: string): void {
    if (line.startsWith('\t') || line.startsWith(' ')) {
      if (this.feature === 'LANGUAGES') {
        const language = trimmed.split(/[ \t]+/)[0].toUpperCase();
        if (/^[A-Z0-9_-]{1,16}$/.test(language)) this.emit('pjl.languages_supported', language, 1);
      }
      return;
    }
    this.serialLine(trimmed);
    const m = /^([A-Za-z][A-Za-z0-9 ]{0,40}?)\s*(?:=\s*([^[]*?))?\s*(?:\[.*\])?$/.exec(trimmed);
    if (m === null) {
      this.feature = '';
      return;
    }
    this.feature = m[1].toUpperCase();
    if (this.feature === 'MEMORY' && m[2] !== undefined && /^\d{1,12}$/.test(m[2])) this.emit('pjl.memory', Number(m[2]), 1);
  }

  /** PJL ref. §7.10: `CODE=10001`, `DISPLAY="Ready"`, `ONLINE=TRUE`; the display text is not kept. */
  private statusLine(trimmed: string): void {
    const m = /^(CODE|ONLINE)\s*=\s*(\S+)$/i.exec(trimmed);
    if (m === null) return;
    if (m[1].toUpperCase() === 'CODE' && /^\d{5}$/.test(m[2])) this.emit('pjl.status_code', Number(m[2]), 1);
    else if (m[1].toUpperCase() === 'ONLINE' && /^(TRUE|FALSE)$/i.test(m[2])) this.emit('pjl.online', m[2].toUpperCase() === 'TRUE', 1);
  }

  /** A serial number line some models put in INFO CONFIG or INFO PRODINFO (`SERIAL NUMBER=...`, `SerialNumber = ...`). */
  private serialLine(trimmed: string): void {
    const m = /^SERIAL ?NUMBER\s*=\s*"?([A-Za-z0-9-]{4,32})"?$/i.exec(trimmed);
    if (m !== null) this.emit('pjl.serial', m[1], 1);
  }
}

/** The variable a SET/DEFAULT/INQUIRE names (after an optional `LPARM : language` or `IPARM : port`). */
function variableName(rest: string): string | null {
  const m = /^\s*(?:[LI]PARM\s*:\s*[A-Za-z0-9]+\s+)?([A-Za-z][A-Za-z0-9_]{0,31})\s*(?:=|$)/i.exec(rest);
  return m === null ? null : m[1].toUpperCase();
}

/** The text of a quoted string (or the bare text), without control characters, bounded; null when empty. */
function unquote(text: string): string | null {
  const inner = text.startsWith('"') ? text.slice(1, text.endsWith('"') && text.length > 1 ? -1 : undefined) : text;
  const clean = inner.trim().slice(0, MAX_TEXT);
  return clean.length > 0 ? clean : null;
}

export function createPjlDissector(options?: { tcpPorts?: readonly number[] }): PjlDissector {
  return new PjlDissector(options);
}
