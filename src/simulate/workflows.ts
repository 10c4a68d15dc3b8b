/**
 * What each device sends. Every workflow is a generator (see net.ts Flow) started by the scheduler
 * at the rate its catalogue entry gives; it writes its packets through sim.net and yields gaps.
 */
import { ByteWriter, be16 } from './bytes.js';
import type { WorkflowSpec } from './catalogue.js';
import type { Device } from './hospital.js';
import { type Flow, type Iface, Tcp, nextPort } from './net.js';
import type { Patient } from './patients.js';
import {
  A_RELEASE_RP, A_RELEASE_RQ, LLDP_MULTICAST, lldp, nbnsQuery, nbnsRegistration, DHCP_ACK, DHCP_DISCOVER, DHCP_OFFER, DHCP_REQUEST, DATA_SET_PRESENT, DataSet, OID_SYSDESCR, OID_SYSNAME,
  OID_SYSOBJECTID, UID, aAssociateAc, aAssociateRq, command, dhcp, dnsQuery, dnsResponse, hl7Ack, hl7Timestamp, httpRequest,
  httpResponse, mllp, msh, ntpRequest, ntpResponse, pData, snmp, syslog, tlsAppData, tlsClientHello, tlsServerHello,
} from './protocols.js';
import type { Simulation, Target } from './simulator.js';
import { MEDICAL_WORKFLOWS } from './workflows-medical.js';
import { dicomMoveFlow, ipv6Flow, smbFlow } from './workflows-it.js';

export type WorkflowFn = (sim: Simulation, dev: Device, spec: WorkflowSpec) => Flow;

// ---------------------------------------------------------------------------------------------
// Building blocks shared with attacks.ts

export function* dnsLookup(sim: Simulation, client: Iface, name: string): Flow {
  const server = sim.dnsServerFor(client);
  const id = sim.rng.below(65536);
  const port = nextPort(client);
  sim.net.udp(client, server.iface, port, 53, dnsQuery(id, name));
  yield 300 + sim.rng.below(1500);
  const ip = sim.resolve(name);
  sim.net.udp(server.iface, client, 53, port, dnsResponse(id, name, ip === null ? [] : [ip]));
}

/** A TLS session: hellos in clear, then opaque records; `legacy` is a resumed TLS 1.2 handshake. */
export function* tlsSession(sim: Simulation, c: Iface, s: Iface, port: number, sni: string, reqBytes: number, rspBytes: number, legacy = false): Flow {
  const tcp = new Tcp(sim.net, c, s, nextPort(c), port, sim.rng, sim.rttFor(c, s));
  yield* tcp.open();
  yield 200;
  yield* tcp.send(0, tlsClientHello(sim.rng, sni, legacy), false);
  yield 1500;
  const ccs = Buffer.from([20, 3, 3, 0, 1, 1]);
  const fin = (): Buffer => {
    const b = Buffer.alloc(45);
    b[0] = 22;
    be16(b, 1, 0x0303);
    be16(b, 3, 40);
    sim.noise.copy(b, 5, sim.rng.below(sim.noise.length - 40));
    return b;
  };
  const sh = legacy ? Buffer.concat([tlsServerHello(sim.rng, false), ccs, fin()])
    : Buffer.concat([tlsServerHello(sim.rng, true), ccs, tlsAppData(sim.noise, sim.rng, 2800 + sim.rng.below(1500))]);
  yield* tcp.send(1, sh);
  yield 800;
  const cfin = legacy ? Buffer.concat([ccs, fin()]) : tlsAppData(sim.noise, sim.rng, 74);
  yield* tcp.send(0, Buffer.concat([cfin, tlsAppData(sim.noise, sim.rng, reqBytes)]));
  yield 3000 + sim.rng.below(20000);
  yield* tcp.send(1, tlsAppData(sim.noise, sim.rng, rspBytes));
  yield 2000;
  yield* tcp.close();
}

export function* httpSession(sim: Simulation, c: Iface, s: Iface, port: number, host: string, path: string, ua: string, status: number, body: string, server = 'Apache'): Flow {
  const tcp = new Tcp(sim.net, c, s, nextPort(c), port, sim.rng, sim.rttFor(c, s));
  yield* tcp.open();
  yield 150;
  yield* tcp.exchange(httpRequest('GET', host, path, ua), httpResponse(status, server, body, body.startsWith('<') ? 'text/html' : 'application/json'), 3000);
  yield 500;
  yield* tcp.close();
}

// ---------------------------------------------------------------------------------------------
// HL7 v2 content

