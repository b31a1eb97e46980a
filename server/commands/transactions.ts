/* The transactions commands. */
import type { Handler } from './index.js';

export const transactionHandlers: Record<string, Handler> = {};
