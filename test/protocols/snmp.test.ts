import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Direction } from '../../src/protocols/dissector.js';
import { SnmpDissector, oidText } from '../../src/protocols/snmp/index.js';
import { feedWhole, type Fact, type Segment } from '../../src/protocols/harness.js';
import { describeConformance, type ConformanceVector } from './conformance.js';
import { captureSkipReason, list, SHARED, tsharkRows } from './tshark-fields.js';

// Real SNMP bytes. Source (see test/fixtures/README.md): Zeek's regression traces, BSD-3-Clause, The Regents of
// the University of California, testing/btest/Traces/snmp/<file> at commit a13de64fbbdb01f90961c04719b308fbbb6d199e
// (copies in ../shared/captures/discovery/zeek/snmp/); frame numbers are tshark's. nDPI's snmp.pcap (LGPL-3.0)
// is read from ../shared at run time only.

const hex = (text: string): Buffer => Buffer.from(text.replace(/\s+/g, ''), 'hex');
const fact = (from: Direction, key: string, value: Fact['value']): Fact => ({ key, value, from });
const seg = (dir: Direction, text: string): Segment => ({ dir, bytes: hex(text) });
const udp = (name: string, responderPort: number, segments: Segment[], expected: Fact[], exact = true): ConformanceVector => ({
  name,
  transport: 'udp',
  originatorPort: 40000,
  responderPort,
  segments,
  expected,
  exact,
});

// snmpv1_get.pcap frames 3 (get sysName, sysLocation) and 4 (the response).
const V1_GET = '303402010004067075626c6963a027020127020100020100301c300c06082b060102010105000500300c06082b060102010106000500';
const V1_RESPONSE =
  '304702010004067075626c6963a23a020127020100020100302f301106082b0601020101050004054236333030301a06082b06010201010600040e4368616e64726127732063756265';
// snmpv1_trap.pcap frame 1.
const V1_TRAP = '303b02010004067075626c6963a42e06092b0601040181f4690040047f000001020100020100430400000000300f300d06082b06010201020100020121';
// snmpv1_set.pcap frames 1, 2 (empty community).
const V1_SET = '30280201000400a32102047b086e690201000201003013301106082b0601020101050004056d75736563';
const V1_SET_RESPONSE = '30230201000400a21c02047b086e69020100020100300e300c06082b060102010105000500';
// snmpwalk-short.pcap frames 1, 2 (sysDescr), 4 (sysObjectID), 8 (sysContact).
const WALK_1 = '302602010104067075626c6963a119020409584e45020100020100300b300906052b060102010500';
const WALK_2 =
  '30819002010104067075626c6963a28182020409584e450201000201003074307206082b0601020101010004664c696e7578207562756e74752d3531326d622d73666f322d303120342e342e302d33312d67656e65726963202335307e31342e30342e312d5562756e747520534d5020576564204a756c2031332030313a30373a3332205554432032303136207838365f3634';
const WALK_4 = '303302010104067075626c6963a226020409584e460201000201003018301606082b06010201010200060a2b06010401bf0803020a';
const WALK_8 = '303c02010104067075626c6963a22f020409584e480201000201003021301f06082b0601020101040004134d65203c6d65406578616d706c652e6f72673e';
// snmpv3_get_next.pcap frames 1-4: discovery, report, get-next with user "username", response.
const V3_1 = '303d02010330100204207b2f72020240000401040201030410300e040002012a02012a040004000400301404000400a00e0204207b2f720201000201003000';
const V3_2 =
  '306a02010330100204207b2f7202024000040100020103041d301b040d80001f8880a9498e5e3a2c30430201dd0201dd0400040004003034040d80001f8880a9498e5e3a2c30430400a8210204207b2f720201000201003013301106092b060106030f010100410400000003';
const V3_3 =
  '307902010330100204207b2f72020240000401040201030431302f040d80001f8880a9498e5e3a2c30430201dd0201dd0408757365726e616d65040c0000000000000000000000000400302f040d80001f8880a9498e5e3a2c30430400a11c0204207b2f72020100020100300e300c06082b060102010106000500';
const V3_4 =
  '306d02010330100204207b2f720202400004010002010304253023040d80001f8880a9498e5e3a2c30430201dd0201dd0408757365726e616d6504000400302f040d80001f8880a9498e5e3a2c30430400a21c0204207b2f72020100020100300e300c06082b060102010106000400';

