import type { InventoryStore } from '../store/inventory-store.js';
import type { LateralMovement } from './lateral-movement.js';

export interface GraphDevice {
  id: number;
  label: string;
  category: string | null;
  role: string | null;
}

/**
 * Devices and their observed conversations in compressed sparse rows: `out` lists, per device, the
 * devices it connected to; `in` the devices that connected to it. An edge is kept once per pair;
 * `lateral` marks pairs with at least one conversation an attacker could use.
 */
export class DeviceGraph {
  readonly index = new Map<number, number>();
  readonly outStart: Int32Array;
  readonly outTo: Int32Array;
  readonly outLateral: Uint8Array;
  readonly inStart: Int32Array;
  readonly inFrom: Int32Array;
  readonly inLateral: Uint8Array;
  /** Per edge of `out`: the services seen, e.g. `tcp/445 smb`. */
  readonly outServices: string[][];

  constructor(
    readonly devices: readonly GraphDevice[],
    edges: readonly { from: number; to: number; service: string; lateral: boolean }[],
  ) {
    devices.forEach((d, i) => this.index.set(d.id, i));
    const n = devices.length;
    // Pairs keyed by a number (from * n + to): no string per conversation.
    const pairs = new Map<number, { from: number; to: number; lateral: boolean; services: string[] }>();
    for (const e of edges) {
      const a = this.index.get(e.from);
      const b = this.index.get(e.to);
      if (a === undefined || b === undefined || a === b) continue;
      const k = a * n + b;
      const p = pairs.get(k);
      if (p) {
        p.lateral ||= e.lateral;
        if (!p.services.includes(e.service)) p.services.push(e.service);
      } else pairs.set(k, { from: a, to: b, lateral: e.lateral, services: [e.service] });
    }
    const list = [...pairs.values()];
    this.outStart = new Int32Array(n + 1);
    this.inStart = new Int32Array(n + 1);
    for (const p of list) {
      this.outStart[p.from + 1]++;
      this.inStart[p.to + 1]++;
    }
    for (let i = 0; i < n; i++) {
      this.outStart[i + 1] += this.outStart[i];
      this.inStart[i + 1] += this.inStart[i];
    }
    this.outTo = new Int32Array(list.length);
    this.outLateral = new Uint8Array(list.length);
    this.outServices = new Array(list.length);
    this.inFrom = new Int32Array(list.length);
    this.inLateral = new Uint8Array(list.length);
    const outFill = this.outStart.slice(0, n);
    const inFill = this.inStart.slice(0, n);
    for (const p of list) {
      const o = outFill[p.from]++;
      this.outTo[o] = p.to;
      this.outLateral[o] = p.lateral ? 1 : 0;
      this.outServices[o] = p.services.sort();
      const i = inFill[p.to]++;
      this.inFrom[i] = p.from;
      this.inLateral[i] = p.lateral ? 1 : 0;
    }
  }

  get size(): number {
    return this.devices.length;
  }

  get edgeCount(): number {
    return this.outTo.length;
  }

  static async load(store: InventoryStore, lateral: LateralMovement): Promise<DeviceGraph> {
    const devices = (await store.db.selectFrom('devices').select(['id', 'ip', 'mac', 'hostname', 'category', 'role']).execute()).map((d) => ({
      id: Number(d.id),
      label: d.hostname ?? d.ip ?? d.mac ?? String(d.id),
      category: d.category,
      role: d.role,
    }));
    const edges = (await store.db.selectFrom('connections').select(['client_id', 'server_id', 'transport', 'port', 'service']).execute()).map((c) => ({
      from: Number(c.client_id),
      to: Number(c.server_id),
      service: `${c.transport}/${c.port}${c.service ? ` ${c.service}` : ''}`,
      lateral: lateral.allows(c.transport, c.port, c.service),
    }));
    return new DeviceGraph(devices, edges);
  }
}
