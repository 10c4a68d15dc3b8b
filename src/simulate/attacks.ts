/**
 * Attacks, each labelled in the truth file with its time window and the devices involved. An
 * attack function schedules its flows on the simulation clock; the window's end is the time of
 * the attack's last packet.
 */
import { ipText, ipv4, macText } from './bytes.js';
import type { Device } from './hospital.js';
import { type Flow, type Iface, Tcp, nextPort, TCP_ACK, TCP_RST, TCP_SYN } from './net.js';
import { smb1Negotiate, smb1NegotiateResponse } from './protocols.js';
import type { Simulation } from './simulator.js';
import { dhcpDora, dicomStoreSession, dicomUid, dnsLookup, hl7Session, syntheticImage, telnetLogin, tlsSession, type StoreImage } from './workflows.js';

export interface AttackTruth {
  type: string;
  start: string;
  end: string;
  attackers: string[];
  victims: string[];
  /** Addresses outside the hospital involved (exfiltration targets, C2 servers). */
  external: string[];
  description: string;
  /** MITRE ATT&CK for ICS / Enterprise technique ids, for cross-reference. */
  techniques: string[];
}

type AttackFn = (sim: Simulation, at: number) => void;

function record(sim: Simulation, type: string, at: number, attackers: Device[], victims: Device[], external: string[], description: string, techniques: string[]): (end?: number) => void {
  const t: AttackTruth = {
    type, start: new Date(at / 1000).toISOString(), end: new Date(at / 1000).toISOString(),
    attackers: attackers.map((d) => d.id), victims: victims.map((d) => d.id), external, description, techniques,
  };
  sim.attacks.push(t);
  let last = at;
  return (end = sim.net.now) => {
    if (end > last) {
      last = end;
      t.end = new Date(Math.ceil(end / 1000)).toISOString();
    }
  };
}

function portsOf(d: Device): Set<number> {
  return new Set((d.entry.services ?? []).map((s) => Number(s.split('/')[1])));
}

function pickWorkstation(sim: Simulation, pred: (d: Device) => boolean = () => true): Device {
  const l = sim.devices.filter((d) => d.entry.category === 'workstation' && pred(d));
  if (!l.length) throw new Error('attack needs a workstation in the catalogue');
  return l[0];
}

function rogue(sim: Simulation, zone: string, name: string, role: string): Device {
  return sim.addDevice(zone, 'B8:27:EB', name, { category: 'rogue', vendor: 'Raspberry Pi Foundation', model: 'Raspberry Pi 3 Model B', role, os: 'Kali Linux 2024.1', firmware: 'Linux 6.6' });
}

function pickOr(sim: Simulation, pred: (d: Device) => boolean): Device {
  return sim.devices.find((d) => d.entry.category === 'workstation' && pred(d)) ?? pickWorkstation(sim);
}

