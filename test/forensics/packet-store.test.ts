import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { queryPackets } from '../../src/forensics/packet-query.js';
import { writePcapngFile } from '../../src/forensics/pcapng-file-writer.js';
import { loadManifest } from '../../src/forensics/segment-manifest.js';
import { fillStore, fixture, haveTshark, readPackets, repo, tempDir, tsharkFields } from './store-fixtures.js';

const DEMO = repo('data/demo/hospital-demo.pcapng.gz');
const CAPTURES = ['capture/eth.pcapng', 'capture/eth-nsec.pcap', 'capture/vlan.pcap', 'capture/sll.pcap', 'hl7/mllp-vigil.pcap', 'dicom/store.pcap'].map(fixture);

describe('packet store: write and read back', () => {
  it('holds every packet of several captures (several link types), byte for byte with its timestamps', async () => {
    const dir = tempDir('roundtrip');
    const store = await fillStore(dir, CAPTURES, { segmentBytes: 16 << 10, maxBytes: 1 << 30 });
    const originals = (await Promise.all(CAPTURES.map(readPackets))).flat();
    const stats = store.stats();
    expect(stats.packets).toBe(originals.length);
    expect(stats.segments).toBeGreaterThan(3);
    const m = loadManifest(dir);
    expect(m.segments.reduce((n, s) => n + s.packets, 0)).toBe(originals.length);
    for (const s of m.segments) expect(statSync(join(dir, s.file)).size).toBe(s.bytes);
    const back = queryPackets(dir, {});
    expect(back.errors).toEqual([]);
    const key = (p: { tsSec: number; tsNsec: number; linkType: number; origLen: number; frame: Buffer }) => `${p.tsSec}.${p.tsNsec}/${p.linkType}/${p.origLen}/${p.frame.toString('hex')}`;
    expect(back.packets.map(key).sort()).toEqual(originals.map(key).sort());
  });

  it('a query by port, address or time window returns exactly the packets that match', async () => {
    const dir = tempDir('query');
    await fillStore(dir, CAPTURES, { segmentBytes: 16 << 10, maxBytes: 1 << 30 });
    const all = queryPackets(dir, {}).packets;
    const hl7 = queryPackets(dir, { port: 2575, proto: 'tcp' }).packets;
    const originals = await readPackets(fixture('hl7/mllp-vigil.pcap'));
    expect(hl7.length).toBe(originals.length);
    const mid = all[Math.floor(all.length / 2)];
    const from = mid.tsSec;
    const windowed = queryPackets(dir, { from, to: from + 1 }).packets;
    expect(windowed.length).toBe(all.filter((p) => p.tsSec + p.tsNsec / 1e9 >= from && p.tsSec + p.tsNsec / 1e9 <= from + 1).length);
    expect(windowed.length).toBeGreaterThan(0);
  });
});

describe.skipIf(!existsSync(DEMO) || !haveTshark)('export of one flow from the demo capture, checked by tshark', () => {
  it('tshark reads the export with packets identical to the original flow (time, lengths, seq, frame bytes)', async () => {
    const dir = tempDir('demo');
    await fillStore(dir, [DEMO], { segmentBytes: 8 << 20, maxBytes: 1 << 30 });
    // The flow: the TCP connection with the most packets in tshark's own view of the demo.
    const convs = tsharkFields(DEMO, ['tcp.stream'], 'tcp');
    const counts = new Map<string, number>();
    for (const c of convs) counts.set(c, (counts.get(c) ?? 0) + 1);
    const stream = [...counts].sort((a, b) => b[1] - a[1])[0][0];
    const [head] = tsharkFields(DEMO, ['ip.src', 'tcp.srcport', 'ip.dst', 'tcp.dstport'], `tcp.stream eq ${stream}`, ['-c', '1000000']);
    const [a, aPort, b, bPort] = head.split('\t');
    const out = join(dir, 'flow.pcapng');
    const found = queryPackets(dir, { flow: { a, aPort: Number(aPort), b, bPort: Number(bPort), proto: 'tcp' } });
    const file = writePcapngFile(out, found.packets);
    const fields = ['frame.time_epoch', 'frame.len', 'frame.cap_len', 'ip.src', 'ip.dst', 'tcp.srcport', 'tcp.dstport', 'tcp.seq_raw', 'tcp.ack_raw', 'tcp.len'];
    const filter = `ip.addr==${a} && ip.addr==${b} && tcp.port==${aPort} && tcp.port==${bPort}`;
    const expected = tsharkFields(DEMO, fields, filter);
    const got = tsharkFields(out, fields);
    expect(expected.length).toBeGreaterThan(10);
    expect(file.packets).toBe(expected.length);
    expect(got).toEqual(expected);
    // Frame bytes and timestamps, as our reader sees them, against the original frames tshark selected.
    const numbers = tsharkFields(DEMO, ['frame.number'], filter).map(Number);
    const originals = await readPackets(DEMO);
    const exported = await readPackets(out);
    expect(exported.length).toBe(numbers.length);
    exported.forEach((p, i) => {
      const o = originals[numbers[i] - 1];
      expect([p.tsSec, p.tsNsec, p.origLen, p.linkType]).toEqual([o.tsSec, o.tsNsec, o.origLen, o.linkType]);
      expect(p.frame.equals(o.frame), `frame ${numbers[i]}`).toBe(true);
    });
    expect(file.sha256).toBe(createHash('sha256').update(readFileSync(out)).digest('hex'));
  });
});
