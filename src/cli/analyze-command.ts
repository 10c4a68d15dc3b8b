import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AnalysisSummary } from '../analyze/analysis-summary.js';
import { Analyzer, type AnalyzerOptions } from '../analyze/analyzer.js';
import { CaptureFormatError } from '../capture/capture-error.js';
import { selectDissectors } from '../protocols/index.js';
import { formatSummary } from './format-summary.js';
import { captureProgress } from './progress.js';

export interface AnalyzeCommandOptions {
  out?: string;
  workers?: number;
  json?: boolean;
  maxFlows?: number;
  quiet?: boolean;
  /** `all`, `none`, or comma-separated dissector names. */
  dissectors?: string;
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
  const analyzer =
    (options.workers ?? 1) > 1
      ? new (await import('../analyze/parallel/parallel-analysis.js')).ParallelAnalysis({ workers: options.workers!, outDir: options.out, maxFlows: options.maxFlows, dissectors, onWarning: warn })
      : new Analyzer({
          outDir: options.out,
          flowTable: options.maxFlows ? { maxFlows: options.maxFlows } : undefined,
          dissectors: selectDissectors(dissectors),
          onWarning: warn,
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
  // When no input was a capture there is nothing to summarise: the error lines say it all.
  const nothingRead = summary.files.length === 0 && rejected.length > 0;
  if (options.json) process.stdout.write(JSON.stringify(summary, null, 2) + '\n');
  else if (!options.quiet && !nothingRead) process.stdout.write(formatSummary(summary) + '\n');
  return { summary, rejected };
}
