/**
 * The POCT1-A dissector (CLSI POCT1-A2, Device and Observation Reporting Interface): point-of-care analyzers
 * (glucose meters, blood gas, coagulation) and their data manager exchanging XML messages over TCP. It
 * reports the message types and the device's identity from the DEV object of its Hello (`HEL.R01`), and
 * THAT patient data flows (a `PT.*` element with a value, in observations): patient ids and results are
 * never emitted. Keys are documented in docs/observations.md.
 */
import type { Direction, Dissector, DissectorContext, DissectorSession, Transport } from '../dissector.js';
import { attribute, nameLength, TagScanner } from './poct1a-tags.js';

/**
 * POCT1-A has no registered port: devices connect to a data manager port configured per site. None is
 * claimed by default; flows are recognised by the probe, and `new Poct1aDissector([port...])` claims some.
 */
export const POCT1A_DEFAULT_PORTS: readonly number[] = [];

/** Octets of a first payload searched by the probe for a message root after the XML declaration. */
const PROBE_WINDOW = 512;
const MAX_REMEMBERED = 64;

/** DEV object attributes (POCT1-A2 HEL.R01) and the keys they become. */
const DEVICE_FIELDS: Readonly<Record<string, string>> = {
  'DEV.device_id': 'poct1a.device_id',
  'DEV.vendor_id': 'poct1a.vendor',
  'DEV.model_id': 'poct1a.model',
  'DEV.serial_id': 'poct1a.serial',
  'DEV.manufacturer_name': 'poct1a.manufacturer',
  'DEV.sw_version': 'poct1a.software',
  'DEV.hw_version': 'poct1a.hardware',
  'DEV.device_name': 'poct1a.device_name',
};

/** `XXX.Rnn`: POCT1-A message roots (HEL, ACK, DST, REQ, OBS, EOT, END, DTV, KPA, OPL, EVS, ESC, TOP...). */
function isMessageName(tag: Buffer, at: number, end: number): boolean {
  if (end - at < 7) return false;
  for (let i = 0; i < 3; i++) if (tag[at + i] < 0x41 || tag[at + i] > 0x5a) return false;
  return tag[at + 3] === 0x2e && tag[at + 4] === 0x52 && isDigit(tag[at + 5]) && isDigit(tag[at + 6]) && (end - at === 7 || !isNameChar(tag[at + 7]));
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

function isNameChar(c: number): boolean {
  return isDigit(c) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x2e || c === 0x5f || c === 0x2d;
}

export class Poct1aDissector implements Dissector {
  readonly name = 'poct1a';
  readonly udpPorts: readonly number[] = [];
  readonly tcpPorts: readonly number[];
  readonly reassemble = true;

  constructor(ports: readonly number[] = POCT1A_DEFAULT_PORTS) {
    this.tcpPorts = ports;
  }

  /** `<?xml` (after an optional BOM and white space) then `<XXX.Rnn` within the first 512 octets, or `<XXX.Rnn` directly. */
  probe(transport: Transport, _dir: Direction, buf: Buffer, offset: number, length: number): boolean {
    if (transport !== 'tcp' || offset < 0 || length <= 0 || offset + length > buf.length) return false;
    const end = offset + Math.min(length, PROBE_WINDOW);
    let at = offset;
    if (end - at >= 3 && buf[at] === 0xef && buf[at + 1] === 0xbb && buf[at + 2] === 0xbf) at += 3;
    while (at < end && (buf[at] === 0x20 || buf[at] === 0x0d || buf[at] === 0x0a || buf[at] === 0x09)) at++;
    if (at < end && buf[at] === 0x3c && isMessageName(buf, at + 1, end)) return true;
    const declaration = end - at >= 5 && buf[at] === 0x3c && buf[at + 1] === 0x3f && buf[at + 2] === 0x78 && buf[at + 3] === 0x6d && buf[at + 4] === 0x6c;
    if (!declaration) return false;
    for (let i = at + 5; i + 1 < end; i++) if (buf[i] === 0x3c && buf[i + 1] !== 0x3f && buf[i + 1] !== 0x21) return isMessageName(buf, i + 1, end);
    return false;
  }

  open(ctx: DissectorContext): DissectorSession {
    return new Poct1aSession(ctx);
  }
}

class Poct1aSession implements DissectorSession {
  private readonly scanners: [TagScanner, TagScanner];
  private readonly seen = new Map<string, Set<string | boolean>>();
  /** Per side: the current message is a POCT1-A one (its root is `XXX.Rnn`). */
  private readonly inMessage: [boolean, boolean] = [false, false];

  constructor(private readonly ctx: DissectorContext) {
    this.scanners = [this.scanner(0), this.scanner(1)];
  }

  get done(): boolean {
    return false;
  }

  data(dir: Direction, buf: Buffer, offset: number, length: number): void {
    if (offset < 0 || length <= 0 || offset + length > buf.length) return;
    this.scanners[dir].push(buf, offset, offset + length);
  }

  gap(dir: Direction): void {
    this.scanners[dir].gap();
    this.inMessage[dir] = false;
  }

  private scanner(dir: Direction): TagScanner {
    return new TagScanner({ startTag: (tag, length, depth) => this.startTag(dir, tag, length, depth) });
  }

  private startTag(dir: Direction, tag: Buffer, length: number, depth: number): void {
    const n = nameLength(tag, length);
    if (depth === 0) {
      this.inMessage[dir] = n === 7 && isMessageName(tag, 0, n);
      if (this.inMessage[dir]) this.emit('poct1a.message', tag.toString('latin1', 0, 7), dir);
      return;
    }
    if (!this.inMessage[dir] || n < 4 || n > 40) return;
    const name = tag.toString('latin1', 0, n);
    const key = DEVICE_FIELDS[name];
    if (key !== undefined) {
      const value = attribute(tag, length, 'V');
      if (value) this.emit(key, value, dir);
    } else if (name === 'HDR.version_id') {
      const value = attribute(tag, length, 'V');
      if (value) this.emit('poct1a.version', value, dir);
    } else if (name.startsWith('PT.')) {
      // Patient id, name, birth date...: only that one is present is reported.
      if (attribute(tag, length, 'V')) this.emit('poct1a.phi_present', true, dir);
    }
  }

  private emit(key: string, value: string | boolean, from: Direction): void {
    const id = from === 0 ? key : `${key}\u0000`;
    let values = this.seen.get(id);
    if (values === undefined) this.seen.set(id, (values = new Set()));
    if (values.has(value)) return;
    if (values.size < MAX_REMEMBERED) values.add(value);
    this.ctx.emit(key, value, from);
  }
}
