import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Direction } from '../../src/protocols/dissector.js';
import { DicomDissector, uidName } from '../../src/protocols/dicom/index.js';
import { associateRejectText } from '../../src/protocols/dicom/dicom-constants.js';
import { feedBytewise, feedSplit, feedWhole, longestUnit, missingFacts, mulberry32, sameFacts, type Fact } from '../../src/protocols/harness.js';
import { defaultDissectors } from '../../src/protocols/index.js';
import { ensureBuilt, VIGIL } from '../cli/cli-helpers.js';
import { fixturePath, readFlows, type PcapFlow } from '../fixtures/dicom/pcap-flows.js';
import { describeConformance, type ConformanceVector } from './conformance.js';
import { haveTshark } from './tshark-fields.js';

// Real DICOM bytes (see test/fixtures/README.md): test/fixtures/dicom/*.pcap, recorded by
// scripts/record-dicom-fixtures.sh between Debian's dcmtk 3.6.7 (echoscu, storescu, findscu, movescu, storescp,
// wlmscpfs) and Orthanc 1.10.1 in network namespaces, sending pydicom's MIT-licensed test files (fictitious
// patients). The pynetdicom vectors (MIT) are read at run time from ../shared when present.

const dicom = new DicomDissector();
const fact = (from: Direction, key: string, value: Fact['value']): Fact => ({ key, value, from });
const SHARED_DICOM = new URL('../../../shared/protocol-samples/dicom/', import.meta.url);
const FIXTURES = ['echo.pcap', 'store.pcap', 'move.pcap', 'find.pcap', 'reject.pcap', 'abort.pcap'];

function flow(file: string, index: number): PcapFlow {
  return readFlows(file)[index];
}

function vector(name: string, f: PcapFlow, expected: Fact[], exact = false): ConformanceVector {
  return { name, transport: 'tcp', originatorPort: f.originatorPort, responderPort: f.responderPort, segments: f.segments, expected, exact };
}

const dcmtkScu = (calling: string, called: string): Fact[] => [
  fact(0, 'dicom.role', 'scu'),
  fact(0, 'dicom.calling_ae', calling),
  fact(0, 'dicom.called_ae', called),
  fact(0, 'dicom.application_context', 'DICOM Application Context Name'),
  fact(0, 'dicom.implementation_class_uid', '1.2.276.0.7230010.3.0.3.6.7'),
  fact(0, 'dicom.implementation_version', 'OFFIS_DCMTK_367'),
  fact(0, 'dicom.max_pdu', 16384),
];
const dcmtkScp: Fact[] = [
  fact(1, 'dicom.role', 'scp'),
  fact(1, 'dicom.implementation_class_uid', '1.2.276.0.7230010.3.0.3.6.7'),
  fact(1, 'dicom.implementation_version', 'OFFIS_DCMTK_367'),
  fact(1, 'dicom.max_pdu', 16384),
];
const echo = (statusDir: Fact[]): Fact[] => [
  ...dcmtkScu('MODALITY1', 'STORESCP'),
  fact(0, 'dicom.abstract_syntax', 'Verification SOP Class'),
  fact(0, 'dicom.transfer_syntax', 'Implicit VR Little Endian'),
  ...dcmtkScp,
  fact(1, 'dicom.accepted_syntax', 'Verification SOP Class / Implicit VR Little Endian'),
  fact(0, 'dicom.command', 'C-ECHO-RQ'),
  fact(0, 'dicom.sop_class', 'Verification SOP Class'),
  fact(1, 'dicom.command', 'C-ECHO-RSP'),
  fact(1, 'dicom.sop_class', 'Verification SOP Class'),
  fact(1, 'dicom.status', 'Success'),
  ...statusDir,
];

