/**
 * The ASTM dissector: laboratory analyzers talking to a LIS with E1394 / CLSI LIS2-A2 records, over the
 * E1381 / LIS1-A low level or raw. It reports the analyzer's identity from the header record (H-5: name,
 * software version, serial number), the receiver, the standard version and processing id, which record
 * types flow, how many messages, how many frames failed their checksum, and THAT patient data flows (a P
 * record): no patient, specimen or result value is ever read. Keys are documented in docs/observations.md.
 */
import type { Direction, Dissector, DissectorContext, DissectorSession, Transport } from '../dissector.js';
import { isCountStep } from '../hl7/hl7-dissector.js';
import { AstmFraming, AstmStreamReader, ENQ, STX, type RecordSink } from './astm-frames.js';

/**
 * ASTM has no registered port: analyzers and middleware use one configured per site. None is claimed by
 * default; flows are recognised by the probe, and `new AstmDissector([port...])` claims a site's ports.
 */
export const ASTM_DEFAULT_PORTS: readonly number[] = [];

/** E1394 §7 record types: header, patient, order, result, comment, request, terminator, manufacturer, scientific. */
const RECORD_TYPES = 'HPORCQLMS';
/** Octets of an identity value kept. */
const MAX_VALUE = 64;
const MAX_REMEMBERED = 64;

interface Delimiters {
  field: number;
  repeat: number;
  component: number;
}

const DEFAULT_DELIMITERS: Delimiters = { field: 0x7c, repeat: 0x5c, component: 0x5e };

export class AstmDissector implements Dissector {
  readonly name = 'astm';
  readonly udpPorts: readonly number[] = [];
  readonly tcpPorts: readonly number[];
  readonly reassemble = true;

  constructor(ports: readonly number[] = ASTM_DEFAULT_PORTS) {
    this.tcpPorts = ports;
  }

  /**
   * A lone ENQ (E1381's bid for the line, sent before anything else and answered before the first frame),
   * `[ENQ] STX digit H delimiter`, or a raw header `H|\^&`: H followed by four printable delimiters.
   */
  probe(transport: Transport, _dir: Direction, buf: Buffer, offset: number, length: number): boolean {
    if (transport !== 'tcp' || offset < 0 || length <= 0 || offset + length > buf.length) return false;
    let at = offset;
    const end = offset + length;
    if (buf[at] === ENQ) {
      if (length === 1) return true;
      at++;
    }
    if (end - at >= 4 && buf[at] === STX && buf[at + 1] >= 0x30 && buf[at + 1] <= 0x37 && buf[at + 2] === 0x48) return isDelimiter(buf[at + 3]);
    if (end - at < 5 || buf[at] !== 0x48) return false;
    for (let i = 1; i <= 4; i++) if (!isDelimiter(buf[at + i])) return false;
    return true;
  }

  open(ctx: DissectorContext): DissectorSession {
    return new AstmSession(ctx);
  }
}

function isDelimiter(c: number): boolean {
  return c > 0x20 && c < 0x7f && !((c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a));
}

interface Side {
  reader: AstmStreamReader;
  delimiters: Delimiters;
  readonly types: Set<string>;
  messages: number;
  checksumErrors: number;
  framingReported: boolean;
}

class AstmSession implements DissectorSession {
  private readonly sides: [Side, Side];
  private readonly seen = new Map<string, Set<string | number | boolean>>();

  constructor(private readonly ctx: DissectorContext) {
    this.sides = [this.side(0), this.side(1)];
  }

  get done(): boolean {
    return this.sides[0].reader.stopped && this.sides[1].reader.stopped;
  }

  data(dir: Direction, buf: Buffer, offset: number, length: number): void {
    if (offset < 0 || length <= 0 || offset + length > buf.length) return;
    this.sides[dir].reader.push(buf, offset, offset + length);
  }

  gap(dir: Direction): void {
    this.sides[dir].reader.gap();
  }

  private side(dir: Direction): Side {
    const sink: RecordSink = {
      record: (rec, length, cut) => this.record(dir, rec, length, cut),
      frame: (valid) => this.frame(dir, valid),
    };
    return { reader: new AstmStreamReader(sink), delimiters: DEFAULT_DELIMITERS, types: new Set(), messages: 0, checksumErrors: 0, framingReported: false };
  }

  private frame(dir: Direction, valid: boolean): void {
    const side = this.sides[dir];
    if (valid) {
      this.reportFraming(dir, side);
      return;
    }
    side.checksumErrors++;
    if (isCountStep(side.checksumErrors)) this.emit('astm.checksum_errors', side.checksumErrors, dir);
  }

  private reportFraming(dir: Direction, side: Side): void {
    if (side.framingReported) return;
    side.framingReported = true;
    this.emit('astm.framing', side.reader.framing === AstmFraming.E1381 ? 'e1381' : 'raw', dir);
  }

