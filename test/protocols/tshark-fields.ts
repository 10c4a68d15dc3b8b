/** tshark as an oracle for dissector tests: which captures to read, and its fields per packet. */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Dissector } from '../../src/protocols/dissector.js';
import { feedWhole, type Fact } from '../../src/protocols/harness.js';

export const SHARED = new URL('../../../shared/captures/', import.meta.url);
export const haveShared = existsSync(SHARED);
export const haveTshark = spawnSync('tshark', ['-v'], { stdio: 'ignore' }).status === 0;

/** Why capture-based tests cannot run here ('' when they can); says so once on the console. */
export function captureSkipReason(testName: string): string {
  const why = !haveShared ? '../shared is absent' : !haveTshark ? 'tshark is not installed' : '';
  if (why) console.info(`${testName}: skipping the capture-based tests: ${why}`);
  return why;
}

/** tshark's fields for every packet matching `filter`, one array per packet (multi-valued fields joined by `|`). */
export function tsharkRows(capture: string, filter: string, fields: readonly string[]): string[][] {
  const out = execFileSync(
    'tshark',
    ['-r', new URL(capture, SHARED).pathname, '-Y', filter, '-T', 'fields', '-E', 'occurrence=a', '-E', 'aggregator=|', ...fields.flatMap((f) => ['-e', f])],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 64 << 20 },
  );
  return out
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => line.split('\t'));
}

/** A `|`-joined multi-valued field as a list. */
export const list = (field: string | undefined): string[] => (field === undefined || field === '' ? [] : field.split('|'));

/** One observation key compared with tshark: its values per packet on each side, in the same text form. */
export interface KeySpec {
  key: string;
  /** tshark's values for this key in one packet (already restricted to packets where the key applies). */
  tshark: (row: string[]) => string[];
  /** Our values; by default every emitted value of `key`. */
  ours?: (facts: readonly Fact[]) => string[];
  /** Only check that what is emitted is among what tshark shows (tshark's side includes records not read). */
  subsetOnly?: boolean;
}

/**
 * Differential test of a UDP dissector against tshark: every value tshark extracts for a key is emitted,
 * and nothing emitted is a value tshark does not show. Recall per key is printed.
 */
export function describeUdpDifferential(
  label: string,
  dissector: Dissector,
  captures: readonly string[],
  filter: string,
  fields: readonly string[],
  specs: readonly KeySpec[],
): void {
  describe.skipIf(!haveShared || !haveTshark)(`${label} against tshark`, () => {
    it(`every value tshark shows is emitted, nothing emitted contradicts it (${captures.length} captures)`, () => {
      const stats = new Map(specs.map((s) => [s.key, { subsetOnly: s.subsetOnly === true, expected: 0, found: 0, emitted: 0, contradicting: [] as string[], missing: [] as string[] }]));
      for (const capture of captures) {
        if (!existsSync(new URL(capture, SHARED))) continue;
        for (const row of tsharkRows(capture, `${filter} && udp && !icmp && !icmpv6`, ['udp.payload', ...fields])) {
          const payload = row[0];
          const bytes = Buffer.from(payload, 'hex');
          const facts = feedWhole(dissector, { transport: 'udp', originatorPort: 1, responderPort: 2, segments: [{ dir: 0, bytes }] }).facts;
          for (const spec of specs) {
            const st = stats.get(spec.key)!;
            const theirs = spec.tshark(row.slice(1));
            const ours = spec.ours ? spec.ours(facts) : facts.filter((f) => f.key === spec.key).map((f) => String(f.value));
            st.expected += theirs.length;
            st.emitted += ours.length;
            for (const value of theirs) {
              if (ours.includes(value)) st.found++;
              else st.missing.push(`${capture}: ${value} (payload ${payload.slice(0, 80)}…)`);
            }
            for (const value of ours) if (!theirs.includes(value)) st.contradicting.push(`${capture}: ${value}`);
          }
        }
      }
      const lines: string[] = [];
      for (const [key, st] of stats) {
        const recall = st.subsetOnly ? 'n/a: subset check' : st.expected === 0 ? 'n/a' : `${((100 * st.found) / st.expected).toFixed(1)}%`;
        lines.push(`${key}: tshark ${st.expected}, found ${st.found} (recall ${recall}), emitted ${st.emitted}, contradicting ${st.contradicting.length}`);
      }
      console.info(`${label} vs tshark:\n  ${lines.join('\n  ')}`);
      for (const [key, st] of stats) {
        if (!st.subsetOnly) expect(st.missing.slice(0, 5), `${key}: values tshark shows that were not emitted`).toEqual([]);
        expect(st.contradicting.slice(0, 5), `${key}: values emitted that tshark does not show`).toEqual([]);
      }
    });
  });
}
