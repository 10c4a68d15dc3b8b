/**
 * The simulator's medical protocols (src/simulate/workflows-medical.ts) read back by Vigil's own
 * dissectors and inventory, and by tshark where it has a dissector: IntelliVue Data Export (no tshark
 * dissector: Vigil's reading is checked against the truth file only), WS-Discovery for SDC (tshark's
 * XML heuristic), POCT1-A (tshark's XML dissector on the data manager's port) and FHIR over HTTP.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyzeCommand } from '../../src/cli/analyze-command.js';
import { canonicalVendor } from '../../src/inventory/vendor-names.js';
import { defaultKnowledgeDir, loadCatalogue, loadTopology, simulate, type SimulateResult, type TruthDevice } from '../../src/simulate/index.js';
import { siteFile } from '../../src/simulate/site-file.js';
import { SDC_TYPES } from '../../src/simulate/workflows-medical.js';
import { InventoryStore } from '../../src/store/inventory-store.js';

const tsharkCheck = spawnSync('tshark', ['-v'], { stdio: 'ignore' });
const haveTshark = !tsharkCheck.error && tsharkCheck.status === 0;
if (!haveTshark) console.info('medical-traffic: skipping the tshark comparisons: tshark is not installed');

const OPTS = { seed: 31, devices: 80, duration: 1500, imageScale: 0.05 };
const POCT_PORT = 7021;

let dir: string;
let run: SimulateResult;
let capture: string;
/** Per MAC: Vigil's inventory row and its observations (key -> values, JSON-decoded). */
const seen = new Map<string, { vendor: string | null; model: string | null; serial: string | null; facts: Map<string, unknown[]> }>();

const catalogue = (() => {
  const k = defaultKnowledgeDir();
  return new Map(loadCatalogue(k, loadTopology(k)).map((e) => [e.id, e]));
})();

