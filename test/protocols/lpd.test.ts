import { describe, expect, it } from 'vitest';
import type { Direction } from '../../src/protocols/dissector.js';
import { LpdDissector } from '../../src/protocols/lpd/index.js';
import { feedWhole, type Fact, type Segment } from '../../src/protocols/harness.js';
import { describeConformance, type ConformanceVector } from './conformance.js';
import { haveTshark } from './tshark-fields.js';
import { AGGREGATOR, tcpFlows } from './tshark-streams.js';
import { fixtureFile, fixtureFlows, leakedJobValues } from './printing-fixtures.js';

// Real LPD: test/fixtures/printing/lpd.pcap, BSD lpd 2008.05.17 as the printer and BSD lpq/lpr (through the
// client's own lpd, which forwards the job) as the client (scripts/record-printing-fixtures.sh). Every
// connection comes from reserved port 1023. Connections, in order:
//   0 lpq (short queue state)   1 lpq -l (long)   2 the job: receive-job, data file then control file   3 lpq

const fact = (from: Direction, key: string, value: Fact['value']): Fact => ({ key, value, from });
const seg = (dir: Direction, text: string): Segment => ({ dir, bytes: Buffer.from(text, 'latin1') });
const tcp = (name: string, segments: readonly Segment[], expected: Fact[]): ConformanceVector => ({
  name,
  transport: 'tcp',
  originatorPort: 721,
  responderPort: 515,
  segments,
  expected,
  exact: true,
});
const flows = fixtureFlows('lpd.pcap');
const fromFixture = (i: number, what: string, expected: Fact[]): ConformanceVector => ({
  ...tcp(`bsd lpd.pcap connection ${i}: ${what}`, flows[i].segments, expected),
  originatorPort: flows[i].originatorPort,
});

const CONTROL = 'Hward-pc-12\nPdrjones\nJdischarge summary Smith\nCward-pc-12\nLdrjones\nTdischarge\nMdrjones@hospital.example\nodfA042ward-pc-12\nUdfA042ward-pc-12\nN/home/drjones/summary.ps\n';
const PCL = '\x1bE\x1b&l0O page text';
const vectors: ConformanceVector[] = [
  fromFixture(0, 'lpq', [fact(0, 'lpd.command', 'queue-state-short'), fact(0, 'lpd.queue', 'lp')]),
  fromFixture(1, 'lpq -l', [fact(0, 'lpd.command', 'queue-state-long'), fact(0, 'lpd.queue', 'lp')]),
  fromFixture(2, 'lpr: a job', [
    fact(0, 'lpd.command', 'receive-job'),
    fact(0, 'lpd.queue', 'lp'),
    fact(0, 'lpd.job_seen', true),
    fact(0, 'lpd.client_host', 'ward-pc'),
    fact(0, 'lpd.print_format', 'formatted-text'),
    fact(0, 'lpd.control_lines', ['H', 'P', 'J', 'C', 'f', 'U', 'N']),
  ]),
  fromFixture(3, 'lpq after the job', [fact(0, 'lpd.command', 'queue-state-short'), fact(0, 'lpd.queue', 'lp')]),
  tcp(
    'built: RFC 1179 order (control file first), a PostScript data file, names that must not come out',
    [
      seg(0, '\x02ward3-laser\n'),
      seg(1, '\0'),
      seg(0, `\x02${CONTROL.length} cfA042ward-pc-12\n`),
      seg(1, '\0'),
      seg(0, `${CONTROL}\0`),
      seg(1, '\0'),
      seg(0, '\x0344 dfA042ward-pc-12\n'),
      seg(1, '\0'),
      seg(0, '%!PS-Adobe-3.0\n(Smith, John MRN 12345) show\n\0'),
      seg(1, '\0'),
    ],
    [
      fact(0, 'lpd.command', 'receive-job'),
      fact(0, 'lpd.queue', 'ward3-laser'),
      fact(0, 'lpd.job_seen', true),
      fact(0, 'lpd.client_host', 'ward-pc-12'),
      fact(0, 'lpd.print_format', 'postscript'),
      fact(0, 'lpd.control_lines', ['H', 'P', 'J', 'C', 'L', 'T', 'M', 'o', 'U', 'N']),
      fact(0, 'lpd.document_language', 'POSTSCRIPT'),
    ],
  ),
  tcp(
    'built: a control file whose last line has no line end, then a PCL data file; the printer refuses the second',
    [seg(0, '\x02lp\n'), seg(1, '\0'), seg(0, '\x0213 cfA001host\nHhost\nldfA001\0'), seg(1, '\0'), seg(0, `\x03${PCL.length} dfA001host\n${PCL}\0`), seg(1, '\x01')],
    [
      fact(0, 'lpd.command', 'receive-job'),
      fact(0, 'lpd.queue', 'lp'),
      fact(0, 'lpd.job_seen', true),
      fact(0, 'lpd.client_host', 'host'),
      fact(0, 'lpd.print_format', 'raw'),
      fact(0, 'lpd.control_lines', ['H', 'l']),
      fact(0, 'lpd.document_language', 'PCL'),
      fact(1, 'lpd.job_refused', true),
    ],
  ),
  tcp('built: remove jobs (the agent is a user name: not kept)', [seg(0, '\x05lp drjones 42\n'), seg(1, '')], [fact(0, 'lpd.command', 'remove-jobs'), fact(0, 'lpd.queue', 'lp')]),
  tcp('built: not LPD (HTTP on port 515)', [seg(0, 'GET / HTTP/1.1\r\nHost: x\r\n\r\n'), seg(1, 'HTTP/1.1 400 Bad Request\r\n\r\n')], []),
];

