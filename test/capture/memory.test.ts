/**
 * Memory does not grow with the size of the capture: a 200 MB pcap, generated on the fly into a
 * Readable (never written to disk), goes through readCaptureStream with bounded heap.
 */
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { readCaptureStream } from '../../src/capture/capture-reader.js';
import type { PacketRecord } from '../../src/capture/packet-record.js';

const TOTAL = 200 * 1024 * 1024;
const FRAME = 1500;
const RECORD = 16 + FRAME;
/** Odd-sized chunks, so that records straddle chunk boundaries all the way through. */
const CHUNK = 1024 * 1024 + 7;

/** A stream of exactly `total` bytes: a pcap header, then records of one template, repeated. */
function syntheticPcapStream(total: number): { stream: Readable; packets: number } {
  const header = Buffer.alloc(24);
  header.writeUInt32LE(0xa1b2c3d4, 0);
  header.writeUInt16LE(2, 4);
  header.writeUInt16LE(4, 6);
  header.writeUInt32LE(262144, 16);
  header.writeUInt32LE(1, 20);
  const perTemplate = 512;
  const template = Buffer.alloc(perTemplate * RECORD);
  for (let i = 0; i < perTemplate; i++) {
    const at = i * RECORD;
    template.writeUInt32LE(1_700_000_000 + i, at);
    template.writeUInt32LE(i * 1000, at + 4);
    template.writeUInt32LE(FRAME, at + 8);
    template.writeUInt32LE(FRAME, at + 12);
    template.fill(i & 0xff, at + 16, at + RECORD);
  }
  const packets = Math.floor((total - 24) / RECORD);
  const bodyBytes = packets * RECORD;
  let produced = 0;
  let headerSent = false;
  const stream = new Readable({
    read() {
      if (!headerSent) {
        headerSent = true;
        this.push(Buffer.from(header));
        return;
      }
      if (produced >= bodyBytes) {
        this.push(null);
        return;
      }
      const n = Math.min(CHUNK, bodyBytes - produced);
      const chunk = Buffer.allocUnsafe(n);
      let filled = 0;
      while (filled < n) {
        const from = (produced + filled) % template.length;
        filled += template.copy(chunk, filled, from, Math.min(template.length, from + n - filled));
      }
      produced += n;
      this.push(chunk);
    },
  });
  return { stream, packets };
}

function used(): number {
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

describe('reading a large capture', () => {
  it('a 200 MB pcap stream is read with bounded memory (< 100 MB growth)', async () => {
    const gc = (globalThis as { gc?: () => void }).gc;
    gc?.();
    const before = used();
    let peak = before;
    let count = 0;
    let bytes = 0;
    let lastTs = 0;
    const { stream, packets } = syntheticPcapStream(TOTAL);
    const started = Date.now();
    const result = await readCaptureStream('synthetic.pcap', stream, {
      packet(rec: PacketRecord) {
        count++;
        bytes += rec.caplen;
        // Touch the frame, as a decoder would.
        if (rec.buf[rec.offset] !== ((count - 1) % 512 & 0xff)) throw new Error(`packet ${count} has the wrong bytes`);
        lastTs = rec.tsSec;
        if ((count & 4095) === 0) peak = Math.max(peak, used());
      },
    });
    const elapsed = Date.now() - started;
    expect(result.damage).toBeNull();
    expect(result.packets).toBe(packets);
    expect(count).toBe(packets);
    expect(bytes).toBe(packets * FRAME);
    expect(result.bytes).toBe(24 + packets * RECORD);
    expect(lastTs).toBe(1_700_000_000 + ((packets - 1) % 512));
    const growthMiB = (peak - before) / 1048576;
    console.log(`200 MB synthetic pcap: ${packets} packets in ${elapsed} ms, peak heap+buffers growth ${growthMiB.toFixed(1)} MiB`);
    expect(growthMiB).toBeLessThan(100);
  });
});
