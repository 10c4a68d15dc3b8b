import { IPPROTO_ICMP, IPPROTO_ICMPV6, IPPROTO_TCP, IPPROTO_UDP } from '../decode/decoded-packet.js';
import { flowEndpoint } from '../flow/flow-endpoints.js';
import { KEY_STRIDE } from '../flow/flow-key.js';
import { TCP_STATE_NAMES, type FlowEndReason, type FlowTable } from '../flow/flow-table.js';
import type { Endpoint } from '../protocols/observation.js';

/** One line of flows.jsonl; fields documented in docs/flows.md. */
export interface FlowRecord {
  id: number;
  proto: string;
  ipVersion: 4 | 6;
  vlan: number;
  vlanOuter?: number;
  originator: Endpoint;
  responder: Endpoint;
  firstTs: number;
  lastTs: number;
  durationS: number;
  origPackets: number;
  origBytes: number;
  origPayloadBytes: number;
  respPackets: number;
  respBytes: number;
  respPayloadBytes: number;
  service: string | null;
  endReason: FlowEndReason;
  tcp?: { state: string; history: string; origFlags: number; respFlags: number };
}

const PROTO_NAMES: Record<number, string> = { [IPPROTO_TCP]: 'tcp', [IPPROTO_UDP]: 'udp', [IPPROTO_ICMP]: 'icmp', [IPPROTO_ICMPV6]: 'icmpv6' };

export function protoName(proto: number): string {
  return PROTO_NAMES[proto] ?? `ip-${proto}`;
}

export function flowRecord(flows: FlowTable, id: number, service: string | null, reason: FlowEndReason): FlowRecord {
  const base = id * KEY_STRIDE;
  const proto = flows.keys[base + 1] & 0xff;
  const vlanWord = flows.keys[base];
  const s = id * 2;
  const first = flows.firstTs(id);
  const last = flows.lastTs(id);
  const record: FlowRecord = {
    id: flows.serial[id],
    proto: protoName(proto),
    ipVersion: ((flows.keys[base + 1] >> 8) & 0xff) === 4 ? 4 : 6,
    vlan: vlanWord & 0xfff,
    originator: flowEndpoint(flows, id, 0),
    responder: flowEndpoint(flows, id, 1),
    firstTs: first,
    lastTs: last,
    durationS: Math.round((last - first) * 1e6) / 1e6,
    origPackets: flows.packets(id, 0),
    origBytes: flows.bytes(id, 0),
    origPayloadBytes: flows.payloadBytes(id, 0),
    respPackets: flows.packets(id, 1),
    respBytes: flows.bytes(id, 1),
    respPayloadBytes: flows.payloadBytes(id, 1),
    service,
    endReason: reason,
    // Always present, undefined when absent (JSON leaves them out): every record has one shape, so
    // the rules that read each flow find its fields without a megamorphic lookup.
    vlanOuter: vlanWord >>> 12 ? vlanWord >>> 12 : undefined,
    tcp:
      proto === IPPROTO_TCP
        ? { state: TCP_STATE_NAMES[flows.tcpState[id]], history: flows.historyText(id), origFlags: flows.tcpFlags[s], respFlags: flows.tcpFlags[s + 1] }
        : undefined,
  };
  return record;
}
