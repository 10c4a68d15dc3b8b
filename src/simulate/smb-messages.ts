/**
 * SMB messages a Windows client and server exchange to map a share: SMB1 (MS-CIFS) and SMB2/3 (MS-SMB2)
 * negotiate, session setup carrying SPNEGO (RFC 4178) around NTLMSSP (MS-NLMP), tree connect. Every message
 * is framed for direct TCP on port 445 (a zero byte and a 24-bit length, MS-SMB2 §2.1). No password exists:
 * challenges, responses, keys and signatures are random bytes.
 */
import { ByteWriter, be32 } from './bytes.js';
import type { Rng } from './rng.js';

export const STATUS_SUCCESS = 0;
export const STATUS_MORE_PROCESSING_REQUIRED = 0xc0000016;

const SMB2_NEGOTIATE = 0, SMB2_SESSION_SETUP = 1, SMB2_LOGOFF = 2, SMB2_TREE_CONNECT = 3, SMB2_TREE_DISCONNECT = 4;

export const DIALECT_CODES: Record<string, number> = { '2.0.2': 0x0202, '2.1': 0x0210, '3.0': 0x0300, '3.0.2': 0x0302, '3.1.1': 0x0311 };

/** Windows FILETIME (100 ns since 1601) of a microsecond Unix time, as two 32-bit halves. */
function filetime(w: ByteWriter, us: number): void {
  const t = BigInt(Math.round(us)) * 10n + 116444736000000000n;
  w.u32le(Number(t & 0xffffffffn)).u32le(Number(t >> 32n));
}

function utf16(s: string): Buffer {
  return Buffer.from(s, 'utf16le');
}

function random(rng: Rng, n: number): Buffer {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i += 4) b.writeUInt32LE(rng.u32(), Math.min(i, n - 4));
  return b;
}

/** Direct-TCP framing: zero, then the message length in 24 bits. */
function frame(msg: Buffer): Buffer {
  const b = Buffer.alloc(4 + msg.length);
  be32(b, 0, msg.length);
  msg.copy(b, 4);
  return b;
}

// ---------------------------------------------------------------------------------------------
// ASN.1 DER for SPNEGO

function der(tag: number, ...parts: Buffer[]): Buffer {
  const body = Buffer.concat(parts);
  const n = body.length;
  const len = n < 128 ? [n] : n < 256 ? [0x81, n] : [0x82, n >> 8, n & 255];
  return Buffer.concat([Buffer.from([tag, ...len]), body]);
}
function oid(hex: string): Buffer {
  return der(0x06, Buffer.from(hex, 'hex'));
}
const OID_SPNEGO = oid('2b0601050502');
const OID_NTLMSSP = oid('2b06010401823702020a');
const OID_NEGOEX = oid('2b06010401823702021e');
const OID_MS_KRB5 = oid('2a864882f712010202');
const OID_KRB5 = oid('2a864886f712010202');
const OID_KRB5_U2U = oid('2a864886f71201020203');

/** The server's NegTokenInit2 in the Negotiate response: the mechanisms it accepts (MS-SPNG §2.2.1). */
function spnegoServerInit(): Buffer {
  const mechs = der(0xa0, der(0x30, OID_NEGOEX, OID_MS_KRB5, OID_KRB5, OID_KRB5_U2U, OID_NTLMSSP));
  const hints = der(0xa3, der(0x30, der(0xa0, der(0x1b, Buffer.from('not_defined_in_RFC4178@please_ignore')))));
  return der(0x60, OID_SPNEGO, der(0xa0, der(0x30, mechs, hints)));
}
function spnegoInit(token: Buffer): Buffer {
  return der(0x60, OID_SPNEGO, der(0xa0, der(0x30, der(0xa0, der(0x30, OID_NTLMSSP)), der(0xa2, der(0x04, token)))));
}
/** NegTokenResp: state 0 accept-completed, 1 accept-incomplete; `mech` names NTLMSSP in the server's first reply. */
function spnegoResp(state: number | null, token: Buffer | null, mech = false): Buffer {
  const parts: Buffer[] = [];
  if (state !== null) parts.push(der(0xa0, der(0x0a, Buffer.from([state]))));
  if (mech) parts.push(der(0xa1, OID_NTLMSSP));
  if (token) parts.push(der(0xa2, der(0x04, token)));
  return der(0xa1, der(0x30, ...parts));
}

// ---------------------------------------------------------------------------------------------
// NTLMSSP (MS-NLMP §2.2.1)