function hl7Message(sim: Simulation, type: string, h: { sendingApp: string; receivingApp: string }, p: Patient, us: number, dev: Device): { text: string; controlId: string } {
  const fac = sim.topo.site.hl7Facility;
  const controlId = `${h.sendingApp.slice(0, 4)}${sim.nextControlId++}`;
  const head = msh({ sendingApp: h.sendingApp, sendingFacility: fac, receivingApp: h.receivingApp, receivingFacility: fac, type, controlId, version: '2.5.1' }, us);
  const ts = hl7Timestamp(us);
  const pid = `PID|1||${p.mrn}^^^${fac}^MR||${p.family}^${p.given}||${p.dob}|${p.sex}`;
  const pv1 = `PV1|1|I|${p.ward}^${p.bed}^1^${fac}`;
  const [ev] = [type.split('^')[0]];
  const seg: string[] = [head];
  if (ev === 'ADT') {
    seg.push(`EVN|${type.split('^')[1]}|${ts}`, pid, pv1);
  } else if (ev === 'ORM') {
    const acc = `ACC${sim.rng.range(100000, 999999)}`;
    seg.push(pid, pv1, `ORC|NW|${acc}`, `OBR|1|${acc}||${sim.rng.pick(['71020^CHEST XRAY 2V^CPT', '74177^CT ABD PELVIS^CPT', '80053^CMP^CPT', '85025^CBC^CPT'])}|||${ts}`);
  } else if (ev === 'OUL') {
    const spm = `SPM|1|S${sim.rng.range(1000000, 9999999)}||BLD^Blood^HL70487`;
    seg.push(pid, spm, `OBR|1||${spm.split('|')[2]}|24323-8^Comprehensive metabolic panel^LN|||${ts}`);
    labObx(sim, seg, dev);
  } else {
    // ORU^R01: vitals from monitoring, lab results from the LIS, results from the engine.
    seg.push(pid, pv1);
    if (dev.entry.category === 'central-station') {
      seg.push(`OBR|1|||69837-9^Vital signs^LN|||${ts}`);
      const hr = sim.rng.range(55, 120), spo2 = sim.rng.range(89, 100), rr = sim.rng.range(10, 28);
      // The producing device goes in OBX-18 (Equipment Instance Identifier, EI); OBX-16 is a person (XCN).
      seg.push(`OBX|1|NM|8867-4^Heart rate^LN||${hr}|/min|||||F|||${ts}||||${dev.hostname}`);
      seg.push(`OBX|2|NM|59408-5^SpO2^LN||${spo2}|%|||||F|||${ts}||||${dev.hostname}`);
      seg.push(`OBX|3|NM|9279-1^Respiratory rate^LN||${rr}|/min|||||F|||${ts}||||${dev.hostname}`);
    } else {
      seg.push(`OBR|1|||24323-8^Comprehensive metabolic panel^LN|||${ts}`);
      labObx(sim, seg, dev);
    }
  }
  return { text: seg.join('\r') + '\r', controlId };
}

const LABS: [string, string, string, number, number][] = [
  ['2345-7', 'Glucose', 'mg/dL', 70, 105], ['2160-0', 'Creatinine', 'mg/dL', 0.6, 1.3], ['718-7', 'Hemoglobin', 'g/dL', 12, 16],
  ['6690-2', 'WBC', '10*3/uL', 4.5, 11], ['2951-2', 'Sodium', 'mmol/L', 136, 145], ['2823-3', 'Potassium', 'mmol/L', 3.5, 5.1],
];
function labObx(sim: Simulation, seg: string[], dev: Device): void {
  const n = sim.rng.range(2, 5);
  for (let i = 0; i < n; i++) {
    const [code, name, unit, lo, hi] = LABS[(i + sim.rng.below(6)) % LABS.length];
    const v = (lo + sim.rng.float() * (hi - lo) * 1.2).toFixed(1);
    seg.push(`OBX|${i + 1}|NM|${code}^${name}^LN||${v}|${unit}|${lo}-${hi}||||F|||||||${dev.hostname}`);
  }
}

export function* hl7Session(sim: Simulation, dev: Device, to: Iface, port: number, sendingApp: string, receivingApp: string, types: string[], count: number): Flow {
  const c = dev.iface;
  const tcp = new Tcp(sim.net, c, to, nextPort(c), port, sim.rng, sim.rttFor(c, to));
  yield* tcp.open();
  for (let i = 0; i < count; i++) {
    yield 300;
    const type = sim.rng.pick(types);
    const m = hl7Message(sim, type, { sendingApp, receivingApp }, sim.patient(), sim.net.now, dev);
    const header = { sendingApp, sendingFacility: sim.topo.site.hl7Facility, receivingApp, receivingFacility: sim.topo.site.hl7Facility, type, controlId: m.controlId, version: '2.5.1' };
    sim.recordHl7(type, sendingApp);
    yield* tcp.exchange(mllp(m.text), mllp(hl7Ack(header, sim.net.now + 2000, `ACK${sim.nextControlId++}`)), 2000 + sim.rng.below(8000));
  }
  yield 1000;
  yield* tcp.close();
}

// ---------------------------------------------------------------------------------------------
// DICOM

export function dicomUid(sim: Simulation): string {
  // 2.25 root: a UID derived from a UUID-sized random integer (PS3.5 B.2), no registered root needed.
  return `2.25.${1 + sim.rng.below(9)}${String(sim.rng.u32()).padStart(10, '0')}${String(sim.rng.u32()).padStart(10, '0')}${String(sim.rng.u32()).padStart(10, '0')}`;
}

function cEchoRq(id: number): Buffer {
  return command((d) => d.str(0, 0x0002, UID.verification, true).us(0, 0x0100, 0x0030).us(0, 0x0110, id).us(0, 0x0800, 0x0101));
}
function cEchoRsp(id: number): Buffer {
  return command((d) => d.str(0, 0x0002, UID.verification, true).us(0, 0x0100, 0x8030).us(0, 0x0120, id).us(0, 0x0800, 0x0101).us(0, 0x0900, 0));
}

export interface StoreImage { sopClass: string; sopInstance: string; dataset: Buffer }

