import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportPackets } from '../../src/forensics/packet-export.js';
import { InventoryStore } from '../../src/store/inventory-store.js';
import { fillStore, fixture, haveTshark, shared, tempDir, tsharkFields } from './store-fixtures.js';

// Redacted exports of the HL7 and DICOM recordings: PHI values are read from the originals by tshark
// (the oracle), and must be gone from the export, which tshark must still dissect as HL7 / DICOM.

const HL7 = [fixture('hl7/mllp-cdc.pcap'), fixture('hl7/mllp-vigil.pcap'), shared('captures/medical/ndpi/hl7.pcap')].filter((f) => existsSync(f));
const DICOM = ['store.pcap', 'move.pcap', 'find.pcap'].map((f) => fixture(`dicom/${f}`));
/** Segments whose values hl7-redact.ts keeps (headers and acknowledgments: no patient data). */
const HL7_KEPT = new Set(['MSH', 'FHS', 'BHS', 'BTS', 'FTS', 'MSA']);
/** DICOM patient and study attributes read from tshark's tree: group 0010, accession number, study UID and date, physicians. */
const DICOM_PHI = /^\s*\((0010,(?!0000)[0-9a-f]{4}|0008,0050|0008,0020|0008,0090|0020,000d|0040,(?!0000)[0-9a-f]{4})\)\s+\d+\s+.+?\s{2,}(?:\[(?!SQ|UL)[A-Z]{2}\] )?(\S.*?)\s*$/;

/**
 * Every component of length ≥ 4 of the segments tshark shows that redaction masks (PID, PV1, OBX...), minus
 * those a kept header (MSH, MSA) also carries: those stay, by design, and hold no patient data.
 */
function hl7PhiValues(file: string): string[] {
  const segments = tsharkFields(file, ['hl7.segment'], 'hl7', ['-E', 'occurrence=a', '-E', 'aggregator=\u0001']).flatMap((l) => l.split('\u0001'));
  const kept: string[] = [];
  const values = new Set<string>();
  for (const seg of segments) {
    const text = seg.replace(/\\r$/, '');
    const id = text.slice(0, 3);
    if (HL7_KEPT.has(id)) kept.push(text);
    else for (const v of text.slice(4).split(/[|^~&]/)) if (v.length >= 4) values.add(v);
  }
  return [...values].filter((v) => !kept.some((k) => k.includes(v)));
}

function dicomPhiValues(file: string): string[] {
  const tree = execFileSync('tshark', ['-r', file, '-Y', 'dicom', '-V'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 256 << 20 });
  const out = new Set<string>();
  for (const line of tree.split('\n')) {
    const m = DICOM_PHI.exec(line);
    if (m && m[2] !== '<Empty>' && !m[2].startsWith('[') && m[2].length >= 3) out.add(m[2]);
  }
  return [...out];
}

/** `time<TAB>status` (1 good, 0 bad) of every TCP packet, sorted. */
function checksumStatus(files: string[]): string[] {
  return files.flatMap((f) => tsharkFields(f, ['frame.time_epoch', 'tcp.checksum.status'], 'tcp', ['-o', 'tcp.check_checksum:TRUE'])).sort();
}

async function exportAll(captures: string[], label: string, db: InventoryStore, redact = true) {
  const dir = tempDir(label);
  await fillStore(dir, captures, { segmentBytes: 8 << 10, maxBytes: 1 << 30 });
  const out = join(dir, `${label}.pcapng`);
  const result = await exportPackets(dir, {}, { redact, out, actor: 'test', db });
  return { out, result };
}

