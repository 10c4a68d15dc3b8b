import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, ROOT, vigil } from './cli-helpers.js';

// `npm start` runs `vigil demo`: it must analyse the bundled capture and print its summary.
describe('vigil demo (npm start)', () => {
  let cwd: string;
  beforeAll(() => {
    ensureBuilt();
    cwd = mkdtempSync(join(tmpdir(), 'vigil-demo-'));
  });
  afterAll(() => rmSync(cwd, { recursive: true, force: true }));

  it('analyses the bundled capture and writes its outputs', () => {
    expect(existsSync(join(ROOT, 'data/demo/hospital-demo.pcapng.gz'))).toBe(true);
    const r = vigil(['demo'], { cwd });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/packets\s+\d+/);
    const summary = JSON.parse(readFileSync(join(cwd, 'out/demo/summary.json'), 'utf8'));
    expect(summary.packets).toBeGreaterThan(1000);
    expect(summary.flows).toBeGreaterThan(50);
    expect(summary.observations).toBeGreaterThan(0);
    expect(summary.truncated).toBe(false);
    expect(summary.files[0]).toMatchObject({ format: 'pcapng', gzip: true });
  });
});
