/**
 * The simulated hospital: builds devices from the data files, runs every workflow on one clock
 * (a min-heap of flows keyed by their next packet time, so the capture is in time order), and
 * writes the pcapng capture and the ground-truth JSON.
 */
import { writeFileSync } from 'node:fs';
import { ipText, ipv4, macText } from './bytes.js';
import {
  type CatalogueEntry, type Topology, type WorkflowSpec, defaultKnowledgeDir, loadCatalogue, loadTopology, parseDuration,
} from './catalogue.js';
import { type Device, type ZoneNet, allocIp, allocMac, buildDevices, makeIface, zoneNets } from './hospital.js';
import { type Flow, type Iface, Net, TCP_STACK_LINUX } from './net.js';
import { makePatients, type Patient } from './patients.js';
import { PcapngWriter } from './pcapng-writer.js';
import { Rng, hashString } from './rng.js';
import { CLINICAL, WORKFLOWS, httpSession } from './workflows.js';
import { ATTACKS, type AttackTruth } from './attacks.js';
import { deviceIpv6Text } from './workflows-it.js';

export interface SimulateOptions {
  seed?: number;
  devices?: number;
  /** Seconds of traffic. */
  duration?: number;
  attacks?: string[];
  out: string;
  truth?: string;
  knowledgeDir?: string;
  /** Multiplies DICOM images per study (smaller captures for demos and tests). */
  imageScale?: number;
  /** Multiplies every workflow's rate. */
  rateScale?: number;
}

export interface Target {
  iface: Iface;
  name: string;
  device?: Device;
}

export interface SimulateResult {
  packets: number;
  bytes: number;
  seconds: number;
  devices: number;
  truth: Truth;
  /** Synthetic patient names used (family names), for leak tests; not written to the truth file. */
  patientNames: string[];
}

export interface TruthDevice {
  id: string;
  hostname: string;
  fqdn: string;
  macs: string[];
  ips: string[];
  category: string;
  vendor: string;
  model: string;
  firmware: string;
  os: string;
  role: string;
  zone: string;
  vlan: number;
  oui: string;
  serial?: string;
  dicomAeTitle?: string;
  addressing: string;
  workflows: string[];
  /** The devices this one's workflows connect to, by workflow (`hl7` to the engine): ground truth for reachability. */
  talksTo: { device: string; workflow: string }[];
  hazards: string[];
  services: string[];
  packetsSent?: number;
}

export interface Truth {
  schema: 'vigil-simulate-truth/1';
  generator: { seed: number; devicesRequested: number; durationSeconds: number; attacks: string[]; packets: number; bytes: number };
  site: Topology['site'];
  start: string;
  end: string;
  zones: { id: string; name: string; vlan: number; tagged: boolean; subnet: string; gateway: string; gatewayMac: string }[];
  devices: TruthDevice[];
  external: { name: string; ip: string }[];
  hazards: { type: string; devices: string[]; description: string }[];
  attacks: AttackTruth[];
  protocols: { hl7MessageTypes: Record<string, number>; hl7SendingApplications: string[]; dicomAeTitles: string[] };
}

export const DEFAULTS = { seed: 1, devices: 400, duration: 7200 } as const;

/** A device's recurring workflow, resolved once at scheduling (a 3,000-device hospital fires about 230,000 an hour). */
interface Recurring {
  dev: Device;
  spec: WorkflowSpec;
  /** Mean gap between firings, µs. */
  mean: number;
  /** Its name in the truth file (a hazard flow's own type, not `hazard:...`). */
  workflow: string;
  fn: (sim: Simulation, dev: Device, spec: WorkflowSpec) => Flow;
  /** People-driven: follows the day's rhythm. */
  clinical: boolean;
  /** Already listed in dev.workflows. */
  listed: boolean;
  /** What its flows resolved `role:...` to (the same server every time, see `target`), once recorded. */
  targets: Map<string, Target> | undefined;
}

interface HeapItem {
  t: number;
  seq: number;
  /** The flow running, or null for a recurring workflow's next firing (`rec`). */
  gen: Flow | null;
  rec?: Recurring;
  onEnd?: () => void;
  /** The workflow the flow runs for (unset for attacks and one-off flows). */
  workflow?: string;
}

/**
 * Every item is made here, with all fields in one order, so the heap and the run loop see one object
 * shape (items of several shapes make their property loads polymorphic).
 */
