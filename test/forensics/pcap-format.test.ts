import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { createToken } from '../../src/api/api-tokens.js';
import { buildServer } from '../../src/api/server.js';
import { analyzeCommand } from '../../src/cli/analyze-command.js';
import { exportFormat, pcapCommand } from '../../src/cli/pcap-command.js';
import { PacketDecoder } from '../../src/decode/packet-decoder.js';
import { exportPackets, type ExportFormat } from '../../src/forensics/packet-export.js';
import type { PacketQuery } from '../../src/forensics/packet-query.js';
import { PCAP_MAGIC_NSEC, PCAP_MAGIC_USEC } from '../../src/forensics/pcap-writer.js';
import { InventoryStore } from '../../src/store/inventory-store.js';
import { fillStore, fixture, haveTshark, readPackets, tempDir, tsharkFields, type CopiedPacket } from './store-fixtures.js';

// Classic pcap exports next to the pcapng export of the same query: the same packets (times to the
// nanosecond, lengths, octets) as our reader and tshark see them; redaction, the audit record and the
// refusal of several link types. HL7 runs between 10.201.0.1 and 10.201.0.2 (microsecond recording),
// eth-nsec.pcap between 10.99.0.1 and 10.99.0.2 (nanosecond recording); sll.pcap is that traffic as
// Linux cooked frames, so together with eth.pcap it needs two link types.
const HL7 = fixture('hl7/mllp-vigil.pcap');
const NSEC = fixture('capture/eth-nsec.pcap');
const HL7_FLOW: PacketQuery = { flow: { a: '10.201.0.1', aPort: 2575, b: '10.201.0.2', bPort: 36354, proto: 'tcp' } };
const MIXED = /2 link types \(Ethernet \(1\), Linux cooked \(SLL\) \(113\)\).*export as pcapng/;

if (!haveTshark) console.warn('pcap-format.test.ts: tshark is not installed (command -v tshark finds nothing): the tshark checks are skipped');

const magic = (file: string): number => readFileSync(file).readUInt32LE(0);
const linkTypeOf = (file: string): number => readFileSync(file).readUInt32LE(20);
const strip = (ps: CopiedPacket[]) => ps.map(({ tsSec, tsNsec, linkType, origLen, frame }) => ({ tsSec, tsNsec, linkType, origLen, frame: frame.toString('hex') }));
const tsharkView = (file: string) => ({
  fields: tsharkFields(file, ['frame.time_epoch', 'frame.len', 'frame.cap_len', 'frame.protocols']),
  hex: execFileSync('tshark', ['-r', file, '-x'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 256 << 20 }),
});

