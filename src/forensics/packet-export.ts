/**
 * Export with chain of custody: the packets a query selects, redacted unless asked not to, written to a
 * pcapng or classic pcap file whose SHA-256 is recorded, with who asked and what for, in the store's
 * append-only audit log. Called by `vigil pcap` and by the HTTP API.
 */
import { audit } from '../api/audit-log.js';
import { InventoryStore } from '../store/inventory-store.js';
import { queryPackets, type PacketQuery } from './packet-query.js';
import { writePcapFile } from './pcap-writer.js';
import { writePcapngFile } from './pcapng-file-writer.js';
import { redactPackets, type RedactionReport } from './tcp-redaction.js';

export const EXPORT_FORMATS = ['pcap', 'pcapng'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export interface ExportOptions {
  /** Mask HL7, DICOM and ASTM patient values (default true). */
  redact?: boolean;
  /** The file to write. */
  out: string;
  /** pcapng (default; any mix of link types) or classic pcap (one link type, else PcapFormatError). */
  format?: ExportFormat;
  /** Who exports: a token name, or `cli` with the user name. */
  actor: string;
  role?: string | null;
  remote?: string | null;
  /** Inventory store holding the audit log: an open store, or its location. Without it no export is made. */
  db: InventoryStore | string;
  /** Key of an encrypted packet store. */
  key?: Buffer;
}

export interface ExportResult {
  out: string;
  format: ExportFormat;
  sha256: string;
  packets: number;
  bytes: number;
  redacted: boolean;
  redaction: RedactionReport | null;
  /** Damaged store files met (named); the export holds everything else. */
  errors: string[];
}

export async function exportPackets(storeDir: string, query: PacketQuery, options: ExportOptions): Promise<ExportResult> {
  const redact = options.redact ?? true;
  const format = options.format ?? 'pcapng';
  // The audit store is opened first: an export that cannot be recorded is not made.
  const store = typeof options.db === 'string' ? await InventoryStore.open(options.db) : options.db;
  try {
    const found = queryPackets(storeDir, query, options.key);
    let packets = found.packets;
    let redaction: RedactionReport | null = null;
    if (redact) {
      const r = redactPackets(packets);
      packets = r.packets;
      redaction = r.report;
    }
    const file = format === 'pcap' ? writePcapFile(options.out, packets) : writePcapngFile(options.out, packets);
    await audit(store, {
      actor: options.actor,
      role: options.role ?? null,
      action: 'pcap.export',
      target: options.out,
      remote: options.remote ?? null,
      detail: { store: storeDir, query, format, sha256: file.sha256, packets: file.packets, bytes: file.bytes, redacted: redact, damagedFiles: found.errors.length },
    });
    return { out: options.out, format, sha256: file.sha256, packets: file.packets, bytes: file.bytes, redacted: redact, redaction, errors: found.errors };
  } finally {
    if (typeof options.db === 'string') await store.close();
  }
}
