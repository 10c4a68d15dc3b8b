import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Direction, DissectorContext } from '../../src/protocols/dissector.js';
import { feedWhole, type Fact, type Segment, type Vector } from '../../src/protocols/harness.js';
import { Hl7Dissector, isCountStep, MAX_FRAME, redactHl7 } from '../../src/protocols/hl7/index.js';
import { ensureBuilt, ROOT } from '../cli/cli-helpers.js';
import { describeConformance, type ConformanceVector } from './conformance.js';
import { captureSkipReason } from './tshark-fields.js';
import { tcpFlows } from './tshark-streams.js';

// Real bytes: test/fixtures/hl7/*.pcap, recorded by scripts/record-hl7-fixtures.sh between two network
// namespaces: python3-hl7's mllp_send (Debian) sending to scripts/hl7-mllp-peer.py, whose ACKs python3-hl7's
// Message.create_ack builds. mllp-cdc.pcap carries three CDC example messages (Apache-2.0, copied in
// test/fixtures/hl7/messages/, see test/fixtures/README.md); mllp-vigil.pcap carries messages written for Vigil
// with synthetic patients (UTF-8, escape sequences, an FHS/BHS batch in one MLLP frame and the same batch bare).
// ../shared/captures/medical/ndpi/hl7.pcap (nDPI, LGPL) is read at run time only.
// Oracle: tshark's own `hl7` dissector on the same captures (MSH fields as it numbers them in its tree).

const FIXTURES = new URL('../fixtures/hl7/', import.meta.url);
const MESSAGES = new URL('messages/', FIXTURES);
const NDPI = new URL('../../../shared/captures/medical/ndpi/hl7.pcap', import.meta.url);
const CDC_PCAP = new URL('mllp-cdc.pcap', FIXTURES).pathname;
const VIGIL_PCAP = new URL('mllp-vigil.pcap', FIXTURES).pathname;

interface Packet {
  /** Capture time, seconds since the epoch. */
  ts: number;
  src: string;
  dst: string;
  sport: number;
  dport: number;
  seq: number;
  syn: boolean;
  /** Offset of the TCP payload in the capture file, and its length. */
  at: number;
  length: number;
}

/** TCP packets of a classic pcap of Ethernet/IPv4 frames, little- or big-endian. */
function tcpPackets(file: Buffer): Packet[] {
  const le = file.readUInt32LE(0) === 0xa1b2c3d4;
  const u32 = (at: number): number => (le ? file.readUInt32LE(at) : file.readUInt32BE(at));
  const out: Packet[] = [];
  for (let pos = 24; pos + 16 <= file.length; ) {
    const caplen = u32(pos + 8);
    const frame = pos + 16;
    pos = frame + caplen;
    if (file.readUInt16BE(frame + 12) !== 0x0800 || file[frame + 23] !== 6) continue;
    const l4 = frame + 14 + (file[frame + 14] & 0x0f) * 4;
    const end = frame + 14 + file.readUInt16BE(frame + 16);
    const payload = l4 + (file[l4 + 12] >> 4) * 4;
    out.push({
      ts: u32(pos - 16 - caplen) + u32(pos - 12 - caplen) / 1e6,
      src: [...file.subarray(frame + 26, frame + 30)].join('.'),
      dst: [...file.subarray(frame + 30, frame + 34)].join('.'),
      sport: file.readUInt16BE(l4),
      dport: file.readUInt16BE(l4 + 2),
      seq: file.readUInt32BE(l4 + 4),
      syn: (file[l4 + 13] & 0x02) !== 0,
      at: payload,
      length: Math.max(0, end - payload),
    });
  }
  return out;
}

interface RecordedFlow extends Vector {
  readonly packets: Array<Packet & { dir: Direction }>;
}

/** TCP connections in capture order (veth loses and reorders nothing; retransmissions are dropped by sequence). */
function recordedFlows(file: Buffer): RecordedFlow[] {
  const flows = new Map<string, { originator: string; originatorPort: number; responderPort: number; next: Map<string, number>; segments: Segment[]; packets: Array<Packet & { dir: Direction }> }>();
  for (const p of tcpPackets(file)) {
    const id = [`${p.src}:${p.sport}`, `${p.dst}:${p.dport}`].sort().join(' ');
    let flow = flows.get(id);
    if (flow === undefined) {
      flow = { originator: `${p.src}:${p.sport}`, originatorPort: p.sport, responderPort: p.dport, next: new Map(), segments: [], packets: [] };
      flows.set(id, flow);
    }
    const side = `${p.src}:${p.sport}`;
    const dir: Direction = side === flow.originator ? 0 : 1;
    if (p.syn) flow.next.set(side, (p.seq + 1) >>> 0);
    if (p.length === 0) continue;
    if (flow.next.has(side) && p.seq !== flow.next.get(side)) continue;
    flow.next.set(side, (p.seq + p.length) >>> 0);
    flow.segments.push({ dir, bytes: file.subarray(p.at, p.at + p.length) });
    flow.packets.push({ ...p, dir });
  }
  return [...flows.values()].map((f) => ({ transport: 'tcp' as const, originatorPort: f.originatorPort, responderPort: f.responderPort, segments: f.segments, packets: f.packets }));
}