const stored = (sopClass: string, ts: string, device: Array<[string, string]>): Fact[] => [
  ...dcmtkScu('MODALITY1', 'STORESCP'),
  fact(1, 'dicom.accepted_syntax', `${sopClass} / ${ts}`),
  fact(0, 'dicom.command', 'C-STORE-RQ'),
  fact(0, 'dicom.sop_class', sopClass),
  fact(0, 'dicom.phi_present', true),
  ...device.map(([key, value]) => fact(0, `dicom.${key}`, value)),
  fact(1, 'dicom.command', 'C-STORE-RSP'),
  fact(1, 'dicom.status', 'Success'),
];

/** A fixed-length field of `n` octets, space padded (AE titles, PS3.8 §9.3.2). */
const padded = (text: string, n: number): Buffer => Buffer.from(text.padEnd(n, ' '), 'latin1');
const item = (type: number, body: Buffer): Buffer => {
  const head = Buffer.alloc(4);
  head[0] = type;
  head.writeUInt16BE(body.length, 2);
  return Buffer.concat([head, body]);
};
const pdu = (type: number, body: Buffer): Buffer => {
  const head = Buffer.alloc(6);
  head[0] = type;
  head.writeUInt32BE(body.length, 2);
  return Buffer.concat([head, body]);
};
const ascii = (text: string): Buffer => Buffer.from(text, 'latin1');

/** A-ASSOCIATE-RQ built after PS3.8 §9.3.2 with an unknown item, a user identity and an unknown UID. */
function builtRequest(): Buffer {
  const fixed = Buffer.concat([Buffer.from([0x00, 0x01, 0x00, 0x00]), padded('PACS', 16), padded('  US-CART-3', 16), Buffer.alloc(32)]);
  return pdu(
    0x01,
    Buffer.concat([
      fixed,
      item(0x10, ascii('1.2.840.10008.3.1.1.1')),
      item(0x7e, Buffer.from('unknown item type: skipped')),
      item(0x20, Buffer.concat([Buffer.from([0x01, 0, 0, 0]), item(0x30, ascii('1.2.840.10008.5.1.4.1.1.3.1')), item(0x40, ascii('1.2.840.10008.1.2.1')), item(0x40, ascii('1.2.840.10008.1.2'))])),
      item(0x20, Buffer.concat([Buffer.from([0x03, 0, 0, 0]), item(0x30, ascii('1.2.3.4.5.6.7.8')), item(0x40, ascii('1.2.840.10008.1.2'))])),
      item(
        0x50,
        Buffer.concat([
          item(0x51, Buffer.from([0, 0, 0x80, 0])),
          item(0x52, ascii('1.2.3.4.99')),
          item(0x55, ascii('USCART_2_1')),
          // PS3.7 D.3.3.7: type 2 (username and passcode), response requested, "nurse" / "secret".
          item(0x58, Buffer.concat([Buffer.from([2, 1, 0, 5]), ascii('nurse'), Buffer.from([0, 6]), ascii('secret')])),
        ]),
      ),
    ]),
  );
}

/** A-ASSOCIATE-AC accepting context 1 in Explicit VR LE and rejecting context 3. */
function builtAccept(): Buffer {
  const fixed = Buffer.concat([Buffer.from([0x00, 0x01, 0x00, 0x00]), padded('PACS', 16), padded('US-CART-3', 16), Buffer.alloc(32)]);
  return pdu(
    0x02,
    Buffer.concat([
      fixed,
      item(0x10, ascii('1.2.840.10008.3.1.1.1')),
      item(0x21, Buffer.concat([Buffer.from([0x01, 0, 0, 0]), item(0x40, ascii('1.2.840.10008.1.2.1'))])),
      item(0x21, Buffer.concat([Buffer.from([0x03, 0, 3, 0]), item(0x40, ascii('1.2.840.10008.1.2'))])),
      item(0x50, item(0x51, Buffer.from([0, 0, 0, 0]))),
    ]),
  );
}

