import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { mulberry32 } from '../../src/protocols/harness.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Analyzer } from '../../src/analyze/analyzer.js';
import type { AnalysisSummary } from '../../src/analyze/analysis-summary.js';
import type { FlowRecord } from '../../src/analyze/flow-record.js';
import type { Alert, Incident } from '../../src/detect/alert.js';
import { Detector } from '../../src/detect/detector.js';
import { InventoryCollector, WORKFLOW_KEYS, type HostEvidence } from '../../src/inventory/inventory-collector.js';
import { updateInventory } from '../../src/inventory/inventory-update.js';
import { loadAttributeKnowledge } from '../../src/inventory/knowledge.js';
import type { AttributeKnowledge } from '../../src/inventory/attribute-resolver.js';
import { loadSiteFile, type SiteZone } from '../../src/inventory/site-zones.js';
import type { Observation } from '../../src/protocols/observation.js';
import { defaultDissectors } from '../../src/protocols/index.js';
import { buildWindow, decodeEvidence, encodeEvidence, parseWindow, serializeWindow, windowZones, WindowFormatError, type SensorWindow } from '../../src/scale/sensor-window.js';
import { InventoryStore } from '../../src/store/inventory-store.js';

// The bundled demo: a simulated hospital with synthetic patients (HL7 with PID, DICOM, ...).
const DEMO = 'data/demo/hospital-demo.pcapng.gz';
const DEMO_SITE = 'data/demo/hospital-demo.site.yaml';
// Real MLLP recordings of HL7 messages with PID segments (test/fixtures/README.md).
const HL7_CAPTURES = ['test/fixtures/hl7/mllp-vigil.pcap', 'test/fixtures/hl7/mllp-cdc.pcap'];

/** What the analyzer handed the collector, in order, so the same analysis can be replayed in pieces. */
type Event = { kind: 'flow'; flow: FlowRecord } | { kind: 'observation'; o: Observation } | { kind: 'raw'; o: Observation };

interface Analysis {
  collector: InventoryCollector;
  summary: AnalysisSummary;
  events: Event[];
  alerts: Alert[];
  incidents: Incident[];
}

/** One pass as `vigil sensor` wires it: collector and detector on the analyzer's hooks. */
async function analyse(file: string): Promise<Analysis> {
  const collector = new InventoryCollector();
  const detector = new Detector();
  const events: Event[] = [];
  const analyzer = new Analyzer({
    dissectors: defaultDissectors(),
    onWarning: () => undefined,
    onFlow: (f) => {
      events.push({ kind: 'flow', flow: structuredClone(f) });
      collector.flow(f);
      detector.flow(f);
    },
    onObservation: (o) => {
      events.push({ kind: 'observation', o: structuredClone(o) });
      collector.observation(o);
      detector.observation(o);
    },
    rawObservationKeys: new Set([...WORKFLOW_KEYS, ...detector.rawKeys]),
    onRawObservation: (o) => {
      if (WORKFLOW_KEYS.has(o.key)) {
        events.push({ kind: 'raw', o: structuredClone(o) });
        collector.rawObservation(o);
      }
      detector.raw(o);
    },
  });
  await analyzer.addCapture(file);
  const summary = analyzer.finish();
  const { alerts, incidents } = detector.finish();
  return { collector, summary, events, alerts, incidents };
}

function replay(events: readonly Event[], into: InventoryCollector): void {
  for (const e of events) {
    if (e.kind === 'flow') into.flow(e.flow);
    else if (e.kind === 'observation') into.observation(e.o);
    else into.rawObservation(e.o);
  }
}

function windowOf(a: Analysis, zones: readonly SiteZone[], evidence: HostEvidence = a.collector, over: Partial<SensorWindow> = {}): SensorWindow {
  const w = buildWindow({
    sensor: 'ward-3',
    site: 'staldhelm',
    run: 'lq2x9k1a-0badc0de',
    seq: 1,
    vigil: '0.1.0',
    capture: { name: 'demo', packets: a.summary.packets, bytes: a.summary.bytes, firstTs: a.summary.firstTs, lastTs: a.summary.lastTs },
    zones,
    drops: { windows: 0, bytes: 0, capture: 0 },
    evidence,
    alerts: a.alerts,
    incidents: a.incidents,
  });
  return { ...w, ...over };
}

