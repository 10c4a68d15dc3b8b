import type { PacketRecord } from '../../capture/packet-record.js';

/** Every packet read, whichever worker analyses it: what summary.json counts for the whole input. */
export interface ReadTotals {
  packets: number;
  bytes: number;
  capturedBytes: number;
  firstTs: number;
  lastTs: number;
}

export function emptyTotals(): ReadTotals {
  return { packets: 0, bytes: 0, capturedBytes: 0, firstTs: Infinity, lastTs: -Infinity };
}

export function countRecord(t: ReadTotals, rec: PacketRecord): void {
  t.packets++;
  t.bytes += rec.origLen;
  t.capturedBytes += rec.caplen;
  const ts = rec.tsSec + rec.tsNsec / 1e9;
  if (ts < t.firstTs) t.firstTs = ts;
  if (ts > t.lastTs) t.lastTs = ts;
}

export function addTotals(into: ReadTotals, t: ReadTotals): void {
  into.packets += t.packets;
  into.bytes += t.bytes;
  into.capturedBytes += t.capturedBytes;
  if (t.packets > 0) {
    if (t.firstTs < into.firstTs) into.firstTs = t.firstTs;
    if (t.lastTs > into.lastTs) into.lastTs = t.lastTs;
  }
}
