import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { deviceReports } from '../inventory/device-report.js';
import { InventoryCollector } from '../inventory/inventory-collector.js';
import { updateInventory, type CaptureInfo } from '../inventory/inventory-update.js';
import { loadAttributeKnowledge } from '../inventory/knowledge.js';
import { loadSiteFile, type SiteZone } from '../inventory/site-zones.js';
import type { AttributeKnowledge } from '../inventory/attribute-resolver.js';
import { InventoryStore } from '../store/inventory-store.js';

export interface PreparedInventory {
  collector: InventoryCollector;
  knowledge: AttributeKnowledge;
  site: SiteZone[];
}


export async function prepareInventory(options: { site?: string; rules?: string[] }): Promise<PreparedInventory> {
  return {
    collector: new InventoryCollector(),
    knowledge: loadAttributeKnowledge({ rulesDirs: options.rules ?? [] }),
    site: options.site ? loadSiteFile(options.site) : [],
  };
}

/** Folds the analysis into the store; with `out`, writes devices.json there. Returns the line to print. */
export async function writeInventory(db: string, inv: PreparedInventory, capture: CaptureInfo, out?: string): Promise<string> {
  const store = await InventoryStore.open(db);
  try {
    const r = await updateInventory(store, inv.collector, capture, inv.knowledge, inv.site);
    if (out) writeFileSync(join(out, 'devices.json'), JSON.stringify(await deviceReports(store, { detail: true }), null, 2) + '\n');
    return `Inventory  ${r.devices} devices seen (${r.created} new, ${r.updated} updated), ${r.observations} facts -> ${store.location}`;
  } finally {
    await store.close();
  }
}
