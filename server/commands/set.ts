/* The set commands. */
import type { Handler } from './index.js';

export const setHandlers: Record<string, Handler> = {};
