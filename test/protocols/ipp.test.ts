import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Direction } from '../../src/protocols/dissector.js';
import { IppDissector, operationName, parseDeviceId, readIppMessage, statusName } from '../../src/protocols/ipp/index.js';
import { feedWhole, type Fact, type Segment } from '../../src/protocols/harness.js';
import { describeConformance, type ConformanceVector } from './conformance.js';
import { haveTshark, SHARED } from './tshark-fields.js';
import { AGGREGATOR, tcpFlows } from './tshark-streams.js';
import { fixtureFile, fixtureFlows, leakedJobValues } from './printing-fixtures.js';

// Real IPP: test/fixtures/printing/ipp.pcap, CUPS 2.4.2's ippeveprinter (make "Example", model "LaserJet 4250",
// location "Ward 3 corridor") answering ipptool (scripts/record-printing-fixtures.sh). Connections, in order:
//   0 Get-Printer-Attributes   1 Print-Job of a short text file   2 Get-Jobs

const fact = (from: Direction, key: string, value: Fact['value']): Fact => ({ key, value, from });
const flows = fixtureFlows('ipp.pcap');

/** An IPP message (RFC 8010 §3.1): header, then groups of attributes, each `[tag, name, value]`. */
function ipp(version: [number, number], code: number, requestId: number, groups: Array<[number, Array<[number, string, Buffer | string | number]>]>, data = ''): Buffer {
  const parts: Buffer[] = [Buffer.from([version[0], version[1], code >> 8, code & 0xff, 0, 0, requestId >> 8, requestId & 0xff])];
  for (const [group, attributes] of groups) {
    parts.push(Buffer.from([group]));
    for (const [tag, name, value] of attributes) {
      const v = typeof value === 'number' ? Buffer.from([value >>> 24, (value >> 16) & 0xff, (value >> 8) & 0xff, value & 0xff]) : Buffer.isBuffer(value) ? value : Buffer.from(value, 'utf8');
      const n = Buffer.from(name, 'latin1');
      parts.push(Buffer.from([tag, n.length >> 8, n.length & 0xff]), n, Buffer.from([v.length >> 8, v.length & 0xff]), v);
    }
  }
  parts.push(Buffer.from([0x03]), Buffer.from(data, 'latin1'));
  return Buffer.concat(parts);
}
const http = (startLine: string, fields: string[], body: Buffer): Buffer =>
  Buffer.concat([Buffer.from(`${startLine}\r\n${[...fields, `Content-Length: ${body.length}`].join('\r\n')}\r\n\r\n`, 'latin1'), body]);
const chunked = (startLine: string, fields: string[], body: Buffer, size: number): Buffer => {
  const chunks: Buffer[] = [Buffer.from(`${startLine}\r\n${[...fields, 'Transfer-Encoding: chunked'].join('\r\n')}\r\n\r\n`, 'latin1')];
  for (let i = 0; i < body.length; i += size) {
    const piece = body.subarray(i, i + size);
    chunks.push(Buffer.from(`${piece.length.toString(16)}\r\n`, 'latin1'), piece, Buffer.from('\r\n', 'latin1'));
  }
  chunks.push(Buffer.from('0\r\n\r\n', 'latin1'));
  return Buffer.concat(chunks);
};
const seg = (dir: Direction, bytes: Buffer): Segment => ({ dir, bytes });
const tcp = (name: string, segments: readonly Segment[], expected: Fact[], exact = true, responderPort = 631): ConformanceVector => ({
  name,
  transport: 'tcp',
  originatorPort: 50631,
  responderPort,
  segments,
  expected,
  exact,
});

const OPERATION = 0x01;
const JOB = 0x02;
const PRINTER = 0x04;
const charset: [number, string, string] = [0x47, 'attributes-charset', 'utf-8'];
const language: [number, string, string] = [0x48, 'attributes-natural-language', 'en'];
const uri: [number, string, string] = [0x45, 'printer-uri', 'ipp://printer.example/ipp/print'];
const IPP_TYPE = 'Content-Type: application/ipp';

