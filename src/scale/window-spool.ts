/**
 * A sensor's windows on disk until NATS has them. Every window is written here first, so a sensor
 * that cannot reach NATS (or is restarted) loses nothing it has room for; past the bound, the oldest
 * windows go first and are counted, and the counts travel in every later window.
 */
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';

const SUFFIX = '.window.gz';
const STATE = 'spool-state.json';

export interface SpoolDrops {
  windows: number;
  bytes: number;
}

export interface SpooledWindow {
  /** `sensor/run/seq` of the window, from its file name. */
  batch: string;
  seq: number;
  path: string;
  bytes: number;
}

export class SpoolError extends Error {
  override name = 'SpoolError';
}

/**
 * File names sort in publishing order: the run (its id starts with the start time, so an earlier
 * run's leftovers come first), then the sequence number, zero-padded.
 */
const fileName = (run: string, seq: number) => `${run}-${String(seq).padStart(12, '0')}${SUFFIX}`;

export class WindowSpool {
  private drops: SpoolDrops = { windows: 0, bytes: 0 };

  constructor(
    readonly dir: string,
    readonly sensor: string,
    /** The most the spool may hold; a window larger than this alone is dropped at once. */
    readonly maxBytes: number,
    private readonly onDrop: (w: SpooledWindow, why: string) => void = () => undefined,
  ) {
    try {
      mkdirSync(dir, { recursive: true });
    } catch (err) {
      throw new SpoolError(`cannot create the sensor spool ${dir}: ${(err as Error).message}`);
    }
    const state = join(dir, STATE);
    if (existsSync(state)) {
      try {
        const s = JSON.parse(readFileSync(state, 'utf8')) as Partial<SpoolDrops>;
        this.drops = { windows: Number(s.windows) || 0, bytes: Number(s.bytes) || 0 };
      } catch {
        // A damaged counter file restarts the counts; the windows themselves are separate files.
      }
    }
  }

  /** Drops since this spool was first used (they survive restarts). */
  get dropped(): SpoolDrops {
    return { ...this.drops };
  }

  /** Spooled windows, oldest first. Half-written files (a crash mid-write) are skipped and removed. */
  list(): SpooledWindow[] {
    const out: SpooledWindow[] = [];
    for (const f of readdirSync(this.dir).sort()) {
      if (f.endsWith('.tmp')) {
        rmSync(join(this.dir, f), { force: true });
        continue;
      }
      if (!f.endsWith(SUFFIX)) continue;
      const m = /^([A-Za-z0-9-]+)-(\d{12})\.window\.gz$/.exec(f);
      if (!m) continue;
      const path = join(this.dir, f);
      out.push({ batch: `${this.sensor}/${m[1]}/${Number(m[2])}`, seq: Number(m[2]), path, bytes: statSync(path).size });
    }
    return out;
  }

  get bytes(): number {
    return this.list().reduce((n, w) => n + w.bytes, 0);
  }

  /**
   * Keeps a window, making room by dropping the oldest ones past the bound. `data` may be a function
   * of the drop counts: the window is then built again when making room for it dropped others, so
   * the counts it carries include the windows it displaced. Written to a temporary name, flushed,
   * then renamed: a crash leaves the old spool or the new one, never half a window.
   */
  add(run: string, seq: number, data: Uint8Array | ((drops: SpoolDrops) => Uint8Array)): SpooledWindow | null {
    const build = typeof data === 'function' ? data : () => data;
    let bytes = build(this.dropped);
    const path = join(this.dir, fileName(run, seq));
    const w: SpooledWindow = { batch: `${this.sensor}/${run}/${seq}`, seq, path, bytes: bytes.length };
    if (bytes.length > this.maxBytes) {
      this.drop(w, `window of ${bytes.length} bytes is larger than the spool (${this.maxBytes} bytes)`);
      return null;
    }
    if (this.makeRoom(bytes.length) > 0 && typeof data === 'function') {
      bytes = build(this.dropped);
      w.bytes = bytes.length;
      if (bytes.length > this.maxBytes) {
        this.drop(w, `window of ${bytes.length} bytes is larger than the spool (${this.maxBytes} bytes)`);
        return null;
      }
      this.makeRoom(bytes.length);
    }
    const tmp = path + '.tmp';
    try {
      const fd = openSync(tmp, 'w');
      try {
        writeSync(fd, bytes);
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      renameSync(tmp, path);
    } catch (err) {
      rmSync(tmp, { force: true });
      this.drop(w, `cannot write to the spool: ${(err as Error).message}`);
      return null;
    }
    return w;
  }

  /** Drops the oldest windows until `bytes` more fit; returns how many went. */
  private makeRoom(bytes: number): number {
    const held = this.list();
    let total = held.reduce((n, x) => n + x.bytes, 0);
    let dropped = 0;
    for (const old of held) {
      if (total + bytes <= this.maxBytes) break;
      rmSync(old.path, { force: true });
      total -= old.bytes;
      dropped++;
      this.drop(old, `spool full (${this.maxBytes} bytes) while NATS was unreachable`);
    }
    return dropped;
  }

  read(w: SpooledWindow): Buffer {
    return readFileSync(w.path);
  }

  /** NATS has it: the spool lets it go. */
  remove(w: SpooledWindow): void {
    rmSync(w.path, { force: true });
  }

  private drop(w: SpooledWindow, why: string): void {
    this.drops.windows++;
    this.drops.bytes += w.bytes;
    try {
      writeFileSync(join(this.dir, STATE), JSON.stringify(this.drops) + '\n');
    } catch {
      // The counts are still in memory and in every later window.
    }
    this.onDrop(w, why);
  }
}
