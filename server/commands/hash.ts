/* The hash commands. */
import type { Handler } from './index.js';

export const hashHandlers: Record<string, Handler> = {};
