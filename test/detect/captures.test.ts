// Every capture of ../shared/captures/attacks and the detections it must raise; the benign captures of
// ../shared/captures/{discovery,general,medical} raise nothing above low except where noted with the evidence.
// ../shared's captures are third-party (Chris Sanders' collection, nDPI's and Zeek's test suites; see
// ../shared/PROVENANCE.jsonl): read at run time, never copied.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { severityRank } from '../../src/detect/alert.js';
import { detect } from './run-detection.js';

const SHARED = fileURLToPath(new URL('../../../shared/captures/', import.meta.url));
const haveShared = existsSync(SHARED);
const IOC_EXAMPLES = fileURLToPath(new URL('../../knowledge/detect/ioc-examples.csv', import.meta.url));

/** capture → detection ids it must raise; [] with a reason where the capture is not an attack we detect. */
const ATTACKS: Record<string, { expect: string[]; why?: string }> = {
  'chrissanders/activeosfingerprinting.pcapng': { expect: ['scan.tcp-flags', 'scan.tool-signature'] },
  'chrissanders/arp_gratuitous.pcapng': { expect: [], why: 'one gratuitous ARP announcing the sender\'s own address: normal' },
  'chrissanders/arp_resolution.pcapng': { expect: [], why: 'an ordinary ARP request and reply' },
  'chrissanders/arppoison.pcapng': { expect: ['arp.spoofing'] },
  'chrissanders/http_dvwa_directorytraversal.pcapng': { expect: ['web.attack'] },
  'chrissanders/http_dvwa_sqlinjection.pcapng': { expect: ['web.attack'] },
  'chrissanders/passiveosfingerprinting.pcapng': { expect: [], why: 'one ordinary HTTP connection (fingerprinted passively)' },
  'chrissanders/sessionhijacking.pcapng': { expect: [], why: 'NOT DETECTED: a stolen session cookie replayed from another host; needs cookie tracking' },
  'chrissanders/synscan.pcapng': { expect: ['scan.vertical'] },
  'chrissanders/tcp_ports.pcapng': { expect: [], why: 'ordinary HTTP browsing on several source ports' },
  'ndpi/WebattackRCE.pcap': { expect: ['web.attack'] },
  'ndpi/WebattackSQLinj.pcap': { expect: ['web.attack'] },
  'ndpi/dos_win98_smb_netbeui.pcap': { expect: [], why: 'NOT DETECTED: a NetBEUI/NetBIOS denial of service against Windows 98 (46 NBNS datagrams, no rule)' },
  'ndpi/log4j-webapp-exploit.pcap': { expect: ['web.attack'] },
  'ndpi/synscan.pcap': { expect: ['scan.vertical'] },
  'ndpi/tcp_scan.pcapng': { expect: ['scan.vertical', 'scan.tcp-flags'] },
  'zeek/arp-leak.pcap': { expect: [], why: 'malformed ARP replies (Zeek parser test): no address claims that conflict' },
  'zeek/dhcp/dhcp_flood.pcap': { expect: ['dhcp.starvation'] },
  'zeek/ftp/bruteforce.pcap': { expect: ['bruteforce.login', 'cleartext.credentials'] },
  'zeek/http/cooper-grill-dvwa.pcapng': { expect: ['web.attack'] },
  'zeek/http/testmyids.pcap': { expect: ['ioc.match'], why: 'with knowledge/detect/ioc-examples.csv imported' },
  'zeek/nmap-vsn.pcap': { expect: ['scan.horizontal'] },
  'zeek/rfb/vnc-scanner.pcap': { expect: ['remote-access.new'] },
  'zeek/smb/SMBGhost.pcap': { expect: ['smb.ghost'] },
  'zeek/ssh/sshguess.pcap': { expect: ['bruteforce.login'] },
  'zeek/tls/heartbleed-success.pcap': { expect: ['tls.heartbleed'] },
  'zeek/tls/heartbleed.pcap': { expect: ['tls.heartbleed'] },
};

