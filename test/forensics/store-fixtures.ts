/** Shared by the forensics tests: captures read into a packet store, captures read back, tshark's view. */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll } from 'vitest';
import { readCaptureFile } from '../../src/capture/capture-reader.js';
import { PacketDecoder } from '../../src/decode/packet-decoder.js';
import { PacketStore, type PacketStoreOptions } from '../../src/forensics/packet-store.js';

export const haveTshark = spawnSync('tshark', ['-v'], { stdio: 'ignore' }).status === 0;
export const fixture = (rel: string): string => fileURLToPath(new URL(`../fixtures/${rel}`, import.meta.url));
export const shared = (rel: string): string => fileURLToPath(new URL(`../../../shared/${rel}`, import.meta.url));
export const repo = (rel: string): string => fileURLToPath(new URL(`../../${rel}`, import.meta.url));

const made: string[] = [];
// Registered while the importing test file is collected: runs after all of its tests.
afterAll(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A scratch folder, removed after the test file's tests. */
export function tempDir(label: string): string {
  const dir = mkdtempSync(join(tmpdir(), `vigil-forensics-${label}-`));
  made.push(dir);
  return dir;
}

export interface CopiedPacket {
  tsSec: number;
  tsNsec: number;
  linkType: number;
  origLen: number;
  frame: Buffer;
}

/** Every packet of a capture, copied. */
export async function readPackets(file: string): Promise<CopiedPacket[]> {
  const out: CopiedPacket[] = [];
  await readCaptureFile(file, {
    packet(r) {
      out.push({ tsSec: r.tsSec, tsNsec: r.tsNsec, linkType: r.linkType, origLen: r.origLen, frame: Buffer.from(r.buf.subarray(r.offset, r.offset + r.caplen)) });
    },
  });
  return out;
}

/** Writes the captures, in order, into a store at `dir` as `vigil analyze --packet-store` would. */
export async function fillStore(dir: string, captures: readonly string[], options: Partial<PacketStoreOptions> = {}, onStore?: (s: PacketStore) => void): Promise<PacketStore> {
  // The fixtures span 2018 to 2026: no age bound unless a test sets one.
  const store = PacketStore.open(dir, { maxAgeS: 100 * 365 * 86400, ...options });
  onStore?.(store);
  const decoder = new PacketDecoder();
  for (const file of captures) {
    await readCaptureFile(file, {
      packet(r) {
        store.append(r, decoder.decode(r));
      },
    });
  }
  store.close();
  await store.drain();
  return store;
}

/** tshark's fields for each packet of `file` (matching `filter` if given), tab-separated. */
export function tsharkFields(file: string, fields: readonly string[], filter?: string, extra: readonly string[] = []): string[] {
  const args = ['-r', file, ...(filter ? ['-Y', filter] : []), ...extra, '-T', 'fields', ...fields.flatMap((f) => ['-e', f])];
  return execFileSync('tshark', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 256 << 20 })
    .split('\n')
    .filter((l) => l.length > 0);
}