const SIGNATURE = Buffer.from('NTLMSSP\0', 'latin1');
/** Flags as Windows sets them (56, key exchange, 128, version, target info, extended session security, always sign, NTLM, sign, request target, OEM, Unicode). */
const NEGOTIATE_FLAGS = 0xe2088297;
const CHALLENGE_FLAGS = 0xe28a8215;
const AUTHENTICATE_FLAGS = 0xe2888215;
/** NTLMSSP_REVISION_W2K3 (MS-NLMP §2.2.2.10). */
const NTLM_REVISION = 15;

function version(w: ByteWriter, nt: string): void {
  const [major, minor, build] = nt.split('.').map(Number);
  w.u8(major).u8(minor).u16le(build).zeros(3).u8(NTLM_REVISION);
}

export function ntlmNegotiate(nt: string): Buffer {
  const w = new ByteWriter(40);
  w.bytes(SIGNATURE).u32le(1).u32le(NEGOTIATE_FLAGS);
  // Domain and workstation fields empty (offset at the payload start, as Windows writes them).
  w.u16le(0).u16le(0).u32le(40).u16le(0).u16le(0).u32le(40);
  version(w, nt);
  return w.done();
}

export interface NtlmServer { nbDomain: string; nbComputer: string; dnsDomain: string; dnsComputer: string; nt: string }

function avPairs(s: NtlmServer, us: number, extra?: (w: ByteWriter) => void): Buffer {
  const w = new ByteWriter(256);
  const av = (id: number, v: Buffer) => w.u16le(id).u16le(v.length).bytes(v);
  av(2, utf16(s.nbDomain));
  av(1, utf16(s.nbComputer));
  av(4, utf16(s.dnsDomain));
  av(3, utf16(s.dnsComputer));
  av(5, utf16(s.dnsDomain));
  w.u16le(7).u16le(8);
  filetime(w, us);
  extra?.(w);
  w.u16le(0).u16le(0);
  return w.done();
}

export function ntlmChallenge(s: NtlmServer, rng: Rng, us: number): Buffer {
  const name = utf16(s.nbDomain);
  const info = avPairs(s, us);
  const w = new ByteWriter(56 + name.length + info.length);
  w.bytes(SIGNATURE).u32le(2);
  w.u16le(name.length).u16le(name.length).u32le(56);
  w.u32le(CHALLENGE_FLAGS).bytes(random(rng, 8)).zeros(8);
  w.u16le(info.length).u16le(info.length).u32le(56 + name.length);
  version(w, s.nt);
  return Buffer.concat([w.done(), name, info]);
}

/**
 * AUTHENTICATE with an NTLMv2 response (§2.2.2.8): NTProofStr and the client blob (timestamp, client
 * challenge, the server's AV pairs plus MsvAvFlags "MIC present" and the target SPN); LMv2 zeroed as
 * Windows does when a timestamp is present; random session key and MIC.
 */
export function ntlmAuthenticate(client: { nt: string; domain: string; user: string; workstation: string }, server: NtlmServer, spn: string, rng: Rng, us: number): Buffer {
  const info = avPairs(server, us, (w) => {
    w.u16le(6).u16le(4).u32le(2);
    const t = utf16(spn);
    w.u16le(9).u16le(t.length).bytes(t);
  });
  const blob = new ByteWriter(32 + info.length);
  blob.u8(1).u8(1).zeros(6);
  filetime(blob, us);
  blob.bytes(random(rng, 8)).zeros(4).bytes(info).zeros(4);
  const nt = Buffer.concat([random(rng, 16), blob.done()]);
  const lm = Buffer.alloc(24);
  const domain = utf16(client.domain), user = utf16(client.user), ws = utf16(client.workstation), key = random(rng, 16);
  const w = new ByteWriter(512);
  w.bytes(SIGNATURE).u32le(3);
  // Payload order as Windows writes it: domain, user, workstation, LM, NT, session key.
  let off = 88;
  const fieldAt = (b: Buffer): number => {
    const at = off;
    off += b.length;
    return at;
  };
  const dOff = fieldAt(domain), uOff = fieldAt(user), wOff = fieldAt(ws), lOff = fieldAt(lm), nOff = fieldAt(nt), kOff = fieldAt(key);
  const f = (b: Buffer, at: number) => w.u16le(b.length).u16le(b.length).u32le(at);
  f(lm, lOff);
  f(nt, nOff);
  f(domain, dOff);
  f(user, uOff);
  f(ws, wOff);
  f(key, kOff);
  w.u32le(AUTHENTICATE_FLAGS);
  version(w, client.nt);
  w.bytes(random(rng, 16));
  w.bytes(domain).bytes(user).bytes(ws).bytes(lm).bytes(nt).bytes(key);
  return w.done();
}

