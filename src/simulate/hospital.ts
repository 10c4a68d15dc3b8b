/** Turns the catalogue and topology into concrete devices with MACs, addresses and names. */
import type { CatalogueEntry, Topology, Zone } from './catalogue.js';
import { ipv4, macText } from './bytes.js';
import { stackForOs, type Iface } from './net.js';
import type { Rng } from './rng.js';

export interface Device {
  id: string;
  entry: CatalogueEntry;
  n: number;
  zone: Zone;
  hostname: string;
  fqdn: string;
  firmware: string;
  serial: string;
  aeTitle?: string;
  iface: Iface;
  /** Set when the device is not from the catalogue (attack tooling, rogue hosts). */
  extra?: { category: string; vendor: string; model: string; role: string; os: string; firmware: string };
  workflows: Set<string>;
  /** `device id \u0000 workflow` of every server its workflows targeted (simulator.ts `target`). */
  talksTo: Set<string>;
  sentPackets: number;
}

export interface ZoneNet {
  zone: Zone;
  net: number;
  mask: number;
  gateway: Iface;
  next: number;
  broadcast: number;
}

export function hsrpMac(vlan: number): Uint8Array {
  // HSRP v1 virtual MAC 00:00:0c:07:ac:XX (RFC 2281), XX = group; groups are numbered after the VLAN.
  return Uint8Array.of(0x00, 0x00, 0x0c, 0x07, 0xac, vlan & 0xff);
}

export function zoneNets(topo: Topology): Map<string, ZoneNet> {
  const out = new Map<string, ZoneNet>();
  for (const z of topo.zones) {
    const [a, bits] = z.subnet.split('/');
    const mask = bits === '0' ? 0 : (0xffffffff << (32 - Number(bits))) >>> 0;
    const net = (ipv4(a) & mask) >>> 0;
    const gwMac = hsrpMac(z.vlan);
    const gateway: Iface = {
      mac: gwMac, ip: (net + 1) >>> 0, vlan: z.vlan, tag: z.tagged, ttl: 255, net, mask, gwMac, ipId: 1,
      ephemeral: 49152, ephemeralLo: 49152, ephemeralHi: 65535,
    };
    out.set(z.id, { zone: z, net, mask, gateway, next: (net + 10) >>> 0, broadcast: (net | ~mask) >>> 0 });
  }
  return out;
}

export function makeIface(zn: ZoneNet, mac: Uint8Array, ip: number, ttl: number, rng: Rng, os?: string): Iface {
  // Windows uses 49152-65535 (RFC 6335), Linux 32768-60999, embedded stacks often 1024-5000.
  const [lo, hi] = ttl === 128 ? [49152, 65535] : ttl === 64 ? [32768, 60999] : [1025, 4999];
  return {
    mac, ip, vlan: zn.zone.vlan, tag: zn.zone.tagged, ttl, net: zn.net, mask: zn.mask, gwMac: zn.gateway.mac,
    ipId: rng.below(65536), ephemeral: lo + rng.below(hi - lo), ephemeralLo: lo, ephemeralHi: hi,
    ...(os === undefined ? {} : { tcpStack: stackForOs(os, ttl) }),
  };
}

export function allocIp(zn: ZoneNet): number {
  const ip = zn.next;
  if (ip >= zn.broadcast - 1) throw new Error(`zone ${zn.zone.id} (${zn.zone.subnet}) is out of addresses; use a larger subnet in topology.json`);
  zn.next = (ip + 1) >>> 0;
  return ip;
}

export function allocMac(oui: string, rng: Rng, used: Set<string>): Uint8Array {
  const o = oui.split(':').map((h) => parseInt(h, 16));
  for (;;) {
    const m = Uint8Array.of(o[0], o[1], o[2], rng.below(256), rng.below(256), rng.below(256));
    const t = macText(m);
    if (!used.has(t)) {
      used.add(t);
      return m;
    }
  }
}

