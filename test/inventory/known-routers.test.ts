/**
 * A router found in one analysis stays a router in the next, however few far addresses a short window
 * (a sensor's few minutes) shows behind it: its far hosts stay devices of their own.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EvidenceSnapshot, type SeenFact, type SeenHost } from '../../src/inventory/inventory-collector.js';
import { updateInventory } from '../../src/inventory/inventory-update.js';
import { loadAttributeKnowledge } from '../../src/inventory/knowledge.js';
import { InventoryStore } from '../../src/store/inventory-store.js';

const ROUTER = '00:1b:54:aa:bb:01';
const knowledge = loadAttributeKnowledge({ rulesDirs: [] });

function evidence(ips: string[], t: number): EvidenceSnapshot {
  const hosts = new Map<string, SeenHost>();
  for (const ip of ips) hosts.set(`${ROUTER}|${ip}`, { key: `${ROUTER}|${ip}`, mac: ROUTER, ip, first: t, last: t + 1, vlan: null });
  // The router's own address, bound by ARP (RFC 826).
  const arp: SeenFact = { key: 'arp.ip', value: '10.0.1.1', valueText: JSON.stringify('10.0.1.1'), count: 1, first: t, last: t, flow: null };
  const facts = new Map([[`${ROUTER}|10.0.1.1`, new Map([['arp.ip\u0000"10.0.1.1"', arp]])]]);
  return new EvidenceSnapshot(hosts, facts, new Map(), new Map(), new Map());
}

describe('routers known from earlier analyses', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-routers-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps a far host behind a known router a device of its own', async () => {
    const store = await InventoryStore.open(join(dir, 'vigil.db'));
    try {
      const capture = (t: number) => ({ name: `window ${t}`, packets: 1, bytes: 1, firstTs: t, lastTs: t + 1 });
      // First window: the MAC fronts addresses of three subnets besides its own: a router.
      await updateInventory(store, evidence(['10.0.1.1', '10.0.2.5', '10.0.3.7', '10.0.4.9'], 1000), capture(1000), knowledge);
      const first = await store.devicesByIdentifier([{ kind: 'mac', value: ROUTER }, { kind: 'ip', value: '10.0.2.5' }]);
      expect(first.get('ip:10.0.2.5')).not.toBe(first.get(`mac:${ROUTER}`));
      // Second window: one far address only. On its own that MAC would look like a host with two addresses.
      await updateInventory(store, evidence(['10.0.1.1', '10.0.2.5'], 2000), capture(2000), knowledge);
      const second = await store.devicesByIdentifier([{ kind: 'mac', value: ROUTER }, { kind: 'ip', value: '10.0.2.5' }]);
      expect(second.get(`mac:${ROUTER}`)).toBe(first.get(`mac:${ROUTER}`));
      expect(second.get('ip:10.0.2.5')).toBe(first.get('ip:10.0.2.5'));
      const routerIps = (await store.identifiersOf([second.get(`mac:${ROUTER}`)!])).filter((i) => i.kind === 'ip').map((i) => i.value);
      expect(routerIps).toEqual(['10.0.1.1']);
    } finally {
      await store.close();
    }
  });
});
