/**
 * The store's tables, as Kysely sees them. One schema for SQLite and PostgreSQL: booleans are
 * integers 0/1, timestamps are seconds since the epoch as double precision, structured values are
 * JSON text. Observation values never hold PHI: dissectors emit facts, not patient data.
 */
import type { Generated } from 'kysely';

export interface CaptureTable {
  id: Generated<number>;
  name: string;
  packets: number;
  bytes: number;
  first_ts: number | null;
  last_ts: number | null;
  analysed_at: string;
  /** The site and sensor a central service received it from; null for a local analysis. */
  site: Generated<string | null>;
  sensor: Generated<string | null>;
}

export type IdentityKind = 'mac' | 'client-id' | 'hostname' | 'ip';

export interface DeviceTable {
  id: Generated<number>;
  /** What the device is keyed by: its MAC, its DHCP client id, its hostname (randomised MAC) or its IP (seen only across a router). */
  identity_kind: IdentityKind;
  identity: string;
  first_seen: number;
  last_seen: number;
  mac: string | null;
  ip: string | null;
  vlan: number | null;
  hostname: string | null;
  vendor: string | null;
  model: string | null;
  firmware: string | null;
  os: string | null;
  serial: string | null;
  category: string | null;
  role: string | null;
  zone: string | null;
  /** Best confidence of each chosen attribute and whether candidates disagree, JSON `{attr: {confidence, disagreement}}`. */
  attribute_summary: string;
  /** 1 when the MAC is locally administered (randomised). */
  randomised_mac: number;
  /** 1 when one address fronts several devices (NAT, a terminal server's users...). */
  shared_address: number;
}

export type IdentifierKind = 'mac' | 'ip' | 'client-id' | 'hostname' | 'duid';

export interface DeviceIdentifierTable {
  device_id: number;
  kind: IdentifierKind;
  value: string;
  first_seen: number;
  last_seen: number;
  /** Observation key or `flow` that tied the identifier to the device. */
  source: string;
}

export interface ObservationTable {
  device_id: number;
  key: string;
  /** JSON text of the observation value. */
  value: string;
  count: number;
  first_ts: number;
  last_ts: number;
  /** Capture and flow of the first sighting: where the proving packets are. */
  capture_id: number;
  flow: number | null;
}

export interface AttributeCandidateTable {
  device_id: number;
  attribute: string;
  value: string;
  /** `rule:<id>`, `field:<key>`, `oui`, `behaviour:<name>`, `port-hint:<proto>`. */
  source: string;
  confidence: number;
  count: number;
  first_seen: number;
  last_seen: number;
  /** JSON array of `{key, value}` facts that prove it. */
  evidence: string;
}

export interface ServiceTable {
  device_id: number;
  transport: string;
  port: number;
  /** `listen`: the device answered on the port; `client`: it connected to the port elsewhere. */
  direction: 'listen' | 'client';
  service: string | null;
  flows: number;
  first_seen: number;
  last_seen: number;
}

export interface ConnectionTable {
  client_id: number;
  server_id: number;
  transport: string;
  port: number;
  service: string | null;
  flows: number;
  bytes: number;
  first_seen: number;
  last_seen: number;
}

export interface ConnectionFactTable {
  client_id: number;
  server_id: number;
  transport: string;
  port: number;
  /** Which end sent the bytes that prove the fact. */
  sender: 'client' | 'server';
  key: string;
  /** JSON text of the observation value. */
  value: string;
  count: number;
  first_seen: number;
  last_seen: number;
}

export interface ZoneTable {
  id: string;
  name: string;
  kind: string;
  site: string | null;
  department: string | null;
  subnet: string | null;
  vlan: number | null;
  inferred: number;
}

export type ApiRole = 'viewer' | 'analyst' | 'admin';

export interface ApiTokenTable {
  id: Generated<number>;
  name: string;
  role: ApiRole;
  /** SHA-256 of the token, hex: the token itself is shown once and never stored. */
  hash: string;
  created_at: number;
  expires_at: number | null;
  revoked_at: number | null;
  last_used_at: number | null;
}

export interface AuditLogTable {
  id: Generated<number>;
  ts: number;
  /** Token name, or `cli` for commands run on the machine. */
  actor: string;
  role: string | null;
  /** What was done, e.g. `token.create`, `alert.acknowledge`, `pcap.export`. */
  action: string;
  target: string | null;
  /** JSON text: the request's parameters (never a secret, never patient data). */
  detail: string;
  remote: string | null;
}

export interface VulnSourceTable {
  /** Absolute path of the imported file. */
  file: string;
  format: 'csaf' | 'cve5' | 'kev' | 'nvd' | 'epss';
  imported_at: string;
  /** The feed's own date (KEV dateReleased, CSAF current_release_date, EPSS score_date). */
  published: string | null;
  entries: number;
  /** JSON array of the entries that could not be read, each naming the entry and the problem. */
  errors: string;
}

export interface VulnerabilityTable {
  cve: string;
  title: string | null;
  description: string | null;
  cvss_score: number | null;
  cvss_vector: string | null;
  /** From the CVSS vector: network, adjacent, local, physical. */
  attack_vector: string | null;
  cwe: string | null;
  kev: number;
  kev_date_added: string | null;
  kev_ransomware: string | null;
  epss: number | null;
  epss_percentile: number | null;
  /** CISA ADP SSVC: none, poc, active. */
  exploitation: string | null;
  automatable: string | null;
  technical_impact: string | null;
  /** JSON array of advisory ids (ICSMA-...). */
  advisories: string;
  /** JSON array of {category, details, url?, advisory}. */
  remediations: string;
  /** JSON array of the files that said something about this CVE. */
  sources: string;
}