function heapItem(t: number, seq: number, gen: Flow | null, rec?: Recurring, onEnd?: () => void): HeapItem {
  return { t, seq, gen, rec, onEnd, workflow: undefined };
}

/**
 * Binary min-heap on (t, seq). The keys are kept beside the items in arrays of numbers, so sifting
 * reads contiguous memory instead of one heap object per comparison (which was the cost: about
 * 440,000 pushes and as many pops an hour of a 3,000-device hospital, on a heap of tens of thousands).
 */
class Heap {
  private readonly items: HeapItem[] = [];
  private readonly ts: number[] = [];
  private readonly seqs: number[] = [];
  get size(): number {
    return this.items.length;
  }
  peek(): HeapItem | undefined {
    return this.items[0];
  }
  push(x: HeapItem): void {
    const { items, ts, seqs } = this;
    const t = x.t, s = x.seq;
    let i = items.length;
    items.push(x);
    ts.push(t);
    seqs.push(s);
    while (i > 0) {
      const p = (i - 1) >> 1;
      const pt = ts[p];
      if (!(t < pt || (t === pt && s < seqs[p]))) break;
      items[i] = items[p];
      ts[i] = pt;
      seqs[i] = seqs[p];
      i = p;
    }
    items[i] = x;
    ts[i] = t;
    seqs[i] = s;
  }
  pop(): HeapItem {
    const { items, ts, seqs } = this;
    const top = items[0];
    const last = items.pop()!;
    const lt = ts.pop()!;
    const ls = seqs.pop()!;
    const n = items.length;
    if (n > 0) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= n) break;
        const r = l + 1;
        const c = r < n && (ts[r] < ts[l] || (ts[r] === ts[l] && seqs[r] < seqs[l])) ? r : l;
        if (!(ts[c] < lt || (ts[c] === lt && seqs[c] < ls))) break;
        items[i] = items[c];
        ts[i] = ts[c];
        seqs[i] = seqs[c];
        i = c;
      }
      items[i] = last;
      ts[i] = lt;
      seqs[i] = ls;
    }
    return top;
  }
}

export class Simulation {
  readonly rng: Rng;
  readonly topo: Topology;
  readonly entries: CatalogueEntry[];
  readonly nets: Map<string, ZoneNet>;
  readonly devices: Device[];
  readonly net: Net;
  readonly writer: PcapngWriter;
  readonly noise: Buffer;
  readonly startUs: number;
  readonly endUs: number;
  readonly imageScale: number;
  readonly rateScale: number;
  readonly usedMacs = new Set<string>();
  readonly leased = new Set<string>();
  readonly nbRegistered = new Set<string>();
  readonly dnsServers: Device[];
  readonly ntpServers: Device[];
  readonly dhcpServer: Device;
  readonly firewall: Device;
  readonly hazards: Truth['hazards'] = [];
  readonly attacks: AttackTruth[] = [];
  nextControlId = 100000;
  private readonly heap = new Heap();
  /** The workflow of the flow being stepped, while it runs (see `target`). */
  private runningWorkflow: string | undefined;
  /** The recurring workflow whose flow is being stepped, if any (caches its targets). */
  private runningRec: Recurring | undefined;
  private seq = 0;
  private readonly patients: Patient[];
  private readonly roles = new Map<string, Device[]>();
  private readonly byFqdn = new Map<string, Device>();
  private readonly externals = new Map<string, Iface>();
  private readonly scanners: Iface[];
  private readonly hl7Types = new Map<string, number>();
  private readonly hl7Apps = new Set<string>();
  private readonly aeTitles = new Set<string>();
  private readonly extraHazardFlows: { dev: Device; spec: WorkflowSpec; fn: (sim: Simulation, dev: Device) => Flow }[] = [];

