/**
 * Cut and corrupt captures: reading never throws once the file header is there, keeps exactly the
 * whole packets before the damage, and says at which byte the damage starts.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { CaptureFormatError } from '../../src/capture/capture-error.js';
import { readCaptureFile, readCaptureStream } from '../../src/capture/capture-reader.js';
import { PcapngParser } from '../../src/capture/pcapng-parser.js';
import type { CaptureSink } from '../../src/capture/capture-sink.js';
import {
  EXPECTED,
  PLAIN_FIXTURES,
  collectingSink,
  fixtureCapture,
  isLittleEndian,
  outcomeKey,
  packetKey,
  parseInPieces,
  parseWhole,
  parserFor,
  readFixture,
  repeat,
  units,
  writeU32,
  type Unit,
} from './capture-fixtures.js';

/** Files up to this size are cut at every offset; larger ones densely around every boundary. */
const EVERY_OFFSET_MAX = 6 * 1024;

/** A light sink: what identifies each packet, without copying its bytes. */
function lightSink(): CaptureSink & { seen: string[]; stats: number } {
  const seen: string[] = [];
  const sink = {
    seen,
    stats: 0,
    packet: (r: { frameNumber: number; fileOffset: number; caplen: number; tsSec: number; tsNsec: number }) => {
      seen.push(`${r.frameNumber}@${r.fileOffset}:${r.caplen}:${r.tsSec}.${r.tsNsec}`);
    },
    interfaceStatistics: () => {
      sink.stats++;
    },
  };
  return sink;
}

function cutOffsets(data: Buffer, list: Unit[]): number[] {
  if (data.length <= EVERY_OFFSET_MAX) return Array.from({ length: data.length + 1 }, (_, i) => i);
  const set = new Set<number>();
  for (let i = 0; i < 80; i++) set.add(i);
  for (const u of list) for (let d = -40; d <= 40; d++) set.add(u.start + d);
  for (let i = 0; i <= data.length; i += 11) set.add(i);
  set.add(data.length);
  return [...set].filter((i) => i >= 0 && i <= data.length).sort((a, b) => a - b);
}

/** What a reader must report for `data` cut to `cut` bytes. */
function expectedAtCut(list: Unit[], whole: string[], cut: number) {
  const complete = list.filter((u) => u.end <= cut);
  const broken = list.find((u) => u.end > cut && u.start < cut) ?? null;
  return {
    packets: whole.slice(0, complete.filter((u) => u.packet).length),
    stats: complete.filter((u) => u.type === 5).length,
    damageOffset: broken ? broken.start : null,
  };
}

describe.each(PLAIN_FIXTURES)('%s cut short', (name) => {
  const data = fixtureCapture(name);
  const list = units(data);
  const wholeSink = lightSink();
  const p = parserFor(data, wholeSink);
  p.push(data);
  if (p.finish() !== null) throw new Error(`${name} is damaged as committed`);
  const whole = wholeSink.seen;
  const offsets = cutOffsets(data, list);

  it(`parser: at ${offsets.length} cut offsets keeps exactly the whole packets before the cut and reports where`, () => {
    for (const cut of offsets) {
      const sink = lightSink();
      const parser = parserFor(data, sink);
      let damage;
      expect(() => {
        if (cut > 0) parser.push(data.subarray(0, cut));
        damage = parser.finish();
      }, `cut at ${cut}`).not.toThrow();
      const want = expectedAtCut(list, whole, cut);
      expect(sink.seen, `packets, cut at ${cut}`).toEqual(want.packets);
      expect(sink.stats, `interface statistics, cut at ${cut}`).toBe(want.stats);
      if (want.damageOffset === null) expect(damage, `cut at ${cut} is a record boundary`).toBeNull();
      else {
        expect(damage, `cut at ${cut}`).toMatchObject({ offset: want.damageOffset });
        expect(damage!.reason).toMatch(/ends inside a record/);
      }
    }
  });

  it('reader: a cut capture resolves (never throws) once the file header is whole, with damage at the cut record', async () => {
    const headerEnd = list[0].end;
    const near = new Set(list.flatMap((u) => [u.start - 1, u.start, u.start + 1, u.start + 12]));
    const sample = offsets.filter((o, i) => o <= headerEnd + 64 || i % 17 === 0 || near.has(o));
    for (const cut of sample) {
      const sink = lightSink();
      const read = readCaptureStream(name, Readable.from([data.subarray(0, cut)]), sink);
      if (cut < 4 || (cut < headerEnd && EXPECTED.fixtures[name].format === 'pcap')) {
        // Not even a file header: this is not a capture (the CLI exits 2), never a crash.
        await expect(read, `cut at ${cut}`).rejects.toThrow(CaptureFormatError);
        await expect(read).rejects.toThrow(/is (empty|too short)/);
        continue;
      }
      const result = await read;
      const want = expectedAtCut(list, whole, cut);
      expect(result.packets, `cut at ${cut}`).toBe(want.packets.length);
      expect(sink.seen, `cut at ${cut}`).toEqual(want.packets);
      expect(result.bytes).toBe(cut);
      if (want.damageOffset === null) expect(result.damage, `cut at ${cut}`).toBeNull();
      else expect(result.damage, `cut at ${cut}`).toMatchObject({ offset: want.damageOffset });
    }
  });
});

