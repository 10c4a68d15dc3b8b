/**
 * The LDAP dissector (RFC 4511 messages, RFC 4513 binds, StartTLS RFC 4511 §4.14): what a bind says about how
 * a client authenticates (version, simple or SASL and which mechanism, whether a password crossed in clear),
 * the bind's result, StartTLS, and whether searches name a base. The bind DN is not a secret but may name a
 * person: only that one was sent and its attribute types (`cn,ou,dc`) are kept, never its values; passwords
 * and SASL credentials are never read. Messages are framed by their BER length and at most MAX_KEEP octets of
 * each are looked at, so memory is fixed whatever the peer sends. After StartTLS is accepted, or a message
 * that is not an LDAPMessage (e.g. a SASL security layer), the side detaches. Keys: docs/observations.md.
 */
import type { Direction, Dissector, DissectorContext, DissectorSession } from '../dissector.js';
import { lengthOf, readSmallInteger, readTlv, type Tlv } from './ber.js';
import { dnAttributeTypes } from './dn-types.js';

export const LDAP_PORT = 389;
/** Active Directory's global catalog speaks the same protocol. */
export const LDAP_GC_PORT = 3268;
export const STARTTLS_OID = '1.3.6.1.4.1.1466.20037';
/** Octets of each message looked at: a bind, a bind response or the start of a search fits. */
const MAX_KEEP = 4096;
/** Messages read per side before detaching (a brute force over one connection is cut short). */
const MAX_MESSAGES = 1024;
/** Distinct values emitted per key (mechanisms, DN shapes, result codes...). */
const MAX_DISTINCT = 8;
/** Failed binds counted per session (the count is emitted with each failure). */
const MAX_FAILURES = 100;
const MAX_OID = 64;
const MAX_MECHANISM = 32;
/** RFC 4511 §4.1.9 resultCode invalidCredentials. */
const INVALID_CREDENTIALS = 49;

// RFC 4511 §4.2-4.12 protocolOp tags ([APPLICATION n], constructed unless noted).
const BIND_REQUEST = 0x60;
const BIND_RESPONSE = 0x61;
const SEARCH_REQUEST = 0x63;
const EXTENDED_REQUEST = 0x77;
const EXTENDED_RESPONSE = 0x78;
const SEQUENCE = 0x30;
const INTEGER = 0x02;
const OCTET_STRING = 0x04;
const ENUMERATED = 0x0a;
const AUTH_SIMPLE = 0x80;
const AUTH_SASL = 0xa3;
const REQUEST_NAME = 0x80;

export class LdapDissector implements Dissector {
  readonly name = 'ldap';
  readonly udpPorts: readonly number[] = [];
  readonly tcpPorts: readonly number[] = [LDAP_PORT, LDAP_GC_PORT];
  readonly reassemble = true;

  open(ctx: DissectorContext): DissectorSession {
    return new LdapSession(ctx);
  }
}

/** One direction's framing: the message header being read, then the kept part of its body. */
class Framer {
  private readonly header = Buffer.alloc(6);
  private headerLength = 0;
  private body: Buffer | null = null;
  private bodyLength = 0;
  private kept = 0;
  private seen = 0;
  messages = 0;
  broken = false;

  /** Feeds `buf[pos..end)`, calling `onMessage(body, kept)` per complete message; stops early when it returns false. */
  push(buf: Buffer, pos: number, end: number, onMessage: (body: Buffer, kept: number) => boolean): void {
    while (pos < end && !this.broken) {
      if (this.body === null) {
        this.header[this.headerLength++] = buf[pos++];
        if (this.header[0] !== SEQUENCE) {
          this.broken = true;
          return;
        }
        if (this.headerLength < 2) continue;
        const need = this.header[1] < 0x80 ? 2 : 2 + (this.header[1] & 0x7f);
        if (this.header[1] === 0x80 || need > 6) {
          // Indefinite or over-long length: not an LDAPMessage (RFC 4511 §5.1).
          this.broken = true;
          return;
        }
        if (this.headerLength < need) continue;
        this.bodyLength = lengthOf(this.header, 1, this.headerLength)!.length;
        this.body = Buffer.alloc(Math.min(this.bodyLength, MAX_KEEP));
        this.kept = 0;
        this.seen = 0;
      }
      const take = Math.min(end - pos, this.bodyLength - this.seen);
      const keep = Math.min(take, this.body.length - this.kept);
      if (keep > 0) buf.copy(this.body, this.kept, pos, pos + keep);
      this.kept += keep;
      this.seen += take;
      pos += take;
      if (this.seen === this.bodyLength) {
        const body = this.body;
        this.body = null;
        this.headerLength = 0;
        this.messages++;
        if (!onMessage(body, this.kept)) return;
      }
    }
  }
}

class LdapSession implements DissectorSession {
  private readonly framers: [Framer, Framer] = [new Framer(), new Framer()];
  private readonly finished: [boolean, boolean] = [false, false];
  private readonly emitted = new Map<string, Set<string>>();
  private startTlsId = -1;
  private failures = 0;

  constructor(private readonly ctx: DissectorContext) {}

  get done(): boolean {
    return this.finished[0] && this.finished[1];
  }

  data(dir: Direction, buf: Buffer, offset: number, length: number): void {
    if (this.finished[dir] || offset < 0 || length <= 0 || offset + length > buf.length) return;
    const framer = this.framers[dir];
    framer.push(buf, offset, offset + length, (body, kept) => {
      this.message(dir, body, kept);
      if (framer.messages >= MAX_MESSAGES) this.finished[dir] = true;
      return !this.finished[dir];
    });
    if (framer.broken) this.finished[dir] = true;
  }

  gap(dir: Direction): void {
    this.finished[dir] = true;
  }

