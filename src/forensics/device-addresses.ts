/** Every IP address the inventory ties to a device. */
import type { InventoryStore } from '../store/inventory-store.js';

export async function deviceAddresses(store: InventoryStore, deviceId: number): Promise<string[]> {
  const ips = new Set<string>();
  for (const d of await store.devicesById([deviceId])) if (d.ip) ips.add(d.ip);
  for (const i of await store.identifiersOf([deviceId])) if (i.kind === 'ip') ips.add(i.value);
  return [...ips];
}
