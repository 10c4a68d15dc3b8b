import { z } from 'zod';
import { chokePoints } from '../../graph/choke-points.js';
import { internetDestinations } from '../../graph/internet-edges.js';
import type { RouteTable } from '../api-route.js';
import type { ServerServices } from '../server.js';

export function graphRoutes(routes: RouteTable, s: ServerServices): void {
  routes.add({
    method: 'GET',
    url: '/api/graph',
    role: 'viewer',
    tag: 'graph',
    summary: 'Devices and the pairs that talk, for the network map; the busiest devices first when there are more than `limit`',
    query: z.object({ limit: z.coerce.number().int().min(1).max(20_000).default(5000) }),
    response: z.object({
      total: z.number(),
      nodes: z.array(z.object({ id: z.number(), label: z.string(), category: z.string().nullable(), role: z.string().nullable(), zone: z.string().nullable(), safety: z.string().nullable(), risk: z.number().nullable().describe('risk score 0-100, null before `vigil risk`'), degree: z.number() })),
      edges: z.array(z.object({ from: z.number(), to: z.number(), lateral: z.boolean(), services: z.array(z.string()) })),
      zones: z.array(z.object({ id: z.string(), name: z.string(), kind: z.string() })),
    }),
    handler: async ({ query }) => {
      const { graph } = await s.graphs.get();
      const n = graph.size;
      const degree = new Int32Array(n);
      for (let i = 0; i < n; i++) degree[i] = graph.outStart[i + 1] - graph.outStart[i] + graph.inStart[i + 1] - graph.inStart[i];
      let keep: number[] = [...Array(n).keys()];
      if (n > query.limit) keep = keep.sort((a, b) => degree[b] - degree[a]).slice(0, query.limit);
      const kept = new Uint8Array(n);
      for (const i of keep) kept[i] = 1;
      const zoneOf = new Map((await s.store.db.selectFrom('devices').select(['id', 'zone']).execute()).map((d) => [Number(d.id), d.zone]));
      const riskOf = new Map((await s.store.db.selectFrom('device_risk').select(['device_id', 'score']).execute()).map((r) => [Number(r.device_id), r.score]));
      const nodes = keep.map((i) => {
        const d = graph.devices[i];
        return { id: d.id, label: d.label, category: d.category, role: d.role, zone: zoneOf.get(d.id) ?? null, safety: d.category ? (s.taxonomy.category(d.category)?.safetyImpact ?? null) : null, risk: riskOf.get(d.id) ?? null, degree: degree[i] };
      });
      const edges: { from: number; to: number; lateral: boolean; services: string[] }[] = [];
      for (let a = 0; a < n; a++) {
        if (!kept[a]) continue;
        for (let e = graph.outStart[a]; e < graph.outStart[a + 1]; e++) {
          const b = graph.outTo[e];
          if (kept[b]) edges.push({ from: graph.devices[a].id, to: graph.devices[b].id, lateral: graph.outLateral[e] === 1, services: graph.outServices[e] });
        }
      }
      const zones = (await s.store.zones()).map((z) => ({ id: z.id, name: z.name, kind: z.kind }));
      return { total: n, nodes, edges, zones };
    },
  });

  routes.add({
    method: 'GET',
    url: '/api/workflows',
    role: 'viewer',
    tag: 'graph',
    summary: 'Clinical workflows recognised from the conversations, each around its hub',
    handler: async () => (await s.graphs.get()).workflows,
  });

  routes.add({
    method: 'GET',
    url: '/api/internet',
    role: 'viewer',
    tag: 'graph',
    summary: 'Conversations with the internet by destination: the devices talking to each public address or reached from it, services, flows and the names DNS gave it; most devices first',
    query: z.object({ limit: z.coerce.number().int().min(1).max(5000).default(200), offset: z.coerce.number().int().min(0).default(0) }),
    handler: async ({ query }) => {
      const all = await internetDestinations(s.store);
      return { total: all.length, destinations: all.slice(query.offset, query.offset + query.limit) };
    },
  });

  routes.add({
    method: 'GET',
    url: '/api/zones',
    role: 'viewer',
    tag: 'graph',
    summary: 'Zones from the site file, or inferred from subnets and VLANs',
    handler: async () => s.store.zones(),
  });

  routes.add({
    method: 'GET',
    url: '/api/choke-points',
    role: 'viewer',
    tag: 'graph',
    summary: 'Devices whose loss cuts the network apart, stops the most devices\' clinical workflows, or carries the most paths',
    query: z.object({ limit: z.coerce.number().int().min(1).max(500).default(20) }),
    handler: async ({ query }) => {
      const { graph, workflows } = await s.graphs.get();
      return chokePoints(graph, query.limit, undefined, workflows);
    },
  });
}
