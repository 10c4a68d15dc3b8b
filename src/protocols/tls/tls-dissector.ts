/**
 * The TLS dissector: what a client offers (SNI, ALPN, versions, ciphers, and the JA3 and JA4 fingerprints
 * that identify its TLS stack), what the server chooses (version, cipher, JA3S), and the server's
 * certificate while it still travels in clear (TLS 1.2 and earlier). Keys and value shapes are documented
 * in docs/observations.md.
 *
 * Each direction is a record-layer reader (RFC 8446 §5.1, RFC 5246 §6.2) feeding a bounded handshake
 * buffer, because one handshake message may span several records and one record several messages
 * (RFC 8446 §5.1: "Handshake messages MAY be coalesced into a single TLSPlaintext record or fragmented
 * across several such records"). A message is read only once whole, so a stream cut anywhere yields a
 * prefix of the whole stream's facts. A direction stops at ChangeCipherSpec or application data (what
 * follows is encrypted), at ServerHelloDone, or after a TLS 1.3 ServerHello; the session is done when
 * both have stopped.
 */
import type { Direction, Dissector, DissectorContext, DissectorSession, Transport } from '../dissector.js';
import type { ObservationValue } from '../observation.js';
import { readCertificate } from './tls-certificate.js';
import {
  isGrease,
  ja3,
  ja3s,
  ja3sString,
  ja3String,
  ja4,
  parseClientHello,
  parseServerHello,
  versionName,
  type ClientHello,
  type ServerHello,
} from './tls-hello.js';

export const TLS_TCP_PORTS: readonly number[] = [443, 8443, 636, 993, 995, 2762, 5986];

export interface TlsDissectorOptions {
  tcpPorts?: readonly number[];
  /** Largest handshake message buffered per direction (certificate chains are the large ones). */
  maxHandshake?: number;
}

const enum ContentType {
  ChangeCipherSpec = 20,
  Alert = 21,
  Handshake = 22,
  ApplicationData = 23,
  Heartbeat = 24,
}

const enum HandshakeType {
  ClientHello = 1,
  ServerHello = 2,
  Certificate = 11,
  ServerHelloDone = 14,
}

/** RFC 8446 §5.2: a record is at most 2^14 + 256 octets of ciphertext; TLS 1.2 allowed 2^14 + 2048. */
const MAX_RECORD = 16384 + 2048;
const RECORD_HEADER = 5;

export class TlsDissector implements Dissector {
  readonly name = 'tls';
  readonly udpPorts: readonly number[] = [];
  readonly tcpPorts: readonly number[];
  readonly reassemble = true;
  readonly maxHandshake: number;

  constructor(options: TlsDissectorOptions = {}) {
    this.tcpPorts = options.tcpPorts ?? TLS_TCP_PORTS;
    this.maxHandshake = options.maxHandshake ?? 64 * 1024;
  }

  /** A handshake record header (type 22, version 3.x) whose body starts a ClientHello or ServerHello. */
  probe(transport: Transport, _dir: Direction, buf: Buffer, offset: number, length: number): boolean {
    if (transport !== 'tcp' || length < 6) return false;
    if (buf[offset] !== ContentType.Handshake || buf[offset + 1] !== 3 || buf[offset + 2] > 4) return false;
    const type = buf[offset + 5];
    return type === HandshakeType.ClientHello || type === HandshakeType.ServerHello;
  }

  open(ctx: DissectorContext): DissectorSession {
    return new TlsSession(ctx, this.maxHandshake);
  }
}

class DirectionState {
  stopped = false;
  readonly header = Buffer.alloc(RECORD_HEADER);
  headerLength = 0;
  recordType = 0;
  /** Octets of the current record's body still to come. */
  remaining = 0;
  records = 0;
  /** Handshake octets not yet consumed as whole messages. */
  hs: Buffer | null = null;
  hsLength = 0;
}

/** Distinct facts remembered per session (a HelloRetryRequest makes the client say it all again). */
const MAX_REMEMBERED = 256;

class TlsSession implements DissectorSession {
  private readonly dirs: [DirectionState, DirectionState] = [new DirectionState(), new DirectionState()];
  private readonly seen = new Set<string>();
  /** The server chose TLS 1.3: certificates are encrypted. */
  private tls13 = false;

