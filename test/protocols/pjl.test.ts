import { describe, expect, it } from 'vitest';
import type { Direction } from '../../src/protocols/dissector.js';
import { PjlDissector, printLanguage } from '../../src/protocols/pjl/index.js';
import { DissectorRegistry } from '../../src/protocols/dissector-registry.js';
import { defaultDissectors } from '../../src/protocols/index.js';
import { feedWhole, type Fact, type Segment } from '../../src/protocols/harness.js';
import { describeConformance, type ConformanceVector } from './conformance.js';

// No free implementation of a PJL printer exists to record, and tshark has no PJL dissector: these vectors are
// built from the HP PJL Technical Reference (status readback, ch. 7: the echo of the command, the answer's
// lines, a form feed; INFO ID's quoted model, INFO CONFIG's `feature [n ENUMERATED]` lines with tab-indented
// options, INFO STATUS's CODE / DISPLAY / ONLINE) and from the job streams drivers send (UEL, @PJL JOB, SET,
// ENTER LANGUAGE, the document, UEL, @PJL EOJ).

const fact = (from: Direction, key: string, value: Fact['value']): Fact => ({ key, value, from });
const seg = (dir: Direction, text: string): Segment => ({ dir, bytes: Buffer.from(text, 'latin1') });
const tcp = (name: string, segments: readonly Segment[], expected: Fact[]): ConformanceVector => ({
  name,
  transport: 'tcp',
  originatorPort: 51234,
  responderPort: 9100,
  segments,
  expected,
  exact: true,
});
const UEL = '\x1b%-12345X';

const vectors: ConformanceVector[] = [
  tcp(
    'built: status readback: INFO ID, INFO CONFIG, INFO STATUS, INFO PAGECOUNT',
    [
      seg(0, `${UEL}@PJL\r\n@PJL INFO ID\r\n@PJL INFO CONFIG\r\n@PJL INFO STATUS\r\n@PJL INFO PAGECOUNT\r\n${UEL}`),
      seg(1, '@PJL INFO ID\r\n"HP LaserJet 4250"\r\n\f'),
      seg(
        1,
        '@PJL INFO CONFIG\r\nIN TRAYS [3 ENUMERATED]\r\n\tINTRAY1 MP\r\n\tINTRAY2 PC\r\n\tINTRAY3 LC\r\n' +
          'LANGUAGES [3 ENUMERATED]\r\n\tPCL\r\n\tPOSTSCRIPT\r\n\tPCLXL\r\nUSTATUS [4 ENUMERATED]\r\n\tDEVICE\r\n\tJOB\r\n\tPAGE\r\n\tTIMED\r\n' +
          'MEMORY=67108864\r\nDISPLAY LINES=2\r\nSERIAL NUMBER=CNBXB12345\r\n\f',
      ),
      seg(1, '@PJL INFO STATUS\r\nCODE=10001\r\nDISPLAY="Printing Smith_MRN123"\r\nONLINE=TRUE\r\n\f'),
      seg(1, '@PJL INFO PAGECOUNT\r\n183772\r\n\f'),
    ],
    [
      fact(0, 'pjl.command', 'INFO ID'),
      fact(0, 'pjl.command', 'INFO CONFIG'),
      fact(0, 'pjl.command', 'INFO STATUS'),
      fact(0, 'pjl.command', 'INFO PAGECOUNT'),
      fact(1, 'pjl.model', 'HP LaserJet 4250'),
      fact(1, 'pjl.languages_supported', 'PCL'),
      fact(1, 'pjl.languages_supported', 'POSTSCRIPT'),
      fact(1, 'pjl.languages_supported', 'PCLXL'),
      fact(1, 'pjl.memory', 67108864),
      fact(1, 'pjl.serial', 'CNBXB12345'),
      fact(1, 'pjl.status_code', 10001),
      fact(1, 'pjl.online', true),
      fact(1, 'pjl.page_count', 183772),
    ],
  ),
  tcp(
    'built: a driver job: JOB with a name, SET USERNAME, ENTER LANGUAGE=POSTSCRIPT, the document; USTATUS answers',
    [
      seg(
        0,
        `${UEL}@PJL JOB NAME="Discharge summary - Smith"\r\n@PJL SET USERNAME="drjones"\r\n@PJL SET COPIES=2\r\n@PJL USTATUS DEVICE=ON\r\n` +
          '@PJL ENTER LANGUAGE=POSTSCRIPT\r\n%!PS-Adobe-3.0\n(Smith, John) show\n@PJL SET SECRET=1\r\n',
      ),
      seg(1, '@PJL USTATUS DEVICE\r\nCODE=10023\r\nDISPLAY="Processing job"\r\nONLINE=TRUE\r\n\f'),
    ],
    [
      fact(0, 'pjl.command', 'JOB'),
      fact(0, 'pjl.job_seen', true),
      fact(0, 'pjl.command', 'SET'),
      fact(0, 'pjl.variable', 'USERNAME'),
      fact(0, 'pjl.variable', 'COPIES'),
      fact(0, 'pjl.command', 'USTATUS DEVICE'),
      fact(0, 'pjl.command', 'ENTER'),
      fact(0, 'pjl.language', 'POSTSCRIPT'),
      fact(1, 'pjl.status_code', 10023),
      fact(1, 'pjl.online', true),
    ],
  ),
  tcp('built: raw PostScript with no PJL', [seg(0, '%!PS-Adobe-3.0\n%%Title: (Smith)\nshowpage\n')], [fact(0, 'pjl.language', 'POSTSCRIPT')]),
  tcp('built: raw PCL with no line end (a short stream)', [seg(0, '\x1bE\x1b&l0O\x1b(s0p12h10v0s0b3T\x0cpage\x1bE')], [fact(0, 'pjl.language', 'PCL')]),
  tcp(
    'built: UEL straight into PCL XL, after file-system commands',
    [seg(0, `${UEL}@PJL FSDIRLIST NAME="0:\\" ENTRY=1 COUNT=99\r\n${UEL}) HP-PCL XL;2;0;Comment\r\n`)],
    [fact(0, 'pjl.command', 'FSDIRLIST'), fact(0, 'pjl.filesystem_access', true), fact(0, 'pjl.language', 'PCLXL')],
  ),
  tcp('built: not PJL (SSH on 9100)', [seg(1, 'SSH-2.0-OpenSSH_9.6\r\n'), seg(0, 'SSH-2.0-PuTTY\r\n')], []),
];