  private record(dir: Direction, rec: Buffer, length: number, cut: boolean): void {
    const side = this.sides[dir];
    const type = rec[0];
    if (RECORD_TYPES.indexOf(String.fromCharCode(type)) < 0) return;
    const isHeader = type === 0x48;
    if (isHeader) {
      // A bare `H` (python-astm's minimal messages) keeps the default delimiters.
      if (length > 1 && (length < 5 || !isDelimiter(rec[1]))) return;
      side.delimiters = length > 1 ? { field: rec[1], repeat: rec[2], component: rec[3] } : DEFAULT_DELIMITERS;
    } else if (length > 1 && rec[1] !== side.delimiters.field) {
      return;
    }
    if (side.reader.framing === AstmFraming.Raw) {
      if (side.types.size === 0 && !isHeader) {
        // A raw stream opens with its header record; anything else is not ASTM.
        side.reader.stopped = true;
        return;
      }
      this.reportFraming(dir, side);
    }
    const letter = String.fromCharCode(type);
    if (!side.types.has(letter)) {
      side.types.add(letter);
      this.emit('astm.record_types', [...side.types].sort(), dir);
    }
    if (isHeader) this.header(dir, side, rec, length, cut);
    else if (type === 0x50 && hasPatientData(rec, length, side.delimiters)) this.emit('astm.phi_present', true, dir);
  }

  /** LIS2-A2 §6 header: H-5 sender name^version^serial, H-10 receiver id, H-12 processing id, H-13 version. */
  private header(dir: Direction, side: Side, rec: Buffer, length: number, cut: boolean): void {
    side.messages++;
    if (isCountStep(side.messages)) this.emit('astm.messages', side.messages, dir);
    const d = side.delimiters;
    const sender = fieldText(rec, length, cut, d, 5);
    if (sender !== null) {
      const [name, version, serial] = sender.split('^');
      if (name) this.emit('astm.sender_name', name, dir);
      if (version) this.emit('astm.sender_version', version, dir);
      if (serial) this.emit('astm.sender_serial', serial, dir);
    }
    const receiver = fieldText(rec, length, cut, d, 10);
    if (receiver) this.emit('astm.receiver_id', receiver.replace(/\^+$/, ''), dir);
    const processing = fieldText(rec, length, cut, d, 12)?.split('^')[0];
    if (processing && /^[A-Z]$/.test(processing)) this.emit('astm.processing_id', processing, dir);
    const version = fieldText(rec, length, cut, d, 13)?.split('^')[0];
    if (version) this.emit('astm.version', version, dir);
  }

  private emit(key: string, value: string | number | boolean | string[], from: Direction): void {
    const id = from === 0 ? key : `${key}\u0000`;
    const remembered = Array.isArray(value) ? value.join('|') : value;
    let values = this.seen.get(id);
    if (values === undefined) this.seen.set(id, (values = new Set()));
    if (values.has(remembered)) return;
    if (values.size < MAX_REMEMBERED) values.add(remembered);
    this.ctx.emit(key, value, from);
  }
}

/**
 * Text of field `n` (E1394 numbering: field 1 is the record type; in the header, field 2 is the delimiter
 * definition) with `^` between components, first repetition, trimmed; null when absent or possibly cut.
 * The header's own delimiter definition is not split: field n of the header is part n-1 when split at the
 * field delimiter, as for every record.
 */
function fieldText(rec: Buffer, length: number, cut: boolean, d: Delimiters, n: number): string | null {
  let part = 1;
  let start = 0;
  for (let i = 0; i <= length; i++) {
    if (i < length && rec[i] !== d.field) continue;
    if (i === length && cut) return null;
    if (part === n) {
      let stop = start;
      while (stop < i && rec[stop] !== d.repeat) stop++;
      stop = Math.min(stop, start + MAX_VALUE);
      let text = rec.toString('latin1', start, stop);
      if (d.component !== 0x5e) text = text.split(String.fromCharCode(d.component)).join('^');
      // eslint-disable-next-line no-control-regex
      text = text.replace(/[\u0000-\u001f\u007f]/g, '').trim();
      return text === '' ? null : text;
    }
    part++;
    start = i + 1;
  }
  return null;
}

/** Whether a P record has any value beyond its sequence number (P-2): QC transfers send empty ones. */
function hasPatientData(rec: Buffer, length: number, d: Delimiters): boolean {
  let fields = 0;
  for (let i = 1; i < length; i++) {
    const c = rec[i];
    if (c === d.field) fields++;
    else if (fields >= 2 && c !== d.component && c !== d.repeat && c !== 0x20) return true;
  }
  return false;
}
