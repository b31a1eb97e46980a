/* The zset commands. */
import type { Handler } from './index.js';

export const zsetHandlers: Record<string, Handler> = {};
