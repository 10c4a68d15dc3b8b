import { describe, expect, it } from 'vitest';
import type { Direction } from '../../src/protocols/dissector.js';
import { feedWhole, type Fact, type Segment } from '../../src/protocols/harness.js';
import { AstmDissector, checksumText, redactAstm } from '../../src/protocols/astm/index.js';
import { describeConformance, type ConformanceVector } from './conformance.js';

// No ASTM implementation is packaged in Debian and no public ASTM-over-TCP capture exists, so nothing was
// recorded. The vectors are:
//   python-astm: frames and sessions copied from python-astm's tests (kxepal/python-astm at commit
//     606a77407e59c2f2dd12d65a7b2d2e3c141ad8d9, astm/tests/test_codecs.py and test_client.py, BSD-3-Clause,
//     Alexander Shorin; see test/fixtures/README.md; copies in ../shared/protocol-samples/astm/), whose
//     checksums python-astm's own tests assert.
//   built: messages written for Vigil after CLSI LIS2-A2 (record layouts) and LIS1-A / E1381 (framing),
//     with synthetic patients, framed by `frame()` below, whose checksum is checked against python-astm's.

const STX = '\x02';
const ETX = '\x03';
const ETB = '\x17';
const ENQ = '\x05';
const EOT = '\x04';
const ACK = '\x06';
const NAK = '\x15';
const CRLF = '\r\n';

const latin1 = (text: string): Buffer => Buffer.from(text, 'latin1');
const fact = (from: Direction, key: string, value: Fact['value']): Fact => ({ key, value, from });
const seg = (dir: Direction, text: string): Segment => ({ dir, bytes: latin1(text) });
const tcp = (name: string, segments: Segment[], expected: Fact[], exact = true): ConformanceVector => ({
  name,
  transport: 'tcp',
  originatorPort: 50123,
  responderPort: 5000,
  segments,
  expected,
  exact,
});

/** E1381 frame: STX FN text ETB|ETX C1 C2 CR LF, checksum over FN..ETB/ETX. */
function frame(fn: number, text: string, last = true): string {
  const body = `${fn % 8}${text}${last ? ETX : ETB}`;
  let sum = 0;
  for (const c of latin1(body)) sum = (sum + c) & 0xff;
  return `${STX}${body}${sum.toString(16).toUpperCase().padStart(2, '0')}${CRLF}`;
}

/** A message as an E1381 transfer: ENQ, one frame per record (ETB-split past 240 characters), EOT. */
function transfer(records: string[]): Segment[] {
  const out: Segment[] = [seg(0, ENQ)];
  let fn = 1;
  for (const record of records) {
    const text = `${record}\r`;
    for (let at = 0; at < text.length; at += 240) {
      const end = Math.min(text.length, at + 240);
      out.push(seg(0, frame(fn++, text.slice(at, end), end === text.length)));
    }
  }
  out.push(seg(0, EOT));
  return out;
}

/** LIS2-A2 header fields 1-14: H-5 sender name^version^serial, H-10 receiver, H-12 processing id, H-13 version. */
const ACL_HEADER = ['H', '\\^&', '', '', 'ACL-ELITE^3.1.2^SN0042', 'Lab bench 3', '', '', '', 'LIS-HOST^1', '', 'P', 'LIS2-A2', '20261123101500'].join('|');
const RAW_HEADER = ['H', '@#$', '', '', 'COULTER DxH#2.0', '', '', '', '', 'LIS', '', 'Q', '1394-97'].join('!');
const PATIENT = 'P|1||VG7001||TESTPATIENT^ECHO||19750630|F';
const ORDER = 'O|1|SPEC-88123||^^^GLU^Glucose|R||20261123100000';
const RESULT = 'R|1|^^^GLU^Glucose|5.4|mmol/L|3.9-6.1|N||F||||20261123101400';
const COMMENT = 'C|1|I|Sample slightly hemolysed ' + 'x'.repeat(260) + '|G';
const TERMINATOR = 'L|1|N';

// python-astm test_client.py: a client's full session (ENQ, H P O L frames, EOT, twice), answered with ACKs.
const PY_SESSION = [ENQ, `${STX}1H\r${ETX}89\r\n`, `${STX}2P\r${ETX}92\r\n`, `${STX}3O\r${ETX}92\r\n`, `${STX}4L\r${ETX}90\r\n`, EOT];
// python-astm test_client.py: records split over ETB frames; test_codecs.py: a frame with a wrong checksum.
const PY_CHUNKED = [`${STX}1H|foo${ETB}50\r\n`, `${STX}2|bar\r${ETX}F3\r\n`, `${STX}3L|bar${ETB}47\r\n`, `${STX}4|baz\r${ETX}FD\r\n`];
const PY_BAD_CHECKSUM = `${STX}1A|B|C|D\r${ETX}00\r\n`;

