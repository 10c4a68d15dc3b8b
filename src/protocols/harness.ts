/**
 * Drives any Dissector over recorded or generated flows ("vectors") with no test framework, for the
 * conformance suite (test/protocols/conformance.ts) and the fuzz benchmark.
 *
 * Delivery is as hostile as the engine is allowed to be: each chunk is copied into a larger buffer at a
 * non-zero offset between guard octets, and the whole buffer is overwritten as soon as `data()` returns, as
 * the capture reader reuses its buffers. A dissector that ignores `offset`, reads past `length`, keeps a
 * reference to bytes it did not copy, or writes into its input gives different facts or a reported error.
 */
import { performance } from 'node:perf_hooks';
import type { Direction, Dissector, DissectorContext, DissectorSession, Transport } from './dissector.js';
import type { ObservationValue } from './observation.js';

export interface Segment {
  readonly dir: Direction;
  readonly bytes: Buffer;
}

/**
 * One flow's payload. UDP: each segment is one datagram. TCP: each direction's segments concatenate into
 * that direction's stream; the order of segments tells which side spoke first.
 */
export interface Vector {
  readonly transport: Transport;
  readonly originatorPort: number;
  readonly responderPort: number;
  readonly segments: readonly Segment[];
}

export interface Fact {
  readonly key: string;
  readonly value: ObservationValue;
  readonly from: Direction;
}

export interface FeedOptions {
  /** Timestamp the context reports (default 0). */
  ts?: number;
  /** Guard octets before and after each chunk in the delivery buffer (default 7). */
  pad?: number;
}

export interface FeedResult {
  /** Every fact emitted, in order. */
  facts: Fact[];
  /** True if `open`, `data`, `gap` or `end` threw, or the dissector wrote into its input. */
  threw: boolean;
  /** What was thrown (or the write detected), when `threw`. */
  error: unknown;
  /** Wall time from `open` to the end of `end`, in milliseconds. */
  ms: number;
  /** Chunks and octets handed to `data` before the session said it was done (or threw). */
  chunks: number;
  bytes: number;
  /** `session.done` at the end. */
  done: boolean;
}

/** Octet the delivery buffer is filled with around and after each chunk. */
const SCRIBBLE = 0xa5;

/** Opens a session on a context whose `emit` collects into `facts`. */
export function collectingContext(vector: Vector, ts = 0): { ctx: DissectorContext; facts: Fact[] } {
  const facts: Fact[] = [];
  const ctx: DissectorContext = {
    emit(key: string, value: ObservationValue, from: Direction): void {
      facts.push({ key, value, from });
    },
    ts,
    transport: vector.transport,
    originatorPort: vector.originatorPort,
    responderPort: vector.responderPort,
  };
  return { ctx, facts };
}

/**
 * Delivers `plan` (chunks in order) to a new session: stops once `session.done` is true, calls `end()`,
 * and never lets an exception escape. A chunk never spans two of the vector's turns (see `turns`).
 */
export function feed(dissector: Dissector, vector: Vector, plan: readonly Segment[], options: FeedOptions = {}): FeedResult {
  const pad = options.pad ?? 7;
  const { ctx, facts } = collectingContext(vector, options.ts ?? 0);
  let largest = 0;
  for (const chunk of plan) largest = Math.max(largest, chunk.bytes.length);
  const delivery = Buffer.alloc(largest + 2 * pad, SCRIBBLE);
  const result: FeedResult = { facts, threw: false, error: undefined, ms: 0, chunks: 0, bytes: 0, done: false };
  const started = performance.now();
  let session: DissectorSession | null = null;
  try {
    session = dissector.open(ctx);
    for (const chunk of plan) {
      if (session.done) break;
      const length = chunk.bytes.length;
      chunk.bytes.copy(delivery, pad);
      session.data(chunk.dir, delivery, pad, length);
      result.chunks++;
      result.bytes += length;
      if (delivery.compare(chunk.bytes, 0, length, pad, pad + length) !== 0 || !guardsIntact(delivery, pad, length)) {
        throw new Error(`${dissector.name}: data() wrote into the buffer it was given (chunk ${result.chunks})`);
      }
      delivery.fill(SCRIBBLE);
    }
    session.end?.();
  } catch (error) {
    result.threw = true;
    result.error = error;
  }
  result.ms = performance.now() - started;
  try {
    result.done = session?.done ?? false;
  } catch (error) {
    if (!result.threw) {
      result.threw = true;
      result.error = error;
    }
  }
  return result;
}

