/*
 * serverCron: periodic work every 1000/hz ms — active expiry, idle client
 * timeouts, instantaneous metrics, and hooks other modules register.
 */
import type { Server } from './server.js';

export function startCron(server: Server): () => void {
  let timer: NodeJS.Timeout | null = null;
  const tick = () => {
    server.cronLoops++;
    server.cmdTime = Date.now();
    for (const h of server.cronHooks) h();
    closeIdleClients(server);
    const hz = Math.max(1, Math.min(500, server.config.num('hz')));
    timer = setTimeout(tick, 1000 / hz);
    timer.unref();
  };
  timer = setTimeout(tick, 100);
  timer.unref();
  return () => {
    if (timer !== null) clearTimeout(timer);
  };
}

/**
 * `timeout`: closes clients idle for longer, except replicas, masters,
 * blocked clients (their own timeout governs) and pub/sub subscribers.
 */
function closeIdleClients(server: Server): void {
  const maxIdle = server.config.num('timeout') * 1000;
  if (maxIdle <= 0) return;
  const now = Date.now();
  for (const c of server.clients.values()) {
    if (c.flags.replica || c.flags.master || c.blocked !== null || c.subscriptionCount > 0) continue;
    if (now - c.lastInteraction > maxIdle) {
      server.log.verbose('Closing idle client');
      c.conn?.close();
    }
  }
}
