/**
 * IT protocols of the simulated hospital: Windows hosts mapping a share over SMB (NTLM authentication,
 * which states the OS version), IPv6 on the hosts that have it on (SLAAC, neighbour discovery, MLD, DHCPv6,
 * mDNS), and reading workstations retrieving studies from the PACS by DICOM C-MOVE. Registered in
 * workflows.ts WORKFLOWS.
 */
import { ipv6Text } from '../decode/address-text.js';
import type { SmbProfile, WorkflowSpec } from './catalogue.js';
import { ipText } from './bytes.js';
import type { Device, ZoneNet } from './hospital.js';
import {
  ALL_NODES, ALL_ROUTERS, DHCPV6_SERVERS, LLMNR_GROUP, MDNS_GROUP, MLDV2_ROUTERS, ROUTER_LL, UNSPECIFIED, dhcpv6Solicit, interfaceId,
  linkLocal, mdnsAnnouncement, mdnsQuery, mldv2Report, multicastMac, neighbourAdvertisement, neighbourSolicitation, routerAdvertisement,
  routerSolicitation, solicitedNode, udp6, ulaPrefix, withIid,
} from './ipv6.js';
import { type Flow, Tcp, nextPort } from './net.js';
import { A_RELEASE_RP, A_RELEASE_RQ, DATA_SET_PRESENT, DataSet, UID, aAssociateAc, aAssociateRq, command, pData } from './protocols.js';
import type { Simulation } from './simulator.js';
import {
  DIALECT_CODES, type NtlmServer, STATUS_MORE_PROCESSING_REQUIRED, STATUS_SUCCESS, type Smb1Ctx, type Smb2Ctx, ntlmAuthenticate, ntlmChallenge,
  ntlmNegotiate, smb1Bye, smb1NegotiateRequest, smb1NegotiateResponse, smb1ServerBlob, smb1SessionBlob, smb1SessionSetupRequest,
  smb1SessionSetupResponse, smb1TreeConnectRequest, smb1TreeConnectResponse, smb2Bye, smb2NegotiateRequest, smb2NegotiateResponse,
  smb2SessionSetupRequest, smb2SessionSetupResponse, smb2TreeConnectRequest, smb2TreeConnectResponse,
} from './smb-messages.js';
import { dicomStoreSession, dicomUid, syntheticImage, type StoreImage } from './workflows.js';

// ---------------------------------------------------------------------------------------------
// SMB

function randomBytes(sim: Simulation, n: number): Buffer {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i += 4) b.writeUInt32LE(sim.rng.u32(), i);
  return b;
}

function ntlmServer(sim: Simulation, server: Device, p: SmbProfile): NtlmServer {
  const domain = sim.topo.site.domain;
  return { nbDomain: domain.split('.')[0].toUpperCase().slice(0, 15), nbComputer: server.hostname.toUpperCase().slice(0, 15), dnsDomain: domain, dnsComputer: server.fqdn, nt: p.ntVersion };
}

/**
 * A Windows host maps `\\<server address>\<share>`: negotiate, NTLM session setup (a share mapped by address
 * cannot use Kerberos), tree connects to IPC$ and the share, a while connected, then disconnect and logoff.
 * The dialect follows both profiles: a host whose SMB2 client is disabled speaks SMB1 (NT LM 0.12); a
 * Windows 7 host opens with an SMB1 negotiate offering `SMB 2.???` and the server answers with SMB2.
 */