/** The evidence as plain, ordered data: equal iff the two say the same about every host and conversation. */
function plain(e: HostEvidence) {
  e.finish();
  const sorted = <T>(rows: [string, T][]) => rows.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return {
    hosts: sorted([...e.hosts]),
    facts: sorted([...e.facts].map(([h, m]) => [h, sorted([...m])])),
    services: sorted([...e.services].map(([h, m]) => [h, sorted([...m])])),
    connections: sorted([...e.connections]),
    connectionFacts: sorted([...e.connectionFacts()].map(([id, list]) => [id, [...list].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)))])),
  };
}

/** Every row the inventory keeps about devices and conversations, named by device identity (not row id). */
async function inventoryRows(db: string) {
  const store = await InventoryStore.open(db);
  try {
    const devices = await store.db
      .selectFrom('devices')
      .select(['id', 'identity_kind', 'identity', 'mac', 'ip', 'vendor', 'model', 'category', 'role', 'hostname'])
      .execute();
    const who = new Map(devices.map((d) => [d.id, `${d.identity_kind}:${d.identity}`]));
    const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
    const observations = (await store.db.selectFrom('observations').select(['device_id', 'key', 'value', 'count', 'first_ts', 'last_ts', 'flow']).execute())
      .map((o) => JSON.stringify([who.get(o.device_id), o.key, o.value, Number(o.count), o.first_ts, o.last_ts, o.flow]))
      .sort(byText);
    const connections = (await store.db.selectFrom('connections').selectAll().execute())
      .map((c) => JSON.stringify([who.get(c.client_id), who.get(c.server_id), c.transport, c.port, c.service, Number(c.flows), Number(c.bytes), c.first_seen, c.last_seen]))
      .sort(byText);
    const connectionFacts = (await store.db.selectFrom('connection_facts').selectAll().execute())
      .map((c) => JSON.stringify([who.get(c.client_id), who.get(c.server_id), c.transport, c.port, c.sender, c.key, c.value, Number(c.count), c.first_seen, c.last_seen]))
      .sort(byText);
    const services = (await store.db.selectFrom('services').selectAll().execute())
      .map((s) => JSON.stringify([who.get(s.device_id), s.transport, s.port, s.direction, s.service, Number(s.flows), s.first_seen, s.last_seen]))
      .sort(byText);
    return {
      devices: devices.map(({ id: _id, ...d }) => d).sort((a, b) => byText(`${a.identity_kind}:${a.identity}`, `${b.identity_kind}:${b.identity}`)),
      observations,
      connections,
      connectionFacts,
      services,
    };
  } finally {
    await store.close();
  }
}

const dir = mkdtempSync(join(tmpdir(), 'vigil-sensor-window-'));
let demo: Analysis;
let zones: SiteZone[];
let knowledge: AttributeKnowledge;

