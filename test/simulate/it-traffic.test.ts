/**
 * The simulator's IT protocols (src/simulate/workflows-it.ts) read back by Vigil and by tshark: SMB dialects
 * and NTLM versions, IPv6 addresses bound to the right MAC, DICOM C-MOVE with relayed C-STOREs.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyzeCommand } from '../../src/cli/analyze-command.js';
import { deviceReports, type DeviceReport } from '../../src/inventory/device-report.js';
import type { CatalogueEntry } from '../../src/simulate/catalogue.js';
import { defaultKnowledgeDir, loadCatalogue, loadTopology, simulate, type SimulateResult, type TruthDevice } from '../../src/simulate/index.js';
import { siteFile } from '../../src/simulate/site-file.js';
import { InventoryStore } from '../../src/store/inventory-store.js';

const tsharkProbe = spawnSync('tshark', ['-v'], { encoding: 'utf8' });
const haveTshark = !tsharkProbe.error && tsharkProbe.status === 0;
if (!haveTshark) console.warn('it-traffic.test: tshark not found, skipping the tshark cross-checks');

const SMB1_DIALECTS = ['PC NETWORK PROGRAM 1.0', 'LANMAN1.0', 'Windows for Workgroups 3.1a', 'LM1.2X002', 'LANMAN2.1', 'NT LM 0.12'];

let dir: string;
let capture: string;
let run: SimulateResult;
let reports: DeviceReport[];
/** Vigil's observations per device MAC: key -> values. */
const facts = new Map<string, Map<string, Set<string>>>();
const entries = new Map<string, CatalogueEntry>();

function entryOf(d: TruthDevice): CatalogueEntry {
  const e = entries.get(d.id.replace(/-\d+$/, ''));
  if (!e) throw new Error(`no catalogue entry for ${d.id}`);
  return e;
}
function factsOf(d: TruthDevice, key: string): string[] {
  return [...(facts.get(d.macs[0])?.get(key) ?? [])].sort();
}
const ran = (w: string) => run.truth.devices.filter((d) => d.workflows.includes(w));
const byId = (id: string) => run.truth.devices.find((d) => d.id === id)!;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vigil-it-'));
  capture = join(dir, 'it.pcapng');
  run = simulate({ seed: 31, devices: 150, duration: 1800, out: capture, truth: join(dir, 'it.truth.json'), imageScale: 0.1 });
  const k = defaultKnowledgeDir();
  for (const e of loadCatalogue(k, loadTopology(k))) entries.set(e.id, e);
  const db = join(dir, 'it.db');
  writeFileSync(join(dir, 'site.yaml'), siteFile(run.truth));
  await analyzeCommand([capture], { db, quiet: true, site: join(dir, 'site.yaml') });
  const store = await InventoryStore.open(db);
  try {
    reports = await deviceReports(store, { detail: true });
    const macOf = new Map(reports.map((r) => [r.id, r.mac]));
    const rows = await store.db.selectFrom('observations').selectAll().where((eb) => eb.or([eb('key', 'like', 'smb.%'), eb('key', 'like', 'dicom.%'), eb('key', 'like', 'tcp.%')])).execute();
    for (const o of rows) {
      const mac = macOf.get(Number(o.device_id));
      if (!mac) continue;
      const v = JSON.parse(String(o.value)) as unknown;
      const text = Array.isArray(v) ? JSON.stringify(v) : String(v);
      let m = facts.get(mac);
      if (!m) facts.set(mac, (m = new Map()));
      if (!m.has(o.key)) m.set(o.key, new Set());
      m.get(o.key)!.add(text);
    }
  } finally {
    await store.close();
  }
}, 120_000);

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** What a client offers and what the server picks, from the two catalogue profiles (MS-SMB2 §3.3.5.3). */
function expectedSmb(client: CatalogueEntry, server: CatalogueEntry): { offered: string[]; chosen: string[] } {
  const c = client.smb!, s = server.smb!;
  if (c.smb1 === 'only') return { offered: [JSON.stringify(SMB1_DIALECTS)], chosen: ['NT LM 0.12'] };
  const order = ['2.0.2', '2.1', '3.0', '3.0.2', '3.1.1'];
  const best = order.filter((d) => c.dialects.includes(d) && s.dialects.includes(d)).pop()!;
  const offered = [JSON.stringify(c.dialects)];
  if (c.smb1 === 'offer') return { offered: [...offered, JSON.stringify([...SMB1_DIALECTS, 'SMB 2.002', 'SMB 2.???'])].sort(), chosen: best === '2.0.2' ? [best] : ['2.???', best].sort() };
  return { offered, chosen: [best] };
}

