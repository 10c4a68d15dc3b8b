import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { analyzeCommand } from '../../src/cli/analyze-command.js';
import { deviceReports } from '../../src/inventory/device-report.js';
import { InventoryStore } from '../../src/store/inventory-store.js';

// The inventory on the captures recorded from real implementations, against their truth
// (eval/recorded-fixtures.json, which `npm run eval` scores): nothing it names may be wrong, and what the
// recordings show (an archive answering query/retrieve, a workstation retrieving a study, a printer's IPP
// device ID, an LPD client's host name) must be named.
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const ATTRS = ['category', 'vendor', 'model', 'role'] as const;
interface TruthHost {
  id: string;
  macs: string[];
  ips: string[];
  category: string | null;
  vendor: string | null;
  model: string | null;
  role: string | null;
}
const { fixtures } = JSON.parse(readFileSync(join(ROOT, 'eval', 'recorded-fixtures.json'), 'utf8')) as { fixtures: { capture: string; devices: TruthHost[] }[] };

const tmp = mkdtempSync(join(tmpdir(), 'vigil-fixture-truth-'));
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

describe('inventory on the recorded fixtures (eval/recorded-fixtures.json)', () => {
  const named: Record<string, Record<string, Partial<Record<(typeof ATTRS)[number] | 'hostname', string | null>>>> = {};
  for (const f of fixtures) {
    it(`${f.capture}: every attribute named is the truth's`, async () => {
      const devices = await inventoryOf(f.capture);
      named[f.capture] = {};
      for (const t of f.devices) {
        const d = devices.find((x) => (x.mac !== null && t.macs.includes(x.mac)) || t.ips.some((ip) => x.ip === ip));
        expect(d, `${t.id} is in the inventory`).toBeDefined();
        named[f.capture][t.id] = { ...Object.fromEntries(ATTRS.map((a) => [a, d![a] ?? null])), hostname: d!.hostname ?? null };
        for (const a of ATTRS) {
          const truth = t[a];
          const got = d![a] ?? null;
          if (truth !== null && got !== null) expect(got.toLowerCase(), `${t.id} ${a}`).toBe(truth.toLowerCase());
        }
      }
    }, 60_000);
  }

  it('names the archive and the reading workstation of a C-MOVE, and a C-FIND archive', () => {
    expect(named['test/fixtures/dicom/move.pcap']).toMatchObject({
      'dicom-archive': { category: 'pacs', role: 'pacs' },
      'dicom-client': { category: 'workstation', role: 'reading-workstation' },
    });
    expect(named['test/fixtures/dicom/find.pcap']['dicom-archive']).toMatchObject({ category: 'pacs', role: 'pacs' });
    expect(named['test/fixtures/dicom/store.pcap']).toMatchObject({ 'dicom-archive': { role: 'pacs' }, 'dicom-client': { role: 'modality' } });
    expect(named['test/fixtures/fhir/fhir-rest.pcap']['fhir-server']).toMatchObject({ role: 'fhir-server' });
  });

  it('names the IPP printer from its device ID, and the LPD client by the host its control file names', () => {
    expect(named['test/fixtures/printing/ipp.pcap']['ipp-printer']).toMatchObject({ vendor: 'Example', model: 'LaserJet 4250', category: 'printer', role: 'printer' });
    expect(named['test/fixtures/printing/ipp.pcap']['ipp-client'].category).not.toBe('printer');
    expect(named['test/fixtures/printing/lpd.pcap']['lpd-client'].hostname).toBe('ward-pc');
  });

  it('a port that hints at ten categories names none of them', () => {
    // storescp answering only a C-ECHO on 11112: the DICOM port hint alone is a ten-way tie.
    expect(named['test/fixtures/dicom/echo.pcap']['dicom-archive'].category).toBeNull();
  });
});
