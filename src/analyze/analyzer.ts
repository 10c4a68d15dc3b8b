import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { readCaptureFile, readCaptureStream, type CaptureReadResult, type ReadOptions } from '../capture/capture-reader.js';
import { CaptureFormatError } from '../capture/capture-error.js';
import type { CaptureSink } from '../capture/capture-sink.js';
import type { PacketRecord } from '../capture/packet-record.js';
import { ipText, macText } from '../decode/address-text.js';
import { L3_ARP, L3_IPV4, L3_IPV6, LINK_PROTO_NONE, TCP_SYN, type DecodedPacket } from '../decode/decoded-packet.js';
import { PacketDecoder } from '../decode/packet-decoder.js';
import { FlowDissection, type DissectionOptions, type ObservationSink } from '../flow/flow-dissection.js';
import { FlowTable, type FlowEndReason, type FlowTableOptions } from '../flow/flow-table.js';
import { keyPort } from '../flow/flow-endpoints.js';
import { KEY_STRIDE } from '../flow/flow-key.js';
import { ServiceNames } from '../flow/service-names.js';
import type { Dissector } from '../protocols/dissector.js';
import { DissectorRegistry } from '../protocols/dissector-registry.js';
import { defaultFrameDissectors, type FrameDissector } from '../protocols/frame-dissector.js';
import type { Endpoint, Observation, ObservationValue } from '../protocols/observation.js';
import { TcpFingerprinter } from '../protocols/tcp-fingerprint/tcp-fingerprinter.js';
import type { AnalysisSummary, CaptureFileSummary } from './analysis-summary.js';
import { flowRecord, type FlowRecord } from './flow-record.js';
import { JsonlWriter } from './jsonl-writer.js';
import { readCaptureInto } from './read-capture-into.js';
import { ObservationDedup } from './observation-dedup.js';
import { RecentBindings } from './recent-bindings.js';

export interface AnalyzerOptions {
  /** Write summary.json, flows.jsonl and observations.jsonl here. */
  outDir?: string;
  /**
   * Flow dissectors, in port-claim priority order: `defaultDissectors()` (protocols/index.ts) for all,
   * or `loadAnalysis(spec)` (protocols/dissector-catalog.ts), which loads only the modules it names.
   */
  dissectors: readonly Dissector[];
  /** Dissectors of link-layer frames without IP (LLDP, CDP); default `defaultFrameDissectors()`. */
  frameDissectors?: readonly FrameDissector[];
  /**
   * p0f fingerprints of SYNs and SYN+ACKs (src/protocols/tcp-fingerprint); default on, each sender's
   * signature reported once; `every-connection` reports it for every connection (the p0f differential).
   */
  tcpFingerprints?: boolean | 'every-connection';
  flowTable?: Partial<FlowTableOptions>;
  dissection?: Partial<DissectionOptions>;
  /** Receives every flow as it ends (in addition to flows.jsonl). */
  onFlow?: (flow: FlowRecord) => void;
  /** Receives every new observation (in addition to observations.jsonl). */
  onObservation?: (o: Observation) => void;
  /**
   * Facts with these keys also go to `onRawObservation` each time they are emitted, before the
   * once-per-host deduplication: what crossed each conversation, not only each host's first time.
   */
  rawObservationKeys?: ReadonlySet<string>;
  onRawObservation?: (o: Observation) => void;
  onWarning?: (message: string) => void;
  /** Receives every packet as it is read and decoded (the packet store); both are reused: copy what you keep. */
  onPacket?: (rec: PacketRecord, p: DecodedPacket) => void;
}

/**
 * One pass over one or more captures: decode, flows, reassembly, dissectors, facts. Everything
 * downstream reads its outputs, so no capture is read twice.
 */
export class Analyzer implements ObservationSink {
  readonly decoder = new PacketDecoder();
  readonly flows: FlowTable;
  readonly dissection: FlowDissection;
  private readonly services = ServiceNames.shared();
  private readonly dedup = new ObservationDedup();
  private readonly flowWriter: JsonlWriter | null = null;
  private readonly observationWriter: JsonlWriter | null = null;
  private readonly files: CaptureFileSummary[] = [];
  packets = 0;
  bytes = 0;
  private capturedBytes = 0;
  private flowCount = 0;
  private observationCount = 0;
  private firstTs = Infinity;
  private lastTs = -Infinity;
  private readonly started = process.hrtime.bigint();
  private readonly onPacket = (rec: PacketRecord) => this.packet(rec);
  private readonly rawKeys: ReadonlySet<string> | null;
  /** Frame dissectors indexed by the LINK_PROTO_* they read. */
  private readonly frameDissectors: (FrameDissector | undefined)[] = [];
  private readonly tcpFingerprinter: TcpFingerprinter | null;
  private readonly recentBindings = new RecentBindings();

