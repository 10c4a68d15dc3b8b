/**
 * `npm run bench:api`: the API's target (docs/api.md): with 100k devices in the store, an inventory
 * page answers in p95 <= 50 ms over HTTP, token checked. Also prints, for information, the same for a
 * category filter, a search, a sort on hostname, a deep page and the overview.
 *
 * Usage: node dist/bench/api-bench.js [--devices 100000] [--requests 300]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createToken } from '../src/api/api-tokens.js';
import { buildServer } from '../src/api/server.js';
import { Rng } from '../src/simulate/rng.js';
import { InventoryStore } from '../src/store/inventory-store.js';
import { fillDevices } from './synthetic-devices.js';

const TARGET_P95_MS = 50;

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

async function main(): Promise<void> {
  const devices = arg('devices', 100_000);
  const requests = arg('requests', 300);
  const dir = mkdtempSync(join(tmpdir(), 'vigil-api-bench-'));
  const store = await InventoryStore.open(join(dir, 'vigil.db'));
  let exitCode = 0;
  try {
    const t0 = Date.now();
    await fillDevices(store, devices, new Rng(7));
    process.stdout.write(`store: ${devices} devices written in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
    const { token } = await createToken(store, 'bench', 'viewer');
    const { app } = await buildServer({ store, webRoot: null, rateLimit: 1_000_000 });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const addr = app.server.address();
    const base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
    const rng = new Rng(11);
    const kinds: [string, () => string][] = [
      ['inventory page (newest first)', () => `/api/devices?limit=100&offset=${rng.below(20) * 100}`],
      ['one category', () => `/api/devices?limit=100&category=infusion-pump&offset=${rng.below(10) * 100}`],
      ['search "host-12"', () => `/api/devices?limit=100&q=host-12${rng.below(10)}`],
      ['sorted by hostname', () => `/api/devices?limit=100&sort=hostname&order=asc&offset=${rng.below(20) * 100}`],
      ['deep page (offset 90k)', () => `/api/devices?limit=100&offset=${90_000 + rng.below(90) * 100}`],
      ['overview', () => '/api/overview'],
    ];
    process.stdout.write(`${'request'.padEnd(32)} ${'p50 ms'.padStart(8)} ${'p95 ms'.padStart(8)} ${'p99 ms'.padStart(8)}\n`);
    for (const [i, [name, url]] of kinds.entries()) {
      const n = name === 'overview' ? Math.min(requests, 20) : requests;
      for (let w = 0; w < 5; w++) await (await fetch(base + url(), { headers: { authorization: `Bearer ${token}` } })).arrayBuffer();
      const times: number[] = [];
      for (let r = 0; r < n; r++) {
        const s = process.hrtime.bigint();
        const res = await fetch(base + url(), { headers: { authorization: `Bearer ${token}` } });
        await res.arrayBuffer();
        if (res.status !== 200) throw new Error(`${name}: HTTP ${res.status}`);
        times.push(Number(process.hrtime.bigint() - s) / 1e6);
      }
      times.sort((a, b) => a - b);
      const p95 = percentile(times, 95);
      const verdict = i === 0 ? (p95 <= TARGET_P95_MS ? `  target <= ${TARGET_P95_MS} ms: met` : `  target <= ${TARGET_P95_MS} ms: NOT met`) : '';
      if (i === 0 && p95 > TARGET_P95_MS) exitCode = 1;
      process.stdout.write(`${name.padEnd(32)} ${percentile(times, 50).toFixed(2).padStart(8)} ${p95.toFixed(2).padStart(8)} ${percentile(times, 99).toFixed(2).padStart(8)}${verdict}\n`);
    }
    await app.close();
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
  process.exitCode = exitCode;
}

await main();