const vectors: ConformanceVector[] = [
  tcp(
    'python-astm test_client.py: two ENQ..EOT sessions of H, P, O, L frames, ACKed',
    [...PY_SESSION, ...PY_SESSION].flatMap((text) => [seg(0, text), seg(1, ACK)]),
    [
      fact(0, 'astm.framing', 'e1381'),
      fact(0, 'astm.record_types', ['H']),
      fact(0, 'astm.record_types', ['H', 'P']),
      fact(0, 'astm.record_types', ['H', 'O', 'P']),
      fact(0, 'astm.record_types', ['H', 'L', 'O', 'P']),
      fact(0, 'astm.messages', 1),
      fact(0, 'astm.messages', 2),
    ],
  ),
  tcp(
    'python-astm: ETB-chunked records, then a frame with a wrong checksum',
    [seg(0, ENQ), ...PY_CHUNKED.map((t) => seg(0, t)), seg(0, PY_BAD_CHECKSUM), seg(1, NAK), seg(0, EOT)],
    [
      fact(0, 'astm.framing', 'e1381'),
      fact(0, 'astm.record_types', ['H']),
      fact(0, 'astm.record_types', ['H', 'L']),
      fact(0, 'astm.messages', 1),
      fact(0, 'astm.checksum_errors', 1),
    ],
  ),
  tcp(
    'built: an ACL analyzer result message (LIS2-A2 H P O R C L) over E1381, a record over 240 characters',
    [...transfer([ACL_HEADER, PATIENT, ORDER, RESULT, COMMENT, TERMINATOR]), seg(1, ACK)],
    [
      fact(0, 'astm.framing', 'e1381'),
      fact(0, 'astm.record_types', ['H']),
      fact(0, 'astm.record_types', ['H', 'P']),
      fact(0, 'astm.record_types', ['H', 'O', 'P']),
      fact(0, 'astm.record_types', ['H', 'O', 'P', 'R']),
      fact(0, 'astm.record_types', ['C', 'H', 'O', 'P', 'R']),
      fact(0, 'astm.record_types', ['C', 'H', 'L', 'O', 'P', 'R']),
      fact(0, 'astm.messages', 1),
      fact(0, 'astm.sender_name', 'ACL-ELITE'),
      fact(0, 'astm.sender_version', '3.1.2'),
      fact(0, 'astm.sender_serial', 'SN0042'),
      fact(0, 'astm.receiver_id', 'LIS-HOST^1'),
      fact(0, 'astm.processing_id', 'P'),
      fact(0, 'astm.version', 'LIS2-A2'),
      fact(0, 'astm.phi_present', true),
    ],
  ),
  tcp(
    'built: raw LIS2-A2 records (no E1381), LF line ends, other delimiters, a QC patient record without data',
    [seg(0, `${RAW_HEADER}\nP!1\nQ!1!#SPEC1!!ALL\nL!1\n`)],
    [
      fact(0, 'astm.framing', 'raw'),
      fact(0, 'astm.record_types', ['H']),
      fact(0, 'astm.record_types', ['H', 'P']),
      fact(0, 'astm.record_types', ['H', 'P', 'Q']),
      fact(0, 'astm.record_types', ['H', 'L', 'P', 'Q']),
      fact(0, 'astm.messages', 1),
      fact(0, 'astm.sender_name', 'COULTER DxH'),
      fact(0, 'astm.sender_version', '2.0'),
      fact(0, 'astm.receiver_id', 'LIS'),
      fact(0, 'astm.processing_id', 'Q'),
      fact(0, 'astm.version', '1394-97'),
    ],
  ),
  tcp('built: not ASTM (HTTP)', [seg(0, 'GET / HTTP/1.1\r\nHost: x\r\n\r\n'), seg(1, 'HTTP/1.1 200 OK\r\n\r\n')], []),
];

const astm = new AstmDissector();
describeConformance(astm, vectors);

