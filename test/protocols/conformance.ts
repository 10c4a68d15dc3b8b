/**
 * The conformance suite every dissector passes: `describeConformance(dissector, vectors)` from its test file.
 *
 * For every vector:
 *   (a) fed whole, it yields the expected facts (all of them; exactly them when `exact`);
 *   (b) TCP: each direction split at every offset yields exactly the whole-feed facts;
 *   (c) TCP: one octet at a time yields exactly the whole-feed facts;
 *   (d) cut at every length (TCP: each stream; UDP: each datagram) it never throws and invents no fact;
 *   (e) N random inputs and N mutations of it never throw.
 * Every feed of every kind must also finish within a time bound (a hang detector, not a benchmark), and
 * every fact be well formed (harness `factProblems`) with its key listed in docs/observations.md.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Dissector } from '../../src/protocols/dissector.js';
import {
  describeVector,
  extraFacts,
  factProblems,
  factText,
  feed,
  feedBytewise,
  feedSplit,
  feedTruncated,
  feedWhole,
  longestUnit,
  missingFacts,
  mulberry32,
  mutateVector,
  planSplit,
  randomInt,
  randomVector,
  sameFacts,
  seedFrom,
  type Fact,
  type FeedResult,
  type Vector,
} from '../../src/protocols/harness.js';

export interface ConformanceVector extends Vector {
  /** Shown in test names and failures; also seeds this vector's mutations. */
  readonly name: string;
  /** Facts the whole-feed must yield (each at least once). */
  readonly expected: readonly Fact[];
  /** The whole-feed yields exactly `expected`, same repeats, in any order. */
  readonly exact?: boolean;
}

export interface ConformanceOptions {
  /** N: random inputs, and mutations of each vector (default 2000). */
  iterations?: number;
  /**
   * Upper bound for one input, in ms (default 1000): catches runaway loops, it is not a benchmark.
   * Inputs take well under a millisecond; the margin absorbs GC pauses and a loaded CI machine.
   */
  timeLimitMs?: number;
  /** Base seed for random and mutated inputs (default 0x5eed). */
  seed?: number;
  /** Longest random segment (default 1024). */
  maxRandomLength?: number;
  /**
   * The observation vocabulary every emitted key must appear in (as `key`), or false to skip the check.
   * Default: docs/observations.md of this repository.
   */
  observationsDoc?: string | URL | false;
  /** Vitest timeout of each test (default 120 s). */
  testTimeoutMs?: number;
}

const DEFAULT_DOC = new URL('../../docs/observations.md', import.meta.url);
const docCache = new Map<string, string>();

function documentedKeys(doc: string | URL): (key: string) => boolean {
  const id = doc.toString();
  let text = docCache.get(id);
  if (text === undefined) {
    text = readFileSync(doc, 'utf8');
    docCache.set(id, text);
  }
  const body = text;
  return (key) => body.includes(`\`${key}\``);
}

/** How many failing cases a message lists before "and N more". */
const SHOW = 5;