  constructor(private readonly options: AnalyzerOptions) {
    this.rawKeys = options.onRawObservation && options.rawObservationKeys ? options.rawObservationKeys : null;
    this.flows = new FlowTable(options.flowTable);
    for (const d of options.frameDissectors ?? defaultFrameDissectors()) this.frameDissectors[d.linkProto] = d;
    this.tcpFingerprinter = options.tcpFingerprints === false ? null : new TcpFingerprinter(undefined, options.tcpFingerprints === 'every-connection');
    const registry = new DissectorRegistry(options.dissectors);
    this.dissection = new FlowDissection(registry, this.flows, this, options.dissection);
    this.flows.setListener({ flowEnd: (id, reason) => this.flowEnd(id, reason) });
    if (options.outDir) {
      mkdirSync(options.outDir, { recursive: true });
      this.flowWriter = new JsonlWriter(join(options.outDir, 'flows.jsonl'));
      this.observationWriter = new JsonlWriter(join(options.outDir, 'observations.jsonl'));
    }
  }

  /** Read one capture to its end (or its damage). Throws CaptureFormatError for a non-capture. */
  addCapture(path: string, read: ReadOptions = {}): Promise<CaptureFileSummary> {
    return this.read(path, (sink) => readCaptureFile(path, sink, read));
  }

  /** The same for a stream (a live capture tool's output, standard input). */
  addStream(name: string, input: Readable, read: ReadOptions = {}): Promise<CaptureFileSummary> {
    return this.read(name, (sink) => readCaptureStream(name, input, sink, read));
  }

  private async read(name: string, reader: (sink: CaptureSink) => Promise<CaptureReadResult>): Promise<CaptureFileSummary> {
    const file = await readCaptureInto(name, reader, this.onPacket, this.options.onWarning);
    this.files.push(file);
    return file;
  }

  packet(rec: PacketRecord): void {
    this.packets++;
    this.bytes += rec.origLen;
    this.capturedBytes += rec.caplen;
    const p = this.decoder.decode(rec);
    this.options.onPacket?.(rec, p);
    const ts = p.ts;
    if (ts < this.firstTs) this.firstTs = ts;
    if (ts > this.lastTs) this.lastTs = ts;
    if (p.l3 === L3_IPV4 || p.l3 === L3_IPV6) {
      const id = this.flows.update(p);
      this.dissection.packet(id, p);
      // One flag test per packet; only SYNs and SYN+ACKs go further.
      if ((p.tcpFlags & TCP_SYN) !== 0 && this.tcpFingerprinter !== null) this.synFingerprint(id, p);
    } else if (p.linkProto !== LINK_PROTO_NONE) this.linkFrame(p);
    if (p.bindMacOffset >= 0) this.binding(p.l3 === L3_ARP ? 'arp.ip' : 'ndp.ip', p.ts, p.bindBuf, p.bindMacOffset, p.bindIpOffset, p.bindIpLength);
  }

  observe(ts: number, key: string, value: ObservationValue, src: Endpoint, dst: Endpoint, flow?: number): void {
    if (this.rawKeys !== null && this.rawKeys.has(key)) this.options.onRawObservation!(flow === undefined ? { ts, key, value, src, dst } : { ts, key, value, src, dst, flow });
    if (!this.dedup.isNew(src, key, value)) return;
    const o: Observation = flow === undefined ? { ts, key, value, src, dst } : { ts, key, value, src, dst, flow };
    this.observationCount++;
    this.observationWriter?.write(o);
    this.options.onObservation?.(o);
  }

