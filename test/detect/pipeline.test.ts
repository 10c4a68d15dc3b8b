// `vigil analyze` with detection on a simulated hospital with every attack: alerts.jsonl, the store (device
// ids resolved), clinical context, no patient data in any alert, `--no-detect`, `--workers 2`, and
// `vigil alerts ack`. The hospital is generated (every patient synthetic), so no third-party data is needed.
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyzeCommand } from '../../src/cli/analyze-command.js';
import { alertsCommand } from '../../src/cli/alerts-command.js';
import type { Alert } from '../../src/detect/alert.js';
import { listAlerts } from '../../src/detect/alert-store.js';
import { ensureBuilt, vigil } from '../cli/cli-helpers.js';
import { ATTACKS, simulate, type SimulateResult } from '../../src/simulate/index.js';
import { InventoryStore } from '../../src/store/inventory-store.js';

const dir = mkdtempSync(join(tmpdir(), 'vigil-detect-'));
const capture = join(dir, 'hospital.pcapng');
let sim: SimulateResult;
const read = (out: string): Alert[] => readFileSync(join(out, 'alerts.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Alert);
const quietly = async <T>(fn: () => Promise<T>): Promise<T> => {
  const write = process.stdout.write;
  process.stdout.write = (() => true) as typeof process.stdout.write;
  try {
    return await fn();
  } finally {
    process.stdout.write = write;
  }
};

beforeAll(() => {
  sim = simulate({ seed: 7, devices: 150, duration: 2700, attacks: Object.keys(ATTACKS), out: capture, imageScale: 0.1 });
}, 120_000);

describe('detection in vigil analyze', () => {
  const db = join(dir, 'vigil.db');
  const out = join(dir, 'out');
  let alerts: Alert[];
  beforeAll(async () => {
    await analyzeCommand([capture], { db, out, quiet: true });
    alerts = read(out);
  }, 300_000);
  afterAll(() => undefined);

  it('raises each simulated attack', () => {
    const rules = new Set(alerts.filter((a) => a.severity !== 'low').map((a) => a.rule));
    for (const id of ['scan.vertical', 'scan.horizontal', 'smb.v1-exploit', 'phi.unapproved-destination', 'arp.spoofing', 'dhcp.rogue-server', 'bruteforce.login', 'beaconing']) expect([...rules]).toContain(id);
    const exfil = sim.truth.attacks.find((a) => a.type === 'dicom-exfiltration')!;
    expect(alerts.some((a) => a.rule === 'phi.unapproved-destination' && a.dstIp === exfil.external[0])).toBe(true);
  });

  it('resolves inventory devices and raises severity by their patient-safety class', () => {
    const withDevice = alerts.filter((a) => a.deviceId !== null);
    expect(withDevice.length).toBeGreaterThan(0);
    const raised = alerts.filter((a) => a.severityReasons.some((r) => /life-sustaining|diagnostic|monitoring|therapeutic|clinical-support/.test(r)));
    expect(raised.length).toBeGreaterThan(0);
    for (const a of raised) expect(['medium', 'high', 'critical']).toContain(a.severity);
  });

  it('groups alerts into incidents and links flows', () => {
    expect(alerts.every((a) => a.incident !== null)).toBe(true);
    expect(new Set(alerts.map((a) => a.incident)).size).toBeLessThan(alerts.length);
    expect(alerts.filter((a) => a.flows.length > 0).length).toBeGreaterThan(alerts.length / 2);
  });

  it('writes no patient data into alerts, file or store', async () => {
    const text = readFileSync(join(out, 'alerts.jsonl'), 'utf8');
    const store = await InventoryStore.open(db);
    try {
      const stored = JSON.stringify(await listAlerts(store, { limit: 10_000 }));
      expect(stored.length).toBeGreaterThan(100);
      for (const name of sim.patientNames) {
        expect(text).not.toContain(name);
        expect(stored).not.toContain(name);
      }
    } finally {
      await store.close();
    }
  });

  it('stores every alert, and a second analysis of the same capture adds none', async () => {
    const store = await InventoryStore.open(db);
    try {
      expect((await listAlerts(store, { limit: 10_000 })).length).toBe(alerts.length);
    } finally {
      await store.close();
    }
    await analyzeCommand([capture], { db, quiet: true });
    const again = await InventoryStore.open(db);
    try {
      expect((await listAlerts(again, { limit: 10_000 })).length).toBe(alerts.length);
    } finally {
      await again.close();
    }
  }, 300_000);

  it('acknowledges and resolves with `vigil alerts`', async () => {
    const store = await InventoryStore.open(db);
    const [first] = await listAlerts(store, { limit: 1 });
    await store.close();
    expect(await quietly(() => alertsCommand('ack', String(first.id), { db, by: 'tester' }))).toBe(0);
    expect(await quietly(() => alertsCommand('resolve', '999999', { db }))).toBe(2);
    expect(await quietly(() => alertsCommand(undefined, undefined, { db, incidents: true }))).toBe(0);
    expect(await quietly(() => alertsCommand(undefined, undefined, { db, status: 'bogus' }))).toBe(2);
    const s2 = await InventoryStore.open(db);
    try {
      const [acked] = await listAlerts(s2, { status: 'acknowledged' });
      expect([acked.id, acked.statusBy]).toEqual([first.id, 'tester']);
    } finally {
      await s2.close();
    }
  });

  it('finds the same alerts with --workers 2 (the built CLI: worker threads run dist/)', async () => {
    ensureBuilt();
    const out2 = join(dir, 'out-w2');
    const r = vigil(['analyze', capture, '--no-db', '-q', '-o', out2, '--workers', '2']);
    expect(r.status, r.stderr).toBe(0);
    const key = (l: Alert[]) => l.map((a) => `${a.rule} ${a.device.ip} ${a.dstIp}`).sort();
    const single = join(dir, 'out-w1');
    await analyzeCommand([capture], { db: false, out: single, quiet: true });
    expect(key(read(out2))).toEqual(key(read(single)));
  }, 300_000);

  it('--no-detect writes no alerts', async () => {
    const out3 = join(dir, 'out-off');
    await analyzeCommand([capture], { db: false, out: out3, quiet: true, detect: false });
    expect(existsSync(join(out3, 'alerts.jsonl'))).toBe(false);
  }, 300_000);
});
