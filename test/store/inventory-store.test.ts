import { writeFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { InventoryStore } from '../../src/store/inventory-store.js';
import { openStore, StoreError, redactLocation } from '../../src/store/open-store.js';
import { sqliteTarget, TARGETS } from './store-targets.js';

const device = (identity: string, seen: number) => ({
  identity_kind: 'mac' as const,
  identity,
  first_seen: seen,
  last_seen: seen,
  mac: identity,
  ip: '10.0.0.1',
  vlan: 20,
  hostname: null,
  vendor: null,
  model: null,
  firmware: null,
  os: null,
  serial: null,
  category: null,
  role: null,
  zone: null,
});

for (const { name, target, skip } of TARGETS) {
  describe.skipIf(skip !== null)(`inventory store on ${name}`, () => {
    const t = target();
    afterAll(() => t.cleanup());

    it('migrates a new store and reopening it migrates nothing twice', async () => {
      const spec = await t.create();
      const a = await InventoryStore.open(spec);
      await a.createDevice(device('00:09:5c:00:00:01', 100));
      await a.close();
      const b = await InventoryStore.open(spec);
      expect((await b.devices()).map((d) => d.identity)).toEqual(['00:09:5c:00:00:01']);
      await b.close();
    });

    it('upserts facts: counts add up, first and last times widen, nothing duplicates', async () => {
      const s = await InventoryStore.open(await t.create());
      try {
        const id = await s.createDevice(device('00:09:5c:00:00:02', 100));
        const cap = await s.addCapture({ name: 'a.pcap', packets: 10, bytes: 1000, first_ts: 100, last_ts: 200 });
        const row = (count: number, first: number, last: number) => ({ device_id: id, key: 'dicom.model', value: '"SOMATOM"', count, first_ts: first, last_ts: last, capture_id: cap, flow: 7 });
        await s.upsertObservations([row(2, 150, 160)]);
        await s.upsertObservations([row(3, 120, 300)]);
        const obs = await s.observationsOf([id]);
        expect(obs).toHaveLength(1);
        expect(obs[0]).toMatchObject({ count: 5, first_ts: 120, last_ts: 300, flow: 7 });
        expect(typeof obs[0].count).toBe('number');
      } finally {
        await s.close();
      }
    });

    it('folds rows that share a key within one batch (PostgreSQL refuses them in one statement)', async () => {
      const s = await InventoryStore.open(await t.create());
      try {
        const id = await s.createDevice(device('00:09:5c:00:00:09', 100));
        const cap = await s.addCapture({ name: 'a.pcap', packets: 10, bytes: 1000, first_ts: 100, last_ts: 200 });
        const row = (value: string, count: number, first: number, last: number) => ({ device_id: id, key: 'hl7.message_type', value, count, first_ts: first, last_ts: last, capture_id: cap, flow: 1 });
        await s.upsertObservations([row('"ADT^A01"', 1, 150, 160), row('"ORU^R01"', 4, 100, 110), row('"ADT^A01"', 2, 120, 300), row('"ADT^A01"', 1, 130, 140)]);
        const obs = (await s.observationsOf([id])).sort((a, b) => a.value.localeCompare(b.value));
        expect(obs.map((o) => [o.value, o.count, o.first_ts, o.last_ts])).toEqual([
          ['"ADT^A01"', 4, 120, 300],
          ['"ORU^R01"', 4, 100, 110],
        ]);
      } finally {
        await s.close();
      }
    });

    it('keeps an IP history per device and finds the latest holder of an address', async () => {
      const s = await InventoryStore.open(await t.create());
      try {
        const a = await s.createDevice(device('00:00:00:00:00:0a', 100));
        const b = await s.createDevice(device('00:00:00:00:00:0b', 100));
        await s.upsertIdentifiers([
          { device_id: a, kind: 'ip', value: '10.0.0.5', first_seen: 100, last_seen: 200, source: 'frame' },
          { device_id: b, kind: 'ip', value: '10.0.0.5', first_seen: 300, last_seen: 400, source: 'frame' },
          { device_id: a, kind: 'ip', value: '10.0.0.6', first_seen: 210, last_seen: 500, source: 'frame' },
        ]);
        await s.upsertIdentifiers([{ device_id: a, kind: 'ip', value: '10.0.0.5', first_seen: 50, last_seen: 150, source: 'frame' }]);
        const found = await s.devicesByIdentifier([{ kind: 'ip', value: '10.0.0.5' }, { kind: 'ip', value: '10.0.0.6' }, { kind: 'ip', value: '10.9.9.9' }]);
        expect(found.get('ip:10.0.0.5')).toBe(b);
        expect(found.get('ip:10.0.0.6')).toBe(a);
        expect(found.has('ip:10.9.9.9')).toBe(false);
        const hist = (await s.identifiersOf([a])).filter((i) => i.value === '10.0.0.5');
        expect(hist).toEqual([expect.objectContaining({ first_seen: 50, last_seen: 200 })]);
      } finally {
        await s.close();
      }
    });

    it('a failed transaction leaves the store as it was', async () => {
      const s = await InventoryStore.open(await t.create());
      try {
        await expect(
          s.transaction(async (tx) => {
            await tx.createDevice(device('00:00:00:00:00:0c', 1));
            await tx.createDevice(device('00:00:00:00:00:0c', 2)); // same identity: unique violation
          }),
        ).rejects.toThrow();
        expect(await s.devices()).toEqual([]);
      } finally {
        await s.close();
      }
    });

    it('facts of devices a transaction creates (bulk-loaded on PostgreSQL) are read back exactly, and rolled back with it', async () => {
      const s = await InventoryStore.open(await t.create());
      try {
        const values = ['"SOMATOM"', JSON.stringify('\\\\pacs01\\images\tshare\n'), JSON.stringify(['1', '3', '6', '15']), JSON.stringify('Ünïcödé ✓'), '""'];
        const write = (mac: string, fail: boolean) =>
          s.transaction(async (tx) => {
            const ids = await tx.createDevices([device(mac, 10)]);
            const id = ids.get(`mac:${mac}`)!;
            const cap = await tx.addCapture({ name: 'a.pcap', packets: 1, bytes: 1, first_ts: 10, last_ts: 20 });
            await tx.upsertObservations(values.map((value, i) => ({ device_id: id, key: 'k', value, count: i + 1, first_ts: 10 + i, last_ts: 20 + i, capture_id: cap, flow: i ? 5_000_000_000 + i : null })));
            if (fail) throw new Error('stop after the facts');
            return id;
          });
        const id = await write('00:00:00:00:00:0d', false);
        const obs = (await s.observationsOf([id])).sort((a, b) => a.count - b.count);
        expect(obs.map((o) => [o.value, o.count, o.first_ts, o.last_ts, o.flow])).toEqual(values.map((v, i) => [v, i + 1, 10 + i, 20 + i, i ? 5_000_000_000 + i : null]));
        // More failed transactions than the pool has connections: each gives its connection back.
        for (let i = 0; i < 6; i++) await expect(write(`00:00:00:00:01:0${i}`, true)).rejects.toThrow('stop after the facts');
        expect((await s.devices()).map((d) => d.identity)).toEqual(['00:00:00:00:00:0d']);
        await write('00:00:00:00:00:0e', false);
        expect(await s.devices()).toHaveLength(2);
      } finally {
        await s.close();
      }
    });

    it('services and connections accumulate flows and bytes', async () => {
      const s = await InventoryStore.open(await t.create());
      try {
        const pacs = await s.createDevice(device('00:00:00:00:00:01', 1));
        const ct = await s.createDevice(device('00:00:00:00:00:02', 1));
        const conn = { client_id: ct, server_id: pacs, transport: 'tcp', port: 104, service: 'dicom', flows: 2, bytes: 5_000_000_000, first_seen: 10, last_seen: 20 };
        await s.upsertConnections([conn]);
        await s.upsertConnections([{ ...conn, flows: 1, bytes: 10, first_seen: 5, last_seen: 15, service: null }]);
        const rows = await s.connectionsOf([pacs]);
        expect(rows).toEqual([expect.objectContaining({ flows: 3, bytes: 5_000_000_010, first_seen: 5, last_seen: 20, service: 'dicom' })]);
      } finally {
        await s.close();
      }
    });
  });
}

describe('opening a store that cannot be opened', () => {
  it('names a corrupt SQLite file and what is wrong with it', async () => {
    const t = sqliteTarget();
    const spec = await t.create();
    writeFileSync(spec, Buffer.alloc(4096, 0x41));
    await expect(openStore(spec)).rejects.toThrow(StoreError);
    await expect(openStore(spec)).rejects.toThrow(spec);
    await t.cleanup();
  });

  it('names an unreachable PostgreSQL without printing its password', async () => {
    const spec = 'postgres://vigil:s3cret@127.0.0.1:1/none';
    const err = await openStore(spec).catch((e: Error) => e);
    expect(err).toBeInstanceOf(StoreError);
    expect((err as Error).message).toContain('127.0.0.1:1');
    expect((err as Error).message).not.toContain('s3cret');
    expect(redactLocation(spec)).toBe('postgres://vigil:***@127.0.0.1:1/none');
  });
});
