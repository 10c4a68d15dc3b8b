import { z } from 'zod';
import type { RouteTable } from '../api-route.js';
import { inventoryCounts } from '../device-queries.js';
import { siteSummaries } from '../site-queries.js';
import type { ServerServices } from '../server.js';

const Overview = z.object({
  devices: z.number(),
  medical: z.number(),
  phi: z.number().describe('devices whose category holds or moves patient data'),
  byCategory: z.array(z.object({ category: z.string().nullable(), label: z.string(), n: z.number() })),
  byZone: z.array(z.object({ zone: z.string().nullable(), n: z.number() })),
  bySafety: z.record(z.string(), z.number()),
  workflows: z.array(z.object({ workflow: z.string(), name: z.string(), instances: z.number(), members: z.number() })),
  alerts: z.object({ open: z.number(), bySeverity: z.record(z.string(), z.number()) }).describe('alerts not resolved'),
  vulnerabilities: z.object({ findings: z.number(), devices: z.number(), kev: z.number(), byDecision: z.record(z.string(), z.number()) }),
  risk: z.object({ scored: z.number(), histogram: z.array(z.object({ from: z.number(), safety: z.number(), privacy: z.number() })) }).describe('devices per band of 10 points'),
  captures: z.array(z.object({ id: z.number(), name: z.string(), packets: z.number(), first_ts: z.number().nullable(), last_ts: z.number().nullable(), analysed_at: z.string() })),
});

const IngestCounts = z.object({
  stored: z.number().describe('windows committed'),
  rejected: z.number().describe('windows refused'),
  lastRejection: z.object({ sensor: z.string(), reason: z.string().nullable(), at: z.number() }).nullable().describe('the latest refusal and its reason'),
});

const Site = z.object({
  site: z.string(),
  devices: z.number().describe('devices its sensors saw'),
  firstSeen: z.number().nullable(),
  lastSeen: z.number().nullable(),
  sensors: z.array(
    z.object({
      sensor: z.string(),
      version: z.string(),
      windows: z.number(),
      lastWindowAt: z.number().describe('when its last window arrived, seconds since the epoch'),
      lastPacketTs: z.number().nullable(),
      droppedWindows: z.number().describe('windows it could not deliver'),
      droppedBytes: z.number(),
      captureDrops: z.number().describe('packets the capture lost'),
      ingest: IngestCounts,
    }),
  ),
  ingest: IngestCounts.describe('every window received for the site'),
});

async function riskHistogram(s: ServerServices) {
  const rows = await s.store.db.selectFrom('device_risk').select(['safety', 'privacy']).execute();
  const histogram = Array.from({ length: 10 }, (_, i) => ({ from: i * 10, safety: 0, privacy: 0 }));
  const band = (x: number) => Math.min(9, Math.floor(x / 10));
  for (const r of rows) {
    histogram[band(r.safety)].safety++;
    histogram[band(r.privacy)].privacy++;
  }
  return { scored: rows.length, histogram };
}

export function metaRoutes(routes: RouteTable, s: ServerServices): void {
  routes.add({
    method: 'GET',
    url: '/api/health',
    role: 'public',
    tag: 'meta',
    summary: 'Liveness: the server and its store answer',
    response: z.object({ ok: z.boolean(), store: z.string() }),
    handler: async () => {
      await s.store.db.selectFrom('captures').select('id').limit(1).execute();
      return { ok: true, store: s.store.dialect };
    },
  });

  routes.add({
    method: 'GET',
    url: '/api/me',
    role: 'viewer',
    tag: 'meta',
    summary: 'The calling token: its name and role',
    response: z.object({ name: z.string(), role: z.string(), expiresAt: z.number().nullable() }),
    handler: async ({ caller }) => ({ name: caller!.token.name, role: caller!.token.role, expiresAt: caller!.token.expires_at }),
  });

  routes.add({
    method: 'GET',
    url: '/api/taxonomy',
    role: 'viewer',
    tag: 'meta',
    summary: 'Device categories with their clinical context (patient-safety class, patient data), and roles',
    handler: async () => ({ categories: s.taxonomy.categories, roles: s.taxonomy.roles }),
  });

  routes.add({
    method: 'GET',
    url: '/api/sites',
    role: 'viewer',
    tag: 'meta',
    summary: 'Scale-out sites: devices seen at each, its sensors with their last window and drops, and windows stored and refused (empty for a local store)',
    response: z.array(Site),
    handler: async () => siteSummaries(s.store),
  });

  routes.add({
    method: 'GET',
    url: '/api/overview',
    role: 'viewer',
    tag: 'meta',
    summary: 'The hospital at a glance: devices by category, zone and patient-safety class; workflows; captures analysed',
    response: Overview,
    handler: async () => {
      const counts = await inventoryCounts(s.store, s.taxonomy);
      const { workflows } = await s.graphs.get();
      const byWorkflow = new Map<string, { workflow: string; name: string; instances: number; members: number }>();
      for (const w of workflows) {
        const e = byWorkflow.get(w.workflow) ?? { workflow: w.workflow, name: w.name, instances: 0, members: 0 };
        e.instances++;
        e.members += w.members.length;
        byWorkflow.set(w.workflow, e);
      }
      const captures = (await s.store.captures()).map((c) => ({ id: Number(c.id), name: c.name, packets: Number(c.packets), first_ts: c.first_ts, last_ts: c.last_ts, analysed_at: c.analysed_at }));
      const open = await s.store.db.selectFrom('alerts').select(['severity', (eb) => eb.fn.countAll<number>().as('n')]).where('status', '!=', 'resolved').groupBy('severity').execute();
      const decisions = await s.store.db.selectFrom('device_vulnerabilities').select(['decision', (eb) => eb.fn.countAll<number>().as('n')]).groupBy('decision').execute();
      const vulnDevices = await s.store.db.selectFrom('device_vulnerabilities').select((eb) => eb.fn.count<number>('device_id').distinct().as('n')).executeTakeFirstOrThrow();
      const kev = await s.store.db
        .selectFrom('device_vulnerabilities')
        .innerJoin('vulnerabilities', 'vulnerabilities.cve', 'device_vulnerabilities.cve')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('vulnerabilities.kev', '=', 1)
        .executeTakeFirstOrThrow();
      return {
        ...counts,
        workflows: [...byWorkflow.values()].sort((a, b) => b.members - a.members),
        alerts: { open: open.reduce((n, r) => n + Number(r.n), 0), bySeverity: Object.fromEntries(open.map((r) => [r.severity, Number(r.n)])) },
        vulnerabilities: {
          findings: decisions.reduce((n, r) => n + Number(r.n), 0),
          devices: Number(vulnDevices.n),
          kev: Number(kev.n),
          byDecision: Object.fromEntries(decisions.map((r) => [r.decision, Number(r.n)])),
        },
        risk: await riskHistogram(s),
        captures,
      };
    },
  });
}
