/**
 * `npm run eval`: how well the inventory names devices, scored against ground truth. Simulated
 * hospitals (several seeds, 500 devices each) are made with the simulator, analysed into a fresh
 * store, and every device's category, vendor, model and role compared with the truth file.
 * Prints precision, recall and F1 per attribute and lists every failure device by device
 * (also written to eval/.cache/failures-<seed>.json). Each hospital is analysed with a site file made
 * from the truth's zone list (subnets and VLANs with their kind), as a hospital would write its own.
 *
 * Then the captures recorded from real implementations (test/fixtures) are scored the same way against
 * eval/recorded-fixtures.json (`--no-fixtures` skips them).
 *
 *   npm run eval -- [--seeds 1,2,3] [--devices 500] [--duration 30m] [--show 20] [--no-fixtures | --fixtures-only]
 *   npm run eval -- --capture FILE --truth FILE.truth.json
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { analyzeCommand } from '../src/cli/analyze-command.js';
import { deviceReports, type DeviceReport } from '../src/inventory/device-report.js';
import { OuiRegistry } from '../src/inventory/oui.js';
import { canonicalVendor } from '../src/inventory/vendor-names.js';
import { simulate, parseDuration, type Truth, type TruthDevice } from '../src/simulate/index.js';
import { siteFile } from '../src/simulate/site-file.js';
import { InventoryStore } from '../src/store/inventory-store.js';
import { recogniseWorkflows } from '../src/graph/workflows.js';

/** The simulator's per-device workflow names (what a device sends) → the workflows Vigil names. */
const WORKFLOW_MAP: Record<string, string[]> = {
  'dicom-store': ['imaging-storage'],
  'dicom-worklist': ['modality-worklist'],
  hl7: ['hl7-orders', 'hl7-results', 'hl7-adt'],
  astm: ['lab-results'],
  poct1a: ['lab-results'],
  fhir: ['fhir'],
  print: ['printing'],
  rdp: ['remote-access'],
  teamviewer: ['remote-access'],
  telnet: ['remote-access'],
};

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const CACHE = join(ROOT, 'eval', '.cache');

const ATTRS = ['category', 'vendor', 'model', 'role'] as const;
type Attr = (typeof ATTRS)[number];

interface Score {
  predicted: number;
  truth: number;
  /** Truth items found (recall's numerator). */
  correct: number;
  /** Predictions that are right (precision's numerator), when it differs from `correct`. */
  correctPredicted?: number;
}

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}

const norm = (s: string) => s.toLowerCase().replace(/[^a-z0-9]+/g, ' ').trim();

/** Equal after normalising; for models, one naming the other ("EPIQ 7" within "Philips EPIQ 7G") counts. */
function same(attr: Attr, predicted: string, truth: string): boolean {
  if (attr === 'vendor') return norm(canonicalVendor(predicted)) === norm(canonicalVendor(truth));
  const p = norm(predicted);
  const t = norm(truth);
  if (attr === 'model') return p === t || (p.length >= 3 && t.includes(p)) || (t.length >= 3 && p.includes(t));
  return p === t;
}

interface Failure {
  truth: string;
  attribute: Attr | 'device' | 'workflow';
  expected: string | null;
  got: string | null;
}