export function syntheticImage(sim: Simulation, dev: Device, p: Patient, study: string, series: string, num: number, accession: string): StoreImage {
  const dc = dev.entry.dicom!;
  const sopInstance = dicomUid(sim);
  const bytes = dc.imageBytes ?? 32768;
  const side = Math.max(16, Math.floor(Math.sqrt(bytes / 2)));
  const pix = side * side * 2;
  const date = hl7Timestamp(sim.net.now);
  const d = new DataSet(pix + 1024)
    .str(0x0008, 0x0016, dc.sopClass!, true)
    .str(0x0008, 0x0018, sopInstance, true)
    .str(0x0008, 0x0020, date.slice(0, 8))
    .str(0x0008, 0x0030, date.slice(8, 14))
    .str(0x0008, 0x0050, accession)
    .str(0x0008, 0x0060, dc.modality!)
    .str(0x0008, 0x0070, dc.manufacturer ?? dev.entry.vendor)
    .str(0x0008, 0x0080, sim.topo.site.name.slice(0, 64))
    .str(0x0008, 0x1010, dev.hostname.slice(0, 16))
    .str(0x0008, 0x1090, dev.entry.model.slice(0, 64))
    .str(0x0010, 0x0010, `${p.family}^${p.given}`)
    .str(0x0010, 0x0020, p.mrn)
    .str(0x0010, 0x0030, p.dob)
    .str(0x0010, 0x0040, p.sex)
    .str(0x0018, 0x1000, dev.serial)
    .str(0x0018, 0x1020, dev.firmware.slice(0, 64))
    .str(0x0020, 0x000d, study, true)
    .str(0x0020, 0x000e, series, true)
    .str(0x0020, 0x0013, String(num))
    .us(0x0028, 0x0002, 1)
    .str(0x0028, 0x0004, 'MONOCHROME2')
    .us(0x0028, 0x0010, side)
    .us(0x0028, 0x0011, side)
    .us(0x0028, 0x0100, 16)
    .us(0x0028, 0x0101, 12)
    .us(0x0028, 0x0102, 11)
    .us(0x0028, 0x0103, 0)
    .head(0x7fe0, 0x0010, pix);
  const off = sim.rng.below(sim.noise.length - pix);
  d.bytes(sim.noise.subarray(off, off + pix));
  return { sopClass: dc.sopClass!, sopInstance, dataset: d.done() };
}

/** One association: A-ASSOCIATE, optional C-ECHO, C-STORE of each image, A-RELEASE. */
export function* dicomStoreSession(sim: Simulation, c: Iface, callingAe: string, implUid: string, implVer: string, s: Iface, port: number,
  calledAe: string, serverImpl: [string, string], images: StoreImage[], echo: boolean, moveOriginator?: { ae: string; id: number }): Flow {
  const tcp = new Tcp(sim.net, c, s, nextPort(c), port, sim.rng, sim.rttFor(c, s));
  yield* tcp.open();
  const sop = images[0]?.sopClass ?? UID.verification;
  const assoc = { calledAe, callingAe, abstractSyntaxes: [UID.verification, sop], implClassUid: implUid, implVersion: implVer, maxPdu: 16384 };
  sim.recordDicom(callingAe, calledAe);
  yield 200;
  yield* tcp.exchange(aAssociateRq(assoc), aAssociateAc(assoc, serverImpl[0], serverImpl[1]), 4000);
  let id = 1;
  if (echo) {
    yield 500;
    yield* tcp.exchange(pData(1, cEchoRq(id), true, 16384), pData(1, cEchoRsp(id), true, 16384), 1500);
    id++;
  }
  for (const img of images) {
    yield 800;
    const cmd = command((d) => {
      d.str(0, 0x0002, img.sopClass, true).us(0, 0x0100, 0x0001).us(0, 0x0110, id).us(0, 0x0700, 0).us(0, 0x0800, DATA_SET_PRESENT).str(0, 0x1000, img.sopInstance, true);
      // A C-MOVE sub-operation names the AE and message that asked for it (PS3.7 9.1.1.1).
      if (moveOriginator) d.str(0, 0x1030, moveOriginator.ae).us(0, 0x1031, moveOriginator.id);
    });
    const rsp = command((d) => d.str(0, 0x0002, img.sopClass, true).us(0, 0x0100, 0x8001).us(0, 0x0120, id).us(0, 0x0800, 0x0101)
      .us(0, 0x0900, 0).str(0, 0x1000, img.sopInstance, true));
    // Command and data set PDUs go out as separate writes, as DCMTK and most SCUs do.
    yield* tcp.send(0, pData(3, cmd, true, 16384), false);
    yield 40;
    yield* tcp.send(0, pData(3, img.dataset, false, 16384));
    yield 3000 + sim.rng.below(10000);
    yield* tcp.send(1, pData(3, rsp, true, 16384));
    id++;
  }
  yield 500;
  yield* tcp.exchange(A_RELEASE_RQ, A_RELEASE_RP, 800);
  yield 300;
  yield* tcp.close();
}

function* dicomStore(sim: Simulation, dev: Device, spec: WorkflowSpec): Flow {
  const t = sim.target(dev, spec.to!);
  const pacs = t.device!;
  const dc = dev.entry.dicom!;
  const p = sim.patient();
  const [lo, hi] = dc.images ?? [1, 4];
  const n = Math.max(1, Math.round(sim.rng.range(lo, hi) * sim.imageScale));
  const study = dicomUid(sim), series = dicomUid(sim), acc = `ACC${sim.rng.range(100000, 999999)}`;
  const images: StoreImage[] = [];
  for (let i = 0; i < n; i++) images.push(syntheticImage(sim, dev, p, study, series, i + 1, acc));
  const pd = pacs.entry.dicom!;
  yield* dicomStoreSession(sim, dev.iface, dev.aeTitle!, dc.implClassUid, dc.implVersion, pacs.iface, 104, pacs.aeTitle!, [pd.implClassUid, pd.implVersion], images, sim.rng.chance(0.4));
}