const cdcFlows = recordedFlows(readFileSync(CDC_PCAP));
const vigilFlows = recordedFlows(readFileSync(VIGIL_PCAP));

const fact = (from: Direction, key: string, value: Fact['value']): Fact => ({ key, value, from });
const latin1 = (text: string): Buffer => Buffer.from(text, 'latin1');
const seg = (dir: Direction, bytes: Buffer | string): Segment => ({ dir, bytes: typeof bytes === 'string' ? latin1(bytes) : bytes });
const vector = (name: string, flow: Vector, expected: Fact[], exact = false): ConformanceVector => ({ ...flow, name, expected, exact });
const mllp = (text: string): string => `\x0b${text}\x1c\r`;

const headerFacts = (from: Direction, app: string, facility: string, toApp: string, toFacility: string): Fact[] =>
  [
    fact(from, 'hl7.sending_application', app),
    fact(from, 'hl7.sending_facility', facility),
    fact(from, 'hl7.receiving_application', toApp),
    fact(from, 'hl7.receiving_facility', toFacility),
  ].filter((f) => f.value !== '');

const vectors: ConformanceVector[] = [
  vector('recorded mllp-cdc.pcap: ADT^A01, ORM^O01, ORU^R01 and their ACKs', cdcFlows[0], [
    fact(0, 'hl7.mllp', true),
    ...headerFacts(0, 'SCH', 'SCH', '', 'Idx'),
    ...headerFacts(0, 'EPICSTND', 'MB003480', 'PSC', 'MB'),
    ...headerFacts(0, 'LABGEM', 'SONIC.RLN', 'UTMPMSE', 'UTMPMSE'),
    fact(0, 'hl7.message_type', 'ADT^A01'),
    fact(0, 'hl7.message_type', 'ORM^O01'),
    fact(0, 'hl7.message_type', 'ORU^R01'),
    fact(0, 'hl7.version', '2.3'),
    fact(0, 'hl7.processing_id', 'D'),
    fact(0, 'hl7.encoding_characters', '^~\\&'),
    fact(0, 'hl7.messages', 2),
    fact(0, 'hl7.patients', 2),
    fact(0, 'hl7.phi_present', true),
    fact(0, 'hl7.segments', ['DG1', 'EVN', 'GT1', 'IN1', 'MSH', 'NK1', 'NTE', 'OBR', 'OBX', 'ORC', 'PID', 'PV1']),
    fact(0, 'hl7.phi_segments', ['DG1', 'GT1', 'IN1', 'NK1', 'NTE', 'OBR', 'OBX', 'ORC', 'PID', 'PV1']),
    fact(1, 'hl7.mllp', true),
    ...headerFacts(1, '', 'Idx', 'SCH', 'SCH'),
    ...headerFacts(1, 'PSC', 'MB', 'EPICSTND', 'MB003480'),
    fact(1, 'hl7.message_type', 'ACK^A01'),
    fact(1, 'hl7.message_type', 'ACK^O01'),
    fact(1, 'hl7.message_type', 'ACK^R01'),
    fact(1, 'hl7.message_structure', 'ACK'),
    fact(1, 'hl7.ack_code', 'AA'),
    fact(1, 'hl7.segments', ['MSA', 'MSH']),
    fact(1, 'hl7.ack_latency_ms', 0),
  ]),
  vector('recorded mllp-vigil.pcap stream 0: ADT^A08 in UTF-8 with escapes, ORU^R01', vigilFlows[0], [
    fact(0, 'hl7.charset', 'UNICODE UTF-8'),
    ...headerFacts(0, 'VIGIL-PUMPGW', 'ICU-EAST', 'EPIC-ADT', 'GENHOSP'),
    ...headerFacts(0, 'VIGIL-LIS', 'CORE-LAB', 'VIGIL-EHR', 'GENHOSP'),
    fact(0, 'hl7.message_type', 'ADT^A08'),
    fact(0, 'hl7.message_structure', 'ADT_A01'),
    fact(0, 'hl7.message_type', 'ORU^R01'),
    fact(0, 'hl7.message_structure', 'ORU_R01'),
    fact(0, 'hl7.version', '2.5.1'),
    fact(0, 'hl7.processing_id', 'P'),
    fact(0, 'hl7.non_ascii', true),
    fact(0, 'hl7.escape_sequences', true),
    fact(0, 'hl7.patients', 2),
    fact(0, 'hl7.phi_segments', ['NTE', 'OBR', 'OBX', 'PID', 'PV1']),
    fact(1, 'hl7.message_type', 'ACK^A08'),
    fact(1, 'hl7.message_type', 'ACK^R01'),
    fact(1, 'hl7.ack_code', 'AA'),
  ]),
  vector(
    'recorded mllp-vigil.pcap stream 1: an FHS/BHS batch of three ADT in one MLLP frame',
    vigilFlows[1],
    [
      fact(0, 'hl7.mllp', true),
      fact(0, 'hl7.batch', true),
      ...headerFacts(0, 'VIGIL-BATCH', 'CORE-LAB', 'VIGIL-EHR', 'GENHOSP'),
      fact(0, 'hl7.encoding_characters', '^~\\&'),
      fact(0, 'hl7.segments', ['FHS']),
      fact(0, 'hl7.segments', ['BHS', 'FHS']),
      fact(0, 'hl7.segments', ['BHS', 'FHS', 'MSH']),
      fact(0, 'hl7.segments', ['BHS', 'FHS', 'MSH', 'PID']),
      fact(0, 'hl7.segments', ['BHS', 'BTS', 'FHS', 'MSH', 'PID']),
      fact(0, 'hl7.segments', ['BHS', 'BTS', 'FHS', 'FTS', 'MSH', 'PID']),
      fact(0, 'hl7.phi_present', true),
      fact(0, 'hl7.phi_segments', ['PID']),
      fact(0, 'hl7.message_type', 'ADT^A04'),
      fact(0, 'hl7.message_type', 'ADT^A08'),
      fact(0, 'hl7.version', '2.3'),
      fact(0, 'hl7.processing_id', 'P'),
      fact(0, 'hl7.messages', 1),
      fact(0, 'hl7.messages', 2),
      // Three messages, two distinct patients (VG900103 twice).
      fact(0, 'hl7.patients', 1),
      fact(0, 'hl7.patients', 2),
      fact(1, 'hl7.mllp', true),
      ...headerFacts(1, 'VIGIL-EHR', 'GENHOSP', 'VIGIL-BATCH', 'CORE-LAB'),
      fact(1, 'hl7.encoding_characters', '^~\\&'),
      fact(1, 'hl7.segments', ['MSH']),
      fact(1, 'hl7.segments', ['MSA', 'MSH']),
      fact(1, 'hl7.message_type', 'ACK^A04'),
      fact(1, 'hl7.message_structure', 'ACK'),
      fact(1, 'hl7.version', '2.3'),
      fact(1, 'hl7.processing_id', 'P'),
      fact(1, 'hl7.messages', 1),
      fact(1, 'hl7.ack_code', 'AA'),
      fact(1, 'hl7.ack_latency_ms', 0),
    ],
    true,
  ),
  vector('recorded mllp-vigil.pcap stream 2: the same batch bare (no MLLP), ACK framed', vigilFlows[2], [
    fact(0, 'hl7.mllp', false),
    fact(0, 'hl7.batch', true),
    fact(0, 'hl7.message_type', 'ADT^A04'),
    fact(0, 'hl7.message_type', 'ADT^A08'),
    fact(0, 'hl7.patients', 2),
    fact(1, 'hl7.mllp', true),
    fact(1, 'hl7.ack_code', 'AA'),
  ]),
  vector(
    'built: two frames in one chunk, LF and CR LF segment ends, junk between frames, MSA matching MSH-10',
    {
      transport: 'tcp',
      originatorPort: 40100,
      responderPort: 2575,
      segments: [
        seg(0, mllp('MSH|^~\\&|PUMP|ICU|||||ORU^R40^ORU_R40|C1|P|2.6\nOBX|1|NM|x||7\r\n') + 'junk' + mllp('MSH|^~\\&|PUMP|ICU|||||ORU^R40|C2|T|2.6\r')),
        seg(1, mllp('MSH|^~\\&|EHR||PUMP|ICU|||ACK|A1|P|2.6\rMSA|CA|C2\r')),
      ],
    },
    [
      fact(0, 'hl7.mllp', true),
      fact(0, 'hl7.segments', ['MSH']),
      fact(0, 'hl7.segments', ['MSH', 'OBX']),
      fact(0, 'hl7.phi_present', true),
      fact(0, 'hl7.phi_segments', ['OBX']),
      fact(0, 'hl7.messages', 1),
      fact(0, 'hl7.messages', 2),
      fact(0, 'hl7.encoding_characters', '^~\\&'),
      fact(0, 'hl7.sending_application', 'PUMP'),
      fact(0, 'hl7.sending_facility', 'ICU'),
      fact(0, 'hl7.message_type', 'ORU^R40'),
      fact(0, 'hl7.message_structure', 'ORU_R40'),
      fact(0, 'hl7.version', '2.6'),
      fact(0, 'hl7.processing_id', 'P'),
      fact(0, 'hl7.processing_id', 'T'),
      fact(1, 'hl7.mllp', true),
      fact(1, 'hl7.segments', ['MSH']),
      fact(1, 'hl7.segments', ['MSA', 'MSH']),
      fact(1, 'hl7.messages', 1),
      fact(1, 'hl7.encoding_characters', '^~\\&'),
      fact(1, 'hl7.sending_application', 'EHR'),
      fact(1, 'hl7.receiving_application', 'PUMP'),
      fact(1, 'hl7.receiving_facility', 'ICU'),
      fact(1, 'hl7.message_type', 'ACK'),
      fact(1, 'hl7.version', '2.6'),
      fact(1, 'hl7.processing_id', 'P'),
      fact(1, 'hl7.ack_code', 'CA'),
      fact(1, 'hl7.ack_latency_ms', 0),
    ],
    true,
  ),
  vector(
    'built: other separators (MSH|$*#@), 8-bit Latin-1, an escape with the declared escape character',
    { transport: 'tcp', originatorPort: 40101, responderPort: 6661, segments: [seg(0, mllp('MSH|$*#@|LAB$A1$$|SITE|||||ADT$A01|9|P|2.4||||||8859/1\rNTE|1||caf\xe9 #H#x#N#\r'))] },
    [
      fact(0, 'hl7.mllp', true),
      fact(0, 'hl7.segments', ['MSH']),
      fact(0, 'hl7.segments', ['MSH', 'NTE']),
      fact(0, 'hl7.phi_present', true),
      fact(0, 'hl7.phi_segments', ['NTE']),
      fact(0, 'hl7.messages', 1),
      fact(0, 'hl7.charset', '8859/1'),
      fact(0, 'hl7.encoding_characters', '$*#@'),
      fact(0, 'hl7.sending_application', 'LAB^A1'),
      fact(0, 'hl7.sending_facility', 'SITE'),
      fact(0, 'hl7.message_type', 'ADT^A01'),
      fact(0, 'hl7.version', '2.4'),
      fact(0, 'hl7.processing_id', 'P'),
      fact(0, 'hl7.non_ascii', true),
      fact(0, 'hl7.escape_sequences', true),
    ],
    true,
  ),
  vector(
    'built: not HL7 on port 2575 (SSH banners, a frame of binary)',
    { transport: 'tcp', originatorPort: 40102, responderPort: 2575, segments: [seg(1, 'SSH-2.0-OpenSSH_9.6\r\n'), seg(0, '\x0b\x00\x01\x02\x1c\r')] },
    [],
    true,
  ),
];

