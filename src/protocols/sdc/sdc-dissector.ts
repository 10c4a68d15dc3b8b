/**
 * The IEEE 11073 SDC dissector: WS-Discovery on UDP 3702 (SOAP-over-UDP; IPv4 239.255.255.250, IPv6
 * ff02::c) says which medical devices are present, their types, location scopes and transport addresses;
 * DPWS GetMetadata and BICEPS GetMdib responses, when they cross in clear over HTTP, say what a device is
 * (manufacturer, model, serial, firmware). Keys are documented in docs/observations.md.
 *
 * SOAP over HTTP is found by the probe, not by a hook in the HTTP dissector: a flow whose ports no
 * dissector claims and whose first octets are `POST ` with a SOAP 1.2 media type (`application/soap+xml`)
 * comes here, so ordinary HTTP never pays for an XML scan. SDC registers before HTTP for that reason.
 */
import type { Direction, Dissector, DissectorContext, DissectorSession, Transport } from '../dissector.js';
import { field, valueText } from '../http/http-head.js';
import { HttpMessageGatherer, type HttpMessage } from './http-message-gatherer.js';
import { readSoapMessage, type SoapMessage } from './soap-message.js';

/** WS-Discovery 1.1 §2.4 (and SOAP-over-UDP): the discovery port. */
export const WS_DISCOVERY_PORT = 3702;

export interface SdcDissectorOptions {
  udpPorts?: readonly number[];
  tcpPorts?: readonly number[];
  /** Largest SOAP body read over HTTP; an MDIB of a large device is a few hundred KiB. */
  maxBody?: number;
}

/** SOAP-over-UDP messages fit one datagram (at most 64 KiB). */
const MAX_DATAGRAM = 65535;
const MAX_HEAD = 16 * 1024;
/** Messages per direction: identity is in the first exchanges (GetMetadata, GetMdib). */
const MAX_MESSAGES = 8;
/** Distinct facts remembered per flow: devices repeat Hello and answer every Probe the same way. */
const MAX_REMEMBERED = 256;
/** How far into the first payload the probe looks for the SOAP media type or discovery namespace. */
const PROBE_WINDOW = 2048;

const POST = Buffer.from('POST ', 'latin1');
const SOAP_MEDIA_TYPE = Buffer.from('application/soap+xml', 'latin1');
const DISCOVERY = Buffer.from('/discovery', 'latin1');
const ENVELOPE = Buffer.from('Envelope', 'latin1');

export class SdcDissector implements Dissector {
  readonly name = 'sdc';
  readonly udpPorts: readonly number[];
  readonly tcpPorts: readonly number[];
  readonly reassemble = true;
  readonly maxBody: number;

  constructor(options: SdcDissectorOptions = {}) {
    this.udpPorts = options.udpPorts ?? [WS_DISCOVERY_PORT];
    this.tcpPorts = options.tcpPorts ?? [];
    this.maxBody = options.maxBody ?? 1024 * 1024;
  }

  /**
   * TCP: `POST ` and `application/soap+xml` in the first payload. UDP: a SOAP envelope naming a
   * WS-Discovery namespace (unicast Probe replies to ephemeral ports).
   */
  probe(transport: Transport, _dir: Direction, buf: Buffer, offset: number, length: number): boolean {
    const window = Math.min(length, PROBE_WINDOW);
    if (transport === 'tcp') return startsWith(buf, offset, length, POST) && contains(buf, offset, window, SOAP_MEDIA_TYPE, true);
    return contains(buf, offset, window, ENVELOPE, false) && contains(buf, offset, window, DISCOVERY, false);
  }

  open(ctx: DissectorContext): DissectorSession {
    return ctx.transport === 'udp' ? new DiscoverySession(ctx) : new SoapHttpSession(ctx, this.maxBody);
  }
}

