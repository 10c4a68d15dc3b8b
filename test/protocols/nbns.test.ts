import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Direction } from '../../src/protocols/dissector.js';
import { NbnsDissector, readNetbiosName } from '../../src/protocols/nbns/index.js';
import { feedWhole, type Fact, type Segment } from '../../src/protocols/harness.js';
import { describeConformance, type ConformanceVector } from './conformance.js';
import { captureSkipReason, list, SHARED, tsharkRows } from './tshark-fields.js';

// Real NBNS bytes. Source (see test/fixtures/README.md for licences):
//   zeek: Zeek's regression trace wikipedia.pcap, BSD-3-Clause, The Regents of the University of California,
//         testing/btest/Traces/wikipedia.pcap at commit a13de64fbbdb01f90961c04719b308fbbb6d199e; frame
//         numbers are tshark's.
// nDPI's captures (LGPL-3.0) with registrations and node status are read from ../shared at run time only.

const hex = (text: string): Buffer => Buffer.from(text.replace(/\s+/g, ''), 'hex');
const fact = (from: Direction, key: string, value: Fact['value']): Fact => ({ key, value, from });
const seg = (dir: Direction, text: string): Segment => ({ dir, bytes: hex(text) });
const udp = (name: string, segments: Segment[], expected: Fact[], exact = true): ConformanceVector => ({
  name,
  transport: 'udp',
  originatorPort: 137,
  responderPort: 137,
  segments,
  expected,
  exact,
});

// zeek wikipedia.pcap frame 117: broadcast query for a printer's name; frame 132: who is WORKGROUP's master browser.
const WIKI_117 = 'ff6e011000010000000000002045434643464845444441454445434444444944444545444245474445444341410000200001';
const WIKI_132 = '24690110000100000000000020464845504643454c45484643455046464641434143414341434143414341424e0000200001';

// Built by hand after RFC 1002 §4.2 (Apache-2.0 with the rest of Vigil).
const u16 = (n: number): string => n.toString(16).padStart(4, '0');
/** First-level encoding (RFC 1001 §14.1) of a 15-character name padded with spaces and a suffix octet. */
function encoded(name: string, suffix: number, scope = ''): string {
  const raw = Buffer.concat([Buffer.from(name.padEnd(15, ' '), 'latin1'), Buffer.from([suffix])]);
  let letters = '';
  for (const octet of raw) letters += String.fromCharCode(0x41 + (octet >> 4), 0x41 + (octet & 15));
  const labels = [letters, ...(scope ? scope.split('.') : [])];
  return labels.map((l) => Buffer.from([l.length]).toString('hex') + Buffer.from(l, 'latin1').toString('hex')).join('') + '00';
}
const header = (id: number, flags: number, qd: number, an: number, ns = 0, ar = 0): string => [id, flags, qd, an, ns, ar].map(u16).join('');
/** Registration request (opcode 5, RD, B): question, then the NB record with NB_FLAGS and the address. */
const registration = (name: string, suffix: number, group: boolean, ip: string): string =>
  header(0x1234, 0x2910, 1, 0, 0, 1) + encoded(name, suffix) + '00200001' + 'c00c' + '00200001' + '000493e0' + '0006' + u16(group ? 0x8000 : 0) + ip;
const REG_UNIQUE = registration('INFUSION-07', 0x00, false, '0a0b0c0d');
const REG_GROUP = registration('RADIOLOGY', 0x00, true, '0a0b0c0d');
/** Refresh with opcode 9 and a name in a scope. */
const REFRESH_SCOPED =
  header(0x1235, 0x4810, 1, 0, 0, 1) + encoded('PACS01', 0x20, 'Hospital.Example') + '00200001' + 'c00c' + '00200001' + '000493e0' + '0006' + '0000' + '0a0b0c0e';
/** A positive name query response (RFC 1002 §4.2.13) with two addresses. */
const POSITIVE =
  header(0x2000, 0x8500, 0, 1) + encoded('PACS01', 0x20) + '00200001' + '000493e0' + '000c' + '0000' + '0a0b0c0e' + '0000' + 'c0a80a0e';
