import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Direction } from '../../src/protocols/dissector.js';
import { SyslogDissector, parseSyslogHeader } from '../../src/protocols/syslog/index.js';
import { feedWhole, type Fact, type Segment } from '../../src/protocols/harness.js';
import { describeConformance, type ConformanceVector } from './conformance.js';
import { captureSkipReason, list, SHARED, tsharkRows } from './tshark-fields.js';
import { udpFlows } from './tshark-streams.js';

// Real syslog bytes. Source (see test/fixtures/README.md for licences):
//   zeek: Zeek's regression traces, BSD-3-Clause, The Regents of the University of California,
//         testing/btest/Traces/syslog-single-udp.pcap (the one datagram) and tcp-syslog.pcap (the TCP payloads of
//         frames 4-7: octet-counted and LF-framed messages alternating) at commit a13de64fbbdb01f90961c04719b308fbbb6d199e
//         (copies in ../shared/captures/discovery/zeek/).
// nDPI's syslog.pcap (LGPL-3.0) is read from ../shared at run time only.

const hex = (text: string): Buffer => Buffer.from(text.replace(/\s+/g, ''), 'hex');
const ascii = (text: string): string => Buffer.from(text, 'latin1').toString('hex');
const fact = (from: Direction, key: string, value: Fact['value']): Fact => ({ key, value, from });
const seg = (dir: Direction, text: string): Segment => ({ dir, bytes: hex(text) });
const vector = (name: string, transport: 'udp' | 'tcp', responderPort: number, segments: Segment[], expected: Fact[], exact = true): ConformanceVector => ({
  name,
  transport,
  originatorPort: 12345,
  responderPort,
  segments,
  expected,
  exact,
});

// "<133>Apr  5 12:56:51 robin: Hello, syslog!\0"
const ZEEK_UDP = '3c3133333e4170722020352031323a35363a353120726f62696e3a2048656c6c6f2c207379736c6f672100';
// "51 <13>Oct 11 22:14:15 mymachine su: 'su root' failed ", "<14>… failed\n", "50 <15>…", "<16>… failed\n".
const ZEEK_TCP = [
  '3531203c31333e4f63742031312032323a31343a3135206d796d616368696e652073753a2027737520726f6f7427206661696c656420',
  '3c31343e4f63742031312032323a31343a3136206d796d616368696e652073753a2027737520726f6f7427206661696c65640a',
  '3530203c31353e4f63742031312032323a31343a3137206d796d616368696e652073753a2027737520626f6227206661696c656420',
  '3c31363e4f63742031312032323a31343a3138206d796d616368696e652073753a2027737520626f6227206661696c65640a',
];
// RFC 5424 §6.5 examples 1 and 3 (the latter with structured data), and one with NIL hostname and app.
const RFC5424_1 = "<34>1 2003-10-11T22:14:15.003Z mymachine.example.com su - ID47 - \u00ef\u00bb\u00bf'su root' failed for lonvick on /dev/pts/8";
const RFC5424_3 = '<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 iut="3" eventSource="Application" eventID="1011"] An application event log entry...';
const RFC5424_NIL = '<0>1 - - - - - - ward 4 bed 12 patient details';
const RFC3164_PID = '<86>Jan  9 08:01:02 infusion-07 sshd[4121]: Accepted password for biomed';
const RFC3164_NOTS = '<189>52: *Mar  1 00:21:37: %SYS-5-CONFIG_I: Configured from console';

