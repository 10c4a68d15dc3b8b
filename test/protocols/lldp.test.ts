import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { Analyzer } from '../../src/analyze/analyzer.js';
import { defaultDissectors } from '../../src/protocols/index.js';
import { LINK_PROTO_LLDP } from '../../src/decode/decoded-packet.js';
import { frameDissectorAsDatagrams } from '../../src/protocols/frame-dissector.js';
import type { Fact } from '../../src/protocols/harness.js';
import { LldpDissector } from '../../src/protocols/lldp/index.js';
import type { Observation } from '../../src/protocols/observation.js';
import { lldp } from '../../src/simulate/protocols.js';
import { describeConformance, type ConformanceVector } from './conformance.js';
import { fact, frameFacts, frameVector } from './frame-vectors.js';
import { describeFrameDifferential, haveShared, linkFrames, list, SHARED, writeEthernetPcap } from './tshark-fields.js';

// Real LLDPDUs: Zeek's lldp.pcap (one SMC switch frame), read from ../shared at run time and never copied; and
// test/fixtures/discovery/lldpd-cdp.pcapng, recorded for Vigil with lldpd between two network namespaces
// (test/fixtures/discovery/record-lldpd.sh, test/fixtures/README.md).
const ZEEK_LLDP = 'discovery/zeek/lldp.pcap';
const zeekPath = fileURLToPath(new URL(ZEEK_LLDP, SHARED));
const haveZeek = existsSync(zeekPath);
if (!haveZeek) console.info(`lldp: skipping the Zeek lldp.pcap vectors: ${haveShared ? `${ZEEK_LLDP} is absent` : '../shared is absent'}`);
const FIXTURE = fileURLToPath(new URL('../fixtures/discovery/lldpd-cdp.pcapng', import.meta.url));

const dissector = new LldpDissector();
const asDatagrams = frameDissectorAsDatagrams(dissector);
const facts = (pdu: Buffer): Fact[] => frameFacts(dissector, pdu);

/** An LLDP TLV: 7-bit type, 9-bit length, value. */
const tlv = (type: number, value: Buffer): Buffer => Buffer.concat([Buffer.from([(type << 1) | (value.length >> 8), value.length & 0xff]), value]);
const org = (oui: number, subtype: number, value: Buffer): Buffer => tlv(127, Buffer.concat([Buffer.from([oui >> 16, (oui >> 8) & 0xff, oui & 0xff, subtype]), value]));
const text = (s: string): Buffer => Buffer.from(s, 'latin1');
const END = Buffer.from([0, 0]);

// The simulator's switch uplink frames (src/simulate/protocols.ts `lldp`).
const SIM_MAC = Uint8Array.of(0x08, 0x4f, 0xf9, 0x01, 0x02, 0x03);
const SIM = lldp(SIM_MAC, 'Te1/1/3', 120, 'access-sw-03', 'Cisco IOS Software, C9300 Software, Version 17.9.4', 0x0a010203);
const SIM_FACTS = [
  fact('lldp.chassis_id', '08:4f:f9:01:02:03'),
  fact('lldp.port_id', 'Te1/1/3'),
  fact('lldp.port_description', 'uplink Te1/1/3'),
  fact('lldp.system_name', 'access-sw-03'),
  fact('lldp.system_description', 'Cisco IOS Software, C9300 Software, Version 17.9.4'),
  fact('lldp.capabilities', ['bridge', 'router']),
  fact('lldp.capabilities_enabled', ['bridge']),
  fact('lldp.management_address', '10.1.2.3'),
];

