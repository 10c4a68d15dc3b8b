/**
 * ClientHello and ServerHello bodies (RFC 8446 §4.1.2-4.1.3, RFC 5246 §7.4.1), read by offset with every
 * length checked against its container, and the fingerprints computed from them: JA3 and JA3S
 * (Salesforce), JA4 (FoxIO). Never throws: a malformed hello is null.
 */
import { createHash } from 'node:crypto';

export const ExtensionType = {
  SERVER_NAME: 0,
  SUPPORTED_GROUPS: 10,
  EC_POINT_FORMATS: 11,
  SIGNATURE_ALGORITHMS: 13,
  ALPN: 16,
  SUPPORTED_VERSIONS: 43,
} as const;

/** Most list entries kept (ciphers, extensions...): a real hello has well under this. */
const MAX_LIST = 512;

export interface ClientHello {
  /** legacy_version (the record of what pre-1.3 clients offer as their highest). */
  readonly version: number;
  readonly ciphers: readonly number[];
  /** Extension types in the order sent. */
  readonly extensions: readonly number[];
  readonly sni: string | null;
  readonly alpn: readonly string[];
  /** First ALPN protocol's raw octets (JA4 looks at its first and last octet). */
  readonly alpnFirst: Buffer | null;
  readonly supportedVersions: readonly number[];
  readonly groups: readonly number[];
  readonly pointFormats: readonly number[];
  readonly signatureAlgorithms: readonly number[];
}

export interface ServerHello {
  readonly version: number;
  readonly cipher: number;
  readonly extensions: readonly number[];
  /** supported_versions in a ServerHello: the version chosen when it is TLS 1.3 (RFC 8446 §4.2.1). */
  readonly selectedVersion: number | null;
  readonly alpn: string | null;
}

/** RFC 8701 GREASE values: 0x0a0a, 0x1a1a, ... 0xfafa. */
export function isGrease(value: number): boolean {
  return (value & 0x0f0f) === 0x0a0a && value >> 8 === (value & 0xff);
}

class Reader {
  constructor(
    readonly buf: Buffer,
    public pos: number,
    readonly end: number,
  ) {}
  has(n: number): boolean {
    return this.pos + n <= this.end;
  }
  u8(): number {
    return this.buf[this.pos++];
  }
  u16(): number {
    const v = this.buf.readUInt16BE(this.pos);
    this.pos += 2;
    return v;
  }
  /** A sub-reader over a vector with a `width`-octet length prefix, or null if it overruns. */
  vector(width: 1 | 2): Reader | null {
    if (!this.has(width)) return null;
    const length = width === 1 ? this.u8() : this.u16();
    if (!this.has(length)) return null;
    const sub = new Reader(this.buf, this.pos, this.pos + length);
    this.pos += length;
    return sub;
  }
  u16List(): number[] {
    const out: number[] = [];
    while (this.has(2) && out.length < MAX_LIST) out.push(this.u16());
    return out;
  }
}

/** Printable ASCII only; anything else makes the name unusable as a fact. */
function asciiText(buf: Buffer, start: number, end: number): string | null {
  if (end <= start) return null;
  for (let i = start; i < end; i++) if (buf[i] < 0x21 || buf[i] > 0x7e) return null;
  return buf.toString('latin1', start, end);
}

/**
 * A ClientHello body (after the handshake header), or null if malformed. DTLS adds a cookie after the
 * session id (RFC 6347 §4.2.1).
 */