  constructor(
    private readonly ctx: DissectorContext,
    private readonly maxHandshake: number,
  ) {}

  get done(): boolean {
    return this.dirs[0].stopped && this.dirs[1].stopped;
  }

  data(dir: Direction, buf: Buffer, offset: number, length: number): void {
    const d = this.dirs[dir];
    let pos = offset;
    const end = offset + length;
    while (pos < end && !d.stopped) {
      if (d.headerLength < RECORD_HEADER) {
        const n = Math.min(RECORD_HEADER - d.headerLength, end - pos);
        buf.copy(d.header, d.headerLength, pos, pos + n);
        d.headerLength += n;
        pos += n;
        if (d.headerLength === RECORD_HEADER) this.recordHeader(dir, d);
        continue;
      }
      const n = Math.min(d.remaining, end - pos);
      if (d.recordType === ContentType.Handshake) this.handshakeBytes(dir, d, buf, pos, n);
      pos += n;
      d.remaining -= n;
      if (d.remaining === 0) d.headerLength = 0;
    }
  }

  gap(dir: Direction): void {
    // Record boundaries are lost with the octets.
    this.stop(this.dirs[dir]);
  }

  private stop(d: DirectionState): void {
    d.stopped = true;
    d.hs = null;
  }

  private emit(key: string, value: ObservationValue, from: Direction): void {
    const id = `${from}\u0000${key}\u0000${String(value)}`;
    if (this.seen.has(id)) return;
    if (this.seen.size < MAX_REMEMBERED) this.seen.add(id);
    this.ctx.emit(key, value, from);
  }

  private recordHeader(dir: Direction, d: DirectionState): void {
    const h = d.header;
    const type = h[0];
    const length = h.readUInt16BE(3);
    // TLSPlaintext.legacy_record_version is 3.x (SSL 3.0 to TLS 1.2's 0x0303); anything else, an SSLv2
    // hello included, is not a TLS record stream.
    if (type < ContentType.ChangeCipherSpec || type > ContentType.Heartbeat || h[1] !== 3 || h[2] > 4 || length > MAX_RECORD) {
      this.stop(d);
      return;
    }
    if (d.records++ === 0) {
      // The first record must be a handshake (or an alert refusing one): else this is not a TLS start.
      if (type !== ContentType.Handshake && type !== ContentType.Alert) {
        this.stop(d);
        return;
      }
      if (type === ContentType.Handshake) this.emit('tls.record_version', versionName(h.readUInt16BE(1)), dir);
    }
    if (type === ContentType.ChangeCipherSpec || type === ContentType.ApplicationData) {
      // RFC 5246 §7.1: what follows ChangeCipherSpec is protected; nothing more to read in clear.
      this.stop(d);
      return;
    }
    d.recordType = type;
    d.remaining = length;
    if (length === 0) d.headerLength = 0;
  }

  private handshakeBytes(dir: Direction, d: DirectionState, buf: Buffer, pos: number, n: number): void {
    if (n === 0) return;
    if (d.hs === null) d.hs = Buffer.allocUnsafe(Math.min(this.maxHandshake, Math.max(4096, n)));
    if (d.hsLength + n > d.hs.length) {
      if (d.hsLength + n > this.maxHandshake) {
        this.stop(d);
        return;
      }
      const bigger = Buffer.allocUnsafe(Math.min(this.maxHandshake, Math.max(d.hs.length * 2, d.hsLength + n)));
      d.hs.copy(bigger, 0, 0, d.hsLength);
      d.hs = bigger;
    }
    buf.copy(d.hs, d.hsLength, pos, pos + n);
    d.hsLength += n;
    let at = 0;
    while (!d.stopped && d.hs !== null && d.hsLength - at >= 4) {
      const hs = d.hs;
      const msgLength = hs.readUIntBE(at + 1, 3);
      if (4 + msgLength > this.maxHandshake) {
        this.stop(d);
        return;
      }
      if (d.hsLength - at < 4 + msgLength) break;
      this.message(dir, d, hs[at], hs, at + 4, at + 4 + msgLength);
      at += 4 + msgLength;
    }
    if (d.hs !== null && at > 0) {
      d.hs.copy(d.hs, 0, at, d.hsLength);
      d.hsLength -= at;
    }
  }