/** ICMP sweep of a zone, then a SYN scan of common medical and IT ports on the hosts that answered. */
const portScan: AttackFn = (sim, at) => {
  const attacker = pickOr(sim, (d) => d.zone.id === 'administration' && d.entry.role === 'clinical-workstation');
  const zone = sim.devices.find((d) => d.entry.role === 'modality')?.zone ?? attacker.zone;
  const zn = sim.nets.get(zone.id)!;
  const live = new Map(sim.devices.filter((d) => d.zone.id === zone.id).map((d) => [d.iface.ip, d]));
  const victims: Device[] = [];
  const done = record(sim, 'port-scan', at, [attacker], [], [], `ICMP sweep of ${zone.subnet} (${zone.name}) then SYN scan of common ports from ${attacker.hostname}`, ['T1046', 'T0846']);
  const truth = sim.attacks[sim.attacks.length - 1];
  const ports = [21, 22, 23, 80, 104, 135, 139, 443, 445, 2575, 3389, 4242, 5900, 8080, 11112];
  function* run(): Flow {
    const a = attacker.iface;
    const id = sim.rng.below(65536);
    const hosts = Math.min(120, (zn.broadcast - zn.net) - 2);
    for (let i = 0; i < hosts; i++) {
      const ip = (zn.net + 1 + i) >>> 0;
      const d = live.get(ip);
      const target: Iface = d?.iface ?? { ...a, ip, mac: zn.gateway.mac };
      sim.net.icmpEcho(a, target, 8, id, i, 32);
      yield 300;
      if (d) {
        sim.net.icmpEcho(d.iface, a, 0, id, i, 32);
        victims.push(d);
      }
      yield 2000;
    }
    for (const d of victims) {
      const open = portsOf(d);
      const sport = nextPort(a);
      for (const p of ports) {
        const seq = sim.rng.u32();
        sim.net.tcp(a, d.iface, sport, p, seq, 0, TCP_SYN, 1024, null, 0, 0, Uint8Array.of(2, 4, 5, 0xb4));
        yield 400;
        if (open.has(p)) {
          sim.net.tcp(d.iface, a, p, sport, sim.rng.u32(), (seq + 1) >>> 0, TCP_SYN | TCP_ACK, 29200, null, 0, 0, Uint8Array.of(2, 4, 5, 0xb4));
          yield 100;
          sim.net.tcp(a, d.iface, sport, p, (seq + 1) >>> 0, 0, TCP_RST, 0, null);
        } else {
          sim.net.tcp(d.iface, a, p, sport, 0, (seq + 1) >>> 0, TCP_RST | TCP_ACK, 0, null);
        }
        yield 1500;
      }
    }
    truth.victims = victims.map((d) => d.id);
  }
  sim.spawn(at, run(), () => done());
};

/** SMBv1 worm: patient zero sweeps TCP 445; Windows 7 hosts take the SMB1 exploit and start sweeping too. */
const smbWorm: AttackFn = (sim, at) => {
  const zero = pickOr(sim, (d) => d.entry.hazards?.includes('windows-7') ?? false);
  const infected = new Set<Device>([zero]);
  const done = record(sim, 'smb-worm', at, [zero], [], [], `SMBv1 worm from ${zero.hostname}: TCP 445 sweeps, SMB1 negotiate and exploit payload to Windows 7 hosts, which then spread it`, ['T1210', 'T0866']);
  const truth = sim.attacks[sim.attacks.length - 1];
  const windows = sim.devices.filter((d) => d.entry.os.startsWith('Windows') && d.entry.category !== 'server');
  function* spread(src: Device, gen: number): Flow {
    const targets = windows.filter((d) => d !== src).slice(0, 40);
    for (const d of targets) {
      const a = src.iface;
      const tcp = new Tcp(sim.net, a, d.iface, nextPort(a), 445, sim.rng, sim.rttFor(a, d.iface));
      const vulnerable = d.entry.hazards?.includes('windows-7') ?? false;
      const accept = vulnerable || sim.rng.chance(0.5);
      const ok = yield* tcp.open(accept);
      if (ok) {
        yield 300;
        yield* tcp.exchange(smb1Negotiate(sim.rng.below(65536)), smb1NegotiateResponse(sim.rng.below(65536), sim.rng), 800);
        if (vulnerable && !infected.has(d)) {
          infected.add(d);
          truth.victims.push(d.id);
          const n = 20000 + sim.rng.below(20000);
          const off = sim.rng.below(sim.noise.length - n);
          const pkt = Buffer.concat([Buffer.from([0, 0, n >> 8, n & 255]), sim.noise.subarray(off, off + n)]);
          // NetBIOS length is 17 bits; the payload stays under 64 KiB so two bytes suffice.
          yield* tcp.send(0, pkt);
          if (gen < 2) sim.spawn(sim.net.now + 20e6 + sim.rng.below(20e6), spread(d, gen + 1), () => done());
        }
        yield 200;
        yield* tcp.close();
      }
      yield 5000 + sim.rng.below(20000);
    }
  }
  sim.spawn(at, spread(zero, 0), () => done());
};

