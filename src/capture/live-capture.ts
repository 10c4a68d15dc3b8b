import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import type { Readable } from 'node:stream';

export interface LiveCaptureOptions {
  interface: string;
  filter?: string;
  durationS?: number;
}

export interface LiveCapture {
  tool: 'dumpcap' | 'tcpdump';
  stream: Readable;
  child: ChildProcess;
  /** Drops the tool reported on exit (tcpdump's "dropped by kernel"); dumpcap reports in-band. */
  reportedDrops(): number | null;
  stop(): void;
}

function onPath(tool: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' }).status === 0;
}

/**
 * Start dumpcap (preferred) or tcpdump writing a capture to stdout. Both only receive: Vigil never
 * opens a socket that sends onto the monitored network, and neither tool resolves names.
 */
export function startLiveCapture(options: LiveCaptureOptions): LiveCapture {
  let tool: 'dumpcap' | 'tcpdump';
  let args: string[];
  if (onPath('dumpcap')) {
    tool = 'dumpcap';
    args = ['-i', options.interface, '-w', '-', '-q'];
    if (options.filter) args.push('-f', options.filter);
    if (options.durationS) args.push('-a', `duration:${options.durationS}`);
  } else if (onPath('tcpdump')) {
    tool = 'tcpdump';
    // -U: flush each packet to the pipe; -n: never look names up (that would send DNS queries).
    args = ['-i', options.interface, '-U', '-n', '-w', '-'];
    if (options.filter) args.push(options.filter);
  } else {
    throw new Error('live capture needs dumpcap (Debian package wireshark-common) or tcpdump; neither is installed');
  }
  const child = spawn(tool, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (d: string) => {
    stderr += d;
    if (stderr.length > 64 * 1024) stderr = stderr.slice(-32 * 1024);
  });
  let timer: NodeJS.Timeout | null = null;
  if (tool === 'tcpdump' && options.durationS) timer = setTimeout(() => child.kill('SIGINT'), options.durationS * 1000);
  child.on('exit', () => {
    if (timer) clearTimeout(timer);
  });
  return {
    tool,
    stream: child.stdout!,
    child,
    reportedDrops() {
      const m = /(\d+) packets? dropped by kernel/.exec(stderr);
      return m ? Number(m[1]) : null;
    },
    stop() {
      child.kill('SIGINT');
    },
  };
}
