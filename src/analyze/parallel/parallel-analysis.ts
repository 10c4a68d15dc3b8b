import type { FlowRecord } from '../flow-record.js';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { CaptureFormatError } from '../../capture/capture-error.js';
import { readCaptureFile, type ReadOptions } from '../../capture/capture-reader.js';
import type { PacketRecord } from '../../capture/packet-record.js';
import type { Observation } from '../../protocols/observation.js';
import type { AnalysisSummary, CaptureFileSummary } from '../analysis-summary.js';
import { JsonlWriter } from '../jsonl-writer.js';
import { readCaptureInto } from '../read-capture-into.js';
import { ObservationDedup } from '../observation-dedup.js';
import type { WorkerInput, WorkerMessage, WorkerRequest } from './analysis-worker.js';
import { addTotals, countRecord, emptyTotals } from './read-totals.js';
import { FlowRouter } from './flow-router.js';
import { createRing, RingProducer } from './packet-ring.js';

export interface ParallelOptions {
  workers: number;
  outDir?: string;
  maxFlows?: number;
  /** Keep the same addresses on two VLANs as two flows. */
  vlanAware?: boolean;
  /** `--dissectors` value, resolved in each worker. */
  dissectors?: string;
  onWarning?: (message: string) => void;
  ringBytes?: number;
  /**
   * Each worker reads the capture files itself (regular, uncompressed files only: a pipe cannot be
   * read twice, and a gzip'd file would be inflated once per worker). Otherwise this thread reads and
   * hands each worker its packets through a shared ring.
   */
  readFiles?: boolean;
  /** Receives every flow as it ends (in addition to flows.jsonl). */
  onFlow?: (flow: FlowRecord) => void;
  /** Receives every new observation, in time order (in addition to observations.jsonl). */
  onObservation?: (o: Observation) => void;
  rawObservationKeys?: ReadonlySet<string>;
  onRawObservation?: (o: Observation) => void;
}

/**
 * `analyze --workers N`: packets are routed by a symmetric flow hash to one worker, which runs
 * decode, flows, reassembly and dissectors for the flows it owns, so nothing is locked. Either this
 * thread reads the captures and copies each packet into its worker's shared ring, or (`readFiles`)
 * every worker reads the files and keeps its own packets. Results come back in batches and are
 * merged here.
 */
export class ParallelAnalysis {
  private readonly producers: RingProducer[] = [];
  private readonly workers: Worker[] = [];
  private readonly done: Promise<AnalysisSummary>[] = [];
  private readonly router: FlowRouter;
  private readonly dedup = new ObservationDedup();
  private readonly flowWriter: JsonlWriter | null = null;
  private readonly observationWriter: JsonlWriter | null = null;
  private readonly files: CaptureFileSummary[] = [];
  private readonly started = process.hrtime.bigint();
  /** Every packet read so far, whichever worker analyses it. */
  private readonly seen = emptyTotals();
  private observations = 0;

  constructor(private readonly options: ParallelOptions) {
    this.router = new FlowRouter(options.workers);
    if (options.outDir) {
      mkdirSync(options.outDir, { recursive: true });
      this.flowWriter = new JsonlWriter(join(options.outDir, 'flows.jsonl'));
      this.observationWriter = new JsonlWriter(join(options.outDir, 'observations.jsonl'));
    }
    for (let i = 0; i < options.workers; i++) {
      const ring = options.readFiles ? null : createRing(options.ringBytes ?? 16 * 1024 * 1024);
      const input: WorkerInput = { index: i, workers: options.workers, ring, maxFlows: options.maxFlows, vlanAware: options.vlanAware, dissectors: options.dissectors ?? 'all', wantFlows: Boolean(options.outDir) || options.onFlow !== undefined, rawKeys: options.onRawObservation && options.rawObservationKeys ? [...options.rawObservationKeys] : undefined };
      const worker = new Worker(new URL('./analysis-worker.js', import.meta.url), { workerData: input });
      this.workers.push(worker);
      if (ring) this.producers.push(new RingProducer(ring));
      this.done.push(
        new Promise<AnalysisSummary>((resolve, reject) => {
          worker.on('message', (m: WorkerMessage) => {
            if (m.type === 'flows') {
              for (const f of m.items) {
                this.flowWriter?.write(f);
                this.options.onFlow?.(f);
              }
            }
            else if (m.type === 'observations') for (const o of m.items) this.pending.push(o);
            else if (m.type === 'raw') for (const o of m.items) this.options.onRawObservation?.(o);
            else if (m.type === 'warning') this.options.onWarning?.(m.message);
            else if (m.type === 'progress') {
              this.progressPackets = this.seen.packets + m.packets;
              this.readProgress?.(m.position, m.total);
            } else if (m.type === 'read') this.fileRead[i]?.(m);
            else resolve(m.summary);
          });
          const fail = (err: Error) => {
            reject(err);
            // A file being read in the workers is answered by this failure too, not awaited forever.
            this.fileFailed[i]?.(err);
          };
          worker.on('error', fail);
          worker.on('exit', (code) => {
            if (code !== 0) fail(new Error(`analysis worker ${i} exited with status ${code}`));
          });
        }),
      );
    }
  }

  async addCapture(path: string, read: ReadOptions = {}): Promise<CaptureFileSummary> {
    if (this.options.readFiles) return this.readInWorkers(path, read);
    const file = await readCaptureInto(path, (sink) => readCaptureFile(path, sink, read), (rec) => this.packet(rec), this.options.onWarning);
    for (const p of this.producers) p.publish();
    this.files.push(file);
    return file;
  }