if (existsSync(NDPI)) {
  const [flow] = recordedFlows(readFileSync(NDPI));
  vectors.push(
    vector('shared ndpi/hl7.pcap: ADT^A01 and its ACK on port 6661 (run time only)', flow, [
      ...headerFacts(0, 'SENDING_APPLICATION', 'SENDING_FACILITY', 'RECEIVING_APPLICATION', 'RECEIVING_FACILITY'),
      fact(0, 'hl7.message_type', 'ADT^A01'),
      fact(0, 'hl7.phi_segments', ['AL1', 'NK1', 'PID', 'PV1']),
      fact(0, 'hl7.patients', 1),
      ...headerFacts(1, 'RECEIVING_APPLICATION', 'RECEIVING_FACILITY', 'SENDING_APPLICATION', 'SENDING_FACILITY'),
      fact(1, 'hl7.message_type', 'ACK'),
      fact(1, 'hl7.ack_code', 'AA'),
      fact(1, 'hl7.ack_latency_ms', 0),
    ]),
  );
} else {
  console.info('hl7.test: ../shared is absent: the ndpi/hl7.pcap vector is skipped');
}

const hl7 = new Hl7Dissector();
describeConformance(hl7, vectors);

/** PHI values of the fixture messages: PID-3.1, PID-5 name components, PID-7, PID-11.1, NK1-2 names. */
function phiValues(): string[] {
  const values = new Set<string>();
  for (const name of readdirSync(MESSAGES)) {
    const text = readFileSync(new URL(name, MESSAGES), 'utf8');
    for (const segment of text.split(/[\r\n]+/)) {
      const fields = segment.split('|');
      const add = (field: string | undefined, all = true): void => {
        for (const part of (field ?? '').split('~')[0].split('^').slice(0, all ? undefined : 1)) {
          const v = part.trim();
          // Placeholders of the CDC examples (`DOB`, `LAST NAME`) and one-letter codes are not values.
          if (v.length >= 4 && !/^(DOB|SEX|LAST NAME|FIRST NAME|ADDRESS.*|CITY|STATE|ZIP)$/.test(v)) values.add(v);
        }
      };
      if (fields[0] === 'PID') {
        add(fields[3], false);
        add(fields[5]);
        add(fields[7]);
        add(fields[11], false);
      } else if (fields[0] === 'NK1') {
        add(fields[2]);
      }
    }
  }
  return [...values];
}
const PHI = phiValues();

