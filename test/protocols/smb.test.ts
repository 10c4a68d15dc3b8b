import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Direction } from '../../src/protocols/dissector.js';
import { dialectText, MAX_MESSAGES, parseNtlmssp, SmbDissector } from '../../src/protocols/smb/index.js';
import { feedWhole, type Fact, type Segment } from '../../src/protocols/harness.js';
import { describeConformance, type ConformanceVector } from './conformance.js';
import { captureSkipReason, SHARED, tsharkRows } from './tshark-fields.js';
import { AGGREGATOR, tcpFlows } from './tshark-streams.js';

// Real SMB bytes. Source (see test/fixtures/README.md): Zeek's regression traces, BSD-3-Clause, The Regents of
// the University of California, testing/btest/Traces/smb/<file> at commit a13de64fbbdb01f90961c04719b308fbbb6d199e
// (copies in ../shared/captures/general/zeek/smb/): the first segments of one TCP stream each, as tshark's
// `follow,tcp,raw` gives them. nDPI's smbv1.pcap (LGPL-3.0) and Malcolm's NTLM.pcap (no licence file) are read
// from ../shared at run time only.

// raw_ntlm_in_smb.pcap tcp.stream 2, first 8 segments of payload
const RAW_NTLM: Array<[Direction, string]> = [
  [0, '00000045ff534d4272000000000801c8000000000000000000000000ffff0100ffff0000002200024e54204c4d20302e31320002534d4220322e3030320002534d4220322e3f3f3f00'],
  [1, '00000055ff534d4272000000008801c8000000000000000000000000ffff0100ffff0000110000030a000100041100000000010000000000fde3008090acf3d0d88fd101a401001000d3c4c4c51f131d4c8337ec5e5af4a860'],
  [0, '0000009aff534d4273000000000801c8000000000000000000000000ffff0100000001000cff00000004110a000700000000002800000000005cc000805f004e544c4d535350000100000005028862000000000000000000000000000000000601b01d0f000000004d006100630020004f005300200058002000310030002e0031003000000053004d00420046005300200033002e0030002e0030000000'],
  [1, '0000015fff534d4273160000c08801c8000000000000000000000000ffff01000008010004ff005f010000ea0034014e544c4d53535000020000001e001e003800000005028a62ccc0bad0f47e17f0000000000000000094009400560000000501280a0000000f54004500530054002d00460037004400460042004300330046004500390002001e0054004500530054002d00460037004400460042004300330046004500390001001e0054004500530054002d00460037004400460042004300330046004500390004001e0074006500730074002d00660037006400660062006300330066006500390003001e0074006500730074002d00660037006400660062006300330066006500390006000400010000000000000000570069006e0064006f0077007300200035002e0031000000570069006e0064006f00770073002000320030003000300020004c0041004e0020004d0061006e00610067006500720000'],
  [0, '0000022aff534d4273000000000801c8000000000000000000000000ffff0100000802000cff00000004110a00070000000000b801000000005cc00080ef014e544c4d5353500003000000180018008e00000002010201a60000001e001e00580000000800080076000000100010007e00000010001000a8010000050288620601b01d0f00000067395ddc5150115281dd3d29b605873554004500530054002d0046003700440046004200430033004600450039007400650073007400420041004200590042004f004f004b00000000000000000000000000000000000000000000000000020a2c94cbf8d66168d1b93068775845010100000000000080a93ad3d88fd1013f2198b2fdb491c70000000001001e0054004500530054002d00460037004400460042004300330046004500390002001e0054004500530054002d00460037004400460042004300330046004500390003001e0074006500730074002d00660037006400660062006300330066006500390004001e0074006500730074002d00660037006400660062006300330066006500390006000400030000000900260063006900660073002f003100390032002e003100360038002e00350036002e003100300031000a001000000000000000000000000000000000000000000000000000eb729686fcaacfadb13418fa494760de004d006100630020004f005300200058002000310030002e0031003000000053004d00420046005300200033002e0030002e0030000000'],
  [1, '00000075ff534d4273000000008801c8000000000000000000000000ffff01000008020004ff007500010000004a0000570069006e0064006f0077007300200035002e0031000000570069006e0064006f00770073002000320030003000300020004c0041004e0020004d0061006e00610067006500720000'],
  [0, '0000005eff534d4275000000000801c8000000000000000000000000ffff01000008030004ff000000080001003300005c005c003100390032002e003100360038002e00350036002e003100300031005c00490050004300240000003f3f3f3f3f00'],
  [1, '00000038ff534d4275000000008801c8000000000000000000000000000801000008030007ff0038000100ff010000ff010000070049504300000000'],
];
// smb3.pcap tcp.stream 0, first 8 segments of payload
const SMB3: Array<[Direction, string]> = [
  [0, '00000066fe534d4240000000000000000000020000000000000000000000000000000000d500000000000000000000000000000000000000000000000000000000000000240001000100000057000000b2fceea195244165893fbf5b2c69acd400000000000000000003'],
  [1, '000000f8fe534d4240000000000000000000010001000000000000000000000000000000d50000000000000000000000000000000000000000000000000000000000000041000300000300004bf432bf8f92054890c03ddf2546646e470000000000800000008000000080008a8ce7a9f4ced20100b579abb4cdd2018000780000000000607606062b0601050502a06c306aa03c303a060a2b06010401823702021e06092a864882f71201020206092a864886f712010202060a2a864886f71201020203060a2b06010401823702020aa32a3028a0261b246e6f745f646566696e65645f696e5f5246433431373840706c656173655f69676e6f7265'],
  [0, '00000078fe534d4240000000000000000100030000000000000000000100000000000000d5000000000000000000000000000000000000000000000000000000000000001900000200000000000000005800200000000000000000004e544c4d5353500001000000350208e000000000000000000000000000000000'],
  [1, '000000f8fe534d4240000000160000c00100010001000000000000000100000000000000d5000000000000003d0000940048000000000000000000000000000000000000090000004800b0004e544c4d53535000020000000800080038000000350289e201151813d2898ccd000000000000000070007000400000000a0039380000000f530055005300450002000800530055005300450001000c0057005300320030003100360004000e0073007500730065002e006400650003001c005700530032003000310036002e0073007500730065002e006400650005000e0073007500730065002e0064006500070008008a8ce7a9f4ced20100000000'],
  [0, '00000168fe534d4240000000000000000100030000000000000000000200000000000000d5000000000000003d00009400480000000000000000000000000000000000001900000200000000000000005800100100000000000000004e544c4d535350000300000000000000400000009c009c004000000008000800dc0000001a001a00e400000000000000fe0000001000100000010000350288e039dbdbeb1bdd29b07a5d20c8f82f2cb701010000000000008a8ce7a9f4ced201e7969a04872c16890000000002000800530055005300450001000c0057005300320030003100360004000e0073007500730065002e006400650003001c005700530032003000310036002e0073007500730065002e006400650005000e0073007500730065002e0064006500070008008a8ce7a9f4ced201000000005300550053004500610064006d0069006e006900730074007200610074006f0072000000b2e876559c9c58b0344bd5a99f8e9855'],
  [1, '00000048fe534d4240000000000000000100030009000000000000000200000000000000d5000000000000003d00009400480000cbd96f2608ad231666121653f2b2c0b50900000048000000'],
  [0, '0000006efe534d4240000100000000000300020008000000000000000300000000000000d5000000000000003d0000940048000071ad17fd1d838197048999eb7b906ce309000000480024005c005c005700530032003000310036005c0065006e0063007200790070007400650064000000'],
  [1, '00000050fe534d4240000100000000000300020009000000000000000300000000000000d5000000010000003d00009400480000c657089883f9f8fe765feebaf883e202100001000080000000000000ff011f00'],
];
// smb311.pcap tcp.stream 0, first 8 segments of payload
const SMB311: Array<[Direction, string]> = [
  [0, '000000b8fe534d42400000000000000000000200000000000000000000000000000000000b01000000000000000000000000000000000000000000000000000000000000240001000100000077000000b466f294dc014341828b4cefaf39f64b6800000003000000110300000100260000000000010020000100b9247cbf6ee50ba6d8c1a2af2de2af73bab483ed7003e3202514ccd13dd727e400000200040000000000010001000000000000010800000000000000000000000000'],
  [1, '00000134fe534d42400000000000000000000100010000000000000000000000000000000b0100000000000000000000000000000000000000000000000000000000000041000300110302004b29be9c63ddb6478d1f3dce81383e6927000000000080000000800000008000f54d127914a9d40187bf26da6b6dd40180007800f8000000607606062b0601050502a06c306aa03c303a060a2b06010401823702021e06092a864882f71201020206092a864886f712010202060a2a864886f71201020203060a2b06010401823702020aa32a3028a0261b246e6f745f646566696e65645f696e5f5246433431373840706c656173655f69676e6f7265010026000000000001002000010017a395280d0d74ec5ae50e1aef85075d55998642d0ebc808e00aad01709a2fb70000020004000000000001000100'],
  [0, '00000078fe534d42400000000000000001008200000000000000000001000000000000000b010000000000000000000000000000000000000000000000000000000000001900000200000000000000005800200000000000000000004e544c4d5353500001000000350208e000000000000000000000000000000000'],
  [1, '000000eafe534d4240000000160000c001000100010000000000000001000000000000000b01000000000000690000ac1c28000000000000000000000000000000000000090000004800a2004e544c4d53535000020000000600060038000000350289e2da16f9f1d38965030000000000000000640064003e0000000a0039380000000f46004f004f000200060046004f004f0001000400410044000400100066006f006f002e00740065007300740003001600410044002e0066006f006f002e0074006500730074000500100066006f006f002e007400650073007400070008009d9c207914a9d40100000000'],
  [0, '00000154fe534d42400000000000000001008200000000000000000002000000000000000b01000000000000690000ac1c280000000000000000000000000000000000001900000200000000000000005800fc0000000000000000004e544c4d53535000030000000000000040000000900090004000000000000000d00000001a001a00d000000000000000ea00000010001000ec000000350288e0ece19aadf7d80ae5f4c1a3a586074ea701010000000000009d9c207914a9d401ae25580d2409ab0e000000000200060046004f004f0001000400410044000400100066006f006f002e00740065007300740003001600410044002e0066006f006f002e0074006500730074000500100066006f006f002e007400650073007400070008009d9c207914a9d40100000000610064006d0069006e006900730074007200610074006f007200000051cf29aa12df95dc1c6aacef50adf76a'],
  [1, '00000048fe534d42400000000000000001008200090000000000000002000000000000000b01000000000000690000ac1c280000a40707763fffe1927a5bf65fed0f65910900000048000000'],
  [0, '0000009cfd534d426807a87d76f1a7d16c854ac9842992094ebfa014fa5a14dc190e0100000000006800000000000100690000ac1c2800003bda74e5b18f801c42a23a02a62711d60fdc15bd79e4adc40bec3ba5abaa3e6963448efeb634f4d6014d511d192bfc8d87b7d91aa30d9d7df3b48ddd57b5f00725366cf4bff3c977bbd9a0945f65a47fa3cf7bd373803e84184cb395e0bf8bd00a563b5812ec0963'],
  [1, '00000084fd534d42fe9d23d99f2a2a3c3d43612341080b62a9ae11f3c9d8ee4900000000000000005000000000000100690000ac1c280000a76940209bbf3a850fe3423a8afecbf2c5855acd51ef3938967985f05c2d40bb69d77531ae1b8360101f6fff26b0e4c8bb044b5546ee647eaed3b2b157f3775f42d660cda78d736358b726ab86d8d413'],
];

