/*
 * Handlers by full command name ('get', 'config|get'), gathered from the
 * family files. A meta-test checks this map against the command table both
 * ways: every declared command has a handler and every handler a declaration.
 */
import type { Client } from '../client.js';
import { bitmapHandlers } from './bitmap.js';
import { connectionHandlers } from './connection.js';
import { keyspaceHandlers } from './keyspace.js';
import { pubsubHandlers } from './pubsub.js';
import { serverHandlers } from './server.js';
import { stringHandlers } from './string.js';
import { transactionHandlers } from './transactions.js';
import { scriptingHandlers } from './scripting.js';
import { listHandlers } from './list.js';
import { hashHandlers } from './hash.js';
import { setHandlers } from './set.js';
import { zsetHandlers } from './zset.js';
import { geoHandlers } from './geo.js';
import { hyperloglogHandlers } from './hyperloglog.js';
import { sortHandlers } from './sort.js';
import { persistenceHandlers } from './persistence.js';
import { replicationHandlers } from './replication.js';
import { slotsHandlers } from './slots.js';

export type Handler = (c: Client, argv: Buffer[]) => void;

export const HANDLERS: ReadonlyMap<string, Handler> = new Map(
  Object.entries({
    ...bitmapHandlers, ...connectionHandlers, ...keyspaceHandlers, ...pubsubHandlers, ...serverHandlers,
    ...stringHandlers, ...transactionHandlers, ...scriptingHandlers, ...listHandlers, ...hashHandlers,
    ...setHandlers, ...zsetHandlers, ...geoHandlers, ...hyperloglogHandlers, ...sortHandlers,
    ...persistenceHandlers, ...replicationHandlers, ...slotsHandlers,
  }),
);
