/*
 * The string commands.
 */
import { E } from '../../common/errors.js';
import type { Client } from '../client.js';
import { own, stringObject } from '../types/object.js';
import { keyOf } from './args.js';
import type { Handler } from './index.js';

function getCommand(c: Client, argv: Buffer[]): void {
  const o = c.db.lookupRead(keyOf(argv[1]!));
  if (o === undefined) c.reply.nil();
  else if (o.type !== 'string') c.error(E.WRONGTYPE);
  else c.reply.bulk(o.value);
}

function setCommand(c: Client, argv: Buffer[]): void {
  const key = keyOf(argv[1]!);
  c.db.set(key, stringObject(own(argv[2]!)));
  c.server.touchWatched(c.db, key);
  c.server.dirty++;
  c.server.notify('$', 'set', key, c.dbIndex);
  c.reply.ok();
}

export const stringHandlers: Record<string, Handler> = {
  get: getCommand,
  set: setCommand,
};