/** A node status response (RFC 1002 §4.2.18): three names (one group, one "MED LAB" with a space), then UNIT_ID. */
const rawName = (name: string, suffix: number): string => Buffer.concat([Buffer.from(name.padEnd(15, ' '), 'latin1'), Buffer.from([suffix])]).toString('hex');
const STATUS_RDATA = '03' + rawName('INFUSION-07', 0x00) + '0400' + rawName('RADIOLOGY', 0x00) + '8400' + rawName('MED LAB', 0x20) + '0400' + '0050569a0b0c' + '00'.repeat(40);
const NODE_STATUS = header(0x3000, 0x8400, 0, 1) + encoded('*'.padEnd(15, '\0'), 0x00) + '00210001' + '00000000' + u16(STATUS_RDATA.length / 2) + STATUS_RDATA;
/** Node status with a zero unit id and a name count that overruns the record: no names, no MAC. */
const STATUS_OVERRUN = header(0x3001, 0x8400, 0, 1) + encoded('X', 0x00) + '00210001' + '00000000' + '0013' + '05' + rawName('A', 0) + '0000';
/** Hostile: a lower-case "encoding" (not 'A'-'P'), a 31-letter label, a name pointer loop, a negative response. */
const HOSTILE = [
  header(1, 0x0110, 1, 0) + encoded('X', 0).replace(/^20(..)/, '2061') + '00200001',
  header(2, 0x0110, 1, 0) + '1f' + '41'.repeat(31) + '00' + '00200001',
  header(3, 0x0110, 1, 0) + 'c00c' + '00200001',
  header(4, 0x8503, 0, 1) + encoded('GONE', 0) + '00200001' + '00000000' + '0006' + '0000' + '01020304',
];

const vectors: ConformanceVector[] = [
  udp('zeek wikipedia 117 and 132: name queries', [seg(0, WIKI_117), seg(0, WIKI_132)], [
    fact(0, 'nbns.query', 'BRWC0CB383D1F42<00>'),
    fact(0, 'nbns.query', 'WORKGROUP<1d>'),
  ]),
  udp('built: registrations of a unique and a group name, a scoped refresh', [seg(0, REG_UNIQUE), seg(0, REG_GROUP), seg(0, REFRESH_SCOPED)], [
    fact(0, 'nbns.name', 'INFUSION-07<00>'),
    fact(0, 'nbns.group', 'RADIOLOGY<00>'),
    fact(0, 'nbns.name', 'PACS01<20>.hospital.example'),
  ]),
  udp('built: positive name query response with two addresses', [seg(1, POSITIVE)], [
    fact(1, 'nbns.answer', 'PACS01<20> 10.11.12.14'),
    fact(1, 'nbns.answer', 'PACS01<20> 192.168.10.14'),
  ]),
  udp('built: node status response', [seg(1, NODE_STATUS), seg(1, STATUS_OVERRUN)], [
    fact(1, 'nbns.name', 'INFUSION-07<00>'),
    fact(1, 'nbns.group', 'RADIOLOGY<00>'),
    fact(1, 'nbns.name', 'MED<20>LAB<20>'),
    fact(1, 'nbns.mac', '00:50:56:9a:0b:0c'),
  ]),
  udp('built: hostile names and a negative response', HOSTILE.map((h) => seg(0, h)), []),
];

const skipWhy = captureSkipReason('nbns.test');

const CAPTURES = ['discovery/ndpi/netbios.pcap', 'attacks/ndpi/dos_win98_smb_netbeui.pcap', 'general/zeek/wikipedia.pcap'];
if (!skipWhy) {
  for (const capture of CAPTURES.slice(0, 2)) {
    // Distinct datagrams only (netbios.pcap repeats one query 181 times).
    const payloads = [...new Set(tsharkRows(capture, 'nbns && udp', ['udp.payload']).map(([p]) => p))];
    if (payloads.length > 0) vectors.push(udp(`shared ${capture} (run time only)`, payloads.slice(0, 30).map((p) => ({ dir: 0 as Direction, bytes: hex(p) })), [], false));
  }
}