function withWorkflow(w: string): TruthDevice[] {
  return run.truth.devices.filter((d) => d.workflows.includes(w));
}
function entryOf(d: TruthDevice) {
  return catalogue.get(d.id.replace(/-\d{3}$/, ''))!;
}
function facts(d: TruthDevice): Map<string, unknown[]> {
  const s = seen.get(d.macs[0]);
  expect(s, `${d.id} is in the inventory`).toBeDefined();
  return s!.facts;
}
/** Every value of `key` on a device, flattened (list values such as sdc.types stay lists). */
const values = (d: TruthDevice, key: string): unknown[] => facts(d).get(key) ?? [];
const strings = (d: TruthDevice, key: string): string[] => values(d, key).map(String).sort();
const byId = (id: string): TruthDevice => run.truth.devices.find((d) => d.id === id)!;
const peers = (d: TruthDevice, w: string): TruthDevice[] => d.talksTo.filter((t) => t.workflow === w).map((t) => byId(t.device));

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vigil-sim-medical-'));
  capture = join(dir, 'h.pcapng');
  run = simulate({ ...OPTS, out: capture, truth: join(dir, 'h.truth.json') });
  writeFileSync(join(dir, 'site.yaml'), siteFile(run.truth));
  await analyzeCommand([capture], { db: join(dir, 'vigil.db'), site: join(dir, 'site.yaml'), quiet: true, detect: false });
  const store = await InventoryStore.open(join(dir, 'vigil.db'));
  try {
    const devices = await store.devices();
    const obs = await store.observationsOf(devices.map((d) => Number(d.id)));
    const byDevice = new Map<number, Map<string, unknown[]>>();
    for (const o of obs) {
      let m = byDevice.get(Number(o.device_id));
      if (!m) byDevice.set(Number(o.device_id), (m = new Map()));
      if (!m.has(o.key)) m.set(o.key, []);
      m.get(o.key)!.push(JSON.parse(o.value));
    }
    for (const d of devices) if (d.mac) seen.set(d.mac, { vendor: d.vendor, model: d.model, serial: d.serial, facts: byDevice.get(Number(d.id)) ?? new Map() });
  } finally {
    await store.close();
  }
}, 180_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('medical protocols in the simulated hospital, read by Vigil', () => {
  it('runs every medical workflow', () => {
    for (const w of ['intellivue', 'sdc', 'poct1a', 'fhir']) expect(withWorkflow(w).length, w).toBeGreaterThan(0);
  });

  it('IntelliVue monitors report the model number, serial and software revision of their device record', () => {
    const monitors = withWorkflow('intellivue');
    expect(monitors.length).toBeGreaterThanOrEqual(2);
    for (const m of monitors) {
      const spec = entryOf(m).workflows.find((w) => w.type === 'intellivue') as { modelNumber?: string };
      expect(strings(m, 'intellivue.model'), m.id).toEqual([spec.modelNumber]);
      expect(strings(m, 'intellivue.manufacturer')).toEqual([m.vendor]);
      expect(strings(m, 'intellivue.serial')).toEqual([m.serial]);
      expect(strings(m, 'intellivue.software')).toEqual([m.firmware]);
      expect(strings(m, 'intellivue.system_id')).toEqual([m.macs[0]]);
      expect(strings(m, 'intellivue.ip_address')).toEqual([m.ips[0]]);
      expect(strings(m, 'intellivue.message')).toEqual(expect.arrayContaining(['connect-indication', 'association-response', 'mds-create-event-report', 'poll-result', 'release-response']));
      // The inventory turns the product number into the model name (knowledge/fingerprints/medical.json).
      expect(seen.get(m.macs[0])!.model, m.id).toBe(m.model);
      expect(seen.get(m.macs[0])!.serial, m.id).toBe(m.serial);
      for (const cs of peers(m, 'intellivue')) {
        expect(cs.category).toBe('central-station');
        expect(strings(cs, 'intellivue.message')).toEqual(expect.arrayContaining(['association-request', 'mds-create-event-result', 'poll-request', 'release-request']));
        expect(values(cs, 'intellivue.poll')).toContain(true);
      }
    }
  });

  it('SDC devices announce the MDPWS types, their location scope and their hosted service address', () => {
    const sdc = withWorkflow('sdc');
    for (const d of sdc) {
      expect(values(d, 'sdc.types'), d.id).toEqual([SDC_TYPES]);
      expect(strings(d, 'sdc.message')).toContain('Hello');
      const xaddrs = values(d, 'sdc.xaddrs').flat().map(String);
      expect(xaddrs.length).toBe(1);
      expect(xaddrs[0].startsWith(`https://${d.ips[0]}:`)).toBe(true);
      const scopes = values(d, 'sdc.scopes').flat().map(String);
      expect(scopes.some((s) => s.startsWith('sdc.ctxt.loc:') && s.includes(`fac=${run.truth.site.hl7Facility}`))).toBe(true);
      expect(strings(d, 'sdc.endpoint_reference').every((r) => r.startsWith('urn:uuid:'))).toBe(true);
      // A central station that probed got a ProbeMatches from the device.
      for (const cs of peers(d, 'sdc')) {
        expect(strings(cs, 'sdc.message')).toContain('Probe');
        expect(strings(d, 'sdc.message')).toContain('ProbeMatches');
      }
    }
  });

  it('POCT1-A analyzers send their vendor, model, serial and software from the device record, patient ids only as a presence flag', () => {
    for (const d of withWorkflow('poct1a')) {
      expect(strings(d, 'poct1a.model'), d.id).toEqual([d.model]);
      expect(strings(d, 'poct1a.serial')).toEqual([d.serial]);
      expect(strings(d, 'poct1a.software')).toEqual([d.firmware]);
      expect(strings(d, 'poct1a.manufacturer')).toEqual([d.vendor]);
      expect(strings(d, 'poct1a.device_id')).toEqual([d.macs[0]]);
      expect(strings(d, 'poct1a.message')).toEqual(expect.arrayContaining(['HEL.R01', 'DST.R01', 'OBS.R01', 'EOT.R01']));
      expect(values(d, 'poct1a.phi_present')).toEqual([true]);
      const inv = seen.get(d.macs[0])!;
      expect(canonicalVendor(inv.vendor ?? '')).toBe(canonicalVendor(d.vendor));
      expect(inv.model).toBe(d.model);
      for (const dm of peers(d, 'poct1a')) expect(strings(dm, 'poct1a.message')).toEqual(expect.arrayContaining(['ACK.R01', 'REQ.R01', 'END.R01']));
    }
  });

  it('FHIR clients search and read Patients and create Observations against the FHIR server', () => {
    for (const c of withWorkflow('fhir')) {
      expect(values(c, 'http.fhir_client'), c.id).toEqual([true]);
      expect(strings(c, 'http.fhir_resource')).toEqual(['Observation', 'Patient']);
      expect(strings(c, 'http.fhir_interaction')).toEqual(['create', 'read', 'search-type']);
      expect(strings(c, 'http.fhir_version')).toEqual(['4.0']);
      for (const s of peers(c, 'fhir')) {
        expect(s.role).toBe('fhir-server');
        expect(values(s, 'http.fhir_server')).toEqual([true]);
      }
    }
  });
});

