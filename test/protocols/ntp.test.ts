import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Direction } from '../../src/protocols/dissector.js';
import { MODE_NAMES, NtpDissector } from '../../src/protocols/ntp/index.js';
import { feedWhole, type Fact, type Segment } from '../../src/protocols/harness.js';
import { describeConformance, type ConformanceVector } from './conformance.js';
import { captureSkipReason, list, SHARED, tsharkRows } from './tshark-fields.js';
import { udpFlows } from './tshark-streams.js';

// Real NTP bytes. Source (see test/fixtures/README.md for licences):
//   zeek: Zeek's regression traces, BSD-3-Clause, The Regents of the University of California,
//         testing/btest/Traces/ntp/ntp2.pcap at commit a13de64fbbdb01f90961c04719b308fbbb6d199e (copy in
//         ../shared/captures/discovery/zeek/ntp/); UDP payloads of frames 1, 2, 4, 16 and 33-35 (tshark numbering).
// nDPI's NTPv4.pcap (LGPL-3.0) is read from ../shared at run time only.

const hex = (text: string): Buffer => Buffer.from(text.replace(/\s+/g, ''), 'hex');
const fact = (from: Direction, key: string, value: Fact['value']): Fact => ({ key, value, from });
const seg = (dir: Direction, text: string): Segment => ({ dir, bytes: hex(text) });
const udp = (name: string, originatorPort: number, segments: Segment[], expected: Fact[], exact = true): ConformanceVector => ({
  name,
  transport: 'udp',
  originatorPort,
  responderPort: 123,
  segments,
  expected,
  exact,
});

// ntp2.pcap: a v4 client polling (frame 1), v4 server replies at stratum 4, 2 and 1 ("GPS") (2, 4, 16).
const F1_CLIENT = '230206ea00000bd90000073a55c7d663e09ab55c12dcc914e09ab6620ef01df2e09ab6621447957de09ab6a50706de1a';
const F2_SERVER_S4 = '240406e800000c810000134e69edcf1ce09ab29cb8c778ebe09ab6a50706de1ae09ab6a511b7e144e09ab6a511ba2d30';
const F4_SERVER_S2 = '240206e9000000f90000097ac1cc72e9e09ab16589949d01e09ab6a707054f0fe09ab6a70cfe7c94e09ab6a70cff8947';
const F16_SERVER_GPS = '240104e7000000000000000047505300e09ab6aa00000000e09ab6aa070839f2e09ab6aa11fcb271e09ab6aa11fd12f5';
// An SNTP client (stratum 0, no reference id) and the stratum-1 "CTD" answer (frames 33, 34).
const F33_SNTP_CLIENT = 'e30004fa000100000001000000000000000000000000000000000000000000000000000000000000c54f234b71b152f3';
const F34_SERVER_CTD = '240104e9000000000000000843544400e09ab6bef01f4ec8c54f234b71b152f3e09ab6dc47fa28ece09ab6dc47fc2952';
// An ntpdc monlist request: v2, mode 7, implementation 3 (XNTPD), request code 42 (MON_GETLIST_1), frame 35.
const F35_MONLIST = '1700032a' + '00'.repeat(44);

// Built after RFC 9327 §2 / RFC 5905: an ntpq read-variables request (mode 6, opcode 2) and its response (R set),
// a RATE Kiss-o'-Death, and datagrams that are not NTP.
const CONTROL_READVAR = '16020001000000000000000000';
const CONTROL_RESPONSE = '1682000106150000000000087665727369'; // "versi…"
/** A monlist response (R set): the server answers monlist, so it can be used as an amplifier. */
const MONLIST_RESPONSE = '9700032a' + '00000001' + '00'.repeat(72);
const KOD_RATE = 'e4000000' + '00'.repeat(8) + '52415445' + '00'.repeat(32);

const vectors: ConformanceVector[] = [
  udp('zeek ntp2.pcap: symmetric peers, server replies at strata 4, 2 and 1', 123, [seg(0, F1_CLIENT), seg(1, F2_SERVER_S4), seg(1, F4_SERVER_S2), seg(1, F16_SERVER_GPS), seg(0, F1_CLIENT)], [
    fact(0, 'ntp.version', 4),
    fact(0, 'ntp.mode', 'client'),
    fact(0, 'ntp.stratum', 2),
    fact(0, 'ntp.refid', '85.199.214.99'),
    fact(1, 'ntp.version', 4),
    fact(1, 'ntp.mode', 'server'),
    fact(1, 'ntp.stratum', 4),
    fact(1, 'ntp.refid', '105.237.207.28'),
    fact(1, 'ntp.stratum', 2),
    fact(1, 'ntp.refid', '193.204.114.233'),
    fact(1, 'ntp.stratum', 1),
    fact(1, 'ntp.refid', 'GPS'),
  ]),
  udp('zeek ntp2.pcap: SNTP client and a stratum-1 CTD server', 58229, [seg(0, F33_SNTP_CLIENT), seg(1, F34_SERVER_CTD)], [
    fact(0, 'ntp.version', 4),
    fact(0, 'ntp.mode', 'client'),
    fact(0, 'ntp.stratum', 0),
    fact(1, 'ntp.version', 4),
    fact(1, 'ntp.mode', 'server'),
    fact(1, 'ntp.stratum', 1),
    fact(1, 'ntp.refid', 'CTD'),
  ]),
  udp('zeek ntp2.pcap: ntpdc monlist request', 43046, [seg(0, F35_MONLIST)], [
    fact(0, 'ntp.version', 2),
    fact(0, 'ntp.mode', 'private'),
    fact(0, 'ntp.private_query', 42),
    fact(0, 'ntp.monlist', true),
  ]),
  udp('built: ntpq read variables and its response, a RATE kiss, a monlist response, not NTP', 40000, [seg(0, CONTROL_READVAR), seg(1, CONTROL_RESPONSE), seg(1, KOD_RATE), seg(1, MONLIST_RESPONSE), seg(0, ''), seg(0, '00'), seg(0, '07000000'), seg(0, '2300')], [
    fact(0, 'ntp.version', 2),
    fact(0, 'ntp.mode', 'control'),
    fact(0, 'ntp.control_query', 2),
    fact(1, 'ntp.version', 2),
    fact(1, 'ntp.mode', 'control'),
    fact(1, 'ntp.version', 4),
    fact(1, 'ntp.mode', 'server'),
    fact(1, 'ntp.stratum', 0),
    fact(1, 'ntp.kiss_code', 'RATE'),
    fact(1, 'ntp.mode', 'private'),
    fact(1, 'ntp.monlist', true),
  ]),
];

