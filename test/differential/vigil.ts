import { Analyzer } from '../../src/analyze/analyzer.js';
import { defaultDissectors } from '../../src/protocols/index.js';
import type { FlowRecord } from '../../src/analyze/flow-record.js';
import { readCaptureFile } from '../../src/capture/capture-reader.js';
import type { PacketRecord } from '../../src/capture/packet-record.js';
import { ipText } from '../../src/decode/address-text.js';
import { IPPROTO_TCP, IPPROTO_UDP, L3_IPV4, L3_IPV6, type DecodedPacket } from '../../src/decode/decoded-packet.js';
import type { FlowTimeouts } from '../../src/flow/flow-table.js';
import type { FrameTuple } from './layering.js';

/** No idle, active or close timeout: flows split only where Vigil means to (TCP port reuse, VLAN). */
export const NO_TIMEOUTS: FlowTimeouts = { tcpIdleS: Infinity, udpIdleS: Infinity, otherIdleS: Infinity, activeS: Infinity, closedS: Infinity };

/** One of Vigil's TCP or UDP flows, as compared with a tshark conversation. */
export interface VigilFlow {
  proto: 'tcp' | 'udp';
  vlan: number;
  a: string;
  b: string;
  /** Packets of the flow whose TCP/UDP header Vigil decoded (what tshark's tables count). */
  l4Packets: number;
  /** All packets of the flow, fragments that completed no datagram included. */
  packets: number;
}

export interface VigilCapture {
  /** Frame number (1-based) → tuple; one entry per frame read. */
  frames: (FrameTuple | null)[];
  packets: number;
  damage: string | null;
  flows: VigilFlow[];
  evicted: number;
}

/** The tuple Vigil reports for the packet it just decoded. */
export function vigilTuple(p: DecodedPacket): FrameTuple | null {
  if (p.l3 !== L3_IPV4 && p.l3 !== L3_IPV6) return null;
  const t: FrameTuple = {
    src: ipText(p.addrBuf, p.srcAddrOffset, p.addrLength),
    dst: ipText(p.addrBuf, p.dstAddrOffset, p.addrLength),
    l4: '-',
    srcPort: 0,
    dstPort: 0,
  };
  if (hasL4Header(p)) {
    t.l4 = p.ipProto === IPPROTO_TCP ? 'tcp' : 'udp';
    t.srcPort = p.srcPort;
    t.dstPort = p.dstPort;
  }
  return t;
}

/**
 * A TCP or UDP packet whose header Vigil decoded: not a fragment short of its datagram, and not
 * cut or malformed (transport.ts sets the payload offset, always past the header, only then).
 */
export function hasL4Header(p: DecodedPacket): boolean {
  return (p.ipProto === IPPROTO_TCP || p.ipProto === IPPROTO_UDP) && !p.fragment && p.payloadOffset > 0;
}

/** `addr:port` as tshark prints a conversation endpoint. */
export const endpointText = (ip: string, port: number) => `${ip}:${port}`;

/**
 * Read one capture through Vigil's real path (reader → Analyzer: decoder, flow table, dissectors)
 * with flow timeouts disabled, recording each frame's decoded tuple and each TCP/UDP flow.
 */
export async function runVigil(file: string): Promise<VigilCapture> {
  const ended: FlowRecord[] = [];
  const analyzer = new Analyzer({
    dissectors: defaultDissectors(),
    flowTable: { timeouts: NO_TIMEOUTS, maxFlows: 1 << 16 },
    onFlow: (f) => ended.push(f),
  });
  // Which flow each packet went to: wrap the table's update to learn the id it returns.
  const table = analyzer.flows;
  const update = table.update.bind(table);
  let lastId = -1;
  table.update = (p: DecodedPacket) => (lastId = update(p));
  const l4BySerial = new Map<number, number>();
  const frames: (FrameTuple | null)[] = [];
  const p = analyzer.decoder.packet;
  const result = await readCaptureFile(file, {
    packet: (rec: PacketRecord) => {
      lastId = -1;
      analyzer.packet(rec);
      // The decoder reuses one DecodedPacket: read it before the next frame.
      frames[rec.frameNumber - 1] = vigilTuple(p);
      if (lastId >= 0 && hasL4Header(p)) {
        const serial = table.serial[lastId];
        l4BySerial.set(serial, (l4BySerial.get(serial) ?? 0) + 1);
      }
    },
  });
  analyzer.finish();
  const flows: VigilFlow[] = [];
  for (const f of ended) {
    if (f.proto !== 'tcp' && f.proto !== 'udp') continue;
    flows.push({
      proto: f.proto,
      vlan: f.vlan + (f.vlanOuter ?? 0) * 4096,
      a: endpointText(f.originator.ip, f.originator.port),
      b: endpointText(f.responder.ip, f.responder.port),
      l4Packets: l4BySerial.get(f.id) ?? 0,
      packets: f.origPackets + f.respPackets,
    });
  }
  return {
    frames,
    packets: result.packets,
    damage: result.damage ? `${result.damage.reason} at byte ${result.damage.offset}` : null,
    flows,
    evicted: table.evicted,
  };
}