const vectors: ConformanceVector[] = [
  vector('echo.pcap: dcmtk echoscu -> storescp, C-ECHO, release', flow('echo.pcap', 0), echo([]), true),
  vector('abort.pcap: dcmtk echoscu --abort: C-ECHO then A-ABORT', flow('abort.pcap', 0), echo([fact(0, 'dicom.abort', 'service-user')]), true),
  vector(
    'reject.pcap: echoscu to wlmscpfs with an unknown called AE: A-ASSOCIATE-RJ (port 11113, no well-known port)',
    flow('reject.pcap', 0),
    [...dcmtkScu('MODALITY1', 'NOSUCHAE'), fact(0, 'dicom.abstract_syntax', 'Verification SOP Class'), fact(0, 'dicom.transfer_syntax', 'Implicit VR Little Endian'), fact(1, 'dicom.associate_reject', 'rejected-permanent; service-user; called-ae-title-not-recognized')],
    true,
  ),
  vector(
    'store.pcap #1: storescu -xi rtplan.dcm, Implicit VR Little Endian',
    flow('store.pcap', 0),
    stored('RT Plan Storage', 'Implicit VR Little Endian', [
      ['manufacturer', 'Manufacturer name here'],
      ['model', 'Treatment Planning System name here'],
      ['modality', 'RTPLAN'],
      ['station_name', 'COMPUTER002'],
      ['software_versions', 'softwareV1'],
      ['institution', 'Here'],
    ]),
  ),
  vector(
    'store.pcap #2: storescu -xe MR_small.dcm, Explicit VR Little Endian',
    flow('store.pcap', 1),
    stored('MR Image Storage', 'Explicit VR Little Endian', [
      ['manufacturer', 'TOSHIBA_MEC'],
      ['model', 'MRT50H1'],
      ['modality', 'MR'],
      ['station_name', '000000000'],
      ['serial_number', '-0000200'],
      ['software_versions', 'V3.51*P25'],
      ['institution', 'TOSHIBA'],
    ]),
  ),
  vector(
    'store.pcap #3: storescu -xb ExplVR_BigEnd.dcm, Explicit VR Big Endian',
    flow('store.pcap', 2),
    stored('Ultrasound Image Storage', 'Explicit VR Big Endian', [
      ['manufacturer', 'G.E. Medical Systems'],
      ['model', 'LOGIQ 700'],
      ['modality', 'US'],
      ['serial_number', '4131101'],
      ['software_versions', 'R6.1'],
    ]),
  ),
  vector(
    'store.pcap #4: storescu -xd image_dfl.dcm, Deflated Explicit VR Little Endian',
    flow('store.pcap', 3),
    stored('Secondary Capture Image Storage', 'Deflated Explicit VR Little Endian', [['modality', 'OT']]),
  ),
  vector('move.pcap #1: movescu -> Orthanc, C-MOVE', flow('move.pcap', 0), [
    ...dcmtkScu('VIGILSCP', 'ORTHANC'),
    fact(0, 'dicom.command', 'C-MOVE-RQ'),
    fact(0, 'dicom.sop_class', 'Study Root Query/Retrieve Information Model - MOVE'),
    // Debian's Orthanc is built on dcmtk and announces dcmtk's implementation version.
    fact(1, 'dicom.implementation_version', 'OFFIS_DCMTK_367'),
    fact(1, 'dicom.command', 'C-MOVE-RSP'),
    fact(1, 'dicom.status', 'Success'),
  ]),
  vector('find.pcap #1: findscu -> Orthanc study-root C-FIND, one match', flow('find.pcap', 0), [
    fact(0, 'dicom.command', 'C-FIND-RQ'),
    fact(0, 'dicom.sop_class', 'Study Root Query/Retrieve Information Model - FIND'),
    fact(1, 'dicom.status', 'Pending'),
    fact(1, 'dicom.phi_present', true),
    fact(1, 'dicom.status', 'Success'),
  ]),
  vector('find.pcap #2: findscu -W -> wlmscpfs (port 11113), worklist C-FIND', flow('find.pcap', 1), [
    fact(0, 'dicom.calling_ae', 'CTSCANNER1'),
    fact(0, 'dicom.abstract_syntax', 'Modality Worklist Information Model - FIND'),
    fact(0, 'dicom.command', 'C-FIND-RQ'),
    fact(1, 'dicom.phi_present', true),
  ]),
  {
    name: 'built: RQ with an unknown item, an unknown UID and a user identity; AC accepting one context, rejecting one',
    transport: 'tcp',
    originatorPort: 50123,
    responderPort: 104,
    segments: [
      { dir: 0, bytes: builtRequest() },
      { dir: 1, bytes: builtAccept() },
    ],
    expected: [
      fact(0, 'dicom.role', 'scu'),
      fact(0, 'dicom.calling_ae', 'US-CART-3'),
      fact(0, 'dicom.called_ae', 'PACS'),
      fact(0, 'dicom.application_context', 'DICOM Application Context Name'),
      fact(0, 'dicom.abstract_syntax', 'Ultrasound Multi-frame Image Storage'),
      fact(0, 'dicom.abstract_syntax', '1.2.3.4.5.6.7.8'),
      fact(0, 'dicom.transfer_syntax', 'Explicit VR Little Endian'),
      fact(0, 'dicom.transfer_syntax', 'Implicit VR Little Endian'),
      fact(0, 'dicom.implementation_class_uid', '1.2.3.4.99'),
      fact(0, 'dicom.implementation_version', 'USCART_2_1'),
      fact(0, 'dicom.max_pdu', 32768),
      fact(0, 'dicom.user_identity', 'username-and-passcode'),
      fact(1, 'dicom.role', 'scp'),
      fact(1, 'dicom.accepted_syntax', 'Ultrasound Multi-frame Image Storage / Explicit VR Little Endian'),
      fact(1, 'dicom.rejected_syntax', '1.2.3.4.5.6.7.8: abstract-syntax-not-supported'),
      fact(1, 'dicom.max_pdu', 0),
    ],
    exact: true,
  },
  {
    name: 'built: not DICOM (HTTP on port 104)',
    transport: 'tcp',
    originatorPort: 50124,
    responderPort: 104,
    segments: [
      { dir: 0, bytes: ascii('GET / HTTP/1.1\r\nHost: pacs\r\n\r\n') },
      { dir: 1, bytes: ascii('HTTP/1.1 200 OK\r\n\r\n') },
    ],
    expected: [],
    exact: true,
  },
];

