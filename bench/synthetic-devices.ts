/** Synthetic inventories for the store and API benchmarks: many devices, spread over categories. */
import type { InventoryStore } from '../src/store/inventory-store.js';
import type { Rng } from '../src/simulate/rng.js';

const VENDORS = ['BD (CareFusion)', 'Baxter', 'Philips', 'GE Healthcare', 'Siemens Healthineers', 'Dell', 'HP', 'Cisco', 'Zebra', 'Mindray'];

export const CATEGORIES = ['infusion-pump', 'patient-monitor', 'workstation', 'server', 'printer', 'voip-phone', 'imaging-ct', 'lab-analyzer', 'ventilator', 'network'];

const mac = (n: number) => ['02', ...[24, 16, 8, 0].map((s) => ((n >>> s) & 0xff).toString(16).padStart(2, '0')), '00'].join(':');

export async function fillDevices(store: InventoryStore, n: number, rng: Rng, from = 0): Promise<number[]> {
  const ids: number[] = [];
  await store.transaction(async (s) => {
    for (let i = from; i < from + n; i++) {
      ids.push(
        await s.createDevice({ identity_kind: 'mac', identity: mac(i), first_seen: 1e9, last_seen: 1e9 + rng.below(86400), mac: mac(i), ip: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`, vlan: 20, hostname: `host-${i}`, vendor: VENDORS[i % VENDORS.length], model: `Model ${i % 97}`, firmware: '1.0', os: null, serial: null, category: rng.pick(CATEGORIES), role: null, zone: `zone-${i % 24}` }),
      );
    }
  });
  return ids;
}