beforeAll(async () => {
  demo = await analyse(DEMO);
  zones = loadSiteFile(DEMO_SITE);
  knowledge = loadAttributeKnowledge();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('a window of real evidence survives the trip to the central service', () => {
  it('encode, serialize, parse and decode give back the collector\'s hosts, facts, services and connections', () => {
    const before = plain(demo.collector);
    // A round trip of nothing proves nothing: the demo has conversations that carry workflow facts.
    expect(before.hosts.length).toBeGreaterThan(100);
    expect(before.facts.length).toBeGreaterThan(100);
    expect(before.services.length).toBeGreaterThan(50);
    expect(before.connections.length).toBeGreaterThan(50);
    expect(before.connectionFacts.length).toBeGreaterThan(20);

    const sent = windowOf(demo, zones);
    const received = parseWindow(serializeWindow(sent));
    const decoded = decodeEvidence(received.evidence);
    const after = plain(decoded);
    expect(after.hosts).toEqual(before.hosts);
    expect(after.facts).toEqual(before.facts);
    expect(after.services).toEqual(before.services);
    expect(after.connections).toEqual(before.connections);
    expect(after.connectionFacts).toEqual(before.connectionFacts);
    expect(windowZones(received)).toEqual(zones);
    expect(received.alerts.length).toBe(demo.alerts.length);
    expect(received.incidents.length).toBe(demo.incidents.length);
  });

  it('the inventory built from the decoded window is the one built from the collector', async () => {
    const capture = { name: 'demo', packets: demo.summary.packets, bytes: demo.summary.bytes, firstTs: demo.summary.firstTs, lastTs: demo.summary.lastTs };
    const local = join(dir, 'local.db');
    const central = join(dir, 'central.db');
    const received = parseWindow(serializeWindow(windowOf(demo, zones)));

    let store = await InventoryStore.open(local);
    const a = await updateInventory(store, demo.collector, capture, knowledge, zones);
    await store.close();
    store = await InventoryStore.open(central);
    const b = await updateInventory(store, decodeEvidence(received.evidence), capture, knowledge, windowZones(received));
    await store.close();

    expect({ ...b, captureId: 0 }).toEqual({ ...a, captureId: 0 });
    const x = await inventoryRows(local);
    const y = await inventoryRows(central);
    expect(x.devices.length).toBeGreaterThan(100);
    // Attributes were resolved, so the comparison covers what knowledge makes of the facts.
    expect(x.devices.filter((d) => d.vendor !== null).length).toBeGreaterThan(20);
    expect(x.devices.filter((d) => d.category !== null).length).toBeGreaterThan(20);
    expect(x.connectionFacts.length).toBeGreaterThan(20);
    expect(y.devices).toEqual(x.devices);
    expect(y.observations.length).toBe(x.observations.length);
    expect(y.observations).toEqual(x.observations);
    expect(y.connections).toEqual(x.connections);
    expect(y.connectionFacts).toEqual(x.connectionFacts);
    expect(y.services).toEqual(x.services);
  });
});

describe('folding quiet conversations', () => {
  /** Workflow facts per connection, fact and sender: counts summed, times as min and max. */
  const factTotals = (e: HostEvidence) => {
    const out = new Map<string, { count: number; first: number; last: number }>();
    for (const [id, list] of e.connectionFacts())
      for (const f of list) {
        const k = `${id}\u0001${f.key}\u0001${f.valueText}\u0001${f.fromClient}`;
        const x = out.get(k);
        out.set(k, x ? { count: x.count + f.count, first: Math.min(x.first, f.first), last: Math.max(x.last, f.last) } : { count: f.count, first: f.first, last: f.last });
      }
    return [...out].sort((a, b) => (a[0] < b[0] ? -1 : 1));
  };

  it('says what holding every conversation to the end says, holding far fewer', () => {
    const whole = new InventoryCollector({ foldAbove: Infinity, quietS: 900 });
    replay(demo.events, whole);
    for (const quietS of [300, 900]) {
      const folding = new InventoryCollector({ foldAbove: 1, quietS });
      let most = 0;
      for (const e of demo.events) {
        replay([e], folding);
        most = Math.max(most, folding.conversationsHeld);
      }
      // The demo's 46 minutes hold some 2,900 conversations; folding keeps the last few minutes' (and,
      // as it waits for twice as many before it folds again, up to twice that).
      expect(whole.conversationsHeld).toBeGreaterThan(2000);
      expect(folding.conversationsHeld, `quiet ${quietS} s`).toBeLessThan(whole.conversationsHeld * (quietS === 300 ? 0.5 : 0.6));
      expect(most).toBeLessThan(whole.conversationsHeld);
      const a = plain(whole);
      const b = plain(folding);
      expect(b.hosts).toEqual(a.hosts);
      expect(b.facts).toEqual(a.facts);
      expect(b.services, `quiet ${quietS} s`).toEqual(a.services);
      expect(b.connections, `quiet ${quietS} s`).toEqual(a.connections);
      expect(factTotals(folding)).toEqual(factTotals(whole));
      expect(factTotals(whole).length).toBeGreaterThan(20);
    }
  });

  it('keeps what it folded out of the next window, and a window cut after folding adds up to the whole', () => {
    const whole = new InventoryCollector({ foldAbove: Infinity, quietS: 300 });
    replay(demo.events, whole);
    const split = new InventoryCollector({ foldAbove: 1, quietS: 300 });
    const half = Math.floor(demo.events.length / 2);
    replay(demo.events.slice(0, half), split);
    const first = split.takeWindow();
    replay(demo.events.slice(half), split);
    const second = split.takeWindow();
    // Flows per connection add up across the two windows to what one collector counts.
    const flows = new Map<string, number>();
    for (const w of [first, second]) for (const [id, c] of w.connections) flows.set(id, (flows.get(id) ?? 0) + c.flows);
    whole.finish();
    expect(flows).toEqual(new Map([...whole.connections].map(([id, c]) => [id, c.flows])));
  });
});

describe('takeWindow', () => {
  it('two windows together say what one collector fed everything says, and the second starts afresh', () => {
    const whole = new InventoryCollector();
    replay(demo.events, whole);
    // The replay is faithful: the same evidence as the live analysis.
    expect(plain(whole)).toEqual(plain(demo.collector));

    const split = new InventoryCollector();
    const half = Math.floor(demo.events.length / 2);
    replay(demo.events.slice(0, half), split);
    const first = split.takeWindow();
    replay(demo.events.slice(half), split);
    const second = split.takeWindow();

    const factIds = (e: HostEvidence) => new Set([...e.facts].flatMap(([h, m]) => [...m.keys()].map((k) => `${h}\u0001${k}`)));
    const one = factIds(first);
    const two = factIds(second);
    expect(one.size).toBeGreaterThan(50);
    expect(two.size).toBeGreaterThan(50);
    // Per host key: the union of the windows' facts is everything, with counts and times adding up.
    const union = new Map<string, Map<string, { count: number; first: number; last: number }>>();
    for (const w of [first, second]) {
      for (const [h, m] of w.facts) {
        let u = union.get(h);
        if (!u) union.set(h, (u = new Map()));
        for (const [k, f] of m) {
          const prev = u.get(k);
          u.set(k, prev ? { count: prev.count + f.count, first: Math.min(prev.first, f.first), last: Math.max(prev.last, f.last) } : { count: f.count, first: f.first, last: f.last });
        }
      }
    }
    const expected = new Map([...whole.facts].map(([h, m]) => [h, new Map([...m].map(([k, f]) => [k, { count: f.count, first: f.first, last: f.last }]))]));
    expect(new Set(union.keys())).toEqual(new Set(expected.keys()));
    for (const [h, m] of expected) expect(union.get(h), h).toEqual(m);
    // The second window was reset: not the first again plus more.
    const carried = [...one].filter((id) => two.has(id));
    expect(carried.length).toBeLessThan(one.size);
    expect([...two].some((id) => !one.has(id))).toBe(true);
    // The hosts of the two windows are all the hosts.
    expect(new Set([...first.hosts.keys(), ...second.hosts.keys()])).toEqual(new Set(whole.hosts.keys()));
  });

  it('workflow facts of conversations add up across windows, including flows still open at the cut', () => {
    const whole = new InventoryCollector();
    replay(demo.events, whole);
    const split = new InventoryCollector();
    // Cut in the middle of a flow that carries workflow facts: some of its raw facts before the cut, its flow record after.
    const rawAt = demo.events.findIndex((e, i) => i > demo.events.length / 2 && e.kind === 'raw');
    expect(rawAt).toBeGreaterThan(0);
    const flowId = (demo.events[rawAt] as { o: Observation }).o.flow;
    const endsAt = demo.events.findIndex((e, i) => i > rawAt && e.kind === 'flow' && e.flow.id === flowId);
    expect(endsAt).toBeGreaterThan(rawAt);
    replay(demo.events.slice(0, rawAt + 1), split);
    const first = split.takeWindow();
    replay(demo.events.slice(rawAt + 1), split);
    const second = split.takeWindow();

    const sums = (windows: HostEvidence[]) => {
      const out = new Map<string, number>();
      for (const w of windows)
        for (const [id, list] of w.connectionFacts())
          for (const f of list) {
            const k = `${id}\u0001${f.key}\u0001${f.valueText}\u0001${f.fromClient}`;
            out.set(k, (out.get(k) ?? 0) + f.count);
          }
      return out;
    };
    const expected = sums([whole]);
    expect(expected.size).toBeGreaterThan(20);
    expect(sums([first, second])).toEqual(expected);
  });
});

describe('parseWindow refuses what is not a window, saying what is wrong', () => {
  let small: Analysis;
  beforeAll(async () => {
    small = await analyse(HL7_CAPTURES[0]);
  });
  const valid = () => JSON.parse(JSON.stringify(windowOf(small, []))) as Record<string, unknown> & { evidence: Record<string, unknown[][]> };
  const gz = (json: unknown) => gzipSync(Buffer.from(JSON.stringify(json)));
  const refusal = (fn: () => unknown): WindowFormatError => {
    try {
      fn();
    } catch (err) {
      expect(err).toBeInstanceOf(WindowFormatError);
      return err as WindowFormatError;
    }
    throw new Error('accepted');
  };

  it('a valid window parses, even with no hosts at all', () => {
    expect(parseWindow(gz(valid())).evidence.facts.length).toBeGreaterThan(10);
    const empty = valid();
    empty.evidence = { hosts: [], facts: [], services: [], connections: [], connectionFacts: [] };
    const w = parseWindow(gz(empty));
    expect(w.evidence.hosts).toEqual([]);
    expect(decodeEvidence(w.evidence).hosts.size).toBe(0);
  });

  it('bytes that are not gzip', () => {
    expect(refusal(() => parseWindow(Buffer.from('{"v":1}'))).message).toMatch(/not a gzip'd JSON window/);
  });

  it('gzip of something that is not JSON', () => {
    expect(refusal(() => parseWindow(gzipSync(Buffer.from('{"v":1, sensor')))).message).toMatch(/not a gzip'd JSON window/);
  });

  it('a schema version it does not read, naming the version', () => {
    const w = valid();
    w.v = 2;
    expect(refusal(() => parseWindow(gz(w))).message).toMatch(/version 2\b/);
  });

  it('a fact tuple with a wrong type, naming its path', () => {
    const w = valid();
    w.evidence.facts[0][3] = 'seven';
    expect(refusal(() => parseWindow(gz(w))).message).toMatch(/^evidence\.facts\.0\.3: /);
  });

  it('a connection fact whose connection is not in the window', () => {
    const w = valid();
    expect(w.evidence.connectionFacts.length).toBeGreaterThan(0);
    w.evidence.connectionFacts[0][0] = w.evidence.connections.length + 5;
    const parsed = parseWindow(gz(w));
    const err = refusal(() => decodeEvidence(parsed.evidence));
    expect(err.message).toContain(`connection ${w.evidence.connections.length + 5} is not in the window`);
  });

  it('a fact value that is not JSON text', () => {
    const w = valid();
    w.evidence.facts[0][2] = '{broken';
    const parsed = parseWindow(gz(w));
    expect(refusal(() => decodeEvidence(parsed.evidence)).message).toMatch(/value is not JSON/);
  });

  it('a site name with a dot or a space (it would change the NATS subject)', () => {
    for (const site of ['ward.3', 'ward 3', 'ward>', '']) {
      const w = valid();
      w.site = site;
      expect(refusal(() => parseWindow(gz(w))).message, site).toMatch(/^site: /);
    }
    const w = valid();
    w.sensor = 'a.b';
    expect(refusal(() => parseWindow(gz(w))).message).toMatch(/^sensor: /);
  });

  it('2,000 random mutations are refused with WindowFormatError or accepted, nothing else, and none hangs', () => {
    const base = windowOf(small, zones);
    // Real alerts and incidents in the fuzzed window, so their part of the schema is exercised too.
    base.alerts = demo.alerts.slice(0, 3) as SensorWindow['alerts'];
    base.incidents = demo.incidents.slice(0, 2) as SensorWindow['incidents'];
    expect(base.alerts.length).toBeGreaterThan(0);
    const bytes = serializeWindow(base);
    const rand = mulberry32(0x5eed);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];
    const outcome = { accepted: 0, refused: 0 };
    let slowest = 0;
    const attempt = (data: Uint8Array, what: string) => {
      const t0 = performance.now();
      try {
        decodeEvidence(parseWindow(data).evidence);
        outcome.accepted++;
      } catch (err) {
        if (!(err instanceof WindowFormatError)) throw new Error(`${what}: ${(err as Error).name}: ${(err as Error).message}`);
        outcome.refused++;
      }
      slowest = Math.max(slowest, performance.now() - t0);
    };

    // 1,000 byte-level mutations of the gzip'd window.
    for (let i = 0; i < 1000; i++) {
      const b = Buffer.from(bytes);
      const flips = 1 + Math.floor(rand() * 4);
      for (let j = 0; j < flips; j++) b[Math.floor(rand() * b.length)] ^= 1 + Math.floor(rand() * 255);
      const cut = rand() < 0.1 ? b.subarray(0, Math.floor(rand() * b.length)) : b;
      attempt(cut, `byte mutation ${i}`);
    }

    // 1,000 structural mutations of the JSON before gzip: delete keys, change types, truncate arrays.
    const junk: unknown[] = [null, 'x', '', -1, 0, 1.5, 2 ** 53, true, {}, [], [1, 2], { v: 1 }];
    const containers = (root: unknown): (Record<string, unknown> | unknown[])[] => {
      const out: (Record<string, unknown> | unknown[])[] = [];
      const walk = (x: unknown) => {
        if (x === null || typeof x !== 'object') return;
        out.push(x as Record<string, unknown>);
        for (const v of Object.values(x)) walk(v);
      };
      walk(root);
      return out;
    };
    for (let i = 0; i < 1000; i++) {
      const json = JSON.parse(JSON.stringify(base)) as unknown;
      const edits = 1 + Math.floor(rand() * 3);
      for (let j = 0; j < edits; j++) {
        const targets = containers(json).filter((c) => Object.keys(c).length > 0);
        const c = pick(targets);
        const key = pick(Object.keys(c));
        const op = rand();
        if (Array.isArray(c)) {
          if (op < 0.3) c.length = Math.floor(rand() * c.length);
          else if (op < 0.5) c.splice(Number(key), 1);
          else c[Number(key)] = pick(junk);
        } else if (op < 0.4) delete c[key];
        else c[key] = pick(junk);
      }
      attempt(gzipSync(Buffer.from(JSON.stringify(json))), `JSON mutation ${i}`);
    }

    // The mutations reached past the first check: some were refused, and some still made a valid window.
    expect(outcome.refused).toBeGreaterThan(1000);
    expect(outcome.accepted).toBeGreaterThan(20);
    expect(slowest).toBeLessThan(2000);
  });
});

describe('privacy', () => {
  /** The family and given names (PID-5) and identifiers (PID-3) of every PID segment in a capture's bytes. */
  function patientValues(file: string): string[] {
    const raw = readFileSync(file);
    const text = (file.endsWith('.gz') ? gunzipSync(raw) : raw).toString('utf8');
    const out = new Set<string>();
    for (const m of text.matchAll(/(?:^|[\r\n\x0b])PID\|([^\r\n\x1c]*)/g)) {
      const fields = m[1].split('|');
      // PID-3 is field index 2 after the segment name, PID-5 index 4.
      for (const part of [...(fields[4] ?? '').split('^'), (fields[2] ?? '').split('^')[0]]) {
        if (part.trim().length >= 3) out.add(part.trim().toUpperCase());
      }
    }
    return [...out];
  }

  /** Every string in the window, fact values decoded as well, upper-cased for the comparison. */
  function windowText(bytes: Buffer): string {
    const w = JSON.parse(gunzipSync(bytes).toString('utf8')) as unknown;
    const parts: string[] = [];
    const walk = (x: unknown) => {
      if (typeof x === 'string') {
        parts.push(x);
        try {
          parts.push(JSON.stringify(JSON.parse(x)) ?? '');
        } catch {
          // Not every string is JSON text.
        }
      } else if (x && typeof x === 'object') for (const v of Object.values(x)) walk(v);
    };
    walk(w);
    return parts.join('\n').normalize('NFC').toUpperCase();
  }

  it('the window of a capture with HL7 PID segments holds none of its patients\' names or identifiers', async () => {
    for (const file of [...HL7_CAPTURES, DEMO]) {
      const a = file === DEMO ? demo : await analyse(file);
      const names = patientValues(file);
      expect(names.length, `${file} has PID segments`).toBeGreaterThan(2);
      // The HL7 dissector saw the messages, so the window has something to leak.
      expect([...a.collector.facts.values()].some((m) => [...m.values()].some((f) => f.key.startsWith('hl7.'))), file).toBe(true);
      const text = windowText(serializeWindow(windowOf(a, file === DEMO ? zones : [])));
      // Whole words: a short name is also a piece of other words ("NETO" in MAGNETOM, "RATI" in ADMINISTRATION).
      const leaked = names.filter((n) => new RegExp(`(?<![\\p{L}\\p{N}])${n.normalize('NFC').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![\\p{L}\\p{N}])`, 'u').test(text));
      expect(leaked, file).toEqual([]);
    }
  });
});