  private message(dir: Direction, d: DirectionState, type: number, buf: Buffer, start: number, end: number): void {
    switch (type) {
      case HandshakeType.ClientHello: {
        const hello = parseClientHello(buf, start, end);
        if (hello !== null) this.clientHello(dir, hello);
        break;
      }
      case HandshakeType.ServerHello: {
        const hello = parseServerHello(buf, start, end);
        if (hello === null) break;
        this.serverHello(dir, hello);
        if (hello.selectedVersion === 0x0304) {
          // RFC 8446 §2: everything after the ServerHello is encrypted.
          this.tls13 = true;
          this.stop(d);
        }
        break;
      }
      case HandshakeType.Certificate:
        if (!this.tls13) this.certificates(dir, buf, start, end);
        break;
      case HandshakeType.ServerHelloDone:
        // The server has said all it says in clear.
        this.stop(d);
        break;
    }
  }

  private clientHello(from: Direction, hello: ClientHello): void {
    this.emit('tls.client_version', versionName(hello.version), from);
    const versions = hello.supportedVersions.filter((v) => !isGrease(v));
    if (versions.length > 0) this.emit('tls.supported_versions', versions.map(versionName), from);
    if (hello.sni !== null) this.emit('tls.sni', hello.sni, from);
    if (hello.alpn.length > 0) this.emit('tls.alpn', hello.alpn, from);
    this.emit('tls.cipher_suites', hello.ciphers.filter((c) => !isGrease(c)), from);
    this.emit('tls.ja3', ja3(hello), from);
    this.emit('tls.ja3_full', ja3String(hello), from);
    this.emit('tls.ja4', ja4(hello, 't'), from);
  }

  private serverHello(from: Direction, hello: ServerHello): void {
    this.emit('tls.version', versionName(hello.selectedVersion ?? hello.version), from);
    this.emit('tls.cipher', hello.cipher, from);
    if (hello.alpn !== null) this.emit('tls.server_alpn', hello.alpn, from);
    this.emit('tls.ja3s', ja3s(hello), from);
    this.emit('tls.ja3s_full', ja3sString(hello), from);
  }

  /** TLS ≤ 1.2 Certificate: `opaque ASN.1Cert<1..2^24-1>` list, the sender's own certificate first (RFC 5246 §7.4.2). */
  private certificates(from: Direction, buf: Buffer, start: number, end: number): void {
    if (end - start < 3) return;
    const listEnd = start + 3 + buf.readUIntBE(start, 3);
    if (listEnd > end) return;
    let pos = start + 3;
    let count = 0;
    let leaf: Buffer | null = null;
    while (pos + 3 <= listEnd) {
      const length = buf.readUIntBE(pos, 3);
      if (pos + 3 + length > listEnd) return;
      if (count === 0) leaf = buf.subarray(pos + 3, pos + 3 + length);
      count++;
      pos += 3 + length;
    }
    if (count === 0 || leaf === null) return;
    this.emit('tls.cert.chain_length', count, from);
    const cert = readCertificate(leaf);
    if (cert === null) return;
    this.emit('tls.cert.subject', cert.subject, from);
    if (cert.commonName !== null) this.emit('tls.cert.cn', cert.commonName, from);
    this.emit('tls.cert.issuer', cert.issuer, from);
    if (cert.san.length > 0) this.emit('tls.cert.san', cert.san, from);
    if (cert.notBefore !== null) this.emit('tls.cert.not_before', cert.notBefore, from);
    if (cert.notAfter !== null) this.emit('tls.cert.not_after', cert.notAfter, from);
    if (cert.keyType !== null) this.emit('tls.cert.key_type', cert.keyType, from);
    if (cert.keyBits !== null) this.emit('tls.cert.key_bits', cert.keyBits, from);
    if (cert.signatureAlgorithm !== null) this.emit('tls.cert.sig_alg', cert.signatureAlgorithm, from);
    this.emit('tls.cert.self_signed', cert.selfSigned, from);
    // Expired at the time of the packet, not of the analysis: a capture replayed years later is judged
    // by what the client was shown then.
    if (Number.isFinite(cert.notAfterMs)) this.emit('tls.cert.expired', cert.notAfterMs < this.ctx.ts * 1000, from);
    this.emit('tls.cert.sha256', cert.sha256, from);
  }
}

export function createTlsDissector(options?: TlsDissectorOptions): TlsDissector {
  return new TlsDissector(options);
}
