/**
 * The scale-out test bed: two simulated hospitals, a NATS namespace of the test's own on the real
 * JetStream (so the machine's other users of NATS are not disturbed), and fresh PostgreSQL databases.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { connect } from '@nats-io/transport-node';
import { ensureBuilt, VIGIL } from '../cli/cli-helpers.js';
import { openNatsLink, removeNamespace } from '../../src/scale/nats-link.js';
import { SensorRun } from '../../src/scale/sensor-run.js';
import { loadAttributeKnowledge } from '../../src/inventory/knowledge.js';
import { CentralService, type CentralOptions } from '../../src/scale/central-service.js';

export const NATS_URL = process.env.VIGIL_TEST_NATS ?? 'nats://127.0.0.1:4222';

async function natsReachable(): Promise<string | null> {
  try {
    const nc = await connect({ servers: NATS_URL.replace(/^nats:\/\//, ''), timeout: 2000 });
    await nc.close();
    return null;
  } catch (err) {
    return `NATS not reachable at ${NATS_URL} (${(err as Error).message}); set VIGIL_TEST_NATS`;
  }
}
export const natsSkipReason = await natsReachable();
if (natsSkipReason) console.warn(`skipping scale-out tests: ${natsSkipReason}`);

export interface SiteCapture {
  site: string;
  pcap: string;
  siteFile: string;
}

/** Simulated hospitals, written once per folder and reused (the simulator is deterministic). */
export function simulatedSites(dir: string, sites: { site: string; seed: number }[], devices = 90, duration = '15m'): SiteCapture[] {
  ensureBuilt();
  mkdirSync(dir, { recursive: true });
  return sites.map(({ site, seed }) => {
    const pcap = join(dir, `${site}.pcapng`);
    const siteFile = join(dir, `${site}.yaml`);
    if (!existsSync(pcap)) {
      const r = spawnSync(process.execPath, [VIGIL, 'simulate', '--seed', String(seed), '--devices', String(devices), '--duration', duration, '--attacks', 'port-scan', '--out', pcap, '--site', siteFile], { encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`simulate failed: ${r.stderr}`);
    }
    return { site, pcap, siteFile };
  });
}

/** Runs one sensor over a capture and publishes its windows; returns what it reports. */
export async function runSensor(c: SiteCapture, o: { namespace: string; spoolDir: string; windowS?: number; publish?: string; spoolMaxBytes?: number; flushTimeoutS?: number; log?: string[] }) {
  const run = new SensorRun({
    site: c.site,
    sensorId: `${c.site}-sensor`,
    publish: o.publish ?? NATS_URL,
    namespace: o.namespace,
    spoolDir: o.spoolDir,
    spoolMaxBytes: o.spoolMaxBytes ?? 256 * 1024 * 1024,
    windowS: o.windowS ?? 0,
    zonesFile: c.siteFile,
    detect: true,
    flushTimeoutS: o.flushTimeoutS ?? 20,
    log: (line) => o.log?.push(line),
  });
  await run.start();
  await run.read(c.pcap);
  const summary = run.finishAndCut(c.pcap);
  return { run, result: await run.end(summary) };
}

export function central(o: Omit<CentralOptions, 'knowledge' | 'log'> & { log?: string[] }): CentralService {
  return new CentralService({ knowledge: loadAttributeKnowledge({ rulesDirs: [] }), analyticsIntervalS: 0, idleExitS: 3, ackWaitS: 5, retryDelayMs: 200, ...o, log: (line) => o.log?.push(line) });
}

/** Deletes the test's stream and bucket. */
export async function dropNamespace(namespace: string, url = NATS_URL): Promise<void> {
  const link = await openNatsLink(url, 'vigil-test-cleanup', { namespace });
  await removeNamespace(link);
  await link.close();
}
