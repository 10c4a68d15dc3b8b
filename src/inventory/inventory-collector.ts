import type { FlowRecord } from '../analyze/flow-record.js';
import type { Endpoint, Observation, ObservationValue } from '../protocols/observation.js';

/** A host as one analysis saw it: one (MAC, IP) pair. The MAC may be a router's, fronting the IP. */
export interface SeenHost {
  key: string;
  mac: string | null;
  ip: string;
  first: number;
  last: number;
  vlan: number | null;
}

export interface SeenFact {
  key: string;
  value: ObservationValue;
  /** JSON text of the value: the store's form and the dedup key. */
  valueText: string;
  count: number;
  first: number;
  last: number;
  flow: number | null;
}

export interface SeenService {
  transport: string;
  port: number;
  direction: 'listen' | 'client';
  service: string | null;
  flows: number;
  first: number;
  last: number;
}

export interface SeenConnection {
  client: string;
  server: string;
  transport: string;
  port: number;
  service: string | null;
  flows: number;
  bytes: number;
  first: number;
  last: number;
}

/** A fact about what crossed one conversation, before the conversation's devices are known. */
export interface SeenConnectionFact {
  key: string;
  valueText: string;
  /** The flow's originator sent it. */
  fromClient: boolean;
  count: number;
  first: number;
  last: number;
}

/**
 * Facts that say which clinical workflow a conversation carries: kept per conversation as well as
 * per device, so "this modality stored images on that PACS" can be told from "this modality
 * stores images somewhere".
 */
export const WORKFLOW_KEYS: ReadonlySet<string> = new Set([
  'dicom.command',
  'dicom.sop_class',
  'hl7.message_type',
  'hl7.ack_code',
  'astm.record_types',
  'poct1a.message',
  'intellivue.message',
  'sdc.message',
  'http.fhir_resource',
  'http.fhir_interaction',
  'remote-access.tool',
  'telnet.login_prompt',
  'rdp.selected_protocol',
]);

interface Conversation {
  transport: string;
  port: number;
  origIp: string;
  origPort: number;
  /** Host keys as the originator's and responder's own packets show them. */
  clientKey: string | null;
  serverKey: string | null;
  answered: boolean;
  service: string | null;
  flows: number;
  bytes: number;
  first: number;
  last: number;
}

export const hostKey = (mac: string | null, ip: string): string => `${mac ?? ''}|${ip}`;

/**
 * What one analysis, or one window of a sensor's, says about hosts: all the inventory update reads.
 * The collector builds it while packets are read; a central service rebuilds it from a sensor's window.
 */
export interface HostEvidence {
  readonly hosts: ReadonlyMap<string, SeenHost>;
  readonly facts: ReadonlyMap<string, ReadonlyMap<string, SeenFact>>;
  readonly services: ReadonlyMap<string, ReadonlyMap<string, SeenService>>;
  readonly connections: ReadonlyMap<string, SeenConnection>;
  /** Builds services and connections from what was gathered; idempotent. */
  finish(): void;
  connectionFacts(): Map<string, SeenConnectionFact[]>;
}

/** Evidence that is already complete: a sensor window as the central service received it. */
export class EvidenceSnapshot implements HostEvidence {
  constructor(
    readonly hosts: ReadonlyMap<string, SeenHost>,
    readonly facts: ReadonlyMap<string, ReadonlyMap<string, SeenFact>>,
    readonly services: ReadonlyMap<string, ReadonlyMap<string, SeenService>>,
    readonly connections: ReadonlyMap<string, SeenConnection>,
    private readonly factsByConnection: ReadonlyMap<string, SeenConnectionFact[]>,
  ) {}

  finish(): void {}

  connectionFacts(): Map<string, SeenConnectionFact[]> {
    return new Map(this.factsByConnection);
  }
}

/**
 * DHCP client facts may arrive from a relay agent (RFC 3046): they describe the host named by
 * `dhcp.client_mac`, so they are re-homed onto a host keyed by that MAC alone.
 */
const DHCP_CLIENT_KEYS = new Set(['dhcp.hostname', 'dhcp.fqdn', 'dhcp.param_request_list', 'dhcp.vendor_class', 'dhcp.client_id', 'dhcp.requested_ip', 'dhcp.vendor_specific', 'dhcp.vendor_specific_length']);

/**
 * Gathers what one analysis says about hosts (facts, services, conversations) so the inventory
 * can be updated once at the end, in one transaction.
 */
