import { describe, expect, it } from 'vitest';
import { LINKTYPE_ETHERNET } from '../../src/capture/link-type.js';
import { DecodeErrors } from '../../src/decode/decode-errors.js';
import { FragmentReassembler, type ReassemblyLimits } from '../../src/decode/fragment-reassembler.js';
import { PacketDecoder } from '../../src/decode/packet-decoder.js';
import { ethernet, ipv4Fragments, ipv6, ipv6Fragment, udp } from './build.js';
import { fixtureFrames, randInt, rng, type Frame } from './fixtures.js';
import { snapshot } from './snapshot.js';

const LIMITS: ReassemblyLimits = { maxDatagrams: 16, maxBytes: 1 << 20, timeoutS: 30 };

function reassembler(limits: Partial<ReassemblyLimits> = {}) {
  const errors = new DecodeErrors();
  return { errors, r: new FragmentReassembler('ipv4', errors, { ...LIMITS, ...limits }) };
}

const bytes = (n: number, seed = 0) => Buffer.from(Array.from({ length: n }, (_, i) => (i * 7 + seed) & 0xff));

/** Add `data[offset, offset+len)` as one fragment. */
function add(r: FragmentReassembler, key: string, ts: number, data: Buffer, offset: number, len: number, more: boolean) {
  return r.add(key, ts, offset, more, data, offset, len);
}