const vectors: ConformanceVector[] = [
  vector('zeek syslog-single-udp.pcap: RFC 3164 without HOSTNAME', 'udp', 514, [seg(0, ZEEK_UDP)], [
    fact(0, 'syslog.message', true),
    fact(0, 'syslog.facility', 16),
    fact(0, 'syslog.severity', 5),
    fact(0, 'syslog.format', '3164'),
    fact(0, 'syslog.app_name', 'robin'),
  ]),
  vector('zeek tcp-syslog.pcap: octet-counted and LF-framed messages', 'tcp', 514, ZEEK_TCP.map((t) => seg(0, t)), [
    fact(0, 'syslog.message', true),
    fact(0, 'syslog.format', '3164'),
    fact(0, 'syslog.hostname', 'mymachine'),
    fact(0, 'syslog.app_name', 'su'),
    fact(0, 'syslog.facility', 1),
    fact(0, 'syslog.severity', 5),
    fact(0, 'syslog.severity', 6),
    fact(0, 'syslog.severity', 7),
    fact(0, 'syslog.facility', 2),
    fact(0, 'syslog.severity', 0),
  ]),
  vector('built: RFC 5424 and RFC 3164 datagrams, one without a timestamp, one not syslog', 'udp', 514, [RFC5424_1, RFC5424_3, RFC5424_NIL, RFC3164_PID, RFC3164_NOTS, 'not syslog', '<192>x', '<013>x'].map((t) => seg(0, ascii(t))), [
    fact(0, 'syslog.message', true),
    fact(0, 'syslog.facility', 4),
    fact(0, 'syslog.severity', 2),
    fact(0, 'syslog.format', '5424'),
    fact(0, 'syslog.hostname', 'mymachine.example.com'),
    fact(0, 'syslog.app_name', 'su'),
    fact(0, 'syslog.facility', 20),
    fact(0, 'syslog.severity', 5),
    fact(0, 'syslog.app_name', 'evntslog'),
    fact(0, 'syslog.facility', 0),
    fact(0, 'syslog.severity', 0),
    fact(0, 'syslog.facility', 10),
    fact(0, 'syslog.severity', 6),
    fact(0, 'syslog.format', '3164'),
    fact(0, 'syslog.hostname', 'infusion-07'),
    fact(0, 'syslog.app_name', 'sshd'),
    fact(0, 'syslog.facility', 23),
  ]),
  vector(
    'built: TCP 601 octet-counted RFC 5424 across segments, then a message not starting with PRI',
    'tcp',
    601,
    [
      seg(0, ascii(`${RFC5424_3.length} ${RFC5424_3.slice(0, 40)}`)),
      seg(0, ascii(`${RFC5424_3.slice(40)}${RFC3164_PID.length + 1} ${RFC3164_PID}\n`)),
      seg(0, ascii(`12 garbage<13>x\n<14>Oct 11 22:14:15 late su: x\n`)),
    ],
    [
      fact(0, 'syslog.message', true),
      fact(0, 'syslog.facility', 20),
      fact(0, 'syslog.severity', 5),
      fact(0, 'syslog.format', '5424'),
      fact(0, 'syslog.hostname', 'mymachine.example.com'),
      fact(0, 'syslog.app_name', 'evntslog'),
      fact(0, 'syslog.facility', 10),
      fact(0, 'syslog.severity', 6),
      fact(0, 'syslog.format', '3164'),
      fact(0, 'syslog.hostname', 'infusion-07'),
      fact(0, 'syslog.app_name', 'sshd'),
    ],
  ),
  vector('built: rsh on TCP 514 (port number and NUL) is not syslog', 'tcp', 514, [seg(0, ascii('1023\0biomed\0biomed\0ls\0'))], []),
];

const skipWhy = captureSkipReason('syslog.test');
const NDPI = 'discovery/ndpi/syslog.pcap';
if (!skipWhy && existsSync(new URL(NDPI, SHARED))) {
  for (const flow of udpFlows(new URL(NDPI, SHARED).pathname, 'syslog')) {
    vectors.push({ ...vector(`shared ${NDPI} stream ${flow.stream} (run time only)`, 'udp', 514, flow.segments.slice(0, 40), []), exact: false });
  }
}

const syslog = new SyslogDissector();
describeConformance(syslog, vectors);

