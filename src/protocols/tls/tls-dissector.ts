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
  ja4,
  parseClientHello,
  parseServerHello,
  versionName,
  type ClientHello,
  type ServerHello,
} from './tls-hello.js';

export const TLS_TCP_PORTS: readonly number[] = [443, 8443, 636, 993, 995, 2762, 5986];
/** DTLS: 443 (WebRTC and VPNs; QUIC there is rejected at its first octet), 4433, 5684 (CoAP over DTLS, RFC 7252 §6). */
export const DTLS_UDP_PORTS: readonly number[] = [443, 4433, 5684];

export interface TlsDissectorOptions {
  tcpPorts?: readonly number[];
  udpPorts?: readonly number[];
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
  readonly udpPorts: readonly number[];
  readonly tcpPorts: readonly number[];
  readonly reassemble = true;
  readonly maxHandshake: number;

  constructor(options: TlsDissectorOptions = {}) {
    this.tcpPorts = options.tcpPorts ?? TLS_TCP_PORTS;
    this.udpPorts = options.udpPorts ?? DTLS_UDP_PORTS;
    this.maxHandshake = options.maxHandshake ?? 64 * 1024;
  }

  /**
   * A handshake record header (type 22, version 3.x) whose body starts a ClientHello or ServerHello; over
   * UDP, a DTLS handshake record of epoch 0 starting a ClientHello.
   */
  probe(transport: Transport, _dir: Direction, buf: Buffer, offset: number, length: number): boolean {
    if (transport === 'udp') {
      return (
        length >= 14 &&
        buf[offset] === ContentType.Handshake &&
        buf[offset + 1] === 0xfe &&
        buf[offset + 2] >= 0xfc &&
        buf[offset + 3] === 0 &&
        buf[offset + 4] === 0 &&
        buf[offset + 13] === HandshakeType.ClientHello
      );
    }
    if (length < 6) return false;
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
  /** The record header being read, one octet at a time across chunks (type, version, length). */
  headerLength = 0;
  headerType = 0;
  headerVersion = 0;
  headerRecordLength = 0;
  recordType = 0;
  /** The current record's body length. */
  recordLength = 0;
  /** Octets of the current record's body still to come. */
  remaining = 0;
  records = 0;
  /** Handshake octets not yet consumed as whole messages. */
  hs: Buffer | null = null;
  hsLength = 0;
  /** DTLS: the message being reassembled from fragments: its message_seq, type and length (-1: none). */
  dtlsSeq = -1;
  dtlsType = 0;
  dtlsLength = 0;
}

class TlsSession implements DissectorSession {
  private readonly dirs: [DirectionState, DirectionState] = [new DirectionState(), new DirectionState()];
  /** The server chose TLS 1.3: certificates are encrypted. */
  private tls13 = false;
  /**
   * Hello and Certificate messages already reported, by direction: after a HelloRetryRequest the client
   * says it all again (RFC 8446 §4.1.4), and the first of each is the one that identifies.
   */
  private readonly reported = [0, 0];

  constructor(
    private readonly ctx: DissectorContext,
    private readonly maxHandshake: number,
  ) {}

  get done(): boolean {
    return this.dirs[0].stopped && this.dirs[1].stopped;
  }

  data(dir: Direction, buf: Buffer, offset: number, length: number): void {
    if (this.ctx.transport === 'udp') {
      this.datagram(dir, buf, offset, offset + length);
      return;
    }
    const d = this.dirs[dir];
    let pos = offset;
    const end = offset + length;
    while (pos < end && !d.stopped) {
      if (d.headerLength < RECORD_HEADER) {
        const octet = buf[pos++];
        switch (d.headerLength++) {
          case 0:
            d.headerType = octet;
            break;
          case 1:
          case 2:
            d.headerVersion = ((d.headerVersion << 8) | octet) & 0xffff;
            break;
          default:
            d.headerRecordLength = ((d.headerRecordLength << 8) | octet) & 0xffff;
        }
        if (d.headerLength === RECORD_HEADER) this.recordHeader(dir, d);
        continue;
      }
      const n = Math.min(d.remaining, end - pos);
      if (d.recordType === ContentType.Handshake) this.handshakeBytes(dir, d, buf, pos, n);
      else if (d.recordType === ContentType.Heartbeat && d.remaining === d.recordLength && n >= 3) this.heartbeat(dir, buf[pos], buf.readUInt16BE(pos + 1), d.recordLength);
      pos += n;
      d.remaining -= n;
      if (d.remaining === 0) d.headerLength = 0;
    }
  }

