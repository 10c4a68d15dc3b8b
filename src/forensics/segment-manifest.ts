/**
 * The packet store's manifest (manifest.json): its closed segments in time order, the pinned windows and
 * what retention dropped. Rewritten whole (write then rename, so a crash leaves the old or the new one) when a
 * segment closes, a window is pinned or the store closes: never per packet.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const MANIFEST = 'manifest.json';
const VERSION = 1;

export interface SegmentEntry {
  id: number;
  /** File names in the store folder. */
  file: string;
  index: string;
  /** Timestamps (seconds since the epoch) of the earliest and latest packet. */
  firstTs: number;
  lastTs: number;
  packets: number;
  /** Octets on disk: the segment file (encrypted size when encrypted) and its index. */
  bytes: number;
  indexBytes: number;
  encrypted: boolean;
  /** SHA-256 of the plaintext segment as written: queries check it, so altered packets are reported. */
  sha256?: string;
}

export interface PinnedWindow {
  from: number;
  to: number;
  /** Why (an alert id and title, a case number): never patient data. */
  reason: string;
  pinnedAt: number;
}

export interface DropCounts {
  segments: number;
  packets: number;
  bytes: number;
}

export interface Manifest {
  version: number;
  segments: SegmentEntry[];
  pins: PinnedWindow[];
  dropped: DropCounts;
  /** Set when pinned segments alone exceed the disk bound: the bound is not held, and this says why. */
  overBound: string | null;
}

export class ManifestError extends Error {}

export function emptyManifest(): Manifest {
  return { version: VERSION, segments: [], pins: [], dropped: { segments: 0, packets: 0, bytes: 0 }, overBound: null };
}

export function loadManifest(dir: string): Manifest {
  const path = join(dir, MANIFEST);
  if (!existsSync(path)) return emptyManifest();
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new ManifestError(`packet store manifest ${path}: not valid JSON (${(err as Error).message})`);
  }
  const m = parsed as Partial<Manifest>;
  if (typeof m !== 'object' || m === null || m.version !== VERSION || !Array.isArray(m.segments)) {
    throw new ManifestError(`packet store manifest ${path}: not a version ${VERSION} manifest (no "segments" list)`);
  }
  const segments: SegmentEntry[] = [];
  for (const s of m.segments) {
    if (s && typeof s.file === 'string' && typeof s.index === 'string' && Number.isFinite(s.firstTs) && Number.isFinite(s.lastTs)) segments.push(s);
  }
  return {
    version: VERSION,
    segments,
    pins: Array.isArray(m.pins) ? m.pins.filter((p) => p && Number.isFinite(p.from) && Number.isFinite(p.to)) : [],
    dropped: { segments: m.dropped?.segments ?? 0, packets: m.dropped?.packets ?? 0, bytes: m.dropped?.bytes ?? 0 },
    overBound: m.overBound ?? null,
  };
}

export function saveManifest(dir: string, m: Manifest): void {
  const path = join(dir, MANIFEST);
  writeFileSync(path + '.tmp', JSON.stringify(m, null, 2) + '\n');
  renameSync(path + '.tmp', path);
}

export function segmentNames(id: number): { file: string; index: string } {
  const base = `seg-${String(id).padStart(6, '0')}`;
  return { file: `${base}.pcapng`, index: `${base}.idx` };
}

export function isPinned(s: Pick<SegmentEntry, 'firstTs' | 'lastTs'>, pins: readonly PinnedWindow[]): boolean {
  for (const p of pins) if (s.firstTs <= p.to && s.lastTs >= p.from) return true;
  return false;
}