  constructor(readonly opts: SimulateOptions) {
    const seed = (opts.seed ?? DEFAULTS.seed) >>> 0;
    const dir = opts.knowledgeDir ?? defaultKnowledgeDir();
    this.topo = loadTopology(dir);
    this.entries = loadCatalogue(dir, this.topo);
    const root = new Rng(seed);
    this.rng = root.fork(1);
    const buildRng = root.fork(2);
    this.nets = zoneNets(this.topo);
    for (const zn of this.nets.values()) this.usedMacs.add(macText(zn.gateway.mac));
    this.devices = buildDevices(this.topo, this.entries, opts.devices ?? DEFAULTS.devices, buildRng, this.nets, this.usedMacs);
    for (const d of this.devices) {
      for (const r of [d.entry.role, ...(d.entry.roles ?? [])]) {
        if (!this.roles.has(r)) this.roles.set(r, []);
        this.roles.get(r)!.push(d);
      }
      this.byFqdn.set(d.fqdn, d);
    }
    const need = (r: string): Device[] => {
      const l = this.roles.get(r);
      if (!l?.length) throw new Error(`the catalogue must provide at least one device with role "${r}"`);
      return l;
    };
    this.dnsServers = need('dns');
    this.ntpServers = need('ntp');
    this.dhcpServer = need('dhcp-server')[0];
    this.firewall = need('internet-gateway')[0];
    need('nms');
    need('syslog');
    for (const e of this.topo.external) this.externals.set(e.name, this.externalIface(ipv4(e.ip)));
    this.scanners = this.topo.internetScanners.map((s) => this.externalIface(ipv4(s)));
    this.patients = makePatients(buildRng.fork(3), 300, this.topo.zones.filter((z) => z.clinical).map((z) => z.code));
    this.noise = Buffer.alloc(4 * 1024 * 1024);
    const nr = buildRng.fork(4);
    for (let i = 0; i < this.noise.length; i += 4) this.noise.writeUInt32LE(nr.u32(), i);
    this.startUs = Date.parse(this.topo.site.start) * 1000;
    this.endUs = this.startUs + Math.round((opts.duration ?? DEFAULTS.duration) * 1e6);
    this.imageScale = opts.imageScale ?? 1;
    this.rateScale = opts.rateScale ?? 1;
    this.writer = new PcapngWriter(opts.out, `vigil simulate seed=${seed} devices=${opts.devices ?? DEFAULTS.devices} duration=${opts.duration ?? DEFAULTS.duration}s`);
    this.net = new Net(this.writer);
  }

  /** Internet hosts reach the SPAN through the firewall: its MAC, on the edge VLAN. */
  externalIface(ip: number): Iface {
    const fw = this.firewall.iface;
    return { ...fw, ip, ttl: 52, ipId: this.rng.below(65536), ephemeral: 40000 + this.rng.below(20000), ephemeralLo: 32768, ephemeralHi: 60999, tcpStack: TCP_STACK_LINUX };
  }

  // ----- lookups used by workflows and attacks

  byRole(role: string): Device[] {
    return this.roles.get(role) ?? [];
  }
  patient(): Patient {
    return this.rng.pick(this.patients);
  }
  ipText(ip: number): string {
    return ipText(ip);
  }
  scannerIface(): Iface {
    return this.rng.pick(this.scanners);
  }
  dnsServerFor(c: Iface): Device {
    return this.dnsServers[(c.ip >>> 0) % this.dnsServers.length];
  }
  resolve(name: string): number | null {
    const d = this.byFqdn.get(name);
    if (d) return d.iface.ip;
    const e = this.externals.get(name);
    if (e) return e.ip;
    const extra = this.extraNames.get(name);
    return extra ?? null;
  }
  readonly extraNames = new Map<string, number>();
  addExternal(name: string, ip: number): Iface {
    const i = this.externalIface(ip);
    this.externals.set(name, i);
    this.extraNames.set(name, ip);
    return i;
  }
  /** Round trip in microseconds: LAN, routed LAN or internet. */
  rttFor(c: Iface, s: Iface): number {
    if (s.ttl === 52 || c.ttl === 52) return 18000 + this.rng.below(20000);
    return ((c.ip & c.mask) >>> 0) === c.net && ((s.ip & c.mask) >>> 0) === c.net ? 200 + this.rng.below(200) : 400 + this.rng.below(600);
  }
  target(dev: Device, to: string): Target {
    if (to.startsWith('role:')) {
      // A workflow's later firings find the server (and its talksTo entry) already resolved.
      const rec = this.runningRec !== undefined && this.runningRec.dev === dev ? this.runningRec : undefined;
      const known = rec?.targets?.get(to);
      if (known !== undefined) return known;
      const l = this.byRole(to.slice(5));
      // Each device keeps talking to the same server of a role (how static config works).
      const d = l[(hashString(dev.id) + dev.n) % l.length];
      if (this.runningWorkflow !== undefined) dev.talksTo.add(`${d.id}\u0000${this.runningWorkflow}`);
      const t = { iface: d.iface, name: d.fqdn, device: d };
      if (rec !== undefined) (rec.targets ??= new Map()).set(to, t);
      return t;
    }
    const e = this.externals.get(to);
    if (!e) throw new Error(`unknown target ${to}`);
    return { iface: e, name: to };
  }
  recordHl7(type: string, app: string): void {
    const k = type.split('^').slice(0, 2).join('^');
    this.hl7Types.set(k, (this.hl7Types.get(k) ?? 0) + 1);
    this.hl7Apps.add(app);
  }
  recordDicom(calling: string, called: string): void {
    this.aeTitles.add(calling);
    this.aeTitles.add(called);
  }

