import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, cpSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCaptureFile } from '../../src/capture/capture-reader.js';
import { ATTACKS, CatalogueError, defaultKnowledgeDir, loadCatalogue, loadTopology, simulate, type SimulateResult } from '../../src/simulate/index.js';

const here = dirname(fileURLToPath(import.meta.url));
const OUI_CSV = join(here, '..', '..', '..', 'shared', 'knowledge', 'oui', 'debian-ieee-data', 'oui.csv');
const tshark = spawnSync('tshark', ['-v'], { encoding: 'utf8' });
const haveTshark = !tshark.error && tshark.status === 0;

const OPTS = { seed: 4242, devices: 120, duration: 1200, attacks: Object.keys(ATTACKS), imageScale: 0.25 };

let dir: string;
let run: SimulateResult;
let capture: string;
let truthPath: string;

function sha256(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

interface Frame { src: string; vlan: number; proto: number; sport: number; dport: number; payload: Buffer }

/** Minimal Ethernet/802.1Q/IPv4/TCP/UDP walk over our own pcapng, independent of Vigil's decoder. */
async function frames(path: string): Promise<{ count: number; list: Frame[] }> {
  const list: Frame[] = [];
  const r = await readCaptureFile(path, {
    packet(rec) {
      const b = Buffer.from(rec.buf.subarray(rec.offset, rec.offset + rec.caplen));
      const src = Array.from(b.subarray(6, 12), (x) => x.toString(16).padStart(2, '0')).join(':');
      let p = 12;
      let vlan = 0;
      let et = b.readUInt16BE(p);
      if (et === 0x8100) {
        vlan = b.readUInt16BE(p + 2) & 0xfff;
        p += 4;
        et = b.readUInt16BE(p);
      }
      p += 2;
      if (et !== 0x0800) {
        list.push({ src, vlan, proto: 0, sport: 0, dport: 0, payload: Buffer.alloc(0) });
        return;
      }
      const ihl = (b[p] & 15) * 4;
      const total = b.readUInt16BE(p + 2);
      const proto = b[p + 9];
      const l4 = p + ihl;
      let payload = Buffer.alloc(0), sport = 0, dport = 0;
      if (proto === 6 || proto === 17) {
        sport = b.readUInt16BE(l4);
        dport = b.readUInt16BE(l4 + 2);
        const hl = proto === 6 ? (b[l4 + 12] >> 4) * 4 : 8;
        payload = b.subarray(l4 + hl, p + total);
      }
      list.push({ src, vlan, proto, sport, dport, payload });
    },
  });
  return { count: r.packets, list };
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'vigil-sim-'));
  capture = join(dir, 'a.pcapng');
  truthPath = join(dir, 'a.json');
  run = simulate({ ...OPTS, out: capture, truth: truthPath });
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('vigil simulate', () => {
  it('is deterministic for a seed and differs across seeds', () => {
    const b = join(dir, 'b.pcapng');
    simulate({ ...OPTS, out: b, truth: join(dir, 'b.json') });
    expect(sha256(b)).toBe(sha256(capture));
    expect(sha256(join(dir, 'b.json'))).toBe(sha256(truthPath));
    const c = join(dir, 'c.pcapng');
    simulate({ ...OPTS, seed: 4243, out: c, truth: join(dir, 'c.json') });
    expect(sha256(c)).not.toBe(sha256(capture));
  });

  it('is read by Vigil with the same packet count', async () => {
    const f = await frames(capture);
    expect(f.count).toBe(run.packets);
    expect(run.truth.generator.packets).toBe(run.packets);
  });

  it('keeps VLAN tags and lists every MAC that sends in the truth file', async () => {
    const { list } = await frames(capture);
    const known = new Set(run.truth.devices.flatMap((d) => d.macs));
    const unknown = new Set(list.map((f) => f.src).filter((m) => !known.has(m)));
    expect([...unknown]).toEqual([]);
    const vlans = new Set(list.map((f) => f.vlan));
    for (const z of run.truth.zones) if (z.tagged && z.id !== 'edge') expect(vlans.has(z.vlan)).toBe(true);
    expect(vlans.has(0)).toBe(true);
    // every catalogue device sends something in 20 minutes (all have some periodic workflow)
    const senders = new Set(list.map((f) => f.src));
    const silent = run.truth.devices.filter((d) => !d.macs.some((m) => senders.has(m))).map((d) => d.id);
    expect(silent).toEqual([]);
  });

  it('labels every requested attack with a window and devices', () => {
    expect(run.truth.attacks.map((a) => a.type).sort()).toEqual(Object.keys(ATTACKS).sort());
    const ids = new Set(run.truth.devices.map((d) => d.id));
    for (const a of run.truth.attacks) {
      expect(Date.parse(a.end)).toBeGreaterThanOrEqual(Date.parse(a.start));
      for (const d of [...a.attackers, ...a.victims]) expect(ids.has(d)).toBe(true);
    }
    for (const h of ['windows-7', 'telnet', 'snmp-public', 'internet-reachable', 'remote-access-tool', 'guest-to-clinical', 'cleartext-hl7', 'cleartext-dicom']) {
      expect(run.truth.hazards.map((x) => x.type)).toContain(h);
    }
  });

  it('keeps synthetic patient names inside HL7, DICOM and FHIR payloads only', async () => {
    const { list } = await frames(capture);
    // FHIR (8080) Patient resources name the patient, as HL7 PID and DICOM (0010,0010) do.
    const clinicalPorts = new Set([2575, 6661, 6662, 6663, 104, 4006, 8080]);
    const names = run.patientNames;
    expect(names.length).toBeGreaterThan(50);
    let inside = 0;
    const leaks: string[] = [];
    for (const f of list) {
      if (f.payload.length < 7) continue;
      const text = f.payload.toString('latin1');
      const hit = names.find((n) => text.includes(n));
      if (!hit) continue;
      if (clinicalPorts.has(f.sport) || clinicalPorts.has(f.dport)) inside++;
      else leaks.push(`${hit} in ${f.proto}/${f.sport}->${f.dport}`);
    }
    expect(leaks).toEqual([]);
    expect(inside).toBeGreaterThan(0);
    const truthText = readFileSync(truthPath, 'utf8');
    expect(names.filter((n) => truthText.includes(n))).toEqual([]);
  });

  it('validates the catalogue with clear errors', () => {
    const k = join(dir, 'knowledge');
    mkdirSync(k);
    cpSync(defaultKnowledgeDir(), k, { recursive: true });
    const cat = JSON.parse(readFileSync(join(k, 'catalogue.json'), 'utf8'));
    cat.devices[3].zones = ['nowhere'];
    writeFileSync(join(k, 'catalogue.json'), JSON.stringify(cat));
    const topo = loadTopology(k);
    expect(() => loadCatalogue(k, topo)).toThrow(CatalogueError);
    expect(() => loadCatalogue(k, topo)).toThrow(/devices\[3\].*unknown zone "nowhere"/);
    cat.devices[3].zones = ['icu'];
    cat.devices[5].workflows.push({ type: 'carrier-pigeon' });
    writeFileSync(join(k, 'catalogue.json'), JSON.stringify(cat));
    expect(() => loadCatalogue(k, topo)).toThrow(/unknown type "carrier-pigeon"/);
    writeFileSync(join(k, 'catalogue.json'), '{"devices": [');
    expect(() => loadCatalogue(k, topo)).toThrow(/not valid JSON/);
  });

  it.skipIf(!existsSync(OUI_CSV))('uses each vendor\'s real IEEE OUI', () => {
    const reg = new Map<string, string>();
    for (const line of readFileSync(OUI_CSV, 'utf8').split('\n')) {
      const m = /^MA-L,([0-9A-F]{6}),("([^"]*)"|[^,]*)/.exec(line);
      if (m) reg.set(m[1], m[3] ?? m[2]);
    }
    const dirK = defaultKnowledgeDir();
    for (const e of loadCatalogue(dirK, loadTopology(dirK))) {
      const org = reg.get(e.oui.replace(/:/g, ''));
      expect(org, `${e.id} ${e.oui}`).toBeDefined();
      expect(org!.trim(), e.id).toBe(e.ouiOrganization.trim());
    }
  });
});

