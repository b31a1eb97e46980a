/*
 * Active expiry (Redis's activeExpireCycle, the "slow" cycle run from the
 * cron): besides lazy expiry on access, each tick samples keys with a TTL
 * in every db and deletes the expired ones, so keys nobody touches still go.
 *
 * Per db: sample up to 20 keys (more with active-expire-effort) from a
 * resumable walk over `db.expires` (`db.expireIter`), delete the expired
 * ones (`db.deleteExpired`: stats, event, propagation, WATCH), and repeat
 * while more than 10% of the sample was expired — all within a time budget
 * of 25% of the tick at effort 1. Also keeps `db.avgTtl` (a running average
 * over the sampled TTLs), `stats.expiredStalePerc` and
 * `stats.expiredTimeCapReached`, which INFO shows.
 *
 * Off while `server.activeExpireEnabled` is false (DEBUG SET-ACTIVE-EXPIRE
 * 0), on a replica (its master sends DELs), while loading and while
 * clients are paused.
 */
import type { Server } from '../server.js';
import type { Db } from './keyspace.js';

const KEYS_PER_LOOP = 20;
const ACCEPTABLE_STALE = 10;
const CYCLE_SLOW_TIME_PERC = 25;
/** How many dbs one cycle visits at most (CRON_DBS_PER_CALL). */
const DBS_PER_CALL = 16;

/** Next key with a TTL from the db's resumable walk, restarting at the end (once per call). */
function nextExpiring(db: Db): [string, number] | undefined {
  if (db.expireIter === null) db.expireIter = db.expires.entries();
  let r = db.expireIter.next();
  if (r.done) {
    db.expireIter = db.expires.entries();
    r = db.expireIter.next();
    if (r.done) return undefined;
  }
  return r.value;
}

export class ActiveExpire {
  /** The db the next cycle starts with (cycles resume where the last one stopped). */
  private currentDb = 0;

  constructor(private readonly server: Server) {}

  /** One slow cycle; returns the number of keys expired. `budgetOverrideMs` replaces the time budget (tests). */
  cycle(budgetOverrideMs?: number): number {
    const server = this.server;
    if (!server.activeExpireEnabled || server.isReplica || server.loading) return 0;
    if (server.pause !== null && server.pause.until > Date.now()) return 0;
    const effort = Math.max(0, Math.min(9, server.config.num('active-expire-effort') - 1));
    const keysPerLoop = KEYS_PER_LOOP + (KEYS_PER_LOOP / 4) * effort;
    const acceptableStale = ACCEPTABLE_STALE - effort;
    const hz = Math.max(1, server.config.num('hz'));
    const budgetMs = budgetOverrideMs ?? (1000 * (CYCLE_SLOW_TIME_PERC + 2 * effort)) / hz / 100;
    const start = performance.now();
    const dbs = server.dbs;
    const nDbs = Math.min(DBS_PER_CALL, dbs.length);
    let totalExpired = 0;
    let totalSampled = 0;
    let timedOut = false;
    for (let j = 0; j < nDbs && !timedOut; j++) {
      const db = dbs[this.currentDb % dbs.length]!;
      this.currentDb++;
      let iteration = 0;
      for (;;) {
        const size = db.expires.size;
        if (size === 0) {
          db.avgTtl = 0;
          break;
        }
        const now = server.cmdTime;
        const num = Math.min(size, keysPerLoop);
        let sampled = 0;
        let expired = 0;
        let ttlSum = 0;
        let ttlSamples = 0;
        for (let k = 0; k < num; k++) {
          const e = nextExpiring(db);
          if (e === undefined) break;
          sampled++;
          const [key, when] = e;
          if (when <= now) {
            if (db.dict.has(key)) db.deleteExpired(key);
            else db.expires.delete(key);
            expired++;
          } else {
            ttlSum += when - now;
            ttlSamples++;
          }
        }
        totalExpired += expired;
        totalSampled += sampled;
        if (ttlSamples > 0) {
          const avg = ttlSum / ttlSamples;
          db.avgTtl = db.avgTtl === 0 ? avg : (db.avgTtl / 50) * 49 + avg / 50;
        }
        iteration++;
        if ((iteration & 0xf) === 0 && performance.now() - start > budgetMs) {
          timedOut = true;
          server.stats.expiredTimeCapReached++;
          break;
        }
        if (sampled === 0 || (expired * 100) / sampled <= acceptableStale) break;
      }
    }
    const perc = totalSampled > 0 ? totalExpired / totalSampled : 0;
    server.stats.expiredStalePerc = perc * 0.05 + server.stats.expiredStalePerc * 0.95;
    return totalExpired;
  }
}

/** Registers the active expire cycle in the server cron. */
export function installActiveExpire(server: Server): ActiveExpire {
  const ae = new ActiveExpire(server);
  server.cronHooks.push(() => {
    ae.cycle();
  });
  return ae;
}
