import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FingerprintRules, type Fact, type RuleHit } from '../../src/inventory/fingerprint-rules.js';

const FINGERBANK = join(import.meta.dirname, '../../../shared/knowledge/fingerprints/fingerbank/dhcp_fingerprints.conf');
const CAPTURES = join(import.meta.dirname, '../../../shared/captures');
const HAVE_TSHARK = spawnSync('tshark', ['-v'], { stdio: 'ignore' }).status === 0;
/** Captures in ../shared with DHCP clients that send a vendor class or a parameter request list. */
const DHCP_CAPTURES = [
  'discovery/ndpi/android.pcap',
  'discovery/ndpi/iphone.pcap',
  'discovery/malcolm/DHCP.pcap',
  'discovery/chrissanders/dhcp_nolease_initialization.pcapng',
  'discovery/zeek/dhcp/dhcp_time_and_nameserver.pcap',
  'discovery/zeek/dhcp/dhcp_discover_param_req_and_client_id.pcap',
  'discovery/zeek/dhcp/hw-type0.pcap',
];

let dir: string;
let fileCount = 0;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'vigil-rules-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A rule file of its own in a fresh folder. */
function ruleFile(content: unknown, ext = 'json'): string {
  const file = join(dir, `rules-${++fileCount}.${ext}`);
  writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
  return file;
}

function rules(...list: unknown[]): FingerprintRules {
  return FingerprintRules.fromFiles([ruleFile({ rules: list })]);
}

const base = { confidence: 0.5, source: 'test' };
const values = (hits: RuleHit[], attribute: string) => hits.filter((h) => h.attribute === attribute).map((h) => h.value);