const hex = (text: string): Buffer => Buffer.from(text.replace(/\s+/g, ''), 'hex');
const fact = (from: Direction, key: string, value: Fact['value']): Fact => ({ key, value, from });
const tcp = (name: string, responderPort: number, segments: Array<[Direction, string]>, expected: Fact[], exact = true): ConformanceVector => ({
  name,
  transport: 'tcp',
  originatorPort: 50000,
  responderPort,
  segments: segments.map(([dir, text]): Segment => ({ dir, bytes: hex(text) })),
  expected,
  exact,
});

// Hand-built messages after MS-CIFS and MS-SMB2, assembled from their fields.
const u8 = (n: number): string => n.toString(16).padStart(2, '0');
const le16 = (n: number): string => u8(n & 0xff) + u8(n >> 8);
const le32 = (n: number): string => le16(n & 0xffff) + le16(n >>> 16);
const ascii = (t: string): string => Buffer.from(t, 'latin1').toString('hex');
const utf16 = (t: string): string => Buffer.from(t, 'utf16le').toString('hex');
/** NetBIOS session message: type 0 and a 24-bit length. */
const nb = (body: string, type = 0): string => u8(type) + (body.length / 2).toString(16).padStart(6, '0') + body;
const smb1 = (cmd: number, reply: boolean, words: string, bytes: string, flags2 = 0xc801): string =>
  'ff534d42' + u8(cmd) + '00000000' + u8(reply ? 0x98 : 0x18) + le16(flags2) + '0000' + '0000000000000000' + '0000' + 'ffff' + 'feff' + '0000' + '0100' +
  u8(words.length / 4) + words + le16(bytes.length / 2) + bytes;