async function evaluateCapture(label: string, capture: string, truth: Truth, oui: OuiRegistry, show: number): Promise<Record<Attr, Score> & { named: Score; workflows: Score }> {
  const db = join(CACHE, `${label}.db`);
  for (const f of [db, `${db}-wal`, `${db}-shm`]) rmSync(f, { force: true });
  const t0 = Date.now();
  let site: string | undefined;
  if (truth.zones.length > 0) {
    site = join(CACHE, `${label}.site.yaml`);
    writeFileSync(site, siteFile(truth));
  }
  await analyzeCommand([capture], { db, quiet: true, ...(site ? { site } : {}) });
  const store = await InventoryStore.open(db);
  const devices = await deviceReports(store, { detail: true });
  const instances = await recogniseWorkflows(store);
  await store.close();
  const analysedS = (Date.now() - t0) / 1000;
  const byMac = new Map<string, DeviceReport>();
  const byIp = new Map<string, DeviceReport>();
  for (const d of devices) {
    for (const a of d.addresses ?? []) {
      if (a.kind === 'mac') byMac.set(a.value, d);
      if (a.kind === 'ip' && d.identity.kind === 'ip') byIp.set(a.value, d);
    }
  }
  const scores = Object.fromEntries([...ATTRS, 'named', 'workflows'].map((a) => [a, { predicted: 0, truth: 0, correct: 0 }])) as Record<Attr | 'named' | 'workflows', Score>;
  // Workflows: a device takes part in one when it is a member or the hub of an instance of it.
  const partOf = new Map<number, Set<string>>();
  for (const i of instances) {
    for (const id of [i.hub.id, ...i.members.map((m) => m.id)]) {
      let set = partOf.get(id);
      if (!set) partOf.set(id, (set = new Set()));
      set.add(i.workflow);
    }
  }
  const truthOf = new Map<number, Set<string>>();
  const failures: Failure[] = [];
  const matched = new Set<DeviceReport>();
  for (const t of truth.devices as TruthDevice[]) {
    const d = t.macs.map((m) => byMac.get(m)).find(Boolean) ?? t.ips.map((ip) => byIp.get(ip)).find(Boolean);
    if (!d) {
      failures.push({ truth: t.id, attribute: 'device', expected: `${t.macs[0] ?? ''} ${t.ips[0] ?? ''}`, got: null });
      for (const a of ATTRS) if ((t as unknown as Record<string, string | null>)[a]) scores[a].truth++;
      continue;
    }
    matched.add(d);
    const expectedWorkflows = new Set((t.workflows ?? []).flatMap((w) => WORKFLOW_MAP[w] ?? []));
    truthOf.set(d.id, new Set([...(truthOf.get(d.id) ?? []), ...expectedWorkflows]));
    for (const w of new Set((t.workflows ?? []).filter((x) => WORKFLOW_MAP[x]))) {
      scores.workflows.truth++;
      if (WORKFLOW_MAP[w].some((v) => partOf.get(d.id)?.has(v))) scores.workflows.correct++;
      else failures.push({ truth: t.id, attribute: 'workflow', expected: w, got: [...(partOf.get(d.id) ?? [])].join(',') || null });
    }
    for (const a of ATTRS) {
      const expected = (t as unknown as Record<string, string | null>)[a] ?? null;
      const got = d[a];
      if (expected) scores[a].truth++;
      if (got && expected) scores[a].predicted++;
      if (got && expected && same(a, got, expected)) scores[a].correct++;
      else if (expected) failures.push({ truth: t.id, attribute: a, expected, got });
    }
    // "Where a packet names it": the vendor appears in the device's own facts or its MAC's registry entry.
    const facts = (d.evidence ?? []).flatMap((e) => e.facts.map((f) => JSON.stringify(f)));
    const ouiVendor = d.mac ? oui.lookup(d.mac)?.vendor : undefined;
    const named = t.vendor && ((ouiVendor && same('vendor', ouiVendor, t.vendor)) || facts.some((f) => norm(f).includes(norm(canonicalVendor(t.vendor)).split(' ')[0])));
    if (named) {
      scores.named.truth++;
      if (d.vendor) scores.named.predicted++;
      if (d.vendor && same('vendor', d.vendor, t.vendor)) scores.named.correct++;
    }
  }
  // Precision: of the (device, workflow) memberships Vigil names for truth devices, how many the truth has.
  const mapped = new Set(Object.values(WORKFLOW_MAP).flat());
  for (const [id, expected] of truthOf) {
    for (const w of partOf.get(id) ?? []) {
      if (!mapped.has(w)) continue;
      const hub = instances.some((i) => i.workflow === w && i.hub.id === id);
      if (hub) continue; // the truth lists what a device sends; hubs receive
      scores.workflows.predicted++;
      if (expected.has(w)) scores.workflows.correctPredicted = (scores.workflows.correctPredicted ?? 0) + 1;
      else failures.push({ truth: String(id), attribute: 'workflow', expected: null, got: w });
    }
  }
  scores.workflows.correctPredicted ??= 0;
  mkdirSync(CACHE, { recursive: true });
  writeFileSync(join(CACHE, `failures-${label}.json`), JSON.stringify(failures, null, 2) + '\n');
  const extra = devices.filter((d) => !matched.has(d)).length;
  console.log(`\n${label}: ${truth.devices.length} devices in truth, ${devices.length} in the inventory (${extra} not in truth: gateways' virtual MACs, peers), analysed in ${analysedS.toFixed(1)} s`);
  printScores(scores);
  if (failures.length > 0) {
    console.log(`  failures (${failures.length}; all in eval/.cache/failures-${label}.json):`);
    for (const f of failures.slice(0, show)) console.log(`    ${f.truth.padEnd(28)} ${f.attribute.padEnd(9)} expected ${JSON.stringify(f.expected)}, got ${JSON.stringify(f.got)}`);
  }
  return scores;
}

