/**
 * pcapng details no tool here records, on hand-built files: every if_tsresol form, if_tsoffset,
 * several interfaces with different link types in one section, the obsolete packet block, blocks
 * that carry no packets, and both byte orders. Checked against values worked out by hand and,
 * where installed, against tshark.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ticksToSecNsec, tsresolToUnitsPerSecond } from '../../src/capture/timestamp.js';
import { asTsharkFrames, epochText, hasTshark, outcomeKey, parseInPieces, parseWhole, repeat, tsharkFrames } from './capture-fixtures.js';

class Writer {
  constructor(readonly le: boolean) {}
  u16(v: number): Buffer {
    const b = Buffer.alloc(2);
    if (this.le) b.writeUInt16LE(v);
    else b.writeUInt16BE(v);
    return b;
  }
  u32(v: number): Buffer {
    const b = Buffer.alloc(4);
    if (this.le) b.writeUInt32LE(v);
    else b.writeUInt32BE(v);
    return b;
  }
  u64(v: bigint): Buffer {
    const b = Buffer.alloc(8);
    if (this.le) b.writeBigUInt64LE(v);
    else b.writeBigUInt64BE(v);
    return b;
  }
  pad(b: Buffer): Buffer {
    return Buffer.concat([b, Buffer.alloc(-b.length % 4 & 3)]);
  }
  option(code: number, value: Buffer): Buffer {
    return Buffer.concat([this.u16(code), this.u16(value.length), this.pad(value)]);
  }
  options(list: Buffer[]): Buffer {
    return list.length === 0 ? Buffer.alloc(0) : Buffer.concat([...list, this.u32(0)]);
  }
  block(type: number, body: Buffer): Buffer {
    const len = 12 + body.length;
    if (len % 4 !== 0) throw new Error('unpadded block');
    return Buffer.concat([this.u32(type), this.u32(len), body, this.u32(len)]);
  }
  shb(): Buffer {
    const body = Buffer.concat([this.u32(0x1a2b3c4d), this.u16(1), this.u16(0), Buffer.alloc(8, 0xff), this.options([this.option(4, Buffer.from('vigil test'))])]);
    return this.block(0x0a0d0d0a, body);
  }
  idb(linkType: number, snaplen: number, opts: Buffer[]): Buffer {
    return this.block(1, Buffer.concat([this.u16(linkType), this.u16(0), this.u32(snaplen), this.options(opts)]));
  }
  epb(ifid: number, ticks: bigint, data: Buffer, origLen = data.length): Buffer {
    const hi = Number(ticks >> 32n);
    const lo = Number(ticks & 0xffffffffn);
    return this.block(6, Buffer.concat([this.u32(ifid), this.u32(hi), this.u32(lo), this.u32(data.length), this.u32(origLen), this.pad(data), this.options([this.option(2, this.u32(1))])]));
  }
  obsoletePacket(ifid: number, ticks: bigint, data: Buffer): Buffer {
    const hi = Number(ticks >> 32n);
    const lo = Number(ticks & 0xffffffffn);
    return this.block(2, Buffer.concat([this.u16(ifid), this.u16(0), this.u32(hi), this.u32(lo), this.u32(data.length), this.u32(data.length), this.pad(data)]));
  }
  nameResolution(): Buffer {
    const record = Buffer.concat([this.u16(1), this.u16(4 + 5), Buffer.from([10, 99, 0, 1]), this.pad(Buffer.from('host\0'))]);
    return this.block(4, Buffer.concat([record, this.u16(0), this.u16(0)]));
  }
  custom(): Buffer {
    return this.block(0x00000bad, Buffer.concat([this.u32(32473), Buffer.from('vigil!!!')]));
  }
  isb(ifid: number, ifrecv: bigint, ifdrop: bigint, osdrop: bigint): Buffer {
    return this.block(5, Buffer.concat([this.u32(ifid), this.u32(0), this.u32(0), this.options([this.option(4, this.u64(ifrecv)), this.option(5, this.u64(ifdrop)), this.option(7, this.u64(osdrop))])]));
  }
}

/** An Ethernet frame carrying an IPv4 header, and the same IPv4 packet alone (for raw IP). */
const IPV4 = Buffer.from('4500001c000100004011f8c70a6300010a63000200350035000800000000', 'hex').subarray(0, 28);
const ETHERNET = Buffer.concat([Buffer.from('020000990002020000990001' + '0800', 'hex'), IPV4]);

