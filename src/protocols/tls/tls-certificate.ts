/**
 * What a certificate says about its holder, from DER (RFC 5280) via node:crypto's X509Certificate, plus
 * the one field Node 20 does not expose (the signature algorithm), read with a minimal DER walk.
 * Never throws: X509Certificate rejects what OpenSSL cannot parse, and that certificate yields nothing.
 */
import { X509Certificate } from 'node:crypto';

export interface CertificateFacts {
  subject: string;
  /** The last CN of the subject (the most specific), or null. */
  commonName: string | null;
  issuer: string;
  /** DNS names and IP addresses of subjectAltName. */
  san: string[];
  /** ISO 8601 times. */
  notBefore: string | null;
  notAfter: string | null;
  notAfterMs: number;
  keyType: string | null;
  keyBits: number | null;
  signatureAlgorithm: string | null;
  selfSigned: boolean;
  sha256: string;
}

/** Most SAN entries kept; certificates for CDNs carry hundreds, the first ones identify. */
const MAX_SAN = 64;

/** Bits of the named curves seen in certificates (OpenSSL names, as Node reports them). */
const CURVE_BITS: Record<string, number> = {
  prime256v1: 256,
  secp256k1: 256,
  secp384r1: 384,
  secp521r1: 521,
  secp224r1: 224,
  prime192v1: 192,
  brainpoolP256r1: 256,
  brainpoolP384r1: 384,
  brainpoolP512r1: 512,
};

/** Signature algorithm OIDs (RFC 3279, 4055, 5758, 8410) by the names tshark and OpenSSL give them. */
const SIGNATURE_OIDS: Record<string, string> = {
  '1.2.840.113549.1.1.2': 'md2WithRSAEncryption',
  '1.2.840.113549.1.1.4': 'md5WithRSAEncryption',
  '1.2.840.113549.1.1.5': 'sha1WithRSAEncryption',
  '1.2.840.113549.1.1.10': 'rsassa-pss',
  '1.2.840.113549.1.1.11': 'sha256WithRSAEncryption',
  '1.2.840.113549.1.1.12': 'sha384WithRSAEncryption',
  '1.2.840.113549.1.1.13': 'sha512WithRSAEncryption',
  '1.2.840.113549.1.1.14': 'sha224WithRSAEncryption',
  '1.2.840.10045.4.1': 'ecdsa-with-SHA1',
  '1.2.840.10045.4.3.1': 'ecdsa-with-SHA224',
  '1.2.840.10045.4.3.2': 'ecdsa-with-SHA256',
  '1.2.840.10045.4.3.3': 'ecdsa-with-SHA384',
  '1.2.840.10045.4.3.4': 'ecdsa-with-SHA512',
  '1.2.840.10040.4.3': 'dsa-with-sha1',
  '2.16.840.1.101.3.4.3.2': 'dsa-with-sha256',
  '1.3.101.112': 'ed25519',
  '1.3.101.113': 'ed448',
};

export function readCertificate(der: Buffer): CertificateFacts | null {
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(der);
  } catch {
    return null;
  }
  try {
    const subject = cert.subject.split('\n').join(', ');
    const issuer = cert.issuer.split('\n').join(', ');
    const cns = cert.subject.split('\n').filter((part) => part.startsWith('CN='));
    const commonName = cns.length > 0 ? cns[cns.length - 1].slice(3) : null;
    const san: string[] = [];
    for (const entry of (cert.subjectAltName ?? '').split(', ')) {
      if (san.length >= MAX_SAN) break;
      if (entry.startsWith('DNS:')) san.push(entry.slice(4));
      else if (entry.startsWith('IP Address:')) san.push(entry.slice(11));
    }
    const notBeforeMs = Date.parse(cert.validFrom);
    const notAfterMs = Date.parse(cert.validTo);
    let keyType: string | null = null;
    let keyBits: number | null = null;
    let selfSigned = false;
    try {
      const key = cert.publicKey;
      keyType = key.asymmetricKeyType ?? null;
      const details = key.asymmetricKeyDetails;
      if (details?.modulusLength !== undefined) keyBits = details.modulusLength;
      else if (details?.namedCurve !== undefined) keyBits = CURVE_BITS[details.namedCurve] ?? null;
      else if (keyType === 'ed25519') keyBits = 256;
      else if (keyType === 'ed448') keyBits = 456;
      // Self-signed: issued by its own subject and signed by its own key (RFC 5280 §6.1: a self-issued
      // certificate whose signature verifies with the key it contains).
      selfSigned = cert.subject === cert.issuer && cert.verify(key);
    } catch {
      // A key type OpenSSL cannot load (e.g. GOST): the other facts still hold.
    }
    return {
      subject,
      commonName,
      issuer,
      san,
      notBefore: Number.isFinite(notBeforeMs) ? new Date(notBeforeMs).toISOString() : null,
      notAfter: Number.isFinite(notAfterMs) ? new Date(notAfterMs).toISOString() : null,
      notAfterMs,
      keyType,
      keyBits,
      signatureAlgorithm: signatureAlgorithm(der),
      selfSigned,
      sha256: cert.fingerprint256.replace(/:/g, '').toLowerCase(),
    };
  } catch {
    return null;
  }
}

/**
 * Certificate ::= SEQUENCE { tbsCertificate SEQUENCE, signatureAlgorithm AlgorithmIdentifier, ... } and
 * AlgorithmIdentifier ::= SEQUENCE { algorithm OBJECT IDENTIFIER, ... } (RFC 5280 §4.1).
 */
export function signatureAlgorithm(der: Buffer): string | null {
  const outer = tlv(der, 0, der.length);
  if (outer === null || outer.tag !== 0x30) return null;
  const tbs = tlv(der, outer.start, outer.end);
  if (tbs === null || tbs.tag !== 0x30) return null;
  const alg = tlv(der, tbs.end, outer.end);
  if (alg === null || alg.tag !== 0x30) return null;
  const oid = tlv(der, alg.start, alg.end);
  if (oid === null || oid.tag !== 0x06) return null;
  const text = oidText(der, oid.start, oid.end);
  return text === null ? null : (SIGNATURE_OIDS[text] ?? text);
}

/** One DER tag-length-value at `pos` within `end`: content offsets, or null. */
function tlv(buf: Buffer, pos: number, end: number): { tag: number; start: number; end: number } | null {
  if (pos + 2 > end) return null;
  const tag = buf[pos];
  let length = buf[pos + 1];
  let start = pos + 2;
  if (length & 0x80) {
    const n = length & 0x7f;
    if (n === 0 || n > 4 || start + n > end) return null;
    length = 0;
    for (let i = 0; i < n; i++) length = length * 256 + buf[start + i];
    start += n;
  }
  if (start + length > end) return null;
  return { tag, start, end: start + length };
}

function oidText(buf: Buffer, start: number, end: number): string | null {
  if (end <= start || end - start > 32) return null;
  const parts: number[] = [];
  let value = 0;
  for (let i = start; i < end; i++) {
    value = value * 128 + (buf[i] & 0x7f);
    if ((buf[i] & 0x80) === 0) {
      if (parts.length === 0) parts.push(value < 80 ? Math.floor(value / 40) : 2, value < 80 ? value % 40 : value - 80);
      else parts.push(value);
      value = 0;
    }
  }
  return parts.join('.');
}