const pjl = new PjlDissector();
describeConformance(pjl, vectors);

describe('PjlDissector', () => {
  it('claims no port (node_exporter serves HTTP on 9100) and probes print streams from the client', () => {
    expect(pjl.tcpPorts).toEqual([]);
    expect(new PjlDissector({ tcpPorts: [9100] }).tcpPorts).toEqual([9100]);
    const probe = (text: string, dir: Direction = 0): boolean => pjl.probe('tcp', dir, Buffer.from(text, 'latin1'), 0, text.length);
    expect(probe(`${UEL}@PJL JOB\r\n`)).toBe(true);
    expect(probe(`${UEL}@PJL JOB\r\n`, 1)).toBe(false);
    expect(probe('%!PS-Adobe-3.0\n')).toBe(true);
    expect(probe('\x1bE\x1b&l0O')).toBe(true);
    expect(probe('GET /metrics HTTP/1.1\r\n')).toBe(false);
    const defaults = new DissectorRegistry(defaultDissectors());
    const http = Buffer.from('GET /metrics HTTP/1.1\r\nHost: a:9100\r\n\r\n', 'latin1');
    expect(defaults.byPort('tcp', 9100, 50000)).toBeNull();
    expect(defaults.probe('tcp', 0, http, 0, http.length)?.name).toBe('http');
    const job = Buffer.from(`${UEL}@PJL INFO ID\r\n`, 'latin1');
    expect(defaults.probe('tcp', 0, job, 0, job.length)?.name).toBe('pjl');
  });

  it('never emits job names, user names, panel text or document content', () => {
    const facts = vectors.flatMap((v) => feedWhole(pjl, v).facts);
    const text = JSON.stringify(facts.map((f) => f.value));
    for (const secret of ['Smith', 'drjones', 'Discharge', 'MRN', 'Processing', 'SECRET']) expect(text).not.toContain(secret);
  });

  it('names languages from their first octets only', () => {
    const at = (s: string): string | null => printLanguage(Buffer.from(s, 'latin1'), 0, s.length);
    expect(at('%PDF-1.7\n')).toBe('PDF');
    expect(at('\x04%!PS')).toBe('POSTSCRIPT');
    expect(at('RaS2')).toBe('PWG-RASTER');
    expect(at('UNIRAST\0')).toBe('URF');
    expect(at('^XA^FO50,50')).toBe('ZPL');
    expect(at('hello')).toBeNull();
  });
});
