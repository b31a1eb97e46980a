/*
 * SAVE, BGSAVE [SCHEDULE], BGREWRITEAOF and LASTSAVE (Redis 7.0 rdb.c and
 * aof.c command semantics; the work is in server/persistence/).
 */
import type { Handler } from './index.js';
import { E } from '../../common/errors.js';
import { isArg } from './args.js';
import { persistenceOf } from '../persistence/persistence.js';

export const persistenceHandlers: Record<string, Handler> = {
  save: (c) => {
    const p = persistenceOf(c.server);
    if (c.server.snapshot?.purpose === 'rdb') {
      c.error(E.BGSAVE_IN_PROGRESS);
      return;
    }
    if (p.rdb.saveSync()) c.reply.ok();
    else c.error('ERR');
  },

  bgsave: (c, argv) => {
    let schedule = false;
    if (argv.length > 1) {
      if (argv.length === 2 && isArg(argv[1]!, 'SCHEDULE')) schedule = true;
      else {
        c.error(E.SYNTAX);
        return;
      }
    }
    const p = persistenceOf(c.server);
    const snap = c.server.snapshot;
    if (snap?.purpose === 'rdb') {
      c.error(E.BGSAVE_IN_PROGRESS);
    } else if (snap !== null || c.inExec) {
      if (schedule || c.inExec) {
        p.rdb.bgsaveScheduled = true;
        c.reply.simple('Background saving scheduled');
      } else {
        c.error(E.BGSAVE_CHILD_ACTIVE);
      }
    } else if (p.rdb.bgsave()) {
      c.reply.simple('Background saving started');
    } else {
      c.error('ERR');
    }
  },

  bgrewriteaof: (c) => {
    const p = persistenceOf(c.server);
    const snap = c.server.snapshot;
    if (snap?.purpose === 'aof') {
      c.error(E.BGREWRITE_IN_PROGRESS);
    } else if (snap !== null || c.inExec) {
      p.aof.rewriteScheduled = true;
      c.reply.simple('Background append only file rewriting scheduled');
    } else if (p.aof.rewrite()) {
      c.reply.simple('Background append only file rewriting started');
    } else {
      c.error(E.BGREWRITE_FAILED);
    }
  },

  lastsave: (c) => c.reply.int(c.server.lastSave),
};
