import { findDevice } from '../inventory/find-device.js';
import { blastRadius, DEFAULT_MAX_HOPS, reachersOf, type ClinicalWeight } from '../graph/blast-radius.js';
import { chokePoints } from '../graph/choke-points.js';
import { DeviceGraph } from '../graph/device-graph.js';
import { LateralMovement } from '../graph/lateral-movement.js';
import { Taxonomy } from '../inventory/taxonomy.js';
import { recogniseWorkflows, workflowsOf, type WorkflowInstance } from '../graph/workflows.js';
import { InventoryStore } from '../store/inventory-store.js';
import { defaultDbLocation } from './db-location.js';

const weightText = (w: ClinicalWeight) =>
  `${w.devices} devices` +
  (w.devices ? ` (${Object.entries(w.bySafetyImpact).sort((a, b) => b[1] - a[1]).map(([k, v]) => `${v} ${k}`).join(', ')}; ${w.phi} holding or moving patient data)` : '');

export async function blastRadiusCommand(device: string, options: { db?: string; json?: boolean; hops?: number; reverse?: boolean }): Promise<number> {
  const store = await InventoryStore.open(options.db ?? defaultDbLocation());
  try {
    const id = await findDevice(store, device);
    if (id === null) {
      process.stderr.write(`vigil blast-radius: no device "${device}" in ${store.location} (give an inventory id, IP, MAC or hostname)\n`);
      return 2;
    }
    const graph = await DeviceGraph.load(store, LateralMovement.load());
    const hops = options.hops ?? DEFAULT_MAX_HOPS;
    if (options.reverse) {
      const reachers = reachersOf(graph, id, hops);
      if (options.json) process.stdout.write(JSON.stringify({ device: graph.devices[graph.index.get(id)!], maxHops: hops, reachers }, null, 2) + '\n');
      else {
        process.stdout.write(`Devices that can reach ${graph.devices[graph.index.get(id)!].label} within ${hops} hops over lateral-movement conversations: ${reachers.length}\n`);
        for (const r of reachers) process.stdout.write(`  ${r.hops}  ${r.device.label.padEnd(24)} ${r.device.category ?? ''}\n`);
      }
      return 0;
    }
    const r = blastRadius(graph, id, Taxonomy.load(), hops);
    const broken = workflowsOf(await recogniseWorkflows(store), id);
    if (options.json) {
      process.stdout.write(JSON.stringify({ ...r, workflowsBroken: broken.map((b) => ({ as: b.as, workflow: b.instance.workflow, name: b.instance.name, hub: b.instance.hub, members: b.as === 'hub' ? b.instance.members.length : 1 })) }, null, 2) + '\n');
      return 0;
    }
    const lines = [
      `Blast radius of ${r.device.label} (${r.device.category ?? 'unknown category'}${r.device.role ? `, ${r.device.role}` : ''}), ${hops} hops over lateral-movement conversations`,
      `Reachable: ${weightText(r.reachableWeight)}`,
      ...r.reachable.map((x) => `  ${x.hops}  ${x.device.label.padEnd(24)} ${(x.device.category ?? '').padEnd(20)} from ${x.from.label} over ${x.services.join(', ')}`),
      `Depending on it (lose a service if it stops): ${weightText(r.dependentWeight)}`,
      ...r.dependents.map((d) => `     ${d.device.label.padEnd(24)} ${(d.device.category ?? '').padEnd(20)} uses ${d.services.join(', ')}`),
      `Clinical workflows that break if it stops: ${broken.length}`,
      ...broken.map((b) => (b.as === 'hub' ? `     ${b.instance.name}: ${b.instance.members.length === 0 && b.instance.internet ? 'operated from the internet' : `all ${b.instance.members.length} ${b.instance.members[0]?.part ?? 'member'}s`} of this ${b.instance.hub.part}` : `     ${b.instance.name}: its own part, with ${b.instance.hub.label} (${b.instance.hub.part})`)),
    ];
    process.stdout.write(lines.join('\n') + '\n');
    return 0;
  } finally {
    await store.close();
  }
}

