/**
 * The analyzer's hook into the packet store: `vigil analyze --packet-store DIR` calls onPacket for every
 * decoded packet and close() at the end; onAlert pins the packets around an alert past retention.
 */
import type { PacketRecord } from '../capture/packet-record.js';
import type { DecodedPacket } from '../decode/decoded-packet.js';
import { readKeyFile } from './segment-cipher.js';
import { PacketStore, type PacketStoreOptions } from './packet-store.js';

export interface PacketStoreHookOptions extends Partial<Omit<PacketStoreOptions, 'key'>> {
  /** Key file: closed segments are encrypted with AES-256-GCM. */
  keyFile?: string;
  /** Seconds of packets kept before and after each alert (default 300 and 60). */
  alertBeforeS?: number;
  alertAfterS?: number;
}

export interface PacketStoreHook {
  onPacket(rec: PacketRecord, p: DecodedPacket): void;
  /** Pins [ts - before, ts + after] for the alert; `reason` names the alert, never patient data. */
  onAlert(ts: number, reason: string): void;
  /** Closes the open segment and writes the manifest; resolves once the segments' hashes are recorded. */
  close(): Promise<void>;
  readonly store: PacketStore;
}

export function packetStoreHook(dir: string, options: PacketStoreHookOptions = {}): PacketStoreHook {
  const { keyFile, alertBeforeS = 300, alertAfterS = 60, ...rest } = options;
  const store = PacketStore.open(dir, { ...rest, key: keyFile ? readKeyFile(keyFile) : undefined });
  return {
    store,
    onPacket: (rec, p) => store.append(rec, p),
    onAlert: (ts, reason) => store.pin(ts - alertBeforeS, ts + alertAfterS, reason),
    close: async () => {
      store.close();
      await store.drain();
    },
  };
}