// Orthanc proposes ~100 presentation contexts: this association's 200+ facts make the every-offset checks of the
// conformance suite take minutes, so it gets the whole, bytewise and 64 random split feeds here instead.
const relayed = vector('move.pcap #2: Orthanc C-STORE sub-operation (Move Originator set) back to storescp: relayed identity', flow('move.pcap', 1), [
    fact(0, 'dicom.role', 'scu'),
    fact(0, 'dicom.calling_ae', 'ORTHANC'),
    fact(0, 'dicom.implementation_version', 'OFFIS_DCMTK_367'),
    fact(0, 'dicom.command', 'C-STORE-RQ'),
    fact(0, 'dicom.phi_present', true),
    fact(0, 'dicom.relayed_manufacturer', 'TOSHIBA_MEC'),
    fact(0, 'dicom.relayed_model', 'MRT50H1'),
    fact(0, 'dicom.relayed_modality', 'MR'),
  ]);

describeConformance(dicom, vectors, { iterations: 500 });

describe('relayed C-STORE (move.pcap #2)', () => {
  it('yields its facts whole, one octet at a time, and split at 64 random offsets', () => {
    const whole = feedWhole(dicom, relayed);
    expect(whole.threw).toBe(false);
    expect(missingFacts(relayed.expected, whole.facts)).toEqual([]);
    expect(whole.facts.some((f) => f.key === 'dicom.manufacturer' || f.key === 'dicom.model')).toBe(false);
    expect(sameFacts(feedBytewise(dicom, relayed).facts, whole.facts)).toBe(true);
    const rng = mulberry32(0x5eed);
    for (let i = 0; i < 64; i++) {
      const offset = 1 + Math.floor(rng() * (longestUnit(relayed) - 1));
      expect(sameFacts(feedSplit(dicom, relayed, offset).facts, whole.facts), `offset ${offset}`).toBe(true);
    }
  });
});