describe.skipIf(!haveTshark)('redacted export (tshark as the oracle)', () => {
  let db: InventoryStore;
  beforeAll(async () => {
    db = await InventoryStore.open(':memory:');
  });
  afterAll(async () => {
    await db.close();
  });

  it('HL7: no patient value of the recordings is left, and tshark still dissects every message', async () => {
    const phi = HL7.flatMap(hl7PhiValues);
    expect(phi.length, 'the recordings hold patient values').toBeGreaterThan(10);
    expect(phi).toContain('SMITH');
    const { out, result } = await exportAll(HL7, 'hl7', db);
    expect(result.redaction?.flows.hl7).toBeGreaterThanOrEqual(HL7.length);
    expect(result.errors).toEqual([]);
    const bytes = readFileSync(out);
    for (const v of phi) expect(bytes.includes(Buffer.from(v, 'utf8')), v).toBe(false);
    const types = (files: string[]) => files.flatMap((f) => tsharkFields(f, ['hl7.message.type', 'hl7.event.type'], 'hl7'));
    expect(tsharkFields(out, ['hl7.message.type', 'hl7.event.type'], 'hl7').sort()).toEqual(types(HL7).sort());
    // What tshark now shows in those segments is mask only.
    expect(hl7PhiValues(out).filter((v) => !/^X+$/.test(v))).toEqual([]);
    // Checksums are updated, not recomputed: a packet's checksum is valid in the export iff it was in the
    // recording (the fixtures recorded on a veth pair carry offloaded, hence invalid, ones; nDPI's are valid).
    expect(checksumStatus([out])).toEqual(checksumStatus(HL7));
    expect(checksumStatus([out]).filter((l) => l.endsWith('\t1')).length).toBeGreaterThanOrEqual(HL7.length === 3 ? 5 : 0);
  });

  it('DICOM: no patient or study value is left, and tshark still dissects the same PDUs', async () => {
    const phi = DICOM.flatMap(dicomPhiValues);
    expect(phi.length, 'the recordings hold patient values').toBeGreaterThan(3);
    expect(phi).toContain('CompressedSamples^MR1');
    const { out, result } = await exportAll(DICOM, 'dicom', db);
    expect(result.redaction?.flows.dicom).toBeGreaterThanOrEqual(DICOM.length);
    const bytes = readFileSync(out);
    // Dates are checked per attribute only (below): the recordings' study date also appears in attributes the
    // DICOM redaction keeps by design (Instance Creation Date, UIDs that embed a timestamp).
    for (const v of phi.filter((x) => !/^\d{8}$/.test(x))) expect(bytes.includes(Buffer.from(v, 'latin1')), v).toBe(false);
    // What tshark now shows for those attributes are masks (19000101, XXXX, 999...), none of the values.
    const after = dicomPhiValues(out);
    expect(after.length).toBeGreaterThan(0);
    expect(after.filter((v) => phi.includes(v))).toEqual([]);
    const pdus = (files: string[]) => files.flatMap((f) => tsharkFields(f, ['dicom.pdu.type', 'dicom.tag'], 'dicom', ['-E', 'occurrence=a']));
    expect(pdus([out]).sort()).toEqual(pdus(DICOM).sort());
    expect(checksumStatus([out])).toEqual(checksumStatus(DICOM));
  });

  it('chain of custody: the SHA-256 of the file written and the query are in the audit log', async () => {
    const { out, result } = await exportAll([fixture('hl7/mllp-vigil.pcap')], 'audit', db);
    expect(result.sha256).toBe(createHash('sha256').update(readFileSync(out)).digest('hex'));
    const rows = await db.db.selectFrom('audit_log').selectAll().where('action', '=', 'pcap.export').execute();
    const row = rows.find((r) => r.target === out);
    expect(row).toBeDefined();
    const detail = JSON.parse(row!.detail) as { sha256: string; packets: number; redacted: boolean; query: unknown };
    expect(detail).toMatchObject({ sha256: result.sha256, packets: result.packets, redacted: true, query: {} });
    expect(row!.actor).toBe('test');
  });

  it('an unredacted export keeps the payloads (and says so in the audit record)', async () => {
    const { out, result } = await exportAll([fixture('hl7/mllp-vigil.pcap')], 'plain', db, false);
    expect(result.redacted).toBe(false);
    expect(readFileSync(out).includes(Buffer.from('TESTPATIENT'))).toBe(true);
  });
});
