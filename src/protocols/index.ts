import type { Dissector } from './dissector.js';
import { analysisNames, type DissectorSelection } from './dissector-catalog.js';
import { defaultFrameDissectors } from './frame-dissector.js';
import { SshDissector } from './ssh/ssh-dissector.js';
import { NtpDissector } from './ntp/ntp-dissector.js';
import { SyslogDissector } from './syslog/syslog-dissector.js';
import { DnsDissector } from './dns/dns-dissector.js';
import { DhcpDissector } from './dhcp/dhcp-dissector.js';
import { Dhcpv6Dissector } from './dhcpv6/dhcpv6-dissector.js';
import { MdnsDissector } from './mdns/mdns-dissector.js';
import { LlmnrDissector } from './llmnr/llmnr-dissector.js';
import { NbnsDissector } from './nbns/nbns-dissector.js';
import { HttpDissector } from './http/http-dissector.js';
import { TlsDissector } from './tls/tls-dissector.js';
import { SsdpDissector } from './ssdp/ssdp-dissector.js';
import { SnmpDissector } from './snmp/snmp-dissector.js';
import { SmbDissector } from './smb/smb-dissector.js';
import { FtpDissector } from './ftp/ftp-dissector.js';
import { TelnetDissector } from './telnet/telnet-dissector.js';
import { Pop3Dissector } from './pop3/pop3-dissector.js';
import { ImapDissector } from './imap/imap-dissector.js';
import { LdapDissector } from './ldap/ldap-dissector.js';
import { RdpDissector } from './rdp/rdp-dissector.js';
import { RemoteAccessDissector } from './remote_access/remote-access-dissector.js';
import { DicomDissector } from './dicom/dicom-dissector.js';
import { IntellivueDissector } from './intellivue/intellivue-dissector.js';
import { SdcDissector } from './sdc/sdc-dissector.js';
import { Hl7Dissector } from './hl7/hl7-dissector.js';
import { AstmDissector } from './astm/astm-dissector.js';
import { Poct1aDissector } from './poct1a/poct1a-dissector.js';
import { IppDissector } from './ipp/ipp-dissector.js';
import { LpdDissector } from './lpd/lpd-dissector.js';
import { PjlDissector } from './pjl/pjl-dissector.js';

export { loadAnalysis, TCP_FINGERPRINTS, type DissectorSelection } from './dissector-catalog.js';

/** Every dissector Vigil runs by default, in port-claim priority order (dissector-catalog.ts names them too). */
export function defaultDissectors(): Dissector[] {
  return [new DnsDissector(), new DhcpDissector(), new Dhcpv6Dissector(), new MdnsDissector(), new LlmnrDissector(), new NbnsDissector(), new SdcDissector(), new IppDissector(), new HttpDissector(), new TlsDissector(), new SsdpDissector(), new SnmpDissector(), new SmbDissector(), new SshDissector(), new NtpDissector(), new SyslogDissector(), new FtpDissector(), new TelnetDissector(), new Pop3Dissector(), new ImapDissector(), new LdapDissector(), new RdpDissector(), new RemoteAccessDissector(), new DicomDissector(), new IntellivueDissector(), new Hl7Dissector(), new AstmDissector(), new Poct1aDissector(), new LpdDissector(), new PjlDissector()];
}

/**
 * The analysis parts named by a `--dissectors` value (see dissector-catalog.ts), built from the
 * modules this file has already loaded: for callers that need them at once. `loadAnalysis` loads
 * only what is named.
 */
export function selectAnalysis(spec: string): DissectorSelection {
  const names = analysisNames(spec);
  const flows = new Map(defaultDissectors().map((d) => [d.name, d]));
  const frames = new Map(defaultFrameDissectors().map((d) => [d.name, d]));
  return {
    dissectors: names.dissectors.map((n) => flows.get(n)!),
    frameDissectors: names.frameDissectors.map((n) => frames.get(n)!),
    tcpFingerprints: names.tcpFingerprints,
  };
}