  /** File mode: where the reading worker's progress goes, and each worker's answer for the file being read. */
  private readProgress: ReadOptions['progress'] | undefined;
  private readonly fileRead: (((m: Extract<WorkerMessage, { type: 'read' }>) => void) | undefined)[] = [];
  private readonly fileFailed: (((err: Error) => void) | undefined)[] = [];
  /** While the workers read a file: packets read so far, from the reading worker's progress. */
  private progressPackets: number | null = null;

  get packets(): number {
    return this.progressPackets ?? this.seen.packets;
  }

  private async readInWorkers(path: string, read: ReadOptions): Promise<CaptureFileSummary> {
    this.readProgress = read.progress;
    const answers = await Promise.all(
      this.workers.map(
        (w, i) =>
          new Promise<Extract<WorkerMessage, { type: 'read' }>>((resolve, reject) => {
            this.fileRead[i] = resolve;
            this.fileFailed[i] = reject;
            w.postMessage({ type: 'read', path } satisfies WorkerRequest);
          }),
      ),
    );
    this.readProgress = undefined;
    this.progressPackets = null;
    const first = answers[0];
    addTotals(this.seen, first.totals);
    if (first.error) throw new CaptureFormatError(first.error.file, first.error.reason);
    this.files.push(first.file!);
    return first.file!;
  }

  private packet(rec: PacketRecord): void {
    countRecord(this.seen, rec);
    const w = this.router.route(rec.buf, rec.offset, rec.caplen, rec.linkType);
    this.producers[w].push(rec.buf, rec.offset, rec.caplen, rec.origLen, rec.tsSec, rec.tsNsec, rec.linkType, rec.frameNumber);
  }

  /**
   * Workers report facts in their own order; kept until the end and de-duplicated in capture-time
   * order, so each fact is described by its earliest sighting, exactly as one thread would. Each
   * worker already dropped its own repeats, so this holds distinct facts, not packets.
   */
  private readonly pending: Observation[] = [];

  private writeObservations(): void {
    this.pending.sort((a, b) => a.ts - b.ts);
    for (const o of this.pending) {
      if (!this.dedup.isNew(o.src, o.key, o.value)) continue;
      this.observations++;
      this.observationWriter?.write(o);
      this.options.onObservation?.(o);
    }
    this.pending.length = 0;
  }

  async finish(): Promise<AnalysisSummary> {
    const seen = this.seen;
    const lastTs = seen.packets > 0 ? seen.lastTs : 0;
    for (const p of this.producers) p.close(lastTs);
    if (this.options.readFiles) for (const w of this.workers) w.postMessage({ type: 'finish' } satisfies WorkerRequest);
    const parts = await Promise.all(this.done);
    await Promise.all(this.workers.map((w) => w.terminate()));
    this.writeObservations();
    this.flowWriter?.close();
    this.observationWriter?.close();
    const elapsedS = Number(process.hrtime.bigint() - this.started) / 1e9;
    const any = seen.packets > 0;
    const durationS = any ? Math.round((seen.lastTs - seen.firstTs) * 1e6) / 1e6 : 0;
    const fileBytes = this.files.reduce((n, f) => n + f.bytes, 0);
    const sum = (pick: (s: AnalysisSummary) => number) => parts.reduce((n, s) => n + pick(s), 0);
    return {
      files: this.files,
      packets: seen.packets,
      bytes: seen.bytes,
      capturedBytes: seen.capturedBytes,
      flows: sum((s) => s.flows),
      observations: this.observations,
      firstTs: any ? seen.firstTs : null,
      lastTs: any ? seen.lastTs : null,
      durationS,
      packetsPerSecond: durationS > 0 ? Math.round((seen.packets / durationS) * 100) / 100 : 0,
      errors: mergeErrors(parts.map((s) => s.errors)),
      truncated: this.files.some((f) => f.truncated),
      flowTable: { evicted: sum((s) => s.flowTable.evicted), maxFlows: sum((s) => s.flowTable.maxFlows) },
      fragments: { reassembled: sum((s) => s.fragments.reassembled), dropped: sum((s) => s.fragments.dropped) },
      tcpReassembly: {
        gaps: sum((s) => s.tcpReassembly.gaps),
        gapBytes: sum((s) => s.tcpReassembly.gapBytes),
        overflows: sum((s) => s.tcpReassembly.overflows),
        dissectorErrors: sum((s) => s.tcpReassembly.dissectorErrors),
      },
      analysis: {
        elapsedS: Math.round(elapsedS * 1000) / 1000,
        packetsPerSecond: elapsedS > 0 ? Math.round(seen.packets / elapsedS) : 0,
        megabytesPerSecond: elapsedS > 0 ? Math.round((fileBytes / 1048576 / elapsedS) * 10) / 10 : 0,
        peakRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
        workers: this.options.workers,
      },
    };
  }
}

function mergeErrors(parts: Record<string, Record<string, number>>[]): Record<string, Record<string, number>> {
  const out: Record<string, Record<string, number>> = {};
  for (const part of parts)
    for (const [layer, reasons] of Object.entries(part)) {
      const into = (out[layer] ??= {});
      for (const [reason, n] of Object.entries(reasons)) into[reason] = (into[reason] ?? 0) + n;
    }
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => a.localeCompare(b)));
}