/** Copies of a capture with one field overwritten. */
function corrupt(data: Buffer, at: number, value: number, le = isLittleEndian(data, at)): Buffer {
  const copy = Buffer.from(data);
  writeU32(copy, at, value, le);
  return copy;
}

function pickRecords(list: Unit[]): Unit[] {
  const packets = list.filter((u) => u.packet);
  return [...new Set([packets[0], packets[1], packets[Math.floor(packets.length / 2)], packets[packets.length - 1]])];
}

/** The damaged parse must agree however the capture arrives. */
function expectSameInChunks(data: Buffer): void {
  const whole = outcomeKey(parseWhole(data));
  for (const size of [1, 3, 4, 5, 12, 16, 17, 64, 1000]) {
    expect(outcomeKey(parseInPieces(data, repeat(size))), `chunk size ${size}`).toEqual(whole);
  }
}

describe('corrupt pcap record lengths', () => {
  const pcaps = PLAIN_FIXTURES.filter((f) => EXPECTED.fixtures[f].format === 'pcap');

  it.each(pcaps)('%s: an impossible record length is damage at that record; the packets before it are kept', (name) => {
    const data = fixtureCapture(name);
    const list = units(data);
    const whole = parseWhole(data);
    for (const rec of pickRecords(list)) {
      const index = list.filter((u) => u.packet && u.start < rec.start).length;
      for (const bad of [0x7fffffff, 262145, 0xffffffff]) {
        const broken = corrupt(data, rec.start + 8, bad);
        const out = parseWhole(broken);
        expect(out.damage, `${bad} at ${rec.start}`).toEqual({ offset: rec.start, reason: expect.stringMatching(/record length \d+ exceeds/) });
        expect(out.packets.map((p) => p.fileOffset)).toEqual(whole.packets.slice(0, index).map((p) => p.fileOffset));
        expect(out.packetCount).toBe(index);
        expectSameInChunks(broken);
      }
    }
  });

  it.each(pcaps)('%s: the reader reports the damage with its offset and keeps what came before', async (name) => {
    const data = fixtureCapture(name);
    const rec = units(data).filter((u) => u.packet)[3];
    const broken = corrupt(data, rec.start + 8, 0x10000000);
    const result = await readCaptureStream(name, Readable.from([broken]), { packet: () => {} });
    expect(result.packets).toBe(3);
    expect(result.damage).toEqual({ offset: rec.start, reason: expect.stringContaining('record length 268435456') });
  });
});

