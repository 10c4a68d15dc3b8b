import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { analyzeCommand } from '../../src/cli/analyze-command.js';
import { deviceReports } from '../../src/inventory/device-report.js';
import { InventoryStore } from '../../src/store/inventory-store.js';

// The inventory on the printing recordings (scripts/record-printing-fixtures.sh): ippeveprinter at 10.204.0.2
// says it is make "Example", model "LaserJet 4250" (printer-device-id MFG/MDL, printer-make-and-model), and the
// BSD lpr client at 10.204.0.1 names its host in the LPD control file.
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'vigil-printing-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

async function inventoryOf(capture: string) {
  const db = join(tmp, `${capture.replace(/[^a-z0-9]+/gi, '-')}.db`);
  await analyzeCommand([join(ROOT, capture)], { db, quiet: true });
  const store = await InventoryStore.open(db);
  try {
    return await deviceReports(store, { detail: true });
  } finally {
    await store.close();
  }
}

describe('inventory on the printing fixtures', () => {
  it('an IPP printer: vendor and model from its device ID, category printer', async () => {
    const devices = await inventoryOf('test/fixtures/printing/ipp.pcap');
    const printer = devices.find((d) => d.ip === '10.204.0.2');
    expect(printer).toBeDefined();
    expect(printer).toMatchObject({ vendor: 'Example', model: 'LaserJet 4250', category: 'printer', role: 'printer' });
    const client = devices.find((d) => d.ip === '10.204.0.1');
    expect(client?.category ?? null).not.toBe('printer');
  }, 60_000);

  it('an LPD client: its host name from the control file', async () => {
    const devices = await inventoryOf('test/fixtures/printing/lpd.pcap');
    expect(devices.find((d) => d.ip === '10.204.0.1')?.hostname).toBe('ward-pc');
  }, 60_000);
});
