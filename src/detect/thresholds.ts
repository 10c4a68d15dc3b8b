/**
 * Rule thresholds, from knowledge/detect/thresholds.json (or a user's copy): numbers a site tunes without
 * code. A missing or malformed entry throws naming the file and the entry.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { knowledgeDir } from '../inventory/knowledge-dir.js';
import type { Severity } from './alert.js';

export interface Thresholds {
  dedupWindowS: number;
  incidentWindowS: number;
  'scan.horizontal': { windowS: number; minHosts: number };
  'scan.vertical': { windowS: number; minPorts: number };
  'arp.spoofing': { windowS: number; minClaimedAddresses: number };
  'dhcp.starvation': { windowS: number; minClientMacs: number; minDiscovers: number };
  'bruteforce.login': { windowS: number; minSessions: number; minHttpFailures: number; minAuthFailures: number; maxSessionS: number };
  'dicom.bulk-query': { windowS: number; minAssociations: number };
  beaconing: { minConnections: number; minIntervalS: number; maxJitter: number; maxPairs: number };
  'dns.tunnelling': { windowS: number; minLongNames: number; minLabelLength: number };
  'phi.unapproved-destination': { learningFraction: number; maxLearningS: number };
  baseline: { minAgeS: number; maxPeersPerDevice: number; maxServicesPerDevice: number };
  'baseline.category': {
    learningFraction: number;
    maxLearningS: number;
    intervalS: number;
    volumeFactor: number;
    minBytesPerHour: number;
    minFlowsPerHour: number;
    minDevices: number;
    minSamples: number;
    maxProtocolsPerDevice: number;
    commonShare: number;
    /** Protocols every kind of device uses now and then: never judged by `baseline.category-protocol`. */
    ignoreProtocols: string[];
  };
  'lateral.movement': { ports: number[] };
  severity: { safetyImpactRaise: Record<string, number>; workflowRaise: number; lowStaysBelow: Severity };
}

const NUMERIC_SECTIONS = ['scan.horizontal', 'scan.vertical', 'arp.spoofing', 'dhcp.starvation', 'bruteforce.login', 'dicom.bulk-query', 'beaconing', 'dns.tunnelling', 'phi.unapproved-destination', 'baseline', 'baseline.category'] as const;
/** Entries of the numeric sections that are lists. */
const LISTS: Record<string, string> = { 'baseline.category': 'ignoreProtocols' };

export function loadThresholds(file: string = join(knowledgeDir(), 'detect', 'thresholds.json')): Thresholds {
  let doc: Record<string, unknown>;
  try {
    doc = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch (e) {
    throw new Error(`${file}: ${(e as Error).message}`);
  }
  for (const k of ['dedupWindowS', 'incidentWindowS']) if (typeof doc[k] !== 'number' || !((doc[k] as number) > 0)) throw new Error(`${file}: "${k}" must be a positive number`);
  for (const section of NUMERIC_SECTIONS) {
    const s = doc[section];
    if (s === null || typeof s !== 'object') throw new Error(`${file}: "${section}" must be an object`);
    for (const [k, v] of Object.entries(s)) if (LISTS[section] === k ? !Array.isArray(v) || v.some((x) => typeof x !== 'string') : typeof v !== 'number' || !(v >= 0)) throw new Error(`${file}: "${section}".${k} must be a non-negative number`);
  }
  if (!((doc['baseline.category'] as Thresholds['baseline.category']).intervalS > 0)) throw new Error(`${file}: "baseline.category".intervalS must be positive`);
  const ports = (doc['lateral.movement'] as { ports?: unknown } | undefined)?.ports;
  if (!Array.isArray(ports) || ports.some((p) => !Number.isInteger(p))) throw new Error(`${file}: "lateral.movement".ports must be a list of port numbers`);
  const sev = doc.severity as Thresholds['severity'] | undefined;
  if (!sev || typeof sev.safetyImpactRaise !== 'object' || typeof sev.workflowRaise !== 'number') throw new Error(`${file}: "severity" needs safetyImpactRaise and workflowRaise`);
  return doc as unknown as Thresholds;
}
