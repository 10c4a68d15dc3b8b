/**
 * A file written through one reusable buffer and hashed as it is written, so an export's SHA-256 is of
 * exactly the octets on disk: the value the chain of custody records.
 */
import { createHash } from 'node:crypto';
import { closeSync, openSync, writeSync } from 'node:fs';

const BUFFER = 1 << 20;

export class HashedFile {
  private readonly fd: number;
  private readonly hash = createHash('sha256');
  private readonly out = Buffer.allocUnsafe(BUFFER);
  private pos = 0;
  private closed = false;
  bytes = 0;

  constructor(readonly path: string) {
    this.fd = openSync(path, 'w');
  }

  /** Appends `length` octets that `fill` writes at the offset it is given (returning the offset after them). */
  append(length: number, fill: (buf: Buffer, offset: number) => number): void {
    if (this.pos + length > BUFFER) this.flush();
    if (length > BUFFER) {
      const big = Buffer.allocUnsafe(length);
      fill(big, 0);
      this.emit(big, length);
    } else this.pos = fill(this.out, this.pos);
  }

  /** Writes what is buffered and closes; returns the octet count and SHA-256 of the whole file. */
  finish(): { bytes: number; sha256: string } {
    try {
      this.flush();
    } finally {
      this.close();
    }
    return { bytes: this.bytes, sha256: this.hash.digest('hex') };
  }

  /** Closes without finishing (after an error); safe to call after finish. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    closeSync(this.fd);
  }

  private flush(): void {
    this.emit(this.out, this.pos);
    this.pos = 0;
  }

  private emit(buf: Buffer, length: number): void {
    this.hash.update(buf.subarray(0, length));
    let off = 0;
    while (off < length) off += writeSync(this.fd, buf, off, length - off);
    this.bytes += length;
  }
}
