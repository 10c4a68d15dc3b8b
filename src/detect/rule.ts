/**
 * A detection rule: one module per file under rules/, one documented id (docs/detection.md). Rules read
 * what the analysis already produces in its one pass (flow records, per-host facts, and the raw facts of
 * `rawKeys` before deduplication) and keep only bounded state.
 */
import type { FlowRecord } from '../analyze/flow-record.js';
import type { Observation } from '../protocols/observation.js';
import type { Finding } from './alert.js';
import type { DeviceContext } from './device-context.js';
import type { Thresholds } from './thresholds.js';

export interface FindingSink {
  raise(f: Finding): void;
}

export interface DetectionRule {
  readonly id: string;
  /** Raw fact keys this rule needs to see each time they cross (Analyzer.rawObservationKeys). */
  readonly rawKeys?: readonly string[];
  flow?(f: FlowRecord, out: FindingSink): void;
  raw?(o: Observation, out: FindingSink): void;
  /** Per-host first sightings (after deduplication). */
  observation?(o: Observation, out: FindingSink): void;
  /** End of the analysis: rules that need clinical context (which devices are medical) decide here. */
  finish?(ctx: DeviceContext, out: FindingSink): void;
}

export type RuleFactory = (t: Thresholds) => DetectionRule;
