/* The server commands. */
import type { Handler } from './index.js';

export const serverHandlers: Record<string, Handler> = {};
