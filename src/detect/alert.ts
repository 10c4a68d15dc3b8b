/**
 * What detection produces. A rule raises `Finding`s (one suspicious thing at one moment); the detector folds
 * findings of the same rule, device and peer into one `Alert` with a count, and alerts into incidents.
 * Evidence holds facts (counts, ports, fact keys, attack classes), never PHI or credential values.
 */
export type Severity = 'low' | 'medium' | 'high' | 'critical';
export const SEVERITIES: readonly Severity[] = ['low', 'medium', 'high', 'critical'];
export type AlertStatus = 'new' | 'acknowledged' | 'resolved';
export const ALERT_STATUSES: readonly AlertStatus[] = ['new', 'acknowledged', 'resolved'];

export const severityRank = (s: Severity): number => SEVERITIES.indexOf(s);
export const maxSeverity = (a: Severity, b: Severity): Severity => (severityRank(a) >= severityRank(b) ? a : b);
export function raiseSeverity(s: Severity, steps: number): Severity {
  return SEVERITIES[Math.max(0, Math.min(SEVERITIES.length - 1, severityRank(s) + steps))];
}

/** Enough of a flow to find its packets again: its id in the analysis and its 5-tuple. */
export interface FlowRef {
  id: number;
  proto: string;
  src: string;
  sport: number;
  dst: string;
  dport: number;
  ts: number;
}

export type EvidenceValue = string | number | boolean | readonly string[] | readonly number[];

export interface Host {
  ip: string;
  mac: string | null;
}

export interface Finding {
  rule: string;
  severity: Severity;
  title: string;
  description: string;
  ts: number;
  /** The attacker or initiating side (for a scan, the scanner; for exfiltration, the sender). */
  src: Host;
  /** The victim or receiving side; null for findings about one host alone. */
  dst: Host | null;
  /** Which endpoint the alert is about (the device whose clinical context counts); defaults to `dst ?? src`. */
  device?: 'src' | 'dst';
  evidence: Record<string, EvidenceValue>;
  flows?: readonly FlowRef[];
  /** False when clinical context must not raise the severity (traffic the site approved). */
  contextRaise?: boolean;
}

export interface Alert {
  /** Stable across runs: a hash of rule, device, peer and first time. */
  uid: string;
  rule: string;
  severity: Severity;
  /** The rule's own severity before clinical context raised it. */
  baseSeverity: Severity;
  status: AlertStatus;
  title: string;
  description: string;
  device: Host;
  deviceId: number | null;
  /** The device's category and patient-safety class when known. */
  category: string | null;
  safetyImpact: string | null;
  srcIp: string;
  dstIp: string | null;
  firstTs: number;
  lastTs: number;
  count: number;
  incident: string | null;
  evidence: Record<string, EvidenceValue>;
  flows: FlowRef[];
  /** Why the severity is what it is (base, then each raise). */
  severityReasons: string[];
}

export interface Incident {
  uid: string;
  title: string;
  severity: Severity;
  firstTs: number;
  lastTs: number;
  /** Addresses of the hosts involved (attackers and victims). */
  hosts: string[];
  rules: string[];
  alerts: string[];
}

/** An alert and an incident as the store keeps them and the API answers (src/detect/alert-store.ts). */
export interface StoredAlert {
  id: number;
  uid: string;
  rule: string;
  severity: Severity;
  status: AlertStatus;
  title: string;
  description: string;
  deviceId: number | null;
  srcIp: string;
  dstIp: string | null;
  firstTs: number;
  lastTs: number;
  count: number;
  incidentId: number | null;
  evidence: Record<string, EvidenceValue>;
  flows: FlowRef[];
  statusChangedAt: number | null;
  statusBy: string | null;
  /** The site whose sensor raised it (a central store); null for a local analysis. */
  site: string | null;
}

export interface StoredIncident {
  id: number;
  uid: string;
  title: string;
  severity: Severity;
  status: AlertStatus;
  firstTs: number;
  lastTs: number;
  hosts: string[];
  rules: string[];
  alertIds: number[];
}
