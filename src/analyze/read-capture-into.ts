import type { CaptureReadResult } from '../capture/capture-reader.js';
import type { CaptureSink } from '../capture/capture-sink.js';
import type { PacketRecord } from '../capture/packet-record.js';
import type { CaptureFileSummary } from './analysis-summary.js';

/**
 * Run one capture reader into `packet`, and describe the file for summary.json: its format,
 * damage (also reported through `onWarning` with the byte offset) and interface drops.
 */
export async function readCaptureInto(
  name: string,
  reader: (sink: CaptureSink) => Promise<CaptureReadResult>,
  packet: (rec: PacketRecord) => void,
  onWarning?: (message: string) => void,
): Promise<CaptureFileSummary> {
  // Interface statistics counters are cumulative: the last block per interface holds the total.
  const drops = new Map<number, number>();
  const result = await reader({
    packet,
    interfaceStatistics: (s) => {
      if (s.ifDrop !== undefined || s.osDrop !== undefined) drops.set(s.interfaceId, (s.ifDrop ?? 0) + (s.osDrop ?? 0));
    },
    warning: (offset, message) => onWarning?.(`${name}: at byte ${offset}: ${message}`),
  });
  const file: CaptureFileSummary = {
    file: name,
    format: result.format,
    gzip: result.gzip,
    packets: result.packets,
    bytes: result.bytes,
    truncated: result.damage !== null,
  };
  if (result.damage) {
    file.damage = result.damage;
    onWarning?.(`${name}: ${result.damage.reason} at byte ${result.damage.offset}; kept the ${result.packets} packets before it`);
  }
  if (drops.size > 0) file.interfaceDrops = [...drops.values()].reduce((a, b) => a + b, 0);
  return file;
}