describe('AstmDissector', () => {
  it("frames checksums as python-astm's tests assert (the builder above is right)", () => {
    expect(frame(1, 'A|B|C|D\r')).toBe(`${STX}1A|B|C|D\r${ETX}BF\r\n`);
    expect(frame(1, 'foo|1\rb', false)).toBe(`${STX}1foo|1\rb${ETB}A8\r\n`);
    expect(frame(2, 'A|0\r')).toBe(`${STX}2A|0\r${ETX}2F\r\n`);
    expect(checksumText(latin1(`1A|B|C|D\r${ETX}`), 0, 9)).toBe('BF');
  });

  it('claims no port by default, takes a site list', () => {
    expect(astm.tcpPorts).toEqual([]);
    expect(new AstmDissector([5000, 5001]).tcpPorts).toEqual([5000, 5001]);
  });

  it('probes ENQ, framed and raw headers, nothing else', () => {
    const probe = (text: string): boolean => {
      const buf = latin1(`..${text}`);
      return astm.probe('tcp', 0, buf, 2, buf.length - 2);
    };
    expect(probe(ENQ)).toBe(true);
    expect(probe(`${STX}1H|\\^&|||`)).toBe(true);
    expect(probe(`${ENQ}${STX}1H|\\^&`)).toBe(true);
    expect(probe('H|\\^&|||X')).toBe(true);
    expect(probe('HELLO')).toBe(false);
    expect(probe(`${ENQ}x`)).toBe(false);
    expect(probe('GET / HTTP/1.1')).toBe(false);
    expect(astm.probe('udp', 0, latin1(ENQ), 0, 1)).toBe(false);
  });

  it('after a gap, drops the frame and record in progress and reads the next transfer', () => {
    const facts: string[] = [];
    const session = astm.open({ ts: 0, transport: 'tcp', originatorPort: 1, responderPort: 5000, emit: (key, value) => facts.push(`${key}=${String(value)}`) });
    // Without the gap, the two halves would make one frame with a valid checksum.
    const whole = frame(1, 'H|\\^&|||LOST^1|||||||P\r');
    const lost = latin1(`${ENQ}${whole.slice(0, 15)}`);
    session.data(0, lost, 0, lost.length);
    session.gap?.(0, 50);
    const next = latin1(whole.slice(15) + EOT + transfer([ACL_HEADER]).map((s) => s.bytes.toString('latin1')).join(''));
    session.data(0, next, 0, next.length);
    expect(facts).toContain('astm.sender_name=ACL-ELITE');
    expect(facts.some((f) => f.includes('LOST'))).toBe(false);
  });

  it('never emits a patient, specimen or result value', () => {
    const text = vectors.flatMap((v) => feedWhole(astm, v).facts.map((f) => JSON.stringify(f.value))).join('\n');
    for (const value of ['VG7001', 'TESTPATIENT', 'ECHO', '19750630', 'SPEC-88123', '5.4', 'hemolysed', 'SPEC1']) expect(text).not.toContain(value);
  });
});

describe('redactAstm', () => {
  const stream = Buffer.concat(transfer([ACL_HEADER, PATIENT, ORDER, RESULT, COMMENT, TERMINATOR]).map((s) => s.bytes));
  const redacted = redactAstm(stream);

  it('keeps the length and the header, masks patient, specimen, result and comment values', () => {
    expect(redacted.length).toBe(stream.length);
    const text = redacted.toString('latin1');
    expect(text).toContain(ACL_HEADER);
    expect(text).toContain('^^^GLU^Glucose');
    for (const value of ['VG7001', 'TESTPATIENT', 'ECHO', '19750630', 'SPEC-88123', '|5.4|', 'hemolysed']) {
      expect(stream.toString('latin1')).toContain(value);
      expect(text).not.toContain(value);
    }
  });

  it('gives every altered frame a valid checksum: the dissector reads it as before, with no checksum error', () => {
    const before = feedWhole(astm, { transport: 'tcp', originatorPort: 1, responderPort: 2, segments: [{ dir: 0, bytes: stream }] }).facts;
    const after = feedWhole(astm, { transport: 'tcp', originatorPort: 1, responderPort: 2, segments: [{ dir: 0, bytes: redacted }] }).facts;
    expect(after.filter((f) => f.key === 'astm.checksum_errors')).toEqual([]);
    expect(after).toEqual(before);
  });

  it('masks raw records too, and leaves a wrong checksum wrong', () => {
    expect(redactAstm(latin1('H|\\^&\rP|1|X9|A^B\r')).toString('latin1')).toBe('H|\\^&\rP|1|XX|X^X\r');
    const bad = latin1(`${STX}1P|1|ID7\r${ETX}00\r\n`);
    expect(redactAstm(bad).toString('latin1')).toBe(`${STX}1P|1|XXX\r${ETX}00\r\n`);
  });
});