// A phone's LLDP-MED frame built after ANSI/TIA-1057: network-address chassis id, MAC port id, PVID, MED
// capabilities and every inventory TLV, an IPv6 management address; then a TLV after End that must be ignored.
const MED = Buffer.concat([
  tlv(1, Buffer.from([5, 1, 10, 20, 30, 40])),
  tlv(2, Buffer.from([3, 0x00, 0x1b, 0x2c, 0x3d, 0x4e, 0x5f])),
  tlv(3, Buffer.from([0, 180])),
  tlv(5, text('SEP001B2C3D4E5F')),
  tlv(6, text('Cisco IP Phone 8865\r\nsip88xx.14-2-1')),
  tlv(7, Buffer.from([0x00, 0x24, 0x00, 0x20])),
  tlv(8, Buffer.concat([Buffer.from([17, 2]), Buffer.from('fd000000000000000000000000000042', 'hex'), Buffer.from([2, 0, 0, 0, 3, 0])])),
  org(0x0080c2, 1, Buffer.from([0x00, 0x64])),
  org(0x0012bb, 1, Buffer.from([0x00, 0x33, 0x03])),
  org(0x0012bb, 5, text('12')),
  org(0x0012bb, 6, text('FW 1.2')),
  org(0x0012bb, 7, text('sip88xx.14-2-1')),
  org(0x0012bb, 8, text('FCH2345ABCD')),
  org(0x0012bb, 9, text('Cisco Systems, Inc.')),
  org(0x0012bb, 10, text('CP-8865')),
  org(0x0012bb, 11, text('ASSET\\7')),
  END,
  tlv(5, text('after-end')),
]);
const MED_FACTS = [
  fact('lldp.chassis_id', '10.20.30.40'),
  fact('lldp.port_id', '00:1b:2c:3d:4e:5f'),
  fact('lldp.system_name', 'SEP001B2C3D4E5F'),
  fact('lldp.system_description', 'Cisco IP Phone 8865 sip88xx.14-2-1'),
  fact('lldp.capabilities', ['bridge', 'telephone']),
  fact('lldp.capabilities_enabled', ['telephone']),
  fact('lldp.management_address', 'fd00::42'),
  fact('lldp.port_vlan', 100),
  fact('lldp.med.device_class', 3),
  fact('lldp.med.hardware_revision', '12'),
  fact('lldp.med.firmware_revision', 'FW 1.2'),
  fact('lldp.med.software_revision', 'sip88xx.14-2-1'),
  fact('lldp.med.serial_number', 'FCH2345ABCD'),
  fact('lldp.med.manufacturer', 'Cisco Systems, Inc.'),
  fact('lldp.med.model', 'CP-8865'),
  fact('lldp.med.asset_id', 'ASSET\\\\7'),
];

const fixtureFrames = (await linkFrames(FIXTURE)).filter((f) => f.linkProto === LINK_PROTO_LLDP);
const zeekFrames = haveZeek ? (await linkFrames(zeekPath)).filter((f) => f.linkProto === LINK_PROTO_LLDP) : [];

const LLDPD_FACTS = [
  fact('lldp.chassis_id', '02:00:5e:10:00:01'),
  fact('lldp.port_id', 'va'),
  fact('lldp.port_description', 'uplink to ward switch'),
  fact('lldp.system_name', 'infusion-gw-07.ward3.example'),
  fact('lldp.system_description', 'Vigil fixture endpoint (lldpd)'),
  fact('lldp.capabilities', ['bridge', 'wlan-access-point', 'router', 'station-only']),
  fact('lldp.capabilities_enabled', ['station-only']),
  fact('lldp.management_address', '10.99.0.1'),
  fact('lldp.med.device_class', 1),
  fact('lldp.med.hardware_revision', 'HW-2.1'),
  fact('lldp.med.firmware_revision', 'FW-1.0.9'),
  fact('lldp.med.software_revision', 'SW-5.4.3'),
  fact('lldp.med.serial_number', 'SN-TEST-0001'),
  fact('lldp.med.manufacturer', 'Example Medical'),
  fact('lldp.med.model', 'Pump-X200'),
  fact('lldp.med.asset_id', 'ASSET-42'),
];
const ZEEK_FACTS = [
  fact('lldp.chassis_id', '00:22:2d:81:db:10'),
  fact('lldp.port_id', '1'),
  fact('lldp.port_description', 'Port #1'),
  fact('lldp.system_name', 'SMCGS8P-Smart'),
  fact('lldp.system_description', 'SMCGS8P-Smart - SMCGS8P-Smart v3.20'),
  fact('lldp.capabilities', ['bridge']),
  fact('lldp.capabilities_enabled', ['bridge']),
  fact('lldp.management_address', '192.168.2.10'),
];

const vectors: ConformanceVector[] = [
  frameVector('simulator switch uplink', SIM, SIM_FACTS),
  frameVector('LLDP-MED phone, IPv6 management address', MED, MED_FACTS),
  frameVector('lldpd with LLDP-MED inventory (fixture frame 1)', fixtureFrames[0].pdu, LLDPD_FACTS),
  frameVector('lldpd shutdown LLDPDU (fixture frame 2)', fixtureFrames[1].pdu, [fact('lldp.chassis_id', '02:00:5e:10:00:01'), fact('lldp.port_id', 'va')]),
  ...(zeekFrames.length > 0 ? [frameVector('Zeek lldp.pcap frame 1', zeekFrames[0].pdu, ZEEK_FACTS)] : []),
];

