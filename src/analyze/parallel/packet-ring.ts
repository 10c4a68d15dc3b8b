/**
 * Single-producer single-consumer ring of packet records in a SharedArrayBuffer, so the reader
 * thread hands packets to a worker without a message per packet. Record layout (little endian):
 * u32 total length (0 = wrap to start), u32 caplen, u32 origLen, u32 tsSec, u32 tsNsec,
 * u32 linkType, f64 frameNumber, then the frame padded to 8 bytes.
 */
const CONTROL_WRITE = 0;
const CONTROL_READ = 1;
const CONTROL_CLOSED = 2;
/** 1 while the consumer sleeps for data, 2 while the producer sleeps for space. */
const CONTROL_SLEEPING = 3;
const CONTROL_INTS = 4;
/** Records between publications: a futex wake per record would cost more than the record. */
const PUBLISH_EVERY = 512;
export const RECORD_HEADER = 32;

export interface RingBuffers {
  control: SharedArrayBuffer;
  data: SharedArrayBuffer;
  /** One float: the time of the input's last packet, set when the ring closes. */
  clock: SharedArrayBuffer;
}

export function createRing(bytes: number): RingBuffers {
  return { control: new SharedArrayBuffer(CONTROL_INTS * 4), data: new SharedArrayBuffer(bytes), clock: new SharedArrayBuffer(8) };
}

export class RingProducer {
  private readonly control: Int32Array;
  private readonly buf: Buffer;
  private readonly size: number;
  private write = 0;
  private unpublished = 0;
  /** Times the producer had to wait for the consumer. */
  stalls = 0;

  private readonly clock: SharedArrayBuffer;

  constructor(ring: RingBuffers) {
    this.control = new Int32Array(ring.control);
    this.buf = Buffer.from(ring.data);
    this.size = ring.data.byteLength;
    this.clock = ring.clock;
  }

  push(frame: Buffer, offset: number, caplen: number, origLen: number, tsSec: number, tsNsec: number, linkType: number, frameNumber: number): void {
    const need = RECORD_HEADER + ((caplen + 7) & ~7);
    if (need + 8 > this.size) throw new Error(`packet of ${caplen} bytes does not fit the worker ring`);
    if (this.write + need > this.size) {
      // Not enough room before the end: leave a wrap marker and continue at the start.
      this.waitForSpace(this.size - this.write + need);
      if (this.size - this.write >= 4) this.buf.writeUInt32LE(0, this.write);
      this.write = 0;
      this.publish();
    } else this.waitForSpace(need);
    const b = this.buf;
    const w = this.write;
    b.writeUInt32LE(need, w);
    b.writeUInt32LE(caplen, w + 4);
    b.writeUInt32LE(origLen, w + 8);
    b.writeUInt32LE(tsSec, w + 12);
    b.writeUInt32LE(tsNsec, w + 16);
    b.writeUInt32LE(linkType, w + 20);
    b.writeDoubleLE(frameNumber, w + 24);
    b.set(frame.subarray(offset, offset + caplen), w + RECORD_HEADER);
    this.write = w + need === this.size ? 0 : w + need;
    if (++this.unpublished >= PUBLISH_EVERY) this.publish();
  }

  publish(): void {
    this.unpublished = 0;
    Atomics.store(this.control, CONTROL_WRITE, this.write);
    // Wake the consumer only when it sleeps: the wake is a system call.
    if (Atomics.load(this.control, CONTROL_SLEEPING) === 1) Atomics.notify(this.control, CONTROL_WRITE);
  }

  /** No more records; `lastTs` is the input's last packet time, across all rings. */
  close(lastTs: number): void {
    new Float64Array(this.clock)[0] = lastTs;
    this.publish();
    Atomics.store(this.control, CONTROL_CLOSED, 1);
    Atomics.notify(this.control, CONTROL_WRITE);
  }

  /** Bytes in use, seen from the producer: between the consumer's read and our write. */
  private used(): number {
    const read = Atomics.load(this.control, CONTROL_READ);
    return this.write >= read ? this.write - read : this.size - read + this.write;
  }

  private waitForSpace(need: number): void {
    // Keep one byte free so write === read always means empty.
    while (this.size - this.used() <= need) {
      this.publish();
      this.stalls++;
      const read = Atomics.load(this.control, CONTROL_READ);
      Atomics.store(this.control, CONTROL_SLEEPING, 2);
      if (this.size - this.used() <= need) Atomics.wait(this.control, CONTROL_READ, read, 50);
      Atomics.store(this.control, CONTROL_SLEEPING, 0);
    }
  }
}

export interface RingRecord {
  buf: Buffer;
  offset: number;
  caplen: number;
  origLen: number;
  tsSec: number;
  tsNsec: number;
  linkType: number;
  frameNumber: number;
}

export class RingConsumer {
  private readonly control: Int32Array;
  private readonly buf: Buffer;
  private readonly size: number;
  private read = 0;
  private consumed = 0;
  private readonly clock: Float64Array;

  constructor(ring: RingBuffers) {
    this.control = new Int32Array(ring.control);
    this.buf = Buffer.from(ring.data);
    this.size = ring.data.byteLength;
    this.clock = new Float64Array(ring.clock);
  }

  /** The input's last packet time, valid once `drain` has returned. */
  get lastTs(): number {
    return this.clock[0];
  }

  /** Calls `each` for every record until the producer closes the ring. Blocks between batches. */
  drain(each: (r: RingRecord) => void): void {
    const rec: RingRecord = { buf: this.buf, offset: 0, caplen: 0, origLen: 0, tsSec: 0, tsNsec: 0, linkType: 0, frameNumber: 0 };
    const b = this.buf;
    for (;;) {
      const write = Atomics.load(this.control, CONTROL_WRITE);
      if (write === this.read) {
        if (Atomics.load(this.control, CONTROL_CLOSED) === 1 && Atomics.load(this.control, CONTROL_WRITE) === this.read) return;
        this.release();
        Atomics.store(this.control, CONTROL_SLEEPING, 1);
        // Re-check after announcing sleep, so a publication in between is not missed.
        if (Atomics.load(this.control, CONTROL_WRITE) === write) Atomics.wait(this.control, CONTROL_WRITE, write, 50);
        Atomics.store(this.control, CONTROL_SLEEPING, 0);
        continue;
      }
      while (this.read !== write) {
        if (this.size - this.read < 4 || b.readUInt32LE(this.read) === 0) {
          this.read = 0;
          continue;
        }
        const r = this.read;
        const need = b.readUInt32LE(r);
        rec.caplen = b.readUInt32LE(r + 4);
        rec.origLen = b.readUInt32LE(r + 8);
        rec.tsSec = b.readUInt32LE(r + 12);
        rec.tsNsec = b.readUInt32LE(r + 16);
        rec.linkType = b.readUInt32LE(r + 20);
        rec.frameNumber = b.readDoubleLE(r + 24);
        rec.offset = r + RECORD_HEADER;
        each(rec);
        this.read = r + need === this.size ? 0 : r + need;
        if (++this.consumed >= PUBLISH_EVERY) this.release();
      }
    }
  }

  private release(): void {
    this.consumed = 0;
    Atomics.store(this.control, CONTROL_READ, this.read);
    if (Atomics.load(this.control, CONTROL_SLEEPING) === 2) Atomics.notify(this.control, CONTROL_READ);
  }
}