function* dicomWorklist(sim: Simulation, dev: Device, spec: WorkflowSpec): Flow {
  const ris = sim.target(dev, spec.to!).device!;
  const dc = dev.entry.dicom!;
  const rd = ris.entry.dicom!;
  const c = dev.iface;
  const tcp = new Tcp(sim.net, c, ris.iface, nextPort(c), 4006, sim.rng, sim.rttFor(c, ris.iface));
  yield* tcp.open();
  const assoc = { calledAe: ris.aeTitle!, callingAe: dev.aeTitle!, abstractSyntaxes: [UID.mwlFind], implClassUid: dc.implClassUid, implVersion: dc.implVersion, maxPdu: 16384 };
  sim.recordDicom(dev.aeTitle!, ris.aeTitle!);
  yield 200;
  yield* tcp.exchange(aAssociateRq(assoc), aAssociateAc(assoc, rd.implClassUid, rd.implVersion), 3000);
  const date = hl7Timestamp(sim.net.now).slice(0, 8);
  const spsItem = (mod: string, ae: string, extra: (d: DataSet) => void): Buffer => {
    const d = new DataSet().str(0x0008, 0x0060, mod).str(0x0040, 0x0001, ae).str(0x0040, 0x0002, date);
    extra(d);
    const inner = d.done();
    const w = new ByteWriter(inner.length + 24);
    w.u16le(0x0040).u16le(0x0100).u32le(inner.length + 8).u16le(0xfffe).u16le(0xe000).u32le(inner.length).bytes(inner);
    return w.done();
  };
  const query = Buffer.concat([new DataSet().str(0x0008, 0x0050, '').str(0x0010, 0x0010, '').str(0x0010, 0x0020, '').str(0x0020, 0x000d, '', true).done(),
    spsItem(dc.modality!, dev.aeTitle!, () => undefined)]);
  const rq = command((d) => d.str(0, 0x0002, UID.mwlFind, true).us(0, 0x0100, 0x0020).us(0, 0x0110, 1).us(0, 0x0700, 0).us(0, 0x0800, DATA_SET_PRESENT));
  yield 300;
  yield* tcp.send(0, Buffer.concat([pData(1, rq, true, 16384), pData(1, query, false, 16384)]));
  yield 5000;
  const parts: Buffer[] = [];
  const hits = sim.rng.range(1, 5);
  for (let i = 0; i < hits; i++) {
    const p = sim.patient();
    const rsp = command((d) => d.str(0, 0x0002, UID.mwlFind, true).us(0, 0x0100, 0x8020).us(0, 0x0120, 1).us(0, 0x0800, DATA_SET_PRESENT).us(0, 0x0900, 0xff00));
    const ds = Buffer.concat([new DataSet().str(0x0008, 0x0050, `ACC${sim.rng.range(100000, 999999)}`).str(0x0010, 0x0010, `${p.family}^${p.given}`)
      .str(0x0010, 0x0020, p.mrn).str(0x0020, 0x000d, dicomUid(sim), true).done(), spsItem(dc.modality!, dev.aeTitle!, () => undefined)]);
    parts.push(pData(1, rsp, true, 16384), pData(1, ds, false, 16384));
  }
  parts.push(pData(1, command((d) => d.str(0, 0x0002, UID.mwlFind, true).us(0, 0x0100, 0x8020).us(0, 0x0120, 1).us(0, 0x0800, 0x0101).us(0, 0x0900, 0)), true, 16384));
  yield* tcp.send(1, Buffer.concat(parts));
  yield 400;
  yield* tcp.exchange(A_RELEASE_RQ, A_RELEASE_RP, 800);
  yield 300;
  yield* tcp.close();
}

// ---------------------------------------------------------------------------------------------
// Infrastructure protocols

/** DORA (RFC 2131 4.4.1) through the VLAN's relay: the gateway forwards replies as server 67 -> client 68. */
export function* dhcpDora(sim: Simulation, dev: Device, offerFrom?: { iface: Iface; serverId: number; router: number }): Flow {
  const c = dev.iface;
  const h = dev.entry.dhcp!;
  const zn = sim.nets.get(dev.zone.id)!;
  const xid = sim.rng.u32();
  const server = sim.dhcpServer.iface.ip;
  const base = { xid, mac: c.mac, hostname: h.sendHostname ? dev.hostname : undefined, vendorClass: h.vendorClass, paramList: h.paramList, maxSize: h.maxSize, clientId: h.clientId };
  sim.net.udp(c, null, 68, 67, dhcp({ op: 1, type: DHCP_DISCOVER, ...base }), { srcIp: 0, dstIp: 0xffffffff });
  yield 2000 + sim.rng.below(3000);
  const lease = { mask: c.mask, router: zn.gateway.ip, dns: sim.dnsServers.map((d) => d.iface.ip), domain: sim.topo.site.domain, ntp: sim.ntpServers[0]?.iface.ip, lease: 86400 };
  const offer = { op: 2 as const, xid, mac: c.mac, yiaddr: c.ip, giaddr: zn.gateway.ip, ...lease };
  sim.net.udp(zn.gateway, c, 67, 68, dhcp({ ...offer, type: DHCP_OFFER, serverId: server }), { dstMac: c.mac });
  let chosen = server;
  if (offerFrom) {
    yield 400;
    sim.net.udp(offerFrom.iface, c, 67, 68, dhcp({ ...offer, type: DHCP_OFFER, serverId: offerFrom.serverId, router: offerFrom.router, giaddr: 0, dns: [offerFrom.router] }),
      { dstMac: c.mac, srcIp: offerFrom.serverId });
    if (sim.rng.chance(0.5)) chosen = offerFrom.serverId;
  }
  yield 1000 + sim.rng.below(2000);
  sim.net.udp(c, null, 68, 67, dhcp({ op: 1, type: DHCP_REQUEST, ...base, requestedIp: c.ip, serverId: chosen }), { srcIp: 0, dstIp: 0xffffffff });
  yield 2000 + sim.rng.below(2000);
  if (chosen === server) {
    sim.net.udp(zn.gateway, c, 67, 68, dhcp({ ...offer, type: DHCP_ACK, serverId: server }), { dstMac: c.mac });
  } else {
    sim.net.udp(offerFrom!.iface, c, 67, 68, dhcp({ ...offer, type: DHCP_ACK, serverId: offerFrom!.serverId, router: offerFrom!.router, giaddr: 0, dns: [offerFrom!.router] }),
      { dstMac: c.mac, srcIp: offerFrom!.serverId });
  }
  yield 1000;
  // RFC 5227 ARP probe for the new address (sender IP 0).
  sim.net.arp(c, 1, c.mac, 0, null, c.ip);
}