describe('FingerprintRules.match semantics', () => {
  it('matches regexes case-insensitively unless "case": true, and substitutes capture groups', () => {
    const r = rules(
      { id: 'ci', when: [{ key: 'http.server', match: '^acme/(\\d+)\\.(\\d+)' }], then: { firmware: 'Acme $1.$2' }, ...base },
      { id: 'cs', when: [{ key: 'http.server', match: '^ACME', case: true }], then: { vendor: 'Acme' }, ...base },
    );
    expect(values(r.match([{ key: 'http.server', value: 'ACME/2.7 (linux)' }]), 'firmware')).toEqual(['Acme 2.7']);
    expect(values(r.match([{ key: 'http.server', value: 'ACME/2.7' }]), 'vendor')).toEqual(['Acme']);
    expect(values(r.match([{ key: 'http.server', value: 'acme/2.7' }]), 'vendor')).toEqual([]);
  });

  it('supports equals, contains and prefix, on strings, numbers, booleans and lists', () => {
    const r = rules(
      { id: 'eq', when: [{ key: 'dhcp.vendor_class', equals: 'MSFT 5.0' }], then: { os: 'Windows' }, ...base },
      { id: 'has', when: [{ key: 'tls.cert.issuer', contains: 'o=example' }], then: { vendor: 'Example' }, ...base },
      { id: 'pre', when: [{ key: 'snmp.sysobjectid', prefix: '1.3.6.1.4.1.9.' }], then: { vendor: 'Cisco' }, ...base },
      { id: 'num', when: [{ key: 'http.status', equals: '401' }], then: { role: 'web-server' }, ...base },
      { id: 'bool', when: [{ key: 'smb.v1', equals: 'true' }], then: { os: 'old Windows' }, ...base },
      { id: 'list', when: [{ key: 'tls.alpn', equals: 'h2' }], then: { model: 'h2 client' }, ...base },
      { id: 'joined', when: [{ key: 'dhcp.param_request_list', equals: '1,3,6' }], then: { os: 'Tiny' }, ...base },
      { id: 'element', when: [{ key: 'tls.cert.san', match: '^pacs\\d+\\.' }], then: { role: 'pacs' }, ...base },
    );
    const hits = r.match([
      { key: 'dhcp.vendor_class', value: 'msft 5.0' },
      { key: 'tls.cert.issuer', value: 'C=US, O=Example, CN=ca' },
      { key: 'snmp.sysobjectid', value: '1.3.6.1.4.1.9.1.1208' },
      { key: 'http.status', value: 401 },
      { key: 'smb.v1', value: true },
      { key: 'tls.alpn', value: ['h2', 'http/1.1'] },
      { key: 'dhcp.param_request_list', value: [1, 3, 6] },
      { key: 'tls.cert.san', value: ['www.example', 'pacs01.example'] },
    ]);
    expect(hits.map((h) => h.rule).sort()).toEqual(['bool', 'element', 'eq', 'has', 'joined', 'list', 'num', 'pre']);
    // A prefix is not a substring, a joined list is not an element match.
    expect(r.match([{ key: 'snmp.sysobjectid', value: '1.3.6.1.4.1.99.1' }])).toEqual([]);
    expect(r.match([{ key: 'dhcp.param_request_list', value: [1, 3, 6, 15] }])).toEqual([]);
    expect(r.match([{ key: 'tls.alpn', value: ['h2c'] }])).toEqual([]);
  });

  it('needs every condition, refers to other conditions with ${c.n}, and keeps the evidence', () => {
    const r = rules({
      id: 'pair',
      when: [
        { key: 'dicom.manufacturer', match: '^(\\w+)' },
        { key: 'dicom.model', match: '^(\\w+) (\\w+)' },
      ],
      then: { vendor: '$1', model: '${2.1}-${2.2}', firmware: '$$${1.0}' },
      ...base,
    });
    const facts: Fact[] = [
      { key: 'dicom.manufacturer', value: 'Acme Imaging' },
      { key: 'dicom.model', value: 'Scanner X9' },
      { key: 'http.server', value: 'unrelated' },
    ];
    const hits = r.match(facts);
    expect(hits.map((h) => [h.attribute, h.value])).toEqual([
      ['vendor', 'Acme'],
      ['model', 'Scanner-X9'],
      ['firmware', '$Acme'],
    ]);
    expect(hits[0].evidence).toEqual([facts[0], facts[1]]);
    expect(hits[0].confidence).toBe(0.5);
    expect(r.match([facts[0], facts[2]])).toEqual([]);
  });

  it('does not fire when an "unless" condition holds, and validates "unless" like "when"', () => {
    const r = rules({ id: 'stores-mr', when: [{ key: 'dicom.sop_class', match: '^mr image storage' }], unless: [{ key: 'dicom.relayed_modality', match: '.' }], then: { category: 'imaging-mr' }, ...base });
    expect(values(r.match([{ key: 'dicom.sop_class', value: 'MR Image Storage' }]), 'category')).toEqual(['imaging-mr']);
    expect(values(r.match([{ key: 'dicom.sop_class', value: 'MR Image Storage' }, { key: 'dicom.relayed_modality', value: 'MR' }]), 'category')).toEqual([]);
    expect(() => rules({ id: 'bad-unless', when: [{ key: 'a.b', equals: 'x' }], unless: [], then: { os: 'x' }, ...base })).toThrow('"unless" must be a list of 1 to');
    expect(() => rules({ id: 'bad-unless2', when: [{ key: 'a.b', equals: 'x' }], unless: [{ key: 'a.b' }], then: { os: 'x' }, ...base })).toThrow('unless[0]: needs exactly one of');
  });

  it('gives one hit per distinct value when several facts satisfy the first condition', () => {
    const r = rules({ id: 'ua', when: [{ key: 'http.user_agent', match: 'Android (\\d+)' }], then: { os: 'Android $1' }, ...base });
    const hits = r.match([
      { key: 'http.user_agent', value: 'Mozilla/5.0 (Linux; Android 13; SM-G991B)' },
      { key: 'http.user_agent', value: 'okhttp (Android 13)' },
      { key: 'http.user_agent', value: 'Dalvik/2.1.0 (Linux; U; Android 14)' },
    ]);
    expect(values(hits, 'os')).toEqual(['Android 13', 'Android 14']);
  });

  it('drops values whose every reference is empty, and tidies whitespace', () => {
    const r = rules({ id: 'opt', when: [{ key: 'dhcp.vendor_class', match: '^Phone ?(\\w*)\\s*(.*)$' }], then: { model: '$1', firmware: ' v $2 ' }, ...base });
    expect(r.match([{ key: 'dhcp.vendor_class', value: 'Phone' }])).toEqual([]);
    expect(r.match([{ key: 'dhcp.vendor_class', value: 'Phone X1   build  7' }]).map((h) => h.value)).toEqual(['X1', 'v build 7']);
  });

  it('never throws on hostile facts', () => {
    const r = rules({ id: 're', when: [{ key: 'http.user_agent', match: '^(a|b)+c$' }], then: { os: 'x' }, ...base });
    const long = 'a'.repeat(100_000) + '!';
    expect(r.match([{ key: 'http.user_agent', value: long }])).toEqual([]);
    expect(r.match([{ key: 'http.user_agent', value: [] }, { key: 'http.user_agent', value: [1, 2] }])).toEqual([]);
    expect(r.match([])).toEqual([]);
  });
});