describe.skipIf(!haveTshark)('vigil simulate against tshark', () => {
  const ts = (args: string[]): string => {
    const r = spawnSync('tshark', ['-n', '-r', capture, ...args], { encoding: 'utf8', maxBuffer: 512 * 1024 * 1024 });
    if (r.status !== 0) throw new Error(`tshark failed: ${r.stderr}`);
    return r.stdout;
  };

  it('finds no malformed packets, bad checksums or expert errors', () => {
    const out = ts(['-o', 'ip.check_checksum:TRUE', '-o', 'tcp.check_checksum:TRUE', '-o', 'udp.check_checksum:TRUE',
      '-Y', '_ws.malformed || _ws.expert.severity >= error || ip.checksum.status == 0 || tcp.checksum.status == 0 || udp.checksum.status == 0']);
    expect(out).toBe('');
  });

  it('decodes the HL7 message types and DICOM AE titles the truth lists', () => {
    const hl7 = new Set(ts(['-Y', 'hl7', '-T', 'fields', '-e', 'hl7.message.type', '-e', 'hl7.event.type']).split('\n').filter(Boolean)
      .map((l) => l.replace('\t', '^')).filter((t) => !t.startsWith('ACK')));
    expect([...hl7].sort()).toEqual(Object.keys(run.truth.protocols.hl7MessageTypes).sort());
    const ae = new Set(ts(['-Y', 'dicom.assoc.ae.calling', '-T', 'fields', '-e', 'dicom.assoc.ae.calling', '-e', 'dicom.assoc.ae.called']).split(/\s+/).filter(Boolean));
    expect([...ae].sort()).toEqual(run.truth.protocols.dicomAeTitles);
  });

  it('sees each device\'s DHCP and NetBIOS hostname', () => {
    const rows = ts(['-Y', 'dhcp.option.dhcp == 1', '-T', 'fields', '-e', 'eth.src', '-e', 'dhcp.option.hostname', '-e', 'dhcp.option.vendor_class_id']).split('\n').filter(Boolean);
    const byMac = new Map(run.truth.devices.map((d) => [d.macs[0], d]));
    expect(rows.length).toBeGreaterThan(10);
    for (const r of rows) {
      const [mac, host] = r.split('\t');
      const d = byMac.get(mac);
      expect(d, mac).toBeDefined();
      if (host) expect(host).toBe(d!.hostname);
    }
    const nb = ts(['-Y', 'nbns.flags.opcode == 5', '-T', 'fields', '-e', 'eth.src', '-e', 'nbns.name']).split('\n').filter(Boolean);
    expect(nb.length).toBeGreaterThan(3);
    for (const r of nb) {
      const [mac, name] = r.split('\t');
      // nbns.name repeats for the additional record and may carry "(Workstation/Redirector)"
      expect(name.split(',')[0].replace(/<00>.*$/, '')).toBe(byMac.get(mac)!.hostname.toUpperCase());
    }
  });
});