describe('Hl7Dissector', () => {
  it('claims TCP 2575 and 6661', () => {
    expect(hl7.tcpPorts).toEqual([2575, 6661]);
    expect(hl7.udpPorts).toEqual([]);
  });

  it('probes MLLP and bare headers, nothing else', () => {
    const probe = (text: string, transport: 'tcp' | 'udp' = 'tcp'): boolean => {
      const buf = Buffer.concat([latin1('zz'), latin1(text)]);
      return hl7.probe(transport, 0, buf, 2, buf.length - 2);
    };
    expect(probe('\x0bMSH|^~\\&|A')).toBe(true);
    expect(probe('MSH|^~\\&|A')).toBe(true);
    expect(probe('\x0bFHS|^~\\&')).toBe(true);
    expect(probe('BHS|^~\\&')).toBe(true);
    expect(probe('MSH|^~\\&', 'udp')).toBe(false);
    expect(probe('MSHX')).toBe(false);
    expect(probe('\x0bMSH')).toBe(false);
    expect(probe('GET / HTTP/1.1')).toBe(false);
  });

  it('extracts more than a few PHI values from the fixture messages (the PHI checks below can fail)', () => {
    expect(PHI.length).toBeGreaterThan(15);
    expect(PHI).toContain('MÜLLER');
    expect(PHI).toContain('19700412');
  });

  it('never emits a PHI value or a control id', () => {
    for (const v of vectors) {
      const text = feedWhole(hl7, v).facts.map((f) => JSON.stringify(f.value)).join('\n');
      for (const value of [...PHI, 'VG-0001', '407750281', '550162']) expect(text, v.name).not.toContain(value);
    }
  });

  it('times each ACK against its message (MSA-2 = MSH-10) and emits the largest latency at the end', () => {
    const facts: Fact[] = [];
    const ctx = { ts: 1000, transport: 'tcp', originatorPort: 1, responderPort: 2575, emit: (key: string, value: Fact['value'], from: Direction) => facts.push({ key, value, from }) };
    const session = hl7.open(ctx as DissectorContext);
    const send = (dir: Direction, text: string, ts: number): void => {
      ctx.ts = ts;
      session.data(dir, latin1(text), 0, text.length);
    };
    send(0, mllp('MSH|^~\\&|A|B|C|D|||ADT^A01|M1|P|2.5\r'), 1000);
    send(0, mllp('MSH|^~\\&|A|B|C|D|||ADT^A01|M2|P|2.5\r'), 1000.5);
    send(1, mllp('MSH|^~\\&|C|D|A|B|||ACK|K1|P|2.5\rMSA|AA|M2\r'), 1000.75);
    send(1, mllp('MSH|^~\\&|C|D|A|B|||ACK|K2|P|2.5\rMSA|AE|M1\r'), 1001.25);
    send(1, mllp('MSH|^~\\&|C|D|A|B|||ACK|K3|P|2.5\rMSA|AA|UNKNOWN\r'), 1009);
    session.end?.();
    expect(facts.filter((f) => f.key === 'hl7.ack_latency_ms')).toEqual([fact(1, 'hl7.ack_latency_ms', 1250)]);
    expect(facts.filter((f) => f.key === 'hl7.ack_code').map((f) => f.value)).toEqual(['AA', 'AE']);
  });

  it('drops a frame over MAX_FRAME and resynchronises at the next start block', () => {
    const facts: string[] = [];
    const session = hl7.open({ ts: 0, transport: 'tcp', originatorPort: 1, responderPort: 2575, emit: (key, value) => facts.push(`${key}=${String(value)}`) });
    const big = Buffer.alloc(MAX_FRAME + 2, 0x41);
    latin1('\x0bMSH|^~\\&|HUGE|||||||').copy(big);
    session.data(0, big, 0, big.length);
    const next = latin1(mllp('MSH|^~\\&|SMALL||||||ORU^R01|1|P|2.5\r'));
    session.data(0, next, 0, next.length);
    expect(facts).toContain('hl7.sending_application=SMALL');
    expect(facts.some((f) => f.includes('HUGE'))).toBe(false);
  });

  it('after a gap, drops the frame in progress and reads the next one', () => {
    const facts: string[] = [];
    const session = hl7.open({ ts: 0, transport: 'tcp', originatorPort: 1, responderPort: 2575, emit: (key, value) => facts.push(`${key}=${String(value)}`) });
    const head = latin1('\x0bMSH|^~\\&|LOST');
    session.data(0, head, 0, head.length);
    session.gap?.(0, 100);
    const tail = latin1(`|X||||||ADT^A01|1|P|2.5\r\x1c\r${mllp('MSH|^~\\&|FOUND||||||ADT^A02|2|P|2.5\r')}`);
    session.data(0, tail, 0, tail.length);
    expect(facts).toContain('hl7.sending_application=FOUND');
    expect(facts.some((f) => f.includes('LOST') || f.includes('A01'))).toBe(false);
  });

  it('counts on the 1, 2, 5, 10 scale', () => {
    const steps = Array.from({ length: 1000 }, (_, i) => i + 1).filter(isCountStep);
    expect(steps).toEqual([1, 2, 5, 10, 20, 50, 100, 200, 500, 1000]);
  });

  it('stops reading a bare side that does not open with a header segment', () => {
    const session = hl7.open({ ts: 0, transport: 'tcp', originatorPort: 1, responderPort: 2575, emit: () => {} });
    const text = latin1('EVN|A01\rMSH|^~\\&|X\r');
    session.data(0, text, 0, text.length);
    session.data(1, latin1('hello\r'), 0, 6);
    expect(session.done).toBe(true);
  });
});