// A Get-Printer-Attributes answer shaped like an HP printer's (PWG 5100.13 attributes), chunked, with a
// collection, a textWithLanguage value, additional values and a job name that must not come out.
const hpAnswer = ipp([2, 0], 0x0000, 7, [
  [OPERATION, [charset, language]],
  [
    PRINTER,
    [
      [0x44, 'ipp-versions-supported', '1.0'],
      [0x44, '', '1.1'],
      [0x44, '', '2.0'],
      [0x45, 'printer-uri-supported', 'ipps://hp-ward3.example:443/ipp/print'],
      [0x45, '', 'ipp://hp-ward3.example/ipp/print'],
      [0x34, 'media-col-default', ''],
      [0x4a, '', 'media-size'],
      [0x34, '', ''],
      [0x4a, '', 'x-dimension'],
      [0x21, '', 21000],
      [0x37, '', ''],
      [0x37, '', ''],
      [0x41, 'printer-make-and-model', 'HP LaserJet M507'],
      [0x41, 'printer-device-id', 'MFG:HP;MDL:HP LaserJet M507;CMD:PJL,PCL,POSTSCRIPT,PCLXL,PDF,URF;CLS:PRINTER;SN:PHBLB12345;'],
      [0x42, 'printer-firmware-name', 'System'],
      [0x41, 'printer-firmware-string-version', '2509081_000594'],
      [0x30, 'printer-firmware-version', Buffer.from([2, 5, 9, 8])],
      [0x35, 'printer-info', Buffer.concat([Buffer.from([0, 2]), Buffer.from('en'), Buffer.from([0, 11]), Buffer.from('Ward 3 copy')])],
      [0x41, 'printer-location', 'Level 2, ward 3'],
      [0x45, 'printer-uuid', 'urn:uuid:564E4342-4B37-5030-3433-D0BF9C8A1B2C'],
      [0x23, 'operations-supported', 0x0002],
      [0x23, '', 0x000b],
      [0x23, '', 0x003c],
      [0x23, '', 0x7777],
      [0x49, 'document-format-supported', 'application/PDF'],
      [0x49, '', 'image/urf'],
    ],
  ],
  [JOB, [[0x42, 'job-name', 'discharge-summary.pdf']]],
]);

