/**
 * The blast radius against the simulator's ground truth: the simulator records which server each
 * device's workflows connected to (`talksTo`), so what an attacker on the interface engine or on the
 * PACS reaches in one hop, and who loses them when they stop, are known exactly. Vigil, from the
 * capture alone, must find the same devices: no more, no fewer.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyzeCommand } from '../../src/cli/analyze-command.js';
import { blastRadius } from '../../src/graph/blast-radius.js';
import { DeviceGraph } from '../../src/graph/device-graph.js';
import { internetDestinations } from '../../src/graph/internet-edges.js';
import { LateralMovement } from '../../src/graph/lateral-movement.js';
import { Taxonomy } from '../../src/inventory/taxonomy.js';
import { simulate, type Truth } from '../../src/simulate/index.js';
import { siteFile } from '../../src/simulate/site-file.js';
import { InventoryStore } from '../../src/store/inventory-store.js';

/**
 * Whether a simulator workflow's conversations carry a service an attacker can act through
 * (knowledge/lateral-movement.json): HL7 and DICOM do; time, names and logging do not. A workflow
 * missing here fails the test, so a new one is classified when it is added.
 */
const LATERAL_WORKFLOW: Record<string, boolean> = {
  hl7: true,
  'dicom-store': true,
  'dicom-worklist': true,
  // A C-MOVE: the workstation's query association, and the PACS's store association back to it.
  'dicom-move': true,
  rdp: true,
  telnet: true,
  ntp: false,
  dns: false,
  syslog: false,
};

let dir: string;
let truth: Truth;
let store: InventoryStore;
let graph: DeviceGraph;
const taxonomy = Taxonomy.load();

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vigil-reach-'));
  const capture = join(dir, 'h.pcapng');
  const site = join(dir, 'h.yaml');
  truth = simulate({ seed: 7, devices: 200, duration: 1200, imageScale: 0.1, out: capture, truth: join(dir, 'h.truth.json') }).truth;
  writeFileSync(site, siteFile(truth));
  await analyzeCommand([capture], { db: join(dir, 'vigil.db'), quiet: true, site, detect: false });
  store = await InventoryStore.open(join(dir, 'vigil.db'));
  graph = await DeviceGraph.load(store, LateralMovement.load());
}, 120_000);

afterAll(async () => {
  await store?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Inventory device id of each truth device, by its address. */
async function idsByTruth(): Promise<Map<string, number>> {
  const byIp = new Map((await store.devices()).filter((d) => d.ip).map((d) => [d.ip!, Number(d.id)]));
  const out = new Map<string, number>();
  for (const d of truth.devices) for (const ip of d.ips) if (byIp.has(ip)) out.set(d.id, byIp.get(ip)!);
  return out;
}

function expectedFor(role: string): { id: string; reachable: Set<string>; dependents: Set<string> } {
  const d = truth.devices.find((x) => x.role === role);
  if (!d) throw new Error(`the simulated hospital has no ${role}`);
  for (const t of d.talksTo) if (!(t.workflow in LATERAL_WORKFLOW)) throw new Error(`classify simulator workflow "${t.workflow}" in LATERAL_WORKFLOW`);
  return {
    id: d.id,
    reachable: new Set(d.talksTo.filter((t) => LATERAL_WORKFLOW[t.workflow]).map((t) => t.device)),
    dependents: new Set(truth.devices.filter((x) => x.talksTo.some((t) => t.device === d.id)).map((x) => x.id)),
  };
}

describe.each([
  ['hl7-engine', 'the interface engine'],
  ['pacs', 'the PACS'],
])('blast radius of %s against the simulator truth', (role, what) => {
  it(`${what}: one hop reaches exactly the servers its workflows send to over lateral services, and its dependents are exactly the devices whose workflows use it`, async () => {
    const ids = await idsByTruth();
    const truthOf = new Map([...ids].map(([t, id]) => [id, t]));
    const e = expectedFor(role);
    expect(e.dependents.size).toBeGreaterThan(0);
    const r = blastRadius(graph, ids.get(e.id)!, taxonomy, 1);
    const reached = new Set(r.reachable.map((x) => truthOf.get(x.device.id) ?? `unknown device ${x.device.id}`));
    const dependents = new Set(r.dependents.map((x) => truthOf.get(x.device.id) ?? `unknown device ${x.device.id}`));
    console.log(`${what}: reaches ${reached.size} (truth ${e.reachable.size}), dependents ${dependents.size} (truth ${e.dependents.size})`);
    expect([...reached].sort()).toEqual([...e.reachable].sort());
    expect([...dependents].sort()).toEqual([...e.dependents].sort());
  });
});

describe('truth of the simulator', () => {
  it('records what each workflow connected to, for servers found by role', () => {
    const engine = truth.devices.find((d) => d.role === 'hl7-engine')!;
    expect(engine.talksTo.some((t) => t.workflow === 'hl7')).toBe(true);
    const modalities = truth.devices.filter((d) => d.workflows.includes('dicom-store'));
    expect(modalities.length).toBeGreaterThan(0);
    for (const m of modalities) expect(m.talksTo.filter((t) => t.workflow === 'dicom-store').map((t) => truth.devices.find((x) => x.id === t.device)?.role)).toContain('pacs');
  });
});

describe('internet destinations against the simulator truth', () => {
  it('lists only the simulated internet hosts, each under the name the truth gives it, with devices of the hospital', async () => {
    const external = new Map(truth.external.map((e) => [e.ip, e.name]));
    const local = new Map(truth.devices.flatMap((d) => d.ips.map((ip) => [ip, d.id] as const)));
    const dests = await internetDestinations(store);
    expect(dests.length).toBeGreaterThan(3);
    const devices = new Map((await store.devices()).map((d) => [Number(d.id), d]));
    for (const d of dests) {
      expect(external.has(d.address), `${d.address} is a simulated internet host`).toBe(true);
      for (const n of d.names) expect(n).toBe(external.get(d.address));
      for (const x of d.devices) expect(local.has(devices.get(x.id)?.ip ?? ''), `${x.label} is a simulated hospital device`).toBe(true);
    }
    // The busiest destination (most devices) first.
    expect(dests.map((d) => d.devices.length)).toEqual([...dests.map((d) => d.devices.length)].sort((a, b) => b - a));
    expect(dests.some((d) => d.names.length > 0)).toBe(true);
  });
});
