// Device timelines and root cause on a simulated hospital hit by the SMBv1 worm: the walk back from the worm's
// last alert names the device the simulator infected first (issue #12's acceptance test), every hop on the
// way is a device the worm really infected, timelines are in time order with every kind of event, unknown
// ids fail with a reason, and `vigil timeline` prints both. The hospital is generated: no patient is real.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyzeCommand } from '../../src/cli/analyze-command.js';
import { rootCause, RootCauseError } from '../../src/forensics/root-cause.js';
import { deviceTimeline, incidentTimeline, TimelineError, type TimelineEvent } from '../../src/forensics/timeline.js';
import { findDevice } from '../../src/inventory/find-device.js';
import { simulate, type SimulateResult, type TruthDevice } from '../../src/simulate/index.js';
import { InventoryStore } from '../../src/store/inventory-store.js';
import { ensureBuilt, vigil } from '../cli/cli-helpers.js';

const WORM_RULES = ['smb.v1-exploit', 'lateral.movement'];
const dir = mkdtempSync(join(tmpdir(), 'vigil-timeline-'));
const db = join(dir, 'vigil.db');
let sim: SimulateResult;
let store: InventoryStore;
let zero: TruthDevice;
let infected: TruthDevice[];
let wormAlerts: { id: number; first_ts: number; device_id: number | null }[];

beforeAll(async () => {
  sim = simulate({ seed: 3, devices: 80, duration: 1200, attacks: ['smb-worm'], out: join(dir, 'hospital.pcapng'), imageScale: 0.05 });
  await analyzeCommand([join(dir, 'hospital.pcapng')], { db, quiet: true });
  store = await InventoryStore.open(db);
  const truth = sim.truth.attacks.find((a) => a.type === 'smb-worm')!;
  const byId = new Map(sim.truth.devices.map((d) => [d.id, d]));
  zero = byId.get(truth.attackers[0])!;
  infected = truth.victims.map((v) => byId.get(v)!);
  wormAlerts = await store.db.selectFrom('alerts').select(['id', 'first_ts', 'device_id']).where('rule', 'in', WORM_RULES).orderBy('first_ts', 'desc').orderBy('id', 'desc').execute();
}, 180_000);

afterAll(async () => {
  await store?.close();
  rmSync(dir, { recursive: true, force: true });
});

const isTruth = (d: { ip: string | null; mac: string | null }, t: TruthDevice) => (d.ip !== null && t.ips.includes(d.ip)) || (d.mac !== null && t.macs.includes(d.mac.toLowerCase()));

describe('root cause', () => {
  it('walks back from the last worm alert to the first infected device', async () => {
    expect(wormAlerts.length).toBeGreaterThan(10);
    const last = wormAlerts[0];
    const r = await rootCause(store, last.id);
    expect(isTruth(r.patientZero, zero)).toBe(true);
    expect(r.path[0].device.id).toBe(r.patientZero.id);
    expect(r.path[0].via).toBeNull();
    expect(r.path[r.path.length - 1].device.id).toBe(last.device_id);
    for (let i = 1; i < r.path.length; i++) expect(r.path[i].ts).toBeGreaterThanOrEqual(r.path[i - 1].ts);
    expect(r.explanation.at(-1)).toMatch(/patient zero/);
    expect(await rootCause(store, last.id)).toEqual(r);
  });

  it('finds the same patient zero from every worm alert, through devices the worm really infected', async () => {
    const spreaders = [zero, ...infected];
    let viaConnection = 0;
    let longest = 0;
    for (const a of wormAlerts) {
      const r = await rootCause(store, a.id);
      expect(isTruth(r.patientZero, zero), `alert ${a.id}: ${r.explanation.join(' ')}`).toBe(true);
      // Every device before the alert's own one passed the worm on.
      for (const step of r.path.slice(0, -1)) expect(spreaders.some((t) => isTruth(step.device, t)), `alert ${a.id}: ${step.device.label}`).toBe(true);
      if (r.path.some((s) => s.via?.kind === 'connection')) viaConnection++;
      longest = Math.max(longest, r.path.length);
    }
    // Whether a path needs a connection step depends on who infected whom in this scenario (a workstation
    // infected by a medical device has an alert against it); test/forensics/root-cause.test.ts holds that step
    // on a store written row by row. Here: the worm went at least two hops, and the walk followed them.
    console.info(`root cause: ${wormAlerts.length} worm alerts, ${viaConnection} paths through a connection, longest ${longest} devices`);
    expect(longest).toBeGreaterThanOrEqual(3);
  });
});