const vectors: ConformanceVector[] = [
  {
    ...tcp('ippeveprinter ipp.pcap connection 0: Get-Printer-Attributes', flows[0].segments, [
      fact(0, 'ipp.user_agent', 'CUPS/2.4.2 (Linux 6.18.44-fc-v782; x86_64) IPP/2.0'),
      fact(0, 'ipp.version', '2.0'),
      fact(0, 'ipp.operation', 'Get-Printer-Attributes'),
      fact(1, 'ipp.server', 'CUPS/2.4.2'),
      fact(1, 'ipp.version', '2.0'),
      fact(1, 'ipp.status', 'successful-ok'),
      fact(1, 'ipp.device_id_manufacturer', 'Example'),
      fact(1, 'ipp.device_id_model', 'LaserJet 4250'),
      fact(1, 'ipp.device_id_command_set', ['PDF']),
      fact(1, 'ipp.printer_make_and_model', 'Example LaserJet 4250'),
      fact(1, 'ipp.document_formats', ['application/octet-stream', 'application/pdf', 'text/plain']),
      fact(1, 'ipp.versions_supported', ['1.1', '2.0']),
      fact(1, 'ipp.operations_supported', ['Print-Job', 'Print-URI', 'Validate-Job', 'Create-Job', 'Send-Document', 'Send-URI', 'Cancel-Job', 'Get-Job-Attributes', 'Get-Jobs', 'Get-Printer-Attributes', 'Cancel-My-Jobs', 'Close-Job', 'Identify-Printer']),
      fact(1, 'ipp.printer_info', 'Example LaserJet 4250'),
      fact(1, 'ipp.printer_location', 'Ward 3 corridor'),
      fact(1, 'ipp.printer_name', 'Example LaserJet 4250'),
      fact(1, 'ipp.uri_schemes', ['ipp', 'ipps']),
    ], false),
    originatorPort: flows[0].originatorPort,
  },
  {
    ...tcp('ippeveprinter ipp.pcap connection 1: Print-Job', flows[1].segments, [
      fact(0, 'ipp.user_agent', 'CUPS/2.4.2 (Linux 6.18.44-fc-v782; x86_64) IPP/2.0'),
      fact(0, 'ipp.version', '1.1'),
      fact(0, 'ipp.operation', 'Print-Job'),
      fact(0, 'ipp.job_seen', true),
      fact(0, 'ipp.document_format', 'text/plain'),
      fact(1, 'ipp.server', 'CUPS/2.4.2'),
      fact(1, 'ipp.version', '1.1'),
      fact(1, 'ipp.status', 'successful-ok'),
    ]),
    originatorPort: flows[1].originatorPort,
  },
  {
    ...tcp('ippeveprinter ipp.pcap connection 2: Get-Jobs', flows[2].segments, [
      fact(0, 'ipp.user_agent', 'CUPS/2.4.2 (Linux 6.18.44-fc-v782; x86_64) IPP/2.0'),
      fact(0, 'ipp.version', '1.1'),
      fact(0, 'ipp.operation', 'Get-Jobs'),
      fact(1, 'ipp.server', 'CUPS/2.4.2'),
      fact(1, 'ipp.version', '1.1'),
      fact(1, 'ipp.status', 'successful-ok'),
    ]),
    originatorPort: flows[2].originatorPort,
  },
  tcp(
    'built: HP-shaped Get-Printer-Attributes, chunked, with firmware, serial, a collection and a job name',
    [
      seg(0, http('POST /ipp/print HTTP/1.1', ['Host: hp-ward3.example:631', IPP_TYPE], ipp([2, 0], 0x000b, 7, [[OPERATION, [charset, language, uri]]]))),
      seg(1, chunked('HTTP/1.1 200 OK', [IPP_TYPE, 'Server: HP HTTP Server; HP LaserJet M507'], hpAnswer, 97)),
    ],
    [
      fact(0, 'ipp.version', '2.0'),
      fact(0, 'ipp.operation', 'Get-Printer-Attributes'),
      fact(1, 'ipp.server', 'HP HTTP Server; HP LaserJet M507'),
      fact(1, 'ipp.version', '2.0'),
      fact(1, 'ipp.status', 'successful-ok'),
      fact(1, 'ipp.versions_supported', ['1.0', '1.1', '2.0']),
      fact(1, 'ipp.uri_schemes', ['ipps', 'ipp']),
      fact(1, 'ipp.printer_make_and_model', 'HP LaserJet M507'),
      fact(1, 'ipp.device_id_manufacturer', 'HP'),
      fact(1, 'ipp.device_id_model', 'HP LaserJet M507'),
      fact(1, 'ipp.device_id_command_set', ['PJL', 'PCL', 'POSTSCRIPT', 'PCLXL', 'PDF', 'URF']),
      fact(1, 'ipp.device_id_serial', 'PHBLB12345'),
      fact(1, 'ipp.firmware_name', ['System']),
      fact(1, 'ipp.firmware_version', ['2509081_000594']),
      fact(1, 'ipp.firmware_version_octets', ['2.5.9.8']),
      fact(1, 'ipp.printer_info', 'Ward 3 copy'),
      fact(1, 'ipp.printer_location', 'Level 2, ward 3'),
      fact(1, 'ipp.printer_uuid', '564e4342-4b37-5030-3433-d0bf9c8a1b2c'),
      fact(1, 'ipp.operations_supported', ['Print-Job', 'Get-Printer-Attributes', 'Identify-Printer', '0x7777']),
      fact(1, 'ipp.document_formats', ['application/pdf', 'image/urf']),
    ],
  ),
  tcp(
    'built: Expect 100-continue Print-Job with user and job names, document data, then an error status',
    [
      seg(
        0,
        chunked(
          'POST /printers/ward3 HTTP/1.1',
          ['Host: cups.example:631', IPP_TYPE, 'Expect: 100-continue', 'User-Agent: CUPS/2.3.3op2 (Linux 5.10; x86_64) IPP/2.0'],
          ipp([2, 0], 0x0002, 1, [[OPERATION, [charset, language, uri, [0x42, 'requesting-user-name', 'dr-jones'], [0x42, 'job-name', 'Patient MRN 123456'], [0x49, 'document-format', 'application/postscript']]]], '%!PS-Adobe-3.0\n(Patient MRN 123456) show\n'),
          64,
        ),
      ),
      seg(1, Buffer.from('HTTP/1.1 100 Continue\r\n\r\n', 'latin1')),
      seg(1, http('HTTP/1.1 200 OK', [IPP_TYPE], ipp([2, 0], 0x0406, 1, [[OPERATION, [charset, language]]]))),
    ],
    [
      fact(0, 'ipp.user_agent', 'CUPS/2.3.3op2 (Linux 5.10; x86_64) IPP/2.0'),
      fact(0, 'ipp.version', '2.0'),
      fact(0, 'ipp.operation', 'Print-Job'),
      fact(0, 'ipp.job_seen', true),
      fact(0, 'ipp.document_format', 'application/postscript'),
      fact(1, 'ipp.version', '2.0'),
      fact(1, 'ipp.status', 'client-error-not-found'),
    ],
  ),
  tcp(
    'built: not IPP (the CUPS web interface on 631, then a body that is not an IPP message)',
    [
      seg(0, Buffer.from('GET /printers/ HTTP/1.1\r\nHost: cups.example:631\r\n\r\n', 'latin1')),
      seg(1, http('HTTP/1.1 200 OK', ['Content-Type: text/html', 'Server: CUPS/2.4 IPP/2.1'], Buffer.from('<html>printers</html>'))),
      seg(0, http('POST /ipp/print HTTP/1.1', [IPP_TYPE], Buffer.from('<?xml version="1.0"?>'))),
    ],
    [fact(1, 'ipp.server', 'CUPS/2.4 IPP/2.1')],
  ),
];

