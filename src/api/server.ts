/**
 * `vigil serve`: the REST API and the dashboard, from one process. Every /api route but health and
 * the document needs a bearer token whose role is at least the route's; mutations and exports are
 * written to the audit log; requests are size- and rate-limited.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import rateLimit from '@fastify/rate-limit';
import fastifyStatic from '@fastify/static';
import { Taxonomy } from '../inventory/taxonomy.js';
import type { InventoryStore } from '../store/inventory-store.js';
import type { ApiRole } from '../store/schema.js';
import { ApiError, RouteTable, type Caller } from './api-route.js';
import { checkToken, roleRank, touchToken } from './api-tokens.js';
import { audit } from './audit-log.js';
import { GraphCache } from './graph-cache.js';
import { openApiDocument } from './openapi.js';
import { adminRoutes } from './routes/admin-routes.js';
import { deviceRoutes } from './routes/device-routes.js';
import { forensicsRoutes } from './routes/forensics-routes.js';
import { graphRoutes } from './routes/graph-routes.js';
import { metaRoutes } from './routes/meta-routes.js';
import { procureRoutes } from './routes/procure-routes.js';
import { securityRoutes } from './routes/security-routes.js';

export const VERSION = '0.1.0';

/** Where `vite build` puts the dashboard: dist/web beside dist/src. */
export const DEFAULT_WEB_ROOT = fileURLToPath(new URL('../../web/', import.meta.url));

export interface ServerOptions {
  store: InventoryStore;
  webRoot?: string | null;
  /** Requests per minute per token (or per address without one). */
  rateLimit?: number;
  /** Largest request body, bytes. */
  bodyLimit?: number;
  https?: { cert: Buffer; key: Buffer };
  logLevel?: string;
  /** The packet store folder (vigil analyze --packet-store) packet downloads read from. */
  packetStore?: string | null;
}

export interface ServerServices {
  store: InventoryStore;
  taxonomy: Taxonomy;
  graphs: GraphCache;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    role?: ApiRole | 'public';
    /** Audit this read as well (packet and data exports). */
    audit?: boolean;
  }
  interface FastifyRequest {
    caller?: Caller;
    /** What the audit log records of this request, set by its handler: never a secret or patient data. */
    auditDetail?: Record<string, unknown>;
  }
}

const bearer = (request: FastifyRequest): string | null => {
  const h = request.headers.authorization;
  if (!h) return null;
  const m = /^Bearer\s+(\S+)$/i.exec(h);
  return m ? m[1] : null;
};

export async function buildServer(options: ServerOptions): Promise<{ app: FastifyInstance; routes: RouteTable }> {
  const { store } = options;
  const app = Fastify({
    logger: { level: options.logLevel ?? 'warn' },
    bodyLimit: options.bodyLimit ?? 1 << 20,
    ...(options.https ? { https: options.https } : {}),
  }) as unknown as FastifyInstance;

  await app.register(rateLimit, {
    max: options.rateLimit ?? 1200,
    timeWindow: '1 minute',
    keyGenerator: (request) => bearer(request)?.slice(0, 16) ?? request.ip,
    errorResponseBuilder: (_request, context) => ({ statusCode: 429, error: 'rate-limited', reason: `more than ${context.max} requests in ${context.after}; slow down` }),
  });

  app.addHook('onRequest', async (request) => {
    if (!request.url.startsWith('/api/')) return;
    const role = request.routeOptions.config?.role;
    if (role === undefined || role === 'public') return;
    const presented = bearer(request);
    if (!presented) throw new ApiError(401, 'unauthorised', 'no API token: send "Authorization: Bearer <token>"');
    const check = await checkToken(store, presented);
    if (!check.ok) throw new ApiError(401, 'unauthorised', check.reason);
    if (roleRank(check.token.role) < roleRank(role)) throw new ApiError(403, 'forbidden', `this needs the ${role} role; the token "${check.token.name}" is ${check.token.role}`);
    request.caller = { token: check.token, remote: request.ip };
    // Last use to the minute is enough, and spares a write per request.
    if (!check.token.last_used_at || Date.now() / 1000 - check.token.last_used_at > 60) await touchToken(store, Number(check.token.id));
  });

  // Written before the response goes out, not after it: a client told its change succeeded finds
  // the change in the audit log when it reads it next (after the response, on PostgreSQL, a read
  // straight after the change could come first).
  app.addHook('onSend', async (request, reply, payload) => {
    const mutation = request.method !== 'GET' && request.method !== 'HEAD' && request.method !== 'OPTIONS';
    if (!request.url.startsWith('/api/') || !request.caller || !(mutation || request.routeOptions.config?.audit)) return payload;
    if (reply.statusCode >= 400) return payload;
    await audit(store, {
      actor: request.caller.token.name,
      role: request.caller.token.role,
      action: `${request.method} ${request.routeOptions.url ?? request.url}`,
      target: Object.keys(request.params ?? {}).length ? JSON.stringify(request.params) : null,
      detail: { status: reply.statusCode, ...(request.auditDetail ?? {}) },
      remote: request.caller.remote,
    }).catch((err) => request.log.error({ err }, 'audit log write failed'));
    return payload;
  });

  app.setErrorHandler((err: Error & { statusCode?: number; code?: string }, request, reply) => {
    if (err instanceof ApiError) return reply.status(err.status).send({ error: err.error, reason: err.reason });
    const status = err.statusCode ?? 500;
    if (status === 429) return reply.status(429).send(err);
    if (status < 500) {
      const error = status === 413 ? 'payload-too-large' : status === 415 ? 'unsupported-media-type' : 'bad-request';
      return reply.status(status).send({ error, reason: err.message });
    }
    request.log.error({ err }, 'request failed');
    return reply.status(500).send({ error: 'internal', reason: 'the server failed to answer; the error is in its log' });
  });

  const services: ServerServices = { store, taxonomy: Taxonomy.load(), graphs: new GraphCache(store) };
  const routes = new RouteTable(app);
  metaRoutes(routes, services);
  deviceRoutes(routes, services);
  graphRoutes(routes, services);
  securityRoutes(routes, services);
  forensicsRoutes(routes, services, options.packetStore ?? null);
  procureRoutes(routes, services);
  adminRoutes(routes, services);
  const document = openApiDocument(routes.routes, VERSION);
  app.get('/api/docs', { config: { role: 'public' } }, async () => document);

  const webRoot = options.webRoot === undefined ? DEFAULT_WEB_ROOT : options.webRoot;
  const index = webRoot && existsSync(join(webRoot, 'index.html')) ? readFileSync(join(webRoot, 'index.html'), 'utf8') : null;
  if (webRoot && index) await app.register(fastifyStatic, { root: webRoot, wildcard: false, index: false });
  app.setNotFoundHandler((request, reply) => {
    if (request.url.startsWith('/api/')) return reply.status(404).send({ error: 'not-found', reason: `no API route ${request.method} ${request.url.split('?')[0]}` });
    if (request.method !== 'GET') return reply.status(404).send({ error: 'not-found', reason: `nothing at ${request.url}` });
    // The dashboard routes in the browser: every other page is its index.
    if (index) return reply.type('text/html').send(index);
    return reply.status(503).type('text/plain').send('The dashboard is not built: run `npm run build`. The API answers under /api/ (document: /api/docs).\n');
  });
  return { app, routes };
}