  /** A device not in the catalogue (rogue hardware, attacker tools), listed in the truth file. */
  addDevice(zoneId: string, oui: string, hostname: string, info: NonNullable<Device['extra']>, ttl = 64): Device {
    const zn = this.nets.get(zoneId)!;
    const mac = allocMac(oui, this.rng, this.usedMacs);
    const iface = makeIface(zn, mac, allocIp(zn), ttl, this.rng, info.os);
    const d: Device = {
      id: `${info.role}-${this.devices.length + 1}`, entry: { ...this.devices[0].entry, id: info.role, category: info.category, role: info.role, vendor: info.vendor, model: info.model, oui, os: info.os, hazards: [], workflows: [], services: [], addressing: 'static', dicom: undefined },
      n: 1, zone: zn.zone, hostname, fqdn: `${hostname.toLowerCase()}.${this.topo.site.domain}`, firmware: info.firmware, serial: '', iface, extra: info,
      workflows: new Set(), talksTo: new Set(), sentPackets: 0,
    };
    this.devices.push(d);
    return d;
  }

  /** Starts a one-off flow at absolute time `t` (µs); `onEnd` runs with net.now at its last packet. */
  spawn(t: number, gen: Flow, onEnd?: () => void): void {
    this.heap.push(heapItem(Math.round(t), this.seq++, gen, undefined, onEnd));
  }

  addHazardFlow(dev: Device, spec: WorkflowSpec, fn: (sim: Simulation, dev: Device) => Flow): void {
    this.extraHazardFlows.push({ dev, spec, fn });
  }

  /** Activity factor of people-driven workflows: busy days, quiet nights (hour of site-local time). */
  rhythm(us: number): number {
    const h = (us / 3.6e9) % 24;
    if (h >= 8 && h < 18) return 1;
    if (h >= 6 && h < 8) return 0.4 + 0.3 * (h - 6);
    if (h >= 18 && h < 22) return 1 - 0.15 * (h - 18);
    return 0.3;
  }

  private schedule(dev: Device, spec: WorkflowSpec, first: number, hazard?: (sim: Simulation, dev: Device) => Flow): void {
    const mean = parseDuration(spec.every ?? '10m') * 1e6 / this.rateScale;
    const rec: Recurring = hazard
      ? { dev, spec: { ...spec, type: `hazard:${spec.type}` }, mean, workflow: spec.type, fn: (s, d) => hazard(s, d), clinical: false, listed: false, targets: undefined }
      : { dev, spec, mean, workflow: spec.type, fn: WORKFLOWS[spec.type], clinical: CLINICAL.has(spec.type), listed: false, targets: undefined };
    this.heap.push(heapItem(Math.round(first), this.seq++, null, rec));
  }

