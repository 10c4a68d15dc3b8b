/** Every rule, in the order docs/detection.md lists them. */
import type { Approved } from '../approved.js';
import type { IocSet } from '../ioc.js';
import type { SiteZone } from '../../inventory/site-zones.js';
import type { ZonePolicy } from '../zone-policy.js';
import type { DetectionRule } from '../rule.js';
import type { Thresholds } from '../thresholds.js';
import { arpSpoofingRule } from './arp-spoofing.js';
import { beaconingRule } from './beaconing.js';
import { bruteForceRule } from './bruteforce-login.js';
import { cleartextCredentialsRule } from './cleartext-credentials.js';
import { dhcpRogueServerRule } from './dhcp-rogue-server.js';
import { dhcpStarvationRule } from './dhcp-starvation.js';
import { dicomBulkQueryRule } from './dicom-bulk-query.js';
import { dnsTunnellingRule } from './dns-tunnelling.js';
import { iocMatchRule } from './ioc-match.js';
import { lateralMovementRule } from './lateral-movement.js';
import { medicalInternetRule } from './medical-internet.js';
import { phiDestinationRule } from './phi-unapproved-destination.js';
import { remoteAccessRule } from './remote-access-new.js';
import { segmentationRule } from './segmentation-violation.js';
import { horizontalScanRule } from './scan-horizontal.js';
import { tcpFlagsRule } from './scan-tcp-flags.js';
import { scanToolSignatureRule } from './scan-tool-signature.js';
import { verticalScanRule } from './scan-vertical.js';
import { smbGhostRule } from './smb-ghost.js';
import { smbV1ExploitRule } from './smb-v1-exploit.js';
import { heartbleedRule } from './tls-heartbleed.js';
import { webAttackRule } from './web-attack.js';

export interface RuleOptions {
  iocs: IocSet;
  /** What the site approves (contracted vendor services, archives): `approved.ts`. */
  approved?: Approved;
  /** The site file's zones (none: every zone is inferred) and the zone policy, for `segmentation.violation`. */
  zones: readonly SiteZone[];
  zonePolicy: ZonePolicy;
}

export function allRules(t: Thresholds, o: RuleOptions): DetectionRule[] {
  return [
    horizontalScanRule(t),
    verticalScanRule(t),
    tcpFlagsRule(),
    scanToolSignatureRule(),
    arpSpoofingRule(t),
    dhcpRogueServerRule(),
    dhcpStarvationRule(t),
    bruteForceRule(t),
    cleartextCredentialsRule(),
    smbV1ExploitRule(),
    smbGhostRule(),
    heartbleedRule(),
    webAttackRule(),
    remoteAccessRule(),
    medicalInternetRule(o.approved?.domains, o.approved?.addresses),
    phiDestinationRule(t, o.approved?.addresses),
    dicomBulkQueryRule(t),
    beaconingRule(t),
    dnsTunnellingRule(t),
    lateralMovementRule(t),
    iocMatchRule(o.iocs),
    segmentationRule(t, { zones: o.zones, policy: o.zonePolicy }),
  ];
}

export const RULE_IDS: readonly string[] = [
  'scan.horizontal', 'scan.vertical', 'scan.tcp-flags', 'arp.spoofing', 'dhcp.rogue-server', 'dhcp.starvation', 'bruteforce.login',
  'cleartext.credentials', 'smb.v1-exploit', 'smb.ghost', 'tls.heartbleed', 'web.attack', 'remote-access.new', 'medical.internet',
  'phi.unapproved-destination', 'dicom.bulk-query', 'beaconing', 'dns.tunnelling', 'lateral.movement', 'ioc.match',
  'segmentation.violation',
  // Raised from the stored baselines at the end of an analysis with a store (src/detect/baseline.ts).
  'baseline.new-service', 'baseline.new-peer',
  // Raised at the end from the category baselines (src/detect/category-baseline.ts).
  'baseline.category-volume', 'baseline.category-protocol',
];