describeConformance(asDatagrams, vectors, { iterations: 3000 });

describe('LLDP dissector', () => {
  it('stops at a TLV that runs past the frame, keeping the facts before it', () => {
    const cut = Buffer.concat([tlv(5, text('sw-a')), Buffer.from([(6 << 1) | 0, 40]), text('short')]);
    expect(facts(cut)).toEqual([fact('lldp.system_name', 'sw-a')]);
  });

  it('writes control characters and the backslash as escapes, never raw', () => {
    const out = facts(Buffer.concat([tlv(5, Buffer.from([0x61, 0x1b, 0x5b, 0x5c, 0x62, 0xe9])), END]));
    expect(out).toEqual([fact('lldp.system_name', 'a\\027[\\\\b\\233')]);
  });

  it('skips ids of unknown subtypes and addresses of unknown families or wrong lengths', () => {
    const pdu = Buffer.concat([
      tlv(1, Buffer.from([9, 1, 2, 3])),
      tlv(2, Buffer.from([3, 1, 2, 3])),
      tlv(8, Buffer.from([5, 1, 10, 0, 0])),
      tlv(8, Buffer.from([5, 99, 10, 0, 0, 1, 2, 0, 0, 0, 1, 0])),
      tlv(7, Buffer.from([0, 4])),
      END,
    ]);
    expect(facts(pdu)).toEqual([]);
  });

  it('reads the simulator frames for several devices', () => {
    for (let n = 0; n < 20; n++) {
      const mac = Uint8Array.of(0x02, 0, 0, 0, 0, n);
      const out = facts(lldp(mac, `Gi1/0/${n}`, 120, `sw-${n}`, `descr ${n}`, 0x0a000000 + n));
      expect(out).toContainEqual(fact('lldp.system_name', `sw-${n}`));
      expect(out).toContainEqual(fact('lldp.management_address', `10.0.0.${n}`));
      expect(out).toContainEqual(fact('lldp.chassis_id', `02:00:00:00:00:${n.toString(16).padStart(2, '0')}`));
    }
  });
});

