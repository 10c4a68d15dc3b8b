import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { Taxonomy } from '../inventory/taxonomy.js';
import { gatherRiskWorld } from '../risk/risk-inputs.js';
import { loadRiskModel } from '../risk/risk-model.js';
import { loadMitigations, mitigationOptions, remediationCategories } from '../risk/mitigations.js';
import { runWhatIf, type WhatIfAction } from '../risk/what-if.js';
import { InventoryStore } from '../store/inventory-store.js';
import { findDevice } from '../inventory/find-device.js';
import { defaultDbLocation } from './db-location.js';

/** `vigil mitigate <device>`: every option of the catalogue that changes the device's risk, cheapest under the target first. */
export async function mitigateCommand(device: string, options: { db?: string; json?: boolean }): Promise<number> {
  const store = await InventoryStore.open(options.db ?? defaultDbLocation());
  try {
    const id = await findDevice(store, device);
    if (id === null) {
      process.stderr.write(`vigil mitigate: no device "${device}" in ${store.location} (give an inventory id, IP, MAC or hostname)\n`);
      return 2;
    }
    const model = loadRiskModel();
    const catalogue = loadMitigations();
    const world = await gatherRiskWorld(store, Taxonomy.load(), model);
    const { before, options: opts } = mitigationOptions(world.inputs.get(id)!, model, catalogue, await remediationCategories(store, id));
    if (options.json) {
      process.stdout.write(JSON.stringify({ device: world.devices.get(id), target: catalogue.target, before, options: opts }, null, 2) + '\n');
      return 0;
    }
    process.stdout.write(`${world.devices.get(id)!.label}: risk ${before.score} (safety ${before.safety}, privacy ${before.privacy}); target below ${catalogue.target}\n`);
    process.stdout.write(`  ${'AFTER'.padStart(5)}  COST  CARE     OPTION\n`);
    for (const o of opts) process.stdout.write(`  ${o.after.toFixed(1).padStart(5)}  ${String(o.mitigation.cost).padStart(4)}  ${o.mitigation.careImpact.padEnd(7)}  ${o.bringsUnderTarget ? '* ' : '  '}${o.mitigation.label}${o.removes.length ? ` (removes ${o.removes.join(', ')})` : ''}\n`);
    process.stdout.write('  * brings the device under the target\n');
    return 0;
  } finally {
    await store.close();
  }
}

interface PlanFile {
  name?: string;
  actions?: { devices?: (string | number)[]; group?: string; apply?: string[]; moveTo?: string }[];
}

/** `vigil whatif <plan.yaml>`: the plan's mitigations and zone moves on a copy of the inputs; before and after. */
export async function whatIfCommand(file: string, options: { db?: string; json?: boolean }): Promise<number> {
  let plan: PlanFile;
  try {
    plan = parse(readFileSync(file, 'utf8')) as PlanFile;
  } catch (err) {
    process.stderr.write(`vigil whatif: ${file}: ${(err as Error).message}\n`);
    return 2;
  }
  if (!plan || !Array.isArray(plan.actions) || plan.actions.length === 0) {
    process.stderr.write(`vigil whatif: ${file}: expected "actions:" with at least one entry of devices (or group), and apply and/or moveTo\n`);
    return 2;
  }
  const store = await InventoryStore.open(options.db ?? defaultDbLocation());
  try {
    const actions: WhatIfAction[] = [];
    for (const [i, a] of plan.actions.entries()) {
      const where = `${file}: actions[${i}]`;
      if (!a.apply && a.moveTo === undefined) {
        process.stderr.write(`vigil whatif: ${where}: needs "apply" (mitigation ids) or "moveTo" (a zone id)\n`);
        return 2;
      }
      const ids: number[] = [];
      for (const name of a.devices ?? []) {
        const id = await findDevice(store, String(name));
        if (id === null) {
          process.stderr.write(`vigil whatif: ${where}: no device "${name}"\n`);
          return 2;
        }
        ids.push(id);
      }
      if (a.group) {
        const m = /^(category|zone|role):(.+)$/.exec(a.group);
        if (!m) {
          process.stderr.write(`vigil whatif: ${where}: group is category:ID, zone:ID or role:ID\n`);
          return 2;
        }
        ids.push(...(await store.db.selectFrom('devices').select('id').where(m[1] as 'category', '=', m[2]).execute()).map((r) => Number(r.id)));
      }
      actions.push({ deviceIds: ids, apply: a.apply, moveTo: a.moveTo });
    }
    const model = loadRiskModel();
    const world = await gatherRiskWorld(store, Taxonomy.load(), model);
    let result;
    try {
      result = runWhatIf(world, actions, model, loadMitigations());
    } catch (err) {
      process.stderr.write(`vigil whatif: ${file}: ${(err as Error).message}\n`);
      return 2;
    }
    if (options.json) {
      process.stdout.write(JSON.stringify({ plan: plan.name ?? file, ...result }, null, 2) + '\n');
      return 0;
    }
    const h = (x: typeof result.before) => `mean ${x.mean}, max ${x.max}, ${x.aboveTarget} devices at or above ${result.target} (${x.safetyAboveTarget} by safety, ${x.privacyAboveTarget} by privacy)`;
    process.stdout.write(`What-if ${plan.name ?? file} (nothing is changed)\n  before: ${h(result.before)}\n  after:  ${h(result.after)}\n`);
    for (const d of result.devices.slice(0, 40)) process.stdout.write(`  ${d.before.score.toFixed(1).padStart(5)} -> ${d.after.score.toFixed(1).padStart(5)}  ${d.label.padEnd(22)} ${d.changes.join('; ')}\n`);
    if (result.devices.length > 40) process.stdout.write(`  ... and ${result.devices.length - 40} more (--json lists all)\n`);
    return 0;
  } finally {
    await store.close();
  }
}
