/**
 * The HTTP/1.x dissector: which clients (User-Agent) talk to which servers (Host, Server), how they
 * authenticate, and, from UPnP device descriptions served over HTTP, what the device says it is. Keys and
 * value shapes are documented in docs/observations.md.
 *
 * Each direction is a small state machine over the reassembled stream: a head (start line and fields) is
 * buffered up to a bound and read only once complete, and bodies are skipped by their framing
 * (RFC 9112 §6.3) so pipelined and keep-alive messages keep their boundaries. Facts come out only from
 * whole heads and whole bodies, so a stream cut anywhere yields a prefix of the facts of the whole one.
 */
import { requestAttacks } from './attack-patterns.js';
import { ChunkSizeLine } from './chunk-size-line.js';
import type { Direction, Dissector, DissectorContext, DissectorSession, Transport } from '../dissector.js';
import { field, findHeadEnd, firstToken, parseHead, parseStartLine, valueText, type MessageHead } from './http-head.js';
import { readDeviceDescription } from './upnp-description.js';
import { classifyFhirRequest, fhirVersion, isFhirMediaType, type FhirRequest } from './fhir-rest.js';

export const HTTP_TCP_PORTS: readonly number[] = [80, 8080, 8000, 8042];

export interface HttpDissectorOptions {
  tcpPorts?: readonly number[];
  /** Largest head (start line and fields) buffered; a longer one ends the dissection of that direction. */
  maxHead?: number;
  /** Messages read per direction before the session detaches: identity is in the first few. */
  maxMessages?: number;
  /** Largest XML body buffered to look for a UPnP device description. */
  maxXmlBody?: number;
  /**
   * Longest body skipped to reach the next message; a longer one (a bulk transfer: DICOM over WADO,
   * firmware) ends the dissection of that direction, so the engine stops reassembling it.
   */
  maxBodySkip?: number;
}

/** Longest `http.path` value. */
export const MAX_PATH_LENGTH = 256;
/** Longest chunk-size or trailer line (RFC 9112 §7.1); a longer one means the framing is lost. */
const MAX_CHUNK_LINE = 1024;

/**
 * Methods the probe accepts, each followed by a space: RFC 9110 §9, PATCH (RFC 5789), and the WebDAV
 * (RFC 4918) methods, which DICOMweb and PACS viewers use.
 */
const PROBE_METHODS: readonly Buffer[] = [
  'GET ', 'POST ', 'HEAD ', 'PUT ', 'DELETE ', 'OPTIONS ', 'CONNECT ', 'TRACE ', 'PATCH ', 'PROPFIND ', 'PROPPATCH ',
  'MKCOL ', 'COPY ', 'MOVE ', 'LOCK ', 'UNLOCK ', 'REPORT ', 'SEARCH ',
].map((m) => Buffer.from(m, 'latin1'));
const HTTP_VERSION_PREFIX = Buffer.from('HTTP/1.', 'latin1');

export class HttpDissector implements Dissector {
  readonly name = 'http';
  readonly udpPorts: readonly number[] = [];
  readonly tcpPorts: readonly number[];
  readonly reassemble = true;
  readonly maxHead: number;
  readonly maxMessages: number;
  readonly maxXmlBody: number;
  readonly maxBodySkip: number;

  constructor(options: HttpDissectorOptions = {}) {
    this.tcpPorts = options.tcpPorts ?? HTTP_TCP_PORTS;
    this.maxHead = options.maxHead ?? 16 * 1024;
    this.maxMessages = options.maxMessages ?? 8;
    this.maxXmlBody = options.maxXmlBody ?? 64 * 1024;
    this.maxBodySkip = options.maxBodySkip ?? 256 * 1024;
  }

  /** A request line's method and space, or a status line's `HTTP/1.`; TCP only (UDP HTTP is SSDP's). */
  probe(transport: Transport, _dir: Direction, buf: Buffer, offset: number, length: number): boolean {
    if (transport !== 'tcp' || length < 4) return false;
    if (startsWith(buf, offset, length, HTTP_VERSION_PREFIX)) return true;
    const first = buf[offset];
    if (first < 0x41 || first > 0x5a) return false;
    for (const method of PROBE_METHODS) if (startsWith(buf, offset, length, method)) return true;
    return false;
  }