describe('LLDP through the analyzer', () => {
  it('emits facts about the sending MAC (no IP) to observations.jsonl and onObservation', async () => {
    const out = mkdtempSync(join(tmpdir(), 'vigil-lldp-'));
    try {
      const seen: Observation[] = [];
      const analyzer = new Analyzer({ dissectors: defaultDissectors(), outDir: out, onObservation: (o) => seen.push(o) });
      await analyzer.addCapture(FIXTURE);
      analyzer.finish();
      const names = seen.filter((o) => o.key === 'lldp.system_name');
      expect(names).toHaveLength(1);
      expect(names[0].value).toBe('infusion-gw-07.ward3.example');
      expect(names[0].src).toMatchObject({ mac: '02:00:5e:10:00:01', ip: '', port: 0 });
      expect(names[0].flow).toBeUndefined();
      const lines = readFileSync(join(out, 'observations.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Observation);
      expect(lines.some((o) => o.key === 'lldp.med.model' && o.value === 'Pump-X200' && o.src.mac === '02:00:5e:10:00:01')).toBe(true);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });

  it.skipIf(!haveZeek)('reads the Zeek capture end to end', async () => {
    const seen: Observation[] = [];
    const analyzer = new Analyzer({ dissectors: defaultDissectors(), onObservation: (o) => seen.push(o) });
    await analyzer.addCapture(zeekPath);
    analyzer.finish();
    expect(seen.find((o) => o.key === 'lldp.system_name')).toMatchObject({ value: 'SMCGS8P-Smart', src: { mac: '00:22:2d:81:db:10', ip: '' } });
  });

  it('can be turned off', async () => {
    const seen: Observation[] = [];
    const analyzer = new Analyzer({ dissectors: defaultDissectors(), frameDissectors: [], onObservation: (o) => seen.push(o) });
    await analyzer.addCapture(FIXTURE);
    analyzer.finish();
    expect(seen.filter((o) => o.key.startsWith('lldp.') || o.key.startsWith('cdp.'))).toEqual([]);
  });
});

const bits = (row: string[], from: number, names: readonly string[]): string[] => {
  const on = names.filter((_, i) => row[from + i] === '1' || row[from + i] === 'True');
  return row[from] === '' ? [] : [on.join(',')];
};
const CAP_FIELDS = ['other', 'repeater', 'bridge', 'wlan_access_pt', 'router', 'telephone', 'docsis_cable_device', 'station_only'];
const CAP_NAMES = ['other', 'repeater', 'bridge', 'wlan-access-point', 'router', 'telephone', 'docsis', 'station-only'];
/**
 * tshark's text in Vigil's form: tshark writes CR and LF as `\r` `\n` and the backslash raw; Vigil writes each
 * run of line breaks as one space and the backslash as `\\` (docs/observations.md, LLDP).
 */
const vigilText = (values: string[]): string[] =>
  values.map((v) => v.replace(/\\(?![rn])/g, '\\\\').replace(/(?:\\[rn])+/g, ' ').trimEnd());
const joined = (key: string) => (f: readonly Fact[]) => f.filter((x) => x.key === key).map((x) => (x.value as string[]).join(','));

/** The built frames in Ethernet, to the LLDP multicast address, so tshark reads them too. */
const ethernet = (src: string, pdu: Buffer): Buffer => Buffer.concat([Buffer.from('0180c200000e', 'hex'), Buffer.from(src.replaceAll(':', ''), 'hex'), Buffer.from([0x88, 0xcc]), pdu]);
const BUILT = writeEthernetPcap('lldp-built.pcap', [ethernet('08:4f:f9:01:02:03', SIM), ethernet('00:1b:2c:3d:4e:5f', MED)]);
afterAll(() => rmSync(dirname(BUILT), { recursive: true, force: true }));

describeFrameDifferential(
  'LLDP',
  dissector,
  [ZEEK_LLDP, FIXTURE, BUILT],
  'lldp',
  [
    'lldp.chassis.id.mac', 'lldp.port.id', 'lldp.port.id.mac', 'lldp.port.desc', 'lldp.tlv.system.name', 'lldp.tlv.system.desc',
    'lldp.mgn.addr.ip4', 'lldp.mgn.addr.ip6', 'lldp.ieee.802_1.port_vlan.id',
    'lldp.media.hardware', 'lldp.media.firmware', 'lldp.media.software', 'lldp.media.sn', 'lldp.media.manufacturer', 'lldp.media.model', 'lldp.media.asset',
    ...CAP_FIELDS.map((f) => `lldp.tlv.system_cap.${f}`),
    ...CAP_FIELDS.map((f) => `lldp.tlv.enable_system_cap.${f}`),
    'lldp.chassis.id.ip4', 'lldp.chassis.id.ip6', 'lldp.media.subtype.class',
  ],
  [
    { key: 'lldp.chassis_id', tshark: (r) => [...list(r[0]), ...list(r[16 + 2 * CAP_FIELDS.length]), ...list(r[17 + 2 * CAP_FIELDS.length])] },
    { key: 'lldp.med.device_class', tshark: (r) => list(r[18 + 2 * CAP_FIELDS.length]) },
    { key: 'lldp.port_id', tshark: (r) => [...list(r[1]), ...list(r[2])] },
    { key: 'lldp.port_description', tshark: (r) => vigilText(list(r[3])) },
    { key: 'lldp.system_name', tshark: (r) => vigilText(list(r[4])) },
    { key: 'lldp.system_description', tshark: (r) => vigilText(list(r[5])) },
    { key: 'lldp.management_address', tshark: (r) => [...list(r[6]), ...list(r[7])] },
    { key: 'lldp.port_vlan', tshark: (r) => list(r[8]) },
    { key: 'lldp.med.hardware_revision', tshark: (r) => vigilText(list(r[9])) },
    { key: 'lldp.med.firmware_revision', tshark: (r) => vigilText(list(r[10])) },
    { key: 'lldp.med.software_revision', tshark: (r) => vigilText(list(r[11])) },
    { key: 'lldp.med.serial_number', tshark: (r) => vigilText(list(r[12])) },
    { key: 'lldp.med.manufacturer', tshark: (r) => vigilText(list(r[13])) },
    { key: 'lldp.med.model', tshark: (r) => vigilText(list(r[14])) },
    { key: 'lldp.med.asset_id', tshark: (r) => vigilText(list(r[15])) },
    { key: 'lldp.capabilities', tshark: (r) => bits(r, 16, CAP_NAMES), ours: joined('lldp.capabilities') },
    { key: 'lldp.capabilities_enabled', tshark: (r) => bits(r, 16 + CAP_FIELDS.length, CAP_NAMES), ours: joined('lldp.capabilities_enabled') },
  ],
);
