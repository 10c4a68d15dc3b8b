/** The OpenAPI 3 document, written from the route table's own zod schemas. */
import { z } from 'zod';
import type { RegisteredRoute } from './api-route.js';

const jsonSchema = (s: z.ZodType, io: 'input' | 'output') => z.toJSONSchema(s, { target: 'openapi-3.0', io, unrepresentable: 'any' }) as Record<string, unknown>;

function parameters(schema: z.ZodType | undefined, where: 'path' | 'query') {
  if (!schema) return [];
  const js = jsonSchema(schema, 'input') as { properties?: Record<string, Record<string, unknown>>; required?: string[] };
  return Object.entries(js.properties ?? {}).map(([name, s]) => ({
    name,
    in: where,
    required: where === 'path' || (js.required ?? []).includes(name),
    ...(typeof s.description === 'string' ? { description: s.description } : {}),
    schema: s,
  }));
}

export function openApiDocument(routes: readonly RegisteredRoute[], version: string) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of routes) {
    const op: Record<string, unknown> = {
      summary: r.summary,
      tags: [r.tag],
      'x-vigil-role': r.role,
      parameters: [...parameters(r.params, 'path'), ...parameters(r.query, 'query')],
      responses: {
        '200': r.produces
          ? { description: 'OK', content: { [r.produces]: { schema: { type: 'string', format: 'binary' } } } }
          : { description: 'OK', content: { 'application/json': { schema: r.response ? jsonSchema(r.response, 'output') : {} } } },
        ...(r.params || r.query || r.body ? { '400': { $ref: '#/components/responses/Error' } } : {}),
        ...(r.role === 'public' ? {} : { '401': { $ref: '#/components/responses/Error' }, '403': { $ref: '#/components/responses/Error' } }),
        ...(r.params ? { '404': { $ref: '#/components/responses/Error' } } : {}),
      },
    };
    if (r.role !== 'public') op.security = [{ bearer: [] }];
    if (r.body) op.requestBody = { required: true, content: { 'application/json': { schema: jsonSchema(r.body, 'input') } } };
    (paths[r.url] ??= {})[r.method.toLowerCase()] = op;
  }
  return {
    openapi: '3.0.3',
    info: {
      title: 'Vigil API',
      version,
      description: 'Passive security for hospital networks: inventory, clinical context, graph, alerts. Every call but /api/health and /api/docs needs a bearer token; its role (viewer < analyst < admin) must be at least the one the operation names in x-vigil-role.',
    },
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'An API token (vgl_...) made by `vigil token create` or shown once when the server first starts.' } },
      responses: {
        Error: {
          description: 'A JSON error with a reason',
          content: { 'application/json': { schema: { type: 'object', required: ['error', 'reason'], properties: { error: { type: 'string' }, reason: { type: 'string' } } } } },
        },
      },
    },
    paths,
  };
}