/** The PACS pushes a patient's studies to an outside DICOM node. */
const dicomExfil: AttackFn = (sim, at) => {
  const pacs = sim.byRole('pacs')[0];
  const ct = sim.devices.find((d) => d.entry.dicom?.modality === 'CT') ?? sim.devices.find((d) => d.entry.dicom?.modality)!;
  const ext = sim.addExternal('dicom-drop.exfil.example', ipv4('203.0.113.66'));
  const done = record(sim, 'dicom-exfiltration', at, [pacs], [pacs], [ipText(ext.ip)], `${pacs.hostname} sends CT studies by DICOM C-STORE to ${ipText(ext.ip)} (AE EXT_ARCHIVE) outside the hospital`, ['T1041', 'T0882']);
  function* run(): Flow {
    for (let s = 0; s < 3 && sim.net.now < sim.endUs; s++) {
      const p = sim.patient();
      const study = dicomUid(sim), series = dicomUid(sim);
      const images: StoreImage[] = [];
      for (let i = 0; i < 12; i++) images.push(syntheticImage(sim, ct, p, study, series, i + 1, `ACC${sim.rng.range(100000, 999999)}`));
      const pd = pacs.entry.dicom!;
      yield* dicomStoreSession(sim, pacs.iface, pacs.aeTitle!, pd.implClassUid, pd.implVersion, ext, 104, 'EXT_ARCHIVE', ['1.2.826.0.1.3680043.2.1143.107.104.103.115.3.6.8', 'OFFIS_DCMTK_368'], images, s === 0);
      yield 30e6;
    }
  }
  sim.spawn(at, run(), () => done());
};

/** A rogue route in the interface engine copies results to an unknown host. */
const hl7Rogue: AttackFn = (sim, at) => {
  const engine = sim.byRole('hl7-engine')[0];
  const r = rogue(sim, 'administration', 'raspberrypi', 'rogue-hl7-listener');
  const done = record(sim, 'hl7-rogue-destination', at, [r], [engine], [], `${engine.hostname} sends ORU/ADT messages to ${ipText(r.iface.ip)}:2575, a listener that is not a known HL7 receiver`, ['T1565', 'T0830']);
  function* run(): Flow {
    for (let i = 0; i < 8 && sim.net.now < sim.endUs; i++) {
      yield* hl7Session(sim, engine, r.iface, 2575, 'RHAPSODY', 'COLLECTOR', ['ORU^R01^ORU_R01', 'ADT^A08^ADT_A01'], 2);
      yield 40e6 + sim.rng.below(20e6);
    }
  }
  sim.spawn(at, run(), () => done());
};

/** Gratuitous ARP replies binding the ICU gateway's address to the attacker's MAC (man in the middle). */
const arpSpoof: AttackFn = (sim, at) => {
  const r = rogue(sim, 'icu', 'raspberrypi-icu', 'arp-spoofer');
  const zn = sim.nets.get('icu')!;
  const victims = sim.devices.filter((d) => d.zone.id === 'icu' && d !== r).slice(0, 12);
  const done = record(sim, 'arp-spoofing', at, [r], victims, [], `${macText(r.iface.mac)} claims the ICU gateway ${ipText(zn.gateway.ip)} to ${victims.length} ICU devices`, ['T1557.002', 'T0830']);
  function* run(): Flow {
    for (let round = 0; round < 60 && sim.net.now < sim.endUs; round++) {
      for (const v of victims) {
        sim.net.arp(r.iface, 2, r.iface.mac, zn.gateway.ip, v.iface.mac, v.iface.ip);
        yield 2000;
      }
      sim.net.arp(r.iface, 2, r.iface.mac, victims[round % victims.length].iface.ip, zn.gateway.mac, zn.gateway.ip);
      yield 2e6;
    }
  }
  sim.spawn(at, run(), () => done());
};

