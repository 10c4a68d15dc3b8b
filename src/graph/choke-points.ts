import type { DeviceGraph, GraphDevice } from './device-graph.js';
import type { WorkflowInstance } from './workflows.js';

export interface ChokePoint {
  device: GraphDevice;
  /** Devices cut off from the rest when it goes (0 when it is not an articulation point). */
  isolates: number;
  /** Share of shortest paths through it (sampled Brandes betweenness, normalised to 0..1). */
  betweenness: number;
  /** Clinical workflows it is the hub of (a PACS, an interface engine), and the member devices that lose them. */
  workflows: number;
  workflowDevices: number;
}

/** Undirected neighbour lists in CSR form, each pair once. */
function undirected(g: DeviceGraph): { start: Int32Array; adj: Int32Array } {
  const n = g.size;
  const deg = new Int32Array(n + 1);
  for (let v = 0; v < n; v++) {
    for (let e = g.outStart[v]; e < g.outStart[v + 1]; e++) {
      deg[v + 1]++;
      deg[g.outTo[e] + 1]++;
    }
  }
  for (let i = 0; i < n; i++) deg[i + 1] += deg[i];
  const fill = deg.slice(0, n);
  const adj = new Int32Array(deg[n]);
  for (let v = 0; v < n; v++) {
    for (let e = g.outStart[v]; e < g.outStart[v + 1]; e++) {
      const w = g.outTo[e];
      adj[fill[v]++] = w;
      adj[fill[w]++] = v;
    }
  }
  return { start: deg, adj };
}

/**
 * Articulation points with the number of devices each one cuts off (Hopcroft-Tarjan, iterative so a
 * 100k-device chain cannot overflow the stack).
 */
export function articulationPoints(g: DeviceGraph): Int32Array {
  const n = g.size;
  const { start, adj } = undirected(g);
  const disc = new Int32Array(n).fill(-1);
  const low = new Int32Array(n);
  const size = new Int32Array(n);
  const cut = new Int32Array(n);
  const parent = new Int32Array(n).fill(-1);
  const edgeAt = new Int32Array(n);
  const stack = new Int32Array(n);
  let time = 0;
  for (let root = 0; root < n; root++) {
    if (disc[root] !== -1) continue;
    let sp = 0;
    stack[sp++] = root;
    disc[root] = low[root] = time++;
    size[root] = 1;
    edgeAt[root] = start[root];
    let rootChildren = 0;
    while (sp > 0) {
      const v = stack[sp - 1];
      if (edgeAt[v] < start[v + 1]) {
        const w = adj[edgeAt[v]++];
        if (disc[w] === -1) {
          parent[w] = v;
          disc[w] = low[w] = time++;
          size[w] = 1;
          edgeAt[w] = start[w];
          stack[sp++] = w;
          if (v === root) rootChildren++;
        } else if (w !== parent[v] && disc[w] < low[v]) low[v] = disc[w];
      } else {
        sp--;
        const p = parent[v];
        if (p !== -1) {
          size[p] += size[v];
          if (low[v] < low[p]) low[p] = low[v];
          // v's subtree has no back edge above p: removing p cuts it off.
          if (low[v] >= disc[p] && p !== root) cut[p] += size[v];
        }
      }
    }
    if (rootChildren >= 2) {
      // The root separates all its subtrees but the largest from one another: count all but one.
      let largest = 0;
      for (let e = start[root]; e < start[root + 1]; e++) if (parent[adj[e]] === root) largest = Math.max(largest, size[adj[e]]);
      cut[root] = size[root] - 1 - largest;
    }
  }
  return cut;
}

/**
 * Betweenness from `samples` evenly spread sources (Brandes 2001; Brandes & Pich 2007 for the
 * sampling): exact when `samples >= n`, an estimate otherwise, which is what ranking needs.
 */
export function betweenness(g: DeviceGraph, samples = 64): Float64Array {
  const n = g.size;
  const { start, adj } = undirected(g);
  const bc = new Float64Array(n);
  if (n < 3) return bc;
  const k = Math.min(samples, n);
  const sigma = new Float64Array(n);
  const dist = new Int32Array(n);
  const delta = new Float64Array(n);
  const order = new Int32Array(n);
  for (let i = 0; i < k; i++) {
    const s = Math.floor((i * n) / k);
    sigma.fill(0);
    dist.fill(-1);
    delta.fill(0);
    sigma[s] = 1;
    dist[s] = 0;
    let head = 0;
    let tail = 0;
    order[tail++] = s;
    while (head < tail) {
      const v = order[head++];
      for (let e = start[v]; e < start[v + 1]; e++) {
        const w = adj[e];
        if (dist[w] < 0) {
          dist[w] = dist[v] + 1;
          order[tail++] = w;
        }
        if (dist[w] === dist[v] + 1) sigma[w] += sigma[v];
      }
    }
    for (let j = tail - 1; j > 0; j--) {
      const w = order[j];
      for (let e = start[w]; e < start[w + 1]; e++) {
        const v = adj[e];
        if (dist[v] === dist[w] - 1) delta[v] += (sigma[v] / sigma[w]) * (1 + delta[w]);
      }
      bc[w] += delta[w];
    }
  }
  // Scale the sample to all sources, then to 0..1 over the (n-1)(n-2) ordered pairs of others.
  const scale = n / k / ((n - 1) * (n - 2));
  for (let v = 0; v < n; v++) bc[v] *= scale;
  return bc;
}

/** Devices ranked by how much of the network they hold together. */
/**
 * Devices ranked by what their loss cuts: devices cut off from the rest first, then the devices whose
 * clinical workflows stop (those it is the hub of, with `workflows`), then its share of shortest paths.
 */
export function chokePoints(g: DeviceGraph, limit = 20, samples = 64, workflows: readonly WorkflowInstance[] = []): ChokePoint[] {
  const cut = articulationPoints(g);
  const bc = betweenness(g, samples);
  const hubOf = new Map<number, { workflows: number; devices: Set<number> }>();
  for (const w of workflows) {
    let h = hubOf.get(w.hub.id);
    if (!h) hubOf.set(w.hub.id, (h = { workflows: 0, devices: new Set() }));
    h.workflows++;
    for (const m of w.members) h.devices.add(m.id);
  }
  const ranked: ChokePoint[] = [];
  for (let v = 0; v < g.size; v++) {
    const hub = hubOf.get(g.devices[v].id);
    if (cut[v] > 0 || bc[v] > 0 || (hub && hub.devices.size > 0)) ranked.push({ device: g.devices[v], isolates: cut[v], betweenness: Math.round(bc[v] * 1e6) / 1e6, workflows: hub?.workflows ?? 0, workflowDevices: hub?.devices.size ?? 0 });
  }
  ranked.sort((a, b) => b.isolates - a.isolates || b.workflowDevices - a.workflowDevices || b.betweenness - a.betweenness || a.device.id - b.device.id);
  return ranked.slice(0, limit);
}
