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
}
