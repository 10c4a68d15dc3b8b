import type { PacketRecord } from './packet-record.js';

/** Drop counters from a pcapng Interface Statistics Block. */
export interface InterfaceStatistics {
  interfaceId: number;
  /** isb_ifdrop: packets dropped by the interface (NIC or driver). */
  ifDrop?: number;
  /** isb_osdrop: packets dropped by the capturing OS for lack of buffers. */
  osDrop?: number;
  /** isb_ifrecv: packets received by the interface. */
  ifRecv?: number;
}

/** What a capture parser reports as it goes. */
export interface CaptureSink {
  packet(record: PacketRecord): void;
  interfaceStatistics?(stats: InterfaceStatistics): void;
  /** A skipped or unsupported part that does not stop reading (unknown link type, odd block). */
  warning?(offset: number, message: string): void;
}
