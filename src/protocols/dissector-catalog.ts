import type { Dissector } from './dissector.js';
import type { FrameDissector } from './frame-dissector.js';

/**
 * The analysis parts `--dissectors` can name, each loaded only when named: a run with
 * `--dissectors dns` starts without compiling the thirty other dissectors' modules. The eager
 * lists (`defaultDissectors()` in index.ts, `defaultFrameDissectors()`) hold the same names in
 * the same order; test/protocols/select-analysis.test.ts keeps them equal.
 */
type Loader<T> = readonly [name: string, load: () => Promise<T>];

/** Flow dissectors in port-claim priority order. */
export const FLOW_DISSECTORS: readonly Loader<Dissector>[] = [
  ['dns', async () => new (await import('./dns/dns-dissector.js')).DnsDissector()],
  ['dhcp', async () => new (await import('./dhcp/dhcp-dissector.js')).DhcpDissector()],
  ['dhcpv6', async () => new (await import('./dhcpv6/dhcpv6-dissector.js')).Dhcpv6Dissector()],
  ['mdns', async () => new (await import('./mdns/mdns-dissector.js')).MdnsDissector()],
  ['llmnr', async () => new (await import('./llmnr/llmnr-dissector.js')).LlmnrDissector()],
  ['nbns', async () => new (await import('./nbns/nbns-dissector.js')).NbnsDissector()],
  ['sdc', async () => new (await import('./sdc/sdc-dissector.js')).SdcDissector()],
  ['ipp', async () => new (await import('./ipp/ipp-dissector.js')).IppDissector()],
  ['http', async () => new (await import('./http/http-dissector.js')).HttpDissector()],
  ['tls', async () => new (await import('./tls/tls-dissector.js')).TlsDissector()],
  ['ssdp', async () => new (await import('./ssdp/ssdp-dissector.js')).SsdpDissector()],
  ['snmp', async () => new (await import('./snmp/snmp-dissector.js')).SnmpDissector()],
  ['smb', async () => new (await import('./smb/smb-dissector.js')).SmbDissector()],
  ['ssh', async () => new (await import('./ssh/ssh-dissector.js')).SshDissector()],
  ['ntp', async () => new (await import('./ntp/ntp-dissector.js')).NtpDissector()],
  ['syslog', async () => new (await import('./syslog/syslog-dissector.js')).SyslogDissector()],
  ['ftp', async () => new (await import('./ftp/ftp-dissector.js')).FtpDissector()],
  ['telnet', async () => new (await import('./telnet/telnet-dissector.js')).TelnetDissector()],
  ['pop3', async () => new (await import('./pop3/pop3-dissector.js')).Pop3Dissector()],
  ['imap', async () => new (await import('./imap/imap-dissector.js')).ImapDissector()],
  ['ldap', async () => new (await import('./ldap/ldap-dissector.js')).LdapDissector()],
  ['rdp', async () => new (await import('./rdp/rdp-dissector.js')).RdpDissector()],
  ['remote-access', async () => new (await import('./remote_access/remote-access-dissector.js')).RemoteAccessDissector()],
  ['dicom', async () => new (await import('./dicom/dicom-dissector.js')).DicomDissector()],
  ['intellivue', async () => new (await import('./intellivue/intellivue-dissector.js')).IntellivueDissector()],
  ['hl7', async () => new (await import('./hl7/hl7-dissector.js')).Hl7Dissector()],
  ['astm', async () => new (await import('./astm/astm-dissector.js')).AstmDissector()],
  ['poct1a', async () => new (await import('./poct1a/poct1a-dissector.js')).Poct1aDissector()],
  ['lpd', async () => new (await import('./lpd/lpd-dissector.js')).LpdDissector()],
  ['pjl', async () => new (await import('./pjl/pjl-dissector.js')).PjlDissector()],
];

export const FRAME_DISSECTORS: readonly Loader<FrameDissector>[] = [
  ['lldp', async () => new (await import('./lldp/lldp-dissector.js')).LldpDissector()],
  ['cdp', async () => new (await import('./cdp/cdp-dissector.js')).CdpDissector()],
];

/** The name `--dissectors` gives the passive TCP SYN and SYN+ACK fingerprints (their facts are `tcp.*`). */
export const TCP_FINGERPRINTS = 'tcp';

/** What `--dissectors` selects: flow dissectors, frame dissectors (LLDP, CDP) and the SYN fingerprints. */
export interface DissectorSelection {
  dissectors: Dissector[];
  frameDissectors: FrameDissector[];
  tcpFingerprints: boolean;
}

/** The names a `--dissectors` value selects, in the order a run gives them port claims. */
export interface AnalysisNames {
  dissectors: string[];
  frameDissectors: string[];
  tcpFingerprints: boolean;
}

/**
 * The names in a `--dissectors` value: `all`, `none`, or a comma-separated list (`dns,dhcp,lldp,tcp`).
 * Throws with the known names when one is unknown. Loads nothing.
 */
export function analysisNames(spec: string): AnalysisNames {
  const flowNames = FLOW_DISSECTORS.map(([name]) => name);
  const frameNames = FRAME_DISSECTORS.map(([name]) => name);
  const wanted = spec.trim().toLowerCase();
  if (wanted === 'all' || wanted === '') return { dissectors: flowNames, frameDissectors: frameNames, tcpFingerprints: true };
  if (wanted === 'none') return { dissectors: [], frameDissectors: [], tcpFingerprints: false };
  const names = wanted.split(',').map((n) => n.trim()).filter(Boolean);
  const unknown = names.filter((n) => !flowNames.includes(n) && !frameNames.includes(n) && n !== TCP_FINGERPRINTS);
  if (unknown.length > 0) throw new Error(`unknown dissector ${unknown.join(', ')}; known: ${[...flowNames, ...frameNames, TCP_FINGERPRINTS].join(', ')}`);
  return {
    dissectors: names.filter((n) => flowNames.includes(n)),
    frameDissectors: names.filter((n) => frameNames.includes(n)),
    tcpFingerprints: names.includes(TCP_FINGERPRINTS),
  };
}

/** The analysis parts a `--dissectors` value names, loading only their modules. */
export async function loadAnalysis(spec: string): Promise<DissectorSelection> {
  const names = analysisNames(spec);
  const load = <T>(loaders: readonly Loader<T>[], wanted: string[]): Promise<T[]> =>
    Promise.all(wanted.map((n) => loaders.find(([name]) => name === n)![1]()));
  return {
    dissectors: await load(FLOW_DISSECTORS, names.dissectors),
    frameDissectors: await load(FRAME_DISSECTORS, names.frameDissectors),
    tcpFingerprints: names.tcpFingerprints,
  };
}
