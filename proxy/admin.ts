/*
 * The proxy's admin HTTP API (fastify): Prometheus /metrics, JSON stats and
 * model for the dashboard, and the slot table push. /api/* needs the
 * product token as a bearer token; a table with an older epoch than the one
 * in use is refused (409), so a delayed push can never roll routing back.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import { bearerTokenOk } from '../common/bearer.js';
import { Registry, collectDefaultMetrics } from 'prom-client';
import { parseSlotTable, slotTableToJSON, type SlotTable } from '../common/topology.js';
import { renderMetrics, type StatsSnapshot } from './metrics.js';

export interface ProxyControl {
  snapshot(): Promise<StatsSnapshot>;
  table(): SlotTable | null;
  /** Installs a table everywhere; false when its epoch is older than the current one. */
  setTable(t: SlotTable): Promise<boolean>;
  model(): Record<string, unknown>;
  /** Default process metrics (prom-client), aggregated across workers where there are several. */
  processMetrics(): Promise<string>;
}

export function localProcessMetrics(): () => Promise<string> {
  const reg = new Registry();
  collectDefaultMetrics({ register: reg, prefix: 'shardis_proxy_' });
  return () => reg.metrics();
}


export function buildAdmin(ctl: ProxyControl, token: string): FastifyInstance {
  const app = Fastify({ logger: false, bodyLimit: 4 * 1024 * 1024 });
  app.addHook('onRequest', async (req, reply) => {
    if (req.url.startsWith('/api/') && !bearerTokenOk(req.headers.authorization, token)) {
      await reply.code(401).send({ error: 'unauthorized', message: 'a valid bearer token is required' });
    }
  });
  app.get('/metrics', async (_req, reply) => {
    const text = renderMetrics(await ctl.snapshot()) + (await ctl.processMetrics());
    await reply.type('text/plain; version=0.0.4; charset=utf-8').send(text);
  });
  app.get('/api/proxy/model', async () => ctl.model());
  app.get('/api/proxy/stats', async () => ctl.snapshot());
  app.get('/api/proxy/slots', async (_req, reply) => {
    const t = ctl.table();
    if (t === null) return reply.code(404).send({ error: 'no_table', message: 'no slot table has been installed' });
    return slotTableToJSON(t);
  });
  app.put('/api/proxy/slots', async (req, reply) => {
    let t: SlotTable;
    try {
      t = parseSlotTable(req.body);
    } catch (e) {
      return reply.code(400).send({ error: 'bad_table', message: (e as Error).message });
    }
    if (!(await ctl.setTable(t))) {
      return reply.code(409).send({ error: 'stale_epoch', message: `epoch ${t.epoch} is older than the table in use (${ctl.table()?.epoch})` });
    }
    return { ok: true, epoch: t.epoch };
  });
  app.setErrorHandler(async (err, _req, reply) => {
    const code = (err as { statusCode?: number }).statusCode ?? 500;
    await reply.code(code).send({ error: code >= 500 ? 'internal' : 'bad_request', message: (err as Error).message });
  });
  return app;
}