  /**
   * DTLS (RFC 6347 §4.1, §4.2.2): records of a 13-octet header (type, version 0xfeff/0xfefd/0xfefc, epoch,
   * sequence number, length), each datagram holding whole records; handshake messages carry a 12-octet
   * header whose fragment offset and length let a message span records and datagrams. Fragments are
   * reassembled in order (a retransmitted or reordered one is ignored); epoch 1 onwards is encrypted.
   */
  private datagram(dir: Direction, buf: Buffer, pos: number, end: number): void {
    const d = this.dirs[dir];
    while (!d.stopped && pos + 13 <= end) {
      const type = buf[pos];
      const version = buf.readUInt16BE(pos + 1);
      const epoch = buf.readUInt16BE(pos + 3);
      const length = buf.readUInt16BE(pos + 11);
      const body = pos + 13;
      if (type < ContentType.ChangeCipherSpec || type > ContentType.Heartbeat || version >> 8 !== 0xfe || (version & 0xff) < 0xfc || body + length > end) {
        // Not DTLS, or a record cut by the snapshot length: nothing more in this datagram can be trusted.
        if (d.records === 0) this.stop(d);
        return;
      }
      if (d.records++ === 0) {
        if (type !== ContentType.Handshake && type !== ContentType.Alert) {
          this.stop(d);
          return;
        }
        if (type === ContentType.Handshake) this.emit('tls.record_version', versionName(version), dir);
      }
      if (type === ContentType.ChangeCipherSpec || type === ContentType.ApplicationData || epoch !== 0) {
        this.stop(d);
        return;
      }
      if (type === ContentType.Handshake) this.dtlsHandshake(dir, d, buf, body, body + length);
      pos = body + length;
    }
  }