// ---------------------------------------------------------------------------------------------
// SMB2 (MS-SMB2 §2.2)

export interface Smb2Ctx { messageId: number; sessionId: bigint; treeId: number; signed: boolean }

function smb2Header(w: ByteWriter, cmd: number, ctx: Smb2Ctx, response: boolean, status: number, rng: Rng, credits = 1): void {
  w.u8(0xfe).text('SMB').u16le(64).u16le(1).u32le(status).u16le(cmd).u16le(response ? Math.max(credits, 1) : credits);
  // Flags: SERVER_TO_REDIR on responses, SIGNED once the session signs.
  w.u32le((response ? 1 : 0) | (ctx.signed ? 8 : 0)).u32le(0);
  w.u32le(ctx.messageId).u32le(0);
  w.u32le(response ? 0xfeff : 0xfeff).u32le(ctx.treeId);
  w.u32le(Number(ctx.sessionId & 0xffffffffn)).u32le(Number(ctx.sessionId >> 32n));
  if (ctx.signed) w.bytes(random(rng, 16));
  else w.zeros(16);
}

function pad8(w: ByteWriter): void {
  while (w.pos % 8 !== 0) w.u8(0);
}

/**
 * NEGOTIATE request (§2.2.3). 3.1.1 adds the negotiate contexts Windows 10 sends: preauth integrity (SHA-512
 * and a salt), encryption ciphers, and the server's name (NETNAME).
 */
export function smb2NegotiateRequest(ctx: Smb2Ctx, dialects: string[], rng: Rng, serverName: string): Buffer {
  const w = new ByteWriter(256);
  smb2Header(w, SMB2_NEGOTIATE, ctx, false, 0, rng, 0);
  const codes = dialects.map((d) => DIALECT_CODES[d]);
  const v311 = codes.includes(0x0311);
  w.u16le(36).u16le(codes.length).u16le(1).u16le(0);
  w.u32le(codes.some((c) => c >= 0x0300) ? 0x7f : 0);
  w.bytes(random(rng, 16));
  const ctxOffAt = w.mark();
  w.u32le(0).u16le(v311 ? 3 : 0).u16le(0);
  for (const c of codes) w.u16le(c);
  if (v311) {
    pad8(w);
    w.buf.writeUInt32LE(w.pos, ctxOffAt);
    w.u16le(1).u16le(38).u32le(0).u16le(1).u16le(32).u16le(1).bytes(random(rng, 32));
    pad8(w);
    w.u16le(2).u16le(10).u32le(0).u16le(4).u16le(2).u16le(1).u16le(4).u16le(3);
    pad8(w);
    const name = utf16(serverName);
    w.u16le(5).u16le(name.length).u32le(0).bytes(name);
  }
  return frame(w.done());
}

/** NEGOTIATE response (§2.2.4) choosing `dialect` (0x02FF answers an SMB1 multi-protocol negotiate). */
export function smb2NegotiateResponse(ctx: Smb2Ctx, dialect: number, serverGuid: Buffer, signingRequired: boolean, rng: Rng, us: number, bootUs: number): Buffer {
  const w = new ByteWriter(512);
  smb2Header(w, SMB2_NEGOTIATE, ctx, true, 0, rng);
  const blob = spnegoServerInit();
  const v311 = dialect === 0x0311;
  w.u16le(65).u16le(signingRequired ? 3 : 1).u16le(dialect).u16le(v311 ? 2 : 0);
  w.bytes(serverGuid);
  w.u32le(dialect >= 0x0300 ? 0x2f : dialect === 0x0210 ? 0x07 : 0x01);
  w.u32le(8388608).u32le(8388608).u32le(8388608);
  filetime(w, us);
  filetime(w, bootUs);
  w.u16le(128).u16le(blob.length);
  const ctxOffAt = w.mark();
  w.u32le(0);
  w.bytes(blob);
  if (v311) {
    pad8(w);
    w.buf.writeUInt32LE(w.pos, ctxOffAt);
    w.u16le(1).u16le(38).u32le(0).u16le(1).u16le(32).u16le(1).bytes(random(rng, 32));
    pad8(w);
    w.u16le(2).u16le(4).u32le(0).u16le(1).u16le(2);
  }
  return frame(w.done());
}