describe('redactHl7', () => {
  const message = readFileSync(new URL('vigil-adt-utf8.hl7', MESSAGES));
  const framed = Buffer.concat([Buffer.from([0x0b]), message, Buffer.from([0x1c, 0x0d])]);
  const redacted = redactHl7(framed);

  it('keeps the length, the framing, MSH, segment ids and separators', () => {
    expect(redacted.length).toBe(framed.length);
    expect(redacted[0]).toBe(0x0b);
    expect(redacted.subarray(-2)).toEqual(Buffer.from([0x1c, 0x0d]));
    const segments = redacted.subarray(1, -2).toString('latin1').split('\r');
    const original = message.toString('latin1').split('\r');
    expect(segments[0]).toBe(original[0]);
    expect(segments.map((s) => s.slice(0, 3))).toEqual(original.map((s) => s.slice(0, 3)));
    for (let i = 1; i < original.length; i++) expect(segments[i].replace(/[^|^~&]/g, '')).toBe(original[i].replace(/[^|^~&]/g, ''));
    expect(framed).toEqual(Buffer.concat([Buffer.from([0x0b]), message, Buffer.from([0x1c, 0x0d])]));
  });

  it('leaves no PHI value', () => {
    const text = redacted.toString('utf8');
    for (const value of ['VG900101', 'MÜLLER', 'ZOË', '19700412', 'HOUSE', 'latex', 'Lyon']) {
      expect(framed.toString('utf8')).toContain(value);
      expect(text).not.toContain(value);
    }
  });

  it('masks a line it cannot classify whole', () => {
    expect(redactHl7(latin1('ME^JOHN|1970\rMSA|AA|1\r')).toString('latin1')).toBe('XXXXXXXXXXXX\rMSA|AA|1\r');
  });
});

