import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rootCause } from '../../src/forensics/root-cause.js';
import { InventoryStore } from '../../src/store/inventory-store.js';

// The walk on a store written row by row, so each kind of step is there whatever a simulated scenario
// happens to produce: patient zero Z scans, then opens SMB to a workstation W (no alert: W is no medical
// device); W then moves to the medical device M, which raises the alert the walk starts from.
const dir = mkdtempSync(join(tmpdir(), 'vigil-root-cause-'));
let store: InventoryStore;
const ids: Record<'Z' | 'W' | 'M' | 'X', number> = { Z: 0, W: 0, M: 0, X: 0 };
let alertOnM = 0;

beforeAll(async () => {
  store = await InventoryStore.open(join(dir, 'rc.db'));
  const device = async (name: keyof typeof ids, ip: string, category: string) => {
    const row = await store.db
      .insertInto('devices')
      .values({ identity_kind: 'ip', identity: ip, first_seen: 0, last_seen: 1000, mac: null, ip, vlan: null, hostname: name, vendor: null, model: null, firmware: null, os: null, serial: null, category, role: null, zone: null, attribute_summary: '{}', randomised_mac: 0, shared_address: 0 })
      .returning('id')
      .executeTakeFirstOrThrow();
    ids[name] = Number(row.id);
    await store.db.insertInto('device_identifiers').values({ device_id: ids[name], kind: 'ip', value: ip, first_seen: 0, last_seen: 1000, source: 'flow' }).execute();
  };
  await device('Z', '10.0.0.1', 'workstation');
  await device('W', '10.0.0.2', 'workstation');
  await device('M', '10.0.0.3', 'infusion-pump');
  await device('X', '10.0.0.4', 'guest');
  const alert = async (rule: string, src: string, dst: string | null, about: number, ts: number) =>
    Number(
      (
        await store.db
          .insertInto('alerts')
          .values({ uid: `${rule}-${ts}`, rule, severity: 'high', status: 'new', title: rule, description: rule, device_id: about, src_ip: src, dst_ip: dst, first_ts: ts, last_ts: ts, count: 1, incident_id: null, evidence: '{}', flows: '[]', status_changed_at: null, status_by: null })
          .returning('id')
          .executeTakeFirstOrThrow()
      ).id,
    );
  const connection = (client: number, server: number, port: number, first: number) =>
    store.db.insertInto('connections').values({ client_id: client, server_id: server, transport: 'tcp', port, service: 'smb', flows: 1, bytes: 1000, first_seen: first, last_seen: first }).execute();
  await alert('scan.horizontal', '10.0.0.1', null, ids.Z, 100);
  await connection(ids.Z, ids.W, 445, 110);
  // A guest that raised nothing fetched a page from W earlier: a connection without an attacker's act is no way in.
  await connection(ids.X, ids.W, 80, 105);
  alertOnM = await alert('lateral.movement', '10.0.0.2', '10.0.0.3', ids.M, 150);
});

afterAll(async () => {
  await store?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('root cause over alerts and connections', () => {
  it('reaches a device that raised no alert through the new connection from a device that did', async () => {
    const r = await rootCause(store, alertOnM);
    expect(r.path.map((s) => s.device.id)).toEqual([ids.Z, ids.W, ids.M]);
    expect(r.path.map((s) => s.via?.kind ?? null)).toEqual([null, 'connection', 'alert']);
    expect(r.path[1].via).toMatchObject({ kind: 'connection', transport: 'tcp', port: 445 });
    expect(r.patientZero.id).toBe(ids.Z);
    expect(r.explanation.join(' ')).toMatch(/a new connection on tcp\/445/);
  });

  it('ignores a connection older than the contact window', async () => {
    const r = await rootCause(store, alertOnM, { contactWindowS: 30 });
    expect(r.path.map((s) => s.device.id)).toEqual([ids.W, ids.M]);
    expect(r.patientZero.id).toBe(ids.W);
  });
});
