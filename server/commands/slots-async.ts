/*
 * codis-server's asynchronous migration commands (slots_async.c), with its
 * argument order, replies and texts:
 *
 *   source  SLOTSMGRTONE-ASYNC / SLOTSMGRTTAGONE-ASYNC host port timeout maxbulks maxbytes key [key...]
 *           SLOTSMGRTSLOT-ASYNC / SLOTSMGRTTAGSLOT-ASYNC host port timeout maxbulks maxbytes slot numkeys
 *           SLOTSMGRT-ASYNC-FENCE, SLOTSMGRT-ASYNC-CANCEL, SLOTSMGRT-ASYNC-STATUS
 *           (the mechanism: server/slots/async-migrate.ts)
 *   target  SLOTSRESTORE-ASYNC delete|expire|string|object|list|hash|dict|zset ...,
 *           SLOTSRESTORE-ASYNC-AUTH, SLOTSRESTORE-ASYNC-SELECT; each answered by
 *           the array [SLOTSRESTORE-ASYNC-ACK, errno, text], and an error (errno
 *           -1) closes the connection after the reply.
 *
 * The target's writes propagate to its replicas and AOF as plain Redis
 * commands (DEL, RESTORE ... ABSTTL, SET ... PXAT, RPUSH / HSET / SADD /
 * ZADD with PEXPIREAT or PERSIST), so a real Redis replica follows too.
 */
import type { Handler } from './index.js';
import type { Client } from '../client.js';
import { CODIS_ASYNC as A } from '../../common/errors.js';
import { lookupCommand, type CommandInfo } from '../../common/commands/index.js';
import { SLOT_COUNT } from '../../common/slots.js';
import { formatG17 } from '../../common/resp/format.js';
import { keyOf, toInt } from './args.js';
import { own, stringObject, type RedisObject } from '../types/object.js';
import { ListValue } from '../types/list.js';
import { HashValue } from '../types/hash.js';
import { SetValue } from '../types/set.js';
import { ZSetValue } from '../types/zset.js';
import { latin1 } from '../types/bytes.js';
import { loadDumpPayload, loadLimitsFromConfig, verifyDumpPayload } from '../persistence/rdb-value.js';
import { cancelAsync, dbMigrating, fenceAsync, migrateAsync, statusAsync } from '../slots/async-migrate.js';

const INT_MAX = 2147483647;
/** Codis's defaults for an argument given as 0, and its caps. */
const DEFAULT_TIMEOUT = 30 * 1000;
const DEFAULT_MAXBULKS = 200;
const MAX_MAXBULKS = 512 * 1024;
const DEFAULT_MAXBYTES = 512 * 1024;
const MAX_MAXBYTES = Math.floor(INT_MAX / 2);
const DEFAULT_NUMKEYS = 100;

/** getLongLongFromObject with a range, else codis's "invalid value of <what> (<arg>)". */
function argOrReply(c: Client, b: Buffer, what: string, min: number, max: number): number | null {
  const v = toInt(b);
  if (v === null || v < min || v > max) {
    c.error(A.BAD_ARG(what, b.toString('latin1')));
    return null;
  }
  return v;
}

function mgrtAsync(name: string, useTag: boolean, byKey: boolean): Handler {
  const info: CommandInfo = lookupCommand(name)!;
  return (c, argv) => {
    const host = argv[1]!.toString('latin1');
    const port = argOrReply(c, argv[2]!, 'port', 1, 65535);
    if (port === null) return;
    let timeoutMs = argOrReply(c, argv[3]!, 'timeout', 0, INT_MAX);
    if (timeoutMs === null) return;
    if (timeoutMs === 0) timeoutMs = DEFAULT_TIMEOUT;
    let maxBulks = argOrReply(c, argv[4]!, 'maxbulks', 0, INT_MAX);
    if (maxBulks === null) return;
    if (maxBulks === 0) maxBulks = DEFAULT_MAXBULKS;
    if (maxBulks > MAX_MAXBULKS) maxBulks = MAX_MAXBULKS;
    let maxBytes = argOrReply(c, argv[5]!, 'maxbytes', 0, INT_MAX);
    if (maxBytes === null) return;
    if (maxBytes === 0) maxBytes = DEFAULT_MAXBYTES;
    if (maxBytes > MAX_MAXBYTES) maxBytes = MAX_MAXBYTES;
    let slot = -1;
    let numKeys = 0;
    if (!byKey) {
      const s = argOrReply(c, argv[6]!, 'slot', 0, SLOT_COUNT - 1);
      if (s === null) return;
      slot = s;
      const n = argOrReply(c, argv[7]!, 'numkeys', 0, INT_MAX);
      if (n === null) return;
      numKeys = n === 0 ? DEFAULT_NUMKEYS : n;
    }
    const keys = byKey ? argv.slice(6).map(keyOf) : null;
    migrateAsync(c, info, argv, host, port, { timeoutMs, maxBulks, maxBytes, slot, useTag }, keys, numKeys);
  };
}