function* dhcpFlow(sim: Simulation, dev: Device): Flow {
  const c = dev.iface;
  if (!sim.leased.has(dev.id)) {
    sim.leased.add(dev.id);
    yield* dhcpDora(sim, dev);
    return;
  }
  // Renewal at T1: unicast REQUEST with ciaddr, straight to the server (RFC 2131 4.4.5).
  const h = dev.entry.dhcp!;
  const xid = sim.rng.u32();
  const srv = sim.dhcpServer.iface;
  sim.net.udp(c, srv, 68, 67, dhcp({ op: 1, type: DHCP_REQUEST, xid, mac: c.mac, ciaddr: c.ip, hostname: h.sendHostname ? dev.hostname : undefined, vendorClass: h.vendorClass, paramList: h.paramList, clientId: h.clientId }));
  yield 1500;
  sim.net.udp(srv, c, 67, 68, dhcp({ op: 2, type: DHCP_ACK, xid, mac: c.mac, ciaddr: c.ip, yiaddr: c.ip, serverId: srv.ip, mask: c.mask, router: sim.nets.get(dev.zone.id)!.gateway.ip, dns: sim.dnsServers.map((d) => d.iface.ip), domain: sim.topo.site.domain, lease: 86400 }));
}

function* dnsFlow(sim: Simulation, dev: Device, spec: WorkflowSpec): Flow {
  yield* dnsLookup(sim, dev.iface, sim.rng.pick(spec.names ?? [dev.fqdn]));
}

function* ntpFlow(sim: Simulation, dev: Device, spec: WorkflowSpec): Flow {
  const t = sim.target(dev, spec.to ?? 'role:ntp');
  const c = dev.iface;
  const req = ntpRequest(sim.net.now, dev.entry.ttl === 128 ? 3 : 4);
  const port = dev.entry.ttl === 128 ? 123 : nextPort(c);
  sim.net.udp(c, t.iface, port, 123, req);
  yield sim.rttFor(c, t.iface);
  sim.net.udp(t.iface, c, 123, port, ntpResponse(req, sim.net.now, 0x7f7f0101));
}

function* syslogFlow(sim: Simulation, dev: Device, spec: WorkflowSpec): Flow {
  const t = sim.target(dev, spec.to ?? 'role:syslog');
  const msg = sim.rng.pick(spec.messages ?? ['heartbeat']);
  sim.net.udp(dev.iface, t.iface, 514, 514, syslog(sim.net.now, 16 + sim.rng.below(2), msg.includes('alarm') || msg.includes('-3-') ? 3 : 6, dev.hostname, dev.entry.os.split(' ')[0].toLowerCase(), msg));
  yield 1;
}

function* snmpFlow(sim: Simulation, dev: Device, spec: WorkflowSpec): Flow {
  const nms = sim.byRole('nms')[0];
  const id = sim.rng.below(0x7fffffff);
  const port = nextPort(nms.iface);
  const oids = [OID_SYSDESCR, OID_SYSOBJECTID, OID_SYSNAME];
  sim.net.udp(nms.iface, dev.iface, port, 161, snmp(spec.community!, 0xa0, id, oids.map((o) => [o, null])));
  yield 800 + sim.rng.below(3000);
  sim.net.udp(dev.iface, nms.iface, 161, port, snmp(spec.community!, 0xa2, id, [[OID_SYSDESCR, spec.sysDescr!], [OID_SYSOBJECTID, `oid:${spec.sysObjectId}`], [OID_SYSNAME, dev.hostname]]));
}

function* httpsFlow(sim: Simulation, dev: Device, spec: WorkflowSpec): Flow {
  const t = sim.target(dev, spec.to!);
  if (sim.rng.chance(0.3)) {
    yield* dnsLookup(sim, dev.iface, t.name);
    yield 500;
  }
  const bytes = spec.bytes ?? 4000;
  yield* tlsSession(sim, dev.iface, t.iface, 443, t.name, 300 + sim.rng.below(900), Math.round(bytes * (0.5 + sim.rng.float())), spec.legacyTls);
}

function* httpFlow(sim: Simulation, dev: Device, spec: WorkflowSpec): Flow {
  const t = sim.target(dev, spec.to!);
  const ua = spec.userAgent ?? dev.entry.userAgent ?? 'curl/7.29.0';
  yield* httpSession(sim, dev.iface, t.iface, 80, t.name, (spec.path ?? '/') + (sim.rng.below(900) + 100), ua, 200,
    JSON.stringify({ status: 'ok', server: t.name, seq: sim.rng.below(100000) }), t.device?.entry.os.startsWith('Windows') ? 'Microsoft-IIS/10.0' : 'Apache');
}

function* hl7Flow(sim: Simulation, dev: Device, spec: WorkflowSpec): Flow {
  const t = sim.target(dev, spec.to!);
  yield* hl7Session(sim, dev, t.iface, spec.port ?? 2575, spec.sendingApp ?? dev.hostname, spec.receivingApp ?? 'HL7', spec.messages!, sim.rng.range(1, 3));
}