  private dtlsHandshake(dir: Direction, d: DirectionState, buf: Buffer, pos: number, end: number): void {
    while (!d.stopped && pos + 12 <= end) {
      const type = buf[pos];
      const length = buf.readUIntBE(pos + 1, 3);
      const seq = buf.readUInt16BE(pos + 4);
      const fragOffset = buf.readUIntBE(pos + 6, 3);
      const fragLength = buf.readUIntBE(pos + 9, 3);
      const body = pos + 12;
      if (body + fragLength > end || fragOffset + fragLength > length || length > this.maxHandshake) return;
      if (fragOffset === 0 && fragLength === length) {
        this.message(dir, d, type, buf, body, body + length);
        d.dtlsSeq = -1;
      } else if (fragOffset === 0) {
        d.dtlsSeq = seq;
        d.dtlsType = type;
        d.dtlsLength = length;
        if (d.hs === null || d.hs.length < length) d.hs = Buffer.allocUnsafe(length);
        buf.copy(d.hs, 0, body, body + fragLength);
        d.hsLength = fragLength;
      } else if (seq === d.dtlsSeq && type === d.dtlsType && length === d.dtlsLength && fragOffset === d.hsLength && d.hs !== null) {
        buf.copy(d.hs, d.hsLength, body, body + fragLength);
        d.hsLength += fragLength;
        if (d.hsLength === length) {
          d.dtlsSeq = -1;
          this.message(dir, d, type, d.hs, 0, length);
        }
      }
      pos = body + fragLength;
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
    this.ctx.emit(key, value, from);
  }

  /** Whether a message of this kind was already reported from this direction (and marks it reported). */
  private already(dir: Direction, kind: number): boolean {
    const bit = 1 << kind;
    if (this.reported[dir] & bit) return true;
    this.reported[dir] |= bit;
    return false;
  }

  private recordHeader(dir: Direction, d: DirectionState): void {
    const type = d.headerType;
    const version = d.headerVersion;
    const length = d.headerRecordLength;
    d.headerVersion = 0;
    d.headerRecordLength = 0;
    // TLSPlaintext.legacy_record_version is 3.x (SSL 3.0 to TLS 1.2's 0x0303); anything else, an SSLv2
    // hello included, is not a TLS record stream.
    if (type < ContentType.ChangeCipherSpec || type > ContentType.Heartbeat || version >> 8 !== 3 || (version & 0xff) > 4 || length > MAX_RECORD) {
      this.stop(d);
      return;
    }
    if (d.records++ === 0) {
      // The first record must be a handshake (or an alert refusing one): else this is not a TLS start.
      if (type !== ContentType.Handshake && type !== ContentType.Alert) {
        this.stop(d);
        return;
      }
      if (type === ContentType.Handshake) this.emit('tls.record_version', versionName(version), dir);
    }
    if (type === ContentType.ChangeCipherSpec || type === ContentType.ApplicationData) {
      // RFC 5246 §7.1: what follows ChangeCipherSpec is protected; nothing more to read in clear.
      this.stop(d);
      return;
    }
    d.recordType = type;
    d.recordLength = length;
    d.remaining = length;
    if (length === 0) d.headerLength = 0;
  }

  /**
   * RFC 6520 §4: a HeartbeatMessage is type (1 request, 2 response), payload_length, payload, then at least 16
   * octets of padding, all inside the record. A request whose payload_length exceeds what its record holds is
   * the Heartbleed over-read (CVE-2014-0160); the server echoing it answers with the size asked for.
   */
  private heartbeat(dir: Direction, type: number, payloadLength: number, recordLength: number): void {
    if (type !== 1 && type !== 2) return;
    this.emit('tls.heartbeat', type === 1 ? 'request' : 'response', dir);
    this.emit('tls.heartbeat_length', recordLength, dir);
    const overread = payloadLength + 3 + 16 - recordLength;
    if (type === 1 && overread > 0) this.emit('tls.heartbeat_overread', overread, dir);
  }

  private handshakeBytes(dir: Direction, d: DirectionState, buf: Buffer, pos: number, n: number): void {
    if (n === 0) return;
    if (d.hsLength === 0) {
      // Nothing held: the whole messages in these bytes are read where they lie (a hello usually
      // fits one record), and only a message cut by the record's end is copied to wait for the rest.
      const end = pos + n;
      while (!d.stopped && end - pos >= 4) {
        const msgLength = buf.readUIntBE(pos + 1, 3);
        if (4 + msgLength > this.maxHandshake) {
          this.stop(d);
          return;
        }
        if (end - pos < 4 + msgLength) break;
        this.message(dir, d, buf[pos], buf, pos + 4, pos + 4 + msgLength);
        pos += 4 + msgLength;
      }
      if (d.stopped || pos === end) return;
      n = end - pos;
    }
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
        if (this.already(dir, type)) break;
        const hello = parseClientHello(buf, start, end, this.ctx.transport === 'udp');
        if (hello !== null) this.clientHello(dir, hello);
        break;
      }
      case HandshakeType.ServerHello: {
        const hello = parseServerHello(buf, start, end);
        if (hello === null) break;
        if (!this.already(dir, type)) this.serverHello(dir, hello);
        if (hello.selectedVersion === 0x0304 || hello.selectedVersion === 0xfefc) {
          // RFC 8446 §2 (and RFC 9147 for DTLS 1.3): everything after the ServerHello is encrypted.
          this.tls13 = true;
          this.stop(d);
        }
        break;
      }
      case HandshakeType.Certificate:
        if (!this.tls13 && !this.already(dir, type)) this.certificates(dir, buf, start, end);
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
    // The JA3 string itself (ja3String) is not a fact: long, and fully determined by the facts around it.
    this.emit('tls.ja3', ja3(hello), from);
    this.emit('tls.ja4', ja4(hello, this.ctx.transport === 'udp' ? 'd' : 't'), from);
  }

  private serverHello(from: Direction, hello: ServerHello): void {
    this.emit('tls.version', versionName(hello.selectedVersion ?? hello.version), from);
    this.emit('tls.cipher', hello.cipher, from);
    if (hello.alpn !== null) this.emit('tls.server_alpn', hello.alpn, from);
    this.emit('tls.ja3s', ja3s(hello), from);
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