describe('device timeline', () => {
  let events: TimelineEvent[];
  let zeroId: number;
  beforeAll(async () => {
    zeroId = (await findDevice(store, zero.ips[0]))!;
    events = await deviceTimeline(store, zeroId);
  });

  it('is in time order and holds first seen, an address, a peer, a service and an alert', () => {
    for (let i = 1; i < events.length; i++) expect(events[i].ts).toBeGreaterThanOrEqual(events[i - 1].ts);
    const kinds = new Set(events.map((e) => e.kind));
    for (const k of ['first-seen', 'address', 'peer', 'service', 'alert', 'dhcp'] as const) expect([...kinds]).toContain(k);
    expect(events[0].kind).toBe('first-seen');
    expect(events.every((e) => e.deviceId === zeroId)).toBe(true);
    expect(events.find((e) => e.kind === 'address' && e.title.includes(zero.ips[0]))).toBeDefined();
    // Its attack shows as its own: worm alerts it raised against others, each naming the victim.
    const attacks = events.filter((e) => e.kind === 'alert' && /lateral\.movement|smb\.v1-exploit/.test(e.title));
    expect(attacks.length).toBeGreaterThan(0);
    expect(attacks.every((e) => e.peerId !== undefined && e.alertId !== undefined)).toBe(true);
    const peer = events.find((e) => e.kind === 'peer' && e.title.includes('tcp/445'));
    expect(peer?.peerId).toBeDefined();
  });

  it('keeps a window, a limit and newest-first order', async () => {
    const mid = events[Math.floor(events.length / 2)].ts;
    const later = await deviceTimeline(store, zeroId, { from: mid });
    expect(later.length).toBeGreaterThan(0);
    expect(later.every((e) => e.ts >= mid)).toBe(true);
    const newest = await deviceTimeline(store, zeroId, { order: 'desc', limit: 5 });
    expect(newest).toEqual(events.slice(-5).reverse());
  });

  it('merges an incident: its alerts and its devices inside the window, each fact once, no patient data', async () => {
    const incidentId = (await store.db.selectFrom('alerts').select('incident_id').where('id', '=', wormAlerts[0].id).executeTakeFirstOrThrow()).incident_id!;
    const incident = await store.db.selectFrom('incidents').selectAll().where('id', '=', incidentId).executeTakeFirstOrThrow();
    const merged = await incidentTimeline(store, incidentId, { limit: 100_000 });
    for (let i = 1; i < merged.length; i++) expect(merged[i].ts).toBeGreaterThanOrEqual(merged[i - 1].ts);
    expect(merged.every((e) => e.ts >= incident.first_ts - 600 && e.ts <= incident.last_ts + 600)).toBe(true);
    const alertIds = merged.filter((e) => e.kind === 'alert').map((e) => e.alertId);
    expect(new Set(alertIds).size).toBe(alertIds.length);
    const members = await store.db.selectFrom('alerts').select('id').where('incident_id', '=', incidentId).execute();
    expect(alertIds).toEqual(expect.arrayContaining(members.map((m) => m.id)));
    expect(new Set(merged.map((e) => e.deviceId)).size).toBeGreaterThan(2);
    const text = JSON.stringify(merged);
    for (const name of sim.patientNames) expect(text).not.toContain(name);
  });
});

describe('unknown ids', () => {
  it('fail with a reason naming the id', async () => {
    await expect(deviceTimeline(store, 999_999)).rejects.toThrow(new TimelineError('no device 999999'));
    await expect(incidentTimeline(store, 999_999)).rejects.toThrow(/no incident 999999/);
    const err = await rootCause(store, 999_999).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RootCauseError);
    expect(err).toMatchObject({ reason: 'unknown-alert', message: 'no alert 999999' });
  });
});

describe('vigil timeline', () => {
  beforeAll(() => ensureBuilt(), 300_000);

  it('prints a device timeline, by address or as JSON', () => {
    const r = vigil(['timeline', zero.ips[0], '--db', db]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^Timeline of .*${zero.ips[0].replace(/\./g, '\\.')}.*: \\d+ events`));
    expect(r.stdout).toMatch(/first-seen\s+First seen/);
    expect(r.stdout).toMatch(/alert\s+high lateral\.movement/);
    const json = JSON.parse(vigil(['timeline', zero.ips[0], '--db', db, '--json']).stdout) as { events: TimelineEvent[] };
    expect(json.events.length).toBeGreaterThan(5);
  });

  it('prints patient zero and the path with --root-cause', () => {
    const r = vigil(['timeline', `alert:${wormAlerts[0].id}`, '--root-cause', '--db', db]);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(`Root cause of alert ${wormAlerts[0].id}: patient zero is ${zero.hostname}`);
    expect(r.stdout).toMatch(/Path:\n {2}\S+ \S+ {2}.*patient zero\n/);
    expect(r.stdout).toMatch(/Why:\n {2}- Alert \d+/);
  });

  it('says what is wrong with an unknown target or a misplaced --root-cause', () => {
    const unknown = vigil(['timeline', 'no-such-host', '--db', db]);
    expect(unknown.status).toBe(1);
    expect(unknown.stderr).toMatch(/no device "no-such-host"/);
    const noAlert = vigil(['timeline', 'alert:999999', '--root-cause', '--db', db]);
    expect(noAlert.status).toBe(1);
    expect(noAlert.stderr).toBe('vigil timeline: no alert 999999\n');
    const misplaced = vigil(['timeline', zero.ips[0], '--root-cause', '--db', db]);
    expect(misplaced.status).toBe(2);
    expect(misplaced.stderr).toMatch(/--root-cause needs an alert/);
  });
});
