/**
 * NetBIOS session service framing (RFC 1002 §4.3.1) and its direct-TCP form on port 445 (MS-SMB2 §2.1): a
 * 4-octet header (type, then a 24-bit big-endian length; RFC 1002's 17-bit length is a subset) before each
 * message. One framer per direction copies the first `MAX_KEPT_OCTETS` of each session message into its own
 * bounded buffer and hands it over once that prefix is complete; the rest of a long message (file data) is
 * skipped without copying. Never throws; anything that is not NetBIOS framing stops the direction.
 */

/** Octets of one message kept for parsing: Negotiate, Session Setup (NTLMSSP) and Tree Connect fit easily. */
export const MAX_KEPT_OCTETS = 8192;

const SESSION_MESSAGE = 0x00;
/** RFC 1002 §4.3.1 control packets: session request, positive/negative response, retarget, keep-alive. */
const CONTROL_TYPES = new Set([0x81, 0x82, 0x83, 0x84, 0x85]);

export class SmbFramer {
  /** True once the direction is not (or no longer) parseable: bad framing or lost bytes. */
  dead = false;
  private readonly header = Buffer.alloc(4);
  private headerHave = 0;
  /** Message body octets still to come: first kept, then skipped. */
  private remaining = 0;
  private keepWanted = 0;
  private kept: Buffer | null = null;
  private keptHave = 0;

  /** Feeds `buf[offset..offset+length)`; calls `onMessage(msg, n)` for each complete kept message prefix. */
  push(buf: Buffer, offset: number, length: number, onMessage: (msg: Buffer, n: number, total: number) => boolean): void {
    let pos = offset;
    const end = offset + length;
    while (pos < end && !this.dead) {
      if (this.remaining === 0) {
        const take = Math.min(4 - this.headerHave, end - pos);
        buf.copy(this.header, this.headerHave, pos, pos + take);
        this.headerHave += take;
        pos += take;
        if (this.headerHave < 4) return;
        this.headerHave = 0;
        const type = this.header[0];
        const total = (this.header[1] << 16) | (this.header[2] << 8) | this.header[3];
        if (type === SESSION_MESSAGE) {
          this.keepWanted = Math.min(total, MAX_KEPT_OCTETS);
          this.keptHave = 0;
          this.total = total;
        } else if (CONTROL_TYPES.has(type) && total <= 0x1ffff) {
          this.keepWanted = 0;
        } else {
          this.dead = true;
          return;
        }
        this.remaining = total;
        continue;
      }
      if (this.keptHave < this.keepWanted) {
        if (this.keptHave === 0 && end - pos >= this.keepWanted) {
          // The whole prefix is in this chunk (the usual case): read where it lies, copy nothing.
          const n = this.keepWanted;
          this.keptHave = n;
          this.remaining -= n;
          pos += n;
          if (!onMessage(buf.subarray(pos - n, pos), n, this.total)) {
            this.dead = true;
            return;
          }
          continue;
        }
        if (this.kept === null) this.kept = Buffer.alloc(MAX_KEPT_OCTETS);
        const take = Math.min(this.keepWanted - this.keptHave, end - pos);
        buf.copy(this.kept, this.keptHave, pos, pos + take);
        this.keptHave += take;
        this.remaining -= take;
        pos += take;
        if (this.keptHave === this.keepWanted && !onMessage(this.kept, this.keptHave, this.total)) {
          this.dead = true;
          return;
        }
        continue;
      }
      const skip = Math.min(this.remaining, end - pos);
      this.remaining -= skip;
      pos += skip;
    }
  }

  private total = 0;
}