const FENCE = lookupCommand('slotsmgrt-async-fence')!;

// ------------------------------------------------------------------ target side

const B_ACK = Buffer.from('SLOTSRESTORE-ASYNC-ACK');
const B = {
  DEL: Buffer.from('DEL'), PEXPIREAT: Buffer.from('PEXPIREAT'), PERSIST: Buffer.from('PERSIST'), SET: Buffer.from('SET'),
  PXAT: Buffer.from('PXAT'), RESTORE: Buffer.from('RESTORE'), REPLACE: Buffer.from('REPLACE'), ABSTTL: Buffer.from('ABSTTL'),
  ZERO: Buffer.from('0'), RPUSH: Buffer.from('RPUSH'), HSET: Buffer.from('HSET'), SADD: Buffer.from('SADD'), ZADD: Buffer.from('ZADD'),
};

/** The reply to every SLOTSRESTORE-ASYNC* command; a failure also closes the connection once it is written. */
function ack(c: Client, code: number, msg: string): void {
  const r = c.reply;
  r.array(3);
  r.bulk(B_ACK);
  r.bulkLatin1(String(code));
  r.bulkLatin1(msg);
  if (code !== 0) c.conn?.closeAfterReply();
}

/** Codis's (type, encoding) numbers for "wrong type" ACKs: OBJ_* and OBJ_ENCODING_* of Redis. */
function typeCodes(o: RedisObject): [number, number] {
  switch (o.type) {
    case 'string': return [0, 0];
    case 'list': return [1, 9];
    case 'set': return [2, o.value.isIntset ? 6 : 2];
    case 'zset': return [3, o.value.listpack ? 11 : 7];
    case 'hash': return [4, o.value.isListpack ? 11 : 2];
    default: return [-1, -1];
  }
}
const EXPECTED = { list: [1, 9], dict: [2, 2], zset: [3, 7], hash: [4, 2] } as const;

/**
 * SLOTSRESTORE-ASYNC sub key [ttl [hint | payload] [args...]]: one message of
 * an asynchronous migration, run on the target. The checks come in codis's
 * order, so a bad message gets the ACK codis-server would send.
 */
