/** Devices as timelines and root-cause paths name them, and the device behind an alert's address at a time. */
import type { DeviceRow, InventoryStore } from '../store/inventory-store.js';
import type { DeviceRef } from './timeline-types.js';

export function deviceRef(d: Pick<DeviceRow, 'id' | 'ip' | 'mac' | 'hostname' | 'category'>): DeviceRef {
  const id = Number(d.id);
  return { id, label: d.hostname ?? d.ip ?? d.mac ?? String(id), ip: d.ip, mac: d.mac, hostname: d.hostname, category: d.category };
}

export async function deviceRefs(store: InventoryStore, ids: Iterable<number>): Promise<Map<number, DeviceRef>> {
  const rows = await store.devicesById([...new Set(ids)]);
  return new Map(rows.map((r) => [Number(r.id), deviceRef(r)]));
}

interface Holding {
  deviceId: number;
  from: number;
  to: number;
}

/**
 * Which device held an IP address when. Alerts keep addresses, not both devices: a DHCP lease that moved
 * to another device must not pin an old alert on the new holder, so the holder at the alert's time wins,
 * else the latest holder (as the detector resolved it).
 */
export class AddressBook {
  private constructor(private readonly holders: Map<string, Holding[]>) {}

  static async load(store: InventoryStore, ips: Iterable<string>): Promise<AddressBook> {
    const wanted = [...new Set(ips)].filter((ip) => ip !== '');
    const holders = new Map<string, Holding[]>();
    for (let i = 0; i < wanted.length; i += 500) {
      const rows = await store.db
        .selectFrom('device_identifiers')
        .select(['device_id', 'value', 'first_seen', 'last_seen'])
        .where('kind', '=', 'ip')
        .where('value', 'in', wanted.slice(i, i + 500))
        .orderBy('last_seen', 'asc')
        .orderBy('device_id', 'asc')
        .execute();
      for (const r of rows) {
        let list = holders.get(r.value);
        if (!list) holders.set(r.value, (list = []));
        list.push({ deviceId: Number(r.device_id), from: r.first_seen, to: r.last_seen });
      }
    }
    return new AddressBook(holders);
  }

  deviceAt(ip: string | null, ts: number): number | null {
    if (!ip) return null;
    const list = this.holders.get(ip);
    if (!list?.length) return null;
    return (list.find((h) => h.from <= ts && ts <= h.to) ?? list[list.length - 1]).deviceId;
  }
}