  /** LDAPMessage ::= SEQUENCE { messageID INTEGER, protocolOp CHOICE, controls [0] OPTIONAL } (RFC 4511 §4.1.1). */
  private message(dir: Direction, body: Buffer, kept: number): void {
    const id = readTlv(body, 0, kept);
    if (id === null || id.tag !== INTEGER) return;
    const messageId = readSmallInteger(body, id);
    const op = readHeader(body, id.end, kept);
    if (messageId === null || op === null) return;
    if (dir === 0) {
      if (op.tag === BIND_REQUEST) this.bindRequest(body, op);
      else if (op.tag === SEARCH_REQUEST) this.searchRequest(body, op);
      else if (op.tag === EXTENDED_REQUEST) this.extendedRequest(body, op, messageId);
    } else if (op.tag === BIND_RESPONSE || op.tag === EXTENDED_RESPONSE) {
      const code = readTlv(body, op.start, op.end);
      const result = code !== null && code.tag === ENUMERATED ? readSmallInteger(body, code) : null;
      if (result === null) return;
      if (op.tag === BIND_RESPONSE) {
        this.once('ldap.bind_result', result, 1);
        if (result === INVALID_CREDENTIALS && this.failures < MAX_FAILURES) this.ctx.emit('ldap.auth_failed', ++this.failures, 1);
      } else if (messageId === this.startTlsId && result === 0) {
        // What follows on both sides is TLS.
        this.ctx.emit('ldap.starttls_accepted', true, 1);
        this.finished[0] = true;
        this.finished[1] = true;
      }
    }
  }

  /** BindRequest ::= [APPLICATION 0] SEQUENCE { version INTEGER, name LDAPDN, authentication CHOICE { simple [0], sasl [3] } }. */
  private bindRequest(body: Buffer, op: Tlv): void {
    const version = readTlv(body, op.start, op.end);
    if (version === null || version.tag !== INTEGER) return;
    const name = readTlv(body, version.end, op.end);
    if (name === null || name.tag !== OCTET_STRING) return;
    const auth = readHeader(body, name.end, op.end);
    if (auth === null || (auth.tag !== AUTH_SIMPLE && auth.tag !== AUTH_SASL)) return;
    const v = readSmallInteger(body, version);
    if (v !== null) this.once('ldap.bind_version', v, 0);
    const hasName = name.end > name.start;
    if (hasName) {
      this.once('ldap.bind_dn_seen', true, 0);
      const types = dnAttributeTypes(body.toString('utf8', name.start, name.end));
      if (types !== '') this.once('ldap.bind_dn_types', types, 0);
    }
    if (auth.tag === AUTH_SIMPLE) {
      // RFC 4513 §5.1: an empty password is an anonymous bind (no name) or an unauthenticated one (a name).
      const password = auth.end > auth.start;
      this.once('ldap.bind_method', password ? 'simple' : hasName ? 'unauthenticated' : 'anonymous', 0);
      if (password) this.once('ldap.simple_bind_seen', true, 0);
    } else {
      this.once('ldap.bind_method', 'sasl', 0);
      const mech = readTlv(body, auth.start, auth.end);
      if (mech !== null && mech.tag === OCTET_STRING && mech.end - mech.start <= MAX_MECHANISM) {
        const name = body.toString('latin1', mech.start, mech.end);
        // RFC 4422 §3.1: upper-case letters, digits, `-` and `_`.
        if (/^[A-Za-z0-9_-]+$/.test(name)) this.once('ldap.sasl_mechanism', name.toUpperCase(), 0);
      }
    }
  }

  /** SearchRequest ::= [APPLICATION 3] SEQUENCE { baseObject LDAPDN, ... }: only whether a base is named. */
  private searchRequest(body: Buffer, op: Tlv): void {
    const base = readTlv(body, op.start, op.end);
    if (base !== null && base.tag === OCTET_STRING) this.once('ldap.search_base_seen', base.end > base.start, 0);
  }

  /** ExtendedRequest ::= [APPLICATION 23] SEQUENCE { requestName [0] LDAPOID, requestValue [1] OPTIONAL }. */
  private extendedRequest(body: Buffer, op: Tlv, messageId: number): void {
    const name = readTlv(body, op.start, op.end);
    if (name === null || name.tag !== REQUEST_NAME || name.end - name.start > MAX_OID) return;
    const oid = body.toString('latin1', name.start, name.end);
    if (!/^\d+(\.\d+)+$/.test(oid)) return;
    this.once('ldap.extended_request', oid, 0);
    if (oid === STARTTLS_OID) {
      this.startTlsId = messageId;
      this.once('ldap.starttls', true, 0);
    }
  }

  /** Emits `key`=`value` the first time that value is seen in this session (up to MAX_DISTINCT values per key). */
  private once(key: string, value: string | number | boolean, from: Direction): void {
    let seen = this.emitted.get(key);
    if (seen === undefined) {
      seen = new Set();
      this.emitted.set(key, seen);
    }
    const id = String(value);
    if (seen.has(id) || seen.size >= MAX_DISTINCT) return;
    seen.add(id);
    this.ctx.emit(key, value, from);
  }
}

/**
 * A constructed TLV's tag and bounds with its end clamped to `limit`: the kept part of a long message still
 * yields its leading fields (a search's base, a SASL bind's mechanism before its credentials).
 */
function readHeader(buf: Buffer, pos: number, limit: number): Tlv | null {
  if (pos + 2 > limit || (buf[pos] & 0x1f) === 0x1f) return null;
  const length = lengthOf(buf, pos + 1, limit);
  if (length === null) return null;
  const start = pos + 1 + length.octets;
  return { tag: buf[pos], start, end: Math.min(start + length.length, limit) };
}
