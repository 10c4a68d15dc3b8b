import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { deviceReports, devicesCsv, devicesTable } from '../inventory/device-report.js';
import { InventoryStore } from '../store/inventory-store.js';
import { defaultDbLocation } from './db-location.js';

export interface DevicesOptions {
  db?: string;
  json?: boolean;
  csv?: boolean;
  out?: string;
  category?: string;
}

/** `vigil devices`: the inventory as a table, JSON (with evidence) or CSV; `--out` writes devices.json. */
export async function devicesCommand(options: DevicesOptions): Promise<number> {
  if (options.json && options.csv) {
    process.stderr.write('vigil devices: choose one of --json and --csv\n');
    return 2;
  }
  const store = await InventoryStore.open(options.db ?? defaultDbLocation());
  try {
    const detail = Boolean(options.json || options.out);
    const reports = await deviceReports(store, { detail, category: options.category });
    if (options.out) {
      mkdirSync(options.out, { recursive: true });
      writeFileSync(join(options.out, 'devices.json'), JSON.stringify(reports, null, 2) + '\n');
    }
    if (options.json) process.stdout.write(JSON.stringify(reports, null, 2) + '\n');
    else if (options.csv) process.stdout.write(devicesCsv(reports));
    else if (!options.out) process.stdout.write((reports.length ? devicesTable(reports) : `no devices in ${store.location}; run vigil analyze first`) + '\n');
    return 0;
  } finally {
    await store.close();
  }
}