  run(): SimulateResult {
    const t0 = process.hrtime.bigint();
    const attackNames = this.opts.attacks ?? [];
    for (const a of attackNames) if (!ATTACKS[a]) throw new Error(`unknown attack "${a}" (known: ${Object.keys(ATTACKS).join(', ')})`);
    this.planHazards();
    const wfRng = this.rng.fork(7);
    for (const d of this.devices) {
      for (const spec of d.entry.workflows) {
        const mean = parseDuration(spec.every ?? '10m') * 1e6;
        // DHCP first within 30 min (morning boots and T1 renewals), the rest uniformly inside one period.
        const first = spec.type === 'dhcp' ? wfRng.float() * Math.min(mean, 1.8e9) : wfRng.float() * Math.min(mean, (this.endUs - this.startUs) * 0.9);
        this.schedule(d, spec, this.startUs + first);
      }
    }
    for (const h of this.extraHazardFlows) this.schedule(h.dev, h.spec, this.startUs + wfRng.float() * 6e8, h.fn);
    const span = this.endUs - this.startUs;
    attackNames.forEach((a, i) => {
      // Attacks start in the middle half of the capture, spread apart.
      const at = this.startUs + span * (0.25 + (0.5 * (i + 0.5)) / attackNames.length) + wfRng.below(60e6);
      ATTACKS[a](this, at);
    });
    const heap = this.heap;
    const net = this.net;
    const rng = this.rng;
    while (heap.size > 0) {
      const e = heap.pop();
      net.now = e.t;
      if (e.gen === null) {
        const rec = e.rec!;
        if (e.t >= this.endUs) continue;
        if (!rec.listed) {
          rec.dev.workflows.add(rec.workflow);
          rec.listed = true;
        }
        const gap = rng.exp(rec.mean) / (rec.clinical ? this.rhythm(e.t) : 1);
        heap.push(heapItem(e.t + Math.max(1000, Math.round(gap)), this.seq++, null, rec));
        // The item now runs the flow and keeps `rec`, so `target` finds the servers resolved before.
        e.gen = rec.fn(this, rec.dev, rec.spec);
        e.workflow = rec.workflow;
      }
      // What the flow's first steps target (a server of a role) is recorded under its workflow.
      this.runningWorkflow = e.workflow;
      this.runningRec = e.rec;
      // Keep running the same flow while its next packet still comes before everything queued:
      // the order is exactly what push/pop would give, without the O(log n) heap work per packet.
      for (;;) {
        const r = e.gen.next();
        if (r.done) {
          e.onEnd?.();
          break;
        }
        e.t += Math.max(1, Math.round(r.value));
        const top = heap.peek();
        if (top !== undefined && (top.t < e.t || (top.t === e.t && top.seq < e.seq))) {
          heap.push(e);
          break;
        }
        net.now = e.t;
      }
    }
    this.writer.close();
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    const truth = this.truth();
    if (this.opts.truth) writeFileSync(this.opts.truth, JSON.stringify(truth, null, 1) + '\n');
    return { packets: this.writer.packets, bytes: this.writer.bytes, seconds, devices: this.devices.length, truth, patientNames: this.patients.map((p) => p.family) };
  }

  /** Hazards the brief calls for that are not a catalogue property: a guest laptop reaching a clinical VLAN. */
  private planHazards(): void {
    for (const d of this.devices) {
      for (const h of d.entry.hazards ?? []) {
        const desc = HAZARD_TEXT[h] ?? h;
        let row = this.hazards.find((x) => x.type === h);
        if (!row) this.hazards.push(row = { type: h, devices: [], description: desc });
        row.devices.push(d.id);
      }
    }
    const guest = this.devices.find((d) => d.entry.category === 'guest' && d.entry.os.startsWith('Windows'));
    const clinical = this.devices.find((d) => d.zone.clinical && d.entry.category === 'central-station')
      ?? this.devices.find((d) => d.zone.clinical && d.entry.category !== 'workstation');
    if (guest && clinical) {
      this.hazards.push({ type: 'guest-to-clinical', devices: [guest.id, clinical.id], description: `guest Wi-Fi laptop ${guest.hostname} reaches ${clinical.hostname} on the ${clinical.zone.name} VLAN over HTTP: guest Wi-Fi is not isolated from clinical VLANs` });
      this.addHazardFlow(guest, { type: 'guest-http', every: '8m' }, (sim, dev) => guestProbe(sim, dev, clinical));
    }
    // Cleartext HL7 and DICOM concern senders and receivers (SCPs, interface engines) alike.
    const hl7 = this.devices.filter((d) => d.entry.workflows.some((w) => w.type === 'hl7') || (d.entry.services ?? []).some((x) => x.startsWith('hl7'))).map((d) => d.id);
    if (hl7.length) this.hazards.push({ type: 'cleartext-hl7', devices: hl7, description: 'HL7 v2 over MLLP without TLS: patient data readable on the wire' });
    const dcm = this.devices.filter((d) => d.entry.dicom !== undefined).map((d) => d.id);
    if (dcm.length) this.hazards.push({ type: 'cleartext-dicom', devices: dcm, description: 'DICOM without TLS: patient demographics and images readable on the wire' });
  }