export function* smbFlow(sim: Simulation, dev: Device, spec: WorkflowSpec): Flow {
  const t = sim.target(dev, spec.to!);
  const server = t.device;
  const cp = dev.entry.smb, sp = server?.entry.smb;
  if (!server || !cp || !sp) throw new Error(`smb workflow of ${dev.id}: client and server need an "smb" profile`);
  const c = dev.iface, s = server.iface;
  const tcp = new Tcp(sim.net, c, s, nextPort(c), 445, sim.rng, sim.rttFor(c, s));
  yield* tcp.open();
  yield 300;
  const addr = ipText(s.ip);
  const client = {
    nt: cp.ntVersion, domain: ntlmServer(sim, server, sp).nbDomain, user: `u${10000 + sim.rng.below(90000)}`,
    workstation: dev.hostname.toUpperCase().slice(0, 15),
  };
  const srv = ntlmServer(sim, server, sp);
  const paths = [`\\\\${addr}\\IPC$`, `\\\\${addr}\\${spec.share}`];
  const think = () => 200 + sim.rng.below(600);
  if (cp.smb1 === 'only' || (cp.smb1 === 'offer' && sp.smb1 !== 'none' && !cp.dialects.some((d) => sp.dialects.includes(d)))) {
    yield* smb1Session(sim, tcp, cp, sp, client, srv, paths, think);
    return;
  }
  const common = cp.dialects.filter((d) => sp.dialects.includes(d)).map((d) => DIALECT_CODES[d]);
  const dialect = Math.max(...common);
  const ctx: Smb2Ctx = { messageId: 0, sessionId: 0n, treeId: 0, signed: false };
  const guid = randomBytes(sim, 16);
  const boot = sim.startUs - 86400e6 * (1 + (server.n % 20));
  // DCs require signing (the "Domain controller: LDAP/SMB signing" defaults); member servers only enable it.
  const signing = (server.entry.roles ?? []).includes('active-directory') || server.entry.role === 'domain-controller';
  if (cp.smb1 === 'offer') {
    const c1: Smb1Ctx = { pid: 0xfeff, mid: 0, uid: 0, tid: 0 };
    // MS-SMB2 §3.3.5.3.1: a server speaking 2.1 or later answers "SMB 2.???" with the wildcard revision.
    yield* tcp.exchange(smb1NegotiateRequest(c1, true), smb2NegotiateResponse(ctx, dialect > 0x0202 ? 0x02ff : 0x0202, guid, signing, sim.rng, sim.net.now, boot), think());
    ctx.messageId++;
    yield think();
    if (dialect === 0x0202) return yield* smb2Rest(sim, tcp, ctx, dialect, signing, client, srv, paths, think);
  }
  yield* tcp.exchange(smb2NegotiateRequest(ctx, cp.dialects, sim.rng, addr), smb2NegotiateResponse(ctx, dialect, guid, signing, sim.rng, sim.net.now, boot), think());
  ctx.messageId++;
  yield think();
  yield* smb2Rest(sim, tcp, ctx, dialect, signing, client, srv, paths, think);
}

function* smb2Rest(sim: Simulation, tcp: Tcp, ctx: Smb2Ctx, dialect: number, signing: boolean, client: Parameters<typeof ntlmAuthenticate>[0], srv: NtlmServer, paths: string[], think: () => number): Flow {
  void dialect;
  yield* tcp.exchange(smb2SessionSetupRequest(ctx, ntlmNegotiate(client.nt), true, sim.rng), (() => {
    ctx.sessionId = (BigInt(sim.rng.u32()) << 32n) | BigInt(sim.rng.u32());
    return smb2SessionSetupResponse(ctx, ntlmChallenge(srv, sim.rng, sim.net.now), STATUS_MORE_PROCESSING_REQUIRED, sim.rng);
  })(), think());
  ctx.messageId++;
  yield think();
  const spn = `cifs/${paths[0].split('\\')[2]}`;
  const auth = smb2SessionSetupRequest(ctx, ntlmAuthenticate(client, srv, spn, sim.rng, sim.net.now), false, sim.rng);
  ctx.signed = signing;
  yield* tcp.exchange(auth, smb2SessionSetupResponse(ctx, null, STATUS_SUCCESS, sim.rng), 2000 + think());
  ctx.messageId++;
  const trees: number[] = [];
  for (const path of paths) {
    yield think();
    ctx.treeId = 0;
    const rq = smb2TreeConnectRequest(ctx, path, sim.rng);
    ctx.treeId = 1 + sim.rng.below(0x7fff);
    trees.push(ctx.treeId);
    yield* tcp.exchange(rq, smb2TreeConnectResponse(ctx, path.endsWith('IPC$'), sim.rng), think());
    ctx.messageId++;
  }
  // Connected a while (the mapped drive in use), then the redirector lets go.
  yield 30e6 + sim.rng.below(90e6);
  for (const tree of trees.reverse()) {
    ctx.treeId = tree;
    yield* tcp.exchange(smb2Bye(ctx, false, false, sim.rng), smb2Bye(ctx, false, true, sim.rng), think());
    ctx.messageId++;
    yield 100;
  }
  ctx.treeId = 0;
  yield* tcp.exchange(smb2Bye(ctx, true, false, sim.rng), smb2Bye(ctx, true, true, sim.rng), think());
  yield 500;
  yield* tcp.close();
}

