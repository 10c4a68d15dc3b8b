import { describe, expect, it } from 'vitest';
import { fold, sum16, sum16Wide } from '../../src/simulate/bytes.js';
import { Rng } from '../../src/simulate/rng.js';

/** The checksum field value both sums give (RFC 1071: one's complement of the folded sum). */
function checksum(s: number, pseudo: number): number {
  return ~fold(s + pseudo) & 0xffff;
}

describe('sum16Wide (32-bit checksum summing)', () => {
  const buf = new Uint8Array(4096);
  const buf32 = new Uint32Array(buf.buffer);
  const rng = new Rng(99);

  it('gives the checksum sum16 gives, at every alignment and length', () => {
    for (let i = 0; i < buf.length; i++) buf[i] = rng.below(256);
    for (let start = 0; start < 8; start += 2) {
      for (let len = 0; len < 1600; len += start === 0 ? 1 : 7) {
        const end = start + len;
        for (const pseudo of [0, 17 + len, 0x1fffe]) {
          expect(checksum(sum16Wide(buf, buf32, start, end), pseudo)).toBe(checksum(sum16(buf, start, end), pseudo));
        }
      }
    }
  });

  it('keeps zero apart from 0xffff: all-zero data, and data whose words sum to a multiple of 0xffff', () => {
    buf.fill(0);
    expect(sum16Wide(buf, buf32, 2, 1502)).toBe(0);
    expect(checksum(sum16Wide(buf, buf32, 2, 1502), 0)).toBe(checksum(sum16(buf, 2, 1502), 0));
    // 0xffff 0x0000 ... : sum16 is 0xffff, a multiple of 0xffff but not zero.
    buf[100] = 0xff;
    buf[101] = 0xff;
    expect(sum16Wide(buf, buf32, 2, 1502)).not.toBe(0);
    expect(checksum(sum16Wide(buf, buf32, 2, 1502), 0)).toBe(checksum(sum16(buf, 2, 1502), 0));
    for (let i = 0; i < 1500; i += 2) {
      buf[i] = 0xff;
      buf[i + 1] = 0xff;
    }
    expect(checksum(sum16Wide(buf, buf32, 0, 1500), 0)).toBe(checksum(sum16(buf, 0, 1500), 0));
    expect(checksum(sum16Wide(buf, buf32, 0, 1500), 6 + 1500)).toBe(checksum(sum16(buf, 0, 1500), 6 + 1500));
  });

  it('falls back to sum16 at an odd start, where words would pair other bytes', () => {
    for (let i = 0; i < buf.length; i++) buf[i] = rng.below(256);
    expect(sum16Wide(buf, buf32, 3, 1403)).toBe(sum16(buf, 3, 1403));
  });
});