export function describeConformance(
  dissector: Dissector,
  vectors: readonly ConformanceVector[],
  options: ConformanceOptions = {},
): void {
  const iterations = options.iterations ?? 2000;
  const timeLimitMs = options.timeLimitMs ?? 1000;
  const baseSeed = options.seed ?? 0x5eed;
  const maxRandomLength = options.maxRandomLength ?? 1024;
  const docOption = options.observationsDoc ?? DEFAULT_DOC;
  const timeout = options.testTimeoutMs ?? 120_000;

  /**
   * Runs one feed; one over the time limit is run again, and only reported slow if it is again (once can
   * be a GC pause or a busy machine).
   */
  function run(feedOnce: () => FeedResult): FeedResult {
    const first = feedOnce();
    return first.ms > timeLimitMs && !first.threw ? feedOnce() : first;
  }

  /** Problems with one feed: a throw, too slow, malformed facts, undocumented keys. */
  function problems(result: FeedResult): string[] {
    const out: string[] = [];
    if (result.threw) out.push(`threw: ${errorText(result.error)}`);
    if (result.ms > timeLimitMs) out.push(`took ${result.ms.toFixed(1)} ms (limit ${timeLimitMs} ms)`);
    out.push(...factProblems(dissector, result.facts));
    if (docOption !== false) {
      const documented = documentedKeys(docOption);
      for (const fact of result.facts) {
        if (!documented(fact.key)) out.push(`key not in ${docOption.toString()}: ${fact.key}`);
      }
    }
    return [...new Set(out)];
  }

  function assertClean(result: FeedResult, what: string): void {
    const found = problems(result);
    if (found.length > 0) expect.fail(`${what}:\n  ${found.slice(0, SHOW).join('\n  ')}`);
  }

  describe(`${dissector.name} conformance`, () => {
    it('declares itself consistently', () => {
      expect(dissector.name).toMatch(/^[a-z][a-z0-9-]*$/);
      for (const port of [...dissector.udpPorts, ...dissector.tcpPorts]) {
        expect(Number.isInteger(port) && port > 0 && port < 65536, `port ${port}`).toBe(true);
      }
      expect(vectors.length, 'at least one vector').toBeGreaterThan(0);
    });

    for (const vector of vectors) {
      describe(vector.name, () => {
        const whole = (): FeedResult => run(() => feedWhole(dissector, vector));

        it('(a) whole feed yields the expected facts', () => {
          const result = whole();
          assertClean(result, 'whole feed');
          const missing = missingFacts(vector.expected, result.facts);
          expect(missing, `missing facts; got:\n  ${result.facts.map(factText).join('\n  ')}`).toEqual([]);
          if (vector.exact) {
            expect(result.facts.map(factText).sort()).toEqual(vector.expected.map(factText).sort());
          }
          const again = whole();
          expect(sameFacts(again.facts, result.facts), 'two sessions on the same bytes agree').toBe(true);
        });

        if (vector.transport === 'tcp') {
          it('(b) splitting each direction at every offset yields the whole-feed facts', { timeout }, () => {
            const reference = whole().facts;
            const failures: string[] = [];
            const longest = longestUnit(vector);
            for (let offset = 1; offset < longest; offset++) {
              const result = run(() => feedSplit(dissector, vector, offset));
              const found = problems(result);
              if (found.length > 0) failures.push(`offset ${offset}: ${found[0]}`);
              else if (!sameFacts(result.facts, reference)) failures.push(`offset ${offset}: ${diff(result.facts, reference)}`);
            }
            report(failures, vector);
          });

          it('(c) one octet at a time yields the whole-feed facts', { timeout }, () => {
            const reference = whole().facts;
            const result = run(() => feedBytewise(dissector, vector));
            assertClean(result, 'bytewise feed');
            expect(sameFacts(result.facts, reference), diff(result.facts, reference)).toBe(true);
          });
        }

        const cutWhat = vector.transport === 'tcp' ? 'each stream' : 'each datagram';
        it(`(d) ${cutWhat} cut at every length never throws and invents no fact`, { timeout }, () => {
          const reference = whole().facts;
          const failures: string[] = [];
          const longest = longestUnit(vector);
          for (let length = 0; length <= longest; length++) {
            const result = run(() => feedTruncated(dissector, vector, length));
            const found = problems(result);
            if (found.length > 0) {
              failures.push(`length ${length}: ${found[0]}`);
              continue;
            }
            const invented = extraFacts(result.facts, reference);
            if (invented.length > 0) failures.push(`length ${length}: invented ${invented.slice(0, 3).join('; ')}`);
          }
          report(failures, vector);
        });

        it(`(e) ${iterations} mutations never throw and each takes under ${timeLimitMs} ms`, { timeout }, () => {
          const rng = mulberry32(seedFrom(vector.name, baseSeed));
          const failures: string[] = [];
          for (let i = 0; i < iterations && failures.length < SHOW; i++) {
            const mutant = mutateVector(vector, rng);
            // Mutants of a stream are also split at a random offset, so framing code sees broken input too.
            const plan = planSplit(mutant, 1 + randomInt(rng, Math.max(1, longestUnit(mutant))));
            const found = problems(run(() => feed(dissector, mutant, plan)));
            if (found.length > 0) failures.push(`mutation ${i}: ${found[0]}\n${describeVector(mutant)}`);
          }
          report(failures, vector);
        });
      });
    }

    it(`(e) ${iterations} random inputs never throw and each takes under ${timeLimitMs} ms`, { timeout }, () => {
      const rng = mulberry32(seedFrom(`${dissector.name} random`, baseSeed));
      const failures: string[] = [];
      for (let i = 0; i < iterations && failures.length < SHOW; i++) {
        const input = randomVector(rng, vectors[i % vectors.length], maxRandomLength);
        const found = problems(run(() => feedWhole(dissector, input)));
        if (found.length > 0) failures.push(`random ${i}: ${found[0]}\n${describeVector(input)}`);
      }
      if (failures.length > 0) expect.fail(failures.join('\n'));
    });
  });
}

function report(failures: readonly string[], vector: Vector): void {
  if (failures.length === 0) return;
  const more = failures.length > SHOW ? `\n  …and ${failures.length - SHOW} more` : '';
  expect.fail(`${failures.length} failing case(s):\n  ${failures.slice(0, SHOW).join('\n  ')}${more}\n${describeVector(vector)}`);
}

function diff(actual: readonly Fact[], reference: readonly Fact[]): string {
  const extra = extraFacts(actual, reference);
  const lacking = extraFacts(reference, actual);
  return `extra [${extra.slice(0, 3).join('; ')}] missing [${lacking.slice(0, 3).join('; ')}]`;
}

function errorText(error: unknown): string {
  return error instanceof Error ? (error.stack ?? error.message) : String(error);
}
