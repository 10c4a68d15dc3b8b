/**
 * The shapes of device timelines and root-cause answers, shared by the CLI, the HTTP API and the
 * dashboard (which imports this file for its types, so it imports nothing itself).
 */

export type TimelineKind = 'first-seen' | 'address' | 'hostname' | 'dhcp' | 'peer' | 'service' | 'alert' | 'workflow';

export interface TimelineEvent {
  /** Seconds since the epoch. */
  ts: number;
  kind: TimelineKind;
  title: string;
  detail: string;
  /** The device whose timeline holds the event; null for an incident alert no inventory device is tied to. */
  deviceId: number | null;
  /** The other device of a conversation, alert or workflow fact, when the inventory knows it. */
  peerId?: number;
  alertId?: number;
}

export interface DeviceRef {
  id: number;
  /** Hostname, else IP, else MAC, else the id: as the rest of the dashboard names devices. */
  label: string;
  ip: string | null;
  mac: string | null;
  hostname: string | null;
  category: string | null;
}

/** How the walk reached a device from the one before it on the path. */
export type RootCauseVia =
  | { kind: 'alert'; alertId: number; rule: string; severity: string; title: string }
  | { kind: 'connection'; transport: string; port: number; service: string | null };

export interface RootCauseStep {
  device: DeviceRef;
  /** Null for patient zero, the start of the path. */
  via: RootCauseVia | null;
  /** When the contact was first seen (for patient zero: its earliest anomalous act). */
  ts: number;
}

export interface RootCause {
  alertId: number;
  patientZero: DeviceRef;
  /** From patient zero to the alert's device. */
  path: RootCauseStep[];
  /** The outside address the earliest contact came from, when it is no inventory device; else null. */
  externalSource: string | null;
  explanation: string[];
}
