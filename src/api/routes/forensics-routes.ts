import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { deviceAddresses } from '../../forensics/device-addresses.js';
import { deviceRef } from '../../forensics/device-ref.js';
import { EXPORT_FORMATS, exportPackets } from '../../forensics/packet-export.js';
import { PcapFormatError } from '../../forensics/pcap-writer.js';
import { rootCause, RootCauseError } from '../../forensics/root-cause.js';
import { deviceTimeline, TimelineError, type TimelineKind } from '../../forensics/timeline.js';
import { ApiError, notFound, type RouteTable } from '../api-route.js';
import type { ServerServices } from '../server.js';

/** Media types of the export formats, as IANA registers pcap (pcapng has no registered type). */
const MEDIA_TYPE = { pcap: 'application/vnd.tcpdump.pcap', pcapng: 'application/x-pcapng' } as const;

const TIMELINE_KINDS = ['first-seen', 'address', 'hostname', 'dhcp', 'peer', 'service', 'alert', 'workflow'] as const satisfies readonly TimelineKind[];

const DeviceRefSchema = z.object({ id: z.number(), label: z.string(), ip: z.string().nullable(), mac: z.string().nullable(), hostname: z.string().nullable(), category: z.string().nullable() });
const TimelineEventSchema = z.object({
  ts: z.number().describe('seconds since the epoch'),
  kind: z.enum(TIMELINE_KINDS),
  title: z.string(),
  detail: z.string(),
  deviceId: z.number().nullable(),
  peerId: z.number().optional(),
  alertId: z.number().optional(),
});
const RootCauseVia = z.union([
  z.object({ kind: z.literal('alert'), alertId: z.number(), rule: z.string(), severity: z.string(), title: z.string() }),
  z.object({ kind: z.literal('connection'), transport: z.string(), port: z.number(), service: z.string().nullable() }),
]);
const RootCauseSchema = z.object({
  alertId: z.number(),
  patientZero: DeviceRefSchema,
  path: z.array(z.object({ device: DeviceRefSchema, via: RootCauseVia.nullable(), ts: z.number() })).describe('from patient zero to the alert\'s device'),
  externalSource: z.string().nullable(),
  explanation: z.array(z.string()),
});

/**
 * Packets from the store, redacted by default (every export is hashed and written to the audit log by
 * `exportPackets`); a device's timeline and an alert's root cause, from the inventory alone.
 */
export function forensicsRoutes(routes: RouteTable, s: ServerServices, packetStore: string | null): void {
  routes.add({
    method: 'GET',
    url: '/api/devices/{id}/pcap',
    role: 'analyst',
    tag: 'forensics',
    summary: "The device's packets from the packet store as pcapng, or as classic pcap (application/vnd.tcpdump.pcap) with format=pcap, HL7, DICOM and ASTM patient values masked unless redact=false; the SHA-256 is in the x-vigil-sha256 header and the audit log",
    params: z.object({ id: z.coerce.number().int().min(1) }),
    query: z.object({
      from: z.coerce.number().optional().describe('seconds since the epoch'),
      to: z.coerce.number().optional(),
      port: z.coerce.number().int().min(0).max(65535).optional(),
      redact: z.enum(['true', 'false']).default('true'),
      format: z.enum(EXPORT_FORMATS).default('pcapng').describe('pcap holds one link type: a device seen on several is refused (422)'),
    }),
    produces: 'application/x-pcapng',
    handler: async ({ params, query, caller, reply }) => {
      if (!packetStore) throw new ApiError(404, 'not-found', 'this server keeps no packets: start it with --packet-store DIR (written by vigil analyze --packet-store)');
      const [row] = await s.store.devicesById([params.id]);
      if (!row) throw notFound(`no device ${params.id}`);
      const ips = await deviceAddresses(s.store, params.id);
      if (ips.length === 0) throw notFound(`device ${params.id} has no IP address to find packets by`);
      const dir = mkdtempSync(join(tmpdir(), 'vigil-export-'));
      try {
        const out = join(dir, `export.${query.format}`);
        const r = await exportPackets(
          packetStore,
          { ips, from: query.from, to: query.to, port: query.port },
          { redact: query.redact === 'true', out, format: query.format, actor: caller!.token.name, role: caller!.token.role, remote: caller!.remote, db: s.store },
        ).catch((err: unknown) => {
          if (err instanceof PcapFormatError) throw new ApiError(422, 'mixed-link-types', err.message);
          throw err;
        });
        const body = readFileSync(out);
        return reply
          .type(MEDIA_TYPE[r.format])
          .header('content-disposition', `attachment; filename="vigil-device-${params.id}${r.redacted ? '-redacted' : ''}.${r.format}"`)
          .header('x-vigil-sha256', r.sha256)
          .header('x-vigil-packets', String(r.packets))
          .send(body);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  });

  routes.add({
    method: 'GET',
    url: '/api/devices/{id}/timeline',
    role: 'viewer',
    tag: 'forensics',
    summary: "The device's history in time order: first seen, address and hostname changes, DHCP, new peers and services, first workflow facts, alerts",
    params: z.object({ id: z.coerce.number().int().min(1) }),
    query: z.object({
      from: z.coerce.number().optional().describe('seconds since the epoch'),
      to: z.coerce.number().optional(),
      limit: z.coerce.number().int().min(1).max(5000).default(1000),
      order: z.enum(['asc', 'desc']).default('asc').describe('desc: newest first, and the limit keeps the newest'),
    }),
    response: z.object({ device: DeviceRefSchema, events: z.array(TimelineEventSchema) }),
    handler: async ({ params, query }) => {
      const [row] = await s.store.devicesById([params.id]);
      if (!row) throw notFound(`no device ${params.id}`);
      try {
        return { device: deviceRef(row), events: await deviceTimeline(s.store, params.id, query) };
      } catch (err) {
        if (err instanceof TimelineError) throw notFound(err.message);
        throw err;
      }
    },
  });

  routes.add({
    method: 'GET',
    url: '/api/alerts/{id}/root-cause',
    role: 'viewer',
    tag: 'forensics',
    summary: 'Patient zero of an alert: the walk back over alerts and new connections to the earliest anomalous contact that led to it, with the path and why',
    params: z.object({ id: z.coerce.number().int().min(1) }),
    response: RootCauseSchema,
    handler: async ({ params }) => {
      try {
        return await rootCause(s.store, params.id);
      } catch (err) {
        if (err instanceof RootCauseError) throw err.reason === 'unknown-alert' ? notFound(err.message) : new ApiError(422, 'no-device', err.message);
        throw err;
      }
    },
  });
}