/** Device counts per entry: fixed ones as given, the rest share `total` by weight (largest remainder). */
export function planCounts(entries: CatalogueEntry[], total: number): number[] {
  const counts = entries.map((e) => e.count.fixed ?? 0);
  const fixed = counts.reduce((a, b) => a + b, 0);
  const scal = entries.map((e, i) => ({ e, i })).filter(({ e }) => e.count.fixed === undefined);
  const wsum = scal.reduce((a, { e }) => a + (e.count.weight ?? 0), 0);
  const rest = Math.max(0, total - fixed);
  const rema: { i: number; r: number }[] = [];
  for (const { e, i } of scal) {
    const exact = wsum > 0 ? (rest * (e.count.weight ?? 0)) / wsum : 0;
    counts[i] = Math.floor(exact);
    rema.push({ i, r: exact - counts[i] });
  }
  let left = rest - scal.reduce((a, { i }) => a + counts[i], 0);
  rema.sort((a, b) => b.r - a.r || a.i - b.i);
  for (const { i } of rema) {
    if (left <= 0) break;
    counts[i]++;
    left--;
  }
  // Minimums take devices from the largest scalable entry so the total stays as asked where possible.
  for (const { e, i } of scal) {
    const min = e.count.min ?? 0;
    while (counts[i] < min) {
      counts[i]++;
      let big = -1;
      for (const { e: e2, i: j } of scal) if (counts[j] > (e2.count.min ?? 0) && (big < 0 || counts[j] > counts[big])) big = j;
      if (big >= 0 && counts.reduce((a, b) => a + b, 0) > total) counts[big]--;
    }
  }
  return counts;
}

function pad(n: number, w: number): string {
  return String(n).padStart(w, '0');
}

export function expandName(tpl: string, n: number, zone: Zone, mac: Uint8Array, rng: Rng): string {
  const hex = macText(mac).replace(/:/g, '').toUpperCase();
  return tpl
    .replace(/\{n(?::(\d+))?\}/g, (_, w) => pad(n, w ? Number(w) : 1))
    .replace(/\{zone\}/g, zone.code)
    .replace(/\{mac6\}/g, hex.slice(6))
    .replace(/\{mac12\}/g, hex)
    .replace(/\{hex6\}/g, () => rng.u32().toString(16).toUpperCase().padStart(8, '0').slice(0, 6));
}

export function buildDevices(topo: Topology, entries: CatalogueEntry[], total: number, rng: Rng, nets: Map<string, ZoneNet>, usedMacs: Set<string>): Device[] {
  const counts = planCounts(entries, total);
  const devices: Device[] = [];
  entries.forEach((e, ei) => {
    const fw = rng.pick(e.firmware);
    for (let k = 0; k < counts[ei]; k++) {
      const n = k + 1;
      const zn = nets.get(e.zones[k % e.zones.length])!;
      const mac = allocMac(e.oui, rng, usedMacs);
      const iface = makeIface(zn, mac, allocIp(zn), e.ttl, rng, e.os);
      const hostname = expandName(e.hostname, n, zn.zone, mac, rng);
      devices.push({
        id: `${e.id}-${pad(n, 3)}`,
        entry: e,
        n,
        zone: zn.zone,
        hostname,
        fqdn: `${hostname.toLowerCase()}.${topo.site.domain}`,
        // Large fleets carry two firmware versions during a rollout.
        firmware: e.firmware.length > 1 && rng.chance(0.3) ? rng.pick(e.firmware) : fw,
        serial: e.model.replace(/[^A-Za-z0-9]/g, '').slice(0, 4).toUpperCase() + pad(100000 + rng.below(900000), 6),
        aeTitle: e.dicom ? expandName(e.dicom.aeTitle, n, zn.zone, mac, rng).slice(0, 16) : undefined,
        iface,
        workflows: new Set(),
        talksTo: new Set(),
        sentPackets: 0,
      });
    }
  });
  return devices;
}
