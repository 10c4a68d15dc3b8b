import { z } from 'zod';
import { ApiError, notFound, type RouteTable } from '../api-route.js';
import { createToken, listTokens, revokeToken, ROLES } from '../api-tokens.js';
import { auditEntries } from '../audit-log.js';
import type { ServerServices } from '../server.js';

export function adminRoutes(routes: RouteTable, s: ServerServices): void {
  routes.add({
    method: 'GET',
    url: '/api/tokens',
    role: 'admin',
    tag: 'admin',
    summary: 'API tokens (never their secret): name, role, dates',
    handler: async () => listTokens(s.store),
  });

  routes.add({
    method: 'POST',
    url: '/api/tokens',
    role: 'admin',
    tag: 'admin',
    summary: 'Make a token; its secret is in this answer only',
    body: z.object({
      name: z.string().min(1).max(80).regex(/^[\w .@-]+$/, 'letters, digits, space, . @ _ -'),
      role: z.enum(ROLES as [string, ...string[]]),
      ttlDays: z.number().positive().max(3650).optional(),
    }),
    response: z.object({ id: z.number(), name: z.string(), role: z.string(), token: z.string() }),
    handler: async ({ body, request, reply }) => {
      const made = await createToken(s.store, body.name, body.role as 'viewer', body.ttlDays ? body.ttlDays * 86400 : undefined);
      request.auditDetail = { name: body.name, role: body.role, ttlDays: body.ttlDays ?? null };
      reply.status(201);
      return { id: made.id, name: body.name, role: body.role, token: made.token };
    },
  });

  routes.add({
    method: 'DELETE',
    url: '/api/tokens/{id}',
    role: 'admin',
    tag: 'admin',
    summary: 'Revoke a token',
    params: z.object({ id: z.coerce.number().int().min(1) }),
    handler: async ({ params, caller }) => {
      if (caller && Number(caller.token.id) === params.id) throw new ApiError(409, 'conflict', 'a token cannot revoke itself');
      if (!(await revokeToken(s.store, params.id))) throw notFound(`no active token ${params.id}`);
      return { revoked: params.id };
    },
  });

  routes.add({
    method: 'GET',
    url: '/api/audit',
    role: 'admin',
    tag: 'admin',
    summary: 'The audit log, newest first: every mutation and export, who, when, from where',
    query: z.object({ limit: z.coerce.number().int().min(1).max(1000).default(100), offset: z.coerce.number().int().min(0).default(0), action: z.string().max(120).optional() }),
    handler: async ({ query }) => (await auditEntries(s.store, query)).map((e) => ({ ...e, id: Number(e.id), detail: JSON.parse(e.detail) as unknown })),
  });
}
