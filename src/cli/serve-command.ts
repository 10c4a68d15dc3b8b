import { readFileSync } from 'node:fs';
import { createToken, hasActiveAdmin, listTokens, revokeToken, ROLES } from '../api/api-tokens.js';
import { audit } from '../api/audit-log.js';
import { buildServer } from '../api/server.js';
import { InventoryStore } from '../store/inventory-store.js';
import type { ApiRole } from '../store/schema.js';
import { defaultDbLocation } from './db-location.js';

export interface ServeOptions {
  db?: string;
  port?: number;
  host?: string;
  tlsCert?: string;
  tlsKey?: string;
  web?: string;
  /** Print a fresh admin token even when one exists (the first one is shown only once). */
  newAdminToken?: boolean;
  log?: string;
  /** Packet store folder for packet downloads. */
  packetStore?: string;
}

/** Starts the API and dashboard; resolves once listening, with a function that stops it. */
export async function serve(options: ServeOptions): Promise<{ url: string; close: () => Promise<void>; adminToken: string | null }> {
  if (!!options.tlsCert !== !!options.tlsKey) throw new Error('--tls-cert and --tls-key go together');
  const https = options.tlsCert ? { cert: readFileSync(options.tlsCert), key: readFileSync(options.tlsKey!) } : undefined;
  const store = await InventoryStore.open(options.db ?? defaultDbLocation());
  let adminToken: string | null = null;
  if (options.newAdminToken || !(await hasActiveAdmin(store))) {
    adminToken = (await createToken(store, options.newAdminToken ? `admin-${new Date().toISOString().slice(0, 19)}` : 'admin', 'admin')).token;
    await audit(store, { actor: 'cli', role: null, action: 'token.create', detail: { role: 'admin', reason: options.newAdminToken ? '--new-admin-token' : 'first start' } });
  }
  const { app } = await buildServer({ store, https, webRoot: options.web, logLevel: options.log, packetStore: options.packetStore ?? null });
  const host = options.host ?? '127.0.0.1';
  try {
    await app.listen({ port: options.port ?? 8080, host });
  } catch (err) {
    await store.close();
    throw new Error(`cannot listen on ${host}:${options.port ?? 8080}: ${(err as Error).message}`);
  }
  const addr = app.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : options.port;
  const url = `${https ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${port}`;
  return {
    url,
    adminToken,
    close: async () => {
      await app.close();
      await store.close();
    },
  };
}

/** Prints where the dashboard is and, once, the admin token; runs until interrupted. */
export async function serveCommand(options: ServeOptions): Promise<number> {
  const s = await serve(options);
  announce(s.url, s.adminToken, options.db ?? defaultDbLocation());
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await s.close();
  return 0;
}

export function announce(url: string, adminToken: string | null, db: string): void {
  const lines = [`Vigil is serving ${db} at ${url}/`, `  API document: ${url}/api/docs`];
  if (adminToken) {
    lines.push(
      `  Admin token (shown this once, stored only as a hash): ${adminToken}`,
      `  Open the dashboard signed in: ${url}/#token=${adminToken}`,
    );
  } else lines.push('  Sign in with an API token (`vigil token create --name NAME --role viewer`, or restart with --new-admin-token).');
  lines.push('  Stop with Ctrl-C.');
  process.stdout.write(lines.join('\n') + '\n');
}

export async function tokenCommand(action: 'create' | 'list' | 'revoke', options: { db?: string; name?: string; role?: string; ttlDays?: number; id?: number; json?: boolean }): Promise<number> {
  const store = await InventoryStore.open(options.db ?? defaultDbLocation());
  try {
    if (action === 'create') {
      const role = (options.role ?? 'viewer') as ApiRole;
      if (!ROLES.includes(role)) {
        process.stderr.write(`vigil token: unknown role "${role}" (${ROLES.join(', ')})\n`);
        return 2;
      }
      const name = options.name ?? `${role}-${new Date().toISOString().slice(0, 10)}`;
      const made = await createToken(store, name, role, options.ttlDays ? options.ttlDays * 86400 : undefined);
      await audit(store, { actor: 'cli', role: null, action: 'token.create', target: String(made.id), detail: { name, role, ttlDays: options.ttlDays ?? null } });
      process.stdout.write(options.json ? JSON.stringify({ id: made.id, name, role, token: made.token }) + '\n' : `${made.token}\n(token ${made.id} "${name}", ${role}; shown once)\n`);
      return 0;
    }
    if (action === 'list') {
      const rows = await listTokens(store);
      const when = (t: number | null) => (t ? new Date(t * 1000).toISOString().slice(0, 19) : '-');
      if (options.json) process.stdout.write(JSON.stringify(rows, null, 2) + '\n');
      else for (const t of rows) process.stdout.write(`${String(t.id).padStart(4)}  ${t.name.padEnd(28)} ${t.role.padEnd(8)} created ${when(t.created_at)}  expires ${when(t.expires_at)}  ${t.revoked_at ? `revoked ${when(t.revoked_at)}` : 'active'}\n`);
      return 0;
    }
    if (!options.id || !(await revokeToken(store, options.id))) {
      process.stderr.write(`vigil token revoke: no active token ${options.id ?? ''} in ${store.location}\n`);
      return 2;
    }
    await audit(store, { actor: 'cli', role: null, action: 'token.revoke', target: String(options.id) });
    process.stdout.write(`token ${options.id} revoked\n`);
    return 0;
  } finally {
    await store.close();
  }
}
