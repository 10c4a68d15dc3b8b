import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InventoryStore } from '../../src/store/inventory-store.js';
import { ensureBuilt, ROOT, vigil } from './cli-helpers.js';

// `npm start` runs `vigil demo`: it analyses the bundled capture into ./vigil.db once, then serves it.
describe('vigil demo (npm start)', () => {
  let cwd: string;
  beforeAll(() => {
    ensureBuilt();
    cwd = mkdtempSync(join(tmpdir(), 'vigil-demo-'));
  });
  afterAll(() => rmSync(cwd, { recursive: true, force: true }));

  it('analyses the bundled capture with its site file into ./vigil.db and writes its outputs', async () => {
    expect(existsSync(join(ROOT, 'data/demo/hospital-demo.pcapng.gz'))).toBe(true);
    const r = vigil(['demo', '--no-serve'], { cwd });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/packets\s+\d+/);
    const summary = JSON.parse(readFileSync(join(cwd, 'out/demo/summary.json'), 'utf8'));
    expect(summary.packets).toBeGreaterThan(1000);
    expect(summary.flows).toBeGreaterThan(50);
    expect(summary.observations).toBeGreaterThan(0);
    expect(summary.truncated).toBe(false);
    expect(summary.files[0]).toMatchObject({ format: 'pcapng', gzip: true });
    const store = await InventoryStore.open(join(cwd, 'vigil.db'));
    try {
      expect((await store.devices()).length).toBeGreaterThan(100);
      // Zones come from the hospital's site file, not from bare VLAN numbers.
      expect((await store.zones()).map((z) => z.id)).toEqual(expect.arrayContaining(['icu', 'radiology']));
    } finally {
      await store.close();
    }
  });

  it('keeps an existing ./vigil.db instead of analysing again', () => {
    const r = vigil(['demo', '--no-serve'], { cwd });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/vigil\.db exists: serving it as it is/);
    expect(r.stdout).not.toMatch(/packets\s+\d+/);
  });
});