export function parseClientHello(buf: Buffer, start: number, end: number, dtls = false): ClientHello | null {
  const r = new Reader(buf, start, end);
  if (!r.has(34)) return null;
  const version = r.u16();
  r.pos += 32; // random
  const session = r.vector(1);
  if (session === null) return null;
  if (dtls && r.vector(1) === null) return null;
  const cipherVector = r.vector(2);
  if (cipherVector === null) return null;
  const ciphers = cipherVector.u16List();
  if (r.vector(1) === null) return null; // compression methods
  const extensions: number[] = [];
  let sni: string | null = null;
  const alpn: string[] = [];
  let alpnFirst: Buffer | null = null;
  let supportedVersions: number[] = [];
  let groups: number[] = [];
  let pointFormats: number[] = [];
  let signatureAlgorithms: number[] = [];
  // Extensions are optional before TLS 1.2 (RFC 5246 §7.4.1.2).
  if (r.has(2)) {
    const ext = r.vector(2);
    if (ext === null) return null;
    while (ext.has(4) && extensions.length < MAX_LIST) {
      const type = ext.u16();
      const data = ext.vector(2);
      if (data === null) return null;
      extensions.push(type);
      switch (type) {
        case ExtensionType.SERVER_NAME: {
          // RFC 6066 §3: a list of (name_type, HostName); host_name is type 0, one per type.
          const list = data.vector(2);
          while (list !== null && list.has(3) && sni === null) {
            const nameType = list.u8();
            const name = list.vector(2);
            if (name === null) break;
            if (nameType === 0 && name.end - name.pos <= 255) sni = asciiText(buf, name.pos, name.end);
          }
          break;
        }
        case ExtensionType.SUPPORTED_GROUPS:
          groups = data.vector(2)?.u16List() ?? [];
          break;
        case ExtensionType.EC_POINT_FORMATS: {
          const list = data.vector(1);
          if (list !== null) for (let i = list.pos; i < list.end; i++) pointFormats.push(buf[i]);
          break;
        }
        case ExtensionType.SIGNATURE_ALGORITHMS:
          signatureAlgorithms = data.vector(2)?.u16List() ?? [];
          break;
        case ExtensionType.ALPN: {
          // RFC 7301 §3.1: ProtocolNameList of non-empty opaque names.
          const list = data.vector(2);
          while (list !== null && list.has(1) && alpn.length < 32) {
            const name = list.vector(1);
            if (name === null || name.end === name.pos) break;
            if (alpnFirst === null) alpnFirst = Buffer.from(buf.subarray(name.pos, name.end));
            alpn.push(buf.toString('latin1', name.pos, name.end).replace(/[^\x20-\x7e]/g, '?'));
          }
          break;
        }
        case ExtensionType.SUPPORTED_VERSIONS:
          supportedVersions = data.vector(1)?.u16List() ?? [];
          break;
      }
    }
  }
  return { version, ciphers, extensions, sni, alpn, alpnFirst, supportedVersions, groups, pointFormats, signatureAlgorithms };
}

/** A ServerHello body, or null if malformed. */
export function parseServerHello(buf: Buffer, start: number, end: number): ServerHello | null {
  const r = new Reader(buf, start, end);
  if (!r.has(34)) return null;
  const version = r.u16();
  r.pos += 32;
  if (r.vector(1) === null) return null;
  if (!r.has(3)) return null;
  const cipher = r.u16();
  r.u8(); // compression method
  const extensions: number[] = [];
  let selectedVersion: number | null = null;
  let alpn: string | null = null;
  if (r.has(2)) {
    const ext = r.vector(2);
    if (ext === null) return null;
    while (ext.has(4) && extensions.length < MAX_LIST) {
      const type = ext.u16();
      const data = ext.vector(2);
      if (data === null) return null;
      extensions.push(type);
      if (type === ExtensionType.SUPPORTED_VERSIONS && data.has(2)) selectedVersion = data.u16();
      else if (type === ExtensionType.ALPN) {
        const name = data.vector(2)?.vector(1);
        if (name && name.end > name.pos) alpn = buf.toString('latin1', name.pos, name.end).replace(/[^\x20-\x7e]/g, '?');
      }
    }
  }
  return { version, cipher, extensions, selectedVersion, alpn };
}

/**
 * Digests by their input: a network's clients are a few TLS stacks saying the same hello on every
 * connection, so the same few strings are hashed over and over. Bounded: past the limit it starts again.
 */
function memoized(digest: (text: string) => string): (text: string) => string {
  const known = new Map<string, string>();
  return (text) => {
    let d = known.get(text);
    if (d === undefined) {
      d = digest(text);
      if (known.size >= 4096) known.clear();
      known.set(text, d);
    }
    return d;
  };
}
const md5 = memoized((text) => createHash('md5').update(text, 'latin1').digest('hex'));
const sha256_12 = memoized((text) => createHash('sha256').update(text, 'latin1').digest('hex').slice(0, 12));
function noGrease(list: readonly number[]): readonly number[] {
  // Most lists have no GREASE (only some clients send it): avoid the copy then.
  for (let i = 0; i < list.length; i++) if (isGrease(list[i])) return list.filter((v) => !isGrease(v));
  return list;
}

/**
 * JA3 string: `SSLVersion,Cipher,SSLExtension,EllipticCurve,EllipticCurvePointFormat`, decimal values
 * joined by `-` within a field, GREASE values (RFC 8701) left out (salesforce/ja3 README).
 */
export function ja3String(hello: ClientHello): string {
  return [
    String(hello.version),
    noGrease(hello.ciphers).join('-'),
    noGrease(hello.extensions).join('-'),
    noGrease(hello.groups).join('-'),
    hello.pointFormats.join('-'),
  ].join(',');
}

