/**
 * Splits one direction of a TCP stream into messages that each follow a two-octet big-endian length, as
 * DNS over TCP does: "The message is prefixed with a two byte length field which gives the message
 * length, excluding the two byte length field" (RFC 1035 §4.2.2).
 *
 * A message that arrives whole inside one chunk is handed on in place; only one that straddles chunks is
 * copied, into one buffer per direction that grows to the largest such message and is reused. Nothing is
 * allocated per byte or per message otherwise.
 */
export type MessageHandler = (buf: Buffer, offset: number, length: number) => void;

export class LengthPrefixFramer {
  /** Once a gap has cost the framing, nothing more can be trusted to start at a message boundary. */
  lost = false;
  /** Length-prefix octets seen of the next message (0 or 1), and the first of them. */
  private prefixSeen = 0;
  private prefixHigh = 0;
  /** Length of the message being collected, or -1 while reading a length prefix. */
  private messageLength = -1;
  private filled = 0;
  /** Octets of an over-long message still to pass over. */
  private skipping = 0;
  private store: Buffer | null = null;

  /**
   * @param maxMessage Longest message buffered (at most 65535, the most two octets can say); longer ones are
   *   skipped, keeping the framing, so buffering per direction never exceeds this.
   */
  constructor(
    private readonly onMessage: MessageHandler,
    private readonly maxMessage = 0xffff,
  ) {}

  push(buf: Buffer, offset: number, length: number): void {
    if (this.lost) return;
    let pos = offset;
    const end = offset + length;
    while (pos < end) {
      if (this.skipping > 0) {
        const n = Math.min(this.skipping, end - pos);
        this.skipping -= n;
        pos += n;
      } else if (this.messageLength < 0) {
        let announced: number;
        if (this.prefixSeen === 0 && end - pos >= 2) {
          announced = (buf[pos] << 8) | buf[pos + 1];
          pos += 2;
        } else if (this.prefixSeen === 0) {
          this.prefixHigh = buf[pos++];
          this.prefixSeen = 1;
          continue;
        } else {
          announced = (this.prefixHigh << 8) | buf[pos++];
          this.prefixSeen = 0;
        }
        if (announced === 0) continue;
        if (announced > this.maxMessage) {
          this.skipping = announced;
        } else if (end - pos >= announced) {
          this.onMessage(buf, pos, announced);
          pos += announced;
        } else {
          this.messageLength = announced;
          this.filled = 0;
          if (this.store === null || this.store.length < announced) {
            this.store = Buffer.allocUnsafe(Math.min(this.maxMessage, Math.max(announced, 512, 2 * (this.store?.length ?? 0))));
          }
        }
      } else {
        const store = this.store as Buffer;
        const n = Math.min(this.messageLength - this.filled, end - pos);
        buf.copy(store, this.filled, pos, pos + n);
        this.filled += n;
        pos += n;
        if (this.filled === this.messageLength) {
          const messageLength = this.messageLength;
          this.messageLength = -1;
          this.onMessage(store, 0, messageLength);
        }
      }
    }
  }

  /**
   * `length` octets of this direction were lost. A gap inside a message costs only that message (its length
   * says where the next one starts); one that swallows a length prefix costs the framing for good.
   */
  gap(length: number): void {
    if (this.lost) return;
    const rest = this.skipping > 0 ? this.skipping : this.messageLength >= 0 ? this.messageLength - this.filled : 0;
    if (length >= 0 && length <= rest && this.prefixSeen === 0) {
      this.skipping = rest - length;
      this.messageLength = -1;
      return;
    }
    this.lost = true;
    this.store = null;
  }
}
