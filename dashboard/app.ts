/*
 * The dashboard's REST API (fastify): JSON in and out under /api/, a bearer
 * token, 4xx/5xx with {error, message} bodies, request bodies validated by
 * schemas, and the OpenAPI document at /docs. buildApp() is used by the
 * server and by inject() tests alike.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { Type } from 'typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { bearerTokenOk } from '../common/bearer.js';
import { SLOT_COUNT } from '../common/slots.js';
import { DashError } from './errors.js';
import type { Coordinator } from './coordinator.js';

const ErrorBody = Type.Object({ error: Type.String(), message: Type.String() });
const Addr = Type.String({ pattern: '^[^:\\s]+:\\d{1,5}$', description: 'host:port' });
const GroupId = Type.Integer({ minimum: 1, maximum: 9999 });


export interface AppOptions {
  /** Extra routes (UI, metrics) registered by the caller. */
  extra?: (app: FastifyInstance) => Promise<void> | void;
}

export async function buildApp(coord: Coordinator, token: string, opts: AppOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({ logger: false, bodyLimit: 1024 * 1024 }).withTypeProvider<TypeBoxTypeProvider>();
  await app.register(swagger, {
    openapi: {
      info: { title: 'Shardis dashboard', version: '1', description: 'Groups, servers, slots and proxies of one product.' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });

  app.addHook('onRequest', async (req, reply) => {
    if (req.url.startsWith('/api/') && !bearerTokenOk(req.headers.authorization, token)) {
      await reply.code(401).send({ error: 'DASH_ERR_UNAUTHORIZED', message: 'a valid bearer token is required' });
    }
  });
  app.setErrorHandler(async (err, _req, reply) => {
    if (err instanceof DashError) {
      await reply.code(err.status).send({ error: err.code, message: err.message });
      return;
    }
    const e = err as { statusCode?: number; message?: string; validation?: unknown };
    const status = e.statusCode ?? 500;
    await reply.code(status).send({ error: e.validation ? 'DASH_ERR_BAD_REQUEST' : status >= 500 ? 'DASH_ERR_INTERNAL' : 'DASH_ERR_BAD_REQUEST', message: e.message ?? 'error' });
  });

  await app.register(async (plain) => {
    const api = plain.withTypeProvider<TypeBoxTypeProvider>();
    const err = { 200: Type.Unknown(), 201: Type.Unknown(), 204: Type.Null(), 400: ErrorBody, 401: ErrorBody, 404: ErrorBody, 409: ErrorBody, 502: ErrorBody };

    api.get('/api/overview', { schema: { summary: 'Everything at a glance' } }, async () => coord.overview());

    api.get('/api/groups', { schema: { summary: 'List groups' } }, async () => [...coord.groups.values()].map((g) => g.doc));
    api.post('/api/groups', { schema: { summary: 'Create a group', body: Type.Object({ id: GroupId }), response: err } },
      async (req, reply) => reply.code(201).send(await coord.createGroup(req.body.id)));
    api.delete('/api/groups/:id', { schema: { summary: 'Remove an empty group', params: Type.Object({ id: GroupId }), response: err } },
      async (req, reply) => {
        await coord.removeGroup(req.params.id);
        return reply.code(204).send(null);
      });
    api.post('/api/groups/:id/servers', { schema: { summary: 'Add a server (the first becomes the master)', params: Type.Object({ id: GroupId }), body: Type.Object({ addr: Addr }), response: err } },
      async (req, reply) => reply.code(201).send(await coord.addServer(req.params.id, req.body.addr)));
    api.delete('/api/groups/:id/servers/:addr', { schema: { summary: 'Remove a server', params: Type.Object({ id: GroupId, addr: Addr }), response: err } },
      async (req) => coord.removeServer(req.params.id, req.params.addr));

    api.get('/api/slots', { schema: { summary: 'Every slot and its group' } }, async () => coord.slots.map((s) => ({ id: s.doc.id, groupId: s.doc.groupId })));
    api.post('/api/slots/assign', {
      schema: {
        summary: 'Assign a slot range to a group directly (new cluster, no data moved)',
        body: Type.Object({ from: Type.Integer({ minimum: 0, maximum: SLOT_COUNT - 1 }), to: Type.Integer({ minimum: 0, maximum: SLOT_COUNT - 1 }), groupId: GroupId }),
        response: err,
      },
    }, async (req) => ({ epoch: await coord.assignSlots(req.body.from, req.body.to, req.body.groupId) }));

    api.get('/api/proxies', { schema: { summary: 'List proxies with health' } }, async () => coord.overview().proxies);
    api.get('/api/servers/ownership', { schema: { summary: 'The last slot-ownership push (SLOTSSTATE) to each group master' } },
      async () => [...coord.serverHealth.values()]);
    api.post('/api/proxies', { schema: { summary: 'Register a proxy by its admin address', body: Type.Object({ adminAddr: Addr }), response: err } },
      async (req, reply) => reply.code(201).send(await coord.addProxy(req.body.adminAddr)));
    api.delete('/api/proxies/:id', { schema: { summary: 'Forget a proxy', params: Type.Object({ id: Type.String() }), response: err } },
      async (req, reply) => {
        await coord.removeProxy(req.params.id);
        return reply.code(204).send(null);
      });
    api.post('/api/proxies/:id/reinit', { schema: { summary: 'Re-send the slot table to a proxy', params: Type.Object({ id: Type.String() }), response: err } },
      async (req) => ({ ok: await coord.reinitProxy(req.params.id) }));
  });
  await opts.extra?.(app);
  return app;
}
