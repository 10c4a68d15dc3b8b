/**
 * The LPD dissector (RFC 1179, TCP 515): the daemon command a client sends (print waiting jobs, receive a
 * job, short or long queue state, remove jobs) and the queue it names; for a received job, that a job was
 * seen, the client's host name from the control file's `H` line, which control-file line types it carried,
 * the print formats its data files were sent in (RFC 1179 §7.16 to §7.31: `f` formatted text, `o`
 * PostScript, `l` raw...) and the language the data file's first octets show. Whether the printer refused
 * the job (a non-zero acknowledgement, §6) comes from the other side.
 *
 * The values of the control file's job and user lines (`J` job name, `N` file name, `P` and `L` user, `T`
 * title, `M` mail address, `U`/`S` file references) are never kept: only their letters. The queue listing a
 * queue-state answer carries (owners and file names) is not read, nor is the user name of a remove-jobs
 * command, nor any data file beyond its first octets. Keys are documented in docs/observations.md.
 */
import type { Direction, Dissector, DissectorContext, DissectorSession } from '../dissector.js';
import type { ObservationValue } from '../observation.js';
import { LANGUAGE_SNIFF_LENGTH, printLanguage } from '../pjl/print-language.js';

export const LPD_PORT = 515;

/** RFC 1179 §4 and §6: command lines are short (queue names, a count and a file name). */
const MAX_LINE = 256;
/** Subcommands and control-file lines read per connection; a job has a handful. */
const MAX_LINES = 512;
/** Distinct facts remembered per flow. */
const MAX_REMEMBERED = 256;
const MAX_NAME = 64;

/** RFC 1179 §5.1 to §5.5: the daemon commands, by their first octet. */
const COMMANDS: Record<number, string> = {
  1: 'print-waiting-jobs',
  2: 'receive-job',
  3: 'queue-state-short',
  4: 'queue-state-long',
  5: 'remove-jobs',
};

/** RFC 1179 §7.16 to §7.31 (and `z`, LPRng's Palladium): control-file lines that print a data file, by format. */
const FORMATS: Record<string, string> = {
  c: 'cifplot',
  d: 'dvi',
  f: 'formatted-text',
  g: 'plot',
  k: 'kerberized',
  l: 'raw',
  n: 'ditroff',
  o: 'postscript',
  p: 'pr',
  r: 'fortran',
  t: 'troff',
  v: 'raster',
  z: 'palladium',
};

/** RFC 1179 §7: the letters of control-file lines (the formats above, and the rest of §7.2 to §7.15). */
const CONTROL_LETTERS = new Set([...'CHIJLMNPSTUW1234', ...Object.keys(FORMATS)]);

const enum Phase {
  /** The daemon command line. */
  Command,
  /** A receive-job subcommand line (§6). */
  Subcommand,
  /** Lines of a control file, `remaining` octets of it left. */
  ControlFile,
  /** A data file, `remaining` octets left (only its first octets are looked at). */
  DataFile,
  /** The octet that ends a control or data file (§6.2, §6.3). */
  FileEnd,
  Stopped,
}

class LpdSession implements DissectorSession {
  private phase = Phase.Command;
  private readonly line = Buffer.allocUnsafe(MAX_LINE);
  private length = 0;
  private lines = 0;
  private remaining = 0;
  /** First octets of the current data file, for its language. */
  private readonly sniff = Buffer.allocUnsafe(LANGUAGE_SNIFF_LENGTH);
  private sniffLength = 0;
  private receiving = false;
  private serverStopped = false;
  private readonly letters: string[] = [];
  private readonly seen = new Set<string>();

  constructor(private readonly ctx: DissectorContext) {}

  get done(): boolean {
    return this.phase === Phase.Stopped && this.serverStopped;
  }

  data(dir: Direction, buf: Buffer, offset: number, length: number): void {
    if (offset < 0 || length <= 0 || offset + length > buf.length) return;
    if (dir === 1) this.server(buf, offset, length);
    else this.client(buf, offset, offset + length);
  }

  gap(dir: Direction): void {
    if (dir === 0) this.phase = Phase.Stopped;
    else this.serverStopped = true;
  }

  private emit(key: string, value: ObservationValue, from: Direction): void {
    const id = `${from}\u0000${key}\u0000${Array.isArray(value) ? value.join('\u0001') : String(value)}`;
    if (this.seen.has(id) || this.seen.size >= MAX_REMEMBERED) return;
    this.seen.add(id);
    this.ctx.emit(key, value, from);
  }

  /**
   * The printer's side. For a receive-job connection every answer is one octet, zero for yes (§6); any
   * other octet refuses. Queue-state answers are a listing of owners and files, and are not read.
   */
  private server(buf: Buffer, offset: number, length: number): void {
    if (this.serverStopped) return;
    if (!this.receiving) {
      // Before the client's command is known nothing can be read; after a non-receive command nothing need be.
      if (this.phase !== Phase.Command) this.serverStopped = true;
      return;
    }
    for (let i = offset; i < offset + length; i++) {
      if (buf[i] !== 0) {
        this.emit('lpd.job_refused', true, 1);
        this.serverStopped = true;
        return;
      }
    }
  }