  private truth(): Truth {
    const gws = [...this.nets.values()];
    const devices: TruthDevice[] = this.devices.map((d) => ({
      id: d.id,
      hostname: d.hostname,
      fqdn: d.fqdn,
      macs: [macText(d.iface.mac)],
      // IPv6 addresses (link-local, SLAAC) of the devices that spoke IPv6 (workflows-it.ts).
      ips: [ipText(d.iface.ip), ...(d.workflows.has('ipv6') ? deviceIpv6Text(this.topo.site.domain, d) : [])],
      category: d.extra?.category ?? d.entry.category,
      vendor: d.extra?.vendor ?? d.entry.vendor,
      model: d.extra?.model ?? d.entry.model,
      firmware: d.firmware,
      os: d.extra?.os ?? d.entry.os,
      role: d.extra?.role ?? d.entry.role,
      zone: d.zone.id,
      vlan: d.zone.vlan,
      oui: d.entry.oui,
      ...(d.serial ? { serial: d.serial } : {}),
      ...(d.aeTitle ? { dicomAeTitle: d.aeTitle } : {}),
      addressing: d.entry.addressing,
      workflows: [...d.workflows].sort(),
      talksTo: [...d.talksTo].sort().map((k) => ({ device: k.slice(0, k.indexOf('\u0000')), workflow: k.slice(k.indexOf('\u0000') + 1) })),
      hazards: this.hazards.filter((h) => h.devices.includes(d.id)).map((h) => h.type),
      services: d.entry.services ?? [],
    }));
    // The routed core answers ARP and relays DHCP with HSRP virtual MACs, one per VLAN.
    devices.push({
      id: 'core-router', hostname: 'core', fqdn: `core.${this.topo.site.domain}`, macs: gws.map((g) => macText(g.gateway.mac)),
      ips: [...gws.map((g) => ipText(g.gateway.ip)), ...(this.devices.some((d) => d.workflows.has('ipv6')) ? ['fe80::1'] : [])], category: 'network', vendor: 'Cisco', model: 'Catalyst 9500 (HSRP virtual gateways)', firmware: 'IOS-XE 17.9.4a',
      os: 'Cisco IOS-XE', role: 'core-router', zone: 'network-mgmt', vlan: 1, oui: '00:00:0C', addressing: 'static', workflows: ['dhcp-relay'], talksTo: [], hazards: [], services: [],
    });
    return {
      schema: 'vigil-simulate-truth/1',
      generator: { seed: this.opts.seed ?? DEFAULTS.seed, devicesRequested: this.opts.devices ?? DEFAULTS.devices, durationSeconds: (this.endUs - this.startUs) / 1e6, attacks: this.opts.attacks ?? [], packets: this.writer.packets, bytes: this.writer.bytes },
      site: this.topo.site,
      start: new Date(this.startUs / 1000).toISOString(),
      end: new Date(this.endUs / 1000).toISOString(),
      zones: gws.map((g) => ({ id: g.zone.id, name: g.zone.name, vlan: g.zone.vlan, tagged: g.zone.tagged, subnet: g.zone.subnet, gateway: ipText(g.gateway.ip), gatewayMac: macText(g.gateway.mac) })),
      devices,
      external: [...this.externals.entries()].map(([name, i]) => ({ name, ip: ipText(i.ip) })).concat(this.scanners.map((s) => ({ name: 'internet-scanner', ip: ipText(s.ip) }))),
      hazards: this.hazards,
      attacks: this.attacks,
      protocols: {
        hl7MessageTypes: Object.fromEntries([...this.hl7Types.entries()].sort()),
        hl7SendingApplications: [...this.hl7Apps].sort(),
        dicomAeTitles: [...this.aeTitles].sort(),
      },
    };
  }
}

const HAZARD_TEXT: Record<string, string> = {
  'windows-7': 'runs Windows 7 (end of support January 2020)',
  telnet: 'administered over cleartext telnet',
  'snmp-public': 'answers SNMP with the default community "public"',
  'internet-reachable': 'published to the internet: scanners from outside reach its web interface',
  'remote-access-tool': 'runs a remote-access tool (TeamViewer) connecting to the internet',
};

function* guestProbe(sim: Simulation, dev: Device, server: Device): Flow {
  yield* httpSession(sim, dev.iface, server.iface, 80, server.fqdn, '/', 'Mozilla/5.0 (Windows NT 10.0; Win64; x64)', 200, `<html><title>${server.entry.vendor} ${server.entry.model}</title></html>`, 'Microsoft-IIS/10.0');
}


export function simulate(opts: SimulateOptions): SimulateResult {
  return new Simulation(opts).run();
}
