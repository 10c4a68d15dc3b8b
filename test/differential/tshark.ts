import { execFile, spawnSync } from 'node:child_process';

/** What tshark says about one capture: one entry per frame, and its TCP and UDP conversation tables. */
export interface TsharkCapture {
  frames: TsharkFrame[];
  conversations: { tcp: TsharkConversation[]; udp: TsharkConversation[] };
  /** tshark's own complaints (a capture cut short, for example), without the root warning. */
  stderr: string;
}

/** The `-T fields` columns of one frame; multi-valued fields keep every occurrence in order. */
export interface TsharkFrame {
  number: number;
  /** frame.protocols split on ':', e.g. ['eth', 'ethertype', 'ip', 'icmp', 'ip', 'udp']. */
  protocols: string[];
  ipSrc: string[];
  ipDst: string[];
  ipv6Src: string[];
  ipv6Dst: string[];
  tcpSrcPort: string[];
  tcpDstPort: string[];
  udpSrcPort: string[];
  udpDstPort: string[];
}

/** One row of `-z conv,tcp` or `-z conv,udp`. */
export interface TsharkConversation {
  a: string;
  b: string;
  frames: number;
}

export interface TsharkInfo {
  path: string;
  version: string;
}

/** tshark on the PATH, or the reason it cannot be used. */
export function findTshark(): TsharkInfo | { missing: string } {
  const run = spawnSync('tshark', ['-v'], { encoding: 'utf8', timeout: 30_000 });
  if (run.error) return { missing: `tshark not runnable: ${run.error.message}` };
  if (run.status !== 0) return { missing: `tshark -v exited with ${run.status}` };
  const version = /TShark \(Wireshark\) (\S+)/.exec(run.stdout)?.[1] ?? 'unknown';
  return { path: 'tshark', version };
}

const FIELDS = [
  'frame.number',
  'frame.protocols',
  'ip.src',
  'ip.dst',
  'ipv6.src',
  'ipv6.dst',
  'tcp.srcport',
  'tcp.dstport',
  'udp.srcport',
  'udp.dstport',
] as const;

const SEPARATOR = '|';
const AGGREGATOR = ',';

/**
 * One tshark process per capture: the per-frame fields go to standard output first and the
 * conversation tables follow them once the file has been read. `-n` keeps every address and port
 * numeric; default preferences otherwise (IP fragment reassembly on, as Vigil does it).
 */
export function tsharkArgs(file: string): string[] {
  const args = ['-n', '-r', file, '-T', 'fields', '-E', `separator=${SEPARATOR}`, '-E', 'occurrence=a', '-E', `aggregator=${AGGREGATOR}`];
  for (const f of FIELDS) args.push('-e', f);
  args.push('-z', 'conv,tcp', '-z', 'conv,udp');
  return args;
}

export function runTshark(tshark: TsharkInfo, file: string): Promise<TsharkCapture> {
  return new Promise((resolve, reject) => {
    execFile(
      tshark.path,
      tsharkArgs(file),
      { maxBuffer: 1 << 30, encoding: 'utf8', env: { ...process.env, LC_ALL: 'C' } },
      (err, stdout, stderr) => {
        const complaints = stderr
          .split('\n')
          .filter((l) => l.trim() !== '' && !l.startsWith('Running as user'))
          .join('\n');
        // tshark exits 2 when a capture is cut short, after printing what it read: keep that.
        if (err && !stdout) return reject(new Error(`tshark failed on ${file}: ${err.message}\n${stderr}`));
        try {
          resolve({ ...parseTsharkOutput(stdout), stderr: complaints });
        } catch (e) {
          reject(new Error(`${file}: ${(e as Error).message}`));
        }
      },
    );
  });
}

const RULE = /^=+$/;

export function parseTsharkOutput(stdout: string): Omit<TsharkCapture, 'stderr'> {
  const lines = stdout.split('\n');
  const frames: TsharkFrame[] = [];
  let i = 0;
  for (; i < lines.length; i++) {
    const line = lines[i];
    if (RULE.test(line)) break;
    if (line === '') continue;
    const f = line.split(SEPARATOR);
    if (f.length !== FIELDS.length) throw new Error(`tshark fields line has ${f.length} columns, expected ${FIELDS.length}: ${line}`);
    const list = (s: string) => (s === '' ? [] : s.split(AGGREGATOR));
    frames.push({
      number: Number(f[0]),
      protocols: f[1].split(':'),
      ipSrc: list(f[2]),
      ipDst: list(f[3]),
      ipv6Src: list(f[4]),
      ipv6Dst: list(f[5]),
      tcpSrcPort: list(f[6]),
      tcpDstPort: list(f[7]),
      udpSrcPort: list(f[8]),
      udpDstPort: list(f[9]),
    });
  }
  const conversations = { tcp: [] as TsharkConversation[], udp: [] as TsharkConversation[] };
  const seen = { tcp: false, udp: false };
  let table: TsharkConversation[] | null = null;
  for (; i < lines.length; i++) {
    const line = lines[i];
    if (line.startsWith('TCP Conversations')) {
      table = conversations.tcp;
      seen.tcp = true;
    } else if (line.startsWith('UDP Conversations')) {
      table = conversations.udp;
      seen.udp = true;
    } else if (line.includes('<->')) {
      // "10.0.0.1:43090   <-> 10.0.0.2:8000   <-frames <-bytes bytes  ->frames ->bytes bytes  frames bytes bytes  start  duration"
      const t = line.trim().split(/\s+/);
      if (!table || t[1] !== '<->' || t.length !== 14) throw new Error(`unexpected conversation line: ${line}`);
      table.push({ a: t[0], b: t[2], frames: Number(t[9]) });
    }
  }
  if (!seen.tcp || !seen.udp) throw new Error('tshark printed no TCP or no UDP conversation table');
  return { frames, conversations };
}

/** `addr:port` as tshark prints a conversation endpoint (the port follows the last colon). */
export function splitEndpoint(text: string): { ip: string; port: number } {
  const at = text.lastIndexOf(':');
  return { ip: text.slice(0, at), port: Number(text.slice(at + 1)) };
}