interface Case {
  interfaceOptions: (w: Writer) => Buffer[];
  linkType: number;
  ticks: bigint;
  /** frame.time_epoch as tshark prints it (worked out by hand). */
  time: string;
}

const SECONDS = 1_700_000_000n;
const CASES: Case[] = [
  { interfaceOptions: () => [], linkType: 1, ticks: SECONDS * 1_000_000n + 123_456n, time: '1700000000.123456000' },
  { interfaceOptions: (w) => [w.option(9, Buffer.from([9]))], linkType: 101, ticks: SECONDS * 1_000_000_000n + 123_456_789n, time: '1700000000.123456789' },
  { interfaceOptions: (w) => [w.option(9, Buffer.from([3]))], linkType: 1, ticks: SECONDS * 1000n + 7n, time: '1700000000.007000000' },
  { interfaceOptions: (w) => [w.option(9, Buffer.from([0]))], linkType: 1, ticks: SECONDS + 5n, time: '1700000005.000000000' },
  // 2^-20 s: 524289 units = 0.5 s + 953.67 ns, floored.
  { interfaceOptions: (w) => [w.option(9, Buffer.from([0x80 | 20]))], linkType: 1, ticks: (SECONDS << 20n) + 524_289n, time: '1700000000.500000953' },
  // 10^-10 s: ticks above 2^63.
  { interfaceOptions: (w) => [w.option(9, Buffer.from([10]))], linkType: 101, ticks: SECONDS * 10_000_000_000n + 1_234_567_891n, time: '1700000000.123456789' },
  // if_tsoffset: seconds added to every timestamp of the interface.
  { interfaceOptions: (w) => [w.option(9, Buffer.from([9])), w.option(14, w.u64(3600n))], linkType: 1, ticks: 1_000_000_001n, time: '3601.000000001' },
];

function build(le: boolean): Buffer {
  const w = new Writer(le);
  const parts = [w.shb()];
  CASES.forEach((c, i) => parts.push(w.idb(c.linkType, 0, [w.option(2, Buffer.from(`if${i}`)), ...c.interfaceOptions(w)])));
  parts.push(w.nameResolution(), w.custom());
  CASES.forEach((c, i) => parts.push(w.epb(i, c.ticks, c.linkType === 101 ? IPV4 : ETHERNET)));
  // The obsolete packet block, on interface 0 (microseconds).
  parts.push(w.obsoletePacket(0, SECONDS * 1_000_000n + 999_999n, ETHERNET));
  // A packet cut to 20 bytes of its 42.
  parts.push(w.epb(0, SECONDS * 1_000_000n + 1n, ETHERNET.subarray(0, 20), ETHERNET.length));
  parts.push(w.isb(0, 10n, 2n, 3n), w.isb(1, 5n, 0n, 1n));
  return Buffer.concat(parts);
}

const EXPECTED_TIMES = [...CASES.map((c) => c.time), '1700000000.999999000', '1700000000.000001000'];
const EXPECTED_LINKS = [...CASES.map((c) => c.linkType), 1, 1];