describe('FingerprintRules loading', () => {
  const invalid: [string, unknown, RegExp][] = [
    ['unknown attribute', { id: 'r1', when: [{ key: 'a.b', equals: 'x' }], then: { colour: 'red' }, ...base }, /rule "r1": "then" sets unknown attribute "colour"/],
    ['bad regex', { id: 'r2', when: [{ key: 'a.b', match: '(' }], then: { os: 'x' }, ...base }, /rule "r2": when\[0\]: bad regular expression/],
    ['two operators', { id: 'r3', when: [{ key: 'a.b', equals: 'x', prefix: 'x' }], then: { os: 'x' }, ...base }, /rule "r3": when\[0\]: needs exactly one/],
    ['no source', { id: 'r4', when: [{ key: 'a.b', equals: 'x' }], then: { os: 'x' }, confidence: 0.5 }, /rule "r4": "source"/],
    ['confidence', { id: 'r5', when: [{ key: 'a.b', equals: 'x' }], then: { os: 'x' }, confidence: 1.5, source: 's' }, /rule "r5": "confidence"/],
    ['missing group', { id: 'r6', when: [{ key: 'a.b', match: '(x)' }], then: { os: '$2' }, ...base }, /rule "r6": then\.os: condition 1 has no capture group 2/],
    ['missing condition', { id: 'r7', when: [{ key: 'a.b', match: '(x)' }], then: { os: '${2.1}' }, ...base }, /rule "r7": then\.os: condition 2 does not exist/],
    ['unknown category', { id: 'r8', when: [{ key: 'a.b', equals: 'x' }], then: { category: 'toaster' }, ...base }, /rule "r8": category "toaster" is not in knowledge\/taxonomy\.json/],
    ['unknown role', { id: 'r9', when: [{ key: 'a.b', equals: 'x' }], then: { role: 'toaster' }, ...base }, /rule "r9": role "toaster"/],
    ['bad key', { id: 'r10', when: [{ key: 'NoDot', equals: 'x' }], then: { os: 'x' }, ...base }, /rule "r10": when\[0\]: "key"/],
    ['empty when', { id: 'r11', when: [], then: { os: 'x' }, ...base }, /rule "r11": "when"/],
    ['stray dollar', { id: 'r12', when: [{ key: 'a.b', equals: 'x' }], then: { os: 'US$ 5' }, ...base }, /rule "r12": then\.os: "\$" must start/],
    ['a catastrophic regex', { id: 'r14', when: [{ key: 'a.b', match: '^(\\w+)+$' }], then: { os: 'x' }, ...base }, /rule "r14": when\[0\]: nested quantifier/],
    ['unknown field', { id: 'r13', when: [{ key: 'a.b', equals: 'x' }], then: { os: 'x' }, ...base, priority: 1 }, /rule "r13": unknown field "priority"/],
  ];
  for (const [what, rule, message] of invalid) {
    it(`rejects a rule with ${what}, naming file and rule`, () => {
      const file = ruleFile({ rules: [{ id: 'fine', when: [{ key: 'a.b', equals: 'y' }], then: { os: 'y' }, ...base }, rule] });
      let error: Error | null = null;
      try {
        FingerprintRules.fromFiles([file]);
      } catch (e) {
        error = e as Error;
      }
      expect(error?.message).toContain(file);
      expect(error?.message).toMatch(message);
    });
  }

  it('rejects a duplicate id across files and an unparsable YAML file', () => {
    const a = ruleFile({ rules: [{ id: 'same', when: [{ key: 'a.b', equals: 'x' }], then: { os: 'x' }, ...base }] });
    const b = ruleFile({ rules: [{ id: 'same', when: [{ key: 'a.b', equals: 'y' }], then: { os: 'y' }, ...base }] });
    expect(() => FingerprintRules.fromFiles([a, b])).toThrow(`${b}: rule "same": duplicate id (also in ${a})`);
    const yaml = ruleFile('rules:\n  - id: broken\n    when: [ { key: a.b, equals: x }\n', 'yaml');
    expect(() => FingerprintRules.fromFiles([yaml])).toThrow(yaml);
  });

  it('reads YAML rule files like JSON ones', () => {
    const yaml = ruleFile(
      [
        'rules:',
        '  - id: yaml-rule',
        '    when:',
        '      - key: ssh.software',
        "        match: '^OpenSSH_(\\d+\\.\\d+)'",
        "    then: { firmware: 'OpenSSH $1' }",
        '    confidence: 0.4',
        '    source: test',
      ].join('\n'),
      'yml',
    );
    const hits = FingerprintRules.fromFiles([yaml]).match([{ key: 'ssh.software', value: 'OpenSSH_9.6p1' }]);
    expect(hits).toEqual([{ rule: 'yaml-rule', attribute: 'firmware', value: 'OpenSSH 9.6', confidence: 0.4, evidence: [{ key: 'ssh.software', value: 'OpenSSH_9.6p1' }] }]);
  });

  it('loads user folders after the bundled rules, and fails on a bad user file naming it', () => {
    const bundled = FingerprintRules.load();
    const good = mkdtempSync(join(dir, 'user-'));
    writeFileSync(join(good, 'site.yaml'), 'rules:\n  - id: site-nurse-call\n    when: [ { key: http.server, prefix: "NurseCall/" } ]\n    then: { category: iot }\n    confidence: 0.9\n    source: our own nurse-call gateway\n');
    writeFileSync(join(good, 'notes.txt'), 'not a rule file');
    const withUser = FingerprintRules.load([good]);
    expect(withUser.size).toBe(bundled.size + 1);
    expect(values(withUser.match([{ key: 'http.server', value: 'NurseCall/2.1' }]), 'category')).toEqual(['iot']);

    const bad = mkdtempSync(join(dir, 'user-'));
    writeFileSync(join(bad, 'site.json'), JSON.stringify({ rules: [{ id: 'dicom-dcmtk-version', when: [{ key: 'a.b', equals: 'x' }], then: { os: 'x' }, ...base }] }));
    expect(() => FingerprintRules.load([bad])).toThrow(`${join(bad, 'site.json')}: rule "dicom-dcmtk-version": duplicate id`);
    expect(() => FingerprintRules.load([join(dir, 'no-such-folder')])).toThrow('no-such-folder');
  });
});