  /** End the run: flush flows, close outputs, write summary.json. */
  finish(workers = 1, lastTs?: number): AnalysisSummary {
    // In a parallel worker, the last packet of the whole input may have gone to another worker.
    this.flows.flush(lastTs ?? this.flows.now);
    this.flowWriter?.close();
    this.observationWriter?.close();
    const elapsedS = Number(process.hrtime.bigint() - this.started) / 1e9;
    const any = this.packets > 0;
    const durationS = any ? Math.round((this.lastTs - this.firstTs) * 1e6) / 1e6 : 0;
    const fileBytes = this.files.reduce((n, f) => n + f.bytes, 0);
    const summary: AnalysisSummary = {
      files: this.files,
      packets: this.packets,
      bytes: this.bytes,
      capturedBytes: this.capturedBytes,
      flows: this.flowCount,
      observations: this.observationCount,
      firstTs: any ? this.firstTs : null,
      lastTs: any ? this.lastTs : null,
      durationS,
      packetsPerSecond: durationS > 0 ? Math.round((this.packets / durationS) * 100) / 100 : 0,
      errors: this.decoder.errors.toJSON(),
      truncated: this.files.some((f) => f.truncated),
      flowTable: { evicted: this.flows.evicted, maxFlows: this.flows.maxFlows },
      fragments: {
        reassembled: this.decoder.ipv4Fragments.completed + this.decoder.ipv6Fragments.completed,
        dropped: this.decoder.ipv4Fragments.dropped + this.decoder.ipv6Fragments.dropped,
      },
      tcpReassembly: {
        gaps: this.dissection.streamGaps,
        gapBytes: this.dissection.streamGapBytes,
        overflows: this.dissection.budget.overflows,
        dissectorErrors: this.dissection.dissectorErrors,
      },
      analysis: {
        elapsedS: Math.round(elapsedS * 1000) / 1000,
        packetsPerSecond: elapsedS > 0 ? Math.round(this.packets / elapsedS) : 0,
        megabytesPerSecond: elapsedS > 0 ? Math.round((fileBytes / 1048576 / elapsedS) * 10) / 10 : 0,
        peakRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
        workers,
      },
    };
    return summary;
  }

  private flowEnd(id: number, reason: FlowEndReason): void {
    const dissected = this.dissection.flowEnd(id);
    this.flowCount++;
    if (!this.flowWriter && !this.options.onFlow) return;
    const flows = this.flows;
    const origIsA = flows.origIsA[id] === 1;
    const proto = flows.keys[id * KEY_STRIDE + 1] & 0xff;
    const service =
      dissected ?? this.services.lookup(proto, keyPort(flows.keys, id, origIsA ? 1 : 0), keyPort(flows.keys, id, origIsA ? 0 : 1));
    const record = flowRecord(flows, id, service, reason);
    this.flowWriter?.write(record);
    this.options.onFlow?.(record);
  }


  /** A SYN or SYN+ACK: its facts describe the sender's TCP/IP stack. */
  private synFingerprint(id: number, p: DecodedPacket): void {
    let src: Endpoint | null = null;
    let dst: Endpoint | null = null;
    const ts = p.ts;
    const serial = this.flows.serial[id];
    this.tcpFingerprinter!.packet(id, serial, p, (key, value) => {
      src ??= { mac: p.srcMacOffset >= 0 ? macText(p.frame, p.srcMacOffset) : null, ip: ipText(p.addrBuf, p.srcAddrOffset, p.addrLength), port: p.srcPort };
      dst ??= { mac: p.dstMacOffset >= 0 ? macText(p.frame, p.dstMacOffset) : null, ip: ipText(p.addrBuf, p.dstAddrOffset, p.addrLength), port: p.dstPort };
      this.observe(ts, key, value, src, dst, serial);
    });
  }

  /** An LLDP or CDP frame: its facts describe the sending MAC, which has no IP here. */
  private linkFrame(p: DecodedPacket): void {
    const dissector = this.frameDissectors[p.linkProto];
    if (dissector === undefined || p.srcMacOffset < 0) return;
    const ts = p.ts;
    const src: Endpoint = { mac: macText(p.frame, p.srcMacOffset), ip: '', port: 0 };
    const dst: Endpoint = { mac: null, ip: '', port: 0 };
    try {
      dissector.frame(p.frame, p.l3Offset, p.frameOffset + p.frameLength - p.l3Offset, (key, value) => this.observe(ts, key, value, src, dst));
    } catch {
      // A dissector must not throw (the conformance suite holds it to that); if one does, count it, go on.
      this.decoder.errors.count(dissector.name, 'dissector threw');
    }
  }

  private binding(key: string, ts: number, buf: Buffer, macOffset: number, ipOffset: number, ipLength: number): void {
    // A consumer of every raw binding must see the repeats too.
    if (this.rawKeys === null || !this.rawKeys.has(key)) {
      if (this.recentBindings.seen(buf, macOffset, ipOffset, ipLength)) return;
    }
    const ip = ipText(buf, ipOffset, ipLength);
    this.observe(ts, key, ip, { mac: macText(buf, macOffset), ip, port: 0 }, { mac: null, ip: '', port: 0 });
  }
}

export { CaptureFormatError };
