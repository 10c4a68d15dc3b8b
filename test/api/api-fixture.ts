/** A store holding the analysis of the bundled demo capture (inventory, alerts, vulnerabilities, risk, packets), made once per test file. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { analyzeCommand } from '../../src/cli/analyze-command.js';
import { InventoryStore } from '../../src/store/inventory-store.js';
import { computeRisk } from '../../src/risk/device-risk.js';
import { assessVulnerabilities } from '../../src/vuln/assess.js';
import { importDefaultKnowledgeBase } from '../../src/vuln/kb-import.js';

export const DEMO_CAPTURE = fileURLToPath(new URL('../../data/demo/hospital-demo.pcapng.gz', import.meta.url));
export const DEMO_SITE = fileURLToPath(new URL('../../data/demo/hospital-demo.site.yaml', import.meta.url));

export async function analysedDemoStore(spec?: string): Promise<{ db: string; packets: string; cleanup: () => void }> {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-api-'));
  const db = spec ?? join(dir, 'vigil.db');
  const packets = join(dir, 'packets');
  await analyzeCommand([DEMO_CAPTURE], { db, quiet: true, site: DEMO_SITE, packetStore: packets });
  // As `npm start` does: the bundled vulnerability knowledge matched and decided.
  const store = await InventoryStore.open(db);
  try {
    await importDefaultKnowledgeBase(store, { onlyIfChanged: false });
    await assessVulnerabilities(store);
    await computeRisk(store);
  } finally {
    await store.close();
  }
  return { db, packets, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
