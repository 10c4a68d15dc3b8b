/**
 * `vigil timeline <device | alert:ID | incident:ID>`: what the inventory knows happened to a device, in time
 * order (first seen, addresses, DHCP, new peers, services, workflow facts, alerts); an incident's alerts
 * with the timelines of its devices; with `--root-cause` and an alert, patient zero and the path from it.
 */
import { deviceRefs } from '../forensics/device-ref.js';
import { rootCause, type RootCause } from '../forensics/root-cause.js';
import { deviceTimeline, incidentTimeline, type TimelineEvent } from '../forensics/timeline.js';
import type { DeviceRef } from '../forensics/timeline-types.js';
import { findDevice } from '../inventory/find-device.js';
import { InventoryStore } from '../store/inventory-store.js';
import { defaultDbLocation } from './db-location.js';
import { parseTime } from './pcap-command.js';

export interface TimelineCommandOptions {
  db?: string;
  json?: boolean;
  rootCause?: boolean;
  from?: string;
  to?: string;
  limit?: number;
}

type Target = { kind: 'alert'; id: number } | { kind: 'incident'; id: number } | { kind: 'device'; name: string };

function parseTarget(text: string): Target {
  const m = /^(alert|incident):(\d+)$/i.exec(text.trim());
  if (m) return m[1].toLowerCase() === 'alert' ? { kind: 'alert', id: Number(m[2]) } : { kind: 'incident', id: Number(m[2]) };
  return { kind: 'device', name: text };
}

const time = (ts: number): string => new Date(ts * 1000).toISOString().slice(0, 23).replace('T', ' ');

function deviceText(d: DeviceRef): string {
  const ids = [`device ${d.id}`, d.ip !== d.label ? d.ip : null, d.mac !== d.label ? d.mac : null].filter(Boolean);
  return `${d.label} (${ids.join(', ')})`;
}

function printEvents(events: readonly TimelineEvent[], showDevice: Map<number, DeviceRef> | null): void {
  const out: string[] = [];
  for (const e of events) {
    const who = showDevice && e.deviceId !== null ? `${showDevice.get(e.deviceId)?.label ?? e.deviceId}: ` : '';
    out.push(`${time(e.ts)}  ${e.kind.padEnd(10)}  ${who}${e.title}`);
    if (e.detail) out.push(`${' '.repeat(37)}${e.detail}`);
  }
  process.stdout.write(out.length ? out.join('\n') + '\n' : 'no events\n');
}

function printRootCause(r: RootCause): void {
  const lines = [`Root cause of alert ${r.alertId}: patient zero is ${deviceText(r.patientZero)}${r.externalSource ? `, reached from outside address ${r.externalSource}` : ''}`, '', 'Path:'];
  for (const s of r.path) {
    const how = s.via === null ? 'patient zero' : s.via.kind === 'alert' ? `via alert ${s.via.alertId} ${s.via.rule} (${s.via.severity}): ${s.via.title}` : `via a new connection on ${s.via.transport}/${s.via.port}${s.via.service ? ` (${s.via.service})` : ''}`;
    lines.push(`  ${time(s.ts)}  ${deviceText(s.device)}  ${how}`);
  }
  lines.push('', 'Why:', ...r.explanation.map((l) => `  - ${l}`));
  process.stdout.write(lines.join('\n') + '\n');
}

export async function timelineCommand(targetText: string, o: TimelineCommandOptions): Promise<number> {
  let store: InventoryStore | null = null;
  try {
    const target = parseTarget(targetText);
    if (o.rootCause && target.kind !== 'alert') return fail(`--root-cause needs an alert: vigil timeline alert:ID --root-cause`, 2);
    const window = { from: o.from === undefined ? undefined : parseTime(o.from, '--from'), to: o.to === undefined ? undefined : parseTime(o.to, '--to'), limit: o.limit };
    store = await InventoryStore.open(o.db ?? defaultDbLocation());
    if (target.kind === 'alert' && o.rootCause) {
      const r = await rootCause(store, target.id);
      if (o.json) process.stdout.write(JSON.stringify(r, null, 2) + '\n');
      else printRootCause(r);
      return 0;
    }
    if (target.kind === 'incident') {
      const events = await incidentTimeline(store, target.id, { limit: o.limit });
      const refs = await deviceRefs(store, events.flatMap((e) => (e.deviceId === null ? [] : [e.deviceId])));
      if (o.json) process.stdout.write(JSON.stringify({ incidentId: target.id, devices: [...refs.values()], events }, null, 2) + '\n');
      else {
        process.stdout.write(`Timeline of incident ${target.id}: ${events.length} events from ${refs.size} devices\n`);
        printEvents(events, refs);
      }
      return 0;
    }
    let deviceId: number;
    let heading = '';
    if (target.kind === 'alert') {
      const alert = await store.db.selectFrom('alerts').select(['id', 'rule', 'title', 'device_id']).where('id', '=', target.id).executeTakeFirst();
      if (!alert) return fail(`no alert ${target.id} in ${store.location}`);
      if (alert.device_id === null) return fail(`alert ${target.id} is about no inventory device`);
      deviceId = Number(alert.device_id);
      heading = ` (alert ${alert.id}, ${alert.rule}: ${alert.title})`;
    } else {
      const id = await findDevice(store, target.name);
      if (id === null) return fail(`no device "${target.name}" in ${store.location} (give an inventory id, IP, MAC or hostname, alert:ID or incident:ID)`);
      deviceId = id;
    }
    const events = await deviceTimeline(store, deviceId, window);
    const device = (await deviceRefs(store, [deviceId])).get(deviceId)!;
    if (o.json) process.stdout.write(JSON.stringify({ device, events }, null, 2) + '\n');
    else {
      process.stdout.write(`Timeline of ${deviceText(device)}${heading}: ${events.length} events\n`);
      printEvents(events, null);
    }
    return 0;
  } catch (err) {
    // TimelineError and RootCauseError name the unknown id; anything else is reported the same way, not thrown.
    return fail((err as Error).message);
  } finally {
    await store?.close();
  }
}

function fail(message: string, code = 1): number {
  process.stderr.write(`vigil timeline: ${message}\n`);
  return code;
}
