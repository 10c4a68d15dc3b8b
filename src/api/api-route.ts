/**
 * One way to declare an API route: its method, path, the role it needs, and zod schemas for its
 * parameters and answer. The same declaration validates requests and writes the OpenAPI document,
 * so the document cannot drift from what the server does.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { ApiRole } from '../store/schema.js';
import type { InventoryStore } from '../store/inventory-store.js';
import type { ApiToken } from './api-tokens.js';

export interface ApiContext {
  store: InventoryStore;
}

export interface Caller {
  token: ApiToken;
  remote: string;
}

export interface RouteSpec<P extends z.ZodType, Q extends z.ZodType, B extends z.ZodType> {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  url: string;
  /** The least role that may call it; `public` needs no token. */
  role: ApiRole | 'public';
  summary: string;
  tag: string;
  params?: P;
  query?: Q;
  body?: B;
  /** Schema of a 200 answer, for the document. */
  response?: z.ZodType;
  /** A media type other than JSON (CSV, pcap): described in the document, sent as is. */
  produces?: string;
  handler: (input: { params: z.output<P>; query: z.output<Q>; body: z.output<B>; caller: Caller | null; request: FastifyRequest; reply: FastifyReply }) => Promise<unknown>;
}

export interface RegisteredRoute {
  method: string;
  url: string;
  role: ApiRole | 'public';
  summary: string;
  tag: string;
  params?: z.ZodType;
  query?: z.ZodType;
  body?: z.ZodType;
  response?: z.ZodType;
  produces?: string;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
    readonly reason: string,
  ) {
    super(reason);
  }
}

export const notFound = (what: string) => new ApiError(404, 'not-found', what);

function parse<T extends z.ZodType>(schema: T | undefined, value: unknown, where: string): z.output<T> {
  if (!schema) return undefined as z.output<T>;
  const r = schema.safeParse(value ?? {});
  if (!r.success) throw new ApiError(400, 'bad-request', `${where}: ${z.prettifyError(r.error).replace(/\n\s*/g, ' ')}`);
  return r.data;
}

/** Declares routes on `app` and remembers them for the OpenAPI document. */
export class RouteTable {
  readonly routes: RegisteredRoute[] = [];

  constructor(private readonly app: FastifyInstance) {}

  add<P extends z.ZodType = z.ZodType, Q extends z.ZodType = z.ZodType, B extends z.ZodType = z.ZodType>(spec: RouteSpec<P, Q, B>): void {
    const { handler, ...described } = spec;
    this.routes.push(described);
    this.app.route({
      method: spec.method,
      // OpenAPI writes `{id}`, Fastify `:id`.
      url: spec.url.replace(/\{(\w+)\}/g, ':$1'),
      config: { role: spec.role },
      handler: async (request, reply) => {
        const params = parse(spec.params, request.params, 'path');
        const query = parse(spec.query, request.query, 'query');
        const body = parse(spec.body, request.body, 'body');
        const caller = (request as FastifyRequest & { caller?: Caller }).caller ?? null;
        const result = await handler({ params, query, body, caller, request, reply });
        if (reply.sent) return reply;
        return result;
      },
    });
  }
}
