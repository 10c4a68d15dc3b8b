import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { Analyzer } from '../../src/analyze/analyzer.js';
import { defaultDissectors } from '../../src/protocols/index.js';
import { LINKTYPE_ETHERNET, LINKTYPE_LINUX_SLL } from '../../src/capture/link-type.js';
import { LINK_PROTO_CDP, LINK_PROTO_LLDP, LINK_PROTO_NONE } from '../../src/decode/decoded-packet.js';
import { PacketDecoder } from '../../src/decode/packet-decoder.js';
import { CdpDissector } from '../../src/protocols/cdp/index.js';
import { frameDissectorAsDatagrams } from '../../src/protocols/frame-dissector.js';
import type { Fact } from '../../src/protocols/harness.js';
import type { Observation } from '../../src/protocols/observation.js';
import { analyzeCommand } from '../../src/cli/analyze-command.js';
import { candidatesFor } from '../../src/inventory/attribute-resolver.js';
import { deviceReports } from '../../src/inventory/device-report.js';
import { InventoryCollector } from '../../src/inventory/inventory-collector.js';
import { loadAttributeKnowledge } from '../../src/inventory/knowledge.js';
import { InventoryStore } from '../../src/store/inventory-store.js';
import { LldpDissector } from '../../src/protocols/lldp/index.js';
import { describeConformance, type ConformanceVector } from './conformance.js';
import { fact, frameFacts, frameVector } from './frame-vectors.js';
import { describeFrameDifferential, haveShared, linkFrames, list, SHARED, writeEthernetPcap } from './tshark-fields.js';

// Real CDP: Zeek's cdp-v1.pcap (a Cisco 1601 router), read from ../shared at run time and never copied; and
// the CDPv1 and CDPv2 frames of test/fixtures/discovery/lldpd-cdp.pcapng, recorded for Vigil with lldpd
// (test/fixtures/discovery/record-lldpd.sh, test/fixtures/README.md).
const ZEEK_CDP = 'discovery/zeek/cdp-v1.pcap';
const zeekPath = fileURLToPath(new URL(ZEEK_CDP, SHARED));
const haveZeek = existsSync(zeekPath);
if (!haveZeek) console.info(`cdp: skipping the Zeek cdp-v1.pcap vectors: ${haveShared ? `${ZEEK_CDP} is absent` : '../shared is absent'}`);
const FIXTURE = fileURLToPath(new URL('../fixtures/discovery/lldpd-cdp.pcapng', import.meta.url));

const dissector = new CdpDissector();
const asDatagrams = frameDissectorAsDatagrams(dissector);
const facts = (pdu: Buffer): Fact[] => frameFacts(dissector, pdu);