const smb2 = (cmd: number, response: boolean, body: string): string =>
  'fe534d42' + '4000' + '0000' + '00000000' + le16(cmd) + '0100' + le32(response ? 1 : 0) + '00000000' + '0000000000000000' + '00000000' + '00000000' + '0000000000000000' + '00000000000000000000000000000000' + body;

const SMB1_NEGOTIATE = smb1(0x72, false, '', ['PC NETWORK PROGRAM 1.0', 'LANMAN1.0', 'NT LM 0.12'].map((d) => '02' + ascii(d) + '00').join(''));
const SMB1_NEGOTIATE_REPLY = smb1(0x72, true, le16(2) + '03' + '3200' + '0100' + le32(0x10000) + le32(0x10000) + le32(0) + le32(0x80f3fd) + '0000000000000000' + '0000' + '08', '1122334455667788');
/** Tree Connect AndX: AndX none, flags, password length 1; password NUL, pad, path (UTF-16), service. */
const SMB1_TREE_CONNECT = smb1(0x75, false, 'ff00' + '0000' + '0800' + '0100', '00' + utf16('\\\\PACS01\\IMAGES') + '0000' + ascii('?????') + '00');
/** Session Setup AndX (NT LM 0.12 extended security, empty blob) with a Tree Connect AndX chained behind it. */
const SMB1_SESSION_SETUP_CHAINED = (() => {
  const tree = '04' + 'ff00' + '0000' + '0800' + '0100' + le16(1 + 1 + utf16('\\\\HIS\\IPC$').length / 2 + 2 + 6) + '00' + '00' + utf16('\\\\HIS\\IPC$') + '0000' + ascii('IPC') + '00' + '0000';
  const head = smb1(0x73, false, '75' + '00' + 'XXXX' + 'ffff' + '0200' + '0000' + '00000000' + '0000' + '00000000' + '00000000', '');
  const offset = head.length / 2;
  return head.replace('XXXX', le16(offset)) + tree;
})();
const SMB2_NEGOTIATE = smb2(0, false, le16(36) + le16(5) + '0100' + '0000' + le32(0x7f) + '00'.repeat(16) + '0000000000000000' + [0x0202, 0x0210, 0x0300, 0x0302, 0x0311].map(le16).join(''));
const SMB2_NEGOTIATE_RESPONSE = smb2(0, true, le16(65) + '0100' + le16(0x0302) + '0000' + '00'.repeat(16) + le32(0x2f) + le32(0x800000) + le32(0x800000) + le32(0x800000) + '00'.repeat(16) + le16(128) + le16(0) + '00000000');
const SMB2_TREE_CONNECT = smb2(3, false, le16(9) + '0000' + le16(72) + le16(utf16('\\\\srv\\share').length / 2) + utf16('\\\\srv\\share'));
const SMB2_ENCRYPTED = 'fd534d42' + '00'.repeat(48) + 'deadbeef';

