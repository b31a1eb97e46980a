/* The list commands. */
import type { Handler } from './index.js';

export const listHandlers: Record<string, Handler> = {};