export function ja3(hello: ClientHello): string {
  return md5(ja3String(hello));
}

/** JA3S string: `SSLVersion,Cipher,SSLExtension` (salesforce/ja3 README). */
export function ja3sString(hello: ServerHello): string {
  return [String(hello.version), String(hello.cipher), noGrease(hello.extensions).join('-')].join(',');
}

export function ja3s(hello: ServerHello): string {
  return md5(ja3sString(hello));
}

/** JA4's two-character version code (FoxIO JA4 spec, "TLS and DTLS Version"). */
function ja4Version(version: number): string {
  switch (version) {
    case 0x0304:
      return '13';
    case 0x0303:
      return '12';
    case 0x0302:
      return '11';
    case 0x0301:
      return '10';
    case 0x0300:
      return 's3';
    case 0x0002:
      return 's2';
    case 0xfeff:
      return 'd1';
    case 0xfefd:
      return 'd2';
    case 0xfefc:
      return 'd3';
    default:
      return '00';
  }
}

const hex4 = (v: number): string => v.toString(16).padStart(4, '0');
const two = (n: number): string => String(Math.min(n, 99)).padStart(2, '0');

function isAlnum(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
}

/**
 * JA4 (FoxIO, JA4 spec in github.com/FoxIO-LLC/ja4, technical_details/JA4.md):
 *   a: protocol (t TCP, q QUIC, d DTLS), version (highest non-GREASE supported_versions value, else the
 *      legacy version), `d` if an SNI is present else `i`, the number of ciphers and of extensions (GREASE
 *      left out, at most 99, two digits), and the first and last characters of the first ALPN value (`00`
 *      if none; the first and last hex digits of it when either octet is not alphanumeric);
 *   b: the first 12 hex digits of SHA-256 of the ciphers as 4-digit hex, sorted, joined by `,`;
 *   c: the first 12 hex digits of SHA-256 of the extensions as 4-digit hex, sorted, without SNI (0x0000)
 *      and ALPN (0x0010), joined by `,`, then `_` and the signature algorithms in the order sent (the `_`
 *      and list left out when there are none). An empty list hashes to `000000000000`.
 */
export function ja4(hello: ClientHello, protocol: 't' | 'q' | 'd'): string {
  let version = -1;
  for (const v of hello.supportedVersions) if (!isGrease(v) && v > version) version = v;
  if (version < 0) version = hello.version;
  const ciphers = noGrease(hello.ciphers);
  const extensions = noGrease(hello.extensions);
  let alpn = '00';
  const first = hello.alpnFirst;
  if (first !== null && first.length > 0) {
    const a = first[0];
    const z = first[first.length - 1];
    if (isAlnum(a) && isAlnum(z)) alpn = String.fromCharCode(a) + String.fromCharCode(z);
    else {
      const h = first.toString('hex');
      alpn = h[0] + h[h.length - 1];
    }
  }
  const part1 = `${protocol}${ja4Version(version)}${hello.sni !== null ? 'd' : 'i'}${two(ciphers.length)}${two(extensions.length)}${alpn}`;
  const part2 = ciphers.length === 0 ? '000000000000' : sha256_12(ciphers.map(hex4).sort().join(','));
  const sortedExt = extensions
    .filter((e) => e !== ExtensionType.SERVER_NAME && e !== ExtensionType.ALPN)
    .map(hex4)
    .sort()
    .join(',');
  const sigs = hello.signatureAlgorithms.filter((v) => !isGrease(v)).map(hex4).join(',');
  const extText = sigs.length > 0 ? `${sortedExt}_${sigs}` : sortedExt;
  const part3 = extText.length === 0 ? '000000000000' : sha256_12(extText);
  return `${part1}_${part2}_${part3}`;
}

/** `TLS 1.2` style name of a protocol version, or `0x....` for one not known. */
export function versionName(version: number): string {
  switch (version) {
    case 0x0002:
      return 'SSL 2.0';
    case 0x0300:
      return 'SSL 3.0';
    case 0x0301:
      return 'TLS 1.0';
    case 0x0302:
      return 'TLS 1.1';
    case 0x0303:
      return 'TLS 1.2';
    case 0x0304:
      return 'TLS 1.3';
    case 0xfeff:
      return 'DTLS 1.0';
    case 0xfefd:
      return 'DTLS 1.2';
    case 0xfefc:
      return 'DTLS 1.3';
    default:
      return `0x${hex4(version)}`;
  }
}