function* smb1Session(sim: Simulation, tcp: Tcp, cp: SmbProfile, sp: SmbProfile, client: Parameters<typeof ntlmAuthenticate>[0], srv: NtlmServer, paths: string[], think: () => number): Flow {
  const ctx: Smb1Ctx = { pid: 0xfeff, mid: 0, uid: 0, tid: 0xffff };
  const cOs = cp.nativeOs ?? 'Windows', cLm = cp.nativeLanMan ?? 'Windows';
  const sOs = sp.nativeOs ?? 'Windows', sLm = sp.nativeLanMan ?? 'Windows';
  yield* tcp.exchange(smb1NegotiateRequest(ctx, false), smb1NegotiateResponse(ctx, randomBytes(sim, 16), sim.net.now), think());
  ctx.mid++;
  yield think();
  const rq1 = smb1SessionSetupRequest(ctx, smb1SessionBlob(ntlmNegotiate(client.nt), true), cOs, cLm);
  ctx.uid = 0x800 + sim.rng.below(0x7000);
  yield* tcp.exchange(rq1, smb1SessionSetupResponse(ctx, smb1ServerBlob(ntlmChallenge(srv, sim.rng, sim.net.now)), STATUS_MORE_PROCESSING_REQUIRED, sOs, sLm), think());
  ctx.mid++;
  yield think();
  const spn = `cifs/${paths[0].split('\\')[2]}`;
  yield* tcp.exchange(smb1SessionSetupRequest(ctx, smb1SessionBlob(ntlmAuthenticate(client, srv, spn, sim.rng, sim.net.now), false), cOs, cLm),
    smb1SessionSetupResponse(ctx, smb1ServerBlob(null), STATUS_SUCCESS, sOs, sLm), 2000 + think());
  ctx.mid++;
  const trees: number[] = [];
  for (const path of paths) {
    yield think();
    ctx.tid = 0xffff;
    const rq = smb1TreeConnectRequest(ctx, path);
    ctx.tid = 0x800 + sim.rng.below(0x7000);
    trees.push(ctx.tid);
    yield* tcp.exchange(rq, smb1TreeConnectResponse(ctx), think());
    ctx.mid++;
  }
  yield 30e6 + sim.rng.below(90e6);
  for (const tree of trees.reverse()) {
    ctx.tid = tree;
    yield* tcp.exchange(smb1Bye(ctx, false, false), smb1Bye(ctx, false, true), think());
    ctx.mid++;
  }
  yield* tcp.exchange(smb1Bye(ctx, true, false), smb1Bye(ctx, true, true), think());
  yield 500;
  yield* tcp.close();
}

// ---------------------------------------------------------------------------------------------
// IPv6

interface V6State { booted: Set<string>; lastRa: Map<string, number> }
const v6State = new WeakMap<Simulation, V6State>();
function state(sim: Simulation): V6State {
  let s = v6State.get(sim);
  if (!s) v6State.set(sim, (s = { booted: new Set(), lastRa: new Map() }));
  return s;
}

/** A device's link-local and unique local (SLAAC) addresses; none when its catalogue entry has no `ipv6`. */
export function deviceIpv6(domain: string, dev: Device): { ll: Uint8Array; ula: Uint8Array } | null {
  const kind = dev.entry.ipv6;
  if (!kind) return null;
  const mac = dev.iface.mac;
  // Windows derives separate random identifiers per prefix; EUI-64 hosts reuse theirs.
  return { ll: linkLocal(interfaceId(kind, mac, `${dev.id}/ll`)), ula: withIid(ulaPrefix(domain, dev.zone.vlan), interfaceId(kind, mac, `${dev.id}/ula`)) };
}

export function deviceIpv6Text(domain: string, dev: Device): string[] {
  const a = deviceIpv6(domain, dev);
  return a ? [ipv6Text(a.ll, 0), ipv6Text(a.ula, 0)] : [];
}