/** A rogue DHCP server on the wards VLAN answers clients faster than the relay, offering itself as router and DNS. */
const rogueDhcp: AttackFn = (sim, at) => {
  // A consumer router plugged into a ward wall port: the classic accidental rogue DHCP server.
  const r = sim.addDevice('wards', '50:C7:BF', 'TL-WR841N', { category: 'rogue', vendor: 'TP-Link', model: 'TL-WR841N', role: 'rogue-dhcp-server', os: 'TP-Link firmware', firmware: '3.16.9' });
  const clients = sim.devices.filter((d) => d.zone.id === 'wards' && d.entry.addressing === 'dhcp').slice(0, 6);
  const done = record(sim, 'rogue-dhcp', at, [r], clients, [], `${ipText(r.iface.ip)} (${macText(r.iface.mac)}) answers DHCP on the wards VLAN offering itself as router and DNS`, ['T1557.003']);
  clients.forEach((c, i) => {
    sim.leased.add(c.id);
    sim.spawn(at + i * 20e6, dhcpDora(sim, c, { iface: r.iface, serverId: r.iface.ip, router: r.iface.ip }), () => done());
  });
};

/** Password guessing against the lab's serial terminal server over telnet. */
const bruteForce: AttackFn = (sim, at) => {
  const ts = sim.byRole('serial-terminal-server')[0];
  const attacker = sim.devices.find((d) => d.entry.category === 'guest') ?? pickWorkstation(sim);
  const done = record(sim, 'brute-force', at, [attacker], [ts], [], `${attacker.hostname} guesses telnet passwords on ${ts.hostname} (25 failures, then success)`, ['T1110', 'T0859']);
  const words = ['admin', 'password', '123456', 'lantronix', 'access', 'system', 'root', 'default', 'changeme', 'letmein'];
  function* run(): Flow {
    for (let i = 0; i < 26 && sim.net.now < sim.endUs; i++) {
      const ok = i === 25;
      yield* telnetLogin(sim, attacker.iface, ts.iface, ts.hostname, i % 3 === 0 ? 'root' : 'admin', ok ? 'Lab2019!' : `${words[i % words.length]}${i}`, ok, ok ? ['show port 1'] : []);
      yield 300000 + sim.rng.below(400000);
    }
  }
  sim.spawn(at, run(), () => done());
};

/** Command-and-control beacons: TLS to a look-alike domain every 60 s with 10 % jitter. */
const c2Beacon: AttackFn = (sim, at) => {
  const ws = pickOr(sim, (d) => d.zone.clinical === true && d.entry.role === 'clinical-workstation');
  const name = 'cdn-static-upd4te.example';
  const ext = sim.addExternal(name, ipv4('198.51.100.66'));
  const done = record(sim, 'c2-beaconing', at, [ws], [ws], [ipText(ext.ip)], `${ws.hostname} beacons over TLS (SNI ${name}) to ${ipText(ext.ip)} every 60 s +-10 %`, ['T1071.001', 'T1573']);
  function* run(): Flow {
    yield* dnsLookup(sim, ws.iface, name);
    for (let i = 0; i < 20 && sim.net.now < sim.endUs; i++) {
      yield* tlsSession(sim, ws.iface, ext, 443, name, 180 + sim.rng.below(40), 90 + sim.rng.below(40));
      yield 54e6 + sim.rng.below(12e6);
    }
  }
  sim.spawn(at, run(), () => done());
};

export const ATTACKS: Record<string, AttackFn> = {
  'port-scan': portScan,
  'smb-worm': smbWorm,
  'dicom-exfiltration': dicomExfil,
  'hl7-rogue-destination': hl7Rogue,
  'arp-spoofing': arpSpoof,
  'rogue-dhcp': rogueDhcp,
  'brute-force': bruteForce,
  'c2-beaconing': c2Beacon,
};
