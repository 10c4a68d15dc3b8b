/** A device named the way people name one: inventory id, IP, MAC or hostname (case-insensitive). */
import type { InventoryStore } from '../store/inventory-store.js';

export async function findDevice(store: InventoryStore, name: string): Promise<number | null> {
  const q = name.trim().toLowerCase();
  if (/^\d+$/.test(q) && (await store.devicesById([Number(q)])).length) return Number(q);
  const kinds = ['ip', 'mac', 'hostname'] as const;
  const found = await store.devicesByIdentifier(kinds.map((kind) => ({ kind, value: q })));
  for (const kind of kinds) {
    const id = found.get(`${kind}:${q}`);
    if (id !== undefined) return id;
  }
  const row = await store.db.selectFrom('devices').select('id').where((eb) => eb(eb.fn('lower', ['hostname']), '=', q)).executeTakeFirst();
  return row ? Number(row.id) : null;
}
