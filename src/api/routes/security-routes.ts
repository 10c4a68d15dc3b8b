import { z } from 'zod';
import { ALERT_STATUSES, SEVERITIES } from '../../detect/alert.js';
import { countAlerts, listAlerts, listIncidents, setAlertStatus } from '../../detect/alert-store.js';
import { buildPolicy } from '../../policy/allowlist.js';
import { formatPolicy, POLICY_FORMATS } from '../../policy/policy-formats.js';
import { replayPolicy } from '../../policy/policy-replay.js';
import { readRisk } from '../../risk/device-risk.js';
import { loadMitigations, mitigationOptions, remediationCategories } from '../../risk/mitigations.js';
import { gatherRiskWorld } from '../../risk/risk-inputs.js';
import { loadRiskModel } from '../../risk/risk-model.js';
import { runWhatIf } from '../../risk/what-if.js';
import { readDeviceVulnerabilities } from '../../vuln/assess.js';
import { deviceVex } from '../../vuln/vex.js';
import { ApiError, notFound, type RouteTable } from '../api-route.js';
import type { ServerServices } from '../server.js';

const DECISIONS = ['immediate', 'out-of-cycle', 'scheduled', 'defer'] as const;
const Id = z.object({ id: z.coerce.number().int().min(1) });

/** Alerts (detection) and vulnerabilities (matching, exploitability, SSVC decisions). */
export function securityRoutes(routes: RouteTable, s: ServerServices): void {
  routes.add({
    method: 'GET',
    url: '/api/alerts',
    role: 'viewer',
    tag: 'alerts',
    summary: 'Alerts, newest first; severity is a minimum (high returns high and critical)',
    query: z.object({
      status: z.enum(ALERT_STATUSES as [string, ...string[]]).optional(),
      severity: z.enum(SEVERITIES as [string, ...string[]]).optional(),
      deviceId: z.coerce.number().int().min(1).optional(),
      site: z.string().max(128).optional().describe('scale-out site whose sensor raised it'),
      limit: z.coerce.number().int().min(1).max(1000).default(100),
      offset: z.coerce.number().int().min(0).default(0),
    }),
    handler: async ({ query }) => {
      const filter = { status: query.status as never, severity: query.severity as never, deviceId: query.deviceId, site: query.site };
      return { total: await countAlerts(s.store, filter), items: await listAlerts(s.store, { ...filter, limit: query.limit, offset: query.offset }) };
    },
  });

  routes.add({
    method: 'PATCH',
    url: '/api/alerts/{id}',
    role: 'analyst',
    tag: 'alerts',
    summary: "Move an alert along its lifecycle: new → acknowledged → resolved (recorded with the caller's name)",
    params: Id,
    body: z.object({ status: z.enum(['acknowledged', 'resolved', 'new']) }),
    handler: async ({ params, body, caller, request }) => {
      if (!(await setAlertStatus(s.store, params.id, body.status, caller!.token.name))) throw notFound(`no alert ${params.id}`);
      request.auditDetail = { status: body.status };
      return (await s.store.db.selectFrom('alerts').select(['id', 'status', 'status_by', 'status_changed_at']).where('id', '=', params.id).executeTakeFirstOrThrow());
    },
  });

  routes.add({
    method: 'GET',
    url: '/api/incidents',
    role: 'viewer',
    tag: 'alerts',
    summary: 'Alerts grouped into incidents (same attacker or victim within a time window)',
    handler: async () => listIncidents(s.store),
  });

  routes.add({
    method: 'GET',
    url: '/api/vulnerabilities',
    role: 'viewer',
    tag: 'vulnerabilities',
    summary: 'Device vulnerabilities with their SSVC decision, most urgent first',
    query: z.object({
      decision: z.enum(DECISIONS).optional(),
      kev: z.enum(['true', 'false']).optional(),
      deviceId: z.coerce.number().int().min(1).optional(),
      limit: z.coerce.number().int().min(1).max(1000).default(200),
      offset: z.coerce.number().int().min(0).default(0),
    }),
    handler: async ({ query }) => {
      let all = await readDeviceVulnerabilities(s.store, query.deviceId);
      if (query.decision) all = all.filter((v) => v.decision === query.decision);
      if (query.kev) all = all.filter((v) => v.kev === (query.kev === 'true'));
      return { total: all.length, items: all.slice(query.offset, query.offset + query.limit) };
    },
  });

  routes.add({
    method: 'GET',
    url: '/api/risk',
    role: 'viewer',
    tag: 'risk',
    summary: 'Devices ranked by risk (0-100), by patient safety or by privacy, each with the factors and weights behind its score',
    query: z.object({
      by: z.enum(['safety', 'privacy', 'score']).default('safety'),
      deviceId: z.coerce.number().int().min(1).optional(),
      limit: z.coerce.number().int().min(1).max(1000).default(50),
      offset: z.coerce.number().int().min(0).default(0),
    }),
    handler: async ({ query }) => {
      const total = Number((await s.store.db.selectFrom('device_risk').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
      return { total, items: await readRisk(s.store, query) };
    },
  });

  routes.add({
    method: 'GET',
    url: '/api/mitigations',
    role: 'viewer',
    tag: 'risk',
    summary: 'The mitigation catalogue: each option, the risk factors it removes, its cost and effect on care',
    handler: async () => loadMitigations(),
  });

  routes.add({
    method: 'GET',
    url: '/api/devices/{id}/mitigations',
    role: 'viewer',
    tag: 'risk',
    summary: "Mitigation options for the device, each with its predicted risk and cost; the cheapest that brings it under the target first",
    params: Id,
    handler: async ({ params }) => {
      const model = loadRiskModel();
      const catalogue = loadMitigations();
      const world = await gatherRiskWorld(s.store, s.taxonomy, model, (await s.graphs.get()).workflows);
      const inputs = world.inputs.get(params.id);
      if (!inputs) throw notFound(`no device ${params.id}`);
      return { target: catalogue.target, ...mitigationOptions(inputs, model, catalogue, await remediationCategories(s.store, params.id)) };
    },
  });

  routes.add({
    method: 'POST',
    url: '/api/whatif',
    role: 'viewer',
    tag: 'risk',
    summary: 'Apply mitigations or zone moves to a copy of the risk inputs and compare risk before and after; nothing is changed',
    body: z.object({
      name: z.string().max(200).optional(),
      actions: z
        .array(z.object({ deviceIds: z.array(z.number().int().min(1)).min(1).max(100_000), apply: z.array(z.string().max(64)).max(20).optional(), moveTo: z.string().max(128).optional() }))
        .min(1)
        .max(100),
    }),
    handler: async ({ body, request }) => {
      const model = loadRiskModel();
      const world = await gatherRiskWorld(s.store, s.taxonomy, model, (await s.graphs.get()).workflows);
      request.auditDetail = { name: body.name ?? null, actions: body.actions.map((a) => ({ devices: a.deviceIds.length, apply: a.apply ?? [], moveTo: a.moveTo ?? null })) };
      try {
        return runWhatIf(world, body.actions, model, loadMitigations());
      } catch (err) {
        throw new ApiError(400, 'bad-request', (err as Error).message);
      }
    },
  });

  routes.add({
    method: 'GET',
    url: '/api/devices/{id}/policy',
    role: 'viewer',
    tag: 'risk',
    summary: "The allowlist of the device's clinical conversations in one format, with the replay that verifies it (clinical conversations blocked, attack paths cut)",
    params: Id,
    query: z.object({ format: z.enum(POLICY_FORMATS).default('nftables') }),
    handler: async ({ params, query }) => {
      const [row] = await s.store.devicesById([params.id]);
      if (!row) throw notFound(`no device ${params.id}`);
      const name = row.hostname ?? row.ip ?? String(params.id);
      const policy = await buildPolicy(s.store, name, [params.id], (await s.graphs.get()).workflows);
      const replay = await replayPolicy(s.store, policy);
      return { policy, replay, text: formatPolicy(policy, query.format, [`Vigil allowlist for ${name}`]) };
    },
  });

  routes.add({
    method: 'GET',
    url: '/api/devices/{id}/vex',
    role: 'viewer',
    tag: 'vulnerabilities',
    summary: "The device's vulnerabilities as a CycloneDX VEX document",
    params: Id,
    handler: async ({ params, reply }) => {
      const [row] = await s.store.devicesById([params.id]);
      if (!row) throw notFound(`no device ${params.id}`);
      const findings = await readDeviceVulnerabilities(s.store, params.id);
      const device = findings[0]?.device ?? { id: params.id, label: row.hostname ?? row.ip ?? row.mac ?? String(params.id), vendor: row.vendor, model: row.model, firmware: row.firmware, category: row.category, zone: row.zone };
      reply.header('content-disposition', `attachment; filename="vigil-vex-device-${params.id}.json"`);
      return deviceVex(device as never, findings);
    },
  });
}