function printScores(scores: Record<string, Score>): void {
  for (const [a, s] of Object.entries(scores)) {
    const p = s.predicted ? (s.correctPredicted ?? s.correct) / s.predicted : 0;
    const r = s.truth ? s.correct / s.truth : 0;
    const f1 = p + r ? (2 * p * r) / (p + r) : 0;
    const label = a === 'named' ? 'vendor (named in a packet)' : a === 'workflows' ? 'workflow membership' : a;
    console.log(`  ${label.padEnd(27)} precision ${p.toFixed(3)}  recall ${r.toFixed(3)}  F1 ${f1.toFixed(3)}   (${s.correct}/${s.predicted} predicted, ${s.truth} in truth)`);
  }
}

function add(total: Record<string, Score>, s: Record<string, Score>): void {
  for (const [a, v] of Object.entries(s)) {
    const t = (total[a] ??= { predicted: 0, truth: 0, correct: 0 });
    t.predicted += v.predicted;
    t.truth += v.truth;
    t.correct += v.correct;
    if (v.correctPredicted !== undefined) t.correctPredicted = (t.correctPredicted ?? 0) + v.correctPredicted;
  }
}

interface FixtureTruth {
  fixtures: { capture: string; recordedBy: string; devices: (Pick<TruthDevice, 'id' | 'macs' | 'ips'> & Record<'category' | 'vendor' | 'model' | 'role', string | null> & { basis: string })[] }[];
}

/** The recorded captures of test/fixtures, each against its hosts in eval/recorded-fixtures.json. */
async function evaluateFixtures(oui: OuiRegistry, show: number): Promise<Record<string, Score>> {
  const file = join(ROOT, 'eval', 'recorded-fixtures.json');
  const { fixtures } = JSON.parse(readFileSync(file, 'utf8')) as FixtureTruth;
  const total: Record<string, Score> = {};
  for (const f of fixtures) {
    const label = `fixture-${f.capture.replace(/^test\/fixtures\//, '').replace(/[^a-z0-9]+/gi, '-')}`;
    const truth = { zones: [], devices: f.devices.map((d) => ({ ...d, workflows: [] })) } as unknown as Truth;
    add(total, await evaluateCapture(label, join(ROOT, f.capture), truth, oui, show));
  }
  console.log(`\nrecorded fixtures (${fixtures.length} captures from real implementations, truth in eval/recorded-fixtures.json):`);
  printScores(Object.fromEntries(Object.entries(total).filter(([a]) => a !== 'workflows')));
  return total;
}

async function main(): Promise<void> {
  const seeds = arg('seeds', '1,2,3').split(',').map(Number);
  const devicesWanted = Number(arg('devices', '500'));
  const duration = parseDuration(arg('duration', '30m'));
  const show = Number(arg('show', '20'));
  mkdirSync(CACHE, { recursive: true });
  const oui = OuiRegistry.load();
  const total: Record<string, Score> = {};
  if (process.argv.includes('--fixtures-only')) {
    await evaluateFixtures(oui, show);
    return;
  }
  const only = process.argv.indexOf('--capture');
  if (only > 0) {
    // One capture with its truth file, e.g. the bundled demo: --capture data/demo/hospital-demo.pcapng.gz --truth data/demo/hospital-demo.truth.json
    const truth = JSON.parse(readFileSync(arg('truth', ''), 'utf8')) as Truth;
    await evaluateCapture('capture', process.argv[only + 1], truth, oui, show);
    return;
  }
  for (const seed of seeds) {
    const capture = join(CACHE, `hospital-${seed}-${devicesWanted}-${duration}.pcapng`);
    const truthFile = `${capture}.truth.json`;
    if (!existsSync(capture) || !existsSync(truthFile)) {
      process.stderr.write(`simulating seed ${seed}: ${devicesWanted} devices, ${duration} s ...\n`);
      simulate({ seed, devices: devicesWanted, duration, out: capture, truth: truthFile, imageScale: 0.05 });
    }
    const truth = JSON.parse(readFileSync(truthFile, 'utf8')) as Truth;
    add(total, await evaluateCapture(`seed-${seed}`, capture, truth, oui, show));
  }
  console.log(`\nall seeds (${seeds.join(', ')}):`);
  printScores(total);
  if (!process.argv.includes('--no-fixtures')) await evaluateFixtures(oui, show);
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
