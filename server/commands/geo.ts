/* The geo commands. */
import type { Handler } from './index.js';

export const geoHandlers: Record<string, Handler> = {};
