/**
 * `npm run bench:graph`: the graph's targets (docs/benchmark.md) on a synthetic hospital-shaped
 * graph of 100k devices and 1 M conversations (clients talking to a few servers per department, a
 * core of shared servers): blast radius of any device <= 200 ms; choke-point ranking <= 5 s.
 *
 * Usage: node dist/bench/graph-bench.js [--devices 100000] [--edges 1000000]
 */
import { blastRadius } from '../src/graph/blast-radius.js';
import { chokePoints } from '../src/graph/choke-points.js';
import { DeviceGraph, type GraphDevice } from '../src/graph/device-graph.js';
import { Taxonomy } from '../src/inventory/taxonomy.js';
import { Rng } from '../src/simulate/rng.js';

const TARGET_BLAST_MS = 200;
const TARGET_CHOKE_S = 5;

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}

const n = arg('devices', 100_000);
const m = arg('edges', 1_000_000);
const rng = new Rng(3);
const CATS = ['workstation', 'infusion-pump', 'patient-monitor', 'printer', 'server', 'imaging-ct'];
const devices: GraphDevice[] = Array.from({ length: n }, (_, i) => ({ id: i + 1, label: `d${i + 1}`, category: CATS[i % CATS.length], role: null }));
// Departments of 500 devices, each with 10 local servers; 200 core servers everybody may talk to.
const core = 200;
const edges: { from: number; to: number; service: string; lateral: boolean }[] = [];
for (let i = 0; i < m; i++) {
  const from = 1 + rng.below(n);
  const dept = Math.floor((from - 1) / 500) * 500;
  const to = rng.chance(0.3) ? 1 + rng.below(core) : 1 + Math.min(n - 1, dept + rng.below(10));
  const port = rng.pick([445, 443, 3389, 123, 2575, 104, 53]);
  edges.push({ from, to, service: `tcp/${port}`, lateral: port !== 123 && port !== 53 });
}
const t0 = process.hrtime.bigint();
const graph = new DeviceGraph(devices, edges);
const built = Number(process.hrtime.bigint() - t0) / 1e6;
console.log(`graph: ${graph.size.toLocaleString('en')} devices, ${graph.edgeCount.toLocaleString('en')} distinct device pairs (from ${m.toLocaleString('en')} conversations), built in ${built.toFixed(0)} ms`);

const taxonomy = Taxonomy.load();
let worst = 0;
let reached = 0;
for (let i = 0; i < 50; i++) {
  const id = 1 + Math.floor((i * n) / 50);
  const t = process.hrtime.bigint();
  const r = blastRadius(graph, id, taxonomy, 3);
  const ms = Number(process.hrtime.bigint() - t) / 1e6;
  worst = Math.max(worst, ms);
  reached = Math.max(reached, r.reachable.length);
}
console.log(`blast radius (3 hops), 50 devices: worst ${worst.toFixed(1)} ms, largest reach ${reached.toLocaleString('en')} devices (target <= ${TARGET_BLAST_MS} ms: ${worst <= TARGET_BLAST_MS ? 'meets target' : 'MISSES target'})`);
const t1 = process.hrtime.bigint();
const ranked = chokePoints(graph, 20, 64);
const s = Number(process.hrtime.bigint() - t1) / 1e9;
console.log(`choke points (articulation points + betweenness from 64 sources): ${s.toFixed(2)} s, top ${ranked[0]?.device.label} (target <= ${TARGET_CHOKE_S} s: ${s <= TARGET_CHOKE_S ? 'meets target' : 'MISSES target'})`);
