/**
 * Baselines across analyses: per local address, the services it answered on and the peers it exchanged data
 * with (table `baselines`, migration 0004). An address whose baseline is at least `minAgeS` old (it was first
 * seen that long before this analysis began) and that now answers on a service it never answered on raises
 * `baseline.new-service` (medium: a new listener is how backdoors and misconfigurations show); a new peer raises
 * `baseline.new-peer` (low). Then this analysis is folded into the baseline, which so stays up to date.
 */
import type { FlowRecord } from '../analyze/flow-record.js';
import type { Selectable } from 'kysely';
import type { InventoryStore } from '../store/inventory-store.js';
import type { BaselineTable } from '../store/schema.js';
import type { Host } from './alert.js';
import { host, isLocal } from './detect-util.js';
import type { FindingSink } from './rule.js';
import type { Thresholds } from './thresholds.js';

interface Item {
  count: number;
  first: number;
  last: number;
  flow: number;
}

interface Seen {
  host: Host;
  /** Services by `proto/port` text, peers by address: count, first, last, a flow. */
  services: Map<string, Item>;
  peers: Map<string, Item>;
}

export class BaselineCollector {
  readonly hosts = new Map<string, Seen>();
  firstTs = Infinity;

  constructor(private readonly t: Thresholds['baseline']) {}

  flow(f: FlowRecord): void {
    if (f.firstTs < this.firstTs) this.firstTs = f.firstTs;
    // Only conversations that carried data both ways: a probe proves nothing about what a host does.
    if (f.origPayloadBytes === 0 || f.respPayloadBytes === 0) return;
    if (isLocal(f.responder.ip)) {
      const s = this.seen(f.responder);
      if (s) {
        note(s.services, serviceName(f.proto, f.responder.port), f, this.t.maxServicesPerDevice);
        note(s.peers, f.originator.ip, f, this.t.maxPeersPerDevice);
      }
    }
    if (isLocal(f.originator.ip)) {
      const s = this.seen(f.originator);
      if (s) note(s.peers, f.responder.ip, f, this.t.maxPeersPerDevice);
    }
  }

  private seen(e: FlowRecord['originator']): Seen | null {
    let s = this.hosts.get(e.ip);
    if (!s) {
      if (this.hosts.size >= 100_000) return null;
      this.hosts.set(e.ip, (s = { host: host(e), services: new Map(), peers: new Map() }));
    }
    return s;
  }
}

/** `tcp/443`, built once per protocol and port. */
const serviceNames = new Map<number, string>();
function serviceName(proto: string, port: number): string {
  const code = (proto === 'tcp' ? 0 : proto === 'udp' ? 1 : 2) * 65536 + port;
  let n = serviceNames.get(code);
  if (n === undefined) serviceNames.set(code, (n = `${proto}/${port}`));
  return n;
}

function note(items: Map<string, Item>, value: string, f: FlowRecord, max: number): void {
  const cur = items.get(value);
  if (cur) {
    cur.count++;
    if (f.firstTs < cur.first) cur.first = f.firstTs;
    if (f.lastTs > cur.last) cur.last = f.lastTs;
  } else if (items.size < max) items.set(value, { count: 1, first: f.firstTs, last: f.lastTs, flow: f.id });
}

export interface PriorBaseline {
  /** Earliest first_seen of the address's baseline. */
  since: number;
  items: Set<string>;
}

export async function loadBaselines(store: InventoryStore, ips: readonly string[]): Promise<Map<string, PriorBaseline>> {
  const prior = new Map<string, PriorBaseline>();
  for (let i = 0; i < ips.length; i += 500) {
    const rows = await store.db.selectFrom('baselines').selectAll().where('ip', 'in', ips.slice(i, i + 500)).execute();
    for (const r of rows) {
      let p = prior.get(r.ip);
      if (!p) prior.set(r.ip, (p = { since: r.first_seen, items: new Set() }));
      p.since = Math.min(p.since, r.first_seen);
      p.items.add(`${r.kind}\u0000${r.value}`);
    }
  }
  return prior;
}

export function baselineFindings(c: BaselineCollector, prior: ReadonlyMap<string, PriorBaseline>, minAgeS: number, out: FindingSink): void {
  for (const [ip, seen] of c.hosts) {
    const p = prior.get(ip);
    if (!p || c.firstTs - p.since < minAgeS) continue;
    for (const [kind, items] of [['service', seen.services], ['peer', seen.peers]] as const) {
      for (const [value, v] of items) {
      if (p.items.has(`${kind}\u0000${value}`)) continue;
      if (kind === 'service') {
        const [proto, port] = value.split('/');
        const ref = [{ id: v.flow, proto, src: '', sport: 0, dst: ip, dport: Number(port), ts: v.first }];
        out.raise({
          rule: 'baseline.new-service', severity: 'medium', title: `${ip} answers on new service ${value}`,
          description: `${ip} answered on ${value}, which its baseline (since ${new Date(p.since * 1000).toISOString()}) never showed: a new listener (a backdoor, a service switched on, a changed configuration).`,
          ts: v.first, src: seen.host, dst: null, device: 'src', evidence: { service: value, flows: v.count, baselineSince: p.since }, flows: ref,
        });
      } else {
        out.raise({
          rule: 'baseline.new-peer', severity: 'low', title: `${ip} talks to new peer ${value}`,
          description: `${ip} exchanged data with ${value}, a peer its baseline (since ${new Date(p.since * 1000).toISOString()}) never showed.`,
          ts: v.first, src: seen.host, dst: { ip: value, mac: null }, device: 'src', evidence: { peer: value, flows: v.count, baselineSince: p.since },
        });
      }
      }
    }
  }
}

/** Folds this analysis into the baselines (counts add up, first and last times widen). */
export async function saveBaselines(store: InventoryStore, c: BaselineCollector): Promise<void> {
  const rows: BaselineRow[] = [];
  for (const [ip, seen] of c.hosts)
    for (const [kind, items] of [['service', seen.services], ['peer', seen.peers]] as const)
      for (const [value, v] of items) rows.push({ ip, kind, value, count: v.count, first_seen: v.first, last_seen: v.last });
  await foldBaselineRows(store, rows);
}

export type BaselineRow = Selectable<BaselineTable>;

/**
 * Rows into table `baselines`, in one transaction: counts add up and first and last times widen, except a
 * `category-device` row, which stays 1 (a device is a device however many analyses saw it).
 */
export async function foldBaselineRows(store: InventoryStore, rows: readonly BaselineRow[]): Promise<void> {
  if (rows.length === 0) return;
  // SQLite's two-argument min()/max() are PostgreSQL's least()/greatest().
  const [lo, hi] = store.dialect === 'postgres' ? ['least', 'greatest'] : ['min', 'max'];
  await store.transaction(async (tx) => {
    for (let i = 0; i < rows.length; i += 200) {
      await tx.db
        .insertInto('baselines')
        .values(rows.slice(i, i + 200))
        .onConflict((oc) =>
          oc.columns(['ip', 'kind', 'value']).doUpdateSet((eb) => ({
            count: eb.case().when(eb.ref('baselines.kind'), '=', 'category-device').then(eb.val(1)).else(eb(eb.ref('baselines.count'), '+', eb.ref('excluded.count'))).end(),
            first_seen: eb.fn(lo, [eb.ref('baselines.first_seen'), eb.ref('excluded.first_seen')]),
            last_seen: eb.fn(hi, [eb.ref('baselines.last_seen'), eb.ref('excluded.last_seen')]),
          })),
        )
        .execute();
    }
  });
}
