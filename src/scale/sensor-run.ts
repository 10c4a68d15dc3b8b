/**
 * `vigil sensor --publish`: the whole pipeline at one mirror port (decode, flows, dissectors, facts,
 * detection, the local packet store), cut into windows that go to the spool and from there to
 * JetStream. A capture file is one window; a live interface gives one every `windowS` seconds.
 * Detection starts afresh each window, so a slow scan spread over more than one window is judged
 * window by window.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Readable } from 'node:stream';
import { Analyzer, type AnalyzerOptions } from '../analyze/analyzer.js';
import type { AnalysisSummary } from '../analyze/analysis-summary.js';
import { CaptureFormatError } from '../capture/capture-error.js';
import { Detector } from '../detect/detector.js';
import { loadApproved } from '../detect/approved.js';
import { InventoryCollector, WORKFLOW_KEYS } from '../inventory/inventory-collector.js';
import { loadSiteFile, type SiteZone } from '../inventory/site-zones.js';
import { loadZonePolicy, type ZonePolicy } from '../detect/zone-policy.js';
import { selectAnalysis } from '../protocols/index.js';
import { openNatsLink, type NatsLink } from './nats-link.js';
import { buildWindow, NAME_PATTERN, serializeWindow } from './sensor-window.js';
import { WindowPublisher } from './window-publisher.js';
import { WindowSpool, type SpoolDrops } from './window-spool.js';

export const VIGIL_VERSION = '0.1.0';

export interface SensorRunOptions {
  site: string;
  publish: string;
  /** NATS namespace shared with the central service (default `vigil`). */
  namespace?: string;
  sensorId?: string;
  spoolDir: string;
  spoolMaxBytes: number;
  /** Seconds of traffic (packet time) per window; 0: one window for everything read. */
  windowS: number;
  /** Site file (YAML): zones travel with each window so the central service can place devices. */
  zonesFile?: string;
  detect: boolean;
  ioc?: string[];
  approved?: string[];
  /** Zone policy files for `segmentation.violation` (default: the bundled one). */
  zonePolicy?: string[];
  dissectors?: string;
  /** Seconds to keep trying to empty the spool at the end before leaving the rest for the next start. */
  flushTimeoutS: number;
  onPacket?: AnalyzerOptions['onPacket'];
  log: (line: string) => void;
}

export interface SensorRunResult {
  summary: AnalysisSummary;
  windows: number;
  published: number;
  /** Windows still in the spool at the end (published on the next start). */
  spooled: number;
  dropped: SpoolDrops;
}

export class SensorNameError extends Error {
  override name = 'SensorNameError';
}

const defaultSensorId = (site: string) => `${site}-${hostname().replace(/[^A-Za-z0-9_-]/g, '-')}`.slice(0, 64);

