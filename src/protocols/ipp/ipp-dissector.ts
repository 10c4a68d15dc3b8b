/**
 * The IPP dissector (RFC 8010 encoding, RFC 8011 model, IPP Everywhere PWG 5100.14): IPP is HTTP POST with
 * the media type `application/ipp`, on TCP 631. From requests: the IPP version, the operation, whether a job
 * was submitted (`ipp.job_seen`) and its document format. From responses: the status, and from the printer
 * attributes group of a Get-Printer-Attributes response what the printer says it is: make and model, IEEE
 * 1284 device ID, firmware, info, location, name, UUID, the IPP versions, URI schemes and operations it
 * supports, and the document formats it accepts. The HTTP Server and User-Agent fields name the software.
 * Keys are documented in docs/observations.md.
 *
 * Job and user names never come out: job-name, requesting-user-name, document-name and every job attribute
 * are not on the list of attributes read, so their values are stepped over undecoded; document data after
 * the end-of-attributes tag is never looked at.
 *
 * Like SDC, IPP is found by its port or by the probe (`POST ` and `application/ipp` in the first payload),
 * not by a hook in the HTTP dissector, so it registers before HTTP. HTTP framing is the shared
 * HttpMessageGatherer; ipp-message.ts decodes the body, ipp-vocabulary.ts names the numbers.
 */
import type { Direction, Dissector, DissectorContext, DissectorSession, Transport } from '../dissector.js';
import type { ObservationValue } from '../observation.js';
import { field, valueText } from '../http/http-head.js';
import { HttpMessageGatherer, type HttpMessage } from '../sdc/http-message-gatherer.js';
import { GROUP_OPERATION, GROUP_PRINTER, readIppMessage, type IppAttribute, type IppMessage } from './ipp-message.js';
import { JOB_SUBMISSIONS, operationName, statusName } from './ipp-vocabulary.js';
import { parseDeviceId } from './device-id.js';

/** RFC 8010 §8.1 (and IANA): the port of `ipp://` URIs. */
export const IPP_PORT = 631;

export interface IppDissectorOptions {
  tcpPorts?: readonly number[];
  /**
   * Octets of each IPP body read: the attributes come first and a printer's full attribute set is tens of
   * KiB; a Print-Job's document after them is skipped by its HTTP framing, not read.
   */
  maxBody?: number;
}

const MAX_HEAD = 16 * 1024;
/** HTTP messages read per direction: a client polls a printer with a handful of requests per connection. */
const MAX_MESSAGES = 64;
/** Distinct facts remembered per flow: clients repeat Get-Printer-Attributes and the answers repeat. */
const MAX_REMEMBERED = 256;
/** Longest text value emitted (printer-info and the like are `text(127)`, PWG 5100.13; make-and-model too). */
const MAX_TEXT = 255;
const PROBE_WINDOW = 1024;

const POST = Buffer.from('POST ', 'latin1');
const IPP_MEDIA_TYPE = Buffer.from('application/ipp', 'latin1');

/** Operation attributes read from requests (RFC 8011 §4.2.1.1, §3.1.5): the rest is never decoded. */
const REQUEST_ATTRIBUTES: ReadonlySet<string> = new Set(['document-format']);
/** Printer description attributes read from responses (RFC 8011 §5.4, PWG 5100.13, PWG 5100.14). */
const PRINTER_ATTRIBUTES: ReadonlySet<string> = new Set([
  'printer-make-and-model',
  'printer-device-id',
  'printer-firmware-name',
  'printer-firmware-string-version',
  'printer-firmware-version',
  'printer-info',
  'printer-location',
  'printer-name',
  'printer-uuid',
  'ipp-versions-supported',
  'printer-uri-supported',
  'operations-supported',
  'document-format-supported',
]);

export class IppDissector implements Dissector {
  readonly name = 'ipp';
  readonly udpPorts: readonly number[] = [];
  readonly tcpPorts: readonly number[];
  readonly reassemble = true;
  readonly maxBody: number;

  constructor(options: IppDissectorOptions = {}) {
    this.tcpPorts = options.tcpPorts ?? [IPP_PORT];
    this.maxBody = options.maxBody ?? 256 * 1024;
  }

