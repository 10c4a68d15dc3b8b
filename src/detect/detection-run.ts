/**
 * Detection inside `vigil analyze`: a Detector whose hooks chain with the inventory collector's, and, once the
 * inventory is written, the end of detection with the inventory's categories as clinical context, then
 * alerts.jsonl, the store and the outputs.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AnalyzerOptions } from '../analyze/analyzer.js';
import { Taxonomy } from '../inventory/taxonomy.js';
import type { InventoryStore } from '../store/inventory-store.js';
import { saveAlerts } from './alert-store.js';
import { baselineFindings, loadBaselines, saveBaselines } from './baseline.js';
import { loadCategoryBaselines, saveCategoryBaselines } from './category-baseline.js';
import { sendAlerts, type AlertOutputOptions } from './alert-outputs.js';
import { severityRank } from './alert.js';
import { Detector, type DetectionResult } from './detector.js';
import { InventoryContext, type InventoryDevice } from './device-context.js';

type Hooks = Pick<AnalyzerOptions, 'onFlow' | 'onObservation' | 'onRawObservation' | 'rawObservationKeys'>;

/** The analyzer hooks running both `hooks` (the inventory's) and the detector's. */
export function chainHooks(hooks: Hooks, d: Detector): Hooks {
  const keys = new Set([...(hooks.rawObservationKeys ?? []), ...d.rawKeys]);
  const invRaw = hooks.onRawObservation;
  const invKeys = hooks.rawObservationKeys;
  return {
    onFlow: hooks.onFlow ? (f) => (hooks.onFlow!(f), d.flow(f)) : d.flow,
    onObservation: hooks.onObservation ? (o) => (hooks.onObservation!(o), d.observation(o)) : d.observation,
    rawObservationKeys: keys,
    onRawObservation: (o) => {
      if (invRaw && invKeys?.has(o.key)) invRaw(o);
      d.raw(o);
    },
  };
}

/** Inventory devices holding the alerts' addresses, with their categories. */
async function inventoryContext(store: InventoryStore, d: Detector): Promise<InventoryContext> {
  const hosts = d.hostsSeen();
  const ids = [...[...hosts.ips].map((value) => ({ kind: 'ip' as const, value })), ...[...hosts.macs].map((value) => ({ kind: 'mac' as const, value }))];
  const found = await store.devicesByIdentifier(ids);
  const rows = await store.devicesById([...new Set(found.values())]);
  const category = new Map(rows.map((r) => [Number(r.id), r.category]));
  const byIdentifier = new Map<string, InventoryDevice>();
  for (const [k, id] of found) byIdentifier.set(k, { deviceId: id, category: category.get(id) ?? null });
  return new InventoryContext(byIdentifier, Taxonomy.load(), d.facts);
}

export interface FinishDetectionOptions extends AlertOutputOptions {
  db?: string | false;
  out?: string;
  warn: (m: string) => void;
}

/** Ends detection and writes its outputs; returns the result and the line to print. */
export async function finishDetection(d: Detector, o: FinishDetectionOptions): Promise<{ result: DetectionResult; line: string }> {
  let result: DetectionResult;
  let store: InventoryStore | null = null;
  try {
    if (o.db) {
      // Loaded only here: an analysis without a store (--no-db) never pays for the SQL layer.
      const { InventoryStore } = await import('../store/inventory-store.js');
      store = await InventoryStore.open(o.db);
      // Every address a rule may ask about: the inventory is asked once, for all hosts the detector saw.
      const prior = await loadBaselines(store, [...d.baseline.hosts.keys()]);
      baselineFindings(d.baseline, prior, d.thresholds.baseline.minAgeS, d);
      d.storedCategories = await loadCategoryBaselines(store);
      result = d.finish(await inventoryContext(store, d));
      await saveAlerts(store, result);
      await saveBaselines(store, d.baseline);
      await saveCategoryBaselines(store, d.learntCategories, d.categoryUse.firstTs, d.categoryUse.lastTs);
    } else {
      result = d.finish();
    }
  } finally {
    await store?.close();
  }
  if (o.out) writeFileSync(join(o.out, 'alerts.jsonl'), result.alerts.map((a) => JSON.stringify(a)).join('\n') + (result.alerts.length ? '\n' : ''));
  await sendAlerts(result.alerts, o, o.warn);
  const above = result.alerts.filter((a) => severityRank(a.severity) >= severityRank('medium')).length;
  return { result, line: `Alerts     ${result.alerts.length} (${above} medium or above) in ${result.incidents.length} incidents` };
}
