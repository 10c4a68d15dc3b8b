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
  /** The collector's flow count when a record last joined it (fold() waits for `foldAbove` more). */
  seq: number;
}

export const hostKey = (mac: string | null, ip: string): string => `${mac ?? ''}|${ip}`;

/**
 * What one analysis, or one window of a sensor's, says about hosts: all the inventory update reads.
 * The collector builds it while packets are read; a central service rebuilds it from a sensor's window.
 */
export interface HostEvidence {
  readonly hosts: ReadonlyMap<string, SeenHost>;
  /** Per host, each fact under its id: `key`, a NUL, then `valueText` (one entry per key and value). */
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
 * When conversations (one per 5-tuple, client ports included) are folded into their connections
 * before the end: once more than `foldAbove` are held, each that has been quiet for `quietS`
 * seconds of capture time and for `foldAbove` flow records. Its flows have all ended by then (the
 * flow table's longest idle timeout is 300 s), so what it adds to its connection, services and
 * workflow facts is final; a later record on the very same 5-tuple after that much silence counts
 * as a conversation of its own.
 */
export interface CollectorLimits {
  foldAbove: number;
  quietS: number;
}

export const DEFAULT_COLLECTOR_LIMITS: CollectorLimits = { foldAbove: 20_000, quietS: 900 };

/**
 * Gathers what one analysis says about hosts (facts, services, conversations) so the inventory
 * can be updated once at the end, in one transaction. Memory follows the hosts and their
 * connections, not the capture's length: conversations are folded as they go quiet.
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
  /** What quiet conversations added before the end (fold()): connections, services, workflow facts. */
  private readonly foldedConnections = new Map<string, SeenConnection>();
  private readonly foldedServices = new Map<string, Map<string, SeenService>>();
  private readonly foldedFacts = new Map<string, Map<string, SeenConnectionFact>>();
  /** The latest capture time a flow reached; conversations quiet since `latestTs - quietS` fold. */
  private latestTs = -Infinity;
  private nextFoldAt: number;

  constructor(private readonly limits: CollectorLimits = DEFAULT_COLLECTOR_LIMITS) {
    this.nextFoldAt = limits.foldAbove;
  }

  /** Conversations held one by one (not yet folded): what the collector's memory grows with. */
  get conversationsHeld(): number {
    return this.conversations.size;
  }

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
      c = { transport: f.proto, port: f.responder.port, origIp: f.originator.ip, origPort: f.originator.port, clientKey: null, serverKey: null, answered: false, service: null, flows: 0, bytes: 0, first: f.firstTs, last: f.lastTs, seq: 0 };
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
    c.seq = this.flows;
    if (f.lastTs > this.latestTs) this.latestTs = f.lastTs;
    if (this.conversations.size > this.nextFoldAt) this.fold();
  }

  /**
   * Folds every conversation quiet for `quietS` into its connection (the same sums `finish` makes)
   * and forgets it with its flows; one no one answered is forgotten, as `finish` would skip it. The
   * next fold waits until twice as many conversations are held, so a busy capture folds in
   * proportion to what it adds. With worker threads, flows arrive out of capture-time order (one
   * worker may be minutes of capture ahead of another), so a conversation also waits for
   * `foldAbove` more flow records after its last before it folds: its other record, from the same
   * worker, comes long before that.
   */
  private fold(): void {
    const horizon = this.latestTs - this.limits.quietS;
    // Per folded conversation: its connection id (null when it is forgotten), and itself.
    const folded = new Map<string, { id: string | null; c: Conversation }>();
    for (const [tuple, c] of this.conversations) {
      if (c.last >= horizon || this.flows - c.seq <= this.limits.foldAbove) continue;
      folded.set(tuple, { id: c.answered && c.clientKey !== null && c.serverKey !== null ? this.addConversation(tuple, c, this.foldedServices, this.foldedConnections) : null, c });
      this.conversations.delete(tuple);
    }
    if (folded.size > 0)
      for (const [flow, tuple] of this.flowTuple) {
        const conversation = folded.get(tuple);
        if (!conversation) continue;
        const { id, c } = conversation;
        const senders = this.flowFacts.get(flow);
        if (id !== null && senders) {
          let facts = this.foldedFacts.get(id);
          if (!facts) this.foldedFacts.set(id, (facts = new Map()));
          for (const s of senders) {
            const fromClient = s.src.ip === c.origIp && s.src.port === c.origPort;
            for (const f of s.facts.values()) {
              const k = `${fromClient ? 'c' : 's'}\u0000${f.key}\u0000${f.valueText}`;
              const x = facts.get(k);
              if (x) {
                x.count += f.count;
                if (f.first < x.first) x.first = f.first;
                if (f.last > x.last) x.last = f.last;
              } else facts.set(k, { key: f.key, valueText: f.valueText, fromClient, count: f.count, first: f.first, last: f.last });
            }
          }
        }
        this.flowFacts.delete(flow);
        this.flowTuple.delete(flow);
      }
    for (const tuple of folded.keys()) this.connectionOf.delete(tuple);
    this.built = false;
    this.nextFoldAt = Math.max(this.limits.foldAbove, 2 * this.conversations.size);
  }

  /** Services and connections from the conversations; call once every flow has ended. */
  finish(): void {
    if (this.built) return;
    this.built = true;
    this.services.clear();
    this.connections.clear();
    this.connectionOf.clear();
    // What was folded is kept apart: finish runs again after more flows, and must not add it twice.
    for (const [id, x] of this.foldedConnections) this.connections.set(id, { ...x });
    for (const [host, m] of this.foldedServices) this.services.set(host, new Map([...m].map(([k, v]) => [k, { ...v }])));
    for (const [tuple, c] of this.conversations) {
      if (!c.answered || c.clientKey === null || c.serverKey === null) continue;
      this.addConversation(tuple, c, this.services, this.connections);
    }
  }

  /** Adds an answered conversation with both ends known to `services` and `connections`; returns its connection id. */
  private addConversation(tuple: string, c: Conversation, services: Map<string, Map<string, SeenService>>, connections: Map<string, SeenConnection>): string {
    this.service(services, c.serverKey!, c, 'listen');
    this.service(services, c.clientKey!, c, 'client');
    const id = `${c.clientKey}\u0000${c.serverKey}\u0000${c.transport}/${c.port}`;
    this.connectionOf.set(tuple, id);
    const x = connections.get(id);
    if (x) {
      x.flows += c.flows;
      x.bytes += c.bytes;
      x.service ??= c.service;
      if (c.first < x.first) x.first = c.first;
      if (c.last > x.last) x.last = c.last;
    } else {
      connections.set(id, { client: c.clientKey!, server: c.serverKey!, transport: c.transport, port: c.port, service: c.service, flows: c.flows, bytes: c.bytes, first: c.first, last: c.last });
    }
    return id;
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
    this.foldedConnections.clear();
    this.foldedServices.clear();
    this.foldedFacts.clear();
    this.nextFoldAt = this.limits.foldAbove;
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
    for (const [id, facts] of this.foldedFacts) out.set(id, [...facts.values()].map((f) => ({ ...f })));
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

  private service(services: Map<string, Map<string, SeenService>>, host: string, c: Conversation, direction: 'listen' | 'client'): void {
    let map = services.get(host);
    if (!map) services.set(host, (map = new Map()));
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