function* rdpFlow(sim: Simulation, dev: Device, spec: WorkflowSpec): Flow {
  const t = sim.target(dev, spec.to!);
  const c = dev.iface;
  const tcp = new Tcp(sim.net, c, t.iface, nextPort(c), 3389, sim.rng, sim.rttFor(c, t.iface));
  yield* tcp.open();
  // TPKT + X.224 Connection Request with the routing cookie and an RDP Negotiation Request (MS-RDPBCGR 2.2.1.1).
  const user = `u${sim.rng.range(10000, 99999)}`;
  const cookie = `Cookie: mstshash=${user}\r\n`;
  const cr = new ByteWriter(64).u8(3).u8(0).u16(0).u8(6 + cookie.length + 8).u8(0xe0).u16(0).u16(0).u8(0).text(cookie)
    .u8(1).u8(0).u16le(8).u32le(3).done();
  be16(cr, 2, cr.length);
  const cc = new ByteWriter(32).u8(3).u8(0).u16(19).u8(14).u8(0xd0).u16(0).u16(0x1234).u8(0).u8(2).u8(0).u16le(8).u32le(2).done();
  yield* tcp.exchange(cr, cc, 2000);
  yield 500;
  yield* tcp.exchange(tlsClientHello(sim.rng, t.name), Buffer.concat([tlsServerHello(sim.rng, true), Buffer.from([20, 3, 3, 0, 1, 1]), tlsAppData(sim.noise, sim.rng, 1200)]), 2000);
  for (let i = 0; i < sim.rng.range(3, 10); i++) {
    yield 50000 + sim.rng.below(200000);
    // Records sized to one segment (1455 + 5 = MSS): Wireshark's TPKT heuristic on 3389 would
    // otherwise misread record continuations that happen to start with 0x03 0x00.
    yield* tcp.exchange(tlsAppData(sim.noise, sim.rng, 60 + sim.rng.below(200)), tlsAppData(sim.noise, sim.rng, 2000 + sim.rng.below(12000), 1455), 5000);
  }
  yield* tcp.close();
}

function* printFlow(sim: Simulation, dev: Device, spec: WorkflowSpec): Flow {
  const printers = sim.byRole(spec.to!.slice(5));
  if (!printers.length) return;
  const pr = sim.rng.pick(printers);
  const c = dev.iface;
  const tcp = new Tcp(sim.net, c, pr.iface, nextPort(c), 9100, sim.rng, sim.rttFor(c, pr.iface));
  yield* tcp.open();
  const head = Buffer.from(`\x1b%-12345X@PJL JOB NAME="doc${sim.rng.below(100000)}"\r\n@PJL SET RESOLUTION=600\r\n@PJL ENTER LANGUAGE=PCL\r\n`, 'latin1');
  const n = 4000 + sim.rng.below(30000);
  const off = sim.rng.below(sim.noise.length - n);
  yield* tcp.send(0, Buffer.concat([head, sim.noise.subarray(off, off + n), Buffer.from('\x1b%-12345X@PJL EOJ\r\n\x1b%-12345X', 'latin1')]));
  yield 20000;
  yield* tcp.close();
}

function* sipFlow(sim: Simulation, dev: Device, spec: WorkflowSpec): Flow {
  const t = sim.target(dev, spec.to!);
  const c = dev.iface;
  const ip = sim.ipText(c.ip), sip = sim.ipText(t.iface.ip);
  const ext = 4000 + (dev.n % 1000);
  const branch = `z9hG4bK${sim.rng.u32().toString(16)}`, callId = `${sim.rng.u32().toString(16)}@${ip}`, tag = sim.rng.u32().toString(16);
  const ua = dev.entry.userAgent ?? dev.entry.model;
  const reg = `REGISTER sip:${sip} SIP/2.0\r\nVia: SIP/2.0/UDP ${ip}:5060;branch=${branch};rport\r\nFrom: <sip:${ext}@${sip}>;tag=${tag}\r\n` +
    `To: <sip:${ext}@${sip}>\r\nCall-ID: ${callId}\r\nCSeq: ${sim.rng.range(1, 9000)} REGISTER\r\nContact: <sip:${ext}@${ip}:5060>\r\n` +
    `Max-Forwards: 70\r\nUser-Agent: ${ua}\r\nExpires: 3600\r\nContent-Length: 0\r\n\r\n`;
  sim.net.udp(c, t.iface, 5060, 5060, Buffer.from(reg, 'latin1'));
  yield 4000;
  const ok = reg.replace(/^REGISTER [^\r]+/, 'SIP/2.0 200 OK').replace(`To: <sip:${ext}@${sip}>`, `To: <sip:${ext}@${sip}>;tag=${sim.rng.u32().toString(16)}`)
    .replace(/User-Agent: [^\r]+/, 'Server: Cisco-CUCM14.0');
  sim.net.udp(t.iface, c, 5060, 5060, Buffer.from(ok, 'latin1'));
}

/** BACnet/IP (ASHRAE 135 Annex J) I-Am as an Original-Broadcast-NPDU; sometimes a Who-Is first. */
function* bacnetFlow(sim: Simulation, dev: Device): Flow {
  const b = dev.entry.bacnet!;
  const c = dev.iface;
  const zn = sim.nets.get(dev.zone.id)!;
  const bvlc = (apdu: number[]): Buffer => {
    const npdu = [0x01, 0x00, ...apdu];
    return Buffer.from([0x81, 0x0b, 0, npdu.length + 4, ...npdu]);
  };
  if (sim.rng.chance(0.2)) {
    sim.net.udp(c, null, 47808, 47808, bvlc([0x10, 0x08]), { dstIp: zn.broadcast, dstMac: Uint8Array.of(255, 255, 255, 255, 255, 255) });
    yield 20000;
  }
  const inst = b.instanceBase + dev.n;
  const oid = ((8 << 22) | inst) >>> 0;
  const iam = [0x10, 0x00, 0xc4, oid >>> 24, (oid >>> 16) & 255, (oid >>> 8) & 255, oid & 255, 0x22, 0x05, 0xc4, 0x91, 0x03, 0x21, b.vendorId];
  sim.net.udp(c, null, 47808, 47808, bvlc(iam), { dstIp: zn.broadcast, dstMac: Uint8Array.of(255, 255, 255, 255, 255, 255) });
}