// ---------------------------------------------------------------------------------------------------------
// tshark as the oracle

interface TsharkMessage {
  stream: number;
  srcPort: number;
  /** Time of the frame tshark decoded the message in. */
  time: number;
  /** MSH-n text as tshark shows it (`field n: ...`), empty fields absent. */
  msh: Map<number, string>;
  /** MSA-n the same way, when the message has an MSA. */
  msa: Map<number, string>;
}

/** Every MSH tshark's `hl7` dissector decodes (on 2575, plus the capture's other `ports`), in order. */
function tsharkMessages(path: string, ports: number[] = []): TsharkMessage[] {
  const args = ['-r', path, ...ports.flatMap((p) => ['-d', `tcp.port==${p},hl7`]), '-o', 'tcp.desegment_tcp_streams:TRUE', '-Y', 'hl7', '-V'];
  const out = spawnSync('tshark', args, { encoding: 'utf8', maxBuffer: 1 << 26 }).stdout;
  const messages: TsharkMessage[] = [];
  let stream = -1;
  let srcPort = 0;
  let time = 0;
  let fields: Map<number, string> | null = null;
  for (const line of out.split('\n')) {
    const epoch = /^ {4}Epoch (?:Arrival )?Time: ([0-9.]+) seconds/.exec(line);
    if (epoch) time = Number(epoch[1]);
    const port = /^Transmission Control Protocol, Src Port: (\d+)/.exec(line);
    if (port) srcPort = Number(port[1]);
    const index = /^ {4}\[Stream index: (\d+)\]/.exec(line);
    if (index) stream = Number(index[1]);
    if (/^ {4}MSH \(/.test(line)) {
      fields = new Map();
      messages.push({ stream, srcPort, time, msh: fields, msa: new Map() });
      continue;
    }
    if (/^ {4}MSA \(/.test(line) && messages.length > 0) {
      fields = messages[messages.length - 1].msa;
      continue;
    }
    if (/^ {4}\S/.test(line) || /^\S/.test(line)) fields = null;
    const field = /^ {8}field (\d+): (.*)$/.exec(line);
    if (field && fields) fields.set(Number(field[1]), field[2]);
  }
  return messages;
}

/** tshark's text of MSH-3..6 the way Vigil reports it: first repetition, trailing empty components dropped. */
const party = (text: string | undefined): string => (text ?? '').split('~')[0].replace(/\^+$/, '').trim();
const messageType = (text: string | undefined): string => {
  const [code, event] = (text ?? '').split('~')[0].split('^');
  return event ? `${code}^${event}` : code;
};

const skipWhy = captureSkipReason('hl7.test');
const CAPTURES: Array<[string, number[]]> = [
  [CDC_PCAP, []],
  [VIGIL_PCAP, []],
  [NDPI.pathname, [6661]],
];
const KEYS: Array<[string, (m: Map<number, string>) => string]> = [
  ['hl7.message_type', (m) => messageType(m.get(9))],
  ['hl7.sending_application', (m) => party(m.get(3))],
  ['hl7.sending_facility', (m) => party(m.get(4))],
  ['hl7.receiving_application', (m) => party(m.get(5))],
  ['hl7.receiving_facility', (m) => party(m.get(6))],
  ['hl7.version', (m) => (m.get(12) ?? '').split('^')[0]],
];

describe.skipIf(skipWhy !== '')('HL7 against tshark', () => {
  it('per stream and side, the message types and MSH-3..6, -12 tshark decodes are exactly those emitted', () => {
    const lines: string[] = [];
    const problems: string[] = [];
    for (const [path, ports] of CAPTURES) {
      if (!existsSync(path)) continue;
      const theirs = tsharkMessages(path, ports);
      let compared = 0;
      for (const flow of tcpFlows(path, 'tcp')) {
        const facts = feedWhole(hl7, flow).facts;
        for (const dir of [0, 1] as const) {
          const port = dir === 0 ? flow.originatorPort : flow.responderPort;
          const messages = theirs.filter((m) => m.stream === flow.stream && m.srcPort === port);
          if (messages.length === 0) continue;
          compared += messages.length;
          for (const [key, value] of KEYS) {
            const expected = [...new Set(messages.map((m) => value(m.msh)).filter((v) => v !== ''))].sort();
            const ours = facts.filter((f) => f.key === key && f.from === dir).map((f) => String(f.value)).sort();
            if (JSON.stringify(ours) !== JSON.stringify(expected)) problems.push(`${path} stream ${flow.stream} dir ${dir} ${key}: tshark ${JSON.stringify(expected)}, ours ${JSON.stringify(ours)}`);
          }
        }
      }
      lines.push(`${path.split('/').slice(-2).join('/')}: ${theirs.length} messages decoded by tshark, ${compared} compared`);
      expect(compared, path).toBeGreaterThan(0);
    }
    console.info(`HL7 vs tshark:\n  ${lines.join('\n  ')}\n  disagreements: ${problems.length}`);
    expect(problems.slice(0, 5)).toEqual([]);
  });

  it('hl7.ack_latency_ms equals the largest MSH-10 to MSA-2 delay in the frame times tshark shows, fed at capture times', () => {
    const lines: string[] = [];
    for (const path of [CDC_PCAP, VIGIL_PCAP, NDPI.pathname]) {
      if (!existsSync(path)) continue;
      const theirs = tsharkMessages(path, path === NDPI.pathname ? [6661] : []);
      const file = readFileSync(path);
      const flows = recordedFlows(file);
      for (const [stream, flow] of flows.entries()) {
        const ours: Fact[] = [];
        const ctx = { ts: 0, transport: 'tcp', originatorPort: flow.originatorPort, responderPort: flow.responderPort, emit: (key: string, value: Fact['value'], from: Direction) => ours.push({ key, value, from }) };
        const session = hl7.open(ctx as DissectorContext);
        for (const p of flow.packets) {
          ctx.ts = p.ts;
          session.data(p.dir, file, p.at, p.length);
        }
        session.end?.();
        // tshark numbers streams in the order they start, as recordedFlows lists them.
        const messages = theirs.filter((m) => m.stream === stream);
        const sent = new Map(messages.filter((m) => m.msh.has(10)).map((m) => [`${m.srcPort} ${m.msh.get(10)}`, m.time]));
        for (const dir of [0, 1] as const) {
          const port = dir === 0 ? flow.originatorPort : flow.responderPort;
          const other = dir === 0 ? flow.responderPort : flow.originatorPort;
          const delays = messages
            .filter((m) => m.srcPort === port && m.msa.has(3) && sent.has(`${other} ${m.msa.get(3)}`))
            .map((m) => (m.time - sent.get(`${other} ${m.msa.get(3)}`)!) * 1000);
          const expected = delays.length > 0 ? [Math.round(Math.max(...delays))] : [];
          const got = ours.filter((f) => f.key === 'hl7.ack_latency_ms' && f.from === dir).map((f) => f.value);
          if (!messages.some((m) => m.srcPort === other)) {
            // tshark decodes HL7 in MLLP frames only: a bare batch's messages are invisible to it.
            lines.push(`${path.split('/').pop()} stream ${stream} dir ${dir}: tshark decoded no message it answers (ours ${JSON.stringify(got)})`);
            continue;
          }
          lines.push(`${path.split('/').pop()} stream ${stream} dir ${dir}: tshark ${JSON.stringify(expected)}, ours ${JSON.stringify(got)}`);
          expect(got, `${path} stream ${stream} dir ${dir}`).toEqual(expected);
        }
      }
    }
    console.info(`HL7 ACK latency vs tshark:\n  ${lines.join('\n  ')}`);
    expect(lines.some((l) => /tshark \[[1-9]/.test(l)), 'some latency is above 0 ms').toBe(true);
  });

  it('a capture redacted in place (same lengths) still decodes in tshark to the same MSH fields, and holds no PHI', () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-hl7-redact-'));
    try {
      for (const path of [CDC_PCAP, VIGIL_PCAP]) {
        const file = readFileSync(path);
        const copy = Buffer.from(file);
        for (const flow of recordedFlows(file)) {
          for (const side of [0, 1] as const) {
            const packets = flow.packets.filter((p) => p.dir === side);
            const stream = redactHl7(Buffer.concat(packets.map((p) => file.subarray(p.at, p.at + p.length))));
            let at = 0;
            for (const p of packets) {
              stream.copy(copy, p.at, at, at + p.length);
              at += p.length;
            }
          }
        }
        const out = join(dir, path.split('/').pop()!);
        writeFileSync(out, copy);
        expect(copy.length).toBe(file.length);
        const before = tsharkMessages(path).map((m) => JSON.stringify([m.stream, m.srcPort, [...m.msh]]));
        const after = tsharkMessages(out).map((m) => JSON.stringify([m.stream, m.srcPort, [...m.msh]]));
        expect(before.length).toBeGreaterThan(0);
        expect(after).toEqual(before);
        const text = copy.toString('latin1') + copy.toString('utf8');
        const original = file.toString('latin1') + file.toString('utf8');
        let present = 0;
        for (const value of PHI) {
          if (original.includes(value)) present++;
          expect(text, value).not.toContain(value);
        }
        expect(present, `PHI values in ${path} before redaction`).toBeGreaterThan(3);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('vigil analyze on the HL7 recordings', () => {
  it('writes no PHI value of the fixture messages to any output file', { timeout: 180_000 }, () => {
    ensureBuilt();
    const out = mkdtempSync(join(tmpdir(), 'vigil-hl7-cli-'));
    try {
      const r = spawnSync(process.execPath, [join(ROOT, 'bin/vigil.js'), 'analyze', CDC_PCAP, VIGIL_PCAP, '--out', out, '--db', join(out, 'vigil.db')], {
        cwd: out,
        encoding: 'utf8',
      });
      expect(r.status, r.stderr).toBe(0);
      const files: string[] = [];
      const walk = (d: string): void => {
        for (const name of readdirSync(d)) {
          const p = join(d, name);
          if (statSync(p).isDirectory()) walk(p);
          else files.push(p);
        }
      };
      walk(out);
      const text = [r.stdout, r.stderr, ...files.map((p) => readFileSync(p).toString('latin1') + readFileSync(p).toString('utf8'))].join('\n');
      expect(text, 'the analysis saw the HL7 flows').toContain('hl7.message_type');
      for (const value of PHI) expect(text, value).not.toContain(value);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
