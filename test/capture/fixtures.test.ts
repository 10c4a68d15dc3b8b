/**
 * Every capture format and link type, on captures recorded with real tools
 * (scripts/make-capture-fixtures.sh): Vigil's reader must see what tshark sees, frame for frame.
 */
import { describe, expect, it } from 'vitest';
import { PcapngParser } from '../../src/capture/pcapng-parser.js';
import {
  asTsharkFrames,
  EXPECTED,
  FIXTURE_DIR,
  FIXTURES,
  fixtureBytes,
  fixtureCapture,
  hasTshark,
  packetKey,
  parseTsharkLines,
  readBuffer,
  readFixture,
  tsharkFrames,
} from './capture-fixtures.js';

const LINKTYPE = { ETHERNET: 1, RAW: 101, NULL: 0, SLL: 113, SLL2: 276 };

/** What each fixture is, independently of expected.json (so a re-recording cannot drift silently). */
const KIND: Record<string, { format: 'pcap' | 'pcapng'; gzip?: boolean; linkTypes: number[]; nanosecond?: boolean; sections?: number; noTimestamps?: boolean; cut?: boolean }> = {
  'eth.pcap': { format: 'pcap', linkTypes: [LINKTYPE.ETHERNET] },
  'eth-nsec.pcap': { format: 'pcap', linkTypes: [LINKTYPE.ETHERNET], nanosecond: true },
  'eth.pcapng': { format: 'pcapng', linkTypes: [LINKTYPE.ETHERNET], nanosecond: true },
  'eth-snap128.pcapng': { format: 'pcapng', linkTypes: [LINKTYPE.ETHERNET], nanosecond: true, cut: true },
  'sll.pcap': { format: 'pcap', linkTypes: [LINKTYPE.SLL] },
  'sll2.pcap': { format: 'pcap', linkTypes: [LINKTYPE.SLL2] },
  'raw.pcap': { format: 'pcap', linkTypes: [LINKTYPE.RAW] },
  'null.pcap': { format: 'pcap', linkTypes: [LINKTYPE.NULL] },
  'vlan.pcap': { format: 'pcap', linkTypes: [LINKTYPE.ETHERNET] },
  'qinq.pcap': { format: 'pcap', linkTypes: [LINKTYPE.ETHERNET] },
  'be.pcap': { format: 'pcap', linkTypes: [LINKTYPE.ETHERNET] },
  'be-nsec.pcap': { format: 'pcap', linkTypes: [LINKTYPE.ETHERNET], nanosecond: true },
  'be.pcapng': { format: 'pcapng', linkTypes: [LINKTYPE.ETHERNET], nanosecond: true },
  'spb.pcapng': { format: 'pcapng', linkTypes: [LINKTYPE.ETHERNET], noTimestamps: true, cut: true },
  'multi-section.pcapng': { format: 'pcapng', linkTypes: [LINKTYPE.ETHERNET], nanosecond: true, sections: 2 },
  'multi-section-mixed-endian.pcapng': { format: 'pcapng', linkTypes: [LINKTYPE.ETHERNET], nanosecond: true, sections: 2 },
  'eth.pcap.gz': { format: 'pcap', gzip: true, linkTypes: [LINKTYPE.ETHERNET] },
  'eth.pcapng.gz': { format: 'pcapng', gzip: true, linkTypes: [LINKTYPE.ETHERNET], nanosecond: true },
};

