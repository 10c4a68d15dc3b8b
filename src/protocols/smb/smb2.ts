/**
 * SMB2/3 (MS-SMB2 §2.2): the 64-octet header, then one command's body; compounded commands follow at
 * NextCommand. Reads NEGOTIATE dialects offered and chosen (§2.2.3, §2.2.4), SESSION_SETUP security blobs
 * (NTLMSSP) and the TREE_CONNECT path (§2.2.9). Encrypted (transform header) messages are opaque.
 */
import type { Direction } from '../dissector.js';
import { NTLMSSP_SIGNATURE, parseNtlmssp } from './ntlmssp.js';
import type { SmbSink } from './smb-sink.js';
import { smbText } from './smb-text.js';
import { negotiateContexts } from './smb2-compression.js';

const HEADER = 64;
const CMD_NEGOTIATE = 0x0000;
const CMD_SESSION_SETUP = 0x0001;
const CMD_TREE_CONNECT = 0x0003;
const FLAGS_SERVER_TO_REDIR = 0x00000001;
/** Commands read from one compounded message, and dialects from one NEGOTIATE. */
const MAX_COMPOUND = 8;
const MAX_DIALECTS = 32;
/** NTLMSSP messages looked for in one Session Setup. */
const MAX_NTLMSSP = 2;

/** MS-SMB2 §2.2.3 dialect revisions as text; others as `0x` and four hex digits. */
export function dialectText(code: number): string {
  switch (code) {
    case 0x0202:
      return '2.0.2';
    case 0x0210:
      return '2.1';
    case 0x02ff:
      return '2.???';
    case 0x0300:
      return '3.0';
    case 0x0302:
      return '3.0.2';
    case 0x0311:
      return '3.1.1';
    default:
      return `0x${code.toString(16).padStart(4, '0')}`;
  }
}

export function parseSmb2(msg: Buffer, n: number, dir: Direction, sink: SmbSink): void {
  let start = 0;
  for (let i = 0; i < MAX_COMPOUND && start + HEADER <= n; i++) {
    if (msg[start] !== 0xfe || msg[start + 1] !== 0x53 || msg[start + 2] !== 0x4d || msg[start + 3] !== 0x42) return;
    const cmd = msg.readUInt16LE(start + 12);
    const response = (msg.readUInt32LE(start + 16) & FLAGS_SERVER_TO_REDIR) !== 0;
    const next = msg.readUInt32LE(start + 20);
    const end = next !== 0 && next <= n - start ? start + next : n;
    const body = start + HEADER;
    if (cmd === CMD_NEGOTIATE && !response && body + 36 <= end && msg.readUInt16LE(body) === 36) {
      const count = Math.min(msg.readUInt16LE(body + 2), MAX_DIALECTS);
      const dialects: string[] = [];
      for (let d = 0; d < count && body + 38 + 2 * d <= end; d++) dialects.push(dialectText(msg.readUInt16LE(body + 36 + 2 * d)));
      if (dialects.length > 0) sink.emit('smb.dialects_offered', dialects, dir);
    } else if (cmd === CMD_NEGOTIATE && response && body + 6 <= end && msg.readUInt16LE(body) === 65) {
      sink.emit('smb.dialect', dialectText(msg.readUInt16LE(body + 4)), dir);
      if (msg.readUInt16LE(body + 4) === 0x0311) negotiateContexts(msg, start, body, end, dir, sink);
    } else if (cmd === CMD_SESSION_SETUP) {
      scanNtlmssp(msg, body, end, dir, sink);
    } else if (cmd === CMD_TREE_CONNECT && !response && body + 8 <= end && msg.readUInt16LE(body) === 9) {
      const offset = msg.readUInt16LE(body + 4);
      const length = msg.readUInt16LE(body + 6);
      const from = start + offset;
      if (length > 0 && offset >= HEADER + 8 && from + length <= end) {
        const path = smbText(msg, from, from + length, true);
        if (path !== '') sink.emit('smb.share', path, dir);
      }
    }
    if (next === 0 || next < HEADER || next > n - start) return;
    start += next;
  }
}

/** Finds NTLMSSP messages in `msg[from..end)` (a security blob, usually inside SPNEGO) and parses them. */
export function scanNtlmssp(msg: Buffer, from: number, end: number, dir: Direction, sink: SmbSink): void {
  let pos = from;
  for (let i = 0; i < MAX_NTLMSSP && pos < end; i++) {
    const at = msg.subarray(pos, end).indexOf(NTLMSSP_SIGNATURE);
    if (at < 0) return;
    parseNtlmssp(msg, pos + at, end, (key, value) => sink.emit(key, value, dir));
    pos += at + NTLMSSP_SIGNATURE.length;
  }
}
