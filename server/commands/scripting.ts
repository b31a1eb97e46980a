/* The scripting commands. */
import type { Handler } from './index.js';

export const scriptingHandlers: Record<string, Handler> = {};