describe('capture fixtures', () => {
  it('are the ones this test knows, each tiny, all well under 1 MB', () => {
    expect(FIXTURES.sort()).toEqual(Object.keys(KIND).sort());
    let total = 0;
    for (const name of FIXTURES) {
      const size = fixtureCapture(name).length;
      expect(size, name).toBe(EXPECTED.fixtures[name].bytes);
      expect(size, name).toBeLessThan(32 * 1024);
      total += size;
    }
    expect(total).toBeLessThan(512 * 1024);
  });

  describe.each(FIXTURES)('%s', (name) => {
    const expected = EXPECTED.fixtures[name];
    const kind = KIND[name];
    const frames = parseTsharkLines(expected.frames);

    it('reads as tshark read it (expected.json): count, timestamps to the nanosecond, lengths, link types', async () => {
      const { packets, result, warnings } = await readFixture(name);
      expect(result.damage).toBeNull();
      expect(warnings).toEqual([]);
      expect(result.format).toBe(kind.format);
      expect(result.gzip).toBe(kind.gzip ?? false);
      expect(result.bytes).toBe(expected.bytes);
      expect(result.packets).toBe(frames.length);
      expect(packets.length).toBe(frames.length);
      expect(asTsharkFrames(packets, !kind.noTimestamps)).toEqual(frames);
      expect([...new Set(packets.map((p) => p.linkType))]).toEqual(kind.linkTypes);
      expect(packets.map((p) => p.frameNumber)).toEqual(packets.map((_, i) => i + 1));
    });

    it('has the properties its recording promises', async () => {
      const { packets } = await readFixture(name);
      expect(packets.length).toBeGreaterThan(4);
      if (kind.noTimestamps) {
        // Simple packet blocks carry no timestamp: tshark shows none, Vigil reports 0.
        expect(packets.every((p) => p.tsSec === 0 && p.tsNsec === 0)).toBe(true);
      } else {
        const sub = packets.map((p) => p.tsNsec % 1000);
        if (kind.nanosecond) expect(sub.some((n) => n !== 0), 'nanosecond digits present').toBe(true);
        else expect(sub.every((n) => n === 0), 'microsecond format').toBe(true);
      }
      const cut = packets.filter((p) => p.caplen < p.origLen);
      if (kind.cut) expect(cut.length).toBeGreaterThan(0);
      else expect(cut).toEqual([]);
      if (kind.format === 'pcapng') {
        const parser = new PcapngParser({ packet: () => {} });
        parser.push(fixtureCapture(name));
        expect(parser.finish()).toBeNull();
        expect(parser.sections).toBe(kind.sections ?? 1);
      }
    });

    it('reads the same through a stream fed in small odd-sized chunks', async () => {
      const whole = await readFixture(name);
      // The file as stored (still compressed for .gz): readCaptureStream decompresses.
      const streamed = await readBuffer(name, fixtureBytes(name), 333);
      expect(streamed.result).toEqual({ ...whole.result, file: name });
      expect(streamed.packets.map(packetKey)).toEqual(whole.packets.map(packetKey));
      expect(streamed.statistics).toEqual(whole.statistics);
    });

    it.skipIf(!hasTshark)('reads as the installed tshark reads it', async () => {
      const { packets } = await readFixture(name);
      expect(asTsharkFrames(packets, !kind.noTimestamps)).toEqual(tsharkFrames(FIXTURE_DIR + name));
    });
  });
});

describe('pcapng interface statistics', () => {
  const withStats = FIXTURES.filter((f) => EXPECTED.fixtures[f].interfaceStatistics);

  it.each(withStats)('%s: every interface statistics block reaches the sink', async (name) => {
    const { statistics } = await readFixture(name);
    expect(statistics).toEqual(EXPECTED.fixtures[name].interfaceStatistics);
    // dumpcap wrote isb_ifrecv and isb_ifdrop; packets received covers the packets written.
    for (const s of statistics) {
      expect(s.ifDrop).toBeTypeOf('number');
      expect(s.ifRecv).toBeTypeOf('number');
    }
  });

  it('the dumpcap recording counted every packet it wrote', async () => {
    const { statistics, packets } = await readFixture('eth.pcapng');
    expect(statistics).toHaveLength(1);
    expect(statistics[0]).toMatchObject({ interfaceId: 0, ifDrop: 0 });
    expect(statistics[0].ifRecv).toBeGreaterThanOrEqual(packets.length);
  });
});
