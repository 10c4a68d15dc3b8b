import { computeRisk, readRisk } from '../risk/device-risk.js';
import { InventoryStore } from '../store/inventory-store.js';
import { defaultDbLocation } from './db-location.js';

/** `vigil risk`: recompute every device's risk, then list the top by patient safety or privacy. */
export async function riskCommand(options: { db?: string; by?: string; json?: boolean; limit?: number }): Promise<number> {
  const by = (options.by ?? 'safety') as 'safety' | 'privacy';
  if (by !== 'safety' && by !== 'privacy') {
    process.stderr.write(`vigil risk: --by is safety or privacy (got "${options.by}")\n`);
    return 2;
  }
  const store = await InventoryStore.open(options.db ?? defaultDbLocation());
  try {
    const run = await computeRisk(store);
    const top = await readRisk(store, { by, limit: options.limit ?? 20 });
    if (options.json) {
      process.stdout.write(JSON.stringify({ devices: run.devices, by, top }, null, 2) + '\n');
      return 0;
    }
    process.stdout.write(`Risk of ${run.devices} devices, ranked by ${by === 'safety' ? 'patient safety' : 'privacy'} (0-100; docs/risk.md explains the formula)\n`);
    process.stdout.write(`  ${'SCORE'.padStart(5)}  ${'DEVICE'.padEnd(22)} ${'CATEGORY'.padEnd(20)} ${'ZONE'.padEnd(16)} WHY\n`);
    for (const r of top) {
      const why = r.factors.filter((f) => f.kind === 'likelihood').sort((a, b) => b.weight - a.weight).slice(0, 3).map((f) => f.label).join('; ');
      process.stdout.write(`  ${(by === 'safety' ? r.safety : r.privacy).toFixed(1).padStart(5)}  ${r.device.label.slice(0, 22).padEnd(22)} ${(r.device.category ?? '').padEnd(20)} ${(r.device.zone ?? '').slice(0, 16).padEnd(16)} ${why || 'no likelihood factor seen'}\n`);
    }
    return 0;
  } finally {
    await store.close();
  }
}