const tlv = (tag: string, value: string): string => tag + (value.length / 2 < 128 ? (value.length / 2).toString(16).padStart(2, '0') : '81' + (value.length / 2).toString(16).padStart(2, '0')) + value;
const V3_AUTHPRIV = tlv(
  '30',
  '020103' +
    tlv('30', '020411223344' + '020205dc' + '040107' + '020103') +
    tlv('04', tlv('30', tlv('04', '80001f8880a9498e5e3a2c3043') + '020105' + '02020100' + tlv('04', Buffer.from('pump-mgr').toString('hex')) + tlv('04', '00'.repeat(12)) + tlv('04', '0001020304050607'))) +
    tlv('04', 'a5'.repeat(40)),
);

const SYSDESCR = 'Linux ubuntu-512mb-sfo2-01 4.4.0-31-generic #50~14.04.1-Ubuntu SMP Wed Jul 13 01:07:32 UTC 2016 x86_64';

const vectors: ConformanceVector[] = [
  udp('zeek snmpv1_get: get and response with sysName, sysLocation', 161, [seg(0, V1_GET), seg(1, V1_RESPONSE)], [
    fact(0, 'snmp.version', '1'),
    fact(0, 'snmp.community_seen', true),
    fact(0, 'snmp.community_default', true),
    fact(0, 'snmp.pdu_type', 'get-request'),
    fact(1, 'snmp.version', '1'),
    fact(1, 'snmp.community_seen', true),
    fact(1, 'snmp.community_default', true),
    fact(1, 'snmp.pdu_type', 'response'),
    fact(1, 'snmp.sysname', 'B6300'),
    fact(1, 'snmp.syslocation', "Chandra's cube"),
  ]),
  udp('zeek snmpv1_trap', 162, [seg(0, V1_TRAP)], [
    fact(0, 'snmp.version', '1'),
    fact(0, 'snmp.community_seen', true),
    fact(0, 'snmp.community_default', true),
    fact(0, 'snmp.pdu_type', 'trap'),
  ]),
  udp('zeek snmpv1_set: empty community, set is not the agent speaking', 161, [seg(0, V1_SET), seg(1, V1_SET_RESPONSE)], [
    fact(0, 'snmp.version', '1'),
    fact(0, 'snmp.community_seen', true),
    fact(0, 'snmp.pdu_type', 'set-request'),
    fact(1, 'snmp.version', '1'),
    fact(1, 'snmp.community_seen', true),
    fact(1, 'snmp.pdu_type', 'response'),
  ]),
  udp('zeek snmpwalk-short: sysDescr, sysObjectID, sysContact (facts once per flow)', 161, [seg(0, WALK_1), seg(1, WALK_2), seg(0, WALK_1), seg(1, WALK_4), seg(1, WALK_8)], [
    fact(0, 'snmp.version', '2c'),
    fact(0, 'snmp.community_seen', true),
    fact(0, 'snmp.community_default', true),
    fact(0, 'snmp.pdu_type', 'get-next-request'),
    fact(1, 'snmp.version', '2c'),
    fact(1, 'snmp.community_seen', true),
    fact(1, 'snmp.community_default', true),
    fact(1, 'snmp.pdu_type', 'response'),
    fact(1, 'snmp.sysdescr', SYSDESCR),
    fact(1, 'snmp.sysobjectid', '1.3.6.1.4.1.8072.3.2.10'),
    fact(1, 'snmp.syscontact', 'Me <me@example.org>'),
  ]),
  udp('zeek snmpv3_get_next: discovery, report, user, response', 161, [seg(0, V3_1), seg(1, V3_2), seg(0, V3_3), seg(1, V3_4)], [
    fact(0, 'snmp.version', '3'),
    fact(0, 'snmp.security_level', 'noAuthNoPriv'),
    fact(0, 'snmp.pdu_type', 'get-request'),
    fact(1, 'snmp.version', '3'),
    fact(1, 'snmp.security_level', 'noAuthNoPriv'),
    fact(1, 'snmp.pdu_type', 'report'),
    fact(0, 'snmp.user_seen', true),
    fact(0, 'snmp.pdu_type', 'get-next-request'),
    fact(1, 'snmp.user_seen', true),
    fact(1, 'snmp.pdu_type', 'response'),
  ]),
  // v3 authPriv: msgFlags 0x07, USM with user "pump-mgr", encrypted scoped PDU (an opaque octet string).
  udp('built: v3 authPriv with an encrypted PDU', 161, [seg(0, V3_AUTHPRIV)], [
    fact(0, 'snmp.version', '3'),
    fact(0, 'snmp.security_level', 'authPriv'),
    fact(0, 'snmp.user_seen', true),
  ]),
  udp('built: not SNMP (empty, indefinite length, version 2, overrunning length)', 161, [seg(0, ''), seg(0, '3080020101'), seg(0, '300302010204'), seg(0, '30ff02010104')], []),
];

