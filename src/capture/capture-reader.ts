import { createReadStream, statSync } from 'node:fs';
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { CaptureFormatError, type CaptureDamage } from './capture-error.js';
import type { CaptureSink } from './capture-sink.js';
import type { ChunkedParser } from './chunked-parser.js';
import { isPcapMagic, PcapParser } from './pcap-parser.js';
import { BLOCK_SECTION_HEADER, PcapngParser } from './pcapng-parser.js';

/** Reads of at least this size keep per-chunk overhead negligible next to per-packet work. */
export const DEFAULT_CHUNK_SIZE = 4 * 1024 * 1024;

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
  /** Called after each chunk with the compressed-file position and total size (0 if unknown). */
  progress?: (position: number, total: number) => void;
}

/** `-` reads standard input. */
export async function readCaptureFile(path: string, sink: CaptureSink, options: ReadOptions = {}): Promise<CaptureReadResult> {
  const chunkSize = options.chunkSize ?? DEFAULT_CHUNK_SIZE;
  if (path === '-') return readCaptureStream('<stdin>', process.stdin, sink, options, 0);
  let size: number;
  try {
    const st = statSync(path);
    if (st.isDirectory()) throw new CaptureFormatError(path, 'is a directory, expected a pcap or pcapng file');
    size = st.size;
  } catch (err) {
    if (err instanceof CaptureFormatError) throw err;
    throw new CaptureFormatError(path, `cannot open: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  return readCaptureStream(path, createReadStream(path, { highWaterMark: chunkSize }), sink, options, size);
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
  if (gzip) source = Readable.from(source).pipe(createGunzip({ chunkSize: 1024 * 1024 }));

  let parser: ChunkedParser | null = null;
  let format: CaptureFormat = 'pcap';
  let pending: Buffer = Buffer.alloc(0);
  let streamError: string | null = null;
  try {
    for await (const chunk of source) {
      if (!parser) {
        pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
        if (pending.length < 4) continue;
        const magic = pending.readUInt32BE(0);
        if (isPcapMagic(magic)) {
          parser = new PcapParser(sink);
          format = 'pcap';
        } else if (magic === BLOCK_SECTION_HEADER) {
          parser = new PcapngParser(sink);
          format = 'pcapng';
        } else {
          throw new CaptureFormatError(
            name,
            `is not a capture: expected a pcap or pcapng file${gzip ? ' inside the gzip stream' : ''} (or gzip of one), found bytes ${hex(pending, 4)}`,
          );
        }
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
  let damage = parser.finish();
  if (streamError && !damage) damage = { offset: parser.bytesIn, reason: streamError };
  if (damage && format === 'pcap' && parser.bytesIn < 24 && !streamError) {
    throw new CaptureFormatError(name, `is too short to be a capture: the pcap file header needs 24 bytes, found ${parser.bytesIn}`);
  }
  const packets = parser instanceof PcapParser || parser instanceof PcapngParser ? parser.packets : 0;
  return { file: name, format, gzip, packets, bytes: parser.bytesIn, damage };
}

function hex(buf: Buffer, n: number): string {
  return [...buf.subarray(0, n)].map((b) => b.toString(16).padStart(2, '0')).join(' ');
}
