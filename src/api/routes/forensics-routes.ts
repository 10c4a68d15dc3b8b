import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { deviceAddresses } from '../../forensics/device-addresses.js';
import { exportPackets } from '../../forensics/packet-export.js';
import { ApiError, notFound, type RouteTable } from '../api-route.js';
import type { ServerServices } from '../server.js';

/** Packets from the store, redacted by default; every export is hashed and written to the audit log by `exportPackets`. */
export function forensicsRoutes(routes: RouteTable, s: ServerServices, packetStore: string | null): void {
  routes.add({
    method: 'GET',
    url: '/api/devices/{id}/pcap',
    role: 'analyst',
    tag: 'forensics',
    summary: "The device's packets from the packet store as pcapng, HL7, DICOM and ASTM patient values masked unless redact=false; the SHA-256 is in the x-vigil-sha256 header and the audit log",
    params: z.object({ id: z.coerce.number().int().min(1) }),
    query: z.object({
      from: z.coerce.number().optional().describe('seconds since the epoch'),
      to: z.coerce.number().optional(),
      port: z.coerce.number().int().min(0).max(65535).optional(),
      redact: z.enum(['true', 'false']).default('true'),
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
        const out = join(dir, 'export.pcapng');
        const r = await exportPackets(packetStore, { ips, from: query.from, to: query.to, port: query.port }, { redact: query.redact === 'true', out, actor: caller!.token.name, role: caller!.token.role, remote: caller!.remote, db: s.store });
        const body = readFileSync(out);
        return reply
          .type('application/x-pcapng')
          .header('content-disposition', `attachment; filename="vigil-device-${params.id}${r.redacted ? '-redacted' : ''}.pcapng"`)
          .header('x-vigil-sha256', r.sha256)
          .header('x-vigil-packets', String(r.packets))
          .send(body);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  });
}