export class InventoryCollector implements HostEvidence {
  readonly hosts = new Map<string, SeenHost>();
  readonly facts = new Map<string, Map<string, SeenFact>>();
  readonly services = new Map<string, Map<string, SeenService>>();
  readonly connections = new Map<string, SeenConnection>();
  /** Workflow facts per flow id, joined to conversations once every flow has ended. */
  private readonly flowFacts = new Map<number, { src: Endpoint; facts: Map<string, { key: string; valueText: string; count: number; first: number; last: number }> }[]>();
  /** Conversations by protocol, addresses and ports (not VLAN, not MAC). */
  private readonly conversations = new Map<string, Conversation>();
  /** The conversation of each dissected flow. */
  private readonly flowTuple = new Map<number, string>();
  /** Conversation → connection id (as in `connections`), once built. */
  private readonly connectionOf = new Map<string, string>();
  private built = false;
  /** The client MAC of the DHCP message a relay is forwarding, per relay host. */
  private readonly dhcpClientOf = new Map<string, string>();
  observations = 0;
  flows = 0;

  observation(o: Observation): void {
    this.observations++;
    let owner = o.src;
    if (o.key === 'dhcp.client_mac' && typeof o.value === 'string') {
      this.dhcpClientOf.set(hostKey(o.src.mac, o.src.ip), o.value);
    }
    if (DHCP_CLIENT_KEYS.has(o.key) || o.key === 'dhcp.client_mac') {
      const client = this.dhcpClientOf.get(hostKey(o.src.mac, o.src.ip));
      if (client && client !== o.src.mac) owner = { mac: client, ip: '', port: 0 };
    }
    const host = this.host(owner, o.ts, null);
    let facts = this.facts.get(host.key);
    if (!facts) this.facts.set(host.key, (facts = new Map()));
    const valueText = JSON.stringify(o.value);
    const id = `${o.key}\u0000${valueText}`;
    const f = facts.get(id);
    if (f) {
      f.count++;
      if (o.ts < f.first) f.first = o.ts;
      if (o.ts > f.last) f.last = o.ts;
    } else {
      facts.set(id, { key: o.key, value: o.value, valueText, count: 1, first: o.ts, last: o.ts, flow: o.flow ?? null });
    }
  }

  flow(f: FlowRecord): void {
    this.flows++;
    this.built = false;
    // A host exists when it sends: a sweep of empty addresses must not fill the inventory.
    const client = f.origPackets > 0 || f.respPackets === 0 ? this.host(f.originator, f.firstTs, f.vlan, f.lastTs) : null;
    const server = f.respPackets > 0 ? this.host(f.responder, f.firstTs, f.vlan, f.lastTs) : null;
    if (f.proto !== 'tcp' && f.proto !== 'udp') return;
    // A mirror can carry the two directions of one conversation on different VLANs (each routed
    // packet is seen on its ingress segment): one conversation, two flow records. They are joined
    // by addresses and ports alone.
    const tuple = `${f.proto}|${f.originator.ip}|${f.originator.port}|${f.responder.ip}|${f.responder.port}`;
    if (f.service !== null) this.flowTuple.set(f.id, tuple);
    let c = this.conversations.get(tuple);
    if (!c) {
      c = { transport: f.proto, port: f.responder.port, origIp: f.originator.ip, origPort: f.originator.port, clientKey: null, serverKey: null, answered: false, service: null, flows: 0, bytes: 0, first: f.firstTs, last: f.lastTs };
      this.conversations.set(tuple, c);
    }
    if (client && f.origPackets > 0) c.clientKey ??= client.key;
    if (server) c.serverKey ??= server.key;
    // A service exists only where the responder answered: a SYN into silence proves nothing.
    if (f.proto === 'tcp' ? (f.tcp?.history ?? '').includes('h') || f.respPayloadBytes > 0 : f.respPackets > 0) c.answered = true;
    if (f.origPackets > 0) c.flows++;
    c.bytes += f.origBytes + f.respBytes;
    c.service ??= f.service;
    if (f.firstTs < c.first) c.first = f.firstTs;
    if (f.lastTs > c.last) c.last = f.lastTs;
  }