const u16 = (n: number): Buffer => Buffer.from([n >> 8, n & 0xff]);
const u32 = (n: number): Buffer => Buffer.from([n >>> 24, (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff]);
const text = (s: string): Buffer => Buffer.from(s, 'latin1');
/** A CDP TLV: type, length counting the 4-octet header, value. */
const tlv = (type: number, value: Buffer): Buffer => Buffer.concat([u16(type), u16(value.length + 4), value]);
const ipv4 = (a: string): Buffer => Buffer.concat([Buffer.from([1, 1, 0xcc]), u16(4), Buffer.from(a.split('.').map(Number))]);
const ipv6 = (hex: string): Buffer => Buffer.concat([Buffer.from([2, 8, 0xaa, 0xaa, 0x03, 0, 0, 0, 0x86, 0xdd]), u16(16), Buffer.from(hex, 'hex')]);
const addressList = (...items: Buffer[]): Buffer => Buffer.concat([u32(items.length), ...items]);
const cdp = (version: number, ...tlvs: Buffer[]): Buffer => Buffer.concat([Buffer.from([version, 180, 0, 0]), ...tlvs]);
/** CDP in an 802.3 frame with LLC/SNAP, to the CDP multicast address, from `src`. */
const ethernet = (src: string, pdu: Buffer): Buffer =>
  Buffer.concat([Buffer.from('01000ccccccc', 'hex'), Buffer.from(src.replaceAll(':', ''), 'hex'), u16(pdu.length + 8), Buffer.from('aaaa0300000c2000', 'hex'), pdu]);

// A CDPv2 access switch, built after Wireshark's packet-cdp.c: every TLV Vigil reads, a CLNS address that is
// skipped, and an unknown TLV (0x7ff0) that is ignored.
const SWITCH = cdp(
  2,
  tlv(0x0001, text('ward3-access-01.example')),
  tlv(0x0002, addressList(ipv4('10.30.0.2'), Buffer.concat([Buffer.from([1, 1, 0x81]), u16(2), Buffer.from([0x49, 0x00])]), ipv6('fd000000000000000000000000000002'))),
  tlv(0x0003, text('GigabitEthernet1/0/24')),
  tlv(0x0004, u32(0x00000128)),
  tlv(0x0005, text('Cisco IOS Software, C2960 Software (C2960-LANBASEK9-M), Version 15.0(2)SE11, RELEASE SOFTWARE (fc3)\nTechnical Support: http://www.cisco.com/techsupport\n')),
  tlv(0x0006, text('cisco WS-C2960-24TT-L')),
  tlv(0x0009, text('WARD3')),
  tlv(0x000a, u16(30)),
  tlv(0x000b, Buffer.from([1])),
  tlv(0x000e, Buffer.from([1, 0x00, 0x64])),
  tlv(0x7ff0, text('unknown')),
  tlv(0x0014, text('ward3-access-01')),
  tlv(0x0016, addressList(ipv4('10.30.0.2'))),
);
const SWITCH_FACTS = [
  fact('cdp.version', 2),
  fact('cdp.device_id', 'ward3-access-01.example'),
  fact('cdp.address', '10.30.0.2'),
  fact('cdp.address', 'fd00::2'),
  fact('cdp.port_id', 'GigabitEthernet1/0/24'),
  fact('cdp.capabilities', ['switch', 'igmp', 'remotely-managed']),
  fact('cdp.software_version', 'Cisco IOS Software, C2960 Software (C2960-LANBASEK9-M), Version 15.0(2)SE11, RELEASE SOFTWARE (fc3) Technical Support: http://www.cisco.com/techsupport'),
  fact('cdp.platform', 'cisco WS-C2960-24TT-L'),
  fact('cdp.vtp_domain', 'WARD3'),
  fact('cdp.native_vlan', 30),
  fact('cdp.duplex', 'full'),
  fact('cdp.voice_vlan', 100),
  fact('cdp.system_name', 'ward3-access-01'),
  fact('cdp.management_address', '10.30.0.2'),
];
// A CDPv2 IP phone: NUL-terminated device id, phone and host capabilities.
const PHONE = cdp(2, tlv(0x0001, text('SEP001B2C3D4E5F\0')), tlv(0x0003, text('Port 1')), tlv(0x0004, u32(0x00000290)), tlv(0x0006, text('Cisco IP Phone 8865')));
const PHONE_FACTS = [
  fact('cdp.version', 2),
  fact('cdp.device_id', 'SEP001B2C3D4E5F'),
  fact('cdp.port_id', 'Port 1'),
  fact('cdp.capabilities', ['host', 'phone', 'cvta']),
  fact('cdp.platform', 'Cisco IP Phone 8865'),
];

const fixtureFrames = (await linkFrames(FIXTURE)).filter((f) => f.linkProto === LINK_PROTO_CDP);
const zeekFrames = haveZeek ? (await linkFrames(zeekPath)).filter((f) => f.linkProto === LINK_PROTO_CDP) : [];
const lldpFixture = (await linkFrames(FIXTURE)).filter((f) => f.linkProto === LINK_PROTO_LLDP);
const lldpdFacts = (version: number): Fact[] => [
  fact('cdp.version', version),
  fact('cdp.device_id', 'infusion-gw-07.ward3.example'),
  fact('cdp.address', '10.99.0.1'),
  fact('cdp.port_id', 'uplink to ward switch'),
  fact('cdp.capabilities', ['host']),
  fact('cdp.software_version', 'Vigil fixture endpoint (lldpd)'),
  fact('cdp.platform', 'VigilTest-1000'),
];
const ZEEK_FACTS = [
  fact('cdp.version', 1),
  fact('cdp.device_id', 'R1'),
  fact('cdp.address', '192.168.10.1'),
  fact('cdp.port_id', 'Ethernet0'),
  fact('cdp.capabilities', ['router']),
  fact(
    'cdp.software_version',
    'Cisco Internetwork Operating System Software IOS (tm) 1600 Software (C1600-NY-L), Version 11.2(12)P, RELEASE SOFTWARE (fc1) Copyright (c) 1986-1998 by cisco Systems, Inc. Compiled Tue 03-Mar-98 06:33 by dschwart',
  ),
  fact('cdp.platform', 'cisco 1601'),
];

const vectors: ConformanceVector[] = [
  frameVector('CDPv2 access switch', SWITCH, SWITCH_FACTS),
  frameVector('CDPv2 IP phone', PHONE, PHONE_FACTS),
  frameVector('lldpd CDPv1 (fixture frame 3)', fixtureFrames[0].pdu, lldpdFacts(1)),
  frameVector('lldpd CDPv2 (fixture frame 4)', fixtureFrames[1].pdu, lldpdFacts(2)),
  ...(zeekFrames.length > 0 ? [frameVector('Zeek cdp-v1.pcap frame 1', zeekFrames[0].pdu, ZEEK_FACTS)] : []),
];

describeConformance(asDatagrams, vectors, { iterations: 3000 });

describe('CDP dissector', () => {
  it('reads nothing of other versions and stops at a TLV shorter than its header', () => {
    expect(facts(cdp(3, tlv(0x0001, text('x'))))).toEqual([]);
    const bad = Buffer.concat([cdp(2, tlv(0x0006, text('cisco 1601'))), u16(0x0001), u16(2), text('never')]);
    expect(facts(bad)).toEqual([fact('cdp.version', 2), fact('cdp.platform', 'cisco 1601')]);
  });

  it('bounds a hostile address count by the TLV and a fixed maximum', () => {
    const many = tlv(0x0002, Buffer.concat([u32(0xffffffff), ...Array.from({ length: 40 }, (_, i) => ipv4(`10.0.0.${i}`))]));
    const out = facts(cdp(2, many)).filter((f) => f.key === 'cdp.address');
    expect(out.length).toBe(16);
  });
});

describe('CDP in the link layer and the analyzer', () => {
  const decoder = new PacketDecoder();
  const decode = (frame: Buffer, linkType = LINKTYPE_ETHERNET) => decoder.decodeFrame(frame, 0, frame.length, frame.length, linkType, 0);

  it('marks 802.3 LLC/SNAP frames with the Cisco OUI and protocol id 0x2000, and no others', () => {
    const frame = ethernet('00:1b:2c:3d:4e:5f', PHONE);
    const p = decode(frame);
    expect(p.linkProto).toBe(LINK_PROTO_CDP);
    expect(frame.subarray(p.l3Offset, p.l3Offset + 4)).toEqual(PHONE.subarray(0, 4));
    // DTP (protocol id 0x2004) and VTP (0x2003) share the OUI and the multicast address.
    for (const pid of ['2004', '2003']) {
      const other = Buffer.from(frame);
      Buffer.from(pid, 'hex').copy(other, 20);
      expect(decode(other).linkProto).toBe(LINK_PROTO_NONE);
    }
    expect(decode(frame.subarray(0, 21)).linkProto).toBe(LINK_PROTO_NONE);
  });

  it('marks CDP in a Linux cooked capture (ETH_P_802_2)', () => {
    const sll = Buffer.concat([u16(0), u16(1), u16(6), Buffer.from('001b2c3d4e5f0000', 'hex'), u16(0x0004), Buffer.from('aaaa0300000c2000', 'hex'), PHONE]);
    const p = decode(sll, LINKTYPE_LINUX_SLL);
    expect(p.linkProto).toBe(LINK_PROTO_CDP);
    expect(sll.subarray(p.l3Offset)).toEqual(PHONE);
  });

  it('gives the sender a hostname, vendor and model in the inventory', async () => {
    const path = writeEthernetPcap('switch.pcap', [ethernet('00:1b:2c:00:00:01', SWITCH)]);
    const collector = new InventoryCollector();
    const seen: Observation[] = [];
    const analyzer = new Analyzer({ dissectors: defaultDissectors(), onObservation: (o) => (seen.push(o), collector.observation(o)) });
    try {
      await analyzer.addCapture(path);
    } finally {
      rmSync(dirname(path), { recursive: true, force: true });
    }
    analyzer.finish();
    expect(seen.find((o) => o.key === 'cdp.device_id')).toMatchObject({ value: 'ward3-access-01.example', src: { mac: '00:1b:2c:00:00:01', ip: '' } });
    expect([...collector.hosts.values()].map((h) => h.key)).toContain('00:1b:2c:00:00:01|');
  });
});

describe('CDP and LLDP facts in the inventory', () => {
  const knowledge = loadAttributeKnowledge();
  const candidates = (found: readonly Fact[], mac: string) =>
    candidatesFor(found.map((f) => ({ key: f.key, value: f.value, count: 1, first: 0, last: 0 })), mac, [], [], knowledge).map((c) => `${c.attribute}=${c.value} (${c.source})`);

  it('a CDP switch: hostname from the device id, vendor and model from the platform, IOS from the version', () => {
    const c = candidates(facts(SWITCH), '00:1b:2c:00:00:01');
    expect(c).toContain('hostname=ward3-access-01 (field:cdp.device_id)');
    expect(c).toContain('vendor=Cisco (rule:cdp-platform-cisco)');
    expect(c).toContain('model=WS-C2960-24TT-L (rule:cdp-platform-cisco)');
    expect(c).toContain('category=network (rule:cdp-platform-cisco-switch)');
    expect(c).toContain('firmware=IOS 15.0(2)SE11 (rule:cdp-version-cisco-ios)');
  });

  it.skipIf(!haveZeek)("the real Cisco 1601 of Zeek's cdp-v1.pcap", () => {
    const c = candidates(facts(zeekFrames[0].pdu), '00:e0:1e:d5:d5:15');
    expect(c).toContain('hostname=R1 (field:cdp.device_id)');
    expect(c).toContain('model=1601 (rule:cdp-platform-cisco)');
    expect(c).toContain('firmware=IOS 11.2(12)P (rule:cdp-version-cisco-ios-legacy)');
    expect(c).toContain('category=network (rule:cdp-capability-switch-router)');
  });

  it('a CDP phone: model and category from the platform', () => {
    const c = candidates(facts(PHONE), '00:1b:2c:3d:4e:5f');
    expect(c).toContain('model=CP-8865 (rule:cdp-platform-cisco-phone)');
    expect(c).toContain('category=voip-phone (rule:cdp-capability-phone)');
    expect(c.some((x) => x.startsWith('model=IP Phone'))).toBe(false);
  });

  it('an LLDP-MED endpoint: hostname from the system name, vendor, model, serial and firmware from the inventory TLVs', () => {
    const lldpFacts = frameFacts(new LldpDissector(), lldpFixture[0].pdu);
    const c = candidates(lldpFacts, '02:00:5e:10:00:01');
    expect(c).toContain('hostname=infusion-gw-07 (field:lldp.system_name)');
    expect(c).toContain('vendor=Example Medical (field:lldp.med.manufacturer)');
    expect(c).toContain('model=Pump-X200 (field:lldp.med.model)');
    expect(c).toContain('serial=SN-TEST-0001 (field:lldp.med.serial_number)');
    expect(c).toContain('firmware=SW-5.4.3 (field:lldp.med.software_revision)');
  });

  it('reaches the store: the analyze command keeps the devices with their names and models', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-cdp-store-'));
    const dirs: string[] = [];
    try {
      const db = join(dir, 'vigil.db');
      const capture = writeEthernetPcap('discovery.pcap', [ethernet('00:1b:2c:00:00:01', SWITCH), ethernet('00:1b:2c:3d:4e:5f', PHONE)]);
      dirs.push(dirname(capture));
      await analyzeCommand([capture, FIXTURE], { db, quiet: true });
      const store = await InventoryStore.open(db);
      try {
        const devices = await deviceReports(store, { detail: true });
        const sw = devices.find((d) => d.mac === '00:1b:2c:00:00:01');
        expect(sw).toMatchObject({ hostname: 'ward3-access-01', vendor: 'Cisco', model: 'WS-C2960-24TT-L' });
        expect(devices.find((d) => d.mac === '00:1b:2c:3d:4e:5f')).toMatchObject({ hostname: 'SEP001B2C3D4E5F', vendor: 'Cisco', model: 'CP-8865' });
        expect(devices.find((d) => d.mac === '02:00:5e:10:00:01')).toMatchObject({ hostname: 'infusion-gw-07', model: 'Pump-X200' });
        const stored = await store.db.selectFrom('observations').select(['key', 'value']).where('key', '=', 'cdp.platform').execute();
        expect(stored.map((o) => o.value).sort()).toEqual(['"Cisco IP Phone 8865"', '"VigilTest-1000"', '"cisco WS-C2960-24TT-L"']);
      } finally {
        await store.close();
      }
    } finally {
      for (const d of [dir, ...dirs]) rmSync(d, { recursive: true, force: true });
    }
  });
});

