/**
 * SMB1 (MS-CIFS §2.2): the 32-octet header, then WordCount, parameter words, ByteCount and data. Reads the
 * Negotiate dialect list and the server's choice (§2.2.4.52), Session Setup AndX security blobs (NTLMSSP),
 * and the Tree Connect AndX path (§2.2.4.55). Any SMB1 command other than a Negotiate, or a Negotiate answered
 * with an SMB1 dialect, means SMBv1 is in use.
 */
import type { Direction } from '../dissector.js';
import { scanNtlmssp } from './smb2.js';
import type { SmbSink } from './smb-sink.js';
import { smbText } from './smb-text.js';

const HEADER = 32;
const CMD_NEGOTIATE = 0x72;
const CMD_SESSION_SETUP_ANDX = 0x73;
const CMD_TREE_CONNECT_ANDX = 0x75;
const CMD_TRANSACTION2 = 0x32;
/** Trans2 SESSION_SETUP (MS-CIFS §2.2.6.16, reserved): unused by Windows, the DoublePulsar implant's channel. */
const STATUS_NOT_IMPLEMENTED = 0xc0000002;
const FLAGS_REPLY = 0x80;
const FLAGS2_UNICODE = 0x8000;
/** Dialect strings kept from one Negotiate. */
const MAX_DIALECTS = 32;

export function parseSmb1(msg: Buffer, n: number, dir: Direction, sink: SmbSink): void {
  if (n < HEADER + 1) return;
  const cmd = msg[4];
  const reply = (msg[9] & FLAGS_REPLY) !== 0;
  const unicode = (msg.readUInt16LE(10) & FLAGS2_UNICODE) !== 0;
  const wc = msg[HEADER];
  const words = HEADER + 1;
  const bcAt = words + 2 * wc;
  const bytes = bcAt + 2;
  const bytesEnd = bytes <= n ? Math.min(n, bytes + msg.readUInt16LE(bcAt)) : -1;

  if (cmd !== CMD_NEGOTIATE) sink.emit('smb.v1', true, dir);
  if (cmd === CMD_NEGOTIATE && !reply) {
    if (bytesEnd < 0) return;
    const dialects: string[] = [];
    let pos = bytes;
    while (pos < bytesEnd && msg[pos] === 0x02 && dialects.length < MAX_DIALECTS) {
      let nul = pos + 1;
      while (nul < bytesEnd && msg[nul] !== 0) nul++;
      if (nul >= bytesEnd) break;
      dialects.push(smbText(msg, pos + 1, nul, false));
      pos = nul + 1;
    }
    if (dialects.length > 0) {
      sink.offered = dialects;
      sink.emit('smb.dialects_offered', dialects, dir);
    }
  } else if (cmd === CMD_NEGOTIATE && reply) {
    if (wc < 1 || words + 2 > n || sink.offered === null) return;
    const index = msg.readUInt16LE(words);
    if (index >= sink.offered.length) return;
    const dialect = sink.offered[index];
    sink.emit('smb.dialect', dialect, dir);
    if (!dialect.startsWith('SMB 2.')) sink.emit('smb.v1', true, dir);
  } else if (cmd === CMD_SESSION_SETUP_ANDX) {
    scanNtlmssp(msg, HEADER, n, dir, sink);
    // Old clients chain a Tree Connect AndX behind the Session Setup (MS-CIFS §2.2.3.4): AndXCommand, AndXOffset.
    if (!reply && wc >= 2 && words + 4 <= n && msg[words] === CMD_TREE_CONNECT_ANDX) {
      const next = msg.readUInt16LE(words + 2);
      if (next >= bytes && next < n) treeConnect(msg, n, next, unicode, dir, sink);
    }
  } else if (cmd === CMD_TRANSACTION2) {
    trans2(msg, n, reply, wc, words, dir, sink);
  } else if (cmd === CMD_TREE_CONNECT_ANDX && !reply) {
    treeConnect(msg, n, HEADER, unicode, dir, sink);
  }
}

/** Tree Connect AndX request block at `at` (its WordCount): words AndXCommand, AndXReserved, AndXOffset, Flags,
 * PasswordLength; then password, path, service. */
function treeConnect(msg: Buffer, n: number, at: number, unicode: boolean, dir: Direction, sink: SmbSink): void {
  if (at + 1 + 8 + 2 > n || msg[at] !== 4) return;
  const words = at + 1;
  const bytes = words + 10;
  const bytesEnd = Math.min(n, bytes + msg.readUInt16LE(words + 8));
  let pos = bytes + msg.readUInt16LE(words + 6);
  if (unicode && pos % 2 === 1) pos++;
  if (pos >= bytesEnd) return;
  const path = smbText(msg, pos, bytesEnd, unicode);
  if (path !== '') sink.emit('smb.share', path, dir);
}

/**
 * TRANS2 (MS-CIFS §2.2.4.46): a request's subcommand is its first setup word (word 14, SetupCount at word 13).
 * DoublePulsar answers its Trans2 SESSION_SETUP ping with STATUS_NOT_IMPLEMENTED and a Multiplex ID raised by
 * 0x10 (0x51 when the implant is present, 0x52 for an unknown command: Countercept's and Zeek's signature).
 */
function trans2(msg: Buffer, n: number, reply: boolean, wc: number, words: number, dir: Direction, sink: SmbSink): void {
  if (!reply) {
    if (wc >= 15 && msg[words + 26] >= 1 && words + 30 <= n) sink.emit('smb.trans2_subcommand', `0x${msg.readUInt16LE(words + 28).toString(16).padStart(4, '0')}`, dir);
    return;
  }
  const mid = msg.readUInt16LE(30);
  if ((mid === 0x51 || mid === 0x52) && msg.readUInt32LE(5) === STATUS_NOT_IMPLEMENTED) sink.emit('smb.doublepulsar_reply', true, dir);
}
