/* The hyperloglog commands. */
import type { Handler } from './index.js';

export const hyperloglogHandlers: Record<string, Handler> = {};