const dissector = new IppDissector();
describeConformance(dissector, vectors, { iterations: 500 });

describe('IppDissector', () => {
  it('claims TCP 631 and probes POST with application/ipp', () => {
    expect(dissector.tcpPorts).toEqual([631]);
    const post = Buffer.from('POST /ipp/print HTTP/1.1\r\nContent-Type: Application/IPP\r\n\r\n', 'latin1');
    expect(dissector.probe('tcp', 0, post, 0, post.length)).toBe(true);
    const get = Buffer.from('GET / HTTP/1.1\r\n\r\n', 'latin1');
    expect(dissector.probe('tcp', 0, get, 0, get.length)).toBe(false);
    expect(dissector.probe('udp', 0, post, 0, post.length)).toBe(false);
  });

  it('the fixture holds the three recorded connections', () => {
    expect(flows.map((f) => f.responderPort)).toEqual([631, 631, 631]);
  });

  it('never emits job, user or document names, nor printed text', () => {
    const facts = [...flows, ...vectors.slice(3)].flatMap((f) => feedWhole(dissector, f).facts);
    expect(facts.some((f) => f.key === 'ipp.job_seen')).toBe(true);
    expect(leakedJobValues(facts)).toEqual([]);
    const text = JSON.stringify(facts.map((f) => f.value));
    for (const secret of ['dr-jones', 'MRN', 'discharge', 'Patient']) expect(text).not.toContain(secret);
  });

  it('stops reading at the end-of-attributes tag and keeps only wanted attributes', () => {
    const body = ipp([1, 1], 0x0002, 9, [[OPERATION, [charset, [0x42, 'job-name', 'x']]]], '\x04\x00\x00\x00\x00');
    const message = readIppMessage(body, (_g, name) => name !== 'job-name');
    expect(message?.complete).toBe(true);
    expect(message?.groups).toEqual([OPERATION]);
    expect(message?.attributes.map((a) => a.name)).toEqual(['attributes-charset']);
    expect(readIppMessage(Buffer.from('<?xml version'), () => true)).toBeNull();
  });

  it('names operations and status codes, and unknown ones by number', () => {
    expect(operationName(0x000b)).toBe('Get-Printer-Attributes');
    expect(operationName(0x4002)).toBe('CUPS-Get-Printers');
    expect(operationName(0x1234)).toBe('0x1234');
    expect(statusName(0x0000)).toBe('successful-ok');
    expect(statusName(0x0507)).toBe('server-error-busy');
  });

  it('reads IEEE 1284 device IDs with long or short keys', () => {
    expect(parseDeviceId('MANUFACTURER:Brother;COMMAND SET:PJL,PCL,PCLXL,URF;MODEL:HL-L2350DW series;SERIALNUMBER:E7XXXX;')).toEqual({
      manufacturer: 'Brother',
      model: 'HL-L2350DW series',
      commandSet: ['PJL', 'PCL', 'PCLXL', 'URF'],
      serial: 'E7XXXX',
    });
    expect(parseDeviceId('garbage')).toEqual({ manufacturer: null, model: null, commandSet: [], serial: null });
  });
});

