import { z } from 'zod';
import { blastRadius, DEFAULT_MAX_HOPS, reachersOf } from '../../graph/blast-radius.js';
import { workflowsOf } from '../../graph/workflows.js';
import { deviceSummary, detailedReports, devicesCsv } from '../../inventory/device-report.js';
import { readRisk } from '../../risk/device-risk.js';
import { notFound, type RouteTable } from '../api-route.js';
import { allDevices, DEVICE_SORTS, devicePage } from '../device-queries.js';
import type { ServerServices } from '../server.js';

const Filter = z.object({
  q: z.string().max(200).optional().describe('search IP, MAC, hostname, vendor, model, firmware, serial'),
  category: z.string().max(64).optional(),
  role: z.string().max(64).optional(),
  zone: z.string().max(128).optional(),
  vendor: z.string().max(128).optional(),
  safety: z.string().max(32).optional().describe('patient-safety class: life-sustaining, therapeutic, diagnostic, monitoring, clinical-support, non-clinical'),
  site: z.string().max(128).optional().describe('scale-out site: devices its sensors saw'),
  sort: z.enum(DEVICE_SORTS).default('last_seen'),
  order: z.enum(['asc', 'desc']).default('desc'),
});

const Page = Filter.extend({
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  offset: z.coerce.number().int().min(0).max(10_000_000).default(0),
});

const DeviceListItem = z.object({
  id: z.number(),
  ip: z.string().nullable(),
  mac: z.string().nullable(),
  hostname: z.string().nullable(),
  vendor: z.string().nullable(),
  model: z.string().nullable(),
  firmware: z.string().nullable(),
  os: z.string().nullable(),
  category: z.string().nullable(),
  role: z.string().nullable(),
  zone: z.string().nullable(),
  vlan: z.number().nullable(),
  first_seen: z.number(),
  last_seen: z.number(),
  safety: z.string().nullable(),
});

const Id = z.object({ id: z.coerce.number().int().min(1) });

export function deviceRoutes(routes: RouteTable, s: ServerServices): void {
  const one = async (id: number) => {
    const [row] = await s.store.devicesById([id]);
    if (!row) throw notFound(`no device ${id}`);
    return row;
  };

  routes.add({
    method: 'GET',
    url: '/api/devices',
    role: 'viewer',
    tag: 'inventory',
    summary: 'One page of the inventory, filtered, searched and sorted',
    query: Page,
    response: z.object({ total: z.number(), items: z.array(DeviceListItem) }),
    handler: async ({ query }) => devicePage(s.store, s.taxonomy, query),
  });

  routes.add({
    method: 'GET',
    url: '/api/devices.csv',
    role: 'viewer',
    tag: 'inventory',
    summary: 'Every device matching the filters, as CSV (RFC 4180; cells that a spreadsheet would run are quoted)',
    query: Filter,
    produces: 'text/csv',
    handler: async ({ query, reply }) => {
      const chunks: string[] = [];
      let first = true;
      for await (const row of allDevices(s.store, s.taxonomy, query)) {
        const csv = devicesCsv([deviceSummary({ ...row, identity_kind: 'mac', identity: '', attribute_summary: '{}', randomised_mac: 0, shared_address: 0 } as never)]);
        chunks.push(first ? csv : csv.slice(csv.indexOf('\r\n') + 2));
        first = false;
      }
      if (first) chunks.push(devicesCsv([]));
      return reply.type('text/csv; charset=utf-8').header('content-disposition', 'attachment; filename="vigil-devices.csv"').send(chunks.join(''));
    },
  });

  routes.add({
    method: 'GET',
    url: '/api/devices/{id}',
    role: 'viewer',
    tag: 'inventory',
    summary: 'One device: identity with evidence, clinical context, services, peers, facts and workflows',
    params: Id,
    handler: async ({ params }) => {
      const row = await one(params.id);
      const [report] = await detailedReports(s.store, [row]);
      const category = row.category ? (s.taxonomy.category(row.category) ?? null) : null;
      const conns = await s.store.connectionsOf([params.id]);
      const peerIds = [...new Set(conns.map((c) => (Number(c.client_id) === params.id ? Number(c.server_id) : Number(c.client_id))))];
      const peers = new Map((await s.store.devicesById(peerIds)).map((d) => [Number(d.id), d]));
      const label = (id: number) => {
        const d = peers.get(id);
        return { id, label: d?.hostname ?? d?.ip ?? d?.mac ?? String(id), category: d?.category ?? null, zone: d?.zone ?? null };
      };
      const facts = await s.store.db
        .selectFrom('observations')
        .select(['key', 'value', 'count', 'first_ts', 'last_ts'])
        .where('device_id', '=', params.id)
        .orderBy('key')
        .limit(500)
        .execute();
      const { workflows } = await s.graphs.get();
      const [risk] = await readRisk(s.store, { deviceId: params.id, limit: 1 });
      return {
        ...report,
        risk: risk ?? null,
        clinical: category && { label: category.label, clinicalFunction: category.clinicalFunction, safetyImpact: category.safetyImpact, holdsPhi: category.holdsPhi, movesPhi: category.movesPhi, medical: category.medical },
        peers: conns
          .map((c) => {
            const outgoing = Number(c.client_id) === params.id;
            return { direction: outgoing ? 'to' : 'from', peer: label(outgoing ? Number(c.server_id) : Number(c.client_id)), transport: c.transport, port: c.port, service: c.service, flows: Number(c.flows), bytes: Number(c.bytes), firstSeen: c.first_seen, lastSeen: c.last_seen };
          })
          .sort((a, b) => b.flows - a.flows),
        facts: facts.map((f) => ({ key: f.key, value: JSON.parse(f.value) as unknown, count: Number(f.count), firstSeen: f.first_ts, lastSeen: f.last_ts })),
        workflows: workflowsOf(workflows, params.id).map((w) => ({ as: w.as, workflow: w.instance.workflow, name: w.instance.name, hub: { id: w.instance.hub.id, label: w.instance.hub.label, part: w.instance.hub.part }, members: w.instance.members.length })),
      };
    },
  });

  routes.add({
    method: 'GET',
    url: '/api/devices/{id}/blast-radius',
    role: 'viewer',
    tag: 'graph',
    summary: 'What a compromise of the device reaches over observed lateral-movement conversations, who depends on it, which workflows break, and who can reach it',
    params: Id,
    query: z.object({ hops: z.coerce.number().int().min(1).max(10).default(DEFAULT_MAX_HOPS) }),
    handler: async ({ params, query }) => {
      await one(params.id);
      const { graph, workflows } = await s.graphs.get();
      if (!graph.index.has(params.id)) throw notFound(`device ${params.id} is not in the graph yet`);
      const r = blastRadius(graph, params.id, s.taxonomy, query.hops);
      return {
        ...r,
        reachers: reachersOf(graph, params.id, query.hops),
        workflowsBroken: workflowsOf(workflows, params.id).map((b) => ({ as: b.as, workflow: b.instance.workflow, name: b.instance.name, hub: b.instance.hub.label, members: b.as === 'hub' ? b.instance.members.length : 1 })),
      };
    },
  });
}