describe('corrupt pcapng blocks', () => {
  const pcapngs = PLAIN_FIXTURES.filter((f) => EXPECTED.fixtures[f].format === 'pcapng');

  it.each(pcapngs)('%s: bad block lengths, trailers and captured lengths are damage at the block; earlier packets are kept', (name) => {
    const data = fixtureCapture(name);
    const list = units(data);
    const whole = parseWhole(data);
    for (const block of pickRecords(list)) {
      const index = list.filter((u) => u.packet && u.start < block.start).length;
      const kept = whole.packets.slice(0, index).map((p) => p.fileOffset);
      const len = block.end - block.start;
      const cases: [string, Buffer, RegExp][] = [
        ['length not a multiple of 4', corrupt(data, block.start + 4, len + 2), /block length \d+ is invalid/],
        ['length below the minimum', corrupt(data, block.start + 4, 8), /block length 8 is invalid/],
        ['length far too large', corrupt(data, block.start + 4, 0x7ffffffc), /block length \d+ is invalid/],
        ['trailer differs', corrupt(data, block.end - 4, len + 4), /trailer length/],
      ];
      if (block.type === 6) cases.push(['captured length overruns', corrupt(data, block.start + 20, len), /captured length \d+ overruns/]);
      for (const [what, broken, reason] of cases) {
        const out = parseWhole(broken);
        expect(out.damage, `${what} at ${block.start}`).toEqual({ offset: block.start, reason: expect.stringMatching(reason) });
        expect(out.packets.map((p) => p.fileOffset), what).toEqual(kept);
        expectSameInChunks(broken);
      }
    }
  });

  it('a bad byte-order magic or an unknown major version in a later section stops there, keeping the first section', () => {
    for (const name of ['multi-section.pcapng', 'multi-section-mixed-endian.pcapng']) {
      const data = fixtureCapture(name);
      const list = units(data);
      const second = list.filter((u) => u.type === 0x0a0d0d0a)[1];
      const before = list.filter((u) => u.packet && u.start < second.start).length;
      const badMagic = Buffer.from(data);
      badMagic.writeUInt32LE(0x11223344, second.start + 8);
      const badVersion = Buffer.from(data);
      const le = badVersion.readUInt32LE(second.start + 8) === 0x1a2b3c4d;
      if (le) badVersion.writeUInt16LE(2, second.start + 12);
      else badVersion.writeUInt16BE(2, second.start + 12);
      for (const [broken, reason] of [
        [badMagic, /no byte-order magic/],
        [badVersion, /major version 2/],
      ] as const) {
        const out = parseWhole(broken);
        expect(out.damage).toEqual({ offset: second.start, reason: expect.stringMatching(reason) });
        expect(out.packetCount).toBe(before);
        expectSameInChunks(broken);
      }
    }
  });

  it('data before any section header is damage at 0 (the reader would not even call it pcapng)', () => {
    const data = fixtureCapture('eth.pcapng');
    const list = units(data);
    // Drop the section header: the capture starts with the interface description block.
    const headless = data.subarray(list[1].start);
    let packets = 0;
    const parser = new PcapngParser({ packet: () => packets++ });
    parser.push(headless);
    expect(parser.finish()).toEqual({ offset: 0, reason: expect.stringMatching(/before any section header/) });
    expect(packets).toBe(0);
  });
});

describe('readCaptureFile in small chunks (the plain-file path)', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'vigil-cut-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it.each(['eth.pcap', 'be.pcapng', 'multi-section-mixed-endian.pcapng'])('%s: whole and cut files read alike at every chunk size', async (name) => {
    const data = fixtureCapture(name);
    const list = units(data);
    const whole = await readFixture(name);
    for (const chunkSize of [1, 2, 3, 4, 5, 16, 23, 24, 25, 61, 64, 4096]) {
      const again = await readFixture(name, { chunkSize });
      expect(again.result, `chunk size ${chunkSize}`).toEqual(whole.result);
      expect(again.packets.map(packetKey), `chunk size ${chunkSize}`).toEqual(whole.packets.map(packetKey));
    }
    for (const cut of [list[1].start + 5, list[list.length - 1].start + 3, Math.floor(data.length / 2)]) {
      const path = join(tmp, `cut-${cut}-${name}`);
      writeFileSync(path, data.subarray(0, cut));
      for (const chunkSize of [3, 7, 64, 1 << 20]) {
        const sink = collectingSink();
        const result = await readCaptureFile(path, sink, { chunkSize });
        const broken = list.find((u) => u.start < cut && u.end > cut)!;
        expect(result.damage, `cut at ${cut}, chunk size ${chunkSize}`).toMatchObject({ offset: broken.start });
        expect(sink.packets.map(packetKey)).toEqual(whole.packets.filter((p) => p.fileOffset < broken.start).map(packetKey));
      }
    }
  });
});