function guardsIntact(delivery: Buffer, pad: number, length: number): boolean {
  for (let i = 0; i < pad; i++) {
    if (delivery[i] !== SCRIBBLE || delivery[pad + length + i] !== SCRIBBLE) return false;
  }
  return true;
}

/**
 * The vector's delivery units. UDP: its datagrams. TCP: maximal runs of consecutive segments in one
 * direction, concatenated; re-chunking never merges across a turn, so one side's later bytes never arrive
 * before the other side's reply to its earlier ones.
 */
export function turns(vector: Vector): Segment[] {
  if (vector.transport === 'udp') return vector.segments.slice();
  const out: Segment[] = [];
  let run: Buffer[] = [];
  let runDir: Direction = 0;
  for (const segment of vector.segments) {
    if (run.length > 0 && segment.dir !== runDir) {
      out.push({ dir: runDir, bytes: Buffer.concat(run) });
      run = [];
    }
    runDir = segment.dir;
    if (segment.bytes.length > 0) run.push(segment.bytes);
  }
  if (run.length > 0) out.push({ dir: runDir, bytes: Buffer.concat(run) });
  return out;
}

/** Each direction's whole stream (TCP) or all its datagrams concatenated (UDP). */
export function streams(vector: Vector): [Buffer, Buffer] {
  const parts: [Buffer[], Buffer[]] = [[], []];
  for (const segment of vector.segments) parts[segment.dir].push(segment.bytes);
  return [Buffer.concat(parts[0]), Buffer.concat(parts[1])];
}

/** Longest direction stream (TCP) or datagram (UDP): the range of offsets and lengths worth trying. */
export function longestUnit(vector: Vector): number {
  if (vector.transport === 'udp') return vector.segments.reduce((n, s) => Math.max(n, s.bytes.length), 0);
  const [a, b] = streams(vector);
  return Math.max(a.length, b.length);
}

/** TCP: one chunk per turn, so a one-turn-per-side exchange is one chunk per direction. UDP: one per datagram. */
export function planWhole(vector: Vector): Segment[] {
  return turns(vector);
}

/**
 * TCP: each direction's stream split at `offset` (of that direction) into two chunks, turns kept apart.
 * UDP datagrams cannot be split, so this is `planWhole`.
 */
export function planSplit(vector: Vector, offset: number): Segment[] {
  if (vector.transport === 'udp') return planWhole(vector);
  const position = [0, 0];
  const out: Segment[] = [];
  for (const turn of turns(vector)) {
    const start = position[turn.dir];
    const length = turn.bytes.length;
    position[turn.dir] += length;
    if (offset > start && offset < start + length) {
      out.push({ dir: turn.dir, bytes: turn.bytes.subarray(0, offset - start) });
      out.push({ dir: turn.dir, bytes: turn.bytes.subarray(offset - start) });
    } else {
      out.push(turn);
    }
  }
  return out;
}

/** TCP: every octet its own chunk. UDP: `planWhole`. */
export function planBytewise(vector: Vector): Segment[] {
  if (vector.transport === 'udp') return planWhole(vector);
  const out: Segment[] = [];
  for (const turn of turns(vector)) {
    for (let i = 0; i < turn.bytes.length; i++) out.push({ dir: turn.dir, bytes: turn.bytes.subarray(i, i + 1) });
  }
  return out;
}

/** TCP: each direction's stream cut after `length` octets. UDP: every datagram cut after `length` octets. */
export function planTruncated(vector: Vector, length: number): Segment[] {
  if (vector.transport === 'udp') {
    return vector.segments.map((s) => ({ dir: s.dir, bytes: s.bytes.subarray(0, Math.min(length, s.bytes.length)) }));
  }
  const position = [0, 0];
  const out: Segment[] = [];
  for (const turn of turns(vector)) {
    const keep = Math.min(turn.bytes.length, Math.max(0, length - position[turn.dir]));
    position[turn.dir] += turn.bytes.length;
    if (keep > 0) out.push({ dir: turn.dir, bytes: turn.bytes.subarray(0, keep) });
  }
  return out;
}

