import { parentPort, workerData } from 'node:worker_threads';
import { PacketRecord } from '../../capture/packet-record.js';
import { selectDissectors } from '../../protocols/index.js';
import { Analyzer } from '../analyzer.js';
import type { FlowRecord } from '../flow-record.js';
import type { Observation } from '../../protocols/observation.js';
import { RingConsumer, type RingBuffers } from './packet-ring.js';

/** What the reader thread gives each worker. */
export interface WorkerInput {
  index: number;
  workers: number;
  ring: RingBuffers;
  maxFlows?: number;
  vlanAware?: boolean;
  dissectors: string;
  /** Keys whose every emission is sent back as well (AnalyzerOptions.rawObservationKeys). */
  rawKeys?: string[];
}

export type WorkerMessage =
  | { type: 'flows'; items: FlowRecord[] }
  | { type: 'observations'; items: Observation[] }
  | { type: 'raw'; items: Observation[] }
  | { type: 'done'; summary: ReturnType<Analyzer['finish']> };

const BATCH = 512;

function run(input: WorkerInput): void {
  const port = parentPort!;
  let flows: FlowRecord[] = [];
  let observations: Observation[] = [];
  let raw: Observation[] = [];
  const analyzer = new Analyzer({
    dissectors: selectDissectors(input.dissectors),
    flowTable: { maxFlows: input.maxFlows, vlanAware: input.vlanAware, serialStride: input.workers, serialOffset: input.index },
    onFlow: (f) => {
      flows.push(f);
      if (flows.length >= BATCH) {
        port.postMessage({ type: 'flows', items: flows } satisfies WorkerMessage);
        flows = [];
      }
    },
    rawObservationKeys: input.rawKeys ? new Set(input.rawKeys) : undefined,
    onRawObservation: input.rawKeys
      ? (o) => {
          raw.push(o);
          if (raw.length >= BATCH) {
            port.postMessage({ type: 'raw', items: raw } satisfies WorkerMessage);
            raw = [];
          }
        }
      : undefined,
    onObservation: (o) => {
      observations.push(o);
      if (observations.length >= BATCH) {
        port.postMessage({ type: 'observations', items: observations } satisfies WorkerMessage);
        observations = [];
      }
    },
  });
  const rec = new PacketRecord();
  const consumer = new RingConsumer(input.ring);
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
  if (flows.length > 0) port.postMessage({ type: 'flows', items: flows } satisfies WorkerMessage);
  if (observations.length > 0) port.postMessage({ type: 'observations', items: observations } satisfies WorkerMessage);
  if (raw.length > 0) port.postMessage({ type: 'raw', items: raw } satisfies WorkerMessage);
  port.postMessage({ type: 'done', summary } satisfies WorkerMessage);
}

run(workerData as WorkerInput);