function startsWith(buf: Buffer, offset: number, length: number, prefix: Buffer): boolean {
  if (length < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (buf[offset + i] !== prefix[i]) return false;
  return true;
}

/** Whether `needle` occurs in buf[offset, offset+length), optionally ignoring ASCII case; no allocation. */
function contains(buf: Buffer, offset: number, length: number, needle: Buffer, ignoreCase: boolean): boolean {
  const last = offset + length - needle.length;
  outer: for (let i = offset; i <= last; i++) {
    for (let j = 0; j < needle.length; j++) {
      const c = buf[i + j];
      if (c !== needle[j] && !(ignoreCase && (c | 0x20) === needle[j])) continue outer;
    }
    return true;
  }
  return false;
}

/** Octets before the first `<` of a SOAP-over-UDP message: a UTF-8 BOM and some white space. */
const MARKUP_WINDOW = 16;

function markupWithin(buf: Buffer, offset: number, length: number): boolean {
  for (let i = offset; i < offset + length; i++) if (buf[i] === 0x3c) return true;
  return false;
}

/** Emits each distinct fact once per flow and side. */
class FactSink {
  private readonly seen = new Set<string>();
  constructor(private readonly ctx: DissectorContext) {}

  emit(key: string, value: string | number | readonly string[], from: Direction): void {
    const id = `${from}\u0000${key}\u0000${Array.isArray(value) ? value.join('\u0001') : String(value)}`;
    if (this.seen.has(id)) return;
    if (this.seen.size < MAX_REMEMBERED) this.seen.add(id);
    this.ctx.emit(key, value, from);
  }

  message(message: SoapMessage, from: Direction): void {
    if (message.action !== null) this.emit('sdc.message', message.action, from);
    for (const entry of message.entries) {
      if (entry.endpointReference !== null) this.emit('sdc.endpoint_reference', entry.endpointReference, from);
      if (entry.types.length > 0) this.emit('sdc.types', entry.types, from);
      if (entry.scopes.length > 0) this.emit('sdc.scopes', entry.scopes, from);
      if (entry.xaddrs.length > 0) this.emit('sdc.xaddrs', entry.xaddrs, from);
      if (entry.metadataVersion !== null) this.emit('sdc.metadata_version', entry.metadataVersion, from);
    }
    for (const [key, value] of message.identity) this.emit(`sdc.${key}`, value, from);
  }
}

class DiscoverySession implements DissectorSession {
  private readonly sink: FactSink;
  readonly done = false;

  constructor(ctx: DissectorContext) {
    this.sink = new FactSink(ctx);
  }

  data(dir: Direction, buf: Buffer, offset: number, length: number): void {
    if (length <= 0 || length > MAX_DATAGRAM) return;
    // Every SOAP-over-UDP message starts with markup (after an optional BOM and white space).
    if (!markupWithin(buf, offset, Math.min(length, MARKUP_WINDOW))) return;
    const message = readSoapMessage(buf.toString('utf8', offset, offset + length));
    if (message !== null) this.sink.message(message, dir);
  }
}

class SoapHttpSession implements DissectorSession {
  private readonly sink: FactSink;
  private readonly gatherers: [HttpMessageGatherer, HttpMessageGatherer];

  constructor(ctx: DissectorContext, maxBody: number) {
    this.sink = new FactSink(ctx);
    this.gatherers = [
      new HttpMessageGatherer(MAX_HEAD, maxBody, MAX_MESSAGES, (m) => this.httpMessage(0, m)),
      new HttpMessageGatherer(MAX_HEAD, maxBody, MAX_MESSAGES, (m) => this.httpMessage(1, m)),
    ];
  }

  get done(): boolean {
    return this.gatherers[0].stopped && this.gatherers[1].stopped;
  }

  data(dir: Direction, buf: Buffer, offset: number, length: number): void {
    this.gatherers[dir].push(buf, offset, length);
  }

  gap(dir: Direction): void {
    // SOAP bodies are read whole or not at all: after a loss this direction has nothing reliable left.
    this.gatherers[dir].stop();
  }

  end(): void {
    this.gatherers[1].close();
  }

  private httpMessage(from: Direction, message: HttpMessage): void {
    if (message.body.length === 0) return;
    const type = valueText(message.head, field(message.head, 'content-type'));
    if (type === null || !/^\s*(application\/soap\+xml|application\/xml|text\/xml)\b/i.test(type)) return;
    const soap = readSoapMessage(message.body.toString('utf8'));
    if (soap !== null) this.sink.message(soap, from);
  }
}

export function createSdcDissector(options?: SdcDissectorOptions): SdcDissector {
  return new SdcDissector(options);
}