export function feedWhole(dissector: Dissector, vector: Vector, options?: FeedOptions): FeedResult {
  return feed(dissector, vector, planWhole(vector), options);
}

export function feedSplit(dissector: Dissector, vector: Vector, offset: number, options?: FeedOptions): FeedResult {
  return feed(dissector, vector, planSplit(vector, offset), options);
}

export function feedBytewise(dissector: Dissector, vector: Vector, options?: FeedOptions): FeedResult {
  return feed(dissector, vector, planBytewise(vector), options);
}

export function feedTruncated(dissector: Dissector, vector: Vector, length: number, options?: FeedOptions): FeedResult {
  return feed(dissector, vector, planTruncated(vector, length), options);
}

// ---------------------------------------------------------------------------------------------------------
// Random and mutated inputs

/** Uniform in [0, 1). */
export type Rng = () => number;

/** mulberry32: a small, fast, seedable PRNG, good enough to pick mutations reproducibly (not for secrets). */
export function mulberry32(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A stable 32-bit seed from text (FNV-1a), to give each vector its own stream of mutations. */
export function seedFrom(text: string, base = 0): number {
  let h = (0x811c9dc5 ^ base) >>> 0;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

/** Integer in [0, n). */
export function randomInt(rng: Rng, n: number): number {
  return Math.floor(rng() * n);
}

export function randomBytes(rng: Rng, length: number): Buffer {
  const out = Buffer.allocUnsafe(length);
  for (let i = 0; i < length; i++) out[i] = randomInt(rng, 256);
  return out;
}

/** Values that length, count and offset fields are most often mishandled at. */
const EXTREME_OCTETS = [0x00, 0xff, 0x7f, 0x80, 0x01, 0xfe];
const EXTREME_WORDS = [0x0000, 0xffff, 0x7fff, 0x8000, 0x0001, 0xfffe];

/**
 * A copy of `bytes` with 1 to `maxOps` random edits: bit flips, random octets, extreme octets and 16-bit
 * words (0x00/0xff, 0x0000/0xffff...), insertions, deletions and duplicated or copied ranges. Never
 * modifies `bytes`.
 */
export function mutate(bytes: Buffer, rng: Rng, maxOps = 4): Buffer {
  let out: Buffer = Buffer.from(bytes);
  const ops = 1 + randomInt(rng, maxOps);
  for (let op = 0; op < ops; op++) {
    const at = randomInt(rng, out.length + 1);
    const kind = randomInt(rng, 8);
    if (out.length === 0 && kind < 5) {
      out = randomBytes(rng, 1 + randomInt(rng, 8));
      continue;
    }
    const i = Math.min(at, out.length - 1);
    switch (kind) {
      case 0:
        out[i] ^= 1 << randomInt(rng, 8);
        break;
      case 1:
        out[i] = randomInt(rng, 256);
        break;
      case 2:
        out[i] = EXTREME_OCTETS[randomInt(rng, EXTREME_OCTETS.length)];
        break;
      case 3:
        if (i + 1 < out.length) out.writeUInt16BE(EXTREME_WORDS[randomInt(rng, EXTREME_WORDS.length)], i);
        else out[i] = 0xff;
        break;
      case 4: {
        // Copy one range over another: plants valid-looking structure (lengths, pointers) in the wrong place.
        const from = randomInt(rng, out.length);
        const length = 1 + randomInt(rng, Math.min(16, out.length - from));
        out.copy(out, i, from, from + length);
        break;
      }
      case 5:
        out = Buffer.concat([out.subarray(0, at), randomBytes(rng, 1 + randomInt(rng, 16)), out.subarray(at)]);
        break;
      case 6: {
        const length = 1 + randomInt(rng, 16);
        out = Buffer.concat([out.subarray(0, at), out.subarray(Math.min(out.length, at + length))]);
        break;
      }
      default: {
        const length = 1 + randomInt(rng, 32);
        out = Buffer.concat([out.subarray(0, at), out.subarray(Math.max(0, at - length), at), out.subarray(at)]);
        break;
      }
    }
  }
  return out;
}

/** The vector with one or more of its segments mutated (and now and then one dropped or repeated). */
export function mutateVector(vector: Vector, rng: Rng): Vector {
  const segments = vector.segments.slice();
  if (segments.length === 0) return randomVector(rng, vector);
  const edits = 1 + randomInt(rng, Math.min(3, segments.length));
  for (let e = 0; e < edits; e++) {
    const i = randomInt(rng, segments.length);
    segments[i] = { dir: segments[i].dir, bytes: mutate(segments[i].bytes, rng) };
  }
  const roll = rng();
  if (roll < 0.05 && segments.length > 1) segments.splice(randomInt(rng, segments.length), 1);
  else if (roll < 0.1) segments.push(segments[randomInt(rng, segments.length)]);
  return { ...vector, segments };
}

/** 1 to 4 segments of random octets, each up to `maxLength`, in random directions, on `template`'s ports. */
export function randomVector(
  rng: Rng,
  template: Pick<Vector, 'transport' | 'originatorPort' | 'responderPort'>,
  maxLength = 1024,
): Vector {
  const count = 1 + randomInt(rng, 4);
  const segments: Segment[] = [];
  for (let i = 0; i < count; i++) {
    segments.push({ dir: (i === 0 ? 0 : randomInt(rng, 2)) as Direction, bytes: randomBytes(rng, randomInt(rng, maxLength + 1)) });
  }
  return {
    transport: template.transport,
    originatorPort: template.originatorPort,
    responderPort: template.responderPort,
    segments,
  };
}

// ---------------------------------------------------------------------------------------------------------
// Comparing facts

/** One line per fact, for comparison and messages: `<from> <key> <JSON value>`. */
export function factText(fact: Fact): string {
  return `${fact.from} ${fact.key} ${JSON.stringify(fact.value)}`;
}

function counts(facts: readonly Fact[]): Map<string, number> {
  const map = new Map<string, number>();
  for (const fact of facts) {
    const text = factText(fact);
    map.set(text, (map.get(text) ?? 0) + 1);
  }
  return map;
}

/** Facts of `part` beyond those in `whole`, counting repeats (empty when `part` is a sub-multiset). */
export function extraFacts(part: readonly Fact[], whole: readonly Fact[]): string[] {
  const available = counts(whole);
  const extra: string[] = [];
  for (const fact of part) {
    const text = factText(fact);
    const n = available.get(text) ?? 0;
    if (n > 0) available.set(text, n - 1);
    else extra.push(text);
  }
  return extra;
}

/** Expected facts that `actual` lacks (at least once each). */
export function missingFacts(expected: readonly Fact[], actual: readonly Fact[]): string[] {
  const present = counts(actual);
  return expected.map(factText).filter((text) => !present.has(text));
}

/** Same facts with the same repeats, in any order. */
export function sameFacts(a: readonly Fact[], b: readonly Fact[]): boolean {
  return a.length === b.length && extraFacts(a, b).length === 0;
}

/** Problems with the form of a fact: key outside the dissector's prefix, value not an ObservationValue, bad `from`. */
export function factProblems(dissector: Dissector, facts: readonly Fact[]): string[] {
  const problems: string[] = [];
  for (const fact of facts) {
    if (!fact.key.startsWith(`${dissector.name}.`)) problems.push(`key outside "${dissector.name}.": ${factText(fact)}`);
    if (fact.from !== 0 && fact.from !== 1) problems.push(`from is not 0 or 1: ${factText(fact)}`);
    if (!isObservationValue(fact.value)) problems.push(`value is not an ObservationValue: ${fact.key}`);
  }
  return problems;
}

function isObservationValue(value: unknown): boolean {
  if (typeof value === 'string' || typeof value === 'boolean') return true;
  if (typeof value === 'number') return Number.isFinite(value);
  if (!Array.isArray(value)) return false;
  return value.every((v) => typeof v === 'string') || value.every((v) => typeof v === 'number' && Number.isFinite(v));
}

/** Hex of the first `max` octets of each segment, to reproduce a failure. */
export function describeVector(vector: Vector, max = 256): string {
  const lines = vector.segments.map((s) => {
    const hex = s.bytes.subarray(0, max).toString('hex');
    return `  dir ${s.dir} (${s.bytes.length} octets): ${hex}${s.bytes.length > max ? '…' : ''}`;
  });
  return `${vector.transport} ${vector.originatorPort}→${vector.responderPort}\n${lines.join('\n')}`;
}
