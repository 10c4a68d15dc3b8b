import { closeSync, openSync, readSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AnalysisSummary } from '../analyze/analysis-summary.js';
import { Analyzer, type AnalyzerOptions } from '../analyze/analyzer.js';
import { CaptureFormatError } from '../capture/capture-error.js';
import { loadAnalysis } from '../protocols/dissector-catalog.js';
import { formatSummary } from './format-summary.js';
import { captureProgress } from './progress.js';
import { defaultDbLocation } from './db-location.js';

export interface AnalyzeCommandOptions {
  out?: string;
  workers?: number;
  json?: boolean;
  maxFlows?: number;
  /** Keep the same addresses on two VLANs as two flows (default: one flow). */
  vlanAwareFlows?: boolean;
  quiet?: boolean;
  /** `all`, `none`, or comma-separated dissector names. */
  dissectors?: string;
  /** Inventory store (SQLite file or postgres:// URL); false to keep no inventory. */
  db?: string | false;
  /** Site file (YAML) mapping subnets and VLANs to zones. */
  site?: string;
  /** Folders of extra fingerprint rules. */
  rules?: string[];
  /** Threat detection (default on; `--no-detect` turns it off). */
  detect?: boolean;
  /** IOC files (CSV or STIX 2.1) for `ioc.match`. */
  ioc?: string[];
  /** Files of approved destinations (see src/detect/approved.ts). */
  approved?: string[];
  /** Zone policy files for `segmentation.violation` (default: the bundled one; see src/detect/zone-policy.ts). */
  zonePolicy?: string[];
  /** Keep every packet in a rolling store in this folder (docs/forensics.md). */
  packetStore?: string;
  packetStoreMaxBytes?: number;
  packetStoreMaxAge?: number;
  packetStoreKey?: string;
  alertsSyslog?: string;
  alertsCef?: string;
  alertsWebhook?: string;
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
  // The SQL layer is loaded only for an analysis that writes a store (--no-db never pays for it).
  const inventory = db ? await (await import('./inventory-output.js')).prepareInventory(options) : null;
  const collector = inventory?.collector;
  const inventoryHooks: Pick<AnalyzerOptions, 'onFlow' | 'onObservation' | 'onRawObservation' | 'rawObservationKeys'> = collector
    ? { onFlow: (f) => collector.flow(f), onObservation: (o) => collector.observation(o), onRawObservation: (o) => collector.rawObservation(o), rawObservationKeys: (await import('../inventory/inventory-collector.js')).WORKFLOW_KEYS }
    : {};
  const detection = options.detect === false ? null : await import('../detect/detection-run.js');
  const detector = detection
    ? new (await import('../detect/detector.js')).Detector({
        iocFiles: options.ioc,
        approved: (await import('../detect/approved.js')).loadApproved(options.approved ?? []),
        zones: inventory?.site ?? (options.site ? (await import('../inventory/site-zones.js')).loadSiteFile(options.site) : []),
        zonePolicy: (await import('../detect/zone-policy.js')).loadZonePolicy(options.zonePolicy ?? []),
      })
    : null;
  for (const e of detector?.iocs.errors ?? []) warn(e);
  const hooks = detection && detector ? detection.chainHooks(inventoryHooks, detector) : inventoryHooks;
  // The packet store sees packets in the reading thread, so it needs the one-thread analysis.
  if (options.packetStore && (options.workers ?? 1) > 1) throw new Error('--packet-store keeps packets in the reading thread: use it without --workers');
  const packets = options.packetStore
    ? (await import('../forensics/packet-store-hook.js')).packetStoreHook(options.packetStore, {
        ...(options.packetStoreMaxBytes ? { maxBytes: options.packetStoreMaxBytes } : {}),
        ...(options.packetStoreMaxAge ? { maxAgeS: options.packetStoreMaxAge } : {}),
        keyFile: options.packetStoreKey,
      })
    : null;
  const analyzer =
    (options.workers ?? 1) > 1
      ? new (await import('../analyze/parallel/parallel-analysis.js')).ParallelAnalysis({ workers: options.workers!, outDir: options.out, maxFlows: options.maxFlows, vlanAware: options.vlanAwareFlows, dissectors, onWarning: warn, readFiles: captures.every(isPlainFile), ...hooks })
      : new Analyzer({
          outDir: options.out,
          flowTable: { ...(options.maxFlows ? { maxFlows: options.maxFlows } : {}), vlanAware: options.vlanAwareFlows ?? false },
          ...(await loadAnalysis(dissectors)),
          onWarning: warn,
          ...hooks,
          ...(packets ? { onPacket: (rec, p) => packets.onPacket(rec, p) } : {}),
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
  let alertsLine: string | null = null;
  if (detection && detector && summary.files.length > 0) {
    const finished = await detection.finishDetection(detector, { db, out: options.out, syslog: options.alertsSyslog, cef: options.alertsCef, webhook: options.alertsWebhook, warn });
    alertsLine = finished.line;
    // The packets around each alert outlive the store's retention.
    for (const a of finished.result.alerts) packets?.onAlert(a.firstTs, `alert ${a.uid}: ${a.rule}`);
  }
  await packets?.close();
  // When no input was a capture there is nothing to summarise: the error lines say it all.
  const nothingRead = summary.files.length === 0 && rejected.length > 0;
  if (options.json) process.stdout.write(JSON.stringify(summary, null, 2) + '\n');
  else if (!options.quiet && !nothingRead) process.stdout.write(formatSummary(summary) + '\n' + (inventoryLine ? inventoryLine + '\n' : '') + (alertsLine ? alertsLine + '\n' : ''));
  return { summary, rejected };
}

/** A regular file that is not gzip'd: each worker can read it itself (ParallelOptions.readFiles). */
function isPlainFile(path: string): boolean {
  if (path === '-') return false;
  try {
    if (!statSync(path).isFile()) return false;
    const fd = openSync(path, 'r');
    try {
      const magic = Buffer.alloc(2);
      return !(readSync(fd, magic, 0, 2, 0) === 2 && magic[0] === 0x1f && magic[1] === 0x8b);
    } finally {
      closeSync(fd);
    }
  } catch {
    // Unreadable: the reading thread reports it as it does for one worker.
    return false;
  }
}
