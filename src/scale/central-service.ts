/**
 * `vigil central`: takes sensor windows off JetStream and stores them, each once. Every central
 * process reads through the same durable consumer, so several share the work and one that dies
 * hands its unacknowledged window to another. A window is acknowledged only after its transaction
 * has committed; a store error leaves it unacknowledged and it comes back after a pause.
 * Between bursts of windows, one process at a time (a PostgreSQL advisory lock) re-decides
 * vulnerabilities and risk over the whole inventory.
 */
import { z } from 'zod';
import type { JsMsg } from '@nats-io/jetstream';
import { loadThresholds } from '../detect/thresholds.js';
import type { AttributeKnowledge } from '../inventory/attribute-resolver.js';
import { Taxonomy } from '../inventory/taxonomy.js';
import { InventoryStore } from '../store/inventory-store.js';
import { ACK_WAIT_S, DEFAULT_CONSUMER, ensureConsumer, openNatsLink, type NatsLink } from './nats-link.js';
import { NOTICE_VERSION } from './window-publisher.js';
import { ingestWindowBytes, isIngested, recordRejected, type IngestContext, type IngestOutcome } from './window-ingest.js';

export interface CentralOptions {
  nats: string;
  /** NATS namespace shared with the sensors (default `vigil`). */
  namespace?: string;
  /** A postgres:// URL (or, for a single machine, a SQLite file). */
  store: string;
  knowledge: AttributeKnowledge;
  durable?: string;
  ackWaitS?: number;
  /** Seconds between whole-inventory recomputes of vulnerabilities and risk; 0 turns them off. */
  analyticsIntervalS?: number;
  /** Stop once no window has arrived for this long (batch runs and tests); default: run until stopped. */
  idleExitS?: number;
  /** Pause before a window whose store write failed is delivered again. */
  retryDelayMs?: number;
  log?: (line: string) => void;
  /** Called after each window is handled (tests count and kill on it). */
  onOutcome?: (o: IngestOutcome) => void;
  /**
   * Windows of different sites stored at once, each in its own transaction on its own connection
   * (default 2): one window's JavaScript runs while PostgreSQL writes another's. A site's windows are
   * stored one after another, in the order they arrive.
   */
  concurrency?: number;
}

export interface CentralStats {
  stored: number;
  duplicates: number;
  rejected: number;
  /** Windows left unacknowledged after a store error, to come back. */
  retried: number;
  /** Notices delivered more than once (a process died holding them, or a store error sent them back). */
  redelivered: number;
  observations: number;
  analyticsRuns: number;
}

const noticeSchema = z.object({ v: z.literal(NOTICE_VERSION), batch: z.string().regex(/^[A-Za-z0-9_-]+\/[A-Za-z0-9-]+\/\d+$/), site: z.string(), object: z.string().min(1), bytes: z.number().int().nonnegative() });

/** Advisory lock key for the whole-inventory analytics (any constant; "VGL1"). */
const ANALYTICS_LOCK = 0x56474c31;

/** The store's message, with PostgreSQL's detail when it gives one (which key, which value). */
function storeError(err: unknown): string {
  const detail = (err as { detail?: unknown }).detail;
  return typeof detail === 'string' && detail !== '' ? `${(err as Error).message} (${detail})` : (err as Error).message;
}

export class CentralService {
  readonly stats: CentralStats = { stored: 0, duplicates: 0, rejected: 0, retried: 0, redelivered: 0, observations: 0, analyticsRuns: 0 };
  private stopped = false;
  private link: NatsLink | null = null;
  private store: InventoryStore | null = null;
  private dirty = false;
  private lastAnalytics = 0;
  private readonly log: (line: string) => void;
  private readonly ctx: IngestContext;

  constructor(private readonly o: CentralOptions) {
    this.log = o.log ?? ((line) => process.stderr.write(`vigil central: ${line}\n`));
    this.ctx = { knowledge: o.knowledge, taxonomy: Taxonomy.load(), thresholds: loadThresholds() };
  }

  stop(): void {
    this.stopped = true;
  }

