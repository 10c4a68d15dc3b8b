import { describe, expect, it } from 'vitest';
import { ReassemblyBudget, TcpReassembler, type StreamSink } from '../../src/flow/tcp-reassembler.js';
import { randInt, rng } from '../decode/fixtures.js';

/** Records what the reassembler delivers: bytes, and gaps as `{gap: n}`. */
class Recorder implements StreamSink {
  readonly events: (string | { gap: number })[] = [];
  readonly chunks: Buffer[] = [];
  gapTotal = 0;

  data(buf: Buffer, offset: number, length: number): void {
    const copy = Buffer.from(buf.subarray(offset, offset + length));
    expect(copy.length).toBe(length);
    this.chunks.push(copy);
    this.events.push(copy.toString('latin1'));
  }

  gap(length: number): void {
    expect(length).toBeGreaterThan(0);
    this.gapTotal += length;
    this.events.push({ gap: length });
  }

  get text(): string {
    return this.events.map((e) => (typeof e === 'string' ? e : `<${e.gap}>`)).join('');
  }
}

function stream(maxHold = 1 << 20, budget = new ReassemblyBudget(1 << 24)) {
  const sink = new Recorder();
  return { sink, r: new TcpReassembler(sink, budget, maxHold), budget };
}

const seg = (r: TcpReassembler, seq: number, text: string) => r.segment(seq >>> 0, Buffer.from(`##${text}##`), 2, text.length);

describe('TcpReassembler', () => {
  it('delivers in-order data at once, starting one past the SYN', () => {
    const { sink, r } = stream();
    r.syn(1000);
    seg(r, 1001, 'hello ');
    expect(sink.text).toBe('hello ');
    seg(r, 1007, 'world');
    expect(sink.text).toBe('hello world');
    expect(r.delivered).toBe(11);
    expect(r.bufferedBytes).toBe(0);
  });

  it('picked up mid-stream, the first segment sets the origin', () => {
    const { sink, r } = stream();
    seg(r, 5000, 'abc');
    seg(r, 5003, 'def');
    expect(sink.text).toBe('abcdef');
  });

  it('holds out-of-order segments and releases them when the hole fills', () => {
    const { sink, r, budget } = stream();
    r.syn(0);
    seg(r, 7, 'ghi');
    seg(r, 4, 'def');
    expect(sink.text).toBe('');
    expect(r.bufferedBytes).toBe(6);
    expect(budget.held).toBe(6);
    seg(r, 1, 'abc');
    expect(sink.events).toEqual(['abc', 'def', 'ghi']);
    expect(r.bufferedBytes).toBe(0);
    expect(budget.held).toBe(0);
  });

  it('trims retransmissions and overlaps, old data winning', () => {
    const { sink, r } = stream();
    r.syn(0);
    seg(r, 1, 'abcd');
    seg(r, 1, 'abcd'); // exact retransmission
    seg(r, 3, 'CDEF'); // overlaps delivered bytes: only 'EF' is new
    seg(r, 9, 'ijkl'); // held
    seg(r, 10, 'JKLMN'); // overlaps held: delivered after it, trimmed
    seg(r, 7, 'gh');
    expect(sink.text).toBe('abcdEFghijklMN');
    expect(r.delivered).toBe(14);
    expect(r.gaps).toBe(0);
  });

  it('handles sequence numbers wrapping at 2^32', () => {
    const { sink, r } = stream();
    r.syn(0xfffffffd);
    seg(r, 0xfffffffe, 'ab'); // 0xfffffffe, 0xffffffff
    seg(r, 3, 'fg'); // after the wrap, out of order
    seg(r, 0, 'cde');
    seg(r, 0xffffffff, 'bc'); // retransmission across the wrap
    seg(r, 5, 'hi');
    expect(sink.text).toBe('abcdefghi');
    expect(r.gaps).toBe(0);
  });

  it('a hole larger than the per-stream bound becomes a gap; delivery continues', () => {
    const { sink, r, budget } = stream(10);
    r.syn(0);
    seg(r, 1, 'abc');
    seg(r, 10, 'jklm'); // held (4)
    seg(r, 14, 'nopq'); // held (8)
    seg(r, 18, 'rstu'); // would be 12 > 10: give up on the hole
    expect(sink.text).toBe('abc<6>jklmnopqrstu');
    expect(r.gaps).toBe(1);
    expect(r.gapBytes).toBe(6);
    expect(budget.overflows).toBe(1);
    expect(r.bufferedBytes).toBe(0);
    // The late segment that filled the hole is old now, and ignored.
    seg(r, 4, 'defghi');
    seg(r, 22, 'v');
    expect(sink.text).toBe('abc<6>jklmnopqrstuv');
  });

  it('the shared budget bounds all streams together', () => {
    const budget = new ReassemblyBudget(10);
    const a = stream(1 << 20, budget);
    const b = stream(1 << 20, budget);
    a.r.syn(0);
    b.r.syn(0);
    seg(a.r, 1, 'a');
    seg(b.r, 1, 'b');
    seg(a.r, 5, 'AAAAAA'); // held: budget 6
    seg(b.r, 5, 'BBBB'); // held: budget 10
    expect(budget.held).toBe(10);
    seg(b.r, 9, 'C'); // 11 > 10: stream b gives up its hole
    expect(b.sink.text).toBe('b<3>BBBBC');
    expect(budget.held).toBe(6);
    expect(budget.overflows).toBe(1);
    seg(a.r, 2, 'xyz');
    expect(a.sink.text).toBe('axyzAAAAAA');
    expect(budget.held).toBe(0);
  });

  it('an out-of-order segment larger than the bound is delivered after a gap', () => {
    const { sink, r } = stream(4);
    r.syn(0);
    seg(r, 3, 'cdefgh');
    expect(sink.text).toBe('<2>cdefgh');
  });

  it('finish() flushes held data with its gaps, then ignores more', () => {
    const { sink, r, budget } = stream();
    r.syn(100);
    seg(r, 101, 'ab');
    seg(r, 106, 'fg');
    seg(r, 110, 'jk');
    seg(r, 108, 'hi');
    r.finish();
    expect(sink.text).toBe('ab<3>fghijk');
    expect(r.gaps).toBe(1);
    expect(r.gapBytes).toBe(3);
    expect(budget.held).toBe(0);
    seg(r, 112, 'late');
    r.finish();
    expect(sink.text).toBe('ab<3>fghijk');
  });

  it('ignores empty segments and a second SYN', () => {
    const { sink, r } = stream();
    r.syn(10);
    r.segment(11, Buffer.alloc(0), 0, 0);
    r.syn(500);
    seg(r, 11, 'x');
    expect(sink.text).toBe('x');
  });
});