  /** Services and connections from the conversations; call once every flow has ended. */
  finish(): void {
    if (this.built) return;
    this.built = true;
    this.services.clear();
    this.connections.clear();
    this.connectionOf.clear();
    for (const [tuple, c] of this.conversations) {
      if (!c.answered || c.clientKey === null || c.serverKey === null) continue;
      this.service(c.serverKey, c, 'listen');
      this.service(c.clientKey, c, 'client');
      const id = `${c.clientKey}\u0000${c.serverKey}\u0000${c.transport}/${c.port}`;
      this.connectionOf.set(tuple, id);
      const x = this.connections.get(id);
      if (x) {
        x.flows += c.flows;
        x.bytes += c.bytes;
        x.service ??= c.service;
        if (c.first < x.first) x.first = c.first;
        if (c.last > x.last) x.last = c.last;
      } else {
        this.connections.set(id, { client: c.clientKey, server: c.serverKey, transport: c.transport, port: c.port, service: c.service, flows: c.flows, bytes: c.bytes, first: c.first, last: c.last });
      }
    }
  }

  /**
   * What was gathered since the last window, as a snapshot, and a fresh start for the next one (a
   * live sensor publishes a window every few minutes). Workflow facts of flows still open stay: they
   * join their conversation in the window where the flow ends.
   */
  takeWindow(): EvidenceSnapshot {
    const factsByConnection = this.connectionFacts();
    const snapshot = new EvidenceSnapshot(new Map(this.hosts), new Map(this.facts), new Map(this.services), new Map(this.connections), factsByConnection);
    for (const flow of this.flowTuple.keys()) this.flowFacts.delete(flow);
    this.hosts.clear();
    this.facts.clear();
    this.services.clear();
    this.connections.clear();
    this.conversations.clear();
    this.flowTuple.clear();
    this.connectionOf.clear();
    this.built = false;
    return snapshot;
  }

  /** Every emission of a WORKFLOW_KEYS fact (AnalyzerOptions.onRawObservation). */
  rawObservation(o: Observation): void {
    if (o.flow !== undefined) this.flowFact(o);
  }

  private flowFact(o: Observation): void {
    let list = this.flowFacts.get(o.flow!);
    if (!list) this.flowFacts.set(o.flow!, (list = []));
    let entry = list.find((e) => e.src.ip === o.src.ip && e.src.port === o.src.port);
    if (!entry) list.push((entry = { src: o.src, facts: new Map() }));
    const valueText = JSON.stringify(o.value);
    const id = `${o.key}\u0000${valueText}`;
    const f = entry.facts.get(id);
    if (f) {
      f.count++;
      f.last = Math.max(f.last, o.ts);
      f.first = Math.min(f.first, o.ts);
    } else entry.facts.set(id, { key: o.key, valueText, count: 1, first: o.ts, last: o.ts });
  }

  /** Workflow facts per conversation id (as in `connections`), once the analysis has ended. */
  connectionFacts(): Map<string, SeenConnectionFact[]> {
    const out = new Map<string, SeenConnectionFact[]>();
    this.finish();
    for (const [flow, senders] of this.flowFacts) {
      const tuple = this.flowTuple.get(flow);
      const conn = tuple === undefined ? undefined : this.conversations.get(tuple);
      const id = tuple === undefined ? undefined : this.connectionOf.get(tuple);
      if (!conn || !id) continue;
      let list = out.get(id);
      if (!list) out.set(id, (list = []));
      for (const s of senders) {
        const fromClient = s.src.ip === conn.origIp && s.src.port === conn.origPort;
        for (const f of s.facts.values()) list.push({ key: f.key, valueText: f.valueText, fromClient, count: f.count, first: f.first, last: f.last });
      }
    }
    return out;
  }

  private service(host: string, c: Conversation, direction: 'listen' | 'client'): void {
    let map = this.services.get(host);
    if (!map) this.services.set(host, (map = new Map()));
    const id = `${c.transport}/${c.port}/${direction}`;
    const s = map.get(id);
    if (s) {
      s.flows += c.flows;
      s.service ??= c.service;
      if (c.first < s.first) s.first = c.first;
      if (c.last > s.last) s.last = c.last;
    } else {
      map.set(id, { transport: c.transport, port: c.port, direction, service: c.service, flows: c.flows, first: c.first, last: c.last });
    }
  }

  private host(e: Endpoint, first: number, vlan: number | null, last = first): SeenHost {
    const key = hostKey(e.mac, e.ip);
    let h = this.hosts.get(key);
    if (!h) {
      h = { key, mac: e.mac, ip: e.ip, first, last, vlan };
      this.hosts.set(key, h);
    } else {
      if (first < h.first) h.first = first;
      if (last > h.last) h.last = last;
      if (h.vlan === null && vlan !== null) h.vlan = vlan;
    }
    return h;
  }
}
