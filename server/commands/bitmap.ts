/* The bitmap commands. */
import type { Handler } from './index.js';

export const bitmapHandlers: Record<string, Handler> = {};
