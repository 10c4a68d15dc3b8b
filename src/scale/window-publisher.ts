/**
 * Moves spooled windows to JetStream, oldest first: the window into the object store, then its
 * notice on the site's subject with the window's id as Nats-Msg-Id, then, once JetStream has
 * acknowledged the notice, off the spool. A sensor that dies in between publishes the same window
 * again on restart; JetStream drops the repeat notice, and the central service stores a window once
 * whatever arrives twice.
 */
import { windowSubject, type NatsLink } from './nats-link.js';
import type { SpooledWindow, WindowSpool } from './window-spool.js';

export const NOTICE_VERSION = 1;

export interface WindowNotice {
  v: typeof NOTICE_VERSION;
  batch: string;
  site: string;
  /** Name of the window in the object store bucket. */
  object: string;
  bytes: number;
}

/** Object names allow `/`; the batch id is used as it is. */
export const objectName = (batch: string): string => batch;

export interface PublishResult {
  published: number;
  duplicates: number;
  /** Why the last attempt stopped early (NATS unreachable...); null when the spool was emptied. */
  stoppedBy: string | null;
}

export class WindowPublisher {
  published = 0;
  duplicates = 0;

  constructor(
    private readonly link: NatsLink,
    private readonly spool: WindowSpool,
    private readonly site: string,
  ) {}

  /** Publishes what the spool holds; stops at the first failure and leaves the rest for the next call. */
  async drain(): Promise<PublishResult> {
    let published = 0;
    let duplicates = 0;
    for (const w of this.spool.list()) {
      try {
        if (await this.publish(w)) duplicates++;
        published++;
      } catch (err) {
        return { published, duplicates, stoppedBy: (err as Error).message };
      }
      this.spool.remove(w);
    }
    this.published += published;
    this.duplicates += duplicates;
    return { published, duplicates, stoppedBy: null };
  }

  /** True when JetStream had the notice already. */
  private async publish(w: SpooledWindow): Promise<boolean> {
    const data = this.spool.read(w);
    const name = objectName(w.batch);
    await this.link.windows.putBlob({ name, description: `Vigil window ${w.batch}` }, data);
    const notice: WindowNotice = { v: NOTICE_VERSION, batch: w.batch, site: this.site, object: name, bytes: data.length };
    const ack = await this.link.js.publish(windowSubject(this.link.names, this.site), JSON.stringify(notice), { msgID: w.batch, timeout: 10_000 });
    return ack.duplicate;
  }
}