const lpd = new LpdDissector();
describeConformance(lpd, vectors);

describe('LpdDissector', () => {
  it('claims TCP 515 only', () => {
    expect(lpd.tcpPorts).toEqual([515]);
    expect(lpd.udpPorts).toEqual([]);
  });

  it('the fixture holds the four recorded connections', () => {
    expect(flows.length).toBe(4);
    expect(flows.every((f) => f.responderPort === 515)).toBe(true);
  });

  it('never emits job, user, title or file names, nor printed text', () => {
    const facts = vectors.flatMap((v) => feedWhole(lpd, v).facts);
    expect(facts.some((f) => f.key === 'lpd.job_seen')).toBe(true);
    expect(leakedJobValues(facts)).toEqual([]);
    const text = JSON.stringify(facts.map((f) => f.value));
    for (const secret of ['drjones', 'Smith', 'discharge', 'MRN', 'summary', 'hospital.example']) expect(text).not.toContain(secret);
  });
});

// Differential test against tshark on the fixture: per connection, tshark's `lpd.client_code` (the command
// octet) and `lpd.printer_option` (the queue) of the first request must be our command and queue.
const COMMAND_NAMES = ['', 'print-waiting-jobs', 'receive-job', 'queue-state-short', 'queue-state-long', 'remove-jobs'];
describe.skipIf(!haveTshark)('LPD against tshark', () => {
  it('commands and queues agree with tshark on every connection', () => {
    const theirs = tcpFlows(fixtureFile('lpd.pcap'), 'tcp.port == 515', ['lpd.client_code', 'lpd.printer_option']);
    expect(theirs.length).toBe(flows.length);
    const problems: string[] = [];
    for (const flow of theirs) {
      const facts = feedWhole(lpd, flow).facts;
      const first = flow.rows.find((r) => (r[0] ?? '') !== '');
      if (first === undefined) {
        problems.push(`stream ${flow.stream}: tshark saw no request`);
        continue;
      }
      const command = COMMAND_NAMES[Number(first[0].split(AGGREGATOR)[0])] ?? '';
      const queue = (first[1] ?? '').split(AGGREGATOR)[0];
      const ours = (key: string): string | undefined => facts.find((f) => f.key === key)?.value as string | undefined;
      if (ours('lpd.command') !== command) problems.push(`stream ${flow.stream}: tshark command ${command}, ours ${ours('lpd.command')}`);
      if (ours('lpd.queue') !== queue) problems.push(`stream ${flow.stream}: tshark queue ${queue}, ours ${ours('lpd.queue')}`);
    }
    console.info(`LPD vs tshark: ${theirs.length} connections, ${problems.length} disagreements`);
    expect(problems).toEqual([]);
  });
});