  private client(buf: Buffer, pos: number, end: number): void {
    while (pos < end && this.phase !== Phase.Stopped) {
      switch (this.phase) {
        case Phase.Command:
        case Phase.Subcommand:
        case Phase.ControlFile:
          pos = this.readLine(buf, pos, end);
          break;
        case Phase.DataFile: {
          const n = Math.min(this.remaining, end - pos);
          const keep = Math.min(n, LANGUAGE_SNIFF_LENGTH - this.sniffLength);
          if (keep > 0) {
            buf.copy(this.sniff, this.sniffLength, pos, pos + keep);
            this.sniffLength += keep;
          }
          pos += n;
          this.remaining -= n;
          if (this.sniffLength === LANGUAGE_SNIFF_LENGTH || this.remaining === 0) this.dataLanguage();
          if (this.remaining === 0) this.phase = Phase.FileEnd;
          break;
        }
        case Phase.FileEnd:
          // §6.2: "an octet of zero bits is then sent": anything else means the framing is lost.
          this.phase = buf[pos++] === 0 ? Phase.Subcommand : Phase.Stopped;
          break;
      }
    }
  }

  private readLine(buf: Buffer, pos: number, end: number): number {
    const control = this.phase === Phase.ControlFile;
    while (pos < end) {
      const c = buf[pos++];
      // A control file ends at its count, whether or not its last line has a line end.
      const last = control && --this.remaining === 0;
      if (c === 0x0a) {
        this.lineDone();
        return pos;
      }
      if (this.length === MAX_LINE) {
        // A line longer than any RFC 1179 line: not LPD, or the framing is lost.
        this.phase = Phase.Stopped;
        return end;
      }
      this.line[this.length++] = c;
      if (last) {
        this.lineDone();
        return pos;
      }
    }
    return pos;
  }

  private lineDone(): void {
    const n = this.length;
    this.length = 0;
    if (++this.lines >= MAX_LINES) {
      this.phase = Phase.Stopped;
      return;
    }
    if (this.phase === Phase.Command) this.command(n);
    else if (this.phase === Phase.Subcommand) this.subcommand(n);
    else {
      this.controlLine(n);
      if (this.remaining === 0) this.controlFileDone();
    }
  }

  /** §5: one octet naming the command, the queue, and for 3 to 5 a list (of jobs or users: not read). */
  private command(n: number): void {
    const code = n > 1 ? this.line[0] : 0;
    const name = COMMANDS[code];
    const queue = name === undefined ? null : queueName(this.line.toString('latin1', 1, n));
    if (name === undefined || queue === null) {
      this.phase = Phase.Stopped;
      this.serverStopped = true;
      return;
    }
    this.emit('lpd.command', name, 0);
    this.emit('lpd.queue', queue, 0);
    if (code === 2) {
      this.receiving = true;
      this.phase = Phase.Subcommand;
    } else this.phase = Phase.Stopped;
  }

  /** §6: `\x01` abort, `\x02count SP name` control file, `\x03count SP name` data file. */
  private subcommand(n: number): void {
    const code = n > 0 ? this.line[0] : 0;
    if (code === 1 && n === 1) return;
    const m = /^(\d{1,12}) \S{1,255}$/.exec(this.line.toString('latin1', 1, n).replace(/\r$/, ''));
    if ((code !== 2 && code !== 3) || m === null) {
      this.phase = Phase.Stopped;
      return;
    }
    this.remaining = Number(m[1]);
    this.emit('lpd.job_seen', true, 0);
    if (code === 2) {
      this.letters.length = 0;
      this.phase = this.remaining > 0 ? Phase.ControlFile : Phase.FileEnd;
      if (this.remaining === 0) this.controlFileDone();
    } else {
      this.sniffLength = 0;
      this.phase = this.remaining > 0 ? Phase.DataFile : Phase.FileEnd;
    }
  }

  /** §7: one letter, then its operand. Only `H` (the client's host name) has its operand kept. */
  private controlLine(n: number): void {
    if (n === 0) return;
    const letter = String.fromCharCode(this.line[0]);
    if (!CONTROL_LETTERS.has(letter)) return;
    if (!this.letters.includes(letter)) this.letters.push(letter);
    if (letter === 'H') {
      const host = this.line.toString('latin1', 1, n).replace(/[\x00-\x20\x7f-\xff]/g, '');
      // §7.2: "the name of the machine where the print command was executed", at most 31 octets.
      if (/^[A-Za-z0-9][A-Za-z0-9.-]{0,62}$/.test(host)) this.emit('lpd.client_host', host.toLowerCase(), 0);
    } else if (FORMATS[letter] !== undefined) {
      this.emit('lpd.print_format', FORMATS[letter], 0);
    }
  }

  private controlFileDone(): void {
    if (this.letters.length > 0) this.emit('lpd.control_lines', [...this.letters], 0);
    this.phase = Phase.FileEnd;
  }

  private dataLanguage(): void {
    if (this.sniffLength === 0 || this.sniffLength > LANGUAGE_SNIFF_LENGTH) return;
    const language = printLanguage(this.sniff, 0, this.sniffLength);
    if (language !== null) this.emit('lpd.document_language', language, 0);
    this.sniffLength = LANGUAGE_SNIFF_LENGTH + 1; // asked once per file
  }
}

/** A queue name (§5: "the name of the queue"): printable, no white space, bounded; null when not one. */
function queueName(text: string): string | null {
  const name = text.split(/[ \t\r]/)[0];
  return name.length > 0 && name.length <= MAX_NAME && /^[\x21-\x7e]+$/.test(name) ? name : null;
}

export class LpdDissector implements Dissector {
  readonly name = 'lpd';
  readonly udpPorts: readonly number[] = [];
  readonly tcpPorts: readonly number[];
  readonly reassemble = true;

  constructor(options: { tcpPorts?: readonly number[] } = {}) {
    this.tcpPorts = options.tcpPorts ?? [LPD_PORT];
  }

  open(ctx: DissectorContext): DissectorSession {
    return new LpdSession(ctx);
  }
}

export function createLpdDissector(options?: { tcpPorts?: readonly number[] }): LpdDissector {
  return new LpdDissector(options);
}
