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