describe('DicomDissector', () => {
  it('claims TCP 104 and 11112, not 2762 (DICOM over TLS is left to the TLS dissector)', () => {
    expect(dicom.tcpPorts).toEqual([104, 11112]);
    expect(dicom.tcpPorts).not.toContain(2762);
    expect(dicom.udpPorts).toEqual([]);
    expect(defaultDissectors().some((d) => d.name === 'dicom')).toBe(true);
  });

  it('probes an A-ASSOCIATE-RQ on any port, and nothing else', () => {
    const rq = flow('reject.pcap', 0).segments[0].bytes;
    const padded = Buffer.concat([Buffer.alloc(3), rq]);
    expect(dicom.probe('tcp', 0, padded, 3, rq.length)).toBe(true);
    expect(dicom.probe('udp', 0, padded, 3, rq.length)).toBe(false);
    const ac = flow('echo.pcap', 0).segments.find((s) => s.dir === 1)!.bytes;
    expect(dicom.probe('tcp', 1, ac, 0, ac.length)).toBe(false);
    const badVersion = Buffer.from(rq);
    badVersion.writeUInt16BE(2, 6);
    expect(dicom.probe('tcp', 0, badVersion, 0, badVersion.length)).toBe(false);
    const huge = Buffer.from(rq);
    huge.writeUInt32BE(0x01000000, 2);
    expect(dicom.probe('tcp', 0, huge, 0, huge.length)).toBe(false);
    expect(dicom.probe('tcp', 0, rq, 0, 7)).toBe(false);
    expect(dicom.probe('tcp', 0, ascii('GET / HTTP/1.1\r\n'), 0, 16)).toBe(false);
  });

  it('never emits a patient value of the data sets it reads', () => {
    const phi = ['CompressedSamples', 'Fictitious', 'Wanda', 'MRN-77001', 'ACC20260001', '19700101'];
    for (const v of vectors) {
      const text = JSON.stringify(feedWhole(dicom, v).facts);
      for (const value of phi) expect(text, v.name).not.toContain(value);
    }
    expect(JSON.stringify(feedWhole(dicom, vectors[vectors.length - 2]).facts)).not.toMatch(/nurse|secret/);
  });

  it('stops a side whose PDU length is beyond the 64 MiB bound, and after a gap', () => {
    const session = dicom.open({ emit: () => {}, ts: 0, transport: 'tcp', originatorPort: 1, responderPort: 104 });
    session.data(0, Buffer.from('04000fffffff', 'hex'), 0, 6);
    session.gap?.(1, 100);
    expect(session.done).toBe(true);
  });

  it('reads at most a bounded prefix of a data set: a C-STORE of 1 MiB pixel data after the header costs no more facts', () => {
    const store = flow('store.pcap', 1);
    const facts = feedWhole(dicom, store).facts.filter((f) => f.key === 'dicom.manufacturer');
    expect(facts).toHaveLength(1);
  });
});

// pynetdicom's encoded PDUs (MIT): a second implementation's bytes, with the values its comments state.
const VECTORS_FILE = new URL('pynetdicom-vectors/encoded_pdu_items.py', SHARED_DICOM);
const haveVectors = existsSync(VECTORS_FILE);
if (!haveVectors) console.info('dicom.test: skipping the pynetdicom vector tests: ../shared is absent');

/** The Python bytes literals assigned to `name` in the vectors file (plain literals only). */
function pythonBytes(source: string, name: string): Buffer {
  const start = source.search(new RegExp(`^${name} = `, 'm'));
  if (start < 0) throw new Error(`no ${name}`);
  const rest = source.slice(start);
  const stop = rest.search(/\n\n|\n#/);
  const block = rest.slice(0, stop < 0 ? undefined : stop);
  const parts: number[] = [];
  for (const m of block.matchAll(/b"((?:[^"\\]|\\.)*)"/g)) {
    const text = m[1];
    for (let i = 0; i < text.length; i++) {
      if (text[i] === '\\' && text[i + 1] === 'x') {
        parts.push(parseInt(text.slice(i + 2, i + 4), 16));
        i += 3;
      } else if (text[i] === '\\') {
        parts.push(text.charCodeAt(++i));
      } else {
        parts.push(text.charCodeAt(i));
      }
    }
  }
  return Buffer.from(parts);
}