  /** Runs until stopped (or idle for `idleExitS`); returns what it did. */
  async run(): Promise<CentralStats> {
    this.store = await InventoryStore.open(this.o.store);
    try {
      this.link = await openNatsLink(this.o.nats, 'vigil-central', { namespace: this.o.namespace });
      const durable = this.o.durable ?? DEFAULT_CONSUMER;
      await ensureConsumer(this.link, durable, this.o.ackWaitS ?? ACK_WAIT_S);
      const consumer = await this.link.js.consumers.get(this.link.names.stream, durable);
      this.log(`consuming ${this.link.names.stream} as ${durable} into ${this.store.location}`);
      let idleSince = Date.now();
      const limit = Math.max(1, this.o.concurrency ?? 2);
      const inflight = new Map<string, Promise<void>>();
      let failure: { err: unknown } | null = null;
      try {
        while (!this.stopped && !failure) {
          if (inflight.size >= limit) {
            await Promise.race(inflight.values());
            continue;
          }
          let m: JsMsg | null = null;
          try {
            m = await consumer.next({ expires: 1000 });
          } catch (err) {
            // NATS restarting: the client reconnects by itself; ask again shortly.
            this.log(`waiting for NATS: ${(err as Error).message}`);
            await sleep(500);
            continue;
          }
          if (m) {
            idleSince = Date.now();
            const site = siteOf(m);
            const before = inflight.get(site);
            if (before) {
              // The same site's previous window first: later windows build on the devices it creates.
              const heartbeat = setInterval(() => m!.working(), ((this.o.ackWaitS ?? ACK_WAIT_S) * 1000) / 3);
              await before.finally(() => clearInterval(heartbeat));
            }
            const msg = m;
            const p: Promise<void> = this.handle(msg)
              .catch((err: unknown) => {
                failure ??= { err };
              })
              .finally(() => {
                if (inflight.get(site) === p) inflight.delete(site);
                idleSince = Date.now();
              });
            inflight.set(site, p);
            // Under a steady stream there is no idle moment: the interval alone decides.
            if (this.dirty) await this.analytics();
            continue;
          }
          if (inflight.size) continue;
          if (this.dirty) await this.analytics();
          if (this.o.idleExitS !== undefined && Date.now() - idleSince >= this.o.idleExitS * 1000) break;
        }
      } finally {
        await Promise.all(inflight.values());
      }
      if (failure) throw (failure as { err: unknown }).err;
      if (this.dirty) await this.analytics();
      return this.stats;
    } finally {
      await this.link?.close().catch(() => undefined);
      await this.store.close().catch(() => undefined);
    }
  }

  private async handle(m: JsMsg): Promise<void> {
    const store = this.store!;
    if (m.info.redelivered) this.stats.redelivered++;
    const site = siteOf(m);
    let notice: z.infer<typeof noticeSchema>;
    try {
      notice = noticeSchema.parse(JSON.parse(new TextDecoder().decode(m.data)));
    } catch (err) {
      const batch = `unknown/stream-${m.info.streamSequence}/0`;
      const reason = `notice is not a version ${NOTICE_VERSION} window notice: ${err instanceof z.ZodError ? err.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') : (err as Error).message}`;
      await this.settle(m, () => recordRejected(store, { batch, sensor: 'unknown', site, seq: 0, reason }), { status: 'rejected', batch, reason });
      return;
    }
    const heartbeat = setInterval(() => m.working(), ((this.o.ackWaitS ?? ACK_WAIT_S) * 1000) / 3);
    try {
      if (await isIngested(store, notice.batch)) {
        await this.settle(m, async () => undefined, { status: 'duplicate', batch: notice.batch });
        return;
      }
      const bytes = await this.link!.windows.getBlob(notice.object);
      if (!bytes) {
        const reason = `window ${notice.object} is not in the object store (expired or deleted before it was stored)`;
        await this.settle(m, () => recordRejected(store, { batch: notice.batch, sensor: notice.batch.split('/')[0], site, seq: Number(notice.batch.split('/')[2]), reason }), { status: 'rejected', batch: notice.batch, reason });
        return;
      }
      const outcome = await ingestWindowBytes(store, bytes, this.ctx, { batch: notice.batch, site });
      await this.settle(m, async () => undefined, outcome);
      if (outcome.status !== 'rejected') await this.link!.windows.delete(notice.object).catch(() => undefined);
    } catch (err) {
      // Nothing was committed. A store that is down or restarting gets the window again after a
      // growing pause, for as long as it takes; a store that refuses the window itself (a constraint,
      // bad data) gets a few tries, then the refusal is recorded with its reason.
      const tries = m.info.deliveryCount;
      if (!isTransient(err) && tries >= PERMANENT_TRIES) {
        const reason = `the store refused it ${tries} times: ${storeError(err)}`;
        await this.settle(m, () => recordRejected(store, { batch: notice.batch, sensor: notice.batch.split('/')[0], site, seq: Number(notice.batch.split('/')[2]), reason }), { status: 'rejected', batch: notice.batch, reason }).catch(() => m.nak(this.backoff(tries)));
        return;
      }
      this.stats.retried++;
      this.log(`window ${notice.batch} not stored (try ${tries}), will retry: ${storeError(err)}`);
      m.nak(this.backoff(tries));
    } finally {
      clearInterval(heartbeat);
    }
  }