const skipWhy = captureSkipReason('ntp.test');
const CAPTURES = ['discovery/zeek/ntp/ntp.pcap', 'discovery/zeek/ntp/ntp2.pcap', 'discovery/ndpi/NTPv4.pcap'];
if (!skipWhy && existsSync(new URL(CAPTURES[2], SHARED))) {
  for (const flow of udpFlows(new URL(CAPTURES[2], SHARED).pathname, 'ntp')) {
    vectors.push({ ...udp(`shared ${CAPTURES[2]} stream ${flow.stream} (run time only)`, flow.originatorPort, [...flow.segments], []), exact: false });
  }
}

const ntp = new NtpDissector();
describeConformance(ntp, vectors);

describe('NtpDissector', () => {
  it('claims UDP 123 only', () => {
    expect(ntp.udpPorts).toEqual([123]);
    expect(ntp.tcpPorts).toEqual([]);
  });
});

// Differential test against tshark, datagram by datagram. Recall per key is printed.
describe.skipIf(skipWhy !== '')('NTP against tshark', () => {
  it('every value tshark shows is emitted, nothing emitted contradicts it', () => {
    const fields = ['udp.payload', 'ntp.flags.vn', 'ntp.flags.mode', 'ntp.stratum', 'ntp.refid', 'ntp.priv.reqcode', 'ntp.ctrl.flags2.opcode', 'ntp.ctrl.flags2.r', 'ntp.priv.flags.r'];
    const at = (row: string[], f: string): string[] => list(row[fields.indexOf(f)]);
    const mode = (row: string[]): number => Number(at(row, 'ntp.flags.mode')[0]);
    const specs: Array<{ key: string; tshark: (row: string[]) => string[] }> = [
      { key: 'ntp.version', tshark: (row) => at(row, 'ntp.flags.vn').slice(0, 1) },
      { key: 'ntp.mode', tshark: (row) => at(row, 'ntp.flags.mode').slice(0, 1).map((m) => MODE_NAMES[Number(m)]) },
      { key: 'ntp.stratum', tshark: (row) => (mode(row) <= 5 ? at(row, 'ntp.stratum') : []) },
      {
        key: 'ntp.refid',
        tshark: (row) => {
          const stratum = Number(at(row, 'ntp.stratum')[0]);
          const id = Buffer.from(at(row, 'ntp.refid')[0] ?? '', 'hex');
          if (mode(row) > 5 || id.length !== 4 || id.readUInt32BE(0) === 0) return [];
          if (stratum >= 2 && stratum <= 15) return [[...id].join('.')];
          return stratum === 1 ? [id.toString('latin1').replace(/\0+$/, '')] : [];
        },
      },
      { key: 'ntp.private_query', tshark: (row) => (mode(row) === 7 && (Buffer.from(row[0], 'hex')[0] & 0x80) === 0 ? at(row, 'ntp.priv.reqcode') : []) },
      { key: 'ntp.control_query', tshark: (row) => (mode(row) === 6 && at(row, 'ntp.ctrl.flags2.r')[0] !== '1' ? at(row, 'ntp.ctrl.flags2.opcode') : []) },
    ];
    const stats = new Map(specs.map((s) => [s.key, { expected: 0, found: 0, emitted: 0, missing: [] as string[], contradicting: [] as string[] }]));
    for (const capture of CAPTURES) {
      if (!existsSync(new URL(capture, SHARED))) continue;
      for (const row of tsharkRows(capture, 'ntp && udp && !icmp', fields)) {
        const facts = feedWhole(ntp, { transport: 'udp', originatorPort: 1, responderPort: 123, segments: [{ dir: 0, bytes: hex(row[0]) }] }).facts;
        for (const spec of specs) {
          const st = stats.get(spec.key)!;
          const theirs = spec.tshark(row);
          const ours = facts.filter((f) => f.key === spec.key).map((f) => String(f.value));
          st.expected += theirs.length;
          st.emitted += ours.length;
          for (const v of theirs) if (ours.includes(v)) st.found++; else st.missing.push(`${capture}: ${v} (${row[0].slice(0, 40)}…)`);
          for (const v of ours) if (!theirs.includes(v)) st.contradicting.push(`${capture}: ${v} (${row[0].slice(0, 40)}…)`);
        }
      }
    }
    const lines = [...stats].map(([key, st]) => `${key}: tshark ${st.expected}, found ${st.found} (recall ${st.expected ? ((100 * st.found) / st.expected).toFixed(1) + '%' : 'n/a'}), emitted ${st.emitted}, contradicting ${st.contradicting.length}`);
    console.info(`NTP vs tshark:\n  ${lines.join('\n  ')}`);
    for (const [key, st] of stats) {
      expect(st.missing.slice(0, 5), `${key}: values tshark shows that were not emitted`).toEqual([]);
      expect(st.contradicting.slice(0, 5), `${key}: values emitted that tshark does not show`).toEqual([]);
    }
  });
});