describe.skipIf(!haveVectors)('pynetdicom encoded PDUs', () => {
  const source = haveVectors ? readFileSync(VECTORS_FILE, 'utf8') : '';
  const facts = (...pdus: Array<[Direction, string]>): Fact[] =>
    feedWhole(dicom, { transport: 'tcp', originatorPort: 40000, responderPort: 11112, segments: pdus.map(([dir, name]) => ({ dir, bytes: pythonBytes(source, name) })) }).facts;
  const commented = (name: string, label: string): string => {
    const before = source.slice(0, source.search(new RegExp(`^${name} = `, 'm')));
    const found = [...before.matchAll(new RegExp(`^#\\s+${label}:\\s*(.*)$`, 'gm'))];
    return found[found.length - 1]?.[1].trim() ?? '';
  };

  it('a_associate_rq: AE titles, contexts and user information as its comment states', () => {
    const got = facts([0, 'a_associate_rq']);
    const values = (key: string): Array<Fact['value']> => got.filter((f) => f.key === key).map((f) => f.value);
    expect(values('dicom.called_ae')).toEqual([commented('a_associate_rq', 'Called AET')]);
    expect(values('dicom.calling_ae')).toEqual([commented('a_associate_rq', 'Calling AET')]);
    expect(values('dicom.abstract_syntax')).toEqual(['Verification SOP Class']);
    expect(values('dicom.implementation_version')).toEqual([commented('a_associate_rq', 'Implementation Version Name')]);
    expect(values('dicom.max_pdu')).toEqual([16382]);
  });

  it('a_associate_rq_user_id_user_pass: the identity type, never the user name or password', () => {
    const got = facts([0, 'a_associate_rq_user_id_user_pass']);
    expect(got.filter((f) => f.key === 'dicom.user_identity').map((f) => f.value)).toEqual(['username-and-passcode']);
    expect(got.map((f) => String(f.value)).join(' ')).not.toMatch(/pynetdicom|p4ssw0rd/);
  });

  it('a_associate_ac after a_associate_rq: the accepted context', () => {
    const got = facts([0, 'a_associate_rq'], [1, 'a_associate_ac']);
    expect(got.filter((f) => f.key === 'dicom.accepted_syntax').map((f) => f.value)).toEqual(['Verification SOP Class / Implicit VR Little Endian']);
    expect(got.some((f) => f.key === 'dicom.role' && f.value === 'scp' && f.from === 1)).toBe(true);
  });

  it('a_associate_rj and a_p_abort: reason texts of PS3.8 Tables 9-21 and 9-26', () => {
    expect(facts([0, 'a_associate_rq'], [1, 'a_associate_rj']).filter((f) => f.key === 'dicom.associate_reject').map((f) => f.value)).toEqual([
      'rejected-permanent; service-user; no-reason-given',
    ]);
    expect(facts([0, 'a_p_abort']).map((f) => f.value)).toEqual(['service-provider; unrecognized-pdu-parameter']);
    expect(facts([0, 'a_abort']).map((f) => f.value)).toEqual(['service-user']);
  });

  it('p_data_tf_rq and p_data_tf_n_event_report: DIMSE commands', () => {
    const commands = (name: string): Array<Fact['value']> => facts([0, 'a_associate_rq'], [1, 'a_associate_ac'], [0, name]).filter((f) => f.key === 'dicom.command').map((f) => f.value);
    expect(commands('p_data_tf_rq')).toEqual(['C-ECHO-RQ']);
    expect(commands('p_data_tf_n_event_report')).toEqual(['N-EVENT-REPORT-RQ']);
  });
});