export async function chokePointsCommand(options: { db?: string; json?: boolean; limit?: number }): Promise<number> {
  const store = await InventoryStore.open(options.db ?? defaultDbLocation());
  try {
    const graph = await DeviceGraph.load(store, LateralMovement.load());
    const ranked = chokePoints(graph, options.limit ?? 20, undefined, await recogniseWorkflows(store));
    if (options.json) process.stdout.write(JSON.stringify(ranked, null, 2) + '\n');
    else {
      process.stdout.write(`Choke points among ${graph.size} devices and ${graph.edgeCount} observed device pairs (cut off: devices separated from the rest if it goes; workflow devices: devices whose clinical workflows it is the hub of; betweenness: share of shortest paths through it)\n`);
      process.stdout.write(`  ${'DEVICE'.padEnd(24)} ${'CATEGORY'.padEnd(20)} ${'ROLE'.padEnd(18)} CUT OFF  WORKFLOW DEVICES  BETWEENNESS\n`);
      for (const c of ranked) process.stdout.write(`  ${c.device.label.padEnd(24)} ${(c.device.category ?? '').padEnd(20)} ${(c.device.role ?? '').padEnd(18)} ${String(c.isolates).padStart(7)}  ${`${c.workflowDevices} (${c.workflows})`.padStart(16)}  ${c.betweenness.toFixed(4)}\n`);
    }
    return 0;
  } finally {
    await store.close();
  }
}

export async function workflowsCommand(options: { db?: string; json?: boolean }): Promise<number> {
  const store = await InventoryStore.open(options.db ?? defaultDbLocation());
  try {
    const instances: WorkflowInstance[] = await recogniseWorkflows(store);
    if (options.json) process.stdout.write(JSON.stringify(instances, null, 2) + '\n');
    else if (instances.length === 0) process.stdout.write(`no clinical workflows recognised in ${store.location}\n`);
    else {
      for (const i of instances) {
        if (i.internet && i.members.length === 0) process.stdout.write(`${i.name}: ${i.hub.part} ${i.hub.label}, operated from the internet (${i.internet.peers} peer${i.internet.peers === 1 ? '' : 's'}; ${i.internet.evidence.join(', ')})\n`);
        else process.stdout.write(`${i.name}: ${i.hub.part} ${i.hub.label}, ${i.members.length} ${i.members[0]?.part ?? 'member'}${i.members.length === 1 ? '' : 's'}, ${i.flows} flows\n`);
        for (const m of i.members.slice(0, 12)) process.stdout.write(`    ${m.label.padEnd(24)} ${(m.category ?? '').padEnd(20)} ${m.evidence[0] ?? ''}\n`);
        if (i.members.length > 12) process.stdout.write(`    ... and ${i.members.length - 12} more (--json lists all)\n`);
      }
    }
    return 0;
  } finally {
    await store.close();
  }
}

export async function internetCommand(options: { db?: string; json?: boolean; limit?: number }): Promise<number> {
  const { internetDestinations } = await import('../graph/internet-edges.js');
  const store = await InventoryStore.open(options.db ?? defaultDbLocation());
  try {
    const all = await internetDestinations(store);
    const shown = all.slice(0, options.limit ?? 50);
    if (options.json) process.stdout.write(JSON.stringify(shown, null, 2) + '\n');
    else if (all.length === 0) process.stdout.write(`no conversations with the internet in ${store.location}\n`);
    else {
      process.stdout.write(`${all.length} internet destination${all.length === 1 ? '' : 's'}; devices talking to each (out) and reached from each (in)\n`);
      process.stdout.write(`  ${'ADDRESS'.padEnd(40)} ${'OUT'.padStart(4)} ${'IN'.padStart(4)} ${'FLOWS'.padStart(7)}  SERVICES / NAMES\n`);
      for (const d of shown) {
        process.stdout.write(`  ${d.address.padEnd(40)} ${String(d.outbound).padStart(4)} ${String(d.inbound).padStart(4)} ${String(d.flows).padStart(7)}  ${d.services.join(' ')}${d.names.length ? `  ${d.names.join(', ')}` : ''}\n`);
        for (const x of d.devices.slice(0, 5)) process.stdout.write(`      ${x.direction === 'to' ? '->' : '<-'} ${x.label.padEnd(24)} ${(x.category ?? '').padEnd(20)} ${x.services.join(' ')}\n`);
        if (d.devices.length > 5) process.stdout.write(`      ... and ${d.devices.length - 5} more devices (--json lists all)\n`);
      }
      if (all.length > shown.length) process.stdout.write(`... ${all.length - shown.length} more destinations (--limit)\n`);
    }
    return 0;
  } finally {
    await store.close();
  }
}
