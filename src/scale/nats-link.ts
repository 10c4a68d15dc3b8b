/**
 * Where sensors and the central service meet on NATS JetStream: one stream of window notices, one
 * subject per site, and an object store bucket holding the windows themselves (a large hospital's
 * window is megabytes; a JetStream message is capped at 1 MiB by default). A notice names its
 * window; the object store chunks, checksums and keeps it until the central service has committed it.
 */
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { AckPolicy, DeliverPolicy, jetstream, jetstreamManager, RetentionPolicy, StorageType, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import { Objm, setSha256Backend, type ObjectStore } from '@nats-io/obj';

// The object store checksums every window it stores and returns. Its default hasher is JavaScript,
// for browsers; on Node it offers node:crypto's, which the central service's profile showed to be
// worth having (the JavaScript one took about 2 % of a window's ingest).
setSha256Backend('native');

/**
 * Names on the NATS server, from a namespace (default `vigil`): one server can carry several
 * deployments (production and a test bed) without them reading each other's windows.
 */
export interface NatsNames {
  stream: string;
  /** `<namespace>.v1`: subjects are `<namespace>.v1.<site>.window`. */
  subjectPrefix: string;
  bucket: string;
}

export const DEFAULT_NAMESPACE = 'vigil';

export function natsNames(namespace = DEFAULT_NAMESPACE): NatsNames {
  if (!/^[A-Za-z0-9_-]{1,32}$/.test(namespace)) throw new NatsLinkError(`namespace ${JSON.stringify(namespace)}: letters, digits, - and _ only`);
  return { stream: `${namespace.toUpperCase().replace(/-/g, '_')}_WINDOWS`, subjectPrefix: `${namespace}.v1`, bucket: `${namespace}-windows` };
}

export const windowSubject = (names: NatsNames, site: string): string => `${names.subjectPrefix}.${site}.window`;
export const DEFAULT_CONSUMER = 'vigil-central';

const NS = 1_000_000_000;
/** A republished window inside this time is dropped by JetStream itself (the Nats-Msg-Id header). */
const DUPLICATE_WINDOW_S = 15 * 60;
/** Notices and windows nobody collected are kept this long: a central service can be down for a week-end. */
const KEEP_S = 14 * 24 * 3600;
/** A central process that holds a window longer than this without acknowledging it has died: redeliver. */
export const ACK_WAIT_S = 120;

export interface NatsLink {
  names: NatsNames;
  nc: NatsConnection;
  js: JetStreamClient;
  jsm: JetStreamManager;
  windows: ObjectStore;
  close(): Promise<void>;
}

export class NatsLinkError extends Error {
  override name = 'NatsLinkError';
}

/** Server list from a `nats://host:port[,host:port]` URL; credentials stay out of anything printed. */
export function natsServers(url: string): string[] {
  return url
    .split(',')
    .map((s) => s.trim().replace(/^nats:\/\//i, ''))
    .filter(Boolean);
}

/**
 * Connects and makes sure the stream and bucket exist. The client reconnects forever on its own:
 * a NATS restart pauses a sensor or central process, it does not end it.
 */
export async function openNatsLink(url: string, name: string, o: { timeoutMs?: number; namespace?: string } = {}): Promise<NatsLink> {
  const names = natsNames(o.namespace);
  let nc: NatsConnection;
  try {
    nc = await connect({ servers: natsServers(url), name, maxReconnectAttempts: -1, reconnectTimeWait: 500, timeout: o.timeoutMs ?? 5000 });
  } catch (err) {
    throw new NatsLinkError(`cannot connect to NATS at ${url.replace(/\/\/[^@/]*@/, '//***@')}: ${(err as Error).message}`);
  }
  try {
    const jsm = await jetstreamManager(nc);
    await ensureStream(jsm, names);
    const windows = await new Objm(nc).create(names.bucket, { storage: StorageType.File, ttl: KEEP_S * NS, description: 'Vigil sensor windows awaiting the central service' });
    return { names, nc, js: jetstream(nc), jsm, windows, close: () => nc.drain().catch(() => nc.close()) };
  } catch (err) {
    await nc.close().catch(() => undefined);
    throw new NatsLinkError(`NATS at ${url} has no usable JetStream (start nats-server with -js): ${(err as Error).message}`);
  }
}

async function ensureStream(jsm: JetStreamManager, names: NatsNames): Promise<void> {
  const config = {
    name: names.stream,
    subjects: [`${names.subjectPrefix}.>`],
    storage: StorageType.File,
    retention: RetentionPolicy.Limits,
    max_age: KEEP_S * NS,
    duplicate_window: DUPLICATE_WINDOW_S * NS,
  };
  try {
    await jsm.streams.info(names.stream);
  } catch {
    try {
      await jsm.streams.add(config);
    } catch (err) {
      // Two processes starting together: the other one made it.
      if (!/already in use|exists/i.test((err as Error).message)) throw err;
    }
  }
}

/**
 * The durable pull consumer every central process shares: each notice goes to one of them, and
 * comes back to another if the first dies before acknowledging it.
 */
export async function ensureConsumer(link: NatsLink, durable: string, ackWaitS = ACK_WAIT_S): Promise<void> {
  const { jsm, names } = link;
  try {
    await jsm.consumers.info(names.stream, durable);
  } catch {
    try {
      await jsm.consumers.add(names.stream, {
        durable_name: durable,
        ack_policy: AckPolicy.Explicit,
        deliver_policy: DeliverPolicy.All,
        filter_subject: `${names.subjectPrefix}.*.window`,
        ack_wait: ackWaitS * NS,
        max_ack_pending: 64,
      });
    } catch (err) {
      if (!/already in use|exists/i.test((err as Error).message)) throw err;
    }
  }
}

/** Removes a namespace's stream and bucket (test beds; a deployment being retired). */
export async function removeNamespace(link: NatsLink): Promise<void> {
  await link.jsm.streams.delete(link.names.stream).catch(() => undefined);
  await new Objm(link.nc).open(link.names.bucket).then((b) => b.destroy()).catch(() => undefined);
}