const slotsrestoreAsync: Handler = (c, argv) => {
  const server = c.server;
  if (dbMigrating(server, c.dbIndex)) {
    ack(c, -1, A.ACK_DB_BUSY);
    return;
  }
  const argc = argv.length;
  const cmd = argv[1]!.toString('latin1');
  const badArgc = (): void => ack(c, -1, A.ACK_ARGC(argc, cmd));
  if (argc < 3) {
    badArgc();
    return;
  }
  const sub = cmd.toLowerCase();
  const keyArg = argv[2]!;
  const key = keyOf(keyArg);
  const db = c.db;
  c.propagateArgv = [];

  if (sub === 'delete') {
    if (argc !== 3) {
      badArgc();
      return;
    }
    const deleted = db.delete(key);
    if (deleted) {
      db.signalModifiedKey(key);
      server.dirty++;
      c.propagateArgv = [B.DEL, keyArg];
    }
    ack(c, 0, deleted ? '1' : '0');
    return;
  }

  if (argc < 4) {
    badArgc();
    return;
  }
  const ttl = toInt(argv[3]!);
  if (ttl === null || ttl < 0) {
    ack(c, -1, A.ACK_TTL(argv[3]!.toString('latin1')));
    return;
  }
  const when = ttl > 0 ? Date.now() + ttl : 0;
  const whenArg = Buffer.from(String(when));
  /** The key's TTL (or none), the WATCH signal and the dirty count every successful form ends with. */
  const finish = (): void => {
    if (ttl > 0) db.setExpire(key, when);
    else db.persist(key);
    db.signalModifiedKey(key);
    server.dirty++;
  };
  const ttlArgv = (): Buffer[] => (ttl > 0 ? [B.PEXPIREAT, keyArg, whenArg] : [B.PERSIST, keyArg]);

  if (sub === 'expire') {
    if (argc !== 4) {
      badArgc();
      return;
    }
    if (db.lookupWrite(key) === undefined) {
      ack(c, -1, A.ACK_NO_KEY(key));
      return;
    }
    finish();
    c.propagateArgv = ttlArgv();
    ack(c, 0, '1');
    return;
  }

  if (sub === 'string' || sub === 'object') {
    if (argc !== 5) {
      badArgc();
      return;
    }
    if (db.lookupWrite(key) !== undefined) {
      ack(c, -1, A.ACK_KEY_EXISTS(key));
      return;
    }
    let o: RedisObject;
    if (sub === 'string') {
      o = stringObject(own(argv[4]!));
      c.propagateArgv = ttl > 0 ? [B.SET, keyArg, argv[4]!, B.PXAT, whenArg] : [B.SET, keyArg, argv[4]!];
    } else {
      const payload = Buffer.from(argv[4]!);
      if (!verifyDumpPayload(payload, server.skipChecksumValidation)) {
        ack(c, -1, A.ACK_CHECKSUM);
        return;
      }
      try {
        o = loadDumpPayload(payload, loadLimitsFromConfig(server.config));
      } catch {
        ack(c, -1, A.ACK_BODY);
        return;
      }
      c.propagateArgv = ttl > 0 ? [B.RESTORE, keyArg, whenArg, payload, B.REPLACE, B.ABSTTL] : [B.RESTORE, keyArg, B.ZERO, payload, B.REPLACE];
    }
    db.add(key, o);
    finish();
    ack(c, 0, '1');
    return;
  }

  if (argc < 5) {
    badArgc();
    return;
  }
  const hint = toInt(argv[4]!);
  if (hint === null || hint < 0) {
    ack(c, -1, A.ACK_HINT(argv[4]!.toString('latin1')));
    return;
  }
  if (sub !== 'list' && sub !== 'hash' && sub !== 'dict' && sub !== 'zset') {
    ack(c, -1, A.ACK_UNKNOWN(argc, cmd));
    return;
  }
  const xargc = argc - 5;
  if ((sub === 'hash' || sub === 'zset') && xargc % 2 !== 0) {
    badArgc();
    return;
  }
  const scores: number[] = [];
  if (sub === 'zset') {
    for (let i = 6, j = 0; i < argc; i += 2, j++) {
      const raw = argv[i]!;
      const score = raw.length === 8 ? raw.readDoubleLE(0) : NaN;
      if (Number.isNaN(score)) {
        ack(c, -1, A.ACK_SCORE(j));
        return;
      }
      scores.push(score);
    }
  }
  const existing = db.lookupWrite(key);
  const want = sub === 'dict' ? 'set' : sub;
  if (existing !== undefined && existing.type !== want) {
    const [et, ee] = EXPECTED[sub];
    const [gt, ge] = typeCodes(existing);
    ack(c, -1, A.ACK_WRONG_TYPE(et, ee, gt, ge));
    return;
  }
  if (existing === undefined && xargc === 0) {
    ack(c, -1, A.ACK_NO_KEY(key));
    return;
  }
  const cfg = server.config;
  const elems = argv.slice(5);
  let len: number;
  let elemArgv: Buffer[];
  switch (sub) {
    case 'list': {
      let o = existing?.type === 'list' ? existing : undefined;
      if (o === undefined) {
        // The hint only sizes structures in codis; a list grows by doubling anyway.
        o = { type: 'list', value: new ListValue(), lru: 0, idx: -1, snap: 0, sidx: -1 };
        db.add(key, o);
      }
      for (const e of elems) o.value.pushTail(own(e));
      len = o.value.length;
      elemArgv = [B.RPUSH, keyArg, ...elems];
      server.signalKeyAsReady(db, key);
      break;
    }
    case 'hash': {
      const maxEntries = cfg.num('hash-max-listpack-entries');
      const maxValue = cfg.num('hash-max-listpack-value');
      let o = existing?.type === 'hash' ? existing : undefined;
      if (o === undefined) {
        const h = new HashValue();
        if (hint > maxEntries) h.convert();
        o = { type: 'hash', value: h, lru: 0, idx: -1, snap: 0, sidx: -1 };
        db.add(key, o);
      }
      const h = o.value;
      for (let i = 0; i < xargc; i += 2) {
        const f = elems[i]!;
        const v = elems[i + 1]!;
        if (h.isListpack && (f.length > maxValue || v.length > maxValue)) h.convert();
        h.set(latin1(f), own(v));
        if (h.isListpack && h.length > maxEntries) h.convert();
      }
      len = h.length;
      elemArgv = [B.HSET, keyArg, ...elems];
      break;
    }
    case 'dict': {
      const maxIntset = cfg.num('set-max-intset-entries');
      let o = existing?.type === 'set' ? existing : undefined;
      if (o === undefined) {
        const s = new SetValue();
        if (hint > maxIntset) s.convert();
        o = { type: 'set', value: s, lru: 0, idx: -1, snap: 0, sidx: -1 };
        db.add(key, o);
      }
      for (const m of elems) o.value.add(m, maxIntset);
      len = o.value.length;
      elemArgv = [B.SADD, keyArg, ...elems];
      break;
    }
    default: {
      const maxEntries = cfg.num('zset-max-listpack-entries');
      const maxValue = cfg.num('zset-max-listpack-value');
      let o = existing?.type === 'zset' ? existing : undefined;
      if (o === undefined) {
        const z = new ZSetValue();
        if (hint > maxEntries) z.listpack = false;
        o = { type: 'zset', value: z, lru: 0, idx: -1, snap: 0, sidx: -1 };
        db.add(key, o);
      }
      const z = o.value;
      elemArgv = [B.ZADD, keyArg];
      for (let i = 0, j = 0; i < xargc; i += 2, j++) {
        const m = elems[i]!;
        const k = latin1(m);
        if (!z.dict.has(k)) z.grow(m, maxEntries, maxValue);
        z.setKey(k, scores[j]!);
        elemArgv.push(Buffer.from(formatG17(scores[j]!)), m);
      }
      len = z.length;
      server.signalKeyAsReady(db, key);
      break;
    }
  }
  finish();
  if (server.propagateHooks.length > 0) {
    if (xargc > 0) server.propagate(c.dbIndex, elemArgv);
    server.propagate(c.dbIndex, ttlArgv());
  }
  ack(c, 0, String(len));
};