const vectors: ConformanceVector[] = [
  tcp('zeek raw_ntlm_in_smb: SMB1 negotiate, NTLMSSP session setup, tree connect', 445, RAW_NTLM, [
    fact(0, 'smb.dialects_offered', ['NT LM 0.12', 'SMB 2.002', 'SMB 2.???']),
    fact(1, 'smb.dialect', 'NT LM 0.12'),
    fact(1, 'smb.v1', true),
    fact(0, 'smb.v1', true),
    fact(1, 'smb.ntlm.nb_domain', 'TEST-F7DFBC3FE9'),
    fact(1, 'smb.ntlm.nb_computer', 'TEST-F7DFBC3FE9'),
    fact(1, 'smb.ntlm.dns_domain', 'test-f7dfbc3fe9'),
    fact(1, 'smb.ntlm.dns_computer', 'test-f7dfbc3fe9'),
    fact(1, 'smb.ntlm.os_version', '5.1.2600'),
    fact(0, 'smb.ntlm.domain', 'TEST-F7DFBC3FE9'),
    fact(0, 'smb.ntlm.user_seen', true),
    fact(0, 'smb.ntlm.workstation', 'BABYBOOK'),
    fact(0, 'smb.ntlm.os_version', '6.1.7600'),
    fact(0, 'smb.share', '\\\\192.168.56.101\\IPC$'),
  ]),
  tcp('zeek smb3: SMB 3.0 negotiate, NTLMSSP, tree connect', 445, SMB3, [
    fact(0, 'smb.dialects_offered', ['3.0']),
    fact(1, 'smb.dialect', '3.0'),
    fact(1, 'smb.ntlm.nb_domain', 'SUSE'),
    fact(1, 'smb.ntlm.nb_computer', 'WS2016'),
    fact(1, 'smb.ntlm.dns_domain', 'suse.de'),
    fact(1, 'smb.ntlm.dns_computer', 'WS2016.suse.de'),
    fact(1, 'smb.ntlm.dns_tree', 'suse.de'),
    fact(1, 'smb.ntlm.os_version', '10.0.14393'),
    fact(0, 'smb.ntlm.domain', 'SUSE'),
    fact(0, 'smb.ntlm.user_seen', true),
    fact(0, 'smb.share', '\\\\WS2016\\encrypted'),
  ]),
  tcp('zeek smb311: SMB 3.1.1 negotiate, NTLMSSP without domain', 445, SMB311, [
    fact(0, 'smb.dialects_offered', ['3.1.1']),
    fact(1, 'smb.dialect', '3.1.1'),
    fact(1, 'smb.ntlm.nb_domain', 'FOO'),
    fact(1, 'smb.ntlm.nb_computer', 'AD'),
    fact(1, 'smb.ntlm.dns_domain', 'foo.test'),
    fact(1, 'smb.ntlm.dns_computer', 'AD.foo.test'),
    fact(1, 'smb.ntlm.dns_tree', 'foo.test'),
    fact(1, 'smb.ntlm.os_version', '10.0.14393'),
    fact(0, 'smb.ntlm.user_seen', true),
  ]),
  tcp(
    'built: NetBIOS on 139 (session request, keep-alive), SMB1 negotiate, unicode tree connect after a 12000-octet message',
    139,
    [
      [0, '81000044' + '20' + '43'.repeat(32) + '00' + '20' + '43'.repeat(32) + '00'],
      [1, '82000000'],
      [0, '85000000' + nb(SMB1_NEGOTIATE)],
      [1, nb(SMB1_NEGOTIATE_REPLY)],
      [0, '00' + '002ee0' + 'ff534d422f' + '00'.repeat(11995) + nb(SMB1_TREE_CONNECT) + nb(SMB1_SESSION_SETUP_CHAINED)],
    ],
    [
      fact(0, 'smb.dialects_offered', ['PC NETWORK PROGRAM 1.0', 'LANMAN1.0', 'NT LM 0.12']),
      fact(1, 'smb.dialect', 'NT LM 0.12'),
      fact(1, 'smb.v1', true),
      fact(0, 'smb.v1', true),
      fact(0, 'smb.share', '\\\\PACS01\\IMAGES'),
      fact(0, 'smb.share', '\\\\HIS\\IPC$'),
    ],
  ),
  tcp('built: SMB2 negotiate of five dialects, tree connect, then an encrypted message', 445, [[0, nb(SMB2_NEGOTIATE)], [1, nb(SMB2_NEGOTIATE_RESPONSE)], [0, nb(SMB2_TREE_CONNECT) + nb(SMB2_ENCRYPTED)]], [
    fact(0, 'smb.dialects_offered', ['2.0.2', '2.1', '3.0', '3.0.2', '3.1.1']),
    fact(1, 'smb.dialect', '3.0.2'),
    fact(0, 'smb.share', '\\\\srv\\share'),
  ]),
  tcp('built: not SMB (HTTP on 445; a NetBIOS message that is not SMB)', 445, [[0, ascii('GET / HTTP/1.1\r\n\r\n')], [1, nb('00112233445566778899') + nb(SMB2_NEGOTIATE_RESPONSE)]], []),
];