describe('FragmentReassembler', () => {
  it('reassembles in order, out of order and with duplicates', () => {
    const data = bytes(3000);
    const pieces: [number, number, boolean][] = [
      [0, 1480, true],
      [1480, 1480, true],
      [2960, 40, false],
    ];
    for (const order of [[0, 1, 2], [2, 1, 0], [1, 2, 0], [0, 0, 2, 2, 1]]) {
      const { r, errors } = reassembler();
      const results = order.map((i) => add(r, 'k', 1, data, ...pieces[i]));
      expect(results.slice(0, -1)).toEqual(order.slice(0, -1).map(() => null));
      expect(results.at(-1)!.equals(data)).toBe(true);
      expect(r.inProgress).toBe(0);
      expect(r.completed).toBe(1);
      expect(errors.total).toBe(0);
    }
  });

  it('keeps the earlier fragment where two overlap', () => {
    const { r } = reassembler();
    const first = Buffer.alloc(32, 0xaa);
    const second = Buffer.alloc(32, 0xbb);
    expect(r.add('k', 1, 0, true, first, 0, 24)).toBeNull();
    expect(r.add('k', 1, 16, false, second, 0, 16)).toEqual(Buffer.concat([Buffer.alloc(24, 0xaa), Buffer.alloc(8, 0xbb)]));
  });

  it('keeps datagrams with different keys apart', () => {
    const { r } = reassembler();
    const a = bytes(16, 1);
    const b = bytes(16, 2);
    expect(add(r, 'a', 1, a, 0, 8, true)).toBeNull();
    expect(add(r, 'b', 1, b, 0, 8, true)).toBeNull();
    expect(add(r, 'b', 1, b, 8, 8, false)!.equals(b)).toBe(true);
    expect(add(r, 'a', 1, a, 8, 8, false)!.equals(a)).toBe(true);
  });

  it('times a datagram out after timeoutS, counted and not thrown', () => {
    const { r, errors } = reassembler({ timeoutS: 30 });
    const data = bytes(16);
    add(r, 'old', 100, data, 0, 8, true);
    // Exactly the timeout: still waiting.
    add(r, 'other', 130, data, 0, 8, true);
    expect(r.inProgress).toBe(2);
    expect(errors.total).toBe(0);
    add(r, 'third', 130.5, data, 0, 8, true);
    expect(errors.toJSON()).toEqual({ ipv4: { 'fragments timed out before the datagram completed': 1 } });
    expect(r.dropped).toBe(1);
    expect(r.inProgress).toBe(2);
    // The late last fragment of the expired datagram starts a new, incomplete one.
    expect(add(r, 'old', 130.5, data, 8, 8, false)).toBeNull();
  });

  it('counts a full table and drops the new datagram, not the old ones', () => {
    const { r, errors } = reassembler({ maxDatagrams: 2 });
    const data = bytes(16);
    add(r, 'a', 1, data, 0, 8, true);
    add(r, 'b', 1, data, 0, 8, true);
    expect(add(r, 'c', 1, data, 0, 8, true)).toBeNull();
    expect(add(r, 'c', 1, data, 8, 8, false)).toBeNull();
    expect(errors.toJSON()).toEqual({ ipv4: { 'fragment reassembly table full': 2 } });
    expect(r.dropped).toBe(2);
    expect(add(r, 'a', 1, data, 8, 8, false)!.equals(data)).toBe(true);
    expect(add(r, 'b', 1, data, 8, 8, false)!.equals(data)).toBe(true);
  });

  it('counts the memory bound, drops that datagram, and gives its memory back', () => {
    const { r, errors } = reassembler({ maxBytes: 1000 });
    const big = bytes(1200);
    expect(add(r, 'big', 1, big, 0, 600, true)).toBeNull();
    expect(add(r, 'big', 1, big, 600, 600, false)).toBeNull();
    expect(errors.toJSON()).toEqual({ ipv4: { 'fragment reassembly memory bound reached': 1 } });
    expect(r.inProgress).toBe(0);
    // Everything held was released: a datagram of 1000 bytes still fits, many times over.
    for (let i = 0; i < 20; i++) {
      const d = bytes(1000, i);
      expect(add(r, `ok${i}`, 1, d, 0, 504, true)).toBeNull();
      expect(add(r, `ok${i}`, 1, d, 504, 496, false)!.equals(d)).toBe(true);
    }
    expect(errors.total).toBe(1);
  });

  it('gives back the memory of timed-out datagrams too', () => {
    const { r, errors } = reassembler({ maxBytes: 1000, timeoutS: 30 });
    for (let i = 0; i < 50; i++) add(r, `lost${i}`, i * 40, bytes(800), 0, 800, true);
    expect(errors.toJSON()).toEqual({ ipv4: { 'fragments timed out before the datagram completed': 49 } });
    const d = bytes(160);
    expect(add(r, 'ok', 50 * 40, d, 0, 80, true)).toBeNull();
    expect(add(r, 'ok', 50 * 40, d, 80, 80, false)!.equals(d)).toBe(true);
  });

  it('counts a fragment that would end past 65535 bytes', () => {
    const { r, errors } = reassembler();
    expect(r.add('k', 1, 65528, false, bytes(64), 0, 64)).toBeNull();
    expect(errors.toJSON()).toEqual({ ipv4: { 'fragment beyond maximum datagram size': 1 } });
    expect(r.inProgress).toBe(0);
  });

  it('counts conflicting last fragments', () => {
    const { r, errors } = reassembler();
    const d = bytes(32);
    add(r, 'k', 1, d, 16, 16, false);
    add(r, 'k', 1, d, 8, 8, false);
    expect(errors.toJSON()).toEqual({ ipv4: { 'conflicting last fragments': 1 } });
    expect(add(r, 'k', 1, d, 0, 8, true)!.equals(d.subarray(0, 16))).toBe(true);
  });

  it('counts, and does not throw on, a fragment lying past the end the last fragment set', () => {
    // Found by the mutation test: the copy into the datagram threw a RangeError.
    const { r, errors } = reassembler();
    const d = bytes(48);
    add(r, 'k', 1, d, 32, 16, true);
    add(r, 'k', 1, d, 0, 8, true);
    expect(() => add(r, 'k', 1, d, 8, 8, false)).not.toThrow();
    expect(errors.toJSON()).toEqual({ ipv4: { 'fragment beyond the last fragment': 1 } });
    expect(r.inProgress).toBe(0);
  });

  it('randomly cut, shuffled and duplicated datagrams reassemble to the original', () => {
    const rand = rng(7);
    const { r, errors } = reassembler({ maxDatagrams: 64 });
    for (let n = 0; n < 300; n++) {
      const len = 1 + randInt(rand, 9000);
      const data = bytes(len, n);
      const pieces: [number, number, boolean][] = [];
      for (let off = 0; off < len; ) {
        const size = Math.min(len - off, 8 * (1 + randInt(rand, 200)));
        pieces.push([off, size, off + size < len]);
        off += size;
      }
      const dups = randInt(rand, 3);
      for (let i = 0; i < dups; i++) pieces.push(pieces[randInt(rand, pieces.length)]);
      for (let i = pieces.length - 1; i > 0; i--) {
        const j = randInt(rand, i + 1);
        [pieces[i], pieces[j]] = [pieces[j], pieces[i]];
      }
      let result: Buffer | null = null;
      for (const piece of pieces) {
        const out = add(r, `d${n}`, n, data, ...piece);
        if (out) {
          expect(result, `datagram ${n} completed twice`).toBeNull();
          result = out;
          break;
        }
      }
      expect(result?.equals(data), `datagram ${n}`).toBe(true);
    }
    expect(errors.total).toBe(0);
    expect(r.inProgress).toBe(0);
  });
});