  open(ctx: DissectorContext): DissectorSession {
    return new HttpSession(ctx, this);
  }
}

function startsWith(buf: Buffer, offset: number, length: number, prefix: Buffer): boolean {
  if (length < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (buf[offset + i] !== prefix[i]) return false;
  return true;
}

const enum State {
  Head,
  Body,
  ChunkLine,
  ChunkData,
  ChunkDataEnd,
  Trailer,
  /** After lost octets: looking for a line that starts a message (see `resync`). */
  Resync,
  /** Nothing more worth reading in this direction (not HTTP, lost framing, body until close, limit). */
  Stopped,
}

class DirectionState {
  state = State.Head;
  /** The head being gathered (allocated on first use). */
  head: Buffer | null = null;
  headLength = 0;
  /** Where the search for the head's end resumes. */
  scanned = 0;
  /** Body or chunk octets still to skip. */
  remaining = 0;
  /** Chunk-size or trailer line length so far, and its value while it is a chunk size. */
  lineLength = 0;
  readonly chunk = new ChunkSizeLine();
  messages = 0;
  /** An XML body being gathered, with its length so far; null when not gathering. */
  xml: Buffer | null = null;
  xmlLength = 0;
  /** The body being skipped runs to the close of the connection. */
  untilClose = false;
  /** Chunk octets of the current chunked body so far. */
  bodySkipped = 0;
  /** Resync: the octets of the current line so far (up to RESYNC_WINDOW), and whether a line has begun. */
  resyncLine: Buffer | null = null;
  resyncLength = 0;
  resyncAtLineStart = false;
  /** Gaps survived; past MAX_RESYNCS the direction is given up. */
  resyncs = 0;
}

/** Canonical spellings of the authentication schemes worth naming (RFC 7617, 7616, 6750, 4559). */
const SCHEMES: Record<string, string> = {
  basic: 'Basic',
  digest: 'Digest',
  bearer: 'Bearer',
  ntlm: 'NTLM',
  negotiate: 'Negotiate',
};

const RESYNC_PREFIXES: readonly Buffer[] = [HTTP_VERSION_PREFIX, ...PROBE_METHODS];
/** Gaps a direction resynchronises after before it is given up. */
const MAX_RESYNCS = 4;
/** Long enough for the longest method in PROBE_METHODS and its space. */
const RESYNC_WINDOW = 16;

/**
 * Whether the `length` octets of `line` begin a message: 1 if they are `HTTP/1.` or a probe method and
 * its space, 0 if they are still a prefix of one, -1 if they cannot be.
 */
function messageStart(line: Buffer, length: number): number {
  let possible = false;
  for (const prefix of RESYNC_PREFIXES) {
    const n = Math.min(length, prefix.length);
    if (line.compare(prefix, 0, n, 0, n) !== 0) continue;
    if (length >= prefix.length) return 1;
    possible = true;
  }
  return possible ? 0 : -1;
}

/** Distinct values remembered per key and side, to drop repeats (keep-alive clients repeat every header). */
const MAX_REMEMBERED = 256;

class HttpSession implements DissectorSession {
  private readonly dirs: [DirectionState, DirectionState] = [new DirectionState(), new DirectionState()];
  /** Methods of requests not yet answered, oldest first: a response's body framing depends on its request. */
  private readonly pending: string[] = [];
  private readonly seen = new Map<string, Set<string | number | boolean>>();
  /** A FHIR request was seen: the responses of this flow come from a FHIR server. */
  private fhirFlow = false;

  constructor(
    private readonly ctx: DissectorContext,
    private readonly options: HttpDissector,
  ) {}

  get done(): boolean {
    return this.dirs[0].state === State.Stopped && this.dirs[1].state === State.Stopped;
  }

  data(dir: Direction, buf: Buffer, offset: number, length: number): void {
    const d = this.dirs[dir];
    let pos = offset;
    const end = offset + length;
    while (pos < end && d.state !== State.Stopped) {
      switch (d.state) {
        case State.Head:
          pos = this.readHead(dir, d, buf, pos, end);
          break;
        case State.Body:
        case State.ChunkData: {
          const n = Math.min(d.remaining, end - pos);
          if (d.xml !== null) this.gatherXml(d, buf, pos, n);
          if (d.untilClose && d.xml === null) {
            // A body to the close that is not a description worth reading: nothing else follows it.
            this.stop(d);
            break;
          }
          pos += n;
          d.remaining -= n;
          if (d.remaining === 0) {
            if (d.state === State.Body) this.bodyDone(dir, d);
            else {
              d.state = State.ChunkDataEnd;
              d.lineLength = 0;
            }
          }
          break;
        }
        case State.ChunkLine:
        case State.ChunkDataEnd:
        case State.Trailer:
          pos = this.readLine(dir, d, buf, pos, end);
          break;
        case State.Resync:
          pos = this.resync(dir, d, buf, pos, end);
          break;
      }
    }
  }

  /**
   * Octets were lost (a mirror port drops packets under load): where they fell is unknown, so the
   * direction looks for the next line that starts like a message (`HTTP/1.` or a known method and a
   * space) and reads on from there. The responses' pairing with requests is lost with them.
   */
  gap(dir: Direction, length: number): void {
    const d = this.dirs[dir];
    if (d.state === State.Stopped) return;
    if ((d.state === State.Body || d.state === State.ChunkData) && length < d.remaining && !d.untilClose) {
      // The loss fell inside a body being skipped: the framing holds, only that body is incomplete.
      d.remaining -= length;
      d.xml = null;
      return;
    }
    if (++d.resyncs > MAX_RESYNCS) {
      this.stop(d);
      return;
    }
    d.state = State.Resync;
    d.headLength = 0;
    d.scanned = 0;
    d.xml = null;
    d.untilClose = false;
    d.resyncLength = 0;
    d.resyncAtLineStart = false;
    this.pending.length = 0;
  }

  private resync(dir: Direction, d: DirectionState, buf: Buffer, pos: number, end: number): number {
    if (d.resyncLine === null) d.resyncLine = Buffer.allocUnsafe(RESYNC_WINDOW);
    const line = d.resyncLine;
    while (pos < end) {
      const c = buf[pos++];
      if (c === 0x0a) {
        d.resyncAtLineStart = true;
        d.resyncLength = 0;
        continue;
      }
      if (!d.resyncAtLineStart) continue;
      line[d.resyncLength++] = c;
      const verdict = messageStart(line, d.resyncLength);
      if (verdict < 0) d.resyncAtLineStart = false;
      else if (verdict > 0) {
        // A message starts here: its first octets become the head being gathered.
        d.state = State.Head;
        d.head = Buffer.allocUnsafe(Math.min(this.options.maxHead, 1024));
        line.copy(d.head, 0, 0, d.resyncLength);
        d.headLength = d.resyncLength;
        d.scanned = 0;
        d.resyncAtLineStart = false;
        return pos;
      }
    }
    return pos;
  }

  end(): void {
    // A body delimited by the close (RFC 9112 §6.3 point 8) is complete at the end of the flow; a head
    // still gathering is cut, and yields nothing.
    const d = this.dirs[1];
    if (d.state === State.Body && d.untilClose && d.xml !== null) this.bodyDone(1, d);
  }

  private stop(d: DirectionState): void {
    d.state = State.Stopped;
    d.head = null;
    d.xml = null;
  }

  private emit(key: string, value: string | number | boolean, from: Direction): void {
    // One set of values per key and side: no string building for the (frequent) repeats.
    const id = from === 0 ? key : `${key}\u0000`;
    let values = this.seen.get(id);
    if (values === undefined) this.seen.set(id, (values = new Set()));
    if (values.has(value)) return;
    if (values.size < MAX_REMEMBERED) values.add(value);
    this.ctx.emit(key, value, from);
  }

  /** Gathers head octets; at the empty line that ends it, reads it. Returns the new position. */
  private readHead(dir: Direction, d: DirectionState, buf: Buffer, pos: number, end: number): number {
    if (d.headLength === 0) {
      // RFC 9112 §2.2: a server SHOULD ignore at least one empty line received before the request line.
      while (pos < end && (buf[pos] === 0x0d || buf[pos] === 0x0a)) pos++;
      if (pos === end) return pos;
      // Every method and `HTTP/` begins with an upper-case letter: anything else is not HTTP/1.x.
      if (buf[pos] < 0x41 || buf[pos] > 0x5a) {
        this.stop(d);
        return end;
      }
    }
    const max = this.options.maxHead;
    if (d.headLength === 0) {
      // The common case: the whole head is in this chunk. Read it in place, without copying.
      const inPlace = findHeadEnd(buf, pos, Math.min(end, pos + max));
      if (inPlace >= 0) {
        const head = parseHead(buf, pos, inPlace);
        if (head === null) {
          this.stop(d);
          return end;
        }
        this.message(dir, d, head);
        return inPlace;
      }
    }
    const n = Math.min(end - pos, max - d.headLength);
    // The head buffer grows as needed: most heads are a few hundred octets, and a flow per request is common.
    if (d.head === null || d.head.length < d.headLength + n) {
      const grown = Buffer.allocUnsafe(Math.min(max, Math.max(1024, (d.head?.length ?? 0) * 2, d.headLength + n)));
      if (d.head !== null) d.head.copy(grown, 0, 0, d.headLength);
      d.head = grown;
    }
    buf.copy(d.head, d.headLength, pos, pos + n);
    const before = d.headLength;
    d.headLength += n;
    const headEnd = findHeadEnd(d.head, 0, d.headLength, Math.max(0, d.scanned - 3));
    if (headEnd < 0) {
      d.scanned = d.headLength;
      if (d.headLength >= max) this.stop(d);
      return pos + n;
    }
    const consumed = headEnd - before;
    d.headLength = 0;
    d.scanned = 0;
    const head = parseHead(d.head, 0, headEnd);
    if (head === null) {
      this.stop(d);
      return end;
    }
    this.message(dir, d, head);
    return pos + consumed;
  }

  /** One whole head: its facts, then how its body is framed. */
  private message(dir: Direction, d: DirectionState, head: MessageHead): void {
    const line = parseStartLine(head);
    if (line === null) {
      this.stop(d);
      return;
    }
    d.messages++;
    const isRequest = line.method !== null;
    let bodyless: boolean;
    let untilClose = false;
    if (isRequest) {
      this.request(dir, head, line.method!, line.target!);
      if (this.pending.length < 64) this.pending.push(line.method!);
      bodyless = false;
    } else {
      const status = line.status!;
      this.response(dir, head, status);
      if (status >= 100 && status < 200 && status !== 101) {
        // An interim response; the final one follows for the same request (RFC 9110 §15.2).
        d.state = State.Head;
        return;
      }
      const method = this.pending.shift() ?? 'GET';
      if (status === 101 || (method === 'CONNECT' && status >= 200 && status < 300)) {
        // The connection now carries another protocol (RFC 9110 §7.8, §9.3.6).
        this.stop(this.dirs[0]);
        this.stop(this.dirs[1]);
        return;
      }
      // RFC 9112 §6.3 points 1: no body for HEAD, 204, 304.
      bodyless = method === 'HEAD' || status === 204 || status === 304;
      untilClose = true;
    }
    if (d.messages >= this.options.maxMessages) {
      this.stop(d);
      return;
    }
    d.state = State.Head;
    d.xml = null;
    d.untilClose = false;
    if (bodyless) return;
    const te = valueText(head, field(head, 'transfer-encoding'));
    const cl = field(head, 'content-length');
    const wantXml = !isRequest && isXml(valueText(head, field(head, 'content-type')));
    if (te !== null) {
      // RFC 9112 §6.3 point 4: chunked last means chunked framing; any other coding runs until close
      // (responses) or is unframeable (requests).
      if (/(^|,)\s*chunked\s*$/i.test(te)) {
        d.state = State.ChunkLine;
        d.lineLength = 0;
        d.bodySkipped = 0;
        d.chunk.reset();
        if (wantXml) this.startXml(d);
      } else this.stop(d);
      return;
    }
    if (cl !== undefined) {
      const length = contentLength(head, cl.start, cl.end);
      if (length < 0) {
        // RFC 9112 §6.3 point 5: an invalid Content-Length is unrecoverable.
        this.stop(d);
        return;
      }
      if (length === 0) return;
      if (length > this.options.maxBodySkip) {
        this.stop(d);
        return;
      }
      d.state = State.Body;
      d.remaining = length;
      if (wantXml && length <= this.options.maxXmlBody) this.startXml(d);
      return;
    }
    if (untilClose) {
      // RFC 9112 §6.3 point 8: the body runs to the close; nothing after it is another message.
      if (wantXml) {
        d.state = State.Body;
        d.untilClose = true;
        d.remaining = this.options.maxXmlBody + 1;
        this.startXml(d);
      } else this.stop(d);
    }
  }

  private request(from: Direction, head: MessageHead, method: string, target: string): void {
    this.emit('http.method', method, from);
    const ct = valueText(head, field(head, 'content-type'));
    const fhir = classifyFhirRequest(method, target, ct, valueText(head, field(head, 'accept')));
    // A FHIR path is emitted with its logical and version ids masked, whatever they look like.
    const path = requestPath(fhir?.maskedPath ?? target);
    if (path !== null) this.emit('http.path', path, from);
    if (fhir !== null) this.fhirRequest(from, fhir, head);
    for (const kind of requestAttacks(head, target)) this.emit('http.attack', kind, from);
    const host = valueText(head, field(head, 'host'), 255);
    if (host !== null) this.emit('http.host', host, from);
    const ua = valueText(head, field(head, 'user-agent'));
    if (ua !== null) this.emit('http.user_agent', ua, from);
    if (ct !== null) this.emit('http.content_type', ct, from);
    // Only the scheme token is read: the credential that follows it is never copied out of the buffer.
    for (const f of head.fields) {
      if (f.name !== 'authorization' && f.name !== 'proxy-authorization') continue;
      const token = firstToken(head, f);
      if (token === null) continue;
      const scheme = SCHEMES[token.toLowerCase()] ?? token;
      this.emit('http.auth_scheme', scheme, from);
      // RFC 7617 §4: Basic sends the password in clear text; over plain HTTP anyone on the path reads it.
      if (scheme === 'Basic') this.emit('http.basic_auth', true, from);
    }
  }

  private fhirRequest(from: Direction, fhir: FhirRequest, head: MessageHead): void {
    this.fhirFlow = true;
    this.emit('http.fhir_client', true, from);
    if (fhir.resource !== null) this.emit('http.fhir_resource', fhir.resource, from);
    if (fhir.interaction !== null) this.emit('http.fhir_interaction', fhir.interaction, from);
    const version = fhirVersion(valueText(head, field(head, 'content-type'))) ?? fhirVersion(valueText(head, field(head, 'accept')));
    if (version !== null) this.emit('http.fhir_version', version, from);
  }

  private response(from: Direction, head: MessageHead, status: number): void {
    this.emit('http.status', status, from);
    const server = valueText(head, field(head, 'server'));
    if (server !== null) this.emit('http.server', server, from);
    const ct = valueText(head, field(head, 'content-type'));
    if (ct !== null) this.emit('http.content_type', ct, from);
    if (this.fhirFlow || isFhirMediaType(ct)) {
      this.emit('http.fhir_server', true, from);
      const version = fhirVersion(ct);
      if (version !== null) this.emit('http.fhir_version', version, from);
    }
    for (const f of head.fields) {
      if (f.name !== 'www-authenticate' && f.name !== 'proxy-authenticate') continue;
      const token = firstToken(head, f);
      if (token !== null) this.emit('http.auth_challenge', SCHEMES[token.toLowerCase()] ?? token, from);
    }
  }

  private startXml(d: DirectionState): void {
    d.xml = Buffer.allocUnsafe(Math.min(this.options.maxXmlBody, d.state === State.Body ? d.remaining : this.options.maxXmlBody));
    d.xmlLength = 0;
  }

  private gatherXml(d: DirectionState, buf: Buffer, pos: number, n: number): void {
    const xml = d.xml!;
    if (d.xmlLength + n > xml.length) {
      // Over the bound: no description will be read from this body.
      d.xml = null;
      return;
    }
    buf.copy(xml, d.xmlLength, pos, pos + n);
    d.xmlLength += n;
  }

  /** End of a body (after its last octet, or after the trailer of a chunked one). */
  private bodyDone(dir: Direction, d: DirectionState): void {
    const xml = d.xml;
    d.xml = null;
    d.state = d.untilClose ? State.Stopped : State.Head;
    if (xml !== null && dir === 1) {
      for (const [suffix, text] of readDeviceDescription(xml.toString('utf8', 0, d.xmlLength))) {
        this.emit(`http.upnp.${suffix}`, text, dir);
      }
    }
  }

  /** Chunk-size line, the CRLF after chunk data, or a trailer line (RFC 9112 §7.1). */
  private readLine(dir: Direction, d: DirectionState, buf: Buffer, pos: number, end: number): number {
    while (pos < end) {
      const c = buf[pos++];
      if (c === 0x0a) {
        this.lineDone(dir, d);
        return pos;
      }
      if (++d.lineLength > MAX_CHUNK_LINE) {
        this.stop(d);
        return end;
      }
      if (d.state === State.ChunkLine) d.chunk.octet(c);
    }
    return pos;
  }

  private lineDone(dir: Direction, d: DirectionState): void {
    const length = d.lineLength;
    d.lineLength = 0;
    switch (d.state) {
      case State.ChunkLine:
        if (!d.chunk.complete) {
          this.stop(d);
          return;
        }
        if (d.chunk.size === 0) d.state = State.Trailer;
        else {
          d.bodySkipped += d.chunk.size;
          if (d.bodySkipped > this.options.maxBodySkip) {
            this.stop(d);
            return;
          }
          d.state = State.ChunkData;
          d.remaining = d.chunk.size;
        }
        d.chunk.reset();
        return;
      case State.ChunkDataEnd:
        // Only the CRLF may follow chunk data.
        if (length > 1) this.stop(d);
        else d.state = State.ChunkLine;
        return;
      default:
        // Trailer fields until the empty line.
        if (length <= 1) this.bodyDone(dir, d);
    }
  }
}

/**
 * Content-Length as a number, or -1 if it is not a run of at most 15 digits, or a list of equal ones
 * (RFC 9110 §8.6 lets a recipient accept `Content-Length: 42, 42`).
 */
function contentLength(head: MessageHead, start: number, end: number): number {
  const buf = head.buf;
  let value = -1;
  let current = -1;
  let digits = 0;
  for (let i = start; i <= end; i++) {
    const c = i < end ? buf[i] : 0x2c;
    if (c >= 0x30 && c <= 0x39) {
      if (++digits > 15) return -1;
      current = (current < 0 ? 0 : current * 10) + (c - 0x30);
    } else if (c === 0x2c) {
      if (current < 0 || (value >= 0 && value !== current)) return -1;
      value = current;
      current = -1;
      digits = 0;
    } else if (c !== 0x20 && c !== 0x09) return -1;
    else if (current >= 0 && i + 1 < end && buf[i + 1] >= 0x30 && buf[i + 1] <= 0x39) return -1; // "1 2"
  }
  return value;
}

function isXml(contentType: string | null): boolean {
  return contentType !== null && /^\s*(text|application)\/xml\b/i.test(contentType);
}

/**
 * A path segment that may name a patient, an order or a record rather than a resource of the
 * application: three or more digits (`/Patient/123456`, `/ehr/legacy/204`), or a long run of hex
 * (UUIDs, hashes). Such a segment is replaced by `{id}`: the path still says what the device does.
 */
const IDENTIFIER_SEGMENT = /(?<=\/)(?:[^/]*\d[^/\d]*\d[^/\d]*\d[^/]*|[^/]*[0-9a-f]{16,}[^/]*|[0-9a-f]{8}-[0-9a-f-]{27,})(?=\/|$)/gi;

/**
 * The request target without its query or fragment (which carry session tokens and, in hospital web
 * applications, patient identifiers), with identifier-like segments masked, cut at MAX_PATH_LENGTH.
 * Absolute-form targets (to a proxy) keep their scheme and authority.
 */
export function requestPath(target: string): string | null {
  let end = target.length;
  const q = target.indexOf('?');
  if (q >= 0) end = q;
  const h = target.indexOf('#');
  if (h >= 0 && h < end) end = h;
  const path = target
    .slice(0, end)
    .replace(IDENTIFIER_SEGMENT, '{id}')
    .slice(0, MAX_PATH_LENGTH)
    .replace(/[\x00-\x1f\x7f]/g, '');
  return path.length > 0 ? path : null;
}

export function createHttpDissector(options?: HttpDissectorOptions): HttpDissector {
  return new HttpDissector(options);
}
