import type { Fact, RuleHit } from './fingerprint-rules.js';

/** One conversation of the device with another device of the inventory. */
export interface PeerLink {
  peer: number;
  /** True when the device answered (it is the server of the conversation). */
  asServer: boolean;
  transport: string;
  port: number;
  service: string | null;
}

/** Services every device uses (names, time, addresses, logging, directory, file shares, management). */
const INFRASTRUCTURE_PORTS = new Set([53, 67, 68, 88, 123, 135, 137, 138, 139, 161, 162, 389, 445, 464, 514, 636, 3268]);

export interface BehaviourView {
  facts: readonly Fact[];
  links: readonly PeerLink[];
  /** The device's MAC fronts other subnets' addresses. */
  router: boolean;
}

/**
 * Roles that show in what a device does rather than what it says: a host exchanging HL7 with many
 * peers is an interface engine, a DICOM SCP receiving images from modalities is a PACS, a host
 * many patient monitors report to is a central station. Peers' categories come from `peerCategory`
 * (fingerprints and earlier analyses).
 */
export function behaviourRoles(view: BehaviourView, peerCategory: (id: number) => string | null): RuleHit[] {
  const hits: RuleHit[] = [];
  const hit = (rule: string, role: string, confidence: number, evidence: Fact[], category?: string) => {
    hits.push({ rule: `behaviour:${rule}`, attribute: 'role', value: role, confidence, evidence });
    if (category) hits.push({ rule: `behaviour:${rule}`, attribute: 'category', value: category, confidence: confidence * 0.8, evidence });
  };
  const servedPeers = (match: (l: PeerLink) => boolean) => new Set(view.links.filter((l) => l.asServer && match(l)).map((l) => l.peer));
  const clientPeers = (match: (l: PeerLink) => boolean) => new Set(view.links.filter((l) => !l.asServer && match(l)).map((l) => l.peer));
  const has = (key: string, test: (v: string) => boolean = () => true) => view.facts.some((f) => f.key === key && test(String(f.value)));
  const fact = (key: string, value: string | number): Fact => ({ key, value });
  const port = (transport: string, p: number) => (l: PeerLink) => l.transport === transport && l.port === p;
  const service = (name: string) => (l: PeerLink) => l.service === name;

  if (view.router) hit('routes-subnets', 'core-router', 0.6, [fact('behaviour.routes_subnets', 'true')], 'network');

  const hl7 = (l: PeerLink) => l.service === 'hl7' || l.port === 2575;
  const hl7In = servedPeers(hl7);
  const hl7Out = clientPeers(hl7);
  const hl7Peers = new Set([...hl7In, ...hl7Out]);
  if (hl7Peers.size >= 3 && hl7In.size >= 1 && hl7Out.size >= 1) {
    hit('hl7-hub', 'hl7-engine', 0.8, [fact('behaviour.hl7_peers', hl7Peers.size), fact('behaviour.hl7_inbound_peers', hl7In.size)], 'hl7-engine');
  }

  const dicom = (l: PeerLink) => l.service === 'dicom' || l.port === 104 || l.port === 11112;
  const dicomClients = servedPeers(dicom);
  const storesImages = has('dicom.accepted_syntax', (v) => /storage/i.test(v));
  const worklist = has('dicom.accepted_syntax', (v) => /worklist/i.test(v));
  const retrieves = has('dicom.command', (v) => v === 'C-MOVE-RQ' || v === 'C-GET-RQ');
  if (dicomClients.size >= 2 && storesImages) hit('dicom-store-scp', 'pacs', 0.8, [fact('behaviour.dicom_store_clients', dicomClients.size)], 'pacs');
  // One sender storing into it: an archive still, with less certainty; unless it asked for the images itself
  // (a C-MOVE's destination is the workstation that wants them).
  else if (dicomClients.size === 1 && storesImages && !retrieves) hit('dicom-store-scp', 'pacs', 0.5, [fact('behaviour.dicom_store_clients', 1)], 'pacs');
  else if (dicomClients.size >= 1 && worklist && !storesImages) hit('worklist-scp', 'ris', 0.5, [fact('behaviour.worklist_clients', dicomClients.size)], 'ris');
  if (has('dicom.command', (v) => v === 'C-STORE-RQ') && has('dicom.role', (v) => v === 'scu') && has('dicom.modality')) {
    hit('dicom-store-scu', 'modality', 0.7, [fact('dicom.command', 'C-STORE-RQ')]);
  }
  // Query/retrieve (PS3.4 Annex C): the archive answers C-FIND/C-MOVE/C-GET on its studies, and a C-MOVE
  // makes it send the images itself (the stores it relays carry `dicom.relayed_*`).
  const queryRetrieve = (v: string) => /query\/retrieve/i.test(v);
  if (dicomClients.size >= 1 && has('dicom.accepted_syntax', queryRetrieve)) {
    hit('dicom-qr-scp', 'pacs', 0.6, [fact('behaviour.dicom_qr_clients', dicomClients.size)], 'pacs');
  }
  // The client that retrieves studies to look at them, and stores none of its own: a reading workstation.
  if (
    has('dicom.role', (v) => v === 'scu') &&
    retrieves &&
    !has('dicom.modality') &&
    clientPeers(dicom).size >= 1
  ) {
    hit('dicom-qr-scu', 'reading-workstation', 0.4, [fact('dicom.command', 'C-MOVE-RQ')], 'workstation');
  }

  // Hubs are told by clinical traffic: every monitor also asks the domain controller for names and time.
  const clinical = view.links.filter((l) => !INFRASTRUCTURE_PORTS.has(l.port));
  const monitors = new Set(clinical.map((l) => l.peer).filter((p) => peerCategory(p) === 'patient-monitor'));
  if (monitors.size >= 2 && !has('intellivue.model')) hit('monitor-hub', 'central-station', 0.7, [fact('behaviour.monitor_peers', monitors.size)], 'central-station');
  const pumps = new Set(clinical.filter((l) => l.asServer).map((l) => l.peer).filter((p) => peerCategory(p) === 'infusion-pump'));
  if (pumps.size >= 2) hit('pump-hub', 'pump-server', 0.7, [fact('behaviour.pump_peers', pumps.size)], 'pump-server');
  const analyzers = new Set(clinical.map((l) => l.peer).filter((p) => peerCategory(p) === 'lab-analyzer'));
  if (analyzers.size >= 2) hit('analyzer-hub', 'lis', 0.6, [fact('behaviour.analyzer_peers', analyzers.size)], 'lis');

  if (has('dhcp.msg_type', (v) => v === '2' || v === '5') || has('dhcp.assigned_ip')) hit('dhcp-server', 'dhcp-server', 0.85, [fact('dhcp.msg_type', 'OFFER/ACK')], 'server');
  const dnsClients = servedPeers(port('udp', 53));
  const kerberos = servedPeers(port('tcp', 88)).size + servedPeers(port('udp', 88)).size;
  const ldap = servedPeers(port('tcp', 389)).size + servedPeers(port('udp', 389)).size;
  if (kerberos > 0 && ldap > 0) hit('kerberos-ldap', 'domain-controller', 0.85, [fact('service.listen', 'tcp/88'), fact('service.listen', 'tcp/389')], 'server');
  else if (dnsClients.size >= 3) hit('dns-server', 'dns-server', 0.6, [fact('behaviour.dns_clients', dnsClients.size)], 'server');
  const syslogClients = servedPeers((l) => l.transport === 'udp' && l.port === 514);
  if (syslogClients.size >= 2) hit('syslog-collector', 'syslog', 0.7, [fact('behaviour.syslog_clients', syslogClients.size)], 'server');
  const printersUsed = clientPeers((l) => l.transport === 'tcp' && (l.port === 9100 || l.port === 631 || l.port === 515));
  if (printersUsed.size >= 2 && servedPeers((l) => l.port === 445 || l.port === 631).size >= 1) {
    hit('print-spooler', 'print-server', 0.7, [fact('behaviour.printers_driven', printersUsed.size)], 'server');
  }
  if (servedPeers((l) => l.transport === 'tcp' && l.port === 9100).size >= 1) hit('raw-print-listener', 'printer', 0.5, [fact('service.listen', 'tcp/9100')], 'printer');
  const rdpClients = servedPeers(port('tcp', 3389));
  if (rdpClients.size >= 3) hit('rdp-host', 'terminal-server', 0.6, [fact('behaviour.rdp_clients', rdpClients.size)], 'server');
  if (servedPeers(service('telnet')).size >= 1 && !has('dicom.role')) hit('telnet-listener', 'serial-terminal-server', 0.3, [fact('service.listen', 'tcp/23')]);
  return hits;
}