function* heartbeatFlow(sim: Simulation, dev: Device, spec: WorkflowSpec): Flow {
  const t = sim.target(dev, spec.to!);
  const c = dev.iface;
  const tcp = new Tcp(sim.net, c, t.iface, nextPort(c), spec.port ?? 3001, sim.rng, sim.rttFor(c, t.iface));
  yield* tcp.open();
  const n = spec.bytes ?? 64;
  const off = sim.rng.below(sim.noise.length - n);
  yield* tcp.exchange(sim.noise.subarray(off, off + n), sim.noise.subarray(off + n, off + n + 16), 1000);
  yield* tcp.close();
}

function* udpStreamFlow(sim: Simulation, dev: Device, spec: WorkflowSpec): Flow {
  const t = sim.target(dev, spec.to!);
  const n = spec.bytes ?? 200;
  const off = sim.rng.below(sim.noise.length - n);
  const port = spec.port ?? 24000;
  // A vendor frame header (0x56 0x02, sequence number) before the samples: random leading bytes make
  // Wireshark's heuristic dissectors (RTCP, CLTP, classic STUN) claim the datagram and call it malformed.
  const b = Buffer.allocUnsafe(n);
  sim.noise.copy(b, 0, off, off + n);
  b[0] = 0x56;
  b[1] = 0x02;
  be16(b, 2, dev.sentPackets++ & 0xffff);
  sim.net.udp(dev.iface, t.iface, port, port, b);
  yield 1;
}

export function telnetServerIntro(name: string): Buffer {
  // IAC DO TERMINAL-TYPE, DO TSPEED, DO XDISPLOC, DO NEW-ENVIRON, WILL ECHO, WILL SUPPRESS-GO-AHEAD (RFC 854/857/858)
  return Buffer.concat([Buffer.from([255, 253, 24, 255, 253, 32, 255, 253, 35, 255, 253, 39, 255, 251, 1, 255, 251, 3]), Buffer.from(`\r\n${name} login: `, 'latin1')]);
}
const TELNET_CLIENT_REPLY = Buffer.from([255, 252, 24, 255, 252, 32, 255, 252, 35, 255, 252, 39, 255, 253, 1, 255, 253, 3]);

export function* telnetLogin(sim: Simulation, c: Iface, s: Iface, name: string, user: string, pass: string, ok: boolean, commands: string[]): Flow {
  const tcp = new Tcp(sim.net, c, s, nextPort(c), 23, sim.rng, sim.rttFor(c, s));
  yield* tcp.open();
  yield 2000;
  yield* tcp.send(1, telnetServerIntro(name));
  yield 3000;
  yield* tcp.send(0, TELNET_CLIENT_REPLY);
  yield 200000 + sim.rng.below(300000);
  yield* tcp.exchange(Buffer.from(`${user}\r\n`), Buffer.from(`${user}\r\nPassword: `), 1500);
  yield 150000 + sim.rng.below(300000);
  yield* tcp.exchange(Buffer.from(`${pass}\r\n`), Buffer.from(ok ? `\r\nLantronix EDS4100 Version V4.3.0.0R7\r\n${name}> ` : '\r\nLogin incorrect\r\n'), 800000);
  for (const cmd of ok ? commands : []) {
    yield 1_000_000 + sim.rng.below(3_000_000);
    yield* tcp.exchange(Buffer.from(`${cmd}\r\n`), Buffer.from(`${cmd}\r\nPort 1: 9600,8,N,1 connected (analyzer)\r\n${name}> `), 20000);
  }
  yield 500000;
  yield* tcp.close(!ok);
}

function* telnetFlow(sim: Simulation, dev: Device, spec: WorkflowSpec): Flow {
  const t = sim.target(dev, spec.to!);
  yield* telnetLogin(sim, dev.iface, t.iface, t.device!.hostname, 'admin', 'Lab2019!', true, ['show port 1', 'show status']);
}

function* teamviewerFlow(sim: Simulation, dev: Device): Flow {
  const t = sim.target(dev, 'router1.teamviewer.com');
  const c = dev.iface;
  const tcp = new Tcp(sim.net, c, t.iface, nextPort(c), 5938, sim.rng, sim.rttFor(c, t.iface));
  yield* tcp.open();
  // TeamViewer frames start with the 0x17 0x24 magic followed by a command byte.
  const frame = (cmd: number, n: number): Buffer => {
    const b = Buffer.alloc(5 + n);
    b[0] = 0x17;
    b[1] = 0x24;
    b[2] = cmd;
    be16(b, 3, n);
    sim.noise.copy(b, 5, sim.rng.below(sim.noise.length - n), undefined);
    return b;
  };
  yield* tcp.exchange(frame(0x0a, 40), frame(0x0b, 60), 30000);
  for (let i = 0; i < sim.rng.range(1, 4); i++) {
    yield 500000;
    yield* tcp.exchange(frame(0x2a, 24), frame(0x2b, 24), 20000);
  }
  yield* tcp.close();
}

