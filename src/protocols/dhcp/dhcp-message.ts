

const EMPTY = Buffer.alloc(0);/**
 * DHCPv4 / BOOTP message layout (RFC 2131 §2, RFC 951) and an option walker over the caller's Buffer that
 * allocates nothing: the dissector asks for what it needs as it goes.
 */

/** RFC 2131 §2: op, htype, hlen, hops, xid, secs, flags, ciaddr, yiaddr, siaddr, giaddr, chaddr, sname, file. */
export const BOOTP_FIXED_LENGTH = 236;
/** RFC 2131 §3: "the first four octets of the 'options' field ... 99, 130, 83 and 99". */
export const MAGIC_COOKIE = 0x63825363;
export const OP_BOOTREQUEST = 1;
export const OP_BOOTREPLY = 2;

export const Offset = {
  op: 0,
  htype: 1,
  hlen: 2,
  ciaddr: 12,
  yiaddr: 16,
  siaddr: 20,
  giaddr: 24,
  chaddr: 28,
  sname: 44,
  file: 108,
  cookie: 236,
  options: 240,
} as const;

/** RFC 2132 option codes Vigil reads. */
export const DhcpOption = {
  PAD: 0,
  HOSTNAME: 12,
  VENDOR_SPECIFIC: 43,
  REQUESTED_IP: 50,
  LEASE_TIME: 51,
  OVERLOAD: 52,
  MESSAGE_TYPE: 53,
  SERVER_ID: 54,
  PARAM_REQUEST_LIST: 55,
  VENDOR_CLASS: 60,
  CLIENT_ID: 61,
  CLIENT_FQDN: 81,
  RELAY_AGENT: 82,
  END: 255,
} as const;

/** RFC 2132 §9.6. */
export const DhcpMessageType = {
  DISCOVER: 1,
  OFFER: 2,
  REQUEST: 3,
  DECLINE: 4,
  ACK: 5,
  NAK: 6,
  RELEASE: 7,
  INFORM: 8,
} as const;

/**
 * Cursor over the options of one message, in the order RFC 2131 §4.1 gives when option 52 overloads the
 * header fields: "the 'file' field MUST be interpreted next ... followed by the 'sname' field". Each region
 * ends at its end, at an END option, or at the first option whose length runs past it.
 */
export class DhcpOptionReader {
  buf: Buffer = EMPTY;
  /** The current option: code, and value `buf[valueOffset..valueOffset+valueLength)`. */
  code = 0;
  valueOffset = 0;
  valueLength = 0;
  /** An option overran its region (the message is truncated or malformed). */
  malformed = false;
  /** The options field ended with an END option (so the message was not cut short inside it). */
  ended = false;

  private start = 0;
  private pos = 0;
  private regionEnd = 0;
  /** 0: options field, 1: file, 2: sname, 3: finished. */
  private region = 0;
  /** Option 52's value, once seen in the options field (RFC 2132 §9.3: 1 file, 2 sname, 3 both). */
  private overload = 0;

  /** Reads the message `buf[offset..offset+length)`; false if it is not a BOOTP message with the DHCP cookie. */
  reset(buf: Buffer, offset: number, length: number): boolean {
    this.buf = buf;
    this.start = offset;
    this.malformed = false;
    this.ended = false;
    this.overload = 0;
    this.region = 3;
    if (offset < 0 || length < Offset.options || offset + length > buf.length) return false;
    if (buf.readUInt32BE(offset + Offset.cookie) !== MAGIC_COOKIE) return false;
    this.region = 0;
    this.pos = offset + Offset.options;
    this.regionEnd = offset + length;
    return true;
  }

  /** Moves to the next option (skipping PAD) and returns true; false when there are no more. */
  next(): boolean {
    const buf = this.buf;
    for (;;) {
      if (this.region === 3) return false;
      if (this.pos >= this.regionEnd) {
        this.nextRegion();
        continue;
      }
      const code = buf[this.pos];
      if (code === DhcpOption.PAD) {
        this.pos++;
        continue;
      }
      if (code === DhcpOption.END) {
        if (this.region === 0) this.ended = true;
        this.nextRegion();
        continue;
      }
      if (this.pos + 2 > this.regionEnd || this.pos + 2 + buf[this.pos + 1] > this.regionEnd) {
        this.malformed = true;
        this.nextRegion();
        continue;
      }
      this.code = code;
      this.valueLength = buf[this.pos + 1];
      this.valueOffset = this.pos + 2;
      this.pos = this.valueOffset + this.valueLength;
      if (code === DhcpOption.OVERLOAD && this.region === 0 && this.valueLength === 1) this.overload = buf[this.valueOffset] & 3;
      return true;
    }
  }

  private nextRegion(): void {
    if (this.region === 0 && (this.overload & 1) !== 0) {
      this.region = 1;
      this.pos = this.start + Offset.file;
      this.regionEnd = this.pos + 128;
    } else if (this.region <= 1 && (this.overload & 2) !== 0) {
      this.region = 2;
      this.pos = this.start + Offset.sname;
      this.regionEnd = this.pos + 64;
    } else {
      this.region = 3;
    }
  }
}
