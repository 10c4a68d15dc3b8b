/**
 * `vigil pcap`: packets from the packet store, by device, address, port, protocol, time window, flow or
 * alert, to a pcapng or classic pcap file, redacted unless --no-redact, with its SHA-256 recorded in the
 * audit log.
 */
import { userInfo } from 'node:os';
import { deviceAddresses } from '../forensics/device-addresses.js';
import { findDevice } from '../inventory/find-device.js';
import { EXPORT_FORMATS, exportPackets, type ExportFormat } from '../forensics/packet-export.js';
import { QueryError, type PacketQuery } from '../forensics/packet-query.js';
import { readKeyFile } from '../forensics/segment-cipher.js';
import { InventoryStore } from '../store/inventory-store.js';
import { defaultDbLocation } from './db-location.js';

export interface PcapCommandOptions {
  store: string;
  out: string;
  /** pcap or pcapng; without it, from the file name (`.pcap`: pcap, anything else: pcapng). */
  format?: string;
  db?: string;
  device?: string;
  ip?: string[];
  port?: string;
  proto?: string;
  from?: string;
  to?: string;
  /** `a:port-b:port` (TCP unless --proto). */
  flow?: string;
  alert?: string;
  /** Seconds of packets around an alert (default 300 before, 60 after). */
  before?: string;
  after?: string;
  /** commander sets false for --no-redact. */
  redact?: boolean;
  keyFile?: string;
  json?: boolean;
}

/** ISO 8601 (with or without zone: without is UTC) or seconds since the epoch. */
export function parseTime(text: string, option: string): number {
  if (/^\d+(\.\d+)?$/.test(text)) return Number(text);
  const iso = /[zZ]|[+-]\d\d:?\d\d$/.test(text) || !/T|\d:\d/.test(text) ? text : `${text}Z`;
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) throw new QueryError(`${option} "${text}" is neither an ISO 8601 time nor seconds since the epoch`);
  return ms / 1000;
}

function parseEndpoint(text: string): [string, number] {
  // [v6]:port or v4:port
  const m = /^\[(.+)\]:(\d+)$/.exec(text) ?? /^([^:]+):(\d+)$/.exec(text);
  if (!m) throw new QueryError(`--flow endpoint "${text}" is not ADDRESS:PORT (IPv6 as [ADDRESS]:PORT)`);
  return [m[1], Number(m[2])];
}

export function exportFormat(format: string | undefined, out: string): ExportFormat {
  if (format === undefined) return /\.pcap$/i.test(out) ? 'pcap' : 'pcapng';
  const f = format.toLowerCase();
  if (!(EXPORT_FORMATS as readonly string[]).includes(f)) throw new QueryError(`--format "${format}" is not one of ${EXPORT_FORMATS.join(', ')}`);
  return f as ExportFormat;
}

function number(text: string, option: string, max: number): number {
  const n = Number(text);
  if (!Number.isFinite(n) || n < 0 || n > max) throw new QueryError(`${option} "${text}" is not a number from 0 to ${max}`);
  return n;
}

export async function pcapCommand(o: PcapCommandOptions): Promise<number> {
  let store: InventoryStore | null = null;
  try {
    const format = exportFormat(o.format, o.out);
    const query: PacketQuery = {};
    if (o.ip?.length) query.ips = [...o.ip];
    if (o.port !== undefined) query.port = number(o.port, '--port', 65535);
    if (o.proto !== undefined) query.proto = o.proto;
    if (o.from !== undefined) query.from = parseTime(o.from, '--from');
    if (o.to !== undefined) query.to = parseTime(o.to, '--to');
    if (o.flow !== undefined) {
      const [left, right] = o.flow.split(/-(?=[\d[])/);
      if (!right) throw new QueryError(`--flow "${o.flow}" is not ADDRESS:PORT-ADDRESS:PORT`);
      const [a, aPort] = parseEndpoint(left);
      const [b, bPort] = parseEndpoint(right);
      query.flow = { a, aPort, b, bPort, proto: o.proto ?? 'tcp' };
    }
    store = await InventoryStore.open(o.db ?? defaultDbLocation());
    if (o.device !== undefined) {
      const id = await findDevice(store, o.device);
      if (id === null) return fail(`no device "${o.device}" in ${store.location} (give an inventory id, IP, MAC or hostname)`);
      const ips = await deviceAddresses(store, id);
      if (ips.length === 0) return fail(`device ${id} has no IP address in the inventory: nothing to select its packets by`);
      query.ips = [...(query.ips ?? []), ...ips];
    }
    if (o.alert !== undefined) {
      const alert = await store.db.selectFrom('alerts').select(['id', 'src_ip', 'dst_ip', 'first_ts', 'last_ts']).where('id', '=', Number(o.alert)).executeTakeFirst();
      if (!alert) return fail(`no alert ${o.alert} in ${store.location}`);
      query.ips = [...(query.ips ?? []), alert.src_ip, ...(alert.dst_ip ? [alert.dst_ip] : [])];
      query.from ??= alert.first_ts - number(o.before ?? '300', '--before', 1e9);
      query.to ??= alert.last_ts + number(o.after ?? '60', '--after', 1e9);
    }
    const result = await exportPackets(o.store, query, {
      out: o.out,
      format,
      redact: o.redact !== false,
      actor: `cli:${safeUser()}`,
      role: 'cli',
      db: store,
      key: o.keyFile ? readKeyFile(o.keyFile) : undefined,
    });
    for (const e of result.errors) process.stderr.write(`vigil pcap: ${e}\n`);
    if (o.json) process.stdout.write(JSON.stringify(result, null, 2) + '\n');
    else {
      const r = result.redaction;
      process.stdout.write(`${result.packets} packets, ${result.bytes} bytes to ${result.out} (${result.format})\nsha256 ${result.sha256}\n`);
      if (r) {
        process.stdout.write(
          `redacted: ${r.flows.hl7} HL7, ${r.flows.dicom} DICOM, ${r.flows.astm} ASTM connections; ${r.packetsChanged} packets changed, TCP checksums updated` +
            (r.maskedWhole ? `; ${r.maskedWhole} connections without their start masked whole` : '') +
            (r.fragmentsDropped ? `; ${r.fragmentsDropped} IP fragments left out` : '') +
            '\n',
        );
      } else process.stdout.write('NOT redacted: the file may hold patient data\n');
      process.stdout.write(`recorded in the audit log of ${store.location}\n`);
    }
    return result.errors.length > 0 ? 2 : 0;
  } catch (err) {
    return fail((err as Error).message);
  } finally {
    await store?.close();
  }
}

function safeUser(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? 'unknown';
  }
}

function fail(message: string): number {
  process.stderr.write(`vigil pcap: ${message}\n`);
  return 1;
}
