import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AnalysisSummary } from '../analyze/analysis-summary.js';
import { Analyzer, type AnalyzerOptions } from '../analyze/analyzer.js';
import { CaptureFormatError } from '../capture/capture-error.js';
import { selectDissectors } from '../protocols/index.js';
import { formatSummary } from './format-summary.js';
import { captureProgress } from './progress.js';
import { defaultDbLocation, prepareInventory } from './inventory-output.js';
import { WORKFLOW_KEYS } from '../inventory/inventory-collector.js';

export interface AnalyzeCommandOptions {
  out?: string;
  workers?: number;
  json?: boolean;
  maxFlows?: number;
  quiet?: boolean;
  /** `all`, `none`, or comma-separated dissector names. */
  dissectors?: string;
  /** Inventory store (SQLite file or postgres:// URL); false to keep no inventory. */
  db?: string | false;
  /** Site file (YAML) mapping subnets and VLANs to zones. */
  site?: string;
  /** Folders of extra fingerprint rules. */
  rules?: string[];
}

export interface AnalyzeRun {
  summary: AnalysisSummary;
  /** Inputs that were not captures: one line each, already printed. */
  rejected: string[];
}

/** `vigil analyze`: reads every capture, writes the outputs, prints the summary. */
export async function analyzeCommand(captures: string[], options: AnalyzeCommandOptions, extra: Partial<AnalyzerOptions> = {}): Promise<AnalyzeRun> {
  const warn = (message: string) => process.stderr.write(`vigil: warning: ${message}\n`);
  const dissectors = options.dissectors ?? 'all';
  const db = options.db === undefined ? defaultDbLocation() : options.db;
  // Load the knowledge and site before reading: a bad rule file should fail in a second, not after an hour of capture.
  const inventory = db ? await prepareInventory(options) : null;
  const collector = inventory?.collector;
  const hooks: Pick<AnalyzerOptions, 'onFlow' | 'onObservation' | 'onRawObservation' | 'rawObservationKeys'> = collector
    ? { onFlow: (f) => collector.flow(f), onObservation: (o) => collector.observation(o), onRawObservation: (o) => collector.rawObservation(o), rawObservationKeys: WORKFLOW_KEYS }
    : {};
  const analyzer =
    (options.workers ?? 1) > 1
      ? new (await import('../analyze/parallel/parallel-analysis.js')).ParallelAnalysis({ workers: options.workers!, outDir: options.out, maxFlows: options.maxFlows, dissectors, onWarning: warn, ...hooks })
      : new Analyzer({
          outDir: options.out,
          flowTable: options.maxFlows ? { maxFlows: options.maxFlows } : undefined,
          dissectors: selectDissectors(dissectors),
          onWarning: warn,
          ...hooks,
          ...extra,
        });
  const rejected: string[] = [];
  for (const file of captures) {
    const bar = options.quiet || !process.stderr.isTTY ? null : await captureProgress(file === '-' ? 'stdin' : file, () => analyzer.packets);
    try {
      await analyzer.addCapture(file, bar ? { progress: bar.update } : {});
    } catch (err) {
      if (!(err instanceof CaptureFormatError)) throw err;
      rejected.push(err.message);
      process.stderr.write(`vigil: ${err.message}\n`);
    } finally {
      bar?.stop();
    }
  }
  const summary = await analyzer.finish();
  if (options.out) writeFileSync(join(options.out, 'summary.json'), JSON.stringify(summary, null, 2) + '\n');
  let inventoryLine: string | null = null;
  if (inventory && db && summary.files.length > 0) {
    const name = captures.length === 1 ? captures[0] : `${captures[0]} (+${captures.length - 1})`;
    const { writeInventory } = await import('./inventory-output.js');
    inventoryLine = await writeInventory(db, inventory, { name, packets: summary.packets, bytes: summary.bytes, firstTs: summary.firstTs, lastTs: summary.lastTs }, options.out);
  }
  // When no input was a capture there is nothing to summarise: the error lines say it all.
  const nothingRead = summary.files.length === 0 && rejected.length > 0;
  if (options.json) process.stdout.write(JSON.stringify(summary, null, 2) + '\n');
  else if (!options.quiet && !nothingRead) process.stdout.write(formatSummary(summary) + '\n' + (inventoryLine ? inventoryLine + '\n' : ''));
  return { summary, rejected };
}