describe('SyslogDissector', () => {
  it('claims UDP 514 and TCP 514, 601, and probes a PRI on UDP', () => {
    expect(syslog.udpPorts).toEqual([514]);
    expect(syslog.tcpPorts).toEqual([514, 601]);
    const b = Buffer.from('<34>1 x', 'latin1');
    expect(syslog.probe('udp', 0, b, 0, b.length)).toBe(true);
    expect(syslog.probe('udp', 0, Buffer.from('<34>Oct'), 0, 7)).toBe(true);
    expect(syslog.probe('udp', 0, Buffer.from('<html>'), 0, 6)).toBe(false);
    expect(syslog.probe('tcp', 0, b, 0, b.length)).toBe(false);
  });

  it('never emits message text', () => {
    for (const v of vectors.slice(0, 4)) {
      for (const f of feedWhole(syslog, v).facts) {
        const text = String(f.value);
        for (const secret of ['failed', 'patient', 'Hello', 'Accepted', 'application', 'Configured', 'ward']) expect(text, f.key).not.toContain(secret);
      }
    }
  });

  it('reports a value only when the token after it has begun', () => {
    const msg = Buffer.from(RFC5424_3, 'latin1');
    const cut = msg.indexOf(' evntslog');
    expect(parseSyslogHeader(msg, 0, cut)?.hostname).toBeNull();
    expect(parseSyslogHeader(msg, 0, cut + 1)?.hostname).toBe('mymachine.example.com');
  });

  it('emits each distinct fact once per flow', () => {
    const facts = feedWhole(syslog, vector('repeat', 'udp', 514, [seg(0, ZEEK_UDP), seg(0, ZEEK_UDP)], [])).facts;
    expect(facts.filter((f) => f.key === 'syslog.facility')).toHaveLength(1);
  });
});

// Differential test against tshark (which dissects syslog over UDP only), datagram by datagram. tshark takes the
// first word after an RFC 3164 timestamp as the hostname even when it ends in ":" (a TAG, as in Zeek's capture);
// such a word is compared with our app_name instead. Recall per key is printed.
describe.skipIf(skipWhy !== '')('syslog against tshark', () => {
  it('every value tshark shows is emitted, nothing emitted contradicts it', () => {
    const fields = ['udp.payload', 'syslog.facility', 'syslog.level', 'syslog.hostname', 'syslog.appname', 'syslog.version'];
    const at = (row: string[], f: string): string[] => list(row[fields.indexOf(f)]);
    const host = (row: string[]): string[] => at(row, 'syslog.hostname').filter((h) => h !== '-' && h !== '');
    const specs: Array<{ key: string; tshark: (row: string[]) => string[] }> = [
      { key: 'syslog.facility', tshark: (row) => at(row, 'syslog.facility') },
      { key: 'syslog.severity', tshark: (row) => at(row, 'syslog.level') },
      { key: 'syslog.hostname', tshark: (row) => host(row).filter((h) => !h.endsWith(':')) },
      {
        key: 'syslog.app_name',
        tshark: (row) => [...at(row, 'syslog.appname').filter((a) => a !== '-'), ...host(row).filter((h) => h.endsWith(':')).map((h) => h.slice(0, -1))],
      },
    ];
    const stats = new Map(specs.map((s) => [s.key, { expected: 0, found: 0, emitted: 0, missing: [] as string[], contradicting: [] as string[] }]));
    for (const capture of ['discovery/zeek/syslog-single-udp.pcap', NDPI]) {
      if (!existsSync(new URL(capture, SHARED))) continue;
      for (const row of tsharkRows(capture, 'syslog && udp && !icmp', fields)) {
        const facts = feedWhole(syslog, { transport: 'udp', originatorPort: 1, responderPort: 514, segments: [{ dir: 0, bytes: hex(row[0]) }] }).facts;
        for (const spec of specs) {
          const st = stats.get(spec.key)!;
          const theirs = spec.tshark(row);
          const ours = facts.filter((f) => f.key === spec.key).map((f) => String(f.value));
          st.expected += theirs.length;
          st.emitted += ours.length;
          for (const v of theirs) if (ours.includes(v)) st.found++; else st.missing.push(`${capture}: ${v} (${row[0].slice(0, 60)}…)`);
          // tshark has no TAG of its own after a hostname: an app_name there is not a contradiction.
          for (const v of ours) if (!theirs.includes(v) && !(spec.key === 'syslog.app_name' && theirs.length === 0)) st.contradicting.push(`${capture}: ${v}`);
        }
      }
    }
    const lines = [...stats].map(([key, st]) => `${key}: tshark ${st.expected}, found ${st.found} (recall ${st.expected ? ((100 * st.found) / st.expected).toFixed(1) + '%' : 'n/a'}), emitted ${st.emitted}, contradicting ${st.contradicting.length}`);
    console.info(`syslog vs tshark:\n  ${lines.join('\n  ')}`);
    for (const [key, st] of stats) {
      expect(st.missing.slice(0, 5), `${key}: values tshark shows that were not emitted`).toEqual([]);
      expect(st.contradicting.slice(0, 5), `${key}: values emitted that tshark does not show`).toEqual([]);
    }
  });
});