describe('bundled rules on real-world facts', () => {
  let bundled: FingerprintRules;
  beforeAll(() => {
    bundled = FingerprintRules.load();
  });
  const got = (facts: Fact[], attribute: string) => values(bundled.match(facts), attribute);

  it('reads DICOM implementation identifiers (dcmtk, pynetdicom, GDCM, dcm4che, vendor UID roots)', () => {
    expect(got([{ key: 'dicom.implementation_version', value: 'OFFIS_DCMTK_367' }], 'firmware')).toEqual(['DCMTK 3.6.7']);
    expect(got([{ key: 'dicom.implementation_class_uid', value: '1.2.276.0.7230010.3.0.3.6.7' }], 'firmware')).toEqual(['DCMTK 3.6.7']);
    // dcmtk 3.1.1 wrote dashes (pydicom's ExplVR_BigEnd.dcm).
    expect(got([{ key: 'dicom.implementation_version', value: 'OFFIS-DCMTK-311' }], 'firmware')).toEqual(['DCMTK 3.1.1']);
    // pynetdicom's own test vectors.
    expect(got([{ key: 'dicom.implementation_version', value: 'PYNETDICOM_140' }], 'firmware')).toEqual(['pynetdicom 1.4.0']);
    expect(got([{ key: 'dicom.implementation_class_uid', value: '1.2.826.0.1.3680043.9.3811.1.4.0' }], 'firmware')).toEqual(['pynetdicom 1.4.0']);
    expect(got([{ key: 'dicom.implementation_version', value: 'GDCM 2.8.4' }], 'firmware')).toEqual(['GDCM 2.8.4']);
    expect(got([{ key: 'dicom.implementation_version', value: 'dcm4che-5.31.0' }], 'firmware')).toEqual(['dcm4che 5.31.0']);
    expect(got([{ key: 'dicom.implementation_version', value: 'MergeCOM3_410' }], 'firmware')).toEqual(['MergeCOM-3 4.1.0']);
    expect(got([{ key: 'dicom.implementation_version', value: 'fo-dicom 4.0.0' }], 'firmware')).toEqual(['fo-dicom 4.0.0']);
    expect(got([{ key: 'dicom.implementation_class_uid', value: '1.3.6.1.4.1.30071.8' }], 'firmware')).toEqual(['fo-dicom']);
    expect(got([{ key: 'dicom.implementation_class_uid', value: '1.2.840.113619.6.374' }], 'vendor')).toEqual(['GE Healthcare']);
    expect(got([{ key: 'dicom.implementation_class_uid', value: '1.3.12.2.1107.5.2' }], 'vendor')).toEqual(['Siemens Healthineers']);
    expect(got([{ key: 'dicom.implementation_class_uid', value: '1.2.3.18.133392880203' }], 'vendor')).toEqual([]);
  });

  it('reads DICOM attributes of real images (pydicom test files)', () => {
    const us: Fact[] = [
      { key: 'dicom.manufacturer', value: 'G.E. Medical Systems' },
      { key: 'dicom.model', value: 'LOGIQ 700' },
      { key: 'dicom.modality', value: 'US' },
    ];
    expect(new Set(got(us, 'vendor'))).toEqual(new Set(['GE Healthcare']));
    expect(new Set(got(us, 'category'))).toEqual(new Set(['imaging-us']));
    expect(got([{ key: 'dicom.manufacturer', value: 'TOSHIBA_MEC' }], 'vendor')).toEqual(['Canon Medical (Toshiba)']);
    expect(got([{ key: 'dicom.manufacturer', value: 'SIEMENS' }], 'vendor')).toEqual(['Siemens Healthineers']);
    expect(got([{ key: 'dicom.modality', value: 'MR' }], 'category')).toEqual(['imaging-mr']);
    expect(got([{ key: 'dicom.modality', value: 'PT' }], 'category')).toEqual(['imaging-nm']);
    expect(got([{ key: 'dicom.modality', value: 'SR' }], 'category')).toEqual([]);
  });

  it('reads DHCP vendor classes', () => {
    expect(got([{ key: 'dhcp.vendor_class', value: 'MSFT 5.0' }], 'os')).toContain('Windows');
    expect(got([{ key: 'dhcp.vendor_class', value: 'android-dhcp-13' }], 'os')).toEqual(['Android 13']);
    const pi = bundled.match([{ key: 'dhcp.vendor_class', value: 'dhcpcd-9.4.1:Linux-6.1.21-v8+:aarch64:BCM2835' }]);
    expect(values(pi, 'os')).toEqual(['Linux']);
    expect(values(pi, 'vendor')).toEqual(['Raspberry Pi']);
    const phone = bundled.match([{ key: 'dhcp.vendor_class', value: 'Cisco Systems, Inc. IP Phone CP-7960G' }]);
    expect(values(phone, 'model')).toEqual(['CP-7960G']);
    expect(new Set(values(phone, 'category'))).toEqual(new Set(['voip-phone']));
  });

  it('reads a Fingerbank option-55 fingerprint', () => {
    expect(got([{ key: 'dhcp.param_request_list', value: [1, 15, 3, 6, 44, 46, 47, 31, 33, 249, 43] }], 'os')).toEqual([
      'Microsoft Windows XP (Version 5.1, 5.2)',
    ]);
    expect(got([{ key: 'dhcp.param_request_list', value: [1, 15, 3, 6, 44, 46, 47, 31, 33, 249, 43, 99] }], 'os')).toEqual([]);
  });

  it.skipIf(!existsSync(FINGERBANK))('gives every unambiguous Fingerbank OS fingerprint its OS (read independently from ../shared)', () => {
    // Fingerbank OS entries of the operating-system classes (Windows 100-199, Mac 200-299, Linux 500-599),
    // minus the "Dead OSes" class's exceptions 102-106.
    const text = readFileSync(FINGERBANK, 'utf8');
    const owners = new Map<string, Set<string>>();
    for (const block of text.split(/\n(?=\[os )/)) {
      const head = /^\[os (\d+)\]\ndescription=(.*)/.exec(block);
      const fps = /fingerprints=<<EOT\n([\s\S]*?)EOT/.exec(block);
      if (!head || !fps) continue;
      const id = Number(head[1]);
      for (const fp of fps[1].split('\n').map((s) => s.trim()).filter(Boolean)) {
        if (!owners.has(fp)) owners.set(fp, new Set());
        owners.get(fp)!.add(`${id}|${head[2].trim()}`);
      }
    }
    let checked = 0;
    for (const [fp, set] of owners) {
      if (set.size !== 1) continue;
      const [idText, description] = [...set][0].split('|');
      const id = Number(idText);
      const osClass = (id >= 100 && id < 200 && !(id >= 102 && id <= 106)) || (id >= 200 && id < 300) || (id >= 500 && id < 600);
      if (!osClass || !/^\d+(,\d+)*$/.test(fp)) continue;
      expect(got([{ key: 'dhcp.param_request_list', value: fp.split(',').map(Number) }], 'os'), fp).toContain(description);
      checked++;
    }
    expect(checked).toBeGreaterThan(90);
  });

  it('reads other families: SNMP, SSH, HTTP, mDNS, host names, services, lab and monitors', () => {
    expect(got([{ key: 'snmp.sysdescr', value: 'Cisco IOS Software, C2960 Software (C2960-LANBASEK9-M), Version 12.2(50)SE5, RELEASE SOFTWARE (fc1)' }], 'firmware')).toEqual(['IOS 12.2(50)SE5']);
    expect(got([{ key: 'snmp.sysobjectid', value: '1.3.6.1.4.1.9.1.1208' }], 'vendor')).toEqual(['Cisco']);
    expect(got([{ key: 'ssh.banner', value: 'SSH-2.0-OpenSSH_9.6p1 Ubuntu-3ubuntu13' }], 'os')).toEqual(['Ubuntu Linux']);
    expect(got([{ key: 'http.user_agent', value: 'Mozilla/5.0 (Windows NT 6.1; WOW64; Trident/7.0; rv:11.0) like Gecko' }], 'os')).toEqual(['Windows 7']);
    expect(got([{ key: 'http.user_agent', value: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15' }], 'os')).toContain('iOS 17.4');
    expect(got([{ key: 'mdns.txt', value: 'ward\\0323\\032mac._device-info._tcp.local model=MacBookPro18,3' }], 'model')).toEqual(['MacBookPro18,3']);
    expect(got([{ key: 'ssdp.server', value: 'Linux/3.14 UPnP/1.0 IpBridge/1.60.0' }], 'firmware')).toEqual(['IpBridge 1.60.0']);
    expect(got([{ key: 'dhcp.hostname', value: 'DESKTOP-4F2K9QZ' }], 'os')).toEqual(['Windows']);
    expect(got([{ key: 'nbns.group', value: 'STALDHELM<1c>' }], 'role')).toEqual(['domain-controller']);
    const printer = [{ key: 'service.listen', value: 'tcp/9100' }, { key: 'service.listen', value: 'tcp/631' }];
    expect(got(printer, 'category')).toEqual(['printer']);
    expect(got(printer.slice(0, 1), 'category')).toEqual([]);
    expect(got([{ key: 'astm.sender_name', value: 'XN-1000' }], 'vendor')).toEqual(['Sysmex']);
    expect(got([{ key: 'intellivue.model', value: 'M8007A' }], 'model')).toEqual(['IntelliVue MP70']);
    expect(got([{ key: 'hl7.sending_application', value: 'Epic^1.2.840.114350.1.13.145.2.7.2.695071^ISO' }], 'vendor')).toContain('Epic');
  });

  it('reads phones, printers and access points from what they send over HTTP and DHCP', () => {
    const vvx = bundled.match([{ key: 'http.user_agent', value: 'FileTransport PolycomVVX-VVX_500-UA/5.9.7.47435 Type/Application' }]);
    expect(values(vvx, 'model')).toEqual(['VVX 500']);
    expect(values(vvx, 'firmware')).toEqual(['UC Software 5.9.7.47435']);
    const hp = bundled.match([{ key: 'http.server', value: 'HP HTTP Server; HP HP Officejet Pro 8610 - A7F64A; Serial Number: CN00A0B0C1; Built:Fri Jan 09, 2015 04:48:51PM {FDP1CN1502AR}' }]);
    expect(values(hp, 'model')).toEqual(['HP Officejet Pro 8610']);
    expect(values(hp, 'serial')).toEqual(['CN00A0B0C1']);
    expect(new Set(values(hp, 'category'))).toEqual(new Set(['printer']));
    expect(got([{ key: 'http.server', value: 'HP HTTP Server; HP LaserJet MFP E57540' }], 'model')).toEqual(['HP LaserJet MFP E57540']);
    const ap = bundled.match([{ key: 'dhcp.vendor_class', value: 'Cisco AP c1240' }]);
    expect(values(ap, 'model')).toEqual(['Aironet 1240']);
    expect(values(ap, 'role')).toEqual(['wireless-access-point']);
  });

  it.skipIf(!existsSync(CAPTURES) || !HAVE_TSHARK)('never contradicts itself on real DHCP clients (facts read by tshark from ../shared)', () => {
    // An OS family per hit; Android is a Linux.
    const family = (os: string): string =>
      /windows/i.test(os) ? 'windows' : /mac ?os|ios|iphone|ipad|apple/i.test(os) ? 'apple' : /android|linux|debian|ubuntu|fedora|red ?hat|suse|gentoo|raspberry/i.test(os) ? 'linux' : `other:${os}`;
    let clients = 0;
    let withOs = 0;
    for (const capture of DHCP_CAPTURES) {
      const out = execFileSync(
        'tshark',
        ['-r', join(CAPTURES, capture), '-Y', 'dhcp.option.dhcp == 1 || dhcp.option.dhcp == 3 || dhcp.option.dhcp == 8', '-T', 'fields',
          '-e', 'dhcp.option.vendor_class_id', '-e', 'dhcp.option.request_list_item', '-E', 'occurrence=a', '-E', 'aggregator=,'],
        { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] },
      );
      for (const line of new Set(out.split('\n').filter((l) => l.trim() !== ''))) {
        const [vendorClass, list] = line.split('\t');
        const facts: Fact[] = [];
        if (vendorClass) facts.push({ key: 'dhcp.vendor_class', value: vendorClass });
        if (list) facts.push({ key: 'dhcp.param_request_list', value: list.split(',').map(Number) });
        clients++;
        const oses = got(facts, 'os');
        if (oses.length > 0) withOs++;
        expect(new Set(oses.map(family)).size, `${capture}: ${line} -> ${oses.join('; ')}`).toBeLessThanOrEqual(1);
      }
    }
    expect(clients).toBeGreaterThan(8);
    // The Android phone and the Raspberry Pi name their OS in the vendor class; Debian's dhclient is in Fingerbank.
    expect(withOs).toBeGreaterThanOrEqual(3);
  });

  it('reads printers from what they answer over PJL and IPP, and tells CUPS servers apart', () => {
    const pjl = bundled.match([{ key: 'pjl.model', value: 'HP LaserJet 4250' }]);
    expect(values(pjl, 'vendor')).toEqual(['HP']);
    expect(values(pjl, 'category')).toEqual(['printer']);
    const brother = bundled.match([{ key: 'ipp.printer_make_and_model', value: 'Brother HL-L2350DW series' }, { key: 'ipp.server', value: 'nginx' }]);
    expect(values(brother, 'vendor')).toEqual(['Brother']);
    expect(values(brother, 'role')).toEqual(['printer']);
    // ippeveprinter (CUPS' IPP Everywhere printer) as recorded in test/fixtures/printing/ipp.pcap: a printer.
    expect(got([{ key: 'ipp.printer_make_and_model', value: 'Example LaserJet 4250' }, { key: 'ipp.server', value: 'CUPS/2.4.2' }], 'role')).toEqual(['printer']);
    // cupsd: its make-and-model is a queue's driver, not the host.
    const cups = bundled.match([{ key: 'ipp.printer_make_and_model', value: 'HP LaserJet 4250 Postscript (recommended)' }, { key: 'ipp.server', value: 'CUPS/2.4 IPP/2.1' }]);
    expect(values(cups, 'role')).toEqual(['print-server']);
    expect(values(cups, 'vendor')).toEqual([]);
  });

  it('finds nothing in facts no rule is about', () => {
    expect(
      bundled.match([
        { key: 'dns.query', value: 'upload.wikimedia.org' },
        { key: 'ntp.stratum', value: 2 },
        { key: 'http.user_agent', value: 'curl/8.5.0' },
        { key: 'dhcp.vendor_class', value: 'ACME 1.0' },
      ]),
    ).toEqual([]);
  });
});