  private backoff(tries: number): number {
    return Math.min(60_000, (this.o.retryDelayMs ?? 1000) * 2 ** Math.min(tries - 1, 6));
  }

  /** Records the outcome where needed, then acknowledges: after the commit, never before. */
  private async settle(m: JsMsg, record: () => Promise<void>, outcome: IngestOutcome): Promise<void> {
    await record();
    if (outcome.status === 'stored') {
      this.stats.stored++;
      this.stats.observations += outcome.observations;
      this.dirty = true;
      this.log(`stored ${outcome.batch} (${outcome.site}): ${outcome.devices} devices (${outcome.created} new), ${outcome.observations} facts, ${outcome.alerts} alerts in ${outcome.ms} ms`);
    } else if (outcome.status === 'duplicate') this.stats.duplicates++;
    else {
      this.stats.rejected++;
      this.log(`rejected ${outcome.batch}: ${outcome.reason}`);
    }
    try {
      await m.ackAck();
    } catch (err) {
      // Committed but not acknowledged: it will be delivered again and found in ingest_batches.
      this.log(`acknowledgement of ${outcome.batch} lost (${(err as Error).message}); it will come back as a duplicate`);
    }
    this.o.onOutcome?.(outcome);
  }

  private async analytics(): Promise<void> {
    const interval = this.o.analyticsIntervalS ?? 60;
    if (interval <= 0 || Date.now() - this.lastAnalytics < interval * 1000) return;
    const store = this.store!;
    this.lastAnalytics = Date.now();
    const release = await this.lock();
    if (!release) return;
    try {
      const t0 = performance.now();
      const { assessVulnerabilities } = await import('../vuln/assess.js');
      const { computeRisk } = await import('../risk/device-risk.js');
      const vulns = await assessVulnerabilities(store);
      const risk = await computeRisk(store, { taxonomy: this.ctx.taxonomy });
      this.dirty = false;
      this.stats.analyticsRuns++;
      this.log(`analytics: ${vulns.findings} vulnerability findings on ${vulns.devicesAffected} devices, ${risk.devices} devices scored, in ${Math.round(performance.now() - t0)} ms`);
    } catch (err) {
      this.log(`analytics failed (will try again): ${(err as Error).message}`);
    } finally {
      await release();
    }
  }

  /** One central process at a time runs the analytics; on SQLite there is only one. */
  private async lock(): Promise<(() => Promise<void>) | null> {
    if (this.store!.dialect !== 'postgres') return async () => undefined;
    const pg = (await import('pg')).default;
    const client = new pg.Client({ connectionString: this.o.store });
    try {
      await client.connect();
      const r = await client.query('select pg_try_advisory_lock($1) as ok', [ANALYTICS_LOCK]);
      if (!r.rows[0]?.ok) {
        await client.end();
        return null;
      }
    } catch {
      await client.end().catch(() => undefined);
      return null;
    }
    return async () => {
      await client.query('select pg_advisory_unlock($1)', [ANALYTICS_LOCK]).catch(() => undefined);
      await client.end().catch(() => undefined);
    };
  }
}

/** Deliveries of a window the store keeps refusing for what it is, before the refusal is recorded. */
const PERMANENT_TRIES = 5;

/**
 * Errors that say the store is away, not that the window is wrong: connection failures (no SQLSTATE,
 * or class 08), shutdown (57P), too many connections, serialisation conflicts and deadlocks.
 */
function isTransient(err: unknown): boolean {
  const code = (err as { code?: unknown }).code;
  if (typeof code !== 'string' || !/^[0-9A-Z]{5}$/.test(code)) return !(err instanceof SyntaxError || err instanceof TypeError || err instanceof RangeError);
  // Two windows creating the same device at once (a MAC seen at two sites): the second finds it when tried again.
  if (code === '23505') return (err as { constraint?: unknown }).constraint === 'devices_identity';
  return code.startsWith('08') || code.startsWith('57P') || code === '53300' || code === '40001' || code === '40P01';
}

/** The site of a notice, from its subject `<namespace>.v1.<site>.window`. */
const siteOf = (m: JsMsg): string => m.subject.split('.')[2] ?? 'unknown';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