const CAP_FIELDS = ['router', 'trans_bridge', 'src_bridge', 'switch', 'host', 'igmp_capable', 'repeater', 'voip_phone', 'remote', 'cvta', 'mac_relay'];
const CAP_NAMES = ['router', 'transparent-bridge', 'source-route-bridge', 'switch', 'host', 'igmp', 'repeater', 'phone', 'remotely-managed', 'cvta', 'mac-relay'];
const BUILT = writeEthernetPcap('cdp-built.pcap', [ethernet('00:1b:2c:00:00:01', SWITCH), ethernet('00:1b:2c:3d:4e:5f', PHONE)]);
afterAll(() => rmSync(dirname(BUILT), { recursive: true, force: true }));
const addressKeys = new Set(['cdp.address', 'cdp.management_address']);

describeFrameDifferential(
  'CDP',
  dissector,
  [ZEEK_CDP, FIXTURE, BUILT],
  'cdp',
  ['cdp.version', 'cdp.deviceid', 'cdp.portid', 'cdp.platform', 'cdp.software_version', 'cdp.nrgyz.ip_address', 'cdp.nrgyz.ipv6_address', 'cdp.native_vlan', 'cdp.vtp_management_domain', 'cdp.voice_vlan', 'cdp.system_name', ...CAP_FIELDS.map((f) => `cdp.capabilities.${f}`)],
  [
    { key: 'cdp.version', tshark: (r) => list(r[0]) },
    { key: 'cdp.device_id', tshark: (r) => list(r[1]) },
    { key: 'cdp.port_id', tshark: (r) => list(r[2]) },
    { key: 'cdp.platform', tshark: (r) => list(r[3]) },
    // tshark shows each line of the version; Vigil joins them with one space.
    { key: 'cdp.software_version', tshark: (r) => (r[4] === '' ? [] : [list(r[4]).map((line) => line.trim()).join(' ').trim()]) },
    // tshark names every address alike, from the Addresses and the Management Addresses TLVs.
    { key: 'cdp.address', tshark: (r) => [...new Set([...list(r[5]), ...list(r[6])])], ours: (f) => [...new Set(f.filter((x) => addressKeys.has(x.key)).map((x) => String(x.value)))] },
    { key: 'cdp.native_vlan', tshark: (r) => list(r[7]) },
    { key: 'cdp.vtp_domain', tshark: (r) => list(r[8]) },
    { key: 'cdp.voice_vlan', tshark: (r) => list(r[9]) },
    { key: 'cdp.system_name', tshark: (r) => list(r[10]) },
    {
      key: 'cdp.capabilities',
      tshark: (r) => (r[11] === '' ? [] : [CAP_NAMES.filter((_, i) => r[11 + i] === '1' || r[11 + i] === 'True').join(',')]),
      ours: (f) => f.filter((x) => x.key === 'cdp.capabilities').map((x) => (x.value as string[]).join(',')),
    },
  ],
);