/** One sensor process: analyse sources, window, spool, publish. */
export class SensorRun {
  readonly sensor: string;
  readonly run = `${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;
  private seq = 0;
  private collector = new InventoryCollector();
  private detector: Detector | null;
  readonly analyzer: Analyzer;
  readonly spool: WindowSpool;
  private readonly zones: SiteZone[];
  private readonly zonePolicy: ZonePolicy | null;
  private link: NatsLink | null = null;
  private publisher: WindowPublisher | null = null;
  private draining: Promise<void> = Promise.resolve();
  private reportedOffline = false;
  private captureDrops = 0;
  published = 0;
  windows = 0;

  constructor(private readonly o: SensorRunOptions) {
    if (!NAME_PATTERN.test(o.site)) throw new SensorNameError(`site name ${JSON.stringify(o.site)}: use letters, digits, - and _ only (it becomes part of a NATS subject)`);
    this.sensor = o.sensorId ?? defaultSensorId(o.site);
    if (!NAME_PATTERN.test(this.sensor)) throw new SensorNameError(`sensor id ${JSON.stringify(this.sensor)}: use letters, digits, - and _ only`);
    this.zones = o.zonesFile ? loadSiteFile(o.zonesFile) : [];
    // Read once, at start: a bad policy file stops the sensor before it captures anything.
    this.zonePolicy = o.detect ? loadZonePolicy(o.zonePolicy ?? []) : null;
    this.spool = new WindowSpool(o.spoolDir, this.sensor, o.spoolMaxBytes, (w, why) => o.log(`dropped window ${w.batch} (${w.bytes} bytes): ${why}`));
    this.detector = o.detect ? this.newDetector() : null;
    const raw = new Set([...WORKFLOW_KEYS, ...(this.detector?.rawKeys ?? [])]);
    this.analyzer = new Analyzer({
      ...selectAnalysis(o.dissectors ?? 'all'),
      onWarning: (m) => o.log(`warning: ${m}`),
      onFlow: (f) => {
        this.collector.flow(f);
        this.detector?.flow(f);
      },
      onObservation: (ob) => {
        this.collector.observation(ob);
        this.detector?.observation(ob);
      },
      rawObservationKeys: raw,
      onRawObservation: (ob) => {
        if (WORKFLOW_KEYS.has(ob.key)) this.collector.rawObservation(ob);
        this.detector?.raw(ob);
      },
      onPacket: (rec, p) => {
        o.onPacket?.(rec, p);
        if (o.windowS > 0) this.clock(p.ts);
      },
    });
  }

  private windowEnd: number | null = null;
  private source = '';

  /** Packet time decides windows, so a file cuts where a live capture of the same traffic would. */
  private clock(ts: number): void {
    if (this.windowEnd === null) {
      this.windowEnd = ts + this.o.windowS;
      this.windowStart = ts;
      return;
    }
    if (ts < this.windowEnd) return;
    this.cutLiveWindow(this.source);
    while (this.windowEnd <= ts) this.windowEnd += this.o.windowS;
    this.windowStart = ts;
  }

  private newDetector(): Detector {
    return new Detector({ iocFiles: this.o.ioc, approved: loadApproved(this.o.approved ?? []), zones: this.zones, zonePolicy: this.zonePolicy ?? undefined });
  }

  /** Connects to NATS, and publishes whatever an earlier run left in the spool. Unreachable NATS is not fatal. */
  async start(): Promise<void> {
    const left = this.spool.list();
    if (left.length) this.o.log(`${left.length} windows from an earlier run are in the spool ${this.spool.dir}`);
    await this.connect();
    this.drain();
  }

  private async connect(): Promise<boolean> {
    if (this.link) return true;
    try {
      this.link = await openNatsLink(this.o.publish, `vigil-sensor-${this.sensor}`, { timeoutMs: 3000, namespace: this.o.namespace });
      this.publisher = new WindowPublisher(this.link, this.spool, this.o.site);
      return true;
    } catch (err) {
      if (!this.reportedOffline) this.o.log(`${(err as Error).message}; windows go to the spool ${this.spool.dir} until it is reachable`);
      this.reportedOffline = true;
      return false;
    }
  }

  /** Reads one capture file or stream to its end (all of it goes into the next window). */
  async read(name: string, input?: Readable): Promise<void> {
    this.source = name;
    try {
      if (input) await this.analyzer.addStream(name, input);
      else await this.analyzer.addCapture(name);
    } catch (err) {
      if (!(err instanceof CaptureFormatError)) throw err;
      this.o.log(err.message);
    }
  }

  noteCaptureDrops(n: number | null): void {
    if (n !== null) this.captureDrops = n;
  }

  /** Cuts a window of what was gathered since the last one, spools it and starts publishing it. */
  cutWindow(summary: Pick<AnalysisSummary, 'packets' | 'bytes' | 'firstTs' | 'lastTs'>, name: string): void {
    const evidence = this.collector.takeWindow();
    const detected = this.detector?.finish() ?? { alerts: [], incidents: [] };
    if (this.detector) this.detector = this.newDetector();
    const seq = ++this.seq;
    const build = (drops: SpoolDrops) =>
      serializeWindow(
        buildWindow({
          sensor: this.sensor,
          site: this.o.site,
          run: this.run,
          seq,
          vigil: VIGIL_VERSION,
          capture: { name, packets: summary.packets, bytes: summary.bytes, firstTs: summary.firstTs, lastTs: summary.lastTs },
          zones: this.zones,
          drops: { windows: drops.windows, bytes: drops.bytes, capture: this.captureDrops },
          evidence,
          alerts: detected.alerts,
          incidents: detected.incidents,
        }),
      );
    this.windows++;
    this.spool.add(this.run, seq, build);
    this.drain();
  }

  /** Starts emptying the spool unless that is already under way. */
  drain(): Promise<void> {
    this.draining = this.draining.then(async () => {
      if (!(await this.connect()) || !this.publisher) return;
      const r = await this.publisher.drain();
      this.published += r.published;
      if (r.stoppedBy) {
        if (!this.reportedOffline) this.o.log(`cannot publish to NATS (${r.stoppedBy}); ${this.spool.list().length} windows wait in the spool`);
        this.reportedOffline = true;
      } else if (this.reportedOffline && r.published > 0) {
        this.o.log(`NATS reachable again: published ${r.published} spooled windows`);
        this.reportedOffline = false;
      }
    });
    return this.draining;
  }

  /** Keeps trying to empty the spool until it is empty or `timeoutS` has passed. */
  async flush(timeoutS: number): Promise<number> {
    const until = Date.now() + timeoutS * 1000;
    for (;;) {
      await this.drain();
      const left = this.spool.list().length;
      if (left === 0 || Date.now() >= until) return left;
      await new Promise((r) => setTimeout(r, 500));
    }
  }

  /** After the last window: empties the spool as far as `flushTimeoutS` allows, and disconnects. */
  async end(summary: AnalysisSummary): Promise<SensorRunResult> {
    const spooled = await this.flush(this.o.flushTimeoutS);
    await this.link?.close().catch(() => undefined);
    return { summary, windows: this.windows, published: this.published, spooled, dropped: this.spool.dropped };
  }

  /** Cuts a window at a packet-time boundary: the packets since the previous window, the facts and flows that ended in it. */
  cutLiveWindow(name: string): void {
    const packets = this.analyzer.packets - this.counted.packets;
    const bytes = this.analyzer.bytes - this.counted.bytes;
    this.counted = { packets: this.analyzer.packets, bytes: this.analyzer.bytes };
    this.cutWindow({ packets, bytes, firstTs: this.windowStart, lastTs: this.analyzer.flows.now }, name);
  }
  private counted = { packets: 0, bytes: 0 };
  private windowStart: number | null = null;

  /** Ends the analysis (flushing open flows into the last window) and cuts that window. */
  finishAndCut(name: string): AnalysisSummary {
    const summary = this.analyzer.finish();
    this.cutWindow({ packets: summary.packets - this.counted.packets, bytes: summary.bytes - this.counted.bytes, firstTs: this.windowStart ?? summary.firstTs, lastTs: summary.lastTs }, name);
    return summary;
  }
}
