import { parentPort, workerData } from 'node:worker_threads';
import { CaptureFormatError } from '../../capture/capture-error.js';
import { readCaptureFile } from '../../capture/capture-reader.js';
import { PacketRecord } from '../../capture/packet-record.js';
import { loadAnalysis } from '../../protocols/dissector-catalog.js';
import type { CaptureFileSummary } from '../analysis-summary.js';
import { Analyzer } from '../analyzer.js';
import type { FlowRecord } from '../flow-record.js';
import type { Observation } from '../../protocols/observation.js';
import { readCaptureInto } from '../read-capture-into.js';
import { FlowRouter } from './flow-router.js';
import { RingConsumer, type RingBuffers } from './packet-ring.js';
import { countRecord, emptyTotals, type ReadTotals } from './read-totals.js';

/** What the main thread gives each worker. */
export interface WorkerInput {
  index: number;
  workers: number;
  /** Packets come through this ring; null when each worker reads the capture files itself. */
  ring: RingBuffers | null;
  maxFlows?: number;
  vlanAware?: boolean;
  dissectors: string;
  /** Whether the main thread wants ended flows (flows.jsonl, a consumer): else none are built or sent. */
  wantFlows: boolean;
  /** Keys whose every emission is sent back as well (AnalyzerOptions.rawObservationKeys). */
  rawKeys?: string[];
}

export type WorkerMessage =
  | { type: 'flows'; items: FlowRecord[] }
  | { type: 'observations'; items: Observation[] }
  | { type: 'raw'; items: Observation[] }
  | { type: 'done'; summary: ReturnType<Analyzer['finish']> }
  /** File mode: worker 0's warnings and progress, each worker's end of a file. */
  | { type: 'warning'; message: string }
  | { type: 'progress'; packets: number; position: number; total: number }
  | { type: 'read'; file: CaptureFileSummary | null; error: { file: string; reason: string } | null; totals: ReadTotals };

/** File mode: what the main thread asks of a worker. */
export type WorkerRequest = { type: 'read'; path: string } | { type: 'finish' };


const BATCH = 512;

/** Items of one kind, sent to the main thread `BATCH` at a time: one message per item would cost more than the item. */
class Batch<T extends FlowRecord | Observation> {
  private items: T[] = [];

  constructor(
    private readonly type: 'flows' | 'observations' | 'raw',
    private readonly port: NonNullable<typeof parentPort>,
  ) {}

  readonly add = (item: T): void => {
    this.items.push(item);
    if (this.items.length >= BATCH) this.flush();
  };

  flush(): void {
    if (this.items.length === 0) return;
    this.port.postMessage({ type: this.type, items: this.items } as WorkerMessage);
    this.items = [];
  }
}

async function run(input: WorkerInput): Promise<void> {
  const port = parentPort!;
  const flows = new Batch<FlowRecord>('flows', port);
  const observations = new Batch<Observation>('observations', port);
  const raw = new Batch<Observation>('raw', port);
  const analyzer = new Analyzer({
    ...(await loadAnalysis(input.dissectors)),
    flowTable: { maxFlows: input.maxFlows, vlanAware: input.vlanAware, serialStride: input.workers, serialOffset: input.index },
    onFlow: input.wantFlows ? flows.add : undefined,
    rawObservationKeys: input.rawKeys ? new Set(input.rawKeys) : undefined,
    onRawObservation: input.rawKeys ? raw.add : undefined,
    onObservation: observations.add,
  });
  const flush = () => {
    flows.flush();
    observations.flush();
    raw.flush();
  };
  if (input.ring === null) readFiles(input, analyzer, flush);
  else drainRing(input, input.ring, analyzer, flush);
}

function drainRing(input: WorkerInput, ring: RingBuffers, analyzer: Analyzer, flush: () => void): void {
  const port = parentPort!;
  const rec = new PacketRecord();
  const consumer = new RingConsumer(ring);
  consumer.drain((r) => {
    rec.buf = r.buf;
    rec.offset = r.offset;
    rec.caplen = r.caplen;
    rec.origLen = r.origLen;
    rec.tsSec = r.tsSec;
    rec.tsNsec = r.tsNsec;
    rec.linkType = r.linkType;
    rec.frameNumber = r.frameNumber;
    analyzer.packet(rec);
  });
  const summary = analyzer.finish(input.workers, consumer.lastTs);
  flush();
  port.postMessage({ type: 'done', summary } satisfies WorkerMessage);
}

/**
 * File mode: every worker reads the whole file from the page cache and walks every record's headers
 * to the flow hash, but decodes and analyses only the packets of the flows it owns. Walking a record
 * costs a fraction of analysing it, and no thread copies packets for another: on a machine with
 * as many cores as workers, this is what makes a second worker pay. Worker 0 speaks for the file
 * (its summary, warnings and progress); all workers see the same records, so they agree on it.
 */
function readFiles(input: WorkerInput, analyzer: Analyzer, flush: () => void): void {
  const port = parentPort!;
  const router = new FlowRouter(input.workers);
  const me = input.index;
  const speaks = me === 0;
  // Every packet of each file, counted by each worker as it walks them all (its own and the others').
  const totals = emptyTotals();
  const packet = (rec: PacketRecord) => {
    countRecord(totals, rec);
    if (router.route(rec.buf, rec.offset, rec.caplen, rec.linkType) === me) analyzer.packet(rec);
  };
  const warn = speaks ? (message: string) => port.postMessage({ type: 'warning', message } satisfies WorkerMessage) : undefined;
  // Packets of the file being read: progress counts from its start.
  let before = emptyTotals();
  const progress = speaks ? (position: number, total: number) => port.postMessage({ type: 'progress', packets: totals.packets - before.packets, position, total } satisfies WorkerMessage) : undefined;
  port.on('message', (m: WorkerRequest) => {
    if (m.type === 'finish') {
      const summary = analyzer.finish(input.workers, totals.packets > 0 ? totals.lastTs : undefined);
      flush();
      port.postMessage({ type: 'done', summary } satisfies WorkerMessage);
      return;
    }
    before = { ...totals };
    readCaptureInto(m.path, (sink) => readCaptureFile(m.path, sink, progress ? { progress } : {}), packet, warn).then(
      (file) => {
        // Results so far go out with each file, so the main thread's consumers keep pace.
        flush();
        port.postMessage({ type: 'read', file, error: null, totals: delta(totals, before) } satisfies WorkerMessage);
      },
      (err: unknown) => {
        if (!(err instanceof CaptureFormatError)) throw err;
        port.postMessage({ type: 'read', file: null, error: { file: err.file, reason: err.message.slice(err.file.length + 2) }, totals: delta(totals, before) } satisfies WorkerMessage);
      },
    );
  });
}

function delta(now: ReadTotals, before: ReadTotals): ReadTotals {
  return { packets: now.packets - before.packets, bytes: now.bytes - before.bytes, capturedBytes: now.capturedBytes - before.capturedBytes, firstTs: now.firstTs, lastTs: now.lastTs };
}

await run(workerData as WorkerInput);
