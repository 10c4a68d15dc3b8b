/**
 * Split-chunk checks shared by the pcap and pcapng parser tests (after node-postgres's
 * pg-protocol split-chunk tests): a capture fed in pieces of any size, split at any offset, must
 * give exactly what one whole-buffer push gives, including where damage is reported.
 */
import { expect, it } from 'vitest';
import { fixtureCapture, outcomeKey, parseInCopiedChunks, parseInPieces, parseWhole, repeat, units } from './capture-fixtures.js';

/** Files up to this size are also split at every offset. */
const EVERY_OFFSET_MAX = 6 * 1024;

export function splitChunkTests(fixtures: string[]): void {
  it.each(fixtures)('%s: chunks of every size from 1 to 64 bytes give the whole-buffer packets', (name) => {
    const data = fixtureCapture(name);
    const whole = outcomeKey(parseWhole(data));
    expect(whole.damage).toBeNull();
    expect(whole.packetCount).toBeGreaterThan(0);
    for (let size = 1; size <= 64; size++) {
      expect(outcomeKey(parseInPieces(data, repeat(size))), `chunk size ${size}`).toEqual(whole);
    }
    // Larger sizes around record sizes, and chunks that are reused after each push.
    for (const size of [65, 100, 127, 128, 129, 1000, 1514, 1530, 4096]) {
      expect(outcomeKey(parseInPieces(data, repeat(size))), `chunk size ${size}`).toEqual(whole);
    }
    for (const size of [1, 7, 16, 24, 61, 1530]) {
      expect(outcomeKey(parseInCopiedChunks(data, size)), `copied chunk size ${size}`).toEqual(whole);
    }
  });

  it.each(fixtures)('%s: irregular chunk sizes (a fixed pseudo-random sequence) give the whole-buffer packets', (name) => {
    const data = fixtureCapture(name);
    const whole = outcomeKey(parseWhole(data));
    let seed = 12345;
    const sizes = function* (): Generator<number> {
      for (;;) {
        seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
        yield 1 + (seed % 97);
      }
    };
    for (let run = 0; run < 20; run++) expect(outcomeKey(parseInPieces(data, sizes())), `run ${run}`).toEqual(whole);
  });

  const small = fixtures.filter((f) => fixtureCapture(f).length <= EVERY_OFFSET_MAX);
  if (small.length > 0) {
    it.each(small)('%s: split into two at every offset gives the whole-buffer packets', (name) => {
      const data = fixtureCapture(name);
      const whole = outcomeKey(parseWhole(data));
      for (let at = 0; at <= data.length; at++) {
        expect(outcomeKey(parseInPieces(data, [at, data.length - at])), `split at ${at}`).toEqual(whole);
      }
    });

    it.each(small)('%s: split into three around every record boundary gives the whole-buffer packets', (name) => {
      const data = fixtureCapture(name);
      const whole = outcomeKey(parseWhole(data));
      for (const u of units(data)) {
        for (let a = Math.max(0, u.start - 3); a <= Math.min(data.length, u.start + 20); a++) {
          for (const gap of [1, 2, 3, 4, 8, 11, 12, 13, 15, 16, 17, 23, 24, 25]) {
            expect(outcomeKey(parseInPieces(data, [a, gap, data.length])), `split at ${a} and ${a + gap}`).toEqual(whole);
          }
        }
      }
    });
  }
}