export function smb2SessionSetupRequest(ctx: Smb2Ctx, token: Buffer, first: boolean, rng: Rng): Buffer {
  const blob = first ? spnegoInit(token) : spnegoResp(null, token);
  const w = new ByteWriter(128 + blob.length);
  smb2Header(w, SMB2_SESSION_SETUP, ctx, false, 0, rng, 1);
  w.u16le(25).u8(0).u8(1).u32le(1).u32le(0).u16le(88).u16le(blob.length).u32le(0).u32le(0);
  w.bytes(blob);
  return frame(w.done());
}

export function smb2SessionSetupResponse(ctx: Smb2Ctx, token: Buffer | null, status: number, rng: Rng): Buffer {
  const blob = token ? spnegoResp(1, token, true) : spnegoResp(0, null);
  const w = new ByteWriter(96 + blob.length);
  smb2Header(w, SMB2_SESSION_SETUP, ctx, true, status, rng);
  w.u16le(9).u16le(0).u16le(72).u16le(blob.length).bytes(blob);
  return frame(w.done());
}

export function smb2TreeConnectRequest(ctx: Smb2Ctx, path: string, rng: Rng): Buffer {
  const p = utf16(path);
  const w = new ByteWriter(96 + p.length);
  smb2Header(w, SMB2_TREE_CONNECT, ctx, false, 0, rng);
  w.u16le(9).u16le(0).u16le(72).u16le(p.length).bytes(p);
  return frame(w.done());
}

/** TREE_CONNECT response: share type 1 disk or 2 pipe (IPC$). */
export function smb2TreeConnectResponse(ctx: Smb2Ctx, pipe: boolean, rng: Rng): Buffer {
  const w = new ByteWriter(96);
  smb2Header(w, SMB2_TREE_CONNECT, ctx, true, 0, rng);
  w.u16le(16).u8(pipe ? 2 : 1).u8(0).u32le(pipe ? 0x30 : 0x800).u32le(0).u32le(pipe ? 0x1f01ff : 0x1f01ff);
  return frame(w.done());
}

/** TREE_DISCONNECT (4) or LOGOFF (2) request or response: a structure size of 4 and nothing else. */
export function smb2Bye(ctx: Smb2Ctx, logoff: boolean, response: boolean, rng: Rng): Buffer {
  const w = new ByteWriter(72);
  smb2Header(w, logoff ? SMB2_LOGOFF : SMB2_TREE_DISCONNECT, ctx, response, 0, rng);
  w.u16le(4).u16le(0);
  return frame(w.done());
}

// ---------------------------------------------------------------------------------------------
// SMB1 (MS-CIFS §2.2)

const SMB1_DIALECTS = ['PC NETWORK PROGRAM 1.0', 'LANMAN1.0', 'Windows for Workgroups 3.1a', 'LM1.2X002', 'LANMAN2.1', 'NT LM 0.12'];
/** Flags2: Unicode, NT status, extended security, long names (as Windows 7 sets them). */
const FLAGS2 = 0xc807;

export interface Smb1Ctx { pid: number; mid: number; uid: number; tid: number }

function smb1Header(w: ByteWriter, cmd: number, ctx: Smb1Ctx, reply: boolean, status: number): void {
  w.u8(0xff).text('SMB').u8(cmd).u32le(status).u8(reply ? 0x98 : 0x18).u16le(FLAGS2).zeros(12);
  w.u16le(ctx.tid).u16le(ctx.pid).u16le(ctx.uid).u16le(ctx.mid);
}

/** The Negotiate a Windows 7 client opens with: the SMB1 dialects, plus `SMB 2.002` and `SMB 2.???` when it speaks SMB2. */
export function smb1NegotiateRequest(ctx: Smb1Ctx, smb2: boolean): Buffer {
  const w = new ByteWriter(256);
  smb1Header(w, 0x72, ctx, false, 0);
  w.u8(0);
  const bc = w.mark();
  w.u16le(0);
  for (const d of smb2 ? [...SMB1_DIALECTS, 'SMB 2.002', 'SMB 2.???'] : SMB1_DIALECTS) w.u8(2).text(d).u8(0);
  const b = w.done();
  b.writeUInt16LE(b.length - bc - 2, bc);
  return frame(b);
}

