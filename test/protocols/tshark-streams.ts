/**
 * Flows of a capture as harness vectors, read with tshark, for the identity dissectors' tests (HTTP, TLS,
 * SSDP): vectors from real captures and the differential checks against tshark's own fields. TCP streams
 * are reassembled here by sequence number (retransmissions and overlaps dropped, out-of-order segments
 * held until their turn), independently of Vigil's own reassembly.
 */
import { execFileSync } from 'node:child_process';
import type { Direction } from '../../src/protocols/dissector.js';
import type { Segment, Vector } from '../../src/protocols/harness.js';

export interface CaptureFlow extends Vector {
  readonly stream: number;
  /** Time of the flow's first frame, seconds since the epoch. */
  readonly ts: number;
  /** Values of the caller's extra tshark fields, one row per frame of the flow (AGGREGATOR between repeats). */
  readonly rows: string[][];
}

/** What separates repeated occurrences of a field in rows (values may contain `|` or `,`). */
export const AGGREGATOR = '\u001f';

function tshark(path: string, filter: string, fields: string[]): string[][] {
  const args = ['-r', path, '-Y', filter, '-T', 'fields', '-E', 'separator=\t', '-E', 'occurrence=a', '-E', `aggregator=${AGGREGATOR}`];
  const out = execFileSync('tshark', [...args, ...fields.flatMap((f) => ['-e', f])], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
    maxBuffer: 1 << 28,
  });
  return out
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => line.split('\t'));
}

/**
 * Every TCP stream of the capture (with `filter` narrowing the frames, e.g. `tcp.port == 443`), and the
 * values of `extra` tshark fields per frame: one tshark run for both.
 */
export function tcpFlows(path: string, filter = 'tcp', extra: string[] = []): CaptureFlow[] {
  const rows = tshark(path, filter, [
    'frame.time_epoch',
    'tcp.stream',
    'ip.src',
    'ipv6.src',
    'ip.dst',
    'ipv6.dst',
    'tcp.srcport',
    'tcp.dstport',
    'tcp.seq_raw',
    'tcp.flags.syn',
    'tcp.flags.ack',
    'tcp.payload',
    ...extra,
  ]);
  interface Side {
    base: number | null;
    next: number;
    pending: Map<number, Buffer>;
  }
  interface Building {
    ts: number;
    originator: string;
    originatorPort: number;
    responderPort: number;
    sides: [Side, Side];
    segments: Segment[];
    rows: string[][];
  }
  const flows = new Map<number, Building>();
  for (const row of rows) {
    const [time, streamText, ip4, ip6, dst4, dst6, sport, dport, seqText, syn, ack, payloads] = row;
    const payload = payloads?.split(AGGREGATOR)[0];
    const stream = Number(streamText);
    const src = `${ip4 || ip6}:${sport}`;
    const isSyn = syn === '1' || syn === 'True';
    const isAck = ack === '1' || ack === 'True';
    let flow = flows.get(stream);
    if (flow === undefined) {
      // The originator sent the SYN; without one in the capture, whoever sent the first frame.
      const fromResponder = isSyn && isAck;
      flow = {
        ts: Number(time),
        originator: fromResponder ? `${dst4 || dst6}:${dport}` : src,
        originatorPort: fromResponder ? Number(dport) : Number(sport),
        responderPort: fromResponder ? Number(sport) : Number(dport),
        sides: [
          { base: null, next: 0, pending: new Map() },
          { base: null, next: 0, pending: new Map() },
        ],
        segments: [],
        rows: [],
      };
      flows.set(stream, flow);
    }
    if (extra.length > 0) flow.rows.push(row.slice(12));
    const dir: Direction = src === flow.originator ? 0 : 1;
    const side = flow.sides[dir];
    const seq = Number(seqText);
    if (side.base === null) side.base = isSyn ? (seq + 1) >>> 0 : seq;
    if (!payload) continue;
    const bytes = Buffer.from(payload.replace(/:/g, ''), 'hex');
    const rel = (seq - side.base) >>> 0;
    side.pending.set(rel, side.pending.has(rel) && side.pending.get(rel)!.length >= bytes.length ? side.pending.get(rel)! : bytes);
    // Deliver whatever is now contiguous.
    for (;;) {
      let progressed = false;
      for (const [at, data] of side.pending) {
        if (at > side.next) continue;
        side.pending.delete(at);
        const skip = side.next - at;
        if (skip < data.length) {
          flow.segments.push({ dir, bytes: data.subarray(skip) });
          side.next += data.length - skip;
        }
        progressed = true;
      }
      if (!progressed) break;
    }
  }
  return [...flows.entries()].map(([stream, f]) => ({
    stream,
    ts: f.ts,
    transport: 'tcp' as const,
    originatorPort: f.originatorPort,
    responderPort: f.responderPort,
    segments: f.segments,
    rows: f.rows,
  }));
}

/** UDP datagrams of the capture matching `filter`, one vector per (address, port) pair in the order seen. */
export function udpFlows(path: string, filter = 'udp', extra: string[] = []): CaptureFlow[] {
  const rows = tshark(path, filter, ['frame.time_epoch', 'udp.stream', 'udp.srcport', 'udp.dstport', 'udp.payload', ...extra]);
  const flows = new Map<number, { ts: number; originatorPort: number; responderPort: number; segments: Segment[]; rows: string[][] }>();
  for (const row of rows) {
    const [time, streamText, sport, dport, payloads] = row;
    const payload = payloads?.split(AGGREGATOR)[0];
    const stream = Number(streamText);
    let flow = flows.get(stream);
    if (flow === undefined) {
      flow = { ts: Number(time), originatorPort: Number(sport), responderPort: Number(dport), segments: [], rows: [] };
      flows.set(stream, flow);
    }
    if (extra.length > 0) flow.rows.push(row.slice(5));
    const dir: Direction = Number(sport) === flow.originatorPort && (Number(dport) === flow.responderPort || flow.originatorPort !== flow.responderPort) ? 0 : 1;
    flow.segments.push({ dir, bytes: Buffer.from((payload ?? '').replace(/:/g, ''), 'hex') });
  }
  return [...flows.entries()].map(([stream, f]) => ({ stream, transport: 'udp' as const, ...f }));
}

/** Rows of tshark fields for frames matching `filter`, with `-E occurrence=a` and AGGREGATOR between repeats. */
export function tsharkFields(path: string, filter: string, fields: string[], extra: string[] = []): string[][] {
  const out = execFileSync(
    'tshark',
    ['-r', path, ...extra, '-Y', filter, '-T', 'fields', '-E', 'occurrence=a', '-E', `aggregator=${AGGREGATOR}`, ...fields.flatMap((f) => ['-e', f])],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 1 << 28 },
  );
  return out
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => line.split('\t'));
}