describe('simulated SMB read by Vigil', () => {
  it('maps shares from Windows 10, 11, 7 and 7 Embedded hosts', () => {
    const os = new Set(ran('smb').map((d) => entryOf(d).smb!.ntVersion));
    expect([...os].sort()).toEqual(['10.0.19045', '10.0.22631', '6.1.7601']);
    expect(ran('smb').filter((d) => d.hazards.includes('windows-7')).length).toBeGreaterThanOrEqual(3);
  });

  it('gives each client the NTLM version, dialects and shares its profile says', () => {
    for (const d of ran('smb')) {
      const e = entryOf(d);
      const spec = e.workflows.find((w) => w.type === 'smb')!;
      const server = byId(d.talksTo.find((t) => t.workflow === 'smb')!.device);
      const addr = server.ips[0];
      expect(factsOf(d, 'smb.ntlm.os_version'), d.id).toEqual([e.smb!.ntVersion]);
      expect(factsOf(d, 'smb.ntlm.workstation'), d.id).toEqual([d.hostname.toUpperCase()]);
      expect(factsOf(d, 'smb.dialects_offered'), d.id).toEqual(expectedSmb(e, entryOf(server)).offered);
      expect(factsOf(d, 'smb.share'), d.id).toEqual([`\\\\${addr}\\IPC$`, `\\\\${addr}\\${spec.share}`].sort());
      expect(factsOf(d, 'smb.v1'), d.id).toEqual(e.smb!.smb1 === 'only' ? ['true'] : []);
    }
  });

  it('gives each server the dialects it chose and its own NTLM version and name', () => {
    const servers = new Map<string, Set<string>>();
    for (const d of ran('smb')) {
      const server = byId(d.talksTo.find((t) => t.workflow === 'smb')!.device);
      const set = servers.get(server.id) ?? new Set<string>();
      for (const x of expectedSmb(entryOf(d), entryOf(server)).chosen) set.add(x);
      servers.set(server.id, set);
    }
    expect(servers.size).toBeGreaterThanOrEqual(2);
    for (const [id, chosen] of servers) {
      const s = byId(id);
      expect(factsOf(s, 'smb.dialect'), id).toEqual([...chosen].sort());
      expect(factsOf(s, 'smb.ntlm.os_version'), id).toEqual([entryOf(s).smb!.ntVersion]);
      expect(factsOf(s, 'smb.ntlm.nb_computer'), id).toEqual([s.hostname.toUpperCase()]);
    }
  });

  it('names Windows 7 as the OS of every Windows 7 host that mapped a share', () => {
    const w7 = ran('smb').filter((d) => d.hazards.includes('windows-7'));
    const byMac = new Map(reports.map((r) => [r.mac, r]));
    // The risk model's end-of-life pattern (knowledge/risk/risk-model.json) must match what the inventory says.
    for (const d of w7) expect(byMac.get(d.macs[0])?.os ?? '', d.id).toMatch(/windows (xp|vista|7|2000|nt)/i);
  });
});

describe('simulated IPv6 read by Vigil', () => {
  it('binds every IPv6 address of the truth to its own device, and only there', () => {
    const v6 = run.truth.devices.filter((d) => d.ips.some((ip) => ip.includes(':')));
    expect(v6.length).toBeGreaterThan(20);
    expect(new Set(v6.map((d) => d.category))).toEqual(new Set(['workstation', 'server', 'printer', 'network']));
    const owner = new Map<string, number[]>();
    for (const r of reports) for (const a of r.addresses ?? []) if (a.kind === 'ip' && a.value.includes(':')) owner.set(a.value, [...(owner.get(a.value) ?? []), r.id]);
    const byMac = new Map(reports.map((r) => [r.mac, r]));
    for (const d of v6.filter((x) => x.id !== 'core-router')) {
      const r = byMac.get(d.macs[0]);
      expect(r, d.id).toBeDefined();
      const want = d.ips.filter((ip) => ip.includes(':')).sort();
      const got = (r!.addresses ?? []).filter((a) => a.kind === 'ip' && a.value.includes(':')).map((a) => a.value).sort();
      expect(got, d.id).toEqual(want);
      for (const ip of want) expect(owner.get(ip), ip).toEqual([r!.id]);
    }
    // Every IPv6 address Vigil holds is one the truth lists.
    const listed = new Set(run.truth.devices.flatMap((d) => d.ips));
    expect([...owner.keys()].filter((ip) => !listed.has(ip))).toEqual([]);
  });
});

