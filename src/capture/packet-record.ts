/**
 * One captured frame as a view into the reader's current chunk. The reader reuses a single
 * instance for every packet: consumers must copy what they keep past the callback.
 */
export class PacketRecord {
  /** Buffer holding the frame; valid only during the callback. */
  buf: Buffer = Buffer.alloc(0);
  /** Offset of the first byte of the frame in `buf`. */
  offset = 0;
  /** Bytes captured (may be less than `origLen` when the capture was cut by snaplen). */
  caplen = 0;
  /** Length of the frame on the wire. */
  origLen = 0;
  /** Timestamp: whole seconds since the epoch. */
  tsSec = 0;
  /** Timestamp: nanoseconds within the second. */
  tsNsec = 0;
  /** LINKTYPE_* of the interface the frame came from. */
  linkType = 0;
  /** pcapng interface id (0 for pcap). */
  interfaceId = 0;
  /** Byte offset of the record in the (decompressed) capture stream, for error messages. */
  fileOffset = 0;
  /** 1-based frame number across the whole capture, as Wireshark counts. */
  frameNumber = 0;

  /** Timestamp as floating seconds (microsecond precision survives in a double). */
  get ts(): number {
    return this.tsSec + this.tsNsec / 1e9;
  }
}