// Vectors from captures that may not be copied: read at run time from ../shared when it and tshark exist.
const skipWhy = captureSkipReason('snmp.test');
if (!skipWhy && existsSync(new URL('discovery/ndpi/snmp.pcap', SHARED))) {
  const rows = tsharkRows('discovery/ndpi/snmp.pcap', 'snmp && udp', ['udp.dstport', 'udp.payload']);
  vectors.push({
    name: 'shared discovery/ndpi/snmp.pcap (run time only)',
    transport: 'udp',
    originatorPort: 40000,
    responderPort: 161,
    segments: rows.slice(0, 60).map(([dst, payload]) => ({ dir: (Number(dst) === 161 || Number(dst) === 162 ? 0 : 1) as Direction, bytes: hex(payload) })),
    expected: [],
  });
}

const snmp = new SnmpDissector();
describeConformance(snmp, vectors);

describe('SnmpDissector', () => {
  it('claims UDP 161 and 162', () => {
    expect(snmp.udpPorts).toEqual([161, 162]);
    expect(snmp.tcpPorts).toEqual([]);
  });

  it('never emits the community string or user name', () => {
    for (const vector of vectors) {
      for (const f of feedWhole(snmp, vector).facts) {
        expect(String(f.value)).not.toMatch(/public|private|username|R0_C|pump-mgr/);
      }
    }
  });

  it('flags "private" as a default community, not other strings', () => {
    const msg = (community: string): string => {
      const c = Buffer.from(community, 'latin1').toString('hex');
      const body = '020101' + '04' + (c.length / 2).toString(16).padStart(2, '0') + c + 'a00e020101020100020100' + '3003' + '300100';
      return '30' + (body.length / 2).toString(16).padStart(2, '0') + body;
    };
    const keys = (community: string): string[] =>
      feedWhole(snmp, { transport: 'udp', originatorPort: 1, responderPort: 161, segments: [seg(0, msg(community))] }).facts.map((f) => f.key);
    expect(keys('private')).toContain('snmp.community_default');
    expect(keys('privatE')).not.toContain('snmp.community_default');
    expect(keys('publi')).not.toContain('snmp.community_default');
    expect(keys('privatex')).toContain('snmp.community_seen');
  });

  it('reads OIDs per X.690, rejecting overlong arcs', () => {
    expect(oidText(hex('2b06010401bf0803020a'), 0, 10)).toBe('1.3.6.1.4.1.8072.3.2.10');
    expect(oidText(hex('8837'), 0, 2)).toBe('2.999');
    expect(oidText(hex('2b80'), 0, 2)).toBeNull();
    expect(oidText(hex('2bffffffffffffff7f'), 0, 9)).toBeNull();
  });
});

// ---------------------------------------------------------------------------------------------------------
// Differential test against tshark: system-group values (snmp.name paired with snmp.value.octets / .oid), the
// version, and the PDU type. Recall per key is printed.

const CAPTURES = [
  'discovery/zeek/snmp/snmpv1_get.pcap',
  'discovery/zeek/snmp/snmpv1_set.pcap',
  'discovery/zeek/snmp/snmpv1_trap.pcap',
  'discovery/zeek/snmp/snmpv2_get.pcap',
  'discovery/zeek/snmp/snmpv2_get_bulk.pcap',
  'discovery/zeek/snmp/snmpv2_get_next.pcap',
  'discovery/zeek/snmp/snmpv3_get_next.pcap',
  'discovery/zeek/snmp/snmpwalk-short.pcap',
  'discovery/ndpi/snmp.pcap',
];
const FIELDS = ['udp.payload', 'snmp.version', 'snmp.msgVersion', 'snmp.data', 'snmp.community', 'snmp.name', 'snmp.value.octets', 'snmp.value.oid'] as const;
const SYS: Record<string, string> = {
  '1.3.6.1.2.1.1.1.0': 'snmp.sysdescr',
  '1.3.6.1.2.1.1.2.0': 'snmp.sysobjectid',
  '1.3.6.1.2.1.1.4.0': 'snmp.syscontact',
  '1.3.6.1.2.1.1.5.0': 'snmp.sysname',
  '1.3.6.1.2.1.1.6.0': 'snmp.syslocation',
};
const AGENT_PDUS = new Set(['2', '4', '6', '7']);
const PDUS = ['get-request', 'get-next-request', 'response', 'set-request', 'trap', 'get-bulk-request', 'inform-request', 'snmpv2-trap', 'report'];
/** tshark's octet-string hex as our text form: printable ASCII as is, others `\DDD`, stopping at a NUL. */
const text = (h: string): string => {
  let out = '';
  for (const octet of hex(h).subarray(0, 255)) {
    if (octet === 0) break;
    out += octet === 0x5c ? '\\\\' : octet >= 0x20 && octet < 0x7f ? String.fromCharCode(octet) : `\\${String(octet).padStart(3, '0')}`;
  }
  return out;
};

