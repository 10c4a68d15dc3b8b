/**
 * The decoder's recorded captures (test/fixtures/decode/, made by scripts/make-decode-fixtures.sh)
 * and what tshark decoded in each frame.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { LINKTYPE_ETHERNET } from '../../src/capture/link-type.js';

export const FIXTURE_DIR = fileURLToPath(new URL('../fixtures/decode/', import.meta.url));

export const FIXTURES = ['arp', 'ipv4-frag', 'ipv4-options', 'ipv6-ext', 'ipv6-frag', 'ndp', 'tcp', 'tunnels', 'vlan'] as const;
export type FixtureName = (typeof FIXTURES)[number];

export interface Frame {
  /** 1-based, as tshark numbers frames. */
  number: number;
  ts: number;
  data: Buffer;
  origLen: number;
  linkType: number;
}

/** A classic pcap file as tcpdump writes it (either byte order, micro- or nanosecond stamps). */
export function readPcap(path: string): Frame[] {
  const buf = readFileSync(path);
  const magicLe = buf.readUInt32LE(0);
  let le: boolean;
  let nano: boolean;
  if (magicLe === 0xa1b2c3d4 || magicLe === 0xa1b23c4d) [le, nano] = [true, magicLe === 0xa1b23c4d];
  else if (buf.readUInt32BE(0) === 0xa1b2c3d4 || buf.readUInt32BE(0) === 0xa1b23c4d) [le, nano] = [false, buf.readUInt32BE(0) === 0xa1b23c4d];
  else throw new Error(`${path}: not a pcap file`);
  const u32 = (at: number) => (le ? buf.readUInt32LE(at) : buf.readUInt32BE(at));
  const linkType = u32(20) & 0x0fffffff;
  const frames: Frame[] = [];
  let pos = 24;
  while (pos + 16 <= buf.length) {
    const caplen = u32(pos + 8);
    frames.push({
      number: frames.length + 1,
      ts: u32(pos) + u32(pos + 4) / (nano ? 1e9 : 1e6),
      origLen: u32(pos + 12),
      data: buf.subarray(pos + 16, pos + 16 + caplen),
      linkType,
    });
    pos += 16 + caplen;
  }
  return frames;
}

export function fixtureFrames(name: FixtureName): Frame[] {
  const frames = readPcap(`${FIXTURE_DIR}${name}.pcap`);
  for (const f of frames) if (f.linkType !== LINKTYPE_ETHERNET) throw new Error(`${name}: expected Ethernet frames`);
  return frames;
}

/** Field names in the recorded .tsv column order. */
export const TSHARK_FIELDS: string[] = readFileSync(`${FIXTURE_DIR}tshark-fields.txt`, 'utf8')
  .split('\n')
  .map((l) => l.trim())
  .filter((l) => l !== '' && !l.startsWith('#'));

/** The tshark options the fixture script records with; tests re-run tshark with the same. */
export const TSHARK_ARGS = [
  '-o', 'ip.defragment:TRUE',
  '-o', 'ipv6.defragment:TRUE',
  '-o', 'tcp.relative_sequence_numbers:FALSE',
  '-o', 'tcp.analyze_sequence_numbers:FALSE',
  '-T', 'fields', '-E', 'separator=/t', '-E', 'occurrence=a', '-E', 'aggregator=,',
  ...TSHARK_FIELDS.flatMap((f) => ['-e', f]),
];

/** One frame as tshark decoded it: every occurrence of each field, outermost first. */
export class TsharkRow {
  constructor(private readonly values: Map<string, string[]>) {}

  all(field: string): string[] {
    const v = this.values.get(field);
    if (!v) throw new Error(`field ${field} is not recorded (tshark-fields.txt)`);
    return v;
  }

  has(field: string): boolean {
    return this.all(field).length > 0;
  }

  /** Occurrence `i` (negative counts from the innermost). */
  at(field: string, i: number): string | undefined {
    const v = this.all(field);
    return v[i < 0 ? v.length + i : i];
  }

  num(field: string, i = 0): number {
    const s = this.at(field, i);
    if (s === undefined) throw new Error(`field ${field} has no occurrence ${i}`);
    return Number(s);
  }

  get protocols(): string[] {
    return this.all('frame.protocols')[0].split(':');
  }
}

export function parseTsharkFields(text: string): TsharkRow[] {
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => {
      const cells = line.split('\t');
      const values = new Map<string, string[]>();
      TSHARK_FIELDS.forEach((f, i) => values.set(f, cells[i] ? cells[i].split(',') : []));
      return new TsharkRow(values);
    });
}

export function tsharkTsv(name: FixtureName): string {
  return readFileSync(`${FIXTURE_DIR}${name}.tsv`, 'utf8');
}

export function tsharkRows(name: FixtureName): TsharkRow[] {
  return parseTsharkFields(tsharkTsv(name));
}

/** Deterministic PRNG (mulberry32) so a failing random case can be replayed from its seed. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function randInt(r: () => number, n: number): number {
  return Math.floor(r() * n);
}
