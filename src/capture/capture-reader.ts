import { closeSync, createReadStream, openSync, read, readSync, statSync } from 'node:fs';
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { CaptureFormatError, type CaptureDamage } from './capture-error.js';
import type { CaptureSink } from './capture-sink.js';
import { isPcapMagic, PcapParser } from './pcap-parser.js';
import { BLOCK_SECTION_HEADER, PcapngParser } from './pcapng-parser.js';

/** Reads of at least this size keep per-chunk overhead negligible next to per-packet work. */
export const DEFAULT_CHUNK_SIZE = 8 * 1024 * 1024;

export type CaptureFormat = 'pcap' | 'pcapng';

export interface CaptureReadResult {
  file: string;
  format: CaptureFormat;
  gzip: boolean;
  packets: number;
  /** Bytes of capture data read (after decompression). */
  bytes: number;
  /** Where and why reading stopped early; null when the capture was read to its end. */
  damage: CaptureDamage | null;
}

export interface ReadOptions {
  chunkSize?: number;
  /** Called after each chunk with the file position and total size (0 if unknown). */
  progress?: (position: number, total: number) => void;
}

type Parser = PcapParser | PcapngParser;

/** `-` reads standard input. */
export async function readCaptureFile(path: string, sink: CaptureSink, options: ReadOptions = {}): Promise<CaptureReadResult> {
  const chunkSize = options.chunkSize ?? DEFAULT_CHUNK_SIZE;
  if (path === '-') return readCaptureStream('<stdin>', process.stdin, sink, options, 0);
  let size: number;
  let fd: number;
  try {
    const st = statSync(path);
    if (st.isDirectory()) throw new CaptureFormatError(path, 'is a directory, expected a pcap or pcapng file');
    size = st.size;
    fd = openSync(path, 'r');
  } catch (err) {
    if (err instanceof CaptureFormatError) throw err;
    throw new CaptureFormatError(path, `cannot open: ${openError(err as NodeJS.ErrnoException)}`);
  }
  try {
    if (size === 0) throw new CaptureFormatError(path, 'is empty, expected a pcap or pcapng capture');
    const magic = Buffer.alloc(2);
    const gzip = readSync(fd, magic, 0, 2, 0) === 2 && magic[0] === 0x1f && magic[1] === 0x8b;
    if (!gzip) return await readPlainFile(path, fd, size, sink, options, chunkSize);
  } finally {
    closeSync(fd);
  }
  return readCaptureStream(path, createReadStream(path, { highWaterMark: chunkSize }), sink, options, size);
}

/**
 * Uncompressed files are read into two reused buffers: while the parser walks one chunk, the next
 * is read into the other on libuv's thread pool, so the copy out of the page cache (a fifth of the
 * time of a decode-and-flows pass over a cached file) runs beside the parsing instead of before
 * it. A stream would allocate a fresh chunk per read, which costs more than parsing it. Awaiting
 * each read also gives worker messages and signals their turn between chunks.
 */
async function readPlainFile(path: string, fd: number, size: number, sink: CaptureSink, options: ReadOptions, chunkSize: number): Promise<CaptureReadResult> {
  // At least 4 bytes: the first read must hold the magic number, whatever chunkSize asks for.
  const length = Math.max(4, Math.min(chunkSize, size));
  let current: Buffer = Buffer.allocUnsafe(length);
  let filled = readSync(fd, current, 0, Math.min(length, size), 0);
  let position = filled;
  const parser = parserFor(path, current.subarray(0, filled), false, sink);
  // A file that fits one chunk needs no second buffer (a file that grows is read on in the first).
  let spare: Buffer | null = size > filled ? Buffer.allocUnsafe(length) : null;
  for (;;) {
    const next = spare === null ? null : readAt(fd, spare, position);
    parser.push(current.subarray(0, filled));
    options.progress?.(position, size);
    // The read in flight must land before the caller closes the descriptor, damage or not.
    const n = next === null ? readSync(fd, current, 0, length, position) : await next;
    if (n <= 0 || parser.damage) break;
    position += n;
    filled = n;
    if (spare !== null) [current, spare] = [spare, current];
    else await new Promise<void>((resolve) => setImmediate(resolve));
  }
  return finishRead(path, parser, false, null);
}

function readAt(fd: number, into: Buffer, position: number): Promise<number> {
  return new Promise((resolve, reject) => read(fd, into, 0, into.length, position, (err, n) => (err ? reject(err) : resolve(n))));
}