  /** `POST ` and `application/ipp` in the first payload (IPP on a port other than 631). */
  probe(transport: Transport, _dir: Direction, buf: Buffer, offset: number, length: number): boolean {
    if (transport !== 'tcp' || length < POST.length) return false;
    for (let i = 0; i < POST.length; i++) if (buf[offset + i] !== POST[i]) return false;
    return indexOfIgnoreCase(buf, offset, offset + Math.min(length, PROBE_WINDOW), IPP_MEDIA_TYPE) >= 0;
  }

  open(ctx: DissectorContext): DissectorSession {
    return new IppSession(ctx, this.maxBody);
  }
}

function indexOfIgnoreCase(buf: Buffer, start: number, end: number, needle: Buffer): number {
  outer: for (let i = start; i + needle.length <= end; i++) {
    for (let j = 0; j < needle.length; j++) if ((buf[i + j] | 0x20) !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

class IppSession implements DissectorSession {
  private readonly gatherers: [HttpMessageGatherer, HttpMessageGatherer];
  private readonly seen = new Set<string>();

  constructor(
    private readonly ctx: DissectorContext,
    maxBody: number,
  ) {
    this.gatherers = [
      new HttpMessageGatherer(MAX_HEAD, maxBody, MAX_MESSAGES, (m) => this.httpMessage(0, m), true),
      new HttpMessageGatherer(MAX_HEAD, maxBody, MAX_MESSAGES, (m) => this.httpMessage(1, m), true),
    ];
  }

  get done(): boolean {
    return this.gatherers[0].stopped && this.gatherers[1].stopped;
  }

  data(dir: Direction, buf: Buffer, offset: number, length: number): void {
    if (offset < 0 || length <= 0 || offset + length > buf.length) return;
    this.gatherers[dir].push(buf, offset, length);
  }

  gap(dir: Direction): void {
    // IPP bodies are read whole or not at all: after a loss this direction has nothing reliable left.
    this.gatherers[dir].stop();
  }

  end(): void {
    this.gatherers[1].close();
  }

  private emit(key: string, value: ObservationValue, from: Direction): void {
    const id = `${from}\u0000${key}\u0000${Array.isArray(value) ? value.join('\u0001') : String(value)}`;
    if (this.seen.has(id)) return;
    if (this.seen.size >= MAX_REMEMBERED) return;
    this.seen.add(id);
    this.ctx.emit(key, value, from);
  }

  private httpMessage(from: Direction, message: HttpMessage): void {
    const head = message.head;
    const software = valueText(head, field(head, from === 0 ? 'user-agent' : 'server'), MAX_TEXT);
    if (software !== null) this.emit(from === 0 ? 'ipp.user_agent' : 'ipp.server', software, from);
    const type = valueText(head, field(head, 'content-type'));
    if (type === null || !/^\s*application\/ipp\s*(;|$)/i.test(type)) return;
    const isRequest = message.method !== null;
    const ipp = readIppMessage(message.body, (group, name) =>
      isRequest ? group === GROUP_OPERATION && REQUEST_ATTRIBUTES.has(name) : group === GROUP_PRINTER && PRINTER_ATTRIBUTES.has(name),
    );
    if (ipp === null) return;
    this.emit('ipp.version', ipp.version, from);
    if (isRequest) this.request(ipp);
    else this.response(ipp);
  }

  private request(ipp: IppMessage): void {
    this.emit('ipp.operation', operationName(ipp.code), 0);
    if (JOB_SUBMISSIONS.has(ipp.code)) this.emit('ipp.job_seen', true, 0);
    for (const a of ipp.attributes) {
      const format = a.name === 'document-format' ? mediaType(a.values[0]) : null;
      if (format !== null) this.emit('ipp.document_format', format, 0);
    }
  }

  private response(ipp: IppMessage): void {
    this.emit('ipp.status', statusName(ipp.code), 1);
    for (const a of ipp.attributes) this.printerAttribute(a);
  }

  private printerAttribute(a: IppAttribute): void {
    switch (a.name) {
      case 'printer-make-and-model':
        return this.text('ipp.printer_make_and_model', a);
      case 'printer-info':
        return this.text('ipp.printer_info', a);
      case 'printer-location':
        return this.text('ipp.printer_location', a);
      case 'printer-name':
        return this.text('ipp.printer_name', a);
      case 'printer-uuid': {
        // PWG 5100.13 §6.2.29: a `urn:uuid:` URI.
        const uuid = text(a.values[0]);
        if (uuid !== null && /^urn:uuid:[0-9a-f-]{36}$/i.test(uuid)) this.emit('ipp.printer_uuid', uuid.slice(9).toLowerCase(), 1);
        return;
      }
      case 'printer-device-id': {
        const raw = text(a.values[0]);
        if (raw === null) return;
        const id = parseDeviceId(raw);
        if (id.manufacturer !== null) this.emit('ipp.device_id_manufacturer', id.manufacturer, 1);
        if (id.model !== null) this.emit('ipp.device_id_model', id.model, 1);
        if (id.commandSet.length > 0) this.emit('ipp.device_id_command_set', id.commandSet, 1);
        if (id.serial !== null) this.emit('ipp.device_id_serial', id.serial, 1);
        return;
      }
      case 'printer-firmware-name':
        return this.texts('ipp.firmware_name', a);
      case 'printer-firmware-string-version':
        return this.texts('ipp.firmware_version', a);
      case 'printer-firmware-version': {
        // PWG 5100.13 §6.2.9: octetString(64), "the firmware version in a machine-readable form".
        const versions = a.values.filter((v): v is Buffer => Buffer.isBuffer(v) && v.length > 0 && v.length <= 64).map(octets);
        if (versions.length > 0) this.emit('ipp.firmware_version_octets', versions, 1);
        return;
      }
      case 'ipp-versions-supported':
        return this.texts('ipp.versions_supported', a);
      case 'printer-uri-supported': {
        const schemes: string[] = [];
        for (const v of a.values) {
          const m = typeof v === 'string' ? /^([a-z][a-z0-9+.-]{0,15}):/i.exec(v) : null;
          if (m !== null && !schemes.includes(m[1].toLowerCase())) schemes.push(m[1].toLowerCase());
        }
        if (schemes.length > 0) this.emit('ipp.uri_schemes', schemes, 1);
        return;
      }
      case 'operations-supported': {
        const names = a.values.filter((v): v is number => typeof v === 'number').map(operationName);
        if (names.length > 0) this.emit('ipp.operations_supported', [...new Set(names)], 1);
        return;
      }
      case 'document-format-supported': {
        const formats = a.values.map(mediaType).filter((v): v is string => v !== null);
        if (formats.length > 0) this.emit('ipp.document_formats', [...new Set(formats)], 1);
        return;
      }
    }
  }

  private text(key: string, a: IppAttribute): void {
    const value = text(a.values[0]);
    if (value !== null) this.emit(key, value, 1);
  }

  private texts(key: string, a: IppAttribute): void {
    const values = a.values.map(text).filter((v): v is string => v !== null);
    if (values.length > 0) this.emit(key, [...new Set(values)], 1);
  }
}

/** A text value without control characters, bounded; null when empty or not text. */
function text(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const clean = value.replace(/[\x00-\x1f\x7f]/g, '').trim().slice(0, MAX_TEXT);
  return clean.length > 0 ? clean : null;
}

/** A mimeMediaType value (RFC 8011 §5.1.10), lower-cased; null when it does not look like `type/subtype`. */
function mediaType(value: unknown): string | null {
  const t = text(value);
  return t !== null && /^[a-z0-9!#$&^_.+-]{1,64}\/[a-z0-9!#$&^_.+-]{1,64}$/i.test(t) ? t.toLowerCase() : null;
}

/** An octetString version as dotted decimal octets, e.g. `2.4.2.0`. */
function octets(v: Buffer): string {
  return [...v].join('.');
}

export function createIppDissector(options?: IppDissectorOptions): IppDissector {
  return new IppDissector(options);
}