describe.skipIf(!haveTshark)('medical protocols in the simulated hospital, read by tshark', () => {
  /** tshark with checksums verified, WS-Discovery's SOAP read by the XML heuristic and POCT1-A's port as XML. */
  const ts = (args: string[]): string => {
    const r = spawnSync('tshark', ['-n', '-r', capture, '--enable-heuristic', 'xml_udp', '-d', `tcp.port==${POCT_PORT},xml`, ...args], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
    if (r.status !== 0) throw new Error(`tshark failed: ${r.stderr}`);
    return r.stdout;
  };
  const rows = (filter: string, fields: string[]): string[][] =>
    ts(['-Y', filter, '-T', 'fields', '-E', 'occurrence=a', '-E', 'aggregator=|', ...fields.flatMap((f) => ['-e', f])])
      .split('\n').filter((l) => l.length > 0).map((l) => l.split('\t'));
  const ip = (d: TruthDevice) => d.ips[0];

  it('finds no malformed packet, expert error or bad checksum', () => {
    const out = ts(['-o', 'ip.check_checksum:TRUE', '-o', 'tcp.check_checksum:TRUE', '-o', 'udp.check_checksum:TRUE', '-Y',
      '_ws.malformed || _ws.expert.severity >= error || ip.checksum.status == 0 || tcp.checksum.status == 0 || udp.checksum.status == 0']);
    expect(out).toBe('');
  });

  it('reads the same WS-Discovery senders and Types as Vigil', () => {
    const hello = rows('udp.port == 3702 && xml', ['ip.src', 'xml.cdata']);
    expect(hello.length).toBeGreaterThan(0);
    const typesText = SDC_TYPES.join(' ');
    const announcers = new Set(hello.filter((r) => r[1].split('|').includes(typesText)).map((r) => r[0]));
    expect([...announcers].sort()).toEqual(withWorkflow('sdc').map(ip).sort());
    // Every SOAP-over-UDP datagram on 3702 is whole XML to tshark (none left as undissected data).
    expect(rows('udp.port == 3702 && !xml', ['frame.number'])).toEqual([]);
  });

  it('reads the POCT1-A device identity Vigil reads', () => {
    const tags = rows(`tcp.port == ${POCT_PORT} && xml`, ['ip.src', 'xml.tag']);
    for (const d of withWorkflow('poct1a')) {
      const text = tags.filter((r) => r[0] === ip(d)).map((r) => r[1]).join('|');
      const attr = (name: string) => [...new Set([...text.matchAll(new RegExp(`<${name.replace('.', '\\.')} V="([^"]*)"`, 'g'))].map((m) => m[1]))];
      expect(attr('DEV.model_id'), d.id).toEqual(strings(d, 'poct1a.model'));
      expect(attr('DEV.serial_id')).toEqual(strings(d, 'poct1a.serial'));
      expect(attr('DEV.vendor_id')).toEqual(strings(d, 'poct1a.vendor'));
      expect(attr('HDR.message_type').sort()).toEqual(expect.arrayContaining(['DST.R01', 'EOT.R01', 'HEL.R01', 'OBS.R01']));
    }
  });

  it('sees the FHIR requests Vigil classifies: resource types in the URIs, FHIR JSON in the responses', () => {
    for (const c of withWorkflow('fhir')) {
      const req = rows(`ip.src == ${ip(c)} && http.request`, ['http.request.method', 'http.request.uri', 'http.accept']);
      const fhir = req.filter((r) => r[1].startsWith('/fhir/'));
      expect(fhir.length).toBeGreaterThan(0);
      const types = [...new Set(fhir.map((r) => /^\/fhir\/([A-Za-z]+)/.exec(r[1])![1]))].sort();
      expect(types).toEqual(strings(c, 'http.fhir_resource'));
      expect([...new Set(fhir.map((r) => r[0]))].sort()).toEqual(['GET', 'POST']);
      expect(fhir.every((r) => r[2].startsWith('application/fhir+json'))).toBe(true);
      for (const s of peers(c, 'fhir')) {
        const rsp = rows(`ip.src == ${ip(s)} && http.response`, ['http.response.code', 'http.content_type']);
        expect(rsp.length).toBeGreaterThan(0);
        expect(new Set(rsp.map((r) => r[0]))).toEqual(new Set(['200', '201']));
        expect(rsp.every((r) => r[1].startsWith('application/fhir+json'))).toBe(true);
      }
    }
  });
});
