/* The pubsub commands. */
import type { Handler } from './index.js';

export const pubsubHandlers: Record<string, Handler> = {};
