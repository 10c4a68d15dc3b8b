/**
 * Encryption at rest of closed segments: AES-256-GCM (NIST SP 800-38D) with a random 96-bit IV per file
 * and the segment's file name as additional authenticated data, so a segment swapped for another, cut or
 * altered fails to decrypt instead of yielding wrong packets.
 *
 * File layout: magic "VGSEGv1\0" (8), IV (12), tag (16), ciphertext.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';

const MAGIC = Buffer.from('VGSEGv1\0', 'latin1');
const IV = 12;
const TAG = 16;
export const ENCRYPTED_HEADER = MAGIC.length + IV + TAG;

export class KeyFileError extends Error {}

/** A key file holds the 32-octet key raw, as 64 hex digits, or as base64 (surrounding white space ignored). */
export function readKeyFile(path: string): Buffer {
  let raw: Buffer;
  try {
    raw = readFileSync(path);
  } catch (err) {
    throw new KeyFileError(`key file ${path}: cannot read it (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  if (raw.length === 32) return raw;
  const text = raw.toString('latin1').trim();
  if (/^[0-9a-fA-F]{64}$/.test(text)) return Buffer.from(text, 'hex');
  if (/^[A-Za-z0-9+/]{43}=$/.test(text)) return Buffer.from(text, 'base64');
  throw new KeyFileError(`key file ${path}: expected a 256-bit key (32 raw octets, 64 hex digits or base64), found ${raw.length} octets`);
}

export function encryptSegment(plain: Buffer, key: Buffer, name: string): Buffer {
  const iv = randomBytes(IV);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(name, 'utf8'));
  const body = Buffer.concat([cipher.update(plain), cipher.final()]);
  return Buffer.concat([MAGIC, iv, cipher.getAuthTag(), body]);
}

export function isEncryptedSegment(data: Buffer): boolean {
  return data.length >= MAGIC.length && data.subarray(0, MAGIC.length).equals(MAGIC);
}

/** The plaintext, or an Error saying why not (never throws: the caller names the file). */
export function decryptSegment(data: Buffer, key: Buffer | undefined, name: string): Buffer | Error {
  if (!isEncryptedSegment(data) || data.length < ENCRYPTED_HEADER) return new Error('not an encrypted segment (bad magic or too short)');
  if (!key) return new Error('the segment is encrypted and no key file was given');
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(MAGIC.length, MAGIC.length + IV));
    decipher.setAAD(Buffer.from(name, 'utf8'));
    decipher.setAuthTag(data.subarray(MAGIC.length + IV, ENCRYPTED_HEADER));
    return Buffer.concat([decipher.update(data.subarray(ENCRYPTED_HEADER)), decipher.final()]);
  } catch {
    return new Error('decryption failed: wrong key, or the file was altered or cut (AES-GCM tag mismatch)');
  }
}