/** Internet scanners (Shodan-style) reaching a device that the firewall publishes. */
function* inboundScanFlow(sim: Simulation, dev: Device): Flow {
  const scanner = sim.scannerIface();
  const body = `<html><head><title>Metasys - ${dev.hostname}</title></head><body>Metasys Site Management Portal login</body></html>`;
  yield* httpSession(sim, scanner, dev.iface, 80, sim.ipText(dev.iface.ip), '/', 'Mozilla/5.0 zgrab/0.x', 200, body, 'Microsoft-IIS/10.0');
}

function* lldpFlow(sim: Simulation, dev: Device, spec: WorkflowSpec): Flow {
  const descr = spec.sysDescr ?? `${dev.entry.vendor} ${dev.entry.model} ${dev.firmware}`;
  sim.net.raw(dev.iface.mac, LLDP_MULTICAST, 0x88cc, lldp(dev.iface.mac, `Te1/1/${1 + (dev.n % 4)}`, 120, dev.hostname, descr, dev.iface.ip));
  yield 1;
}

/**
 * ASTM E1381 (low level) carrying E1394 records, analyzer to LIS: ENQ/ACK, one record per frame
 * <STX>FN text<CR><ETX>C1C2<CR><LF> with the modulo-256 checksum in hex, each ACKed, then EOT.
 * Results are keyed by sample id only, as analyzers commonly send them (no patient name).
 */
function* astmFlow(sim: Simulation, dev: Device, spec: WorkflowSpec): Flow {
  const t = sim.target(dev, spec.to!);
  const c = dev.iface;
  const tcp = new Tcp(sim.net, c, t.iface, nextPort(c), spec.port ?? 5000, sim.rng, sim.rttFor(c, t.iface));
  yield* tcp.open();
  const ts = hl7Timestamp(sim.net.now);
  const sample = `S${sim.rng.range(1000000, 9999999)}`;
  const records = [
    `H|\\^&|||${dev.entry.model}^${dev.firmware}^${dev.serial}^^^^${dev.hostname}||||||||E1394-97`,
    `P|1`,
    `O|1|${sample}||^^^CBC|R|${ts}|||||N||||||||||||||F`,
  ];
  const tests: [string, string, number, number][] = [['WBC', '10*3/uL', 4, 11], ['RBC', '10*6/uL', 4, 6], ['HGB', 'g/dL', 12, 17], ['PLT', '10*3/uL', 150, 400]];
  tests.forEach(([name, unit, lo, hi], i) => records.push(`R|${i + 1}|^^^${name}^1|${(lo + sim.rng.float() * (hi - lo)).toFixed(1)}|${unit}||N||||||${ts}`));
  records.push('L|1|N');
  const ACKB = Buffer.from([0x06]);
  yield* tcp.send(0, Buffer.from([0x05]), false);
  yield 2000;
  yield* tcp.send(1, ACKB);
  for (let i = 0; i < records.length; i++) {
    const body = `${(i + 1) % 8}${records[i]}\r\x03`;
    let sum = 0;
    for (let k = 0; k < body.length; k++) sum = (sum + body.charCodeAt(k)) & 255;
    const frame = Buffer.from(`\x02${body}${sum.toString(16).toUpperCase().padStart(2, '0')}\r\n`, 'latin1');
    yield 1000;
    yield* tcp.send(0, frame, false);
    yield 3000;
    yield* tcp.send(1, ACKB);
  }
  yield 1000;
  yield* tcp.send(0, Buffer.from([0x04]));
  yield 1000;
  yield* tcp.close();
}

/** Windows announces its NetBIOS name at boot and broadcasts queries for names DNS did not resolve (WPAD). */
function* netbiosFlow(sim: Simulation, dev: Device): Flow {
  const c = dev.iface;
  const zn = sim.nets.get(dev.zone.id)!;
  const bcast = { dstIp: zn.broadcast, dstMac: Uint8Array.of(255, 255, 255, 255, 255, 255) };
  if (!sim.nbRegistered.has(dev.id)) {
    sim.nbRegistered.add(dev.id);
    const id = sim.rng.below(65536);
    for (let i = 0; i < 3; i++) {
      sim.net.udp(c, null, 137, 137, nbnsRegistration(id, dev.hostname, c.ip), bcast);
      yield 750000;
    }
    return;
  }
  const id = sim.rng.below(65536);
  for (let i = 0; i < 3; i++) {
    sim.net.udp(c, null, 137, 137, nbnsQuery(id, 'WPAD'), bcast);
    yield 750000;
  }
}

export const WORKFLOWS: Record<string, WorkflowFn> = {
  netbios: netbiosFlow,
  astm: astmFlow,
  lldp: lldpFlow,
  dhcp: dhcpFlow,
  dns: dnsFlow,
  ntp: ntpFlow,
  syslog: syslogFlow,
  'snmp-agent': snmpFlow,
  https: httpsFlow,
  http: httpFlow,
  hl7: hl7Flow,
  'dicom-store': dicomStore,
  'dicom-worklist': dicomWorklist,
  rdp: rdpFlow,
  print: printFlow,
  sip: sipFlow,
  bacnet: bacnetFlow,
  'tcp-heartbeat': heartbeatFlow,
  'udp-stream': udpStreamFlow,
  telnet: telnetFlow,
  teamviewer: teamviewerFlow,
  'inbound-scan': inboundScanFlow,
  ...MEDICAL_WORKFLOWS,
  smb: smbFlow,
  ipv6: ipv6Flow,
  'dicom-move': dicomMoveFlow,
};

/** Workflows people drive: their rate follows the day/night rhythm. Machine chatter does not. */
export const CLINICAL = new Set(['https', 'http', 'hl7', 'dicom-store', 'dicom-worklist', 'dicom-move', 'rdp', 'print', 'telnet', 'poct1a', 'fhir']);
export type { Target };