// Differential test against tshark's own DICOM dissector on the same recordings, stream by stream.
const DECODE_AS = ['-d', 'tcp.port==11112,dicom', '-d', 'tcp.port==11113,dicom', '-d', 'tcp.port==104,dicom'];
if (!haveTshark) console.info('dicom.test: skipping the tshark differential tests: tshark is not installed');

function tsharkRows(file: string, filter: string, fields: string[]): string[][] {
  const out = execFileSync('tshark', ['-r', fixturePath(file), ...DECODE_AS, '-Y', filter, '-T', 'fields', '-E', 'occurrence=a', '-E', 'aggregator=\u001f', ...fields.flatMap((f) => ['-e', f])], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  return out
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => l.split('\t'));
}

/** `Name (1.2.3)` or `Name: info (1.2.3)` → the UID in the last parentheses. */
const uidOf = (text: string): string => /\(([0-9.]+)\)\s*$/.exec(text)?.[1] ?? text;

describe.skipIf(!haveTshark)('DICOM against tshark', () => {
  it('AE titles, abstract and transfer syntaxes, implementation versions, max PDU, commands and rejects are equal', () => {
    const problems: string[] = [];
    let streams = 0;
    let compared = 0;
    for (const file of FIXTURES) {
      const rows = tsharkRows(file, 'dicom', [
        'tcp.stream',
        'dicom.pdu.type',
        'dicom.assoc.ae.calling',
        'dicom.assoc.ae.called',
        'dicom.pctx.abss.syntax',
        'dicom.userinfo.version',
        'dicom.max_pdu_len',
        'dicom.assoc.reject.reason',
        '_ws.col.Info',
        'dicom.pctx.xfer.syntax',
        'dicom.assoc.reject.result',
        'dicom.assoc.reject.source',
      ]);
      readFlows(file).forEach((f, stream) => {
        streams++;
        const got = feedWhole(dicom, f).facts;
        const mine = (key: string, from?: Direction): string[] => [...new Set(got.filter((x) => x.key === key && (from === undefined || x.from === from)).map((x) => String(x.value)))].sort();
        const theirs = rows.filter((r) => Number(r[0]) === stream);
        const rq = theirs.filter((r) => r[1].split('\u001f').includes('0x01'));
        const ac = theirs.filter((r) => r[1].split('\u001f').includes('0x02'));
        const set = (values: string[]): string[] => [...new Set(values.filter((v) => v.length > 0))].sort();
        const split = (r: string[], i: number): string[] => (r[i] ?? '').split('\u001f');
        const check = (what: string, ours: string[], expected: string[]): void => {
          compared++;
          if (JSON.stringify(ours) !== JSON.stringify(expected)) problems.push(`${file} stream ${stream} ${what}: ours ${JSON.stringify(ours)} tshark ${JSON.stringify(expected)}`);
        };
        check('calling AE', mine('dicom.calling_ae'), set(rq.flatMap((r) => split(r, 2).map((v) => v.trim()))));
        check('called AE', mine('dicom.called_ae'), set(rq.flatMap((r) => split(r, 3).map((v) => v.trim()))));
        check('abstract syntaxes', mine('dicom.abstract_syntax'), set(rq.flatMap((r) => split(r, 4).map((v) => uidName(uidOf(v))))));
        check('proposed transfer syntaxes', mine('dicom.transfer_syntax'), set(rq.flatMap((r) => split(r, 9).map((v) => uidName(uidOf(v))))));
        check('requestor implementation version', mine('dicom.implementation_version', 0), set(rq.flatMap((r) => split(r, 5))));
        check('acceptor implementation version', mine('dicom.implementation_version', 1), set(ac.flatMap((r) => split(r, 5))));
        check('max PDU', [...mine('dicom.max_pdu', 0), ...mine('dicom.max_pdu', 1)], [...set(rq.flatMap((r) => split(r, 6))), ...set(ac.flatMap((r) => split(r, 6)))]);
        // tshark gives the reject's numbers: their PS3.8 Table 9-21 text is ours.
        check('reject', mine('dicom.associate_reject'), set(theirs.filter((r) => r[7]).map((r) => associateRejectText(Number(r[10]), Number(r[11]), Number(r[7])))));
        // Every command tshark names is ours; ours may name more only where tshark left a PDV undecoded
        // ("P-DATA, Command": tshark 4.0 does not decode the C-STORE-RSP of a deflated presentation context).
        const commands = set(theirs.flatMap((r) => [...(r[8] ?? '').matchAll(/\b([CN]-[A-Z-]+?-(?:RQ|RSP))\b/g)].map((m) => m[1])));
        const undecoded = theirs.filter((r) => /P-DATA, Command\b/.test(r[8] ?? '')).length;
        const ours = mine('dicom.command');
        check('DIMSE commands named by tshark', commands.filter((c) => !ours.includes(c)), []);
        check('DIMSE commands tshark left undecoded', [String(Math.min(1, ours.length - commands.length))], [String(Math.min(1, undecoded))]);
      });
    }
    console.info(`DICOM vs tshark: ${FIXTURES.length} captures, ${streams} associations, ${compared} comparisons, ${problems.length} disagreements`);
    expect(streams).toBeGreaterThan(8);
    expect(problems.slice(0, 8)).toEqual([]);
  });
});