const tmp = mkdtempSync(join(tmpdir(), 'vigil-pcapng-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe.each([
  ['little-endian', true],
  ['big-endian', false],
] as const)('hand-built %s pcapng', (_, le) => {
  const data = build(le);

  it('gives every timestamp resolution and offset to the nanosecond, per-interface link types, cut lengths and statistics', () => {
    const out = parseWhole(data);
    expect(out.damage).toBeNull();
    expect(out.warnings).toEqual([]);
    expect(out.packets.map(epochText)).toEqual(EXPECTED_TIMES);
    expect(out.packets.map((p) => p.linkType)).toEqual(EXPECTED_LINKS);
    expect(out.packets.map((p) => p.interfaceId)).toEqual([0, 1, 2, 3, 4, 5, 6, 0, 0]);
    expect(out.packets.map((p) => [p.caplen, p.origLen])).toEqual([
      ...CASES.map((c) => (c.linkType === 101 ? [28, 28] : [42, 42])),
      [42, 42],
      [20, 42],
    ]);
    expect(out.packets[1].data.equals(IPV4)).toBe(true);
    expect(out.packets[0].data.equals(ETHERNET)).toBe(true);
    expect(out.statistics).toEqual([
      { interfaceId: 0, ifRecv: 10, ifDrop: 2, osDrop: 3 },
      { interfaceId: 1, ifRecv: 5, ifDrop: 0, osDrop: 1 },
    ]);
  });

  it('gives the same in chunks of every size', () => {
    const whole = outcomeKey(parseWhole(data));
    for (let size = 1; size <= 64; size++) expect(outcomeKey(parseInPieces(data, repeat(size))), `chunk size ${size}`).toEqual(whole);
  });

  it.skipIf(!hasTshark)('reads as tshark reads it', () => {
    const path = join(tmp, `blocks-${le ? 'le' : 'be'}.pcapng`);
    writeFileSync(path, data);
    expect(asTsharkFrames(parseWhole(data).packets, true)).toEqual(tsharkFrames(path));
  });
});

describe('pcapng packets that name no interface', () => {
  it('are skipped with one warning, and reading goes on', () => {
    const w = new Writer(true);
    const data = Buffer.concat([w.shb(), w.idb(1, 0, []), w.epb(0, 1n, ETHERNET), w.epb(7, 2n, ETHERNET), w.epb(9, 3n, ETHERNET), w.epb(0, 4n, ETHERNET)]);
    const out = parseWhole(data);
    expect(out.damage).toBeNull();
    expect(out.packets.map((p) => p.tsNsec)).toEqual([1000, 4000]);
    expect(out.packets.map((p) => p.frameNumber)).toEqual([1, 2]);
    expect(out.warnings).toHaveLength(1);
    expect(out.warnings[0]).toMatch(/interface 7, which no interface block described/);
  });

  it('interface ids restart in every section', () => {
    const a = new Writer(true);
    const b = new Writer(false);
    const data = Buffer.concat([a.shb(), a.idb(1, 0, []), a.idb(101, 0, []), a.epb(1, 1n, IPV4), b.shb(), b.idb(101, 0, []), b.epb(0, 2n, IPV4), b.epb(1, 3n, IPV4)]);
    const out = parseWhole(data);
    expect(out.packets.map((p) => [p.interfaceId, p.linkType])).toEqual([
      [1, 101],
      [0, 101],
    ]);
    expect(out.warnings).toHaveLength(1);
  });
});

describe('timestamp arithmetic', () => {
  it('ticksToSecNsec is exact for 64-bit tick counts at every resolution', () => {
    const out = { sec: 0, nsec: 0 };
    for (const resol of [0, 1, 3, 6, 9, 0x80 | 10, 0x80 | 20, 0x80 | 30]) {
      const units = tsresolToUnitsPerSecond(resol);
      for (const ticks of [0n, 1n, BigInt(units) - 1n, BigInt(units), 1_700_000_000n * BigInt(units) + BigInt(units) / 3n, 0xffffffffn, 0x1_0000_0000n, 2n ** 53n + 1n]) {
        ticksToSecNsec(Number(ticks >> 32n), Number(ticks & 0xffffffffn), units, out);
        const sec = ticks / BigInt(units);
        const nsec = ((ticks % BigInt(units)) * 1_000_000_000n) / BigInt(units);
        expect([out.sec, out.nsec], `${ticks} at tsresol ${resol}`).toEqual([Number(sec), Number(nsec)]);
      }
    }
  });
});
