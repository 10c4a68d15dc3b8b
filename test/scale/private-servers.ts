/**
 * A NATS server and a PostgreSQL cluster of a test's own, from the machine's real binaries, that the
 * test can kill and restart without disturbing the shared ones other tests are using at the time.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';

export const NATS_SERVER = process.env.VIGIL_NATS_SERVER ?? '/usr/sbin/nats-server';

function pgBin(): string | null {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return null;
  const v = readdirSync(root).sort((a, b) => Number(b) - Number(a))[0];
  return v && existsSync(join(root, v, 'bin/initdb')) ? join(root, v, 'bin') : null;
}
const PG_BIN = pgBin();

/** Why the private servers cannot run here, or null. */
export const privateServersSkipReason: string | null = !existsSync(NATS_SERVER)
  ? `no nats-server at ${NATS_SERVER} (apt install nats-server)`
  : !PG_BIN
    ? 'no PostgreSQL server binaries under /usr/lib/postgresql (apt install postgresql)'
    : null;

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

const waitFor = async (ok: () => boolean | Promise<boolean>, what: string, ms = 15_000) => {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (await ok()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
};

const portOpen = (port: number) =>
  new Promise<boolean>((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(true));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(false)));
  });

/** nats-server with JetStream on a free port; its store survives restarts, as a real restart's does. */
export class PrivateNats {
  private child: ChildProcess | null = null;
  readonly dir = mkdtempSync(join(tmpdir(), 'vigil-nats-'));
  constructor(readonly port: number) {}
  get url(): string {
    return `nats://127.0.0.1:${this.port}`;
  }
  async start(): Promise<void> {
    this.child = spawn(NATS_SERVER, ['-a', '127.0.0.1', '-p', String(this.port), '-js', '-sd', this.dir], { stdio: 'ignore' });
    await waitFor(() => portOpen(this.port), `nats-server on ${this.port}`);
  }
  /** SIGKILL: no goodbye to the clients. */
  async kill(): Promise<void> {
    const c = this.child;
    if (!c) return;
    const closed = new Promise((r) => c.once('close', r));
    c.kill('SIGKILL');
    await closed;
    this.child = null;
    await waitFor(async () => !(await portOpen(this.port)), `port ${this.port} to close`);
  }
  async stop(): Promise<void> {
    await this.kill();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** A PostgreSQL cluster (trust auth, fsync off) run as the postgres user when the test runs as root. */
export class PrivatePostgres {
  readonly dir = mkdtempSync(join(tmpdir(), 'vigil-pg-'));
  private readonly asPostgres = userInfo().uid === 0;
  constructor(readonly port: number) {
    if (this.asPostgres) {
      const uid = Number(spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).stdout.trim());
      const gid = Number(spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).stdout.trim());
      chownSync(this.dir, uid, gid);
    }
  }
  get url(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`;
  }
  private run(bin: string, args: string[]): void {
    const cmd = join(PG_BIN!, bin);
    const r = this.asPostgres ? spawnSync('runuser', ['-u', 'postgres', '--', cmd, ...args], { encoding: 'utf8' }) : spawnSync(cmd, args, { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`${bin} failed: ${r.stderr || r.stdout}`);
  }
  async init(): Promise<void> {
    this.run('initdb', ['-D', join(this.dir, 'data'), '-A', 'trust', '-U', 'postgres']);
    await this.start();
  }
  async start(): Promise<void> {
    this.run('pg_ctl', ['-D', join(this.dir, 'data'), '-o', `-p ${this.port} -k ${this.dir} -c listen_addresses=127.0.0.1 -c fsync=off`, '-l', join(this.dir, 'log'), '-w', 'start']);
  }
  /** Immediate shutdown: open transactions are cut off, as in a crash. */
  async stopNow(): Promise<void> {
    this.run('pg_ctl', ['-D', join(this.dir, 'data'), '-m', 'immediate', '-w', 'stop']);
  }
  async destroy(): Promise<void> {
    try {
      this.run('pg_ctl', ['-D', join(this.dir, 'data'), '-m', 'immediate', '-w', 'stop']);
    } catch {
      // already stopped
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