// No PHI of the files sent ends up in anything `vigil analyze` writes.
const FILES = new URL('files/', SHARED_DICOM);
const haveDcmdump = spawnSync('dcmdump', ['--version'], { stdio: 'ignore' }).status === 0;
const phiSkip = !existsSync(FILES) ? '../shared is absent' : !haveDcmdump ? 'dcmdump (dcmtk) is not installed' : '';
if (phiSkip) console.info(`dicom.test: skipping the PHI test of vigil analyze: ${phiSkip}`);

describe.skipIf(phiSkip !== '')('vigil analyze on the DICOM recordings', () => {
  it('writes the device facts and no patient value of the files sent', { timeout: 180_000 }, () => {
    ensureBuilt();
    const phi = new Set<string>();
    for (const name of ['rtplan.dcm', 'MR_small.dcm', 'ExplVR_BigEnd.dcm', 'image_dfl.dcm']) {
      const dump = execFileSync('dcmdump', ['-q', '+P', 'PatientName', '+P', 'PatientID', '+P', 'PatientBirthDate', '+P', 'AccessionNumber', '+P', 'StudyID', '+P', 'ReferringPhysicianName', '+P', 'StudyInstanceUID', fileURLToPathSafe(new URL(name, FILES))], { encoding: 'utf8' });
      for (const m of dump.matchAll(/\[([^\]]+)\]/g)) if (m[1].trim().length >= 3) phi.add(m[1].trim());
    }
    phi.add('Fictitious^Wanda');
    phi.add('MRN-77001');
    phi.add('ACC20260001');
    expect(phi.size).toBeGreaterThan(5);
    const out = mkdtempSync(join(tmpdir(), 'vigil-dicom-'));
    // The inventory store goes in the same folder, so its pages are searched too (SQLite keeps text as is).
    const r = spawnSync(process.execPath, [VIGIL, 'analyze', '--db', join(out, 'vigil.db'), '-q', '--out', out, ...FIXTURES.map(fixturePath)], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(readdirSync(out)).toContain('vigil.db');
    const written = readdirSync(out).map((f) => readFileSync(join(out, f), 'latin1')).join('\n') + r.stdout + r.stderr;
    expect(written).toContain('TOSHIBA_MEC');
    expect(written).toContain('"dicom.manufacturer"');
    // The worklist server listens on 11113, no DICOM port: the A-ASSOCIATE-RQ probe found that association.
    expect(written).toContain('"CTSCANNER1"');
    for (const value of phi) expect(written.includes(value), `PHI value ${value.slice(0, 3)}… in the output`).toBe(false);
  });
});

function fileURLToPathSafe(url: URL): string {
  return decodeURIComponent(url.pathname);
}

