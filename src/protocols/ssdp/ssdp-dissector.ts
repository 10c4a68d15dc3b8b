/**
 * The SSDP dissector (UPnP discovery, UDP 1900): what devices announce about themselves (NOTIFY), what
 * control points look for (M-SEARCH) and what devices answer (HTTPU responses). SSDP messages are HTTP/1.1
 * heads in single datagrams (UPnP Device Architecture 2.0 §1.1); the headers read here identify the
 * device (SERVER: `OS/version UPnP/2.0 product/version`, USN, NT, ST) and where its description is
 * (LOCATION). Keys and value shapes are documented in docs/observations.md.
 */
import type { Direction, Dissector, DissectorContext, DissectorSession, Transport } from '../dissector.js';
import type { ObservationValue } from '../observation.js';
import { field, findHeadEnd, parseHead, parseStartLine, valueText } from '../http/http-head.js';

export const SSDP_PORT = 1900;

/** Header → key suffix, in the order facts are emitted. */
const HEADERS: ReadonlyArray<readonly [string, string]> = [
  ['server', 'server'],
  ['user-agent', 'user_agent'],
  ['nt', 'nt'],
  ['nts', 'nts'],
  ['st', 'st'],
  ['usn', 'usn'],
  ['location', 'location'],
];

/** Distinct facts remembered per flow: a device repeats the same announcements every few minutes. */
const MAX_REMEMBERED = 256;

const NOTIFY = Buffer.from('NOTIFY * HTTP/1.', 'latin1');
const M_SEARCH = Buffer.from('M-SEARCH * HTTP/1.', 'latin1');

export class SsdpDissector implements Dissector {
  readonly name = 'ssdp';
  readonly udpPorts: readonly number[];
  readonly tcpPorts: readonly number[] = [];

  constructor(options: { udpPorts?: readonly number[] } = {}) {
    this.udpPorts = options.udpPorts ?? [SSDP_PORT];
  }

  /** NOTIFY and M-SEARCH request lines, for SSDP sent to a port other than 1900 (unicast M-SEARCH). */
  probe(transport: Transport, _dir: Direction, buf: Buffer, offset: number, length: number): boolean {
    if (transport !== 'udp') return false;
    return startsWith(buf, offset, length, NOTIFY) || startsWith(buf, offset, length, M_SEARCH);
  }

  open(ctx: DissectorContext): DissectorSession {
    return new SsdpSession(ctx);
  }
}

function startsWith(buf: Buffer, offset: number, length: number, prefix: Buffer): boolean {
  if (length < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (buf[offset + i] !== prefix[i]) return false;
  return true;
}

class SsdpSession implements DissectorSession {
  private readonly seen = new Set<string>();
  readonly done = false;

  constructor(private readonly ctx: DissectorContext) {}

  data(dir: Direction, buf: Buffer, offset: number, length: number): void {
    // A datagram is one message; its head may lack the final empty line (some stacks omit it, and a
    // snapshot length cuts it off), so only lines ended by LF are read: a cut line would be a wrong value.
    if (length <= 0) return;
    const end = offset + length;
    let headEnd = findHeadEnd(buf, offset, end);
    if (headEnd < 0) {
      const lastLf = buf.lastIndexOf(0x0a, end - 1);
      if (lastLf < offset) return;
      headEnd = lastLf + 1;
    }
    const head = parseHead(buf, offset, headEnd);
    if (head === null) return;
    const line = parseStartLine(head);
    if (line === null) return;
    if (line.method !== null) {
      if (line.method !== 'NOTIFY' && line.method !== 'M-SEARCH') return;
      this.emit('ssdp.method', line.method, dir);
    } else {
      if (line.status !== 200) return;
      this.emit('ssdp.method', 'response', dir);
    }
    for (const [name, suffix] of HEADERS) {
      const value = valueText(head, field(head, name));
      if (value !== null) this.emit(`ssdp.${suffix}`, value, dir);
    }
  }

  private emit(key: string, value: ObservationValue, from: Direction): void {
    const id = `${from}\u0000${key}\u0000${String(value)}`;
    if (this.seen.has(id)) return;
    if (this.seen.size < MAX_REMEMBERED) this.seen.add(id);
    this.ctx.emit(key, value, from);
  }
}

export function createSsdpDissector(options?: { udpPorts?: readonly number[] }): SsdpDissector {
  return new SsdpDissector(options);
}
