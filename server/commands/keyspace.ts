/* The keyspace commands. */
import type { Handler } from './index.js';

export const keyspaceHandlers: Record<string, Handler> = {};
