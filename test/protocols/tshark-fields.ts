/** tshark as an oracle for dissector tests: which captures to read, and its fields per packet. */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readCaptureFile } from '../../src/capture/capture-reader.js';
import { LINK_PROTO_NONE } from '../../src/decode/decoded-packet.js';
import { PacketDecoder } from '../../src/decode/packet-decoder.js';
import type { Dissector } from '../../src/protocols/dissector.js';
import { frameDissectorAsDatagrams, type FrameDissector } from '../../src/protocols/frame-dissector.js';
import { feedWhole, type Fact } from '../../src/protocols/harness.js';
import { pcapOf } from '../differential/port-reuse.js';

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
interface KeyStats {
  subsetOnly: boolean;
  expected: number;
  found: number;
  emitted: number;
  contradicting: string[];
  missing: string[];
}

const keyStats = (specs: readonly KeySpec[]): Map<string, KeyStats> => new Map(specs.map((s) => [s.key, { subsetOnly: s.subsetOnly === true, expected: 0, found: 0, emitted: 0, contradicting: [], missing: [] }]));

/** One packet's (or frame's) tshark row against the facts emitted for it, key by key. */
function compareRow(stats: Map<string, KeyStats>, specs: readonly KeySpec[], row: string[], facts: readonly Fact[], where: string, detail: string): void {
  for (const spec of specs) {
    const st = stats.get(spec.key)!;
    const theirs = spec.tshark(row);
    const ours = spec.ours ? spec.ours(facts) : facts.filter((f) => f.key === spec.key).map((f) => String(f.value));
    st.expected += theirs.length;
    st.emitted += ours.length;
    for (const value of theirs) {
      if (ours.includes(value)) st.found++;
      else st.missing.push(`${where}: ${value}${detail}`);
    }
    for (const value of ours) if (!theirs.includes(value)) st.contradicting.push(`${where}: ${value}`);
  }
}

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
      const stats = keyStats(specs);
      for (const capture of captures) {
        if (!existsSync(new URL(capture, SHARED))) continue;
        for (const row of tsharkRows(capture, `${filter} && udp && !icmp && !icmpv6`, ['udp.payload', ...fields])) {
          const payload = row[0];
          const bytes = Buffer.from(payload, 'hex');
          const facts = feedWhole(dissector, { transport: 'udp', originatorPort: 1, responderPort: 2, segments: [{ dir: 0, bytes }] }).facts;
          compareRow(stats, specs, row.slice(1), facts, capture, ` (payload ${payload.slice(0, 80)}…)`);
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

/** One frame a frame dissector reads (LLDP, CDP), as the packet decoder finds it: its number and its PDU (copied). */
export interface LinkFrame {
  frameNumber: number;
  linkProto: number;
  pdu: Buffer;
}

/** Every frame of a capture that the link layer hands to a frame dissector, read with Vigil's own reader and decoder. */
export async function linkFrames(path: string): Promise<LinkFrame[]> {
  const decoder = new PacketDecoder();
  const out: LinkFrame[] = [];
  await readCaptureFile(path, {
    packet(rec) {
      const p = decoder.decode(rec);
      if (p.linkProto === LINK_PROTO_NONE) return;
      out.push({ frameNumber: rec.frameNumber, linkProto: p.linkProto, pdu: Buffer.from(p.frame.subarray(p.l3Offset, p.frameOffset + p.frameLength)) });
    },
  });
  return out;
}

/**
 * Differential test of a frame dissector against tshark, as `describeUdpDifferential` for datagrams: every frame
 * tshark's `filter` shows must reach the dissector through Vigil's link layer, every value tshark extracts for a
 * key is emitted, and nothing emitted is a value tshark does not show. `captures`: paths relative to
 * ../shared/captures (skipped when absent) or absolute (fixtures of this repository).
 */
export function describeFrameDifferential(
  label: string,
  frames: FrameDissector,
  captures: readonly string[],
  filter: string,
  fields: readonly string[],
  specs: readonly KeySpec[],
): void {
  describe.skipIf(!haveTshark)(`${label} against tshark`, () => {
    it(`every frame and value tshark shows is found, nothing emitted contradicts it (${captures.length} captures)`, async () => {
      const dissector = frameDissectorAsDatagrams(frames);
      const stats = keyStats(specs);
      const unrouted: string[] = [];
      let compared = 0;
      for (const capture of captures) {
        const url = new URL(capture, SHARED);
        if (!existsSync(url)) continue;
        const pdus = new Map((await linkFrames(url.pathname)).filter((f) => f.linkProto === frames.linkProto).map((f) => [f.frameNumber, f.pdu]));
        for (const row of tsharkRows(capture, filter, ['frame.number', ...fields])) {
          const pdu = pdus.get(Number(row[0]));
          if (pdu === undefined) {
            unrouted.push(`${capture}: frame ${row[0]}`);
            continue;
          }
          compared++;
          const facts = feedWhole(dissector, { transport: 'udp', originatorPort: 1, responderPort: 2, segments: [{ dir: 0, bytes: pdu }] }).facts;
          compareRow(stats, specs, row.slice(1), facts, `${capture} frame ${row[0]}`, '');
        }
      }
      const lines = [...stats].map(([key, st]) => `${key}: tshark ${st.expected}, found ${st.found} (recall ${st.expected === 0 ? 'n/a' : `${((100 * st.found) / st.expected).toFixed(1)}%`}), emitted ${st.emitted}, contradicting ${st.contradicting.length}`);
      console.info(`${label} vs tshark (${compared} frames):\n  ${lines.join('\n  ')}`);
      expect(unrouted, 'frames tshark shows that the link layer did not hand to the dissector').toEqual([]);
      expect(compared, 'frames compared').toBeGreaterThan(0);
      for (const [key, st] of stats) {
        expect(st.missing.slice(0, 5), `${key}: values tshark shows that were not emitted`).toEqual([]);
        expect(st.contradicting.slice(0, 5), `${key}: values emitted that tshark does not show`).toEqual([]);
      }
    });
  });
}

/**
 * A classic pcap (Ethernet link type) of `frames` in a new temporary directory, so tshark can be asked about
 * frames a test builds; returns its absolute path (left in the OS temporary directory).
 */
export function writeEthernetPcap(name: string, frames: readonly Buffer[]): string {
  const path = join(mkdtempSync(join(tmpdir(), 'vigil-tshark-')), name);
  writeFileSync(path, pcapOf([...frames]));
  return path;
}