// Vectors from captures that may not be copied: read at run time from ../shared when it and tshark exist.
const skipWhy = captureSkipReason('smb.test');
if (!skipWhy && existsSync(new URL('general/ndpi/smbv1.pcap', SHARED))) {
  for (const flow of tcpFlows(new URL('general/ndpi/smbv1.pcap', SHARED).pathname, 'tcp.port == 445')) {
    vectors.push({ ...flow, name: `shared general/ndpi/smbv1.pcap stream ${flow.stream} (run time only)`, expected: [fact(0, 'smb.v1', true)], exact: false });
  }
}

const smb = new SmbDissector();
describeConformance(smb, vectors);

describe('SmbDissector', () => {
  it('claims TCP 445 and 139 with reassembly', () => {
    expect(smb.tcpPorts).toEqual([445, 139]);
    expect(smb.udpPorts).toEqual([]);
    expect(smb.reassemble).toBe(true);
  });

  it('names SMB2 dialects as text', () => {
    expect([0x0202, 0x0210, 0x0300, 0x0302, 0x0311, 0x02ff, 0x0abc].map(dialectText)).toEqual(['2.0.2', '2.1', '3.0', '3.0.2', '3.1.1', '2.???', '0x0abc']);
  });

  it('never emits the user name', () => {
    for (const vector of vectors) for (const f of feedWhole(smb, vector).facts) expect(String(f.value)).not.toMatch(/^(test|administrator)$/i);
  });

  it(`detaches after ${MAX_MESSAGES} messages`, () => {
    const many = nb(smb2(5, false, '3900')).repeat(MAX_MESSAGES + 10);
    const result = feedWhole(smb, { transport: 'tcp', originatorPort: 50000, responderPort: 445, segments: [{ dir: 0, bytes: hex(many) }, { dir: 0, bytes: hex(nb(SMB2_TREE_CONNECT)) }] });
    expect(result.done).toBe(true);
    expect(result.facts).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------------------
// Differential tests against tshark, per flow: every value tshark shows for a key is emitted (recall printed),
// nothing emitted is a value tshark does not show. Values after the session detaches are counted as missed.

const CAPTURES = [
  'general/zeek/smb/raw_ntlm_in_smb.pcap',
  'general/zeek/smb/smb1.pcap',
  'general/zeek/smb/smb2readwrite.pcap',
  'general/zeek/smb/smb3.pcap',
  'general/zeek/smb/smb311.pcap',
  'general/zeek/smb/dssetup_DsRoleGetPrimaryDomainInformation_standalone_workstation.cap',
  'general/ndpi/smbv1.pcap',
  'general/ndpi/smb_deletefile.pcap',
  'attacks/zeek/smb/SMBGhost.pcap',
];
const EXTRA = [
  'smb.flags.response',
  'smb.dialect',
  'smb.dialect.index',
  'smb.path',
  'smb2.flags.response',
  'smb2.dialect',
  'smb2.tree',
  'ntlmssp.challenge.target_info.nb_computer_name',
  'ntlmssp.challenge.target_info.nb_domain_name',
  'ntlmssp.challenge.target_info.dns_computer_name',
  'ntlmssp.challenge.target_info.dns_domain_name',
  'ntlmssp.auth.domain',
  'ntlmssp.auth.hostname',
  'ntlmssp.auth.username',
  'ntlmssp.version.major',
  'ntlmssp.version.minor',
  'ntlmssp.version.build_number',
  'smb.cmd',
];
const col = (row: string[], name: string): string[] => {
  const v = row[EXTRA.indexOf(name)];
  return v === undefined || v === '' ? [] : v.split(AGGREGATOR);
};
const isTrue = (v: string | undefined): boolean => v === 'True' || v === '1';
const real = (v: string): boolean => v !== '' && v !== 'NULL';

/** Per key, tshark's values for one flow (as a set; our facts are emitted once per flow and direction). */
function tsharkValues(rows: string[][]): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  const add = (key: string, value: string): void => {
    if (!out.has(key)) out.set(key, new Set());
    out.get(key)!.add(value);
  };
  let offered: string[] = [];
  for (const row of rows) {
    const smb1Reply = col(row, 'smb.flags.response').some(isTrue);
    const smb2Reply = col(row, 'smb2.flags.response').some(isTrue);
    const smb1Dialects = col(row, 'smb.dialect');
    if (smb1Dialects.length > 0 && !smb1Reply) {
      offered = smb1Dialects;
      add('smb.dialects_offered', smb1Dialects.join(','));
    }
    for (const index of col(row, 'smb.dialect.index')) if (offered[Number(index)] !== undefined) add('smb.dialect', offered[Number(index)]);
    const smb2Dialects = col(row, 'smb2.dialect').map((d) => dialectText(Number(d)));
    if (smb2Dialects.length > 0) add(smb2Reply ? 'smb.dialect' : 'smb.dialects_offered', smb2Dialects.join(','));
    if (!smb1Reply) for (const p of col(row, 'smb.path')) add('smb.share', p);
    if (!smb2Reply) for (const p of col(row, 'smb2.tree')) add('smb.share', p);
    for (const [field, key] of [
      ['ntlmssp.challenge.target_info.nb_computer_name', 'smb.ntlm.nb_computer'],
      ['ntlmssp.challenge.target_info.nb_domain_name', 'smb.ntlm.nb_domain'],
      ['ntlmssp.challenge.target_info.dns_computer_name', 'smb.ntlm.dns_computer'],
      ['ntlmssp.challenge.target_info.dns_domain_name', 'smb.ntlm.dns_domain'],
      ['ntlmssp.auth.domain', 'smb.ntlm.domain'],
      ['ntlmssp.auth.hostname', 'smb.ntlm.workstation'],
    ] as const) {
      for (const v of col(row, field)) if (real(v)) add(key, v);
    }
    if (col(row, 'ntlmssp.auth.username').some(real)) add('smb.ntlm.user_seen', 'true');
    const major = col(row, 'ntlmssp.version.major');
    const minor = col(row, 'ntlmssp.version.minor');
    const build = col(row, 'ntlmssp.version.build_number');
    major.forEach((m, i) => {
      if (m !== '0' || minor[i] !== '0' || build[i] !== '0') add('smb.ntlm.os_version', `${m}.${minor[i]}.${build[i]}`);
    });
  }
  return out;
}

const KEYS = [
  'smb.dialects_offered',
  'smb.dialect',
  'smb.share',
  'smb.ntlm.nb_computer',
  'smb.ntlm.nb_domain',
  'smb.ntlm.dns_computer',
  'smb.ntlm.dns_domain',
  'smb.ntlm.domain',
  'smb.ntlm.workstation',
  'smb.ntlm.user_seen',
  'smb.ntlm.os_version',
];

describe.skipIf(skipWhy !== '')('SMB against tshark', () => {
  it(`per flow, tshark's values are emitted and nothing emitted contradicts them (${CAPTURES.length} captures)`, () => {
    const stats = new Map(KEYS.map((k) => [k, { expected: 0, found: 0, emitted: 0, contradicting: [] as string[], missing: [] as string[] }]));
    let flows = 0;
    for (const capture of CAPTURES) {
      if (!existsSync(new URL(capture, SHARED))) continue;
      for (const flow of tcpFlows(new URL(capture, SHARED).pathname, 'tcp.port == 445 || tcp.port == 139', EXTRA)) {
        flows++;
        const facts = feedWhole(smb, flow).facts;
        const theirs = tsharkValues(flow.rows);
        for (const key of KEYS) {
          const st = stats.get(key)!;
          const t = theirs.get(key) ?? new Set<string>();
          const ours = new Set(facts.filter((f) => f.key === key).map((f) => (Array.isArray(f.value) ? f.value.join(',') : String(f.value))));
          st.expected += t.size;
          st.emitted += ours.size;
          for (const v of t) {
            if (ours.has(v)) st.found++;
            else st.missing.push(`${capture} stream ${flow.stream}: ${v}`);
          }
          for (const v of ours) if (!t.has(v)) st.contradicting.push(`${capture} stream ${flow.stream}: ${v}`);
        }
        // smb.v1 whenever tshark saw SMB1 commands other than Negotiate.
        const v1 = flow.rows.some((row) => col(row, 'smb.cmd').some((c) => c !== '0x72' && c !== '114'));
        if (v1) expect(facts.some((f) => f.key === 'smb.v1'), `${capture} stream ${flow.stream}: smb.v1`).toBe(true);
      }
    }
    const lines = [...stats].map(([key, st]) => {
      const recall = st.expected === 0 ? 'n/a' : `${((100 * st.found) / st.expected).toFixed(1)}%`;
      return `${key}: tshark ${st.expected}, found ${st.found} (recall ${recall}), emitted ${st.emitted}, contradicting ${st.contradicting.length}${st.missing.length ? ` missing e.g. ${st.missing.slice(0, 2).join('; ')}` : ''}`;
    });
    console.info(`SMB vs tshark (${flows} flows):\n  ${lines.join('\n  ')}`);
    for (const [key, st] of stats) expect(st.contradicting.slice(0, 5), `${key}: values emitted that tshark does not show`).toEqual([]);
  });

  it('NTLMSSP over HTTP (Malcolm NTLM.pcap): domain and workstation of AUTHENTICATE, versions', () => {
    const capture = 'general/malcolm/NTLM.pcap';
    if (!existsSync(new URL(capture, SHARED))) return;
    const rows = tsharkRows(capture, 'ntlmssp && http.authorization', ['http.authorization', 'ntlmssp.auth.domain', 'ntlmssp.auth.hostname', 'ntlmssp.version.major', 'ntlmssp.version.minor', 'ntlmssp.version.build_number']);
    let expected = 0;
    let found = 0;
    for (const [auth, domain, host, major, minor, build] of rows) {
      const blob = Buffer.from(auth.replace(/^NTLM /, ''), 'base64');
      const facts = new Map<string, string>();
      parseNtlmssp(blob, 0, blob.length, (key, value) => facts.set(key, String(value)));
      for (const [key, v] of [['smb.ntlm.domain', domain], ['smb.ntlm.workstation', host], ['smb.ntlm.os_version', major ? `${major}.${minor}.${build}` : '']] as const) {
        if (!v || v === 'NULL') continue;
        expected++;
        if (facts.get(key) === v) found++;
      }
    }
    console.info(`NTLMSSP (HTTP) vs tshark: ${rows.length} messages, ${expected} values, found ${found}`);
    expect(found).toBe(expected);
  });
});
