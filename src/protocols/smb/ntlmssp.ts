/**
 * NTLMSSP messages (MS-NLMP §2.2) found inside SMB Session Setup security blobs: the server's CHALLENGE names
 * its NetBIOS and DNS computer and domain (target info AV pairs, §2.2.2.1), the client's AUTHENTICATE names the
 * domain, user and workstation; both may carry the sender's OS version (§2.2.2.10). Every offset is checked
 * against the end of the enclosing message; a malformed field is skipped, never trusted.
 */
import { smbText } from './smb-text.js';

export const NTLMSSP_SIGNATURE = Buffer.from('NTLMSSP\0', 'latin1');

const NEGOTIATE_UNICODE = 0x00000001;
const NEGOTIATE_VERSION = 0x02000000;
/** AV pairs read from one target info. */
const MAX_AV_PAIRS = 32;

/** MS-NLMP §2.2.2.1 AvIds and the keys their values are emitted as. */
const AV_KEYS: Record<number, string> = {
  1: 'smb.ntlm.nb_computer',
  2: 'smb.ntlm.nb_domain',
  3: 'smb.ntlm.dns_computer',
  4: 'smb.ntlm.dns_domain',
  5: 'smb.ntlm.dns_tree',
};

export type Emit = (key: string, value: string | boolean) => void;

/** Parses the NTLMSSP message whose signature is at `at`, bounded by `end`. */
export function parseNtlmssp(buf: Buffer, at: number, end: number, emit: Emit): void {
  if (at + 12 > end) return;
  const type = buf.readUInt32LE(at + 8);
  if (type === 1) negotiate(buf, at, end, emit);
  else if (type === 2) challenge(buf, at, end, emit);
  else if (type === 3) authenticate(buf, at, end, emit);
}

/** A security buffer (length, max length, offset from the message start) at `fieldAt`, or null if empty or out of bounds. */
function field(buf: Buffer, base: number, fieldAt: number, end: number): { from: number; to: number } | null {
  if (fieldAt + 8 > end) return null;
  const length = buf.readUInt16LE(fieldAt);
  const offset = buf.readUInt32LE(fieldAt + 4);
  if (length === 0 || offset > end - base || base + offset + length > end) return null;
  return { from: base + offset, to: base + offset + length };
}

/** NEGOTIATE (§2.2.1.1): only the client's version is of interest (its domain and workstation are optional and OEM). */
function negotiate(buf: Buffer, base: number, end: number, emit: Emit): void {
  if (base + 40 > end) return;
  const flags = buf.readUInt32LE(base + 12);
  if ((flags & NEGOTIATE_VERSION) === 0) return;
  const domain = field(buf, base, base + 16, end);
  const workstation = field(buf, base, base + 24, end);
  const payloadStart = Math.min(domain === null ? 40 : domain.from - base, workstation === null ? 40 : workstation.from - base);
  if (payloadStart >= 40) version(buf, base + 32, emit);
}

function challenge(buf: Buffer, base: number, end: number, emit: Emit): void {
  if (base + 48 > end) return;
  const flags = buf.readUInt32LE(base + 20);
  const info = field(buf, base, base + 40, end);
  if (info !== null) {
    let pos = info.from;
    for (let i = 0; i < MAX_AV_PAIRS && pos + 4 <= info.to; i++) {
      const id = buf.readUInt16LE(pos);
      const n = buf.readUInt16LE(pos + 2);
      if (id === 0 || pos + 4 + n > info.to) break;
      const key = AV_KEYS[id];
      if (key !== undefined && n > 0) {
        const text = smbText(buf, pos + 4, pos + 4 + n, true);
        if (text !== '') emit(key, text);
      }
      pos += 4 + n;
    }
  }
  // The version sits at 48..56 when negotiated and the payload does not start before it.
  const payloadStart = info === null ? Number.MAX_SAFE_INTEGER : info.from - base;
  if ((flags & NEGOTIATE_VERSION) !== 0 && payloadStart >= 56 && base + 56 <= end) version(buf, base + 48, emit);
}

function authenticate(buf: Buffer, base: number, end: number, emit: Emit): void {
  if (base + 64 > end) return;
  const flags = buf.readUInt32LE(base + 60);
  const unicode = (flags & NEGOTIATE_UNICODE) !== 0;
  // Fields in wire order: LM response, NT response, domain, user, workstation, session key.
  let payloadStart = Number.MAX_SAFE_INTEGER;
  const fields = [12, 20, 28, 36, 44, 52].map((o) => {
    const f = field(buf, base, base + o, end);
    if (f !== null) payloadStart = Math.min(payloadStart, f.from - base);
    return f;
  });
  const domain = fields[2];
  if (domain !== null) {
    const text = smbText(buf, domain.from, domain.to, unicode);
    if (text !== '') emit('smb.ntlm.domain', text);
  }
  const user = fields[3];
  if (user !== null && smbText(buf, user.from, user.to, unicode) !== '') emit('smb.ntlm.user_seen', true);
  const workstation = fields[4];
  if (workstation !== null) {
    const text = smbText(buf, workstation.from, workstation.to, unicode);
    if (text !== '') emit('smb.ntlm.workstation', text);
  }
  if ((flags & NEGOTIATE_VERSION) !== 0 && payloadStart >= 72 && base + 72 <= end) version(buf, base + 64, emit);
}

/** MS-NLMP §2.2.2.10 VERSION: major, minor, build; an all-zero version says nothing. */
function version(buf: Buffer, at: number, emit: Emit): void {
  const major = buf[at];
  const minor = buf[at + 1];
  const build = buf.readUInt16LE(at + 2);
  if (major === 0 && minor === 0 && build === 0) return;
  emit('smb.ntlm.os_version', `${major}.${minor}.${build}`);
}