export async function readCaptureStream(
  name: string,
  input: Readable,
  sink: CaptureSink,
  options: ReadOptions = {},
  totalSize = 0,
): Promise<CaptureReadResult> {
  const raw = input[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  let position = 0;
  // Enough leading bytes to tell gzip from a capture.
  let head: Buffer = Buffer.alloc(0);
  while (head.length < 4) {
    const next = await raw.next();
    if (next.done) break;
    position += next.value.length;
    head = head.length === 0 ? next.value : Buffer.concat([head, next.value]);
  }
  if (head.length === 0) throw new CaptureFormatError(name, 'is empty, expected a pcap or pcapng capture');
  const gzip = head[0] === 0x1f && head[1] === 0x8b;

  async function* rawChunks(): AsyncGenerator<Buffer> {
    yield head;
    options.progress?.(position, totalSize);
    for (;;) {
      const next = await raw.next();
      if (next.done) return;
      position += next.value.length;
      yield next.value;
      options.progress?.(position, totalSize);
    }
  }
  let source: AsyncIterable<Buffer> = rawChunks();
  if (gzip) {
    const compressed = Readable.from(gzipSlices(source));
    const gunzip = createGunzip({ chunkSize: 1024 * 1024 });
    // pipe() does not forward errors from its source. After an early stop (damage, not a capture)
    // `input` is destroyed under a pending read, and that "premature close" would otherwise be an
    // uncaught exception; a real read error reaches the loop below through gunzip.
    compressed.on('error', (err) => gunzip.destroy(err));
    source = compressed.pipe(gunzip);
  }

  let parser: Parser | null = null;
  let pending: Buffer = Buffer.alloc(0);
  let streamError: string | null = null;
  try {
    for await (const chunk of source) {
      if (!parser) {
        pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
        if (pending.length < 4) continue;
        parser = parserFor(name, pending, gzip, sink);
        parser.push(pending);
      } else {
        parser.push(chunk);
      }
      if (parser.damage) break;
    }
  } catch (err) {
    if (err instanceof CaptureFormatError) throw err;
    // A cut or corrupt gzip stream: keep what decompressed cleanly.
    streamError = `${gzip ? 'gzip stream' : 'read'} error: ${(err as Error).message}`;
  } finally {
    input.destroy();
  }
  if (!parser) {
    if (streamError) throw new CaptureFormatError(name, streamError);
    throw new CaptureFormatError(name, `is too short to be a capture (${pending.length} bytes)`);
  }
  return finishRead(name, parser, gzip, streamError);
}

function parserFor(name: string, head: Buffer, gzip: boolean, sink: CaptureSink): Parser {
  if (head.length < 4) throw new CaptureFormatError(name, `is too short to be a capture (${head.length} bytes)`);
  const magic = head.readUInt32BE(0);
  if (isPcapMagic(magic)) return new PcapParser(sink);
  if (magic === BLOCK_SECTION_HEADER) return new PcapngParser(sink);
  throw new CaptureFormatError(
    name,
    `is not a capture: expected a pcap or pcapng file${gzip ? ' inside the gzip stream' : ''} (or gzip of one), found bytes ${hex(head, 4)}`,
  );
}

function finishRead(name: string, parser: Parser, gzip: boolean, streamError: string | null): CaptureReadResult {
  let damage = parser.finish();
  if (streamError && !damage) damage = { offset: parser.bytesIn, reason: streamError };
  if (damage && parser instanceof PcapParser && parser.bytesIn < 24 && !streamError) {
    throw new CaptureFormatError(name, `is too short to be a capture: the pcap file header needs 24 bytes, found ${parser.bytesIn}`);
  }
  return {
    file: name,
    format: parser instanceof PcapParser ? 'pcap' : 'pcapng',
    gzip,
    packets: parser.packets,
    bytes: parser.bytesIn,
    damage,
  };
}

/**
 * zlib drops what it inflated from a write that ends in a data error (corrupt deflate data, a bad
 * CRC): writing small slices keeps the loss on a corrupt .gz to one slice's worth of packets.
 */
const GZIP_SLICE = 64 * 1024;
async function* gzipSlices(chunks: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  for await (const chunk of chunks) {
    for (let i = 0; i < chunk.length; i += GZIP_SLICE) yield chunk.subarray(i, i + GZIP_SLICE);
  }
}

/** "no such file (ENOENT)" rather than a bare errno code. */
function openError(err: NodeJS.ErrnoException): string {
  const what: Record<string, string> = { ENOENT: 'no such file', EACCES: 'permission denied', EPERM: 'permission denied', ENOTDIR: 'a parent is not a folder' };
  if (err.code && what[err.code]) return `${what[err.code]} (${err.code})`;
  return err.code ?? err.message;
}

function hex(buf: Buffer, n: number): string {
  return [...buf.subarray(0, n)].map((b) => b.toString(16).padStart(2, '0')).join(' ');
}