const nbns = new NbnsDissector();
describeConformance(nbns, vectors);

describe('NetBIOS names', () => {
  it('decode first-level encoding, trim the padding and show the suffix', () => {
    const at12 = (nameHex: string): string | null => {
      const buf = hex(header(0, 0, 1, 0) + nameHex);
      return readNetbiosName(buf, 0, buf.length, 12);
    };
    expect(at12(encoded('WORKGROUP', 0x1d))).toBe('WORKGROUP<1d>');
    expect(at12(encoded('\x01\x02__MSBROWSE__\x02', 0x01))).toBe('<01><02>__MSBROWSE__<02><01>');
    expect(at12(encoded('A<B>', 0x00))).toBe('A<3c>B<3e><00>');
    expect(at12('c00c')).toBeNull();
    expect(at12('2041')).toBeNull();
  });

  it('claims UDP 137', () => {
    expect(nbns.udpPorts).toEqual([137]);
    expect(feedWhole(nbns, vectors[3]).facts.filter((f) => f.key === 'nbns.mac')).toHaveLength(1);
  });
});

// ---------------------------------------------------------------------------------------------------------
// Differential test against tshark: names in our form (tshark's " (Workstation/Redirector)" description
// dropped, a space inside the name written <20>).

const FIELDS = ['nbns.flags.response', 'nbns.flags.opcode', 'nbns.flags.rcode', 'nbns.name', 'nbns.type', 'nbns.nb_flags.group', 'nbns.addr', 'nbns.netbios_name', 'nbns.name_flags.group', 'nbns.unit_id'] as const;
const c = (name: (typeof FIELDS)[number]) => FIELDS.indexOf(name);
const tsharkName = (text: string): string => {
  const bare = text.replace(/ \([^()]*\)$/, '');
  const at = bare.search(/<[0-9a-f]{2}>(\.|$)/);
  return at < 0 ? bare : bare.slice(0, at).replace(/ /g, '<20>') + bare.slice(at);
};
const isResponse = (row: string[]): boolean => row[c('nbns.flags.response')] === '1' || row[c('nbns.flags.response')] === 'True';
const opcode = (row: string[]): string => row[c('nbns.flags.opcode')];
const group = (flag: string | undefined): boolean => flag === '1' || flag === 'True';
const REGISTRATION = new Set(['5', '8', '9', '15']);
const positive = (row: string[]): boolean => isResponse(row) && opcode(row) === '0' && (row[c('nbns.flags.rcode')] ?? '0') === '0';

