/** summary.json; every field is described in docs/analyze.md. */
export interface CaptureFileSummary {
  file: string;
  format: 'pcap' | 'pcapng';
  gzip: boolean;
  packets: number;
  /** Bytes of capture data read (after decompression). */
  bytes: number;
  truncated: boolean;
  /** Where reading stopped, when the file is truncated or corrupt. */
  damage?: { offset: number; reason: string };
  /** Drops reported by pcapng interface statistics blocks, when present. */
  interfaceDrops?: number;
}

export interface AnalysisSummary {
  files: CaptureFileSummary[];
  packets: number;
  /** Sum of the packets' lengths on the wire. */
  bytes: number;
  /** Sum of the bytes actually captured (less than `bytes` when snaplen cut packets). */
  capturedBytes: number;
  flows: number;
  observations: number;
  firstTs: number | null;
  lastTs: number | null;
  /** Capture span: lastTs - firstTs. */
  durationS: number;
  /** The capture's own packet rate: packets / durationS (0 when the span is 0). */
  packetsPerSecond: number;
  errors: Record<string, Record<string, number>>;
  truncated: boolean;
  flowTable: { evicted: number; maxFlows: number };
  fragments: { reassembled: number; dropped: number };
  tcpReassembly: { gaps: number; gapBytes: number; overflows: number; dissectorErrors: number };
  /** How fast this run went (not a property of the capture). */
  analysis: { elapsedS: number; packetsPerSecond: number; megabytesPerSecond: number; peakRssMiB: number; workers: number };
}
