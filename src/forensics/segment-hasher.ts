/**
 * SHA-256 of closed segment files, computed on a worker thread so the thread reading packets does not hash
 * every octet it writes (that cost about as much as writing them). The worker is referenced only while a
 * job is pending: a process that has closed its store lives until the hashes are recorded, then exits.
 */
import { Worker } from 'node:worker_threads';

// An eval'd CommonJS worker: it runs the same from the TypeScript sources (tests) and from dist/.
const WORKER = `
const { parentPort } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const { openSync, readSync, closeSync } = require('node:fs');
const buf = Buffer.allocUnsafe(4 << 20);
parentPort.on('message', ({ id, path }) => {
  try {
    const fd = openSync(path, 'r');
    const hash = createHash('sha256');
    try {
      for (;;) {
        const n = readSync(fd, buf, 0, buf.length, null);
        if (n <= 0) break;
        hash.update(buf.subarray(0, n));
      }
    } finally {
      closeSync(fd);
    }
    parentPort.postMessage({ id, sha256: hash.digest('hex') });
  } catch (err) {
    parentPort.postMessage({ id, error: String(err && err.message || err) });
  }
});
`;

type Done = (sha256: string | null) => void;

export class SegmentHasher {
  private worker: Worker | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, Done>();
  private idle: (() => void)[] = [];

  /** Hashes the file at `path`; `done` gets the hex digest, or null when the file could not be read. */
  hash(path: string, done: Done): void {
    const w = this.start();
    const id = this.nextId++;
    this.pending.set(id, done);
    w.ref();
    w.postMessage({ id, path });
  }

  /** Resolves when every requested hash has been delivered. */
  drain(): Promise<void> {
    if (this.pending.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const w = new Worker(WORKER, { eval: true });
    w.on('message', (m: { id: number; sha256?: string; error?: string }) => {
      const done = this.pending.get(m.id);
      this.pending.delete(m.id);
      done?.(m.sha256 ?? null);
      if (this.pending.size === 0) {
        w.unref();
        for (const resolve of this.idle.splice(0)) resolve();
      }
    });
    w.on('error', () => {
      // A dead worker delivers nothing: the segments stay without a hash (queries then do not check them).
      for (const done of this.pending.values()) done(null);
      this.pending.clear();
      this.worker = null;
      for (const resolve of this.idle.splice(0)) resolve();
    });
    this.worker = w;
    return w;
  }
}