describe('TcpReassembler, randomized', () => {
  /** Cut `data` into segments; shuffle within a window, duplicate and overlap some. */
  function segments(r: () => number, data: Buffer, window: number) {
    const cuts: { off: number; len: number }[] = [];
    for (let off = 0; off < data.length; ) {
      const len = Math.min(data.length - off, 1 + randInt(r, 300));
      cuts.push({ off, len });
      off += len;
    }
    // Retransmissions: duplicates, and segments spanning two originals.
    const extra = randInt(r, cuts.length / 3 + 1);
    for (let i = 0; i < extra; i++) {
      const a = cuts[randInt(r, cuts.length)];
      if (r() < 0.5) cuts.push({ ...a });
      else {
        const end = Math.min(data.length, a.off + a.len + randInt(r, 400));
        const start = Math.max(0, a.off - randInt(r, 50));
        cuts.push({ off: start, len: end - start });
      }
    }
    cuts.sort((x, y) => x.off - y.off);
    // Bounded displacement: each segment moves at most `window` places.
    const keyed = cuts.map((c, i) => ({ c, k: i + r() * window }));
    keyed.sort((x, y) => x.k - y.k);
    return keyed.map((x) => x.c);
  }

  it('shuffled, duplicated, overlapping segments within the bound deliver the original bytes', () => {
    const r = rng(2024);
    for (let n = 0; n < 300; n++) {
      const data = Buffer.from(Array.from({ length: 1 + randInt(r, 20000) }, () => randInt(r, 256)));
      // Half the runs start near the top of sequence space, to wrap.
      const isn = r() < 0.5 ? (0xffffffff - randInt(r, 30000)) >>> 0 : randInt(r, 0x100000000);
      const budget = new ReassemblyBudget(1 << 24);
      const { sink, r: tcp } = stream(1 << 20, budget);
      tcp.syn(isn);
      for (const c of segments(r, data, 1 + randInt(r, 12))) tcp.segment((isn + 1 + c.off) >>> 0, data, c.off, c.len);
      expect(Buffer.concat(sink.chunks).equals(data), `run ${n}`).toBe(true);
      expect(tcp.gaps, `run ${n}`).toBe(0);
      expect(tcp.bufferedBytes).toBe(0);
      expect(budget.held).toBe(0);
    }
  });

  it('with a small bound, bytes delivered land at their true stream positions and gaps account for the rest', () => {
    const r = rng(99);
    let gaps = 0;
    let overflows = 0;
    for (let n = 0; n < 300; n++) {
      const data = Buffer.from(Array.from({ length: 1 + randInt(r, 20000) }, () => randInt(r, 256)));
      const isn = randInt(r, 0x100000000);
      const budget = new ReassemblyBudget(500 + randInt(r, 3000));
      const sink: StreamSink & { pos: number; bad: string | null } = {
        pos: 0,
        bad: null,
        data(buf, offset, length) {
          if (!buf.subarray(offset, offset + length).equals(data.subarray(this.pos, this.pos + length))) this.bad ??= `bytes at ${this.pos} differ`;
          this.pos += length;
        },
        gap(length) {
          if (length <= 0) this.bad ??= `gap of ${length}`;
          this.pos += length;
        },
      };
      const tcp = new TcpReassembler(sink, budget, 200 + randInt(r, 2000));
      tcp.syn(isn);
      const segs = segments(r, data, 1 + randInt(r, 40));
      // Drop some segments for good.
      for (const c of segs) if (r() > 0.05) tcp.segment((isn + 1 + c.off) >>> 0, data, c.off, c.len);
      tcp.finish();
      expect(sink.bad, `run ${n}`).toBeNull();
      expect(sink.pos, `run ${n}`).toBeLessThanOrEqual(data.length);
      expect(tcp.delivered + tcp.gapBytes, `run ${n}`).toBe(sink.pos);
      expect(budget.held, `run ${n}`).toBe(0);
      gaps += tcp.gaps;
      overflows += budget.overflows;
    }
    // The bounds were hit, and segments were lost, often enough to matter.
    expect(overflows).toBeGreaterThan(100);
    expect(gaps).toBeGreaterThan(300);
  });
});
