/**
 * gzip-compressed pcap and pcapng: the same packets as the plain files; a cut or corrupt gzip
 * stream keeps what decompressed and is reported as truncated; an early stop inside a gzip stream
 * leaves no stray stream error behind.
 */
import { Readable } from 'node:stream';
import { constants, gunzipSync, gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CaptureFormatError } from '../../src/capture/capture-error.js';
import { readCaptureStream } from '../../src/capture/capture-reader.js';
import { collectingSink, fixtureBytes, packetKey, readFixture, units } from './capture-fixtures.js';

const PAIRS = [
  ['eth.pcap.gz', 'eth.pcap'],
  ['eth.pcapng.gz', 'eth.pcapng'],
] as const;

/** Chunks that arrive over time, as from a pipe or a slow disk. */
function slowly(data: Buffer, size: number): Readable {
  return Readable.from(
    (async function* () {
      for (let i = 0; i < data.length; i += size) {
        await new Promise((resolve) => setImmediate(resolve));
        yield data.subarray(i, i + size);
      }
    })(),
  );
}

/** A synthetic little-endian pcap: `count` records of `size` bytes; record `bad` has an impossible length. */
function syntheticPcap(count: number, size: number, bad = -1): Buffer {
  const header = Buffer.alloc(24);
  header.writeUInt32LE(0xa1b2c3d4, 0);
  header.writeUInt16LE(2, 4);
  header.writeUInt16LE(4, 6);
  header.writeUInt32LE(65535, 16);
  header.writeUInt32LE(1, 20);
  const out = Buffer.alloc(24 + count * (16 + size));
  header.copy(out);
  let seed = 7;
  for (let i = 0, pos = 24; i < count; i++, pos += 16 + size) {
    out.writeUInt32LE(1_700_000_000 + i, pos);
    out.writeUInt32LE(i % 1_000_000, pos + 4);
    out.writeUInt32LE(i === bad ? 0x7fffffff : size, pos + 8);
    out.writeUInt32LE(size, pos + 12);
    // Incompressible bytes, so that the gzip stream is long and arrives in many chunks.
    for (let j = pos + 16; j < pos + 16 + size; j++) {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      out[j] = seed >>> 24;
    }
  }
  return out;
}

let stray: unknown[] = [];
const onStray = (err: unknown) => stray.push(err);
beforeEach(() => {
  stray = [];
  process.on('uncaughtException', onStray);
  process.on('unhandledRejection', onStray);
});
afterEach(async () => {
  // Give a late stream error the time to surface.
  await new Promise((resolve) => setTimeout(resolve, 50));
  process.off('uncaughtException', onStray);
  process.off('unhandledRejection', onStray);
  expect(stray, 'no uncaught stream errors').toEqual([]);
});