interface KeySpec {
  key: string;
  tshark: (row: string[]) => string[];
  ours: (facts: readonly Fact[]) => string[];
}
const values = (facts: readonly Fact[], ...keys: string[]): Fact[] => facts.filter((f) => keys.includes(f.key));
const tagged = (f: Fact): string => `${f.key === 'nbns.group' ? 'group' : 'name'} ${String(f.value)}`;
const SPECS: KeySpec[] = [
  {
    key: 'nbns.query',
    tshark: (row) => (!isResponse(row) && opcode(row) === '0' ? list(row[c('nbns.name')]).map(tsharkName) : []),
    ours: (facts) => values(facts, 'nbns.query').map((f) => String(f.value)),
  },
  {
    key: 'nbns.name/nbns.group from registration and refresh',
    tshark: (row) => {
      if (isResponse(row) || !REGISTRATION.has(opcode(row))) return [];
      const names = list(row[c('nbns.name')]);
      const flags = list(row[c('nbns.nb_flags.group')]);
      // The additional record is the last name; its NB_FLAGS the only ones.
      return names.length > 1 && flags.length > 0 ? [`${group(flags[0]) ? 'group' : 'name'} ${tsharkName(names[names.length - 1])}`] : [];
    },
    ours: (facts) => (facts.some((f) => f.key === 'nbns.query') ? [] : values(facts, 'nbns.name', 'nbns.group').map(tagged)),
  },
  {
    key: 'nbns.name/nbns.group from node status (name without suffix)',
    tshark: (row) => {
      if (!positive(row)) return [];
      const flags = list(row[c('nbns.name_flags.group')]);
      return list(row[c('nbns.netbios_name')]).map((n, i) => `${group(flags[i]) ? 'group' : 'name'} ${n.replace(/ /g, '<20>')}`);
    },
    ours: (facts) => (facts.some((f) => f.key === 'nbns.mac' || f.key === 'nbns.answer') || !facts.some((f) => f.key === 'nbns.name' || f.key === 'nbns.group') ? statusNames(facts) : []),
  },
  {
    key: 'nbns.answer',
    tshark: (row) => {
      if (!positive(row) || list(row[c('nbns.type')])[0] !== '32') return [];
      const name = tsharkName(list(row[c('nbns.name')])[0] ?? '');
      return list(row[c('nbns.addr')]).map((ip) => `${name} ${ip}`);
    },
    ours: (facts) => values(facts, 'nbns.answer').map((f) => String(f.value)),
  },
  {
    key: 'nbns.mac',
    tshark: (row) => (positive(row) ? list(row[c('nbns.unit_id')]).filter((m) => m !== '00:00:00:00:00:00') : []),
    ours: (facts) => values(facts, 'nbns.mac').map((f) => String(f.value)),
  },
];
/** Node status names without their `<xx>` suffix (tshark's nbns.netbios_name drops it), only from responses. */
function statusNames(facts: readonly Fact[]): string[] {
  return values(facts, 'nbns.name', 'nbns.group').map((f) => `${f.key === 'nbns.group' ? 'group' : 'name'} ${String(f.value).replace(/<[0-9a-f]{2}>$/, '')}`);
}

describe.skipIf(skipWhy !== '')('NBNS against tshark', () => {
  it(`every value tshark shows is emitted, nothing emitted contradicts it (${CAPTURES.length} captures)`, () => {
    const stats = new Map(SPECS.map((s) => [s.key, { expected: 0, found: 0, emitted: 0, contradicting: [] as string[], missing: [] as string[] }]));
    for (const capture of CAPTURES) {
      if (!existsSync(new URL(capture, SHARED))) continue;
      for (const row of tsharkRows(capture, 'nbns && udp && !icmp', ['udp.payload', ...FIELDS])) {
        const payload = row[0];
        const fields = row.slice(1);
        const facts = feedWhole(nbns, { transport: 'udp', originatorPort: 137, responderPort: 137, segments: [{ dir: 0, bytes: hex(payload) }] }).facts;
        for (const spec of SPECS) {
          // Registration and node status facts share keys: each spec only looks at its kind of message.
          const st = stats.get(spec.key)!;
          const theirs = spec.tshark(fields);
          const kind = spec.key.includes('registration') ? !isResponse(fields) : spec.key.includes('node status') ? isResponse(fields) : true;
          const ours = kind ? spec.ours(facts) : [];
          st.expected += theirs.length;
          st.emitted += ours.length;
          for (const value of theirs) {
            if (ours.includes(value)) st.found++;
            else st.missing.push(`${capture}: ${value} (${payload.slice(0, 60)}…)`);
          }
          for (const value of ours) if (!theirs.includes(value)) st.contradicting.push(`${capture}: ${value}`);
        }
      }
    }
    const lines: string[] = [];
    for (const [key, st] of stats) {
      const recall = st.expected === 0 ? 'n/a' : `${((100 * st.found) / st.expected).toFixed(1)}%`;
      lines.push(`${key}: tshark ${st.expected}, found ${st.found} (recall ${recall}), emitted ${st.emitted}, contradicting ${st.contradicting.length}`);
    }
    console.info(`NBNS vs tshark:\n  ${lines.join('\n  ')}`);
    for (const [key, st] of stats) {
      expect(st.missing.slice(0, 5), `${key}: values tshark shows that were not emitted`).toEqual([]);
      expect(st.contradicting.slice(0, 5), `${key}: values emitted that tshark does not show`).toEqual([]);
    }
  });
});