/** Benign captures that legitimately contain something worth more than low, with the evidence. */
const BENIGN_EXCEPTIONS: Record<string, { rules: string[]; why: string }> = {
  // A compilation of DHCP exchanges from unrelated networks: two servers (192.168.1.5, 192.168.1.1) hand out
  // 192.168.1.0/24 addresses within a day of each other, which on one site is exactly a rogue server.
  'discovery/malcolm/DHCP.pcap': { rules: ['dhcp.rogue-server'], why: 'merged captures of several networks' },
  // 2017-04-14 (the Shadow Brokers leak): the classic SMB1 dialect list, a Tree Connect to IPC$ and a Trans2
  // SESSION_SETUP (0x000e): a DoublePulsar check, not ordinary SMBv1.
  'general/ndpi/smbv1.pcap': { rules: ['smb.v1-exploit'], why: 'a DoublePulsar scan' },
  // Real AnyDesk and TeamViewer sessions: remote control, which the rule is for.
  'general/ndpi/anydesk.pcapng': { rules: ['remote-access.new'], why: 'AnyDesk sessions' },
  'general/ndpi/teamviewer.pcap': { rules: ['remote-access.new'], why: 'a TeamViewer session' },
};

function files(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? files(p) : [p];
  });
}

describe.skipIf(!haveShared)('attack captures raise their detections (../shared/captures/attacks)', () => {
  it('the table covers every attack capture', () => {
    const onDisk = files(join(SHARED, 'attacks')).map((p) => relative(join(SHARED, 'attacks'), p)).sort();
    expect(onDisk).toEqual(Object.keys(ATTACKS).sort());
  });
  for (const [capture, { expect: ids }] of Object.entries(ATTACKS)) {
    it(`${capture} → ${ids.join(', ') || 'nothing above low'}`, async () => {
      const r = await detect(join(SHARED, 'attacks', capture), { iocFiles: [IOC_EXAMPLES] });
      const raised = new Set(r.alerts.map((a) => a.rule));
      for (const id of ids) expect([...raised], `${capture} should raise ${id}`).toContain(id);
      if (ids.length === 0) expect(r.alerts.filter((a) => severityRank(a.severity) > severityRank('low')).map((a) => a.rule)).toEqual([]);
      // Alerts carry facts, never the request target, a password or a community string.
      for (const a of r.alerts) expect(JSON.stringify(a.evidence)).not.toMatch(/passw|union select|jndi:|\.\.\//i);
    }, 60_000);
  }
});

describe.skipIf(!haveShared)('benign captures raise nothing above low (../shared/captures/{discovery,general,medical})', () => {
  const benign = ['discovery', 'general', 'medical'].flatMap((d) => files(join(SHARED, d))).filter((p) => /\.(pcap|pcapng|cap)(\.gz)?$/.test(p));
  it('finds the benign captures', () => expect(benign.length).toBeGreaterThan(20));
  it('each raises at most low, except the documented exceptions', async () => {
    const unexpected: string[] = [];
    for (const path of benign) {
      const name = relative(SHARED, path);
      let r;
      try {
        r = await detect(path);
      } catch {
        continue; // not a capture we read (other tests cover the error); nothing to detect
      }
      const allowed = new Set(BENIGN_EXCEPTIONS[name]?.rules ?? []);
      for (const a of r.alerts) if (severityRank(a.severity) > severityRank('low') && !allowed.has(a.rule)) unexpected.push(`${name}: ${a.severity} ${a.rule} ${a.title}`);
    }
    expect(unexpected).toEqual([]);
  }, 300_000);
  it('the exceptions do raise what their comments say (the evidence is real)', async () => {
    for (const [name, { rules }] of Object.entries(BENIGN_EXCEPTIONS)) {
      const r = await detect(join(SHARED, name));
      for (const id of rules) expect(r.alerts.map((a) => a.rule), name).toContain(id);
    }
  }, 120_000);
});
