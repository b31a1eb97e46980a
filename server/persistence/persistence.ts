/*
 * Wires persistence into the server: RDB (rdb-persistence.ts) and the AOF
 * (aof.ts) share the one-snapshot-at-a-time rule, the cron tick, the
 * MISCONF write guard, start-up loading and shutdown.
 */
import type { Server } from '../server.js';
import { F } from '../../common/commands/index.js';
import { E } from '../../common/errors.js';
import { RdbPersistence } from './rdb-persistence.js';
import { AofPersistence } from './aof.js';

export class Persistence {
  readonly rdb: RdbPersistence;
  readonly aof: AofPersistence;
  /** Last steps of a clean shutdown other modules add (replication's crash marker). */
  readonly onShutdown: (() => void)[] = [];

  constructor(readonly server: Server) {
    this.rdb = new RdbPersistence(server);
    this.aof = new AofPersistence(server, this.rdb);
  }

  /** Loads the dataset at start-up: the AOF when enabled (it has priority), else the RDB file. */
  loadAtStartup(): void {
    if (this.server.config.bool('appendonly')) this.aof.loadAtStartup();
    else this.rdb.loadAtStartup();
  }

  /** Redis's prepareForShutdown. */
  prepareShutdown(save: boolean, force: boolean): boolean {
    const log = this.server.log;
    if (this.server.snapshot?.purpose === 'rdb') {
      log.warning('There is a child saving an .rdb. Killing it!');
      this.rdb.abortBgsave();
    }
    if (this.server.snapshot?.purpose === 'aof') {
      log.warning('There is a child rewriting the AOF. Killing it!');
      this.aof.abortRewrite();
    }
    if (this.aof.enabled) {
      log.notice('Calling fsync() on the AOF file.');
      this.aof.flush(true);
    }
    if (save) {
      log.notice('Saving the final RDB snapshot before exiting.');
      if (!this.rdb.saveSync() && !force) {
        log.warning('Error trying to save the DB, can\'t exit.');
        return false;
      }
    }
    for (const h of this.onShutdown) h();
    log.warning('Redis is now ready to exit, bye bye...');
    return true;
  }
}

const installed = new WeakMap<Server, Persistence>();

export function persistenceOf(server: Server): Persistence {
  let p = installed.get(server);
  if (p === undefined) {
    p = new Persistence(server);
    installed.set(server, p);
    install(server, p);
  }
  return p;
}

function install(server: Server, p: Persistence): void {
  server.cronHooks.push(() => {
    p.rdb.cron();
    p.aof.cron();
  });
  server.guards.push((c, cmd) => {
    if (c.flags.master) return null;
    const top = cmd.parent ?? cmd;
    if ((cmd.flags & F.write) === 0 && top.spec.name !== 'ping') return null;
    if (p.rdb.deniesWrites()) return E.MISCONF_RDB;
    const aofErr = p.aof.writeError();
    return aofErr === null ? null : E.MISCONF_AOF(aofErr);
  });
  server.prepareShutdown = (save, force) => p.prepareShutdown(save, force);
  server.debugReload = (c, argv) => p.aof.debugReload(c, argv);
  server.afterFlushAll = () => {
    if (server.snapshot?.purpose === 'rdb') p.rdb.abortBgsave();
    if (server.config.get('save').trim() !== '') p.rdb.saveSync();
  };
}
