import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { queryPackets } from '../../src/forensics/packet-query.js';
import { loadManifest } from '../../src/forensics/segment-manifest.js';
import { fillStore, fixture, readPackets, repo, tempDir } from './store-fixtures.js';

// Retention: the demo capture (a monotonic clock, as live traffic has) written into a store whose disk bound
// holds a fraction of it, with a window around one early packet pinned as an alert would pin it.
const DEMO = repo('data/demo/hospital-demo.pcapng.gz');

function diskBytes(dir: string): number {
  return readdirSync(dir)
    .filter((f) => f.startsWith('seg-'))
    .reduce((n, f) => n + statSync(join(dir, f)).size, 0);
}

describe('packet store retention', () => {
  it.skipIf(!existsSync(DEMO))('keeps the store under its disk bound, drops the oldest first, counts the drops, and keeps pinned packets', async () => {
    const dir = tempDir('retention');
    const originals = await readPackets(DEMO);
    const pinned = originals[2000];
    const pinTs = pinned.tsSec + pinned.tsNsec / 1e9;
    const maxBytes = 4 << 20;
    await fillStore(dir, [DEMO], { segmentBytes: 256 << 10, maxBytes }, (s) => s.pin(pinTs - 1, pinTs + 1, 'alert 1: test'));
    const m = loadManifest(dir);
    const stored = m.segments.reduce((n, s) => n + s.packets, 0);
    expect(m.dropped.segments).toBeGreaterThan(10);
    expect(m.dropped.packets + stored).toBe(originals.length);
    expect(diskBytes(dir)).toBeLessThanOrEqual(maxBytes);
    expect(m.overBound).toBeNull();
    // Each segment and its index stay within the segment size.
    expect(Math.max(...m.segments.map((s) => s.bytes + s.indexBytes))).toBeLessThanOrEqual(256 << 10);
    // Oldest first: the pinned segments are the oldest kept, then an unbroken run of the newest ones.
    const isPinned = (s: { firstTs: number; lastTs: number }) => s.firstTs <= pinTs + 1 && s.lastTs >= pinTs - 1;
    const unpinned = m.segments.filter((s) => !isPinned(s)).map((s) => s.id);
    expect(unpinned.length).toBeGreaterThan(2);
    expect(unpinned[unpinned.length - 1] - unpinned[0]).toBe(unpinned.length - 1);
    expect(Math.min(...unpinned)).toBeGreaterThan(Math.max(...m.segments.filter(isPinned).map((s) => s.id)));
    // Every packet of the pinned window survives, byte for byte.
    const window = originals.filter((p) => Math.abs(p.tsSec + p.tsNsec / 1e9 - pinTs) <= 1);
    const found = queryPackets(dir, { from: pinTs - 1, to: pinTs + 1 }).packets;
    expect(found.length).toBe(window.length);
    expect(found.some((p) => p.frame.equals(pinned.frame))).toBe(true);
  });

  it('drops segments past the maximum age (in packet time) even under the disk bound', async () => {
    const dir = tempDir('age');
    const caps = [fixture('capture/eth.pcapng'), fixture('hl7/mllp-vigil.pcap')];
    const [a, b] = await Promise.all(caps.map(readPackets));
    const gap = b[0].tsSec - a[a.length - 1].tsSec;
    expect(gap, 'the second capture is later than the first').toBeGreaterThan(60);
    await fillStore(dir, caps, { segmentBytes: 4096, maxBytes: 1 << 30, maxAgeS: 60 });
    const m = loadManifest(dir);
    expect(m.dropped.packets).toBeGreaterThanOrEqual(a.length - 100);
    const left = queryPackets(dir, {}).packets;
    const newest = Math.max(...left.map((p) => p.tsSec));
    // What remains is within the age bound of the newest packet, give or take the segment that straddles it.
    expect(m.segments.every((s) => s.lastTs >= newest - 60)).toBe(true);
  });
});
