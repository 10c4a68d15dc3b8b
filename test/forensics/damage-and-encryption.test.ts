import { randomBytes } from 'node:crypto';
import { appendFileSync, existsSync, openSync, readFileSync, readdirSync, truncateSync, writeFileSync, writeSync, closeSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PacketDecoder } from '../../src/decode/packet-decoder.js';
import { readCaptureFile } from '../../src/capture/capture-reader.js';
import { PacketStore } from '../../src/forensics/packet-store.js';
import { queryPackets } from '../../src/forensics/packet-query.js';
import { readKeyFile } from '../../src/forensics/segment-cipher.js';
import { loadManifest } from '../../src/forensics/segment-manifest.js';
import { fillStore, fixture, readPackets, tempDir } from './store-fixtures.js';

const CAPTURES = ['dicom/store.pcap', 'hl7/mllp-vigil.pcap', 'capture/eth.pcapng'].map(fixture);
const sig = (p: { tsSec: number; tsNsec: number; frame: Buffer }) => `${p.tsSec}.${p.tsNsec}:${p.frame.toString('hex')}`;

describe('encryption at rest', () => {
  it('round trip: sealed segments hold no plaintext, and queries with the key read every packet back', async () => {
    const dir = tempDir('enc');
    const keyFile = join(dir, 'store.key');
    writeFileSync(keyFile, randomBytes(32).toString('hex') + '\n');
    const key = readKeyFile(keyFile);
    await fillStore(dir, CAPTURES, { segmentBytes: 8 << 10, maxBytes: 1 << 30, key });
    const m = loadManifest(dir);
    expect(m.segments.length).toBeGreaterThan(2);
    expect(m.segments.every((s) => s.encrypted && s.file.endsWith('.enc'))).toBe(true);
    expect(readdirSync(dir).filter((f) => f.endsWith('.pcapng'))).toEqual([]);
    for (const s of m.segments) expect(readFileSync(join(dir, s.file)).includes(Buffer.from('TESTPATIENT'))).toBe(false);
    const originals = (await Promise.all(CAPTURES.map(readPackets))).flat();
    const back = queryPackets(dir, {}, key);
    expect(back.errors).toEqual([]);
    expect(back.packets.map(sig).sort()).toEqual(originals.map(sig).sort());
    // Without the key, or with another, every sealed segment is named as unreadable.
    const none = queryPackets(dir, {});
    expect(none.packets).toEqual([]);
    expect(none.errors.length).toBe(m.segments.length);
    expect(none.errors[0]).toMatch(/segment .*seg-\d+\.pcapng\.enc: the segment is encrypted and no key file was given/);
    const wrong = queryPackets(dir, {}, randomBytes(32));
    expect(wrong.errors[0]).toMatch(/decryption failed/);
  });

  it('a key file that is not a 256-bit key is refused, naming the file', () => {
    const dir = tempDir('badkey');
    const keyFile = join(dir, 'short.key');
    writeFileSync(keyFile, 'abcdef\n');
    expect(() => readKeyFile(keyFile)).toThrow(/short\.key.*256-bit key/);
  });
});