// Differential test against tshark: per connection, tshark's `ipp.operation_id` (requests) and `ipp.status_code`
// (responses), and the printer-make-and-model attribute its verbose tree shows, must agree with ours. Also on
// nDPI's ipp.pcap in ../shared (a real Print-Job of 230 KiB, Get-Job-Attributes, Get-Printer-Attributes) when
// it is there.
const SHARED_IPP = new URL('discovery/ndpi/ipp.pcap', SHARED).pathname;

/** printer-make-and-model values in tshark's verbose tree, by TCP stream. */
function tsharkMakeAndModel(capture: string): Map<number, string> {
  const out = execFileSync('tshark', ['-r', capture, '-Y', 'ipp', '-V'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 1 << 28 });
  const found = new Map<number, string>();
  let stream = -1;
  for (const line of out.split('\n')) {
    const s = /\[Stream index: (\d+)\]/.exec(line);
    if (s !== null) stream = Number(s[1]);
    const m = /^\s+printer-make-and-model \(text\w*\): '(.*)'$/.exec(line);
    if (m !== null && !found.has(stream)) found.set(stream, m[1]);
  }
  return found;
}

describe.skipIf(!haveTshark)('IPP against tshark', () => {
  const captures = [fixtureFile('ipp.pcap'), ...(existsSync(SHARED_IPP) ? [SHARED_IPP] : [])];
  if (!existsSync(SHARED_IPP)) console.info('IPP vs tshark: ../shared/captures/discovery/ndpi/ipp.pcap is absent; the fixture alone is compared');
  for (const capture of captures) {
    it(`operations, status codes and make-and-model agree with tshark on ${capture.split('/').slice(-2).join('/')}`, () => {
      const problems: string[] = [];
      const theirs = tcpFlows(capture, 'tcp.port == 631', ['ipp.operation_id', 'ipp.status_code']);
      const models = tsharkMakeAndModel(capture);
      expect(theirs.length).toBeGreaterThan(0);
      let compared = 0;
      for (const flow of theirs) {
        const facts = feedWhole(dissector, flow).facts;
        const ours = (key: string): string => [...new Set(facts.filter((f) => f.key === key).map((f) => String(f.value)))].sort().join();
        const column = (i: number, name: (n: number) => string): string =>
          [...new Set(flow.rows.flatMap((r) => (r[i] ?? '').split(AGGREGATOR)).filter((v) => v !== '').map((v) => name(Number(v))))].sort().join();
        const operations = column(0, operationName);
        const statuses = column(1, statusName);
        if (operations !== ours('ipp.operation')) problems.push(`stream ${flow.stream}: tshark operations ${operations}, ours ${ours('ipp.operation')}`);
        if (statuses !== ours('ipp.status')) problems.push(`stream ${flow.stream}: tshark status ${statuses}, ours ${ours('ipp.status')}`);
        const model = models.get(flow.stream);
        if (model !== undefined) {
          compared++;
          if (ours('ipp.printer_make_and_model') !== model) problems.push(`stream ${flow.stream}: tshark make-and-model ${model}, ours ${ours('ipp.printer_make_and_model')}`);
        }
        compared += (operations === '' ? 0 : operations.split(',').length) + (statuses === '' ? 0 : statuses.split(',').length);
      }
      console.info(`IPP vs tshark on ${capture.split('/').pop()}: ${theirs.length} connections, ${compared} values compared, ${problems.length} disagreements`);
      expect(compared).toBeGreaterThan(0);
      expect(problems).toEqual([]);
    });
  }
});
