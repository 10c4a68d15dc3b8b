import { closeSync, openSync, writeSync } from 'node:fs';

/** Appends one JSON object per line, batching writes so output costs little per record. */
export class JsonlWriter {
  private fd: number;
  private pending: string[] = [];
  private pendingLength = 0;
  count = 0;

  constructor(readonly path: string) {
    this.fd = openSync(path, 'w');
  }

  write(value: unknown): void {
    const line = JSON.stringify(value) + '\n';
    this.pending.push(line);
    this.pendingLength += line.length;
    this.count++;
    if (this.pendingLength >= 256 * 1024) this.flush();
  }

  flush(): void {
    if (this.pending.length === 0) return;
    writeSync(this.fd, this.pending.join(''));
    this.pending = [];
    this.pendingLength = 0;
  }

  close(): void {
    if (this.fd < 0) return;
    this.flush();
    closeSync(this.fd);
    this.fd = -1;
  }
}
