import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Analyzer } from '../analyze/analyzer.js';
import { CaptureFormatError } from '../capture/capture-error.js';
import { startLiveCapture } from '../capture/live-capture.js';
import { loadAnalysis } from '../protocols/dissector-catalog.js';
import { formatSummary } from './format-summary.js';

export interface SensorOptions {
  interface: string;
  out?: string;
  filter?: string;
  duration?: number;
  json?: boolean;
}

/** `vigil sensor --interface IF`: the analyze pipeline on a live capture tool's output. */
export async function sensorCommand(options: SensorOptions): Promise<number> {
  const analyzer = new Analyzer({ ...(await loadAnalysis('all')), outDir: options.out, onWarning: (m) => process.stderr.write(`vigil: warning: ${m}\n`) });
  const live = startLiveCapture({ interface: options.interface, filter: options.filter, durationS: options.duration });
  // 'close', not 'exit': tcpdump prints its drop count as it exits, and 'exit' can come before that
  // last stderr output has been read.
  const exited = new Promise<number | null>((resolve) => live.child.on('close', (code) => resolve(code)));
  const stop = () => live.stop();
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  process.stderr.write(`vigil: capturing on ${options.interface} with ${live.tool} (receive only); Ctrl-C to stop\n`);
  let failed = false;
  try {
    await analyzer.addStream(`${live.tool} on ${options.interface}`, live.stream);
  } catch (err) {
    if (!(err instanceof CaptureFormatError)) throw err;
    failed = true;
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
  const code = await exited;
  const summary = analyzer.finish();
  const drops = live.reportedDrops();
  if (failed || (code !== 0 && code !== null && analyzer.packets === 0)) {
    process.stderr.write(`vigil: ${live.tool} could not capture on ${options.interface} (exit status ${code})\n`);
    return 2;
  }
  const withDrops = { ...summary, captureDrops: drops };
  if (options.out) writeFileSync(join(options.out, 'summary.json'), JSON.stringify(withDrops, null, 2) + '\n');
  if (options.json) process.stdout.write(JSON.stringify(withDrops, null, 2) + '\n');
  else {
    process.stdout.write(formatSummary(summary) + '\n');
    if (drops !== null) process.stdout.write(`capture drops ${drops} (reported by ${live.tool})\n`);
  }
  return 0;
}
