/**
 * TCP port reuse, which no capture in ../shared has (every repeated SYN there repeats its ISN with
 * no FIN or RST between). One small capture, written to a temporary directory at test time, holds
 * one case per client port and pins down how each tool groups an address/port pair used twice.
 *
 * What tshark 4.0 does (packet-tcp.c): a SYN without ACK whose sequence number differs from the
 * base sequence number of the pair's current stream starts a new stream (tcp.stream, and so a new
 * conversation-table row), whatever state the earlier connection is in; a SYN repeating the ISN
 * never does, even after FIN or RST.
 *
 * What Vigil does (flow-table.ts update): a SYN without ACK starts a new flow once the earlier one
 * has closed (FIN both ways) or reset, whatever its ISN; never while it is open or half-closed.
 */

const A = [10, 0, 0, 1];
const B = [10, 0, 0, 2];
const SYN = 0x02;
const RST = 0x04;
const ACK = 0x10;
const FIN = 0x01;

export const SERVER = '10.0.0.2:80';
export const clientOf = (port: number) => `10.0.0.1:${port}`;

function tcp(port: number, fromA: boolean, flags: number, seq: number, ack = 0): Buffer {
  const frame = Buffer.alloc(14 + 20 + 20);
  frame.set([0, 0, 0, 0, 0, fromA ? 2 : 1], 0);
  frame.set([0, 0, 0, 0, 0, fromA ? 1 : 2], 6);
  frame.writeUInt16BE(0x0800, 12);
  const ip = 14;
  frame[ip] = 0x45;
  frame.writeUInt16BE(40, ip + 2);
  frame.writeUInt16BE(1, ip + 4);
  frame[ip + 8] = 64;
  frame[ip + 9] = 6;
  frame.set(fromA ? A : B, ip + 12);
  frame.set(fromA ? B : A, ip + 16);
  const t = ip + 20;
  frame.writeUInt16BE(fromA ? port : 80, t);
  frame.writeUInt16BE(fromA ? 80 : port, t + 2);
  frame.writeUInt32BE(seq >>> 0, t + 4);
  frame.writeUInt32BE(ack >>> 0, t + 8);
  frame[t + 12] = 5 << 4;
  frame[t + 13] = flags;
  frame.writeUInt16BE(65535, t + 14);
  return frame;
}

type Close = 'fin' | 'rst' | 'half' | 'open';

/** A three-way handshake from A with initial sequence number `isn`, then the given close. */
const connection = (isn: number, close: Close) => (port: number) => {
  const out = [tcp(port, true, SYN, isn), tcp(port, false, SYN | ACK, 5000, isn + 1), tcp(port, true, ACK, isn + 1, 5001)];
  if (close === 'fin') {
    out.push(tcp(port, true, FIN | ACK, isn + 1, 5001), tcp(port, false, FIN | ACK, 5001, isn + 2), tcp(port, true, ACK, isn + 2, 5002));
  } else if (close === 'half') out.push(tcp(port, true, FIN | ACK, isn + 1, 5001));
  else if (close === 'rst') out.push(tcp(port, true, RST, isn + 1));
  return out;
};

/** A SYN to a closed port answered by RST-ACK. */
const refused = (isn: number) => (port: number) => [tcp(port, true, SYN, isn), tcp(port, false, RST | ACK, 0, isn + 1)];

type Frames = (port: number) => Buffer[];
const then = (a: Frames, b: Frames): Frames => (port) => [...a(port), ...b(port)];

export interface PortReuseCase {
  name: string;
  /** The case's frames, on the given client port. */
  frames: Frames;
  /** Conversation-table rows tshark 4.0 gives the pair. */
  tsharkRows: number;
  /** Flows Vigil gives the pair with timeouts off. */
  vigilFlows: number;
  /** Why the two differ, where they do. */
  reason?: string;
}

export const PORT_REUSE_CASES: readonly PortReuseCase[] = [
  { name: 'closed-new-isn', frames: then(connection(100, 'fin'), connection(900_000, 'fin')), tsharkRows: 2, vigilFlows: 2 },
  { name: 'reset-new-isn', frames: then(connection(100, 'rst'), connection(900_000, 'fin')), tsharkRows: 2, vigilFlows: 2 },
  { name: 'refused-twice-new-isn', frames: then(refused(100), refused(900_000)), tsharkRows: 2, vigilFlows: 2 },
  {
    name: 'open-new-isn',
    frames: then(connection(100, 'open'), connection(900_000, 'fin')),
    tsharkRows: 2,
    vigilFlows: 1,
    reason:
      'a SYN with a new ISN while the connection is still open: tshark starts a new stream on any ISN change; ' +
      'Vigil keeps one flow until the connection closes or resets, so a stray or injected SYN cannot cut a live flow in two',
  },
  {
    name: 'half-closed-new-isn',
    frames: then(connection(100, 'half'), connection(900_000, 'fin')),
    tsharkRows: 2,
    vigilFlows: 1,
    reason: 'as open-new-isn: one FIN is not a closed connection for Vigil, so the new SYN stays in the flow',
  },
  {
    name: 'closed-same-isn',
    frames: then(connection(100, 'fin'), connection(100, 'fin')),
    tsharkRows: 1,
    vigilFlows: 2,
    reason:
      'a second connection after a full close that happens to reuse the ISN: tshark keys streams on the ISN and merges them; ' +
      'Vigil starts a new flow for a SYN after close, whatever its ISN',
  },
  {
    name: 'reset-same-isn',
    frames: then(connection(100, 'rst'), connection(100, 'fin')),
    tsharkRows: 1,
    vigilFlows: 2,
    reason: 'as closed-same-isn, after RST',
  },
  {
    name: 'refused-retry-same-isn',
    frames: then(refused(100), refused(100)),
    tsharkRows: 1,
    vigilFlows: 2,
    reason:
      'a SYN retried with the same ISN after RST (Windows retries a refused connect, scanners re-probe): tshark sees one stream; ' +
      'Vigil counts each refused attempt as a flow of its own (history "Sr" twice), which is what scan detection counts',
  },
];

/** A little-endian microsecond pcap of Ethernet frames, one second apart. */
export function pcapOf(frames: Buffer[]): Buffer {
  const header = Buffer.alloc(24);
  header.writeUInt32LE(0xa1b2c3d4, 0);
  header.writeUInt16LE(2, 4);
  header.writeUInt16LE(4, 6);
  header.writeUInt32LE(65535, 16);
  header.writeUInt32LE(1, 20);
  const parts: Buffer[] = [header];
  frames.forEach((f, i) => {
    const rec = Buffer.alloc(16);
    rec.writeUInt32LE(1_600_000_000 + i, 0);
    rec.writeUInt32LE(f.length, 8);
    rec.writeUInt32LE(f.length, 12);
    parts.push(rec, f);
  });
  return Buffer.concat(parts);
}