describe('gzip captures', () => {
  it.each(PAIRS)('%s gives exactly the packets of %s', async (gz, plain) => {
    const a = await readFixture(gz);
    const b = await readFixture(plain);
    expect(a.result).toMatchObject({ gzip: true, format: b.result.format, packets: b.result.packets, bytes: b.result.bytes, damage: null });
    expect(a.packets.map(packetKey)).toEqual(b.packets.map(packetKey));
    expect(a.statistics).toEqual(b.statistics);
  });

  it.each(PAIRS)('%s cut short keeps what decompressed and reports it truncated', async (gz, plain) => {
    const compressed = fixtureBytes(gz);
    const capture = fixtureBytes(plain);
    const list = units(capture);
    const whole = (await readFixture(plain)).packets.map(packetKey);
    let resolvedCuts = 0;
    for (let cut = 1; cut < compressed.length; cut += cut < 64 ? 1 : 13) {
      const part = compressed.subarray(0, cut);
      // The most any gunzip can get out of the cut stream.
      const prefix = gunzipSync(part, { finishFlush: constants.Z_SYNC_FLUSH });
      expect(capture.subarray(0, prefix.length).equals(prefix)).toBe(true);
      const sink = collectingSink();
      const read = readCaptureStream(gz, Readable.from([part]), sink);
      if (prefix.length < 4) {
        // Nothing recognisable came out: not a capture, said plainly, never a crash.
        await expect(read, `cut at ${cut}`).rejects.toThrow(CaptureFormatError);
        continue;
      }
      const result = await read;
      resolvedCuts++;
      const complete = list.filter((u) => u.end <= result.bytes);
      expect(result.bytes, `cut at ${cut}`).toBe(prefix.length);
      expect(result.damage, `cut at ${cut}`).not.toBeNull();
      expect(sink.packets.map(packetKey), `cut at ${cut}`).toEqual(whole.slice(0, complete.filter((u) => u.packet).length));
      const broken = list.find((u) => u.start < result.bytes && u.end > result.bytes);
      if (broken) expect(result.damage, `cut at ${cut}`).toMatchObject({ offset: broken.start, reason: expect.stringMatching(/ends inside a record/) });
      else expect(result.damage, `cut at ${cut}`).toMatchObject({ offset: result.bytes, reason: expect.stringMatching(/gzip stream error/) });
    }
    expect(resolvedCuts).toBeGreaterThan(50);
  });

  it.each([
    ['a bad CRC', (gz: Buffer) => gz.length - 8],
    ['corrupt deflate data', (gz: Buffer) => Math.floor(gz.length / 2)],
  ] as const)('%s keeps the packets that decompressed before it (a single-chunk stream too)', async (what, where) => {
    // Random nibbles: Huffman-coded deflate blocks (something to break), and a stream long enough
    // (about 500 KB) to arrive in several slices.
    const capture = syntheticPcap(3000, 300);
    for (let pos = 24 + 16; pos < capture.length; pos += 316) for (let j = pos; j < pos + 300; j++) capture[j] &= 0x0f;
    const compressed = gzipSync(capture);
    const at = where(compressed);
    const broken = Buffer.from(compressed);
    for (let i = 0; i < 4; i++) broken[at + i] ^= 0xa5;
    // Everything that inflates from well before the damage must be delivered.
    const safe = gunzipSync(compressed.subarray(0, Math.max(0, at - 64 * 1024)), { finishFlush: constants.Z_SYNC_FLUSH });
    const safePackets = units(capture).filter((u) => u.packet && u.end <= safe.length).length;
    for (const input of [() => Readable.from([broken]), () => slowly(broken, 1000)]) {
      const sink = collectingSink();
      const result = await readCaptureStream('broken.pcap.gz', input(), sink);
      expect(result.damage, what).not.toBeNull();
      expect(result.packets).toBeGreaterThanOrEqual(safePackets);
      expect(result.packets).toBeLessThanOrEqual(3000);
      sink.packets.slice(0, safePackets).forEach((p, i) => expect(p.tsSec).toBe(1_700_000_000 + i));
    }
    expect(compressed.length).toBeGreaterThan(4 * 64 * 1024);
    expect(safePackets).toBeGreaterThan(what === 'a bad CRC' ? 2000 : 500);
  });

  it('damage early in a long gzip stream stops cleanly while the input is still arriving', async () => {
    const compressed = gzipSync(syntheticPcap(20_000, 200, 5));
    const sink = collectingSink();
    const result = await readCaptureStream('damaged.pcap.gz', slowly(compressed, 4096), sink);
    expect(result.packets).toBe(5);
    expect(result.damage).toEqual({ offset: 24 + 5 * 216, reason: expect.stringMatching(/record length/) });
  });

  it('gzip of something that is not a capture is refused as such, even while the input is still arriving', async () => {
    const compressed = gzipSync(Buffer.alloc(2_000_000, 'not a capture\n'));
    const read = readCaptureStream('notes.txt.gz', slowly(compressed, 64), collectingSink());
    await expect(read).rejects.toThrow(CaptureFormatError);
    await expect(read).rejects.toThrow(/notes\.txt\.gz: is not a capture: expected a pcap or pcapng file inside the gzip stream/);
  });

  it('a gzip header with nothing after it is refused, not a crash', async () => {
    const compressed = gzipSync(fixtureBytes('eth.pcap')).subarray(0, 10);
    await expect(readCaptureStream('header-only.gz', Readable.from([compressed]), collectingSink())).rejects.toThrow(CaptureFormatError);
  });
});