function* routerAdvert(sim: Simulation, zn: ZoneNet): Flow {
  const gw = zn.gateway;
  sim.net.ip6(gw, multicastMac(ALL_NODES), ROUTER_LL, ALL_NODES, 58, 255, routerAdvertisement(gw.mac, ulaPrefix(sim.topo.site.domain, zn.zone.vlan)));
  state(sim).lastRa.set(zn.zone.id, sim.net.now);
  yield 1;
}

function isWindows(dev: Device): boolean {
  return dev.entry.os.startsWith('Windows');
}

function* dhcpv6(sim: Simulation, dev: Device, ll: Uint8Array): Flow {
  const c = dev.iface;
  const h = sim.rng.u32();
  const xid = h & 0xffffff;
  // DUID-LLT time: seconds since 2000-01-01 when Windows was installed (fixed per host).
  const duidTime = 0x1e000000 + (dev.n * 7919) % 0x1000000;
  const iaid = 0x0e000000 | (c.mac[3] << 16) | (c.mac[4] << 8) | c.mac[5];
  const fqdn = `${dev.hostname}.${sim.topo.site.domain}`;
  // Windows asks for configuration by DHCPv6 whatever the router advertises; nobody answers here, so it retries.
  for (let i = 0; i < 2; i++) {
    sim.net.ip6(c, multicastMac(DHCPV6_SERVERS), ll, DHCPV6_SERVERS, 17, 1, udp6(546, 547, dhcpv6Solicit(xid, c.mac, duidTime, iaid, fqdn, i * 108)));
    yield 1_080_000 + sim.rng.below(100_000);
  }
}

function* mdns(sim: Simulation, dev: Device, ll: Uint8Array, ula: Uint8Array): Flow {
  const c = dev.iface;
  if (dev.entry.category === 'printer') {
    const mac6 = Array.from(c.mac.subarray(3), (b) => b.toString(16).padStart(2, '0')).join('').toUpperCase();
    const ty = `${dev.entry.vendor} ${dev.entry.model}`;
    const body = mdnsAnnouncement('_ipp._tcp.local', `${ty} [${mac6}]`, `${dev.hostname}.local`, 631, ['txtvers=1', 'qtotal=1', 'rp=ipp/print', `ty=${ty}`, `product=(${ty})`, 'pdl=application/pdf,image/urf'], [ll, ula]);
    sim.net.ip6(c, multicastMac(MDNS_GROUP), ll, MDNS_GROUP, 17, 255, udp6(5353, 5353, body));
  } else if (isWindows(dev) && !dev.entry.os.startsWith('Windows 7')) {
    // Windows 10 and later browse for IPP printers over mDNS.
    sim.net.ip6(c, multicastMac(MDNS_GROUP), ll, MDNS_GROUP, 17, 255, udp6(5353, 5353, mdnsQuery('_ipp._tcp.local')));
  }
  yield 1;
}

/**
 * At the device's first run: duplicate address detection of its link-local address, an MLDv2 report
 * joining its groups, a router solicitation answered by the gateway's advertisement, detection of its SLAAC
 * address, then DHCPv6 (Windows) and mDNS. Every run then resolves neighbours with the router both ways
 * (what binds the addresses to the MAC); later runs add the periodic router advertisement, DHCPv6 retries
 * and mDNS.
 */