describe.skipIf(skipWhy !== '')('SNMP against tshark', () => {
  it(`every value tshark shows is emitted, nothing emitted contradicts it (${CAPTURES.length} captures)`, () => {
    const keys = ['snmp.version', 'snmp.pdu_type', 'snmp.community_default', ...Object.values(SYS)];
    const stats = new Map(keys.map((k) => [k, { expected: 0, found: 0, emitted: 0, contradicting: [] as string[], missing: [] as string[] }]));
    let unpaired = 0;
    for (const capture of CAPTURES) {
      if (!existsSync(new URL(capture, SHARED))) continue;
      for (const row of tsharkRows(capture, 'snmp && udp && !icmp', FIELDS)) {
        const [payload, version, msgVersion, data, community, names, octets, oids] = row;
        const facts = feedWhole(snmp, { transport: 'udp', originatorPort: 1, responderPort: 161, segments: [{ dir: 0, bytes: hex(payload) }] }).facts;
        const theirs = new Map<string, string[]>(keys.map((k) => [k, []]));
        const v = version || msgVersion;
        if (v !== '') theirs.get('snmp.version')!.push(v === '0' ? '1' : v === '1' ? '2c' : v);
        const pdu = list(data)[0];
        if (pdu !== undefined && PDUS[Number(pdu)]) theirs.get('snmp.pdu_type')!.push(PDUS[Number(pdu)]);
        if (community === 'public' || community === 'private') theirs.get('snmp.community_default')!.push('true');
        if (pdu !== undefined && AGENT_PDUS.has(pdu)) {
          const n = list(names);
          const o = list(octets);
          const d = list(oids);
          const sys = n.filter((name) => SYS[name] !== undefined);
          if (sys.length > 0) {
            // Pair names and values by position only when every varbind has a value of one kind.
            if (o.length === n.length) n.forEach((name, i) => SYS[name] && SYS[name] !== 'snmp.sysobjectid' && o[i] !== '<MISSING>' && text(o[i]) !== '' && theirs.get(SYS[name])!.push(text(o[i])));
            else if (d.length === n.length) n.forEach((name, i) => SYS[name] === 'snmp.sysobjectid' && theirs.get(SYS[name])!.push(d[i]));
            else if (o.length === 0 && d.length === 0) {
              // no string or OID values at all (errors, empty)
            } else unpaired++;
          }
        }
        for (const key of keys) {
          const st = stats.get(key)!;
          const t = theirs.get(key)!;
          const ours = facts.filter((f) => f.key === key).map((f) => String(f.value));
          st.expected += t.length;
          st.emitted += ours.length;
          for (const value of t) {
            if (ours.includes(value)) st.found++;
            else st.missing.push(`${capture}: ${value} (payload ${payload.slice(0, 80)}…)`);
          }
          for (const value of ours) if (!t.includes(value) && !(unpaired > 0 && key in SYS)) st.contradicting.push(`${capture}: ${value}`);
        }
      }
    }
    const lines = [...stats].map(([key, st]) => {
      const recall = st.expected === 0 ? 'n/a' : `${((100 * st.found) / st.expected).toFixed(1)}%`;
      return `${key}: tshark ${st.expected}, found ${st.found} (recall ${recall}), emitted ${st.emitted}, contradicting ${st.contradicting.length}`;
    });
    console.info(`SNMP vs tshark (${unpaired} packets with mixed value types not paired):\n  ${lines.join('\n  ')}`);
    for (const [key, st] of stats) {
      expect(st.missing.slice(0, 5), `${key}: values tshark shows that were not emitted`).toEqual([]);
      expect(st.contradicting.slice(0, 5), `${key}: values emitted that tshark does not show`).toEqual([]);
    }
  });
});