describe('classic pcap export', () => {
  let db: InventoryStore;
  let dir = '';
  const both = async (query: PacketQuery, label: string, redact = false) => {
    const files = {} as Record<ExportFormat, string>;
    for (const format of ['pcap', 'pcapng'] as const) {
      files[format] = join(dir, `${label}.${format}`);
      await exportPackets(join(dir, 'store'), query, { redact, out: files[format], format, actor: 'test', db });
    }
    return files;
  };

  beforeAll(async () => {
    db = await InventoryStore.open(':memory:');
    dir = tempDir('pcap-format');
    await fillStore(join(dir, 'store'), [HL7, NSEC], { segmentBytes: 16 << 10, maxBytes: 1 << 30 });
  });
  afterAll(async () => {
    await db.close();
  });

  it('a flow as pcap reads back through our capture reader exactly as the pcapng export and the recording', async () => {
    const files = await both(HL7_FLOW, 'flow');
    expect(magic(files.pcap), 'a microsecond recording stays microsecond').toBe(PCAP_MAGIC_USEC);
    expect(linkTypeOf(files.pcap)).toBe(1);
    const [pcap, pcapng] = await Promise.all([readPackets(files.pcap), readPackets(files.pcapng)]);
    const decoder = new PacketDecoder();
    const recorded = (await readPackets(HL7)).filter((p) => {
      const d = decoder.decodeFrame(p.frame, 0, p.frame.length, p.origLen, p.linkType, p.tsSec);
      return d.srcPort === 36354 || d.dstPort === 36354;
    });
    expect(recorded.length).toBeGreaterThan(4);
    expect(strip(pcap)).toEqual(strip(pcapng));
    expect(strip(pcap)).toEqual(strip(recorded));
  });

  it('nanosecond timestamps are kept to the nanosecond (nanosecond magic)', async () => {
    const recorded = await readPackets(NSEC);
    expect(recorded.some((p) => p.tsNsec % 1000 !== 0), 'the recording has sub-microsecond digits').toBe(true);
    const files = await both({ ips: ['10.99.0.1', '10.99.0.2'] }, 'nsec');
    expect(magic(files.pcap)).toBe(PCAP_MAGIC_NSEC);
    const [pcap, pcapng] = await Promise.all([readPackets(files.pcap), readPackets(files.pcapng)]);
    expect(pcap.length).toBeGreaterThan(20);
    expect(strip(pcap)).toEqual(strip(pcapng));
    const inStore = recorded.filter((p) => pcap.some((q) => q.tsSec === p.tsSec && q.tsNsec === p.tsNsec));
    expect(inStore.length).toBe(pcap.length);
  });

  it.skipIf(!haveTshark)('tshark reads the pcap exports with the same frames, times and octets as the pcapng exports', async () => {
    const cases: [PacketQuery, string][] = [
      [HL7_FLOW, 'flow-ts'],
      [{ ips: ['10.99.0.1'] }, 'nsec-ts'],
    ];
    for (const [query, label] of cases) {
      const files = await both(query, label);
      const pcap = tsharkView(files.pcap);
      const pcapng = tsharkView(files.pcapng);
      expect(pcap.fields.length).toBeGreaterThan(4);
      expect(pcap.fields).toEqual(pcapng.fields);
      expect(pcap.hex).toEqual(pcapng.hex);
    }
    // To the nanosecond where the recording has them.
    const ns = tsharkFields(join(dir, 'nsec-ts.pcap'), ['frame.time_epoch']);
    expect(ns.some((t) => !/000$/.test(t))).toBe(true);
    expect(tsharkFields(NSEC, ['frame.time_epoch'], 'ip.addr == 10.99.0.1')).toEqual(ns);
  });

  it('redacted: no HL7 patient value is left, tshark still dissects it, and the audit record names the format', async () => {
    const out = join(dir, 'redacted.pcap');
    const r = await exportPackets(join(dir, 'store'), { port: 2575 }, { out, format: 'pcap', actor: 'test', db });
    expect(r.redacted).toBe(true);
    expect(r.redaction?.flows.hl7).toBeGreaterThan(0);
    const clear = join(dir, 'clear.pcap');
    await exportPackets(join(dir, 'store'), { port: 2575 }, { out: clear, format: 'pcap', redact: false, actor: 'test', db });
    const bytes = readFileSync(out);
    expect(readFileSync(clear).includes(Buffer.from('TESTPATIENT')), 'the unredacted export holds the patient').toBe(true);
    expect(bytes.includes(Buffer.from('TESTPATIENT'))).toBe(false);
    const pids = (b: Buffer) => b.toString('latin1').match(/\rPID\|[^\r]*/g) ?? [];
    expect(pids(bytes).length).toBeGreaterThan(0);
    for (const seg of pids(bytes)) expect(seg.slice(5)).toMatch(/^[X|^~&\\]*$/);
    expect(r.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
    const row = (await db.db.selectFrom('audit_log').selectAll().where('action', '=', 'pcap.export').execute()).find((a) => a.target === out);
    expect(JSON.parse(row!.detail)).toMatchObject({ format: 'pcap', sha256: r.sha256, packets: r.packets, redacted: true, query: { port: 2575 } });
    if (haveTshark) {
      // The values tshark shows in the recording's patient segments (the oracle) are all gone, except those
      // the kept header segments also carry (facility and application names: no patient data).
      const segments = tsharkFields(HL7, ['hl7.segment'], 'hl7', ['-E', 'occurrence=a', '-E', 'aggregator=\u0001']).flatMap((l) => l.split('\u0001'));
      const kept = segments.filter((seg) => /^(MSH|MSA)\|/.test(seg));
      const phi = segments
        .filter((seg) => /^(PID|PV1|OBR|OBX|NK1|ORC)\|/.test(seg))
        .flatMap((seg) => seg.replace(/\\r$/, '').slice(4).split(/[|^~&]/))
        .filter((v) => v.length >= 4 && !kept.some((k) => k.includes(v)));
      expect(phi).toContain('TESTPATIENT');
      for (const v of phi) expect(bytes.includes(Buffer.from(v, 'utf8')), v).toBe(false);
      const types = (f: string) => tsharkFields(f, ['hl7.message.type', 'hl7.event.type'], 'hl7').sort();
      expect(types(out).length).toBeGreaterThan(0);
      expect(types(out)).toEqual(types(HL7));
    }
  });

  it('refuses several link types, naming them and pointing to pcapng, and writes nothing', async () => {
    const mixedDir = tempDir('pcap-mixed');
    await fillStore(join(mixedDir, 'store'), [fixture('capture/eth.pcap'), fixture('capture/sll.pcap')]);
    const out = join(mixedDir, 'mixed.pcap');
    await expect(exportPackets(join(mixedDir, 'store'), {}, { out, format: 'pcap', actor: 'test', db })).rejects.toThrow(MIXED);
    expect(existsSync(out)).toBe(false);
    expect((await db.db.selectFrom('audit_log').selectAll().execute()).some((a) => a.target === out)).toBe(false);
    // pcapng holds both, every packet kept.
    const ng = await exportPackets(join(mixedDir, 'store'), {}, { out: join(mixedDir, 'mixed.pcapng'), redact: false, actor: 'test', db });
    const recorded = (await readPackets(fixture('capture/eth.pcap'))).length + (await readPackets(fixture('capture/sll.pcap'))).length;
    expect(ng.packets).toBe(recorded);
  });
});

describe('vigil pcap --format', () => {
  let err = '';
  let out = '';
  beforeEach(() => {
    err = '';
    out = '';
    vi.spyOn(process.stdout, 'write').mockImplementation((s) => ((out += String(s)), true));
    vi.spyOn(process.stderr, 'write').mockImplementation((s) => ((err += String(s)), true));
  });
  afterEach(() => vi.restoreAllMocks());

  it('takes the format from the file name unless --format says', () => {
    expect(exportFormat(undefined, 'a.pcap')).toBe('pcap');
    expect(exportFormat(undefined, 'A.PCAP')).toBe('pcap');
    expect(exportFormat(undefined, 'a.pcapng')).toBe('pcapng');
    expect(exportFormat(undefined, 'a.cap')).toBe('pcapng');
    expect(exportFormat('pcapng', 'a.pcap')).toBe('pcapng');
    expect(exportFormat('pcap', 'a.out')).toBe('pcap');
    expect(() => exportFormat('erf', 'a.pcap')).toThrow(/--format "erf" is not one of pcap, pcapng/);
  });

  it('writes pcap for a .pcap file, and refuses mixed link types with exit 1 and nothing written', async () => {
    const dir = tempDir('pcap-cli');
    await fillStore(join(dir, 'store'), [HL7, fixture('capture/eth.pcap'), fixture('capture/sll.pcap')]);
    const db = join(dir, 'vigil.db');
    const hl7 = join(dir, 'hl7.pcap');
    expect(await pcapCommand({ store: join(dir, 'store'), out: hl7, db, port: '2575' })).toBe(0);
    expect(err).toBe('');
    expect(out).toMatch(/ to .*hl7\.pcap \(pcap\)\n/);
    expect(magic(hl7)).toBe(PCAP_MAGIC_USEC);
    expect((await readPackets(hl7)).length).toBe((await readPackets(HL7)).length);
    // eth.pcap and sll.pcap carry the same addresses: selecting them selects two link types.
    const mixed = join(dir, 'mixed.pcap');
    expect(await pcapCommand({ store: join(dir, 'store'), out: mixed, db, ip: ['10.99.0.1'] })).toBe(1);
    expect(err).toMatch(MIXED);
    expect(existsSync(mixed)).toBe(false);
    const ng = join(dir, 'mixed.pcap.out');
    expect(await pcapCommand({ store: join(dir, 'store'), out: ng, db, ip: ['10.99.0.1'], format: 'pcapng' })).toBe(0);
    expect(magic(ng)).toBe(0x0a0d0d0a);
    const store = await InventoryStore.open(db);
    const formats = (await store.db.selectFrom('audit_log').select('detail').execute()).map((a) => (JSON.parse(a.detail) as { format: string }).format);
    await store.close();
    expect(formats).toEqual(['pcap', 'pcapng']);
  });
});

describe('GET /api/devices/{id}/pcap?format=pcap', () => {
  it('answers classic pcap with its media type and file name, and 422 for a device on two link types', async () => {
    const dir = tempDir('pcap-api');
    const dbPath = join(dir, 'vigil.db');
    await analyzeCommand([HL7, fixture('capture/eth.pcap'), fixture('capture/sll.pcap')], { db: dbPath, quiet: true, packetStore: join(dir, 'packets'), packetStoreMaxAge: 100 * 365 * 86400 });
    const store = await InventoryStore.open(dbPath);
    const { app } = await buildServer({ store, webRoot: null, packetStore: join(dir, 'packets') });
    try {
      await app.ready();
      const { token } = await createToken(store, 'test-analyst', 'analyst');
      const get = (url: string) => app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${token}` } });
      const idOf = async (ip: string) => (await store.db.selectFrom('devices').select('id').where('ip', '=', ip).executeTakeFirstOrThrow()).id;
      const hl7 = await idOf('10.201.0.1');
      const r = await get(`/api/devices/${hl7}/pcap?format=pcap`);
      expect(r.statusCode).toBe(200);
      expect(r.headers['content-type']).toBe('application/vnd.tcpdump.pcap');
      expect(r.headers['content-disposition']).toBe(`attachment; filename="vigil-device-${hl7}-redacted.pcap"`);
      const body = r.rawPayload;
      expect(body.readUInt32LE(0)).toBe(PCAP_MAGIC_USEC);
      expect(r.headers['x-vigil-sha256']).toBe(createHash('sha256').update(body).digest('hex'));
      expect(body.includes(Buffer.from('TESTPATIENT'))).toBe(false);
      const ng = await get(`/api/devices/${hl7}/pcap`);
      expect(ng.headers['content-type']).toBe('application/x-pcapng');
      expect(ng.headers['content-disposition']).toMatch(/\.pcapng"$/);
      expect(Number(ng.headers['x-vigil-packets'])).toBe(Number(r.headers['x-vigil-packets']));
      const audit = await store.db.selectFrom('audit_log').selectAll().where('action', '=', 'pcap.export').orderBy('id').execute();
      expect(audit.map((a) => (JSON.parse(a.detail) as { format: string }).format)).toEqual(['pcap', 'pcapng']);
      const mixed = await get(`/api/devices/${await idOf('10.99.0.1')}/pcap?format=pcap`);
      expect(mixed.statusCode).toBe(422);
      expect(mixed.json()).toEqual({ error: 'mixed-link-types', reason: expect.stringMatching(MIXED) });
      expect((await get(`/api/devices/${hl7}/pcap?format=erf`)).statusCode).toBe(400);
    } finally {
      await app.close();
      await store.close();
    }
  });
});