/** SLOTSRESTORE-ASYNC-AUTH password: the migration connection's AUTH, answered with an ACK (allowed before authentication). */
const slotsrestoreAsyncAuth: Handler = (c, argv) => {
  const required = c.server.config.get('requirepass');
  if (required === '') {
    ack(c, -1, A.ACK_NO_PASSWORD);
    return;
  }
  if (argv[1]!.toString() === required) {
    c.authenticated = true;
    c.user = 'default';
    ack(c, 0, 'OK');
  } else {
    c.authenticated = false;
    ack(c, -1, A.ACK_BAD_PASSWORD);
  }
};

const slotsrestoreAsyncSelect: Handler = (c, argv) => {
  const db = toInt(argv[1]!);
  if (db === null || db < 0 || db >= c.server.dbs.length) {
    ack(c, -1, A.ACK_BAD_DB(argv[1]!.toString('latin1')));
    return;
  }
  c.select(db);
  ack(c, 0, 'OK');
};

/**
 * SLOTSRESTORE-ASYNC-ACK: in codis-server the target's ACKs arrive as
 * commands on the source's migration client. Our source reads them on its
 * own socket, so any client sending one is refused (and disconnected), as
 * codis-server refuses a client that is not its migration client.
 */
const slotsrestoreAsyncAck: Handler = (c) => {
  c.error(A.ACK_DENIED);
  c.conn?.closeAfterReply();
};

export const slotsAsyncHandlers: Record<string, Handler> = {
  'slotsmgrtone-async': mgrtAsync('slotsmgrtone-async', false, true),
  'slotsmgrttagone-async': mgrtAsync('slotsmgrttagone-async', true, true),
  'slotsmgrtslot-async': mgrtAsync('slotsmgrtslot-async', false, false),
  'slotsmgrttagslot-async': mgrtAsync('slotsmgrttagslot-async', true, false),
  'slotsmgrt-async-fence': (c, argv) => fenceAsync(c, FENCE, argv),
  'slotsmgrt-async-cancel': (c) => cancelAsync(c),
  'slotsmgrt-async-status': (c) => statusAsync(c),
  'slotsrestore-async': slotsrestoreAsync,
  'slotsrestore-async-auth': slotsrestoreAsyncAuth,
  'slotsrestore-async-select': slotsrestoreAsyncSelect,
  'slotsrestore-async-ack': slotsrestoreAsyncAck,
};
