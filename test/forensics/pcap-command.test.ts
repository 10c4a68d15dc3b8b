import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { parseTime, pcapCommand } from '../../src/cli/pcap-command.js';
import { PacketDecoder } from '../../src/decode/packet-decoder.js';
import { InventoryStore } from '../../src/store/inventory-store.js';
import { fillStore, fixture, readPackets, tempDir } from './store-fixtures.js';

// `vigil pcap` as the CLI runs it (the command function commander calls), against a SQLite inventory holding
// one device, over a store of the HL7 and DICOM recordings (HL7 between 10.201.0.1/.2, DICOM 10.202.0.1/.2).
describe('vigil pcap', () => {
  let out = '';
  let err = '';
  beforeEach(() => {
    out = '';
    err = '';
    vi.spyOn(process.stdout, 'write').mockImplementation((s) => ((out += String(s)), true));
    vi.spyOn(process.stderr, 'write').mockImplementation((s) => ((err += String(s)), true));
  });
  afterEach(() => vi.restoreAllMocks());

  async function setup() {
    const dir = tempDir('cli');
    await fillStore(join(dir, 'packets'), [fixture('hl7/mllp-vigil.pcap'), fixture('dicom/store.pcap')], { segmentBytes: 16 << 10, maxBytes: 1 << 30 });
    const db = join(dir, 'vigil.db');
    const store = await InventoryStore.open(db);
    const id = await store.createDevice({ identity_kind: 'mac', identity: '02:00:00:00:02:01', first_seen: 0, last_seen: 0, mac: '02:00:00:00:02:01', ip: '10.202.0.1', vlan: null, hostname: 'ct-scanner-1', vendor: null, model: null, firmware: null, os: null, serial: null, category: null, role: null, zone: null });
    await store.close();
    return { dir, db, id };
  }

  it('--device by hostname selects that device\'s packets, redacted, and records the export', async () => {
    const { dir, db } = await setup();
    const file = join(dir, 'ct.pcapng');
    const code = await pcapCommand({ store: join(dir, 'packets'), out: file, db, device: 'CT-Scanner-1' });
    expect(err).toBe('');
    expect(code).toBe(0);
    const dicom = await readPackets(fixture('dicom/store.pcap'));
    const exported = await readPackets(file);
    expect(exported.length).toBe(dicom.length);
    // store.pcap holds four associations (tshark: tcp.stream 0-3).
    expect(out).toMatch(/redacted: 0 HL7, 4 DICOM, 0 ASTM connections/);
    const sha = /sha256 ([0-9a-f]{64})/.exec(out)![1];
    const store = await InventoryStore.open(db);
    const rows = await store.db.selectFrom('audit_log').selectAll().execute();
    await store.close();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ action: 'pcap.export', target: file, role: 'cli' });
    expect(JSON.parse(rows[0].detail)).toMatchObject({ sha256: sha, packets: dicom.length, redacted: true, query: { ips: ['10.202.0.1'] } });
  });

  it('--port with --no-redact and a time window; --flow selects one connection', async () => {
    const { dir, db } = await setup();
    const hl7 = await readPackets(fixture('hl7/mllp-vigil.pcap'));
    const file = join(dir, 'hl7.pcapng');
    const from = String(hl7[0].tsSec);
    const code = await pcapCommand({ store: join(dir, 'packets'), out: file, db, port: '2575', from, to: new Date((hl7[0].tsSec + 3600) * 1000).toISOString(), redact: false });
    expect(code).toBe(0);
    expect(out).toMatch(/NOT redacted/);
    expect((await readPackets(file)).length).toBe(hl7.filter((p) => p.tsSec >= hl7[0].tsSec).length);
    expect(readFileSync(file).includes(Buffer.from('TESTPATIENT'))).toBe(true);
    const flowFile = join(dir, 'flow.pcapng');
    expect(await pcapCommand({ store: join(dir, 'packets'), out: flowFile, db, flow: '10.201.0.1:2575-10.201.0.2:36354' })).toBe(0);
    const decoder = new PacketDecoder();
    const inFlow = hl7.filter((p) => {
      const d = decoder.decodeFrame(p.frame, 0, p.frame.length, p.origLen, p.linkType, p.tsSec);
      return d.srcPort === 36354 || d.dstPort === 36354;
    });
    expect(inFlow.length).toBeGreaterThan(4);
    expect((await readPackets(flowFile)).length).toBe(inFlow.length);
  });

  it('an unknown device or a bad time is a clear error, and nothing is written', async () => {
    const { dir, db } = await setup();
    const file = join(dir, 'none.pcapng');
    expect(await pcapCommand({ store: join(dir, 'packets'), out: file, db, device: 'nobody' })).toBe(1);
    expect(err).toMatch(/no device "nobody"/);
    expect(await pcapCommand({ store: join(dir, 'packets'), out: file, db, from: 'yesterday' })).toBe(1);
    expect(err).toMatch(/--from "yesterday" is neither/);
    expect(await pcapCommand({ store: join(dir, 'missing'), out: file, db })).toBe(1);
    expect(err).toMatch(/is not a packet store/);
    expect(existsSync(file)).toBe(false);
  });

  it('parses ISO times (UTC unless a zone is given) and epoch seconds', () => {
    expect(parseTime('2026-11-23T10:15:00Z', '--from')).toBe(Date.UTC(2026, 10, 23, 10, 15) / 1000);
    expect(parseTime('2026-11-23T10:15:00', '--from')).toBe(Date.UTC(2026, 10, 23, 10, 15) / 1000);
    expect(parseTime('2026-11-23T11:15:00+01:00', '--from')).toBe(Date.UTC(2026, 10, 23, 10, 15) / 1000);
    expect(parseTime('1795470325.5', '--from')).toBe(1795470325.5);
  });
});
