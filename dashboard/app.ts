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
const SlotNo = Type.Integer({ minimum: 0, maximum: SLOT_COUNT - 1 });


export interface AppOptions {
  /** Extra routes (UI, metrics) registered by the caller. */
  extra?: (app: FastifyInstance) => Promise<void> | void;
}

export async function buildApp(coord: Coordinator, token: string, opts: AppOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({ logger: false, bodyLimit: 1024 * 1024, ajv: { customOptions: { removeAdditional: false } } }).withTypeProvider<TypeBoxTypeProvider>();
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

    api.get('/api/slots/actions', { schema: { summary: 'Slot migrations queued or under way, with progress' } }, async () => coord.actionList());
    api.post('/api/slots/actions', {
      schema: {
        summary: 'Migrate slots to a group: one slot, a range (from-to), or a count taken from the fullest groups',
        body: Type.Object({
          groupId: GroupId,
          slot: Type.Optional(SlotNo), from: Type.Optional(SlotNo), to: Type.Optional(SlotNo),
          count: Type.Optional(Type.Integer({ minimum: 1, maximum: SLOT_COUNT })),
        }, { additionalProperties: false }),
        response: err,
      },
    }, async (req, reply) => {
      const b = req.body;
      const forms = [b.slot !== undefined, b.from !== undefined || b.to !== undefined, b.count !== undefined].filter(Boolean).length;
      if (forms !== 1) throw new DashError('DASH_ERR_BAD_REQUEST', 'give exactly one of: slot, from and to, count');
      let slots: number[];
      if (b.slot !== undefined) slots = [b.slot];
      else if (b.count !== undefined) slots = coord.pickSlots(b.count, b.groupId);
      else {
        if (b.from === undefined || b.to === undefined || b.from > b.to) throw new DashError('DASH_ERR_BAD_RANGE', 'a range needs from <= to');
        slots = Array.from({ length: b.to - b.from + 1 }, (_, i) => b.from! + i);
      }
      const created = await coord.createActions(slots, b.groupId);
      coord.migrator.kick();
      return reply.code(201).send({ created: created.length, actions: created });
    });
    api.delete('/api/slots/actions/:slot', { schema: { summary: 'Remove a pending migration', params: Type.Object({ slot: SlotNo }), response: err } },
      async (req, reply) => {
        await coord.removeAction(req.params.slot);
        return reply.code(204).send(null);
      });
    api.get('/api/slots/migration', { schema: { summary: 'Migration settings' } }, async () => coord.migration.doc);
    api.put('/api/slots/migration', {
      schema: {
        summary: 'Change migration settings (method sync or semi-async, parallel slots, batch sizes)',
        body: Type.Object({
          method: Type.Optional(Type.Union([Type.Literal('sync'), Type.Literal('semi-async')])),
          parallelSlots: Type.Optional(Type.Integer({ minimum: 1, maximum: 1024 })),
          timeoutMs: Type.Optional(Type.Integer({ minimum: 100, maximum: 600000 })),
          maxBulks: Type.Optional(Type.Integer({ minimum: 1, maximum: 100000 })),
          maxBytes: Type.Optional(Type.Integer({ minimum: 1024, maximum: 1024 * 1024 * 1024 })),
          numKeys: Type.Optional(Type.Integer({ minimum: 1, maximum: 100000 })),
        }, { additionalProperties: false }),
        response: err,
      },
    }, async (req) => coord.setMigration(req.body));
    const RebalanceBody = Type.Object({
      weights: Type.Optional(Type.Record(Type.String({ pattern: '^[0-9]+$' }), Type.Number({ minimum: 0 }))),
      byMemory: Type.Optional(Type.Boolean()),
      confirm: Type.Optional(Type.Boolean()),
    }, { additionalProperties: false });
    api.post('/api/slots/rebalance', {
      schema: { summary: 'Plan a rebalance (the moves, nothing done); with confirm: true, queue its migrations', body: RebalanceBody, response: err },
    }, async (req) => {
      const plan = await coord.rebalancePlan(req.body.weights, req.body.byMemory ?? false);
      if (req.body.confirm !== true) return { ...plan, applied: false };
      const created = await coord.applyRebalance(plan.moves);
      coord.migrator.kick();
      return { ...plan, applied: true, created: created.length };
    });

    api.get('/api/ha', { schema: { summary: 'Failure detection and failover: settings, the health of every server, failovers so far' } },
      async () => ({ settings: coord.ha.settings, health: Object.fromEntries(coord.ha.health), events: coord.ha.events }));
    api.put('/api/ha', {
      schema: {
        summary: 'Turn automatic failover or replica migration on or off (until the dashboard restarts; flags set the start value)',
        body: Type.Object({ autoFailover: Type.Optional(Type.Boolean()), replicaMigration: Type.Optional(Type.Boolean()) }, { additionalProperties: false }),
        response: err,
      },
    }, async (req) => {
      coord.ha.settings = { ...coord.ha.settings, ...req.body };
      return coord.ha.settings;
    });
    api.get('/api/servers', { schema: { summary: 'INFO essentials of every server' } }, async () => coord.serverSummaries());
    api.get('/api/stats', { schema: { summary: "Live counters: every proxy's (ops, errors, sessions, latency sums) and every server's summary" } }, async () => coord.stats());
    api.post('/api/groups/:id/promote', { schema: { summary: 'Promote a replica to master (a lossless switchover when the master is up)', params: Type.Object({ id: GroupId }), body: Type.Object({ addr: Addr, catchUpMs: Type.Optional(Type.Integer({ minimum: 0, maximum: 600000 })) }), response: err } },
      async (req) => coord.promote(req.params.id, req.body.addr, { catchUpMs: req.body.catchUpMs }));
    api.post('/api/groups/:id/resync', { schema: { summary: "Point a group's replicas at its master again", params: Type.Object({ id: GroupId }), response: err } },
      async (req) => coord.resyncGroup(req.params.id));
    api.post('/api/groups/resync', { schema: { summary: 'Resync the replicas of every group' } },
      async () => Object.fromEntries(await Promise.all([...coord.groups.keys()].filter((id) => coord.masterOf(id) !== null).map(async (id) => [id, await coord.resyncGroup(id)] as const))));

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
