import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportPackets } from '../../src/forensics/packet-export.js';
import { InventoryStore } from '../../src/store/inventory-store.js';
import { fillStore, haveTshark, readPackets, repo, tempDir, tsharkFields } from './store-fixtures.js';

// The demo capture (the simulator's hospital: HL7, DICOM and ASTM connections, every TCP checksum valid):
// every TCP packet exported redacted and as captured. This checks the whole pipeline at scale, and the
// RFC 1624 checksum update on every packet redaction changed.
const DEMO = repo('data/demo/hospital-demo.pcapng.gz');

describe.skipIf(!existsSync(DEMO))('redacted export of the demo capture', () => {
  let db: InventoryStore;
  let dir = '';
  beforeAll(async () => {
    db = await InventoryStore.open(':memory:');
    dir = tempDir('demo-redact');
    await fillStore(join(dir, 'store'), [DEMO], { segmentBytes: 4 << 20, maxBytes: 1 << 30 });
  });
  afterAll(async () => {
    await db.close();
  });

  it('recognises the three protocols, keeps every packet and every length, and masks HL7 patient segments', async () => {
    const plain = join(dir, 'plain.pcapng');
    const masked = join(dir, 'masked.pcapng');
    const p = await exportPackets(join(dir, 'store'), { proto: 'tcp' }, { redact: false, out: plain, actor: 'test', db });
    const r = await exportPackets(join(dir, 'store'), { proto: 'tcp' }, { redact: true, out: masked, actor: 'test', db });
    expect(r.redaction?.flows.hl7).toBeGreaterThan(0);
    expect(r.redaction?.flows.dicom).toBeGreaterThan(0);
    expect(r.redaction?.flows.astm).toBeGreaterThan(0);
    expect(r.redaction?.packetsChanged).toBeGreaterThan(100);
    expect(r.packets).toBe(p.packets);
    const [a, b] = await Promise.all([readPackets(plain), readPackets(masked)]);
    expect(b.map((x) => x.frame.length)).toEqual(a.map((x) => x.frame.length));
    const changed = b.filter((x, i) => !x.frame.equals(a[i].frame)).length;
    expect(changed).toBe(r.redaction?.packetsChanged);
    // PID segments: present in the capture, every value masked in the export.
    const pids = (file: string) => readFileSync(file).toString('latin1').match(/\rPID\|[^\r]*/g) ?? [];
    expect(pids(plain).length).toBeGreaterThan(10);
    for (const seg of pids(masked)) expect(seg.slice(5)).toMatch(/^[X|^~&\\]*$/);
  });

  it.skipIf(!haveTshark)('every TCP checksum tshark finds valid in the capture is still valid after redaction', async () => {
    const masked = join(dir, 'masked-ck.pcapng');
    await exportPackets(join(dir, 'store'), { proto: 'tcp' }, { redact: true, out: masked, actor: 'test', db });
    const status = (f: string) => tsharkFields(f, ['tcp.checksum.status'], 'tcp', ['-o', 'tcp.check_checksum:TRUE']);
    const before = status(DEMO);
    const after = status(masked);
    expect(after.length).toBe(before.length);
    expect(before.filter((s) => s === '1').length).toBeGreaterThan(1000);
    expect(after).toEqual(before);
  });
});