describe('damaged store files', () => {
  async function store(label: string) {
    const dir = tempDir(label);
    await fillStore(dir, CAPTURES, { segmentBytes: 8 << 10, maxBytes: 1 << 30, hashSegments: true });
    const m = loadManifest(dir);
    expect(m.segments.every((s) => /^[0-9a-f]{64}$/.test(s.sha256 ?? ''))).toBe(true);
    const all = queryPackets(dir, {}).packets;
    return { dir, m, all };
  }

  it('a corrupt segment is named, its bad packets skipped, and every other packet still reads', async () => {
    const { dir, m, all } = await store('corrupt-seg');
    const victim = m.segments[1];
    const path = join(dir, victim.file);
    const data = readFileSync(path);
    // Overwrite the middle of the segment: the packet blocks there no longer are what the index says.
    const fd = openSync(path, 'r+');
    writeSync(fd, Buffer.alloc(600, 0xee), 0, 600, Math.floor(data.length / 2));
    closeSync(fd);
    const r = queryPackets(dir, {});
    expect(r.errors.length).toBeGreaterThanOrEqual(1);
    for (const e of r.errors) expect(e).toContain(victim.file);
    expect(r.errors.some((e) => /does not match the SHA-256/.test(e))).toBe(true);
    // Every packet of the other segments reads back intact.
    const others = r.packets.filter((p) => p.segment !== victim.file);
    expect(others.map(sig)).toEqual(all.filter((p) => p.segment !== victim.file).map(sig));
    expect(r.packets.filter((p) => p.segment === victim.file).length).toBeLessThanOrEqual(victim.packets);
  });

  it('index records that do not point at a packet block are named and skipped', async () => {
    const { dir, m, all } = await store('bad-record');
    const victim = m.segments[1];
    const path = join(dir, victim.index);
    const index = readFileSync(path);
    index.writeUInt32LE(3, 64 * 2 + 8); // record 2 now points into the section header
    writeFileSync(path, index);
    const r = queryPackets(dir, {});
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]).toMatch(new RegExp(`${victim.index}: 1 index record\\(s\\) do not point at a valid packet block, first record 2`));
    expect(r.packets.length).toBe(all.length - 1);
  });

  it('a cut index and a missing segment are named, and the rest is still readable', async () => {
    const { dir, m, all } = await store('cut-index');
    const cut = m.segments[0];
    truncateSync(join(dir, cut.index), cut.indexBytes - 64 - 10);
    const gone = m.segments[2];
    unlinkSync(join(dir, gone.file));
    const r = queryPackets(dir, {});
    expect(r.errors.some((e) => e.includes(cut.index) && /cut/.test(e))).toBe(true);
    expect(r.errors.some((e) => e.includes(gone.file) && /cannot read/.test(e))).toBe(true);
    expect(r.packets.length).toBe(all.length - 2 - gone.packets);
  });

  it('a manifest that is not JSON gives an error naming it', async () => {
    const { dir } = await store('bad-manifest');
    writeFileSync(join(dir, 'manifest.json'), '{"version": 1, "segm');
    expect(() => queryPackets(dir, {})).toThrow(/manifest .*manifest\.json: not valid JSON/);
    expect(() => PacketStore.open(dir, { segmentBytes: 8 << 10, maxBytes: 1 << 30 })).toThrow(/manifest\.json/);
  });

  it('a segment left open by a crash is recovered up to its last whole packet when the store reopens', async () => {
    const dir = tempDir('crash');
    const store = PacketStore.open(dir, { segmentBytes: 1 << 20, maxBytes: 1 << 30 });
    const decoder = new PacketDecoder();
    await readCaptureFile(CAPTURES[1], { packet: (r) => store.append(r, decoder.decode(r)) });
    store.flush();
    // No close(): the writer "crashed". A torn write leaves half a block after the last indexed packet.
    const seg = readdirSync(dir).find((f) => f.endsWith('.pcapng'))!;
    appendFileSync(join(dir, seg), Buffer.alloc(50, 6));
    expect(loadManifest(dir).segments).toEqual([]);
    const live = queryPackets(dir, {});
    const originals = await readPackets(CAPTURES[1]);
    expect(live.packets.length).toBe(originals.length);
    const reopened = PacketStore.open(dir, { segmentBytes: 1 << 20, maxBytes: 1 << 30 });
    reopened.close();
    const m = loadManifest(dir);
    expect(m.segments.length).toBe(1);
    expect(m.segments[0].packets).toBe(originals.length);
    expect(queryPackets(dir, {}).packets.map(sig)).toEqual(originals.map(sig));
    expect(existsSync(join(dir, seg))).toBe(true);
  });
});