export function* ipv6Flow(sim: Simulation, dev: Device): Flow {
  const a = deviceIpv6(sim.topo.site.domain, dev);
  if (!a) return;
  const { ll, ula } = a;
  const c = dev.iface;
  const zn = sim.nets.get(dev.zone.id)!;
  const gw = zn.gateway;
  const st = state(sim);
  const booting = !st.booted.has(dev.id);
  if (booting) {
    st.booted.add(dev.id);
    sim.net.ip6(c, multicastMac(solicitedNode(ll)), UNSPECIFIED, solicitedNode(ll), 58, 255, neighbourSolicitation(ll, null));
    yield 1_000_000;
    const groups = [solicitedNode(ll), ...(ll[13] === ula[13] && ll[14] === ula[14] && ll[15] === ula[15] ? [] : [solicitedNode(ula)])];
    if (dev.entry.category === 'printer' || isWindows(dev)) groups.push(MDNS_GROUP);
    if (isWindows(dev)) groups.push(LLMNR_GROUP);
    sim.net.ip6(c, multicastMac(MLDV2_ROUTERS), ll, MLDV2_ROUTERS, 58, 1, mldv2Report(groups), true);
    yield 50_000 + sim.rng.below(200_000);
    sim.net.ip6(c, multicastMac(ALL_ROUTERS), ll, ALL_ROUTERS, 58, 255, routerSolicitation(c.mac));
    yield 2000 + sim.rng.below(5000);
    yield* routerAdvert(sim, zn);
    yield 5000;
    sim.net.ip6(c, multicastMac(solicitedNode(ula)), UNSPECIFIED, solicitedNode(ula), 58, 255, neighbourSolicitation(ula, null));
    yield 1_000_000;
    if (isWindows(dev)) yield* dhcpv6(sim, dev, ll);
    yield* mdns(sim, dev, ll, ula);
    yield 1_000_000 + sim.rng.below(20_000_000);
  } else if (sim.net.now - (st.lastRa.get(zn.zone.id) ?? 0) > 600e6) {
    yield* routerAdvert(sim, zn);
    yield 10_000;
  }
  const rtt = 200 + sim.rng.below(300);
  // The host resolves its default router, then the router resolves the host's SLAAC address.
  sim.net.ip6(c, multicastMac(solicitedNode(ROUTER_LL)), ll, solicitedNode(ROUTER_LL), 58, 255, neighbourSolicitation(ROUTER_LL, c.mac));
  yield rtt;
  sim.net.ip6(gw, c.mac, ROUTER_LL, ll, 58, 255, neighbourAdvertisement(ROUTER_LL, gw.mac, true, true));
  yield 20_000 + sim.rng.below(2_000_000);
  sim.net.ip6(gw, multicastMac(solicitedNode(ula)), ROUTER_LL, solicitedNode(ula), 58, 255, neighbourSolicitation(ula, gw.mac));
  yield rtt;
  sim.net.ip6(c, gw.mac, ula, ROUTER_LL, 58, 255, neighbourAdvertisement(ula, c.mac, false, true));
  yield 1000;
  if (!booting && isWindows(dev) && sim.rng.chance(0.3)) yield* dhcpv6(sim, dev, ll);
  if (!booting && sim.rng.chance(0.5)) yield* mdns(sim, dev, ll, ula);
}

// ---------------------------------------------------------------------------------------------
// DICOM C-MOVE

const STUDY_ROOT_MOVE = '1.2.840.10008.5.1.4.1.2.2.2';

/**
 * A reading workstation retrieves a study: an association to the PACS with a Study Root C-FIND (the
 * study's accession number) and a C-MOVE naming itself as destination; the PACS opens a second
 * association back to the workstation's SCP and C-STOREs the images, each command carrying the Move
 * Originator AE title and message id (PS3.4 C.4.2.2), answering the C-MOVE with pending then final status.
 */