export interface VulnProductTable {
  cve: string;
  /** The vuln_sources file this row came from. */
  source: string;
  advisory: string | null;
  vendor: string;
  /** Vendor name normalised for matching (knowledge/vuln/vendor-aliases.json). */
  vendor_key: string;
  product: string;
  /** affected | fixed | unaffected */
  status: string;
  /** exact | range | all | unparsed */
  version_kind: string;
  version_text: string | null;
  version_min: string | null;
  min_inclusive: number;
  version_max: string | null;
  max_inclusive: number;
  fixed_version: string | null;
}

export interface DeviceVulnerabilityTable {
  device_id: number;
  cve: string;
  /** exact | range | model-only | vendor-category */
  confidence: string;
  /** JSON: what matched (product row, version test). */
  evidence: string;
  /** JSON: attack vector, services in use, reachers, zones, attack paths. */
  exploitability: string;
  /** SSVC deployer outcome: defer | scheduled | out-of-cycle | immediate. */
  decision: string;
  /** JSON: each decision point with its value and reason. */
  decision_points: string;
  /** CycloneDX analysis state: exploitable | not_affected | in_triage. */
  vex_state: string;
  assessed_at: number;
}

export interface IncidentTable {
  id: Generated<number>;
  uid: string;
  title: string;
  severity: 'low' | 'medium' | 'high' | 'critical';
  status: 'new' | 'acknowledged' | 'resolved';
  first_ts: number;
  last_ts: number;
  /** JSON array of the addresses involved. */
  hosts: string;
  /** JSON array of the rule ids raised. */
  rules: string;
}

export interface AlertTable {
  id: Generated<number>;
  /** Stable across analyses of the same traffic: rule, device, peer and first time hashed. */
  uid: string;
  rule: string;
  severity: 'low' | 'medium' | 'high' | 'critical';
  status: 'new' | 'acknowledged' | 'resolved';
  title: string;
  description: string;
  device_id: number | null;
  src_ip: string;
  dst_ip: string | null;
  first_ts: number;
  last_ts: number;
  count: number;
  incident_id: number | null;
  /** JSON object of facts (never PHI or credential values). */
  evidence: string;
  /** JSON array of `{id, proto, src, sport, dst, dport, ts}`: the flows that hold the packets. */
  flows: string;
  status_changed_at: number | null;
  status_by: string | null;
  /** The site whose sensor raised it; null for a local analysis. */
  site: Generated<string | null>;
}

export interface DeviceRiskTable {
  device_id: number;
  /** 0-100: the larger of `safety` and `privacy`. */
  score: number;
  safety: number;
  privacy: number;
  likelihood: number;
  safety_impact: number;
  privacy_impact: number;
  criticality: number;
  /** JSON array of `[id, weight, detail]`: every factor that moved the score (labels follow from the ids, src/risk/risk-score.ts). */
  factors: string;
  computed_at: number;
}

export interface BaselineTable {
  ip: string;
  /**
   * Per address (`ip`): `service` (value `tcp/443`: the address answered there) or `peer` (value: the other
   * address). Per category (`ip` is `category:<id>`, src/detect/category-baseline.ts): `category-bytes` and
   * `category-flows` (value: a quarter-octave bucket of a device's hourly rate, count: device-intervals),
   * `category-hour` (UTC hour of day), `category-protocol` (a protocol, count: flows), `category-device` (an address).
   */
  kind: 'service' | 'peer' | 'category-bytes' | 'category-flows' | 'category-hour' | 'category-protocol' | 'category-device';
  value: string;
  count: number;
  first_seen: number;
  last_seen: number;
}

/** Each site that saw a device (a laptop may move between hospitals; a MAC is one device everywhere). */
export interface DeviceSiteTable {
  device_id: number;
  site: string;
  first_seen: number;
  last_seen: number;
}

/** One sensor window the central service handled: stored, or rejected with the reason. */
export interface IngestBatchTable {
  /** `sensor/run/seq`: the same id however often the window is delivered. */
  batch: string;
  sensor: string;
  site: string;
  seq: number;
  status: 'stored' | 'rejected';
  observations: number;
  alerts: number;
  reason: string | null;
  stored_at: number;
}

/** What each sensor last reported: its windows and what it had to drop. */
export interface SensorTable {
  sensor: string;
  site: string;
  version: string;
  windows: number;
  last_window_at: number;
  last_packet_ts: number | null;
  dropped_windows: number;
  dropped_bytes: number;
  capture_drops: number;
}

export interface Database {
  captures: CaptureTable;
  devices: DeviceTable;
  device_identifiers: DeviceIdentifierTable;
  observations: ObservationTable;
  attribute_candidates: AttributeCandidateTable;
  services: ServiceTable;
  connections: ConnectionTable;
  connection_facts: ConnectionFactTable;
  zones: ZoneTable;
  alerts: AlertTable;
  incidents: IncidentTable;
  baselines: BaselineTable;
  vuln_sources: VulnSourceTable;
  vulnerabilities: VulnerabilityTable;
  vuln_products: VulnProductTable;
  device_vulnerabilities: DeviceVulnerabilityTable;
  api_tokens: ApiTokenTable;
  audit_log: AuditLogTable;
  device_risk: DeviceRiskTable;
  device_sites: DeviceSiteTable;
  ingest_batches: IngestBatchTable;
  sensors: SensorTable;
}