describe('simulated DICOM C-MOVE read by Vigil', () => {
  it('sees the reading workstations move studies and the PACS relay images made by modalities', () => {
    const movers = ran('dicom-move');
    expect(movers.length).toBeGreaterThanOrEqual(1);
    const pacs = run.truth.devices.find((d) => d.role === 'pacs')!;
    for (const d of movers) expect(factsOf(d, 'dicom.command'), d.id).toEqual(expect.arrayContaining(['C-FIND-RQ', 'C-MOVE-RQ']));
    const modalities = new Set([...entries.values()].flatMap((e) => (e.dicom?.modality ? [e.dicom.modality] : [])));
    const relayed = factsOf(pacs, 'dicom.relayed_modality');
    expect(relayed.length).toBeGreaterThan(0);
    for (const m of relayed) expect(modalities.has(m), m).toBe(true);
    const makers = new Set([...entries.values()].flatMap((e) => (e.dicom?.manufacturer ? [e.dicom.manufacturer] : [])));
    for (const m of factsOf(pacs, 'dicom.relayed_manufacturer')) expect(makers.has(m), m).toBe(true);
    // Relayed images are not taken as the PACS's own make.
    expect(factsOf(pacs, 'dicom.manufacturer')).toEqual([]);
  });
});

describe.skipIf(!haveTshark)('simulated IT protocols against tshark', () => {
  const ts = (args: string[]): string[] => {
    const r = spawnSync('tshark', ['-n', '-r', capture, ...args], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
    if (r.status !== 0) throw new Error(`tshark failed: ${r.stderr}`);
    return r.stdout.split('\n').filter(Boolean);
  };
  const ipToMac = () => new Map(run.truth.devices.flatMap((d) => d.ips.map((ip) => [ip, d.macs[0]] as const)));

  it('finds no malformed packets, bad checksums or expert errors', () => {
    expect(ts(['-o', 'ip.check_checksum:TRUE', '-o', 'tcp.check_checksum:TRUE', '-o', 'udp.check_checksum:TRUE',
      '-Y', '_ws.malformed || _ws.expert.severity >= error || ip.checksum.status == 0 || tcp.checksum.status == 0 || udp.checksum.status == 0 || icmpv6.checksum.status == 0'])).toEqual([]);
  });

  it('agrees with Vigil on NTLM versions, SMB dialects and shares', () => {
    const macs = ipToMac();
    const ntlm = new Map<string, Set<string>>();
    for (const l of ts(['-Y', 'ntlmssp.version.major', '-T', 'fields', '-e', 'ip.src', '-e', 'ntlmssp.version.major', '-e', 'ntlmssp.version.minor', '-e', 'ntlmssp.version.build_number'])) {
      const [ip, a, b, c] = l.split('\t');
      const mac = macs.get(ip)!;
      ntlm.set(mac, (ntlm.get(mac) ?? new Set()).add(`${a}.${b}.${c}`));
    }
    expect(ntlm.size).toBeGreaterThan(5);
    for (const [mac, v] of ntlm) expect([...(facts.get(mac)?.get('smb.ntlm.os_version') ?? [])].sort(), mac).toEqual([...v].sort());
    const dialectName: Record<string, string> = { '0x0202': '2.0.2', '0x0210': '2.1', '0x0300': '3.0', '0x0302': '3.0.2', '0x0311': '3.1.1', '0x02ff': '2.???' };
    const chosen = new Map<string, Set<string>>();
    for (const l of ts(['-Y', 'smb2.cmd == 0 && smb2.flags.response == 1', '-T', 'fields', '-e', 'ip.src', '-e', 'smb2.dialect'])) {
      const [ip, d] = l.split('\t');
      const mac = macs.get(ip)!;
      chosen.set(mac, (chosen.get(mac) ?? new Set()).add(dialectName[d] ?? d));
    }
    // SMB1 negotiate responses carry the index of the chosen dialect in the client's list.
    for (const l of ts(['-Y', 'smb.cmd == 0x72 && smb.flags.response == 1 && smb.dialect.index', '-T', 'fields', '-e', 'ip.src', '-e', 'smb.dialect.index'])) {
      const [ip, i] = l.split('\t');
      const mac = macs.get(ip)!;
      chosen.set(mac, (chosen.get(mac) ?? new Set()).add(SMB1_DIALECTS[Number(i)]));
    }
    expect(chosen.size).toBeGreaterThanOrEqual(2);
    for (const [mac, v] of chosen) expect([...(facts.get(mac)?.get('smb.dialect') ?? [])].sort(), mac).toEqual([...v].sort());
    const shares = new Map<string, Set<string>>();
    for (const l of ts(['-Y', '(smb2.cmd == 3 && smb2.flags.response == 0) || (smb.cmd == 0x75 && smb.flags.response == 0)', '-T', 'fields', '-e', 'ip.src', '-e', 'smb2.tree', '-e', 'smb.path'])) {
      const [ip, a, b] = l.split('\t');
      const mac = macs.get(ip)!;
      // tshark lists the paths it has tracked for the session too: the request's own is the last.
      shares.set(mac, (shares.get(mac) ?? new Set()).add((a || b).split(',').pop()!));
    }
    for (const [mac, v] of shares) expect([...(facts.get(mac)?.get('smb.share') ?? [])].sort(), mac).toEqual([...v].sort());
  });

  it('binds the same IPv6 addresses to the same MACs as neighbour discovery does in tshark', () => {
    const pairs = new Set<string>();
    // Solicitations with a source link-layer option bind their source; advertisements bind their target.
    for (const l of ts(['-Y', 'icmpv6.type == 135 && icmpv6.opt.linkaddr && !(ipv6.src == ::)', '-T', 'fields', '-e', 'ipv6.src', '-e', 'icmpv6.opt.linkaddr'])) pairs.add(l);
    for (const l of ts(['-Y', 'icmpv6.type == 136', '-T', 'fields', '-e', 'icmpv6.nd.na.target_address', '-e', 'icmpv6.opt.linkaddr'])) pairs.add(l);
    const truthPairs = new Set(run.truth.devices.flatMap((d) => d.ips.filter((ip) => ip.includes(':')).flatMap((ip) => (ip === 'fe80::1' ? [] : [`${ip}\t${d.macs[0]}`]))));
    const fromDevices = [...pairs].filter((p) => !p.startsWith('fe80::1\t'));
    expect(new Set(fromDevices)).toEqual(truthPairs);
  });

  it('sees each C-MOVE answered by a relayed association from the PACS', () => {
    const rows = ts(['-Y', 'dicom', '-T', 'fields', '-e', 'tcp.stream', '-e', 'ip.src', '-e', 'ip.dst', '-e', '_ws.col.Info']);
    const moves = rows.filter((l) => l.includes('C-MOVE-RQ ID'));
    const pacsIp = run.truth.devices.find((d) => d.role === 'pacs')!.ips[0];
    const movers = new Set(moves.map((l) => l.split('\t')[1]));
    // Each mover receives C-STOREs from the PACS on their own association.
    const storesTo = new Set(rows.filter((l) => l.includes('C-STORE-RQ') && l.split('\t')[1] === pacsIp).map((l) => l.split('\t')[2]));
    for (const ip of movers) expect(storesTo.has(ip), ip).toBe(true);
    const macs = ipToMac();
    const vigilMovers = [...facts].filter(([, m]) => m.get('dicom.command')?.has('C-MOVE-RQ')).map(([mac]) => mac).sort();
    expect(vigilMovers).toEqual([...movers].map((ip) => macs.get(ip)!).sort());
  });
});

describe('TCP stacks (src/simulate/net.ts) as p0f reads their SYNs', () => {
  it('Windows 7 hosts look like Windows 7, Windows 10 and 11 like the NT kernel, Linux servers like Linux 3.11+', () => {
    const clients = run.truth.devices.filter((d) => (facts.get(d.macs[0])?.get('tcp.syn_signature')?.size ?? 0) > 0);
    const osOf = (pattern: RegExp) => clients.filter((d) => pattern.test(entryOf(d).os));
    const w7 = osOf(/^Windows 7/);
    const w10 = osOf(/^Windows 1[01]/);
    const linux = osOf(/^Linux$/);
    expect(w7.length).toBeGreaterThan(0);
    expect(w10.length).toBeGreaterThan(0);
    expect(linux.length).toBeGreaterThan(0);
    for (const d of w7) expect(factsOf(d, 'tcp.os'), d.id).toEqual(['Windows 7 or 8']);
    for (const d of w10) expect(factsOf(d, 'tcp.os'), d.id).toEqual(['Windows NT kernel']);
    for (const d of linux) expect(factsOf(d, 'tcp.os'), d.id).toEqual(['Linux 3.11 and newer']);
    // Linux offers timestamps in its SYN; Windows does not.
    for (const d of linux) expect(factsOf(d, 'tcp.syn_signature')[0], d.id).toMatch(/:mss,sok,ts,nop,ws:/);
    for (const d of [...w7, ...w10]) expect(factsOf(d, 'tcp.syn_signature')[0], d.id).toMatch(/:mss,nop,ws,nop,nop,sok:/);
  });
});