export function* dicomMoveFlow(sim: Simulation, dev: Device, spec: WorkflowSpec): Flow {
  const pacs = sim.target(dev, spec.to!).device!;
  const dc = dev.entry.dicom!, pd = pacs.entry.dicom!;
  const c = dev.iface;
  const modalities = sim.devices.filter((d) => d.entry.dicom?.sopClass !== undefined);
  if (!modalities.length) return;
  const made = sim.rng.pick(modalities);
  const p = sim.patient();
  const [lo, hi] = made.entry.dicom!.images ?? [1, 4];
  const n = Math.max(1, Math.round(Math.min(hi, lo + 3) * sim.imageScale * sim.rng.float() + 0.5));
  const study = dicomUid(sim), series = dicomUid(sim), acc = `ACC${sim.rng.range(100000, 999999)}`;
  const images: StoreImage[] = [];
  for (let i = 0; i < n; i++) images.push(syntheticImage(sim, made, p, study, series, i + 1, acc));

  const tcp = new Tcp(sim.net, c, pacs.iface, nextPort(c), 104, sim.rng, sim.rttFor(c, pacs.iface));
  yield* tcp.open();
  const assoc = { calledAe: pacs.aeTitle!, callingAe: dev.aeTitle!, abstractSyntaxes: [UID.studyRootFind, STUDY_ROOT_MOVE], implClassUid: dc.implClassUid, implVersion: dc.implVersion, maxPdu: 16384 };
  sim.recordDicom(dev.aeTitle!, pacs.aeTitle!);
  yield 200;
  yield* tcp.exchange(aAssociateRq(assoc), aAssociateAc(assoc, pd.implClassUid, pd.implVersion), 3000);
  // C-FIND (pc 1) at STUDY level by accession number.
  const findRq = command((d) => d.str(0, 0x0002, UID.studyRootFind, true).us(0, 0x0100, 0x0020).us(0, 0x0110, 1).us(0, 0x0700, 0).us(0, 0x0800, DATA_SET_PRESENT));
  const query = new DataSet().str(0x0008, 0x0020, '').str(0x0008, 0x0050, acc).str(0x0008, 0x0052, 'STUDY').str(0x0008, 0x0061, '')
    .str(0x0010, 0x0010, '').str(0x0010, 0x0020, '').str(0x0020, 0x000d, '', true).done();
  const findRsp = (status: number) => command((d) => d.str(0, 0x0002, UID.studyRootFind, true).us(0, 0x0100, 0x8020).us(0, 0x0120, 1)
    .us(0, 0x0800, status === 0 ? 0x0101 : DATA_SET_PRESENT).us(0, 0x0900, status));
  const hit = new DataSet().str(0x0008, 0x0020, hl7Date(sim)).str(0x0008, 0x0050, acc).str(0x0008, 0x0052, 'STUDY').str(0x0008, 0x0061, made.entry.dicom!.modality ?? 'OT')
    .str(0x0010, 0x0010, `${p.family}^${p.given}`).str(0x0010, 0x0020, p.mrn).str(0x0020, 0x000d, study, true).done();
  yield 300;
  yield* tcp.send(0, Buffer.concat([pData(1, findRq, true, 16384), pData(1, query, false, 16384)]));
  yield 4000 + sim.rng.below(4000);
  yield* tcp.send(1, Buffer.concat([pData(1, findRsp(0xff00), true, 16384), pData(1, hit, false, 16384), pData(1, findRsp(0), true, 16384)]));
  yield 2_000_000 + sim.rng.below(8_000_000);
  // C-MOVE (pc 3) of the study to this workstation's own AE.
  const moveRq = command((d) => d.str(0, 0x0002, STUDY_ROOT_MOVE, true).us(0, 0x0100, 0x0021).us(0, 0x0110, 2).str(0, 0x0600, dev.aeTitle!)
    .us(0, 0x0700, 0).us(0, 0x0800, DATA_SET_PRESENT));
  const ident = new DataSet().str(0x0008, 0x0052, 'STUDY').str(0x0020, 0x000d, study, true).done();
  yield* tcp.send(0, Buffer.concat([pData(3, moveRq, true, 16384), pData(3, ident, false, 16384)]));
  const moveRsp = (status: number, remaining: number, done: number) => command((d) => {
    d.str(0, 0x0002, STUDY_ROOT_MOVE, true).us(0, 0x0100, 0x8021).us(0, 0x0120, 2).us(0, 0x0800, 0x0101).us(0, 0x0900, status);
    if (status === 0xff00) d.us(0, 0x1020, remaining);
    d.us(0, 0x1021, done).us(0, 0x1022, 0).us(0, 0x1023, 0);
  });
  yield 20_000;
  yield* tcp.send(1, pData(3, moveRsp(0xff00, n, 0), true, 16384));
  yield 5000;
  // The sub-operations: the PACS as SCU to the workstation's storage SCP. The PACS opens that association,
  // so the truth records the workstation among what the PACS talks to.
  pacs.talksTo.add(`${dev.id}\u0000dicom-move`);
  yield* dicomStoreSession(sim, pacs.iface, pacs.aeTitle!, pd.implClassUid, pd.implVersion, c, spec.port ?? 104, dev.aeTitle!, [dc.implClassUid, dc.implVersion], images, false, { ae: dev.aeTitle!, id: 2 });
  yield 3000;
  yield* tcp.send(1, pData(3, moveRsp(0x0000, 0, n), true, 16384));
  yield 500;
  yield* tcp.exchange(A_RELEASE_RQ, A_RELEASE_RP, 800);
  yield 300;
  yield* tcp.close();
}

function hl7Date(sim: Simulation): string {
  const d = new Date(sim.net.now / 1000 - 86400e3 * sim.rng.below(400));
  return `${d.getUTCFullYear()}${String(d.getUTCMonth() + 1).padStart(2, '0')}${String(d.getUTCDate()).padStart(2, '0')}`;
}