/** NT LM 0.12 Negotiate response with extended security (§2.2.4.52.2): server GUID and the SPNEGO hint. */
export function smb1NegotiateResponse(ctx: Smb1Ctx, serverGuid: Buffer, us: number): Buffer {
  const blob = spnegoServerInit();
  const w = new ByteWriter(256);
  smb1Header(w, 0x72, ctx, true, 0);
  w.u8(17).u16le(SMB1_DIALECTS.length - 1).u8(0x03).u16le(50).u16le(1).u32le(16644).u32le(65536).u32le(0);
  // Capabilities: extended security, large read/write, NT status, NT SMBs, Unicode, large files, RPC...
  w.u32le(0x8001e3fc);
  filetime(w, us);
  w.u16le(0).u8(0);
  w.u16le(16 + blob.length).bytes(serverGuid).bytes(blob);
  return frame(w.done());
}

function smb1Strings(w: ByteWriter, strings: string[]): void {
  // Unicode strings are aligned on two octets from the start of the SMB header (the frame's 4 octets excluded).
  if (w.pos % 2 === 1) w.u8(0);
  for (const s of strings) w.bytes(utf16(`${s}\0`));
}

export function smb1SessionSetupRequest(ctx: Smb1Ctx, blob: Buffer, nativeOs: string, nativeLanMan: string): Buffer {
  const w = new ByteWriter(512);
  smb1Header(w, 0x73, ctx, false, 0);
  w.u8(12).u8(0xff).u8(0).u16le(0).u16le(16644).u16le(50).u16le(0).u32le(0).u16le(blob.length).u32le(0).u32le(0x800000d4);
  return sessionSetupData(w, blob, nativeOs, nativeLanMan);
}

export function smb1SessionSetupResponse(ctx: Smb1Ctx, blob: Buffer, status: number, nativeOs: string, nativeLanMan: string): Buffer {
  const w = new ByteWriter(512);
  smb1Header(w, 0x73, ctx, true, status);
  w.u8(4).u8(0xff).u8(0).u16le(0).u16le(0).u16le(blob.length);
  return sessionSetupData(w, blob, nativeOs, nativeLanMan);
}

/** The data block of a SESSION_SETUP_ANDX request or response: byte count, security blob, native OS and LAN manager. */
function sessionSetupData(w: ByteWriter, blob: Buffer, nativeOs: string, nativeLanMan: string): Buffer {
  const bc = w.mark();
  w.u16le(0).bytes(blob);
  smb1Strings(w, [nativeOs, nativeLanMan, '']);
  const b = w.done();
  b.writeUInt16LE(b.length - bc - 2, bc);
  return frame(b);
}

export function smb1SessionBlob(token: Buffer, first: boolean): Buffer {
  return first ? spnegoInit(token) : spnegoResp(null, token);
}
export function smb1ServerBlob(token: Buffer | null): Buffer {
  return token ? spnegoResp(1, token, true) : spnegoResp(0, null);
}

/** Tree Connect AndX (§2.2.4.55): a one-octet empty password, the UNC path, service `?????` (any). */
export function smb1TreeConnectRequest(ctx: Smb1Ctx, path: string): Buffer {
  const w = new ByteWriter(256);
  smb1Header(w, 0x75, ctx, false, 0);
  w.u8(4).u8(0xff).u8(0).u16le(0).u16le(0x0008).u16le(1);
  const bc = w.mark();
  w.u16le(0).u8(0);
  smb1Strings(w, [path]);
  w.text('?????').u8(0);
  const b = w.done();
  b.writeUInt16LE(b.length - bc - 2, bc);
  return frame(b);
}

/** Tree Connect AndX response, extended form (WordCount 7): service `A:`, file system NTFS. */
export function smb1TreeConnectResponse(ctx: Smb1Ctx): Buffer {
  const w = new ByteWriter(128);
  smb1Header(w, 0x75, ctx, true, 0);
  w.u8(7).u8(0xff).u8(0).u16le(0).u16le(0x0001).u32le(0x001f01ff).u32le(0);
  const bc = w.mark();
  w.u16le(0).text('A:').u8(0);
  smb1Strings(w, ['NTFS']);
  const b = w.done();
  b.writeUInt16LE(b.length - bc - 2, bc);
  return frame(b);
}

/** Tree Disconnect (0x71) or Logoff AndX (0x74) request or response. */
export function smb1Bye(ctx: Smb1Ctx, logoff: boolean, reply: boolean): Buffer {
  const w = new ByteWriter(64);
  smb1Header(w, logoff ? 0x74 : 0x71, ctx, reply, 0);
  if (logoff) w.u8(2).u8(0xff).u8(0).u16le(0);
  else w.u8(0);
  w.u16le(0);
  return frame(w.done());
}