function decodeFrames(decoder: PacketDecoder, frames: Frame[], ts?: number[]) {
  return frames.map((f, i) => snapshot(decoder.decodeFrame(f.data, 0, f.data.length, f.origLen, f.linkType, ts ? ts[i] : f.ts)));
}

describe('reassembly bounds through the decoder, on the recorded fragments', () => {
  for (const [name, layer] of [['ipv4-frag', 'ipv4'], ['ipv6-frag', 'ipv6']] as const) {
    it(`${name}: a datagram whose last fragment comes too late is counted under '${layer}'`, () => {
      const frames = fixtureFrames(name);
      const decoder = new PacketDecoder(new DecodeErrors(), { ...LIMITS, timeoutS: 30 });
      const t0 = frames[6].ts;
      // UDP fragments 1 and 2, then the last one 31 s later.
      const out = decodeFrames(decoder, [frames[6], frames[7], frames[8]], [t0, t0, t0 + 31]);
      expect(out.map((s) => s.fragment)).toEqual([true, true, true]);
      expect(decoder.errors.toJSON()).toEqual({ [layer]: { 'fragments timed out before the datagram completed': 1 } });
      expect(out[2].dstPort).toBe(0);
    });

    it(`${name}: a full table is counted under '${layer}' and the held datagram still completes`, () => {
      const frames = fixtureFrames(name);
      const decoder = new PacketDecoder(new DecodeErrors(), { ...LIMITS, maxDatagrams: 1 });
      // Echo request fragment 1, then the whole UDP datagram (no room), then the rest of the echo.
      const out = decodeFrames(decoder, [frames[0], frames[6], frames[7], frames[8], frames[1], frames[2]]);
      expect(decoder.errors.toJSON()).toEqual({ [layer]: { 'fragment reassembly table full': 3 } });
      expect(out.map((s) => s.reassembled)).toEqual([false, false, false, false, false, true]);
      expect(out[5].icmpType).toBe(layer === 'ipv4' ? 8 : 128);
    });

    it(`${name}: the memory bound is counted under '${layer}', not thrown`, () => {
      const frames = fixtureFrames(name);
      const decoder = new PacketDecoder(new DecodeErrors(), { ...LIMITS, maxBytes: 2000 });
      const out = decodeFrames(decoder, frames.slice(6, 9));
      expect(decoder.errors.toJSON()).toEqual({ [layer]: { 'fragment reassembly memory bound reached': 1 } });
      expect(out.every((s) => !s.reassembled)).toBe(true);
    });
  }

  it('IPv4 and IPv6 fragments with the same identification do not mix', () => {
    const decoder = new PacketDecoder();
    const payload4 = udp(1000, 2000, bytes(100, 4));
    const payload6 = udp(1000, 2000, bytes(100, 6));
    const v4 = ipv4Fragments(payload4, 56, { id: 7 });
    const v6 = [0, 56].map((off) =>
      ethernet(0x86dd, ipv6(ipv6Fragment(17, off, off === 0, 7, payload6.subarray(off, off + 56)), { next: 44 })),
    );
    const order = [v4[0], v6[0], v6[1], v4[1]];
    const out = order.map((f) => {
      const p = decoder.decodeFrame(f, 0, f.length, f.length, LINKTYPE_ETHERNET, 1);
      return { s: snapshot(p), payload: Buffer.from(p.buf.subarray(p.payloadOffset, p.payloadOffset + p.payloadLength)) };
    });
    expect(out.map((o) => o.s.reassembled)).toEqual([false, false, true, true]);
    expect(out[2].payload.equals(bytes(100, 6))).toBe(true);
    expect(out[3].payload.equals(bytes(100, 4))).toBe(true);
    expect(decoder.errors.total).toBe(0);
  });
});
