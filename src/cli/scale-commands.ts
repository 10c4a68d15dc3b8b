import { CaptureFormatError } from '../capture/capture-error.js';
import { startLiveCapture } from '../capture/live-capture.js';
import { loadAttributeKnowledge } from '../inventory/knowledge.js';
import { CentralService } from '../scale/central-service.js';
import { SensorRun } from '../scale/sensor-run.js';
import { formatSummary } from './format-summary.js';

export interface PublishSensorOptions {
  interface?: string;
  read?: string[];
  site: string;
  publish: string;
  namespace?: string;
  sensorId?: string;
  spool?: string;
  spoolMaxBytes?: number;
  window?: number;
  siteFile?: string;
  detect?: boolean;
  ioc?: string[];
  approved?: string[];
  zonePolicy?: string[];
  dissectors?: string;
  filter?: string;
  duration?: number;
  flushTimeout?: number;
  packetStore?: string;
  json?: boolean;
}

/** `vigil sensor --site NAME --publish nats://...`: analyse here, publish windows to the central service. */
export async function publishSensorCommand(o: PublishSensorOptions): Promise<number> {
  if (!!o.interface === !!(o.read && o.read.length)) {
    process.stderr.write('vigil: sensor needs --interface IF or --read FILE (one of them)\n');
    return 2;
  }
  const log = (line: string) => process.stderr.write(`vigil sensor: ${line}\n`);
  const packets = o.packetStore ? (await import('../forensics/packet-store-hook.js')).packetStoreHook(o.packetStore) : null;
  const run = new SensorRun({
    site: o.site,
    publish: o.publish,
    namespace: o.namespace,
    sensorId: o.sensorId,
    spoolDir: o.spool ?? `./vigil-spool-${o.site}`,
    spoolMaxBytes: o.spoolMaxBytes ?? 1024 * 1024 * 1024,
    windowS: o.window ?? (o.read ? 0 : 300),
    zonesFile: o.siteFile,
    detect: o.detect !== false,
    ioc: o.ioc,
    approved: o.approved,
    zonePolicy: o.zonePolicy,
    dissectors: o.dissectors,
    flushTimeoutS: o.flushTimeout ?? 30,
    ...(packets ? { onPacket: (rec, p) => packets.onPacket(rec, p) } : {}),
    log,
  });
  await run.start();
  let summary;
  if (o.read) {
    for (const f of o.read) await run.read(f);
    summary = run.finishAndCut(o.read.length === 1 ? o.read[0] : `${o.read[0]} (+${o.read.length - 1})`);
  } else {
    const live = startLiveCapture({ interface: o.interface!, filter: o.filter, durationS: o.duration });
    const exited = new Promise<number | null>((resolve) => live.child.on('close', (code) => resolve(code)));
    const stop = () => live.stop();
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
    const name = `${live.tool} on ${o.interface}`;
    log(`capturing on ${o.interface} with ${live.tool} (receive only), a window every ${o.window ?? 300} s to ${o.publish}; Ctrl-C to stop`);
    try {
      await run.read(name, live.stream);
    } catch (err) {
      if (!(err instanceof CaptureFormatError)) throw err;
    } finally {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
    }
    await exited;
    run.noteCaptureDrops(live.reportedDrops());
    summary = run.finishAndCut(name);
  }
  await packets?.close();
  const r = await run.end(summary);
  const line = `Sensor     ${run.sensor} at ${o.site}: ${r.windows} windows, ${r.published} published, ${r.spooled} left in the spool, ${r.dropped.windows} dropped (${r.dropped.bytes} bytes)`;
  if (o.json) process.stdout.write(JSON.stringify({ ...r.summary, sensor: { id: run.sensor, site: o.site, windows: r.windows, published: r.published, spooled: r.spooled, dropped: r.dropped } }, null, 2) + '\n');
  else process.stdout.write(formatSummary(r.summary) + '\n' + line + '\n');
  // Windows left behind are not lost (the next start publishes them), but the caller should know.
  return r.spooled > 0 ? 3 : 0;
}

export interface CentralCommandOptions {
  nats: string;
  postgres: string;
  durable?: string;
  namespace?: string;
  rules?: string[];
  analyticsInterval?: number;
  idleExit?: number;
  ackWait?: number;
  concurrency?: number;
}

/** `vigil central`: consume every site's windows into one store. */
export async function centralCommand(o: CentralCommandOptions): Promise<number> {
  const service = new CentralService({
    nats: o.nats,
    store: o.postgres,
    durable: o.durable,
    namespace: o.namespace,
    knowledge: loadAttributeKnowledge({ rulesDirs: o.rules ?? [] }),
    analyticsIntervalS: o.analyticsInterval,
    idleExitS: o.idleExit,
    ackWaitS: o.ackWait,
    concurrency: o.concurrency,
  });
  const stop = () => service.stop();
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  try {
    const s = await service.run();
    process.stdout.write(`Central    ${s.stored} windows stored (${s.observations} facts), ${s.duplicates} duplicates recognised, ${s.redelivered} redelivered, ${s.rejected} rejected, ${s.retried} retried\n`);
    return 0;
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}
