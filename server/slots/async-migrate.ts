/*
 * The source side of codis-server's asynchronous migration (slots_async.c):
 * SLOTSMGRT{ONE,TAGONE,SLOT,TAGSLOT}-ASYNC move a batch of keys to a target
 * over an ordinary non-blocking socket while the event loop keeps serving
 * everyone else; the calling client waits, like a blocking command, until
 * the target has acknowledged the whole batch, and only then are the keys
 * deleted here, all in the same turn (propagated as one DEL).
 *
 * The wire protocol is Codis's. Every message is a command the target runs,
 * and each one is answered by an array `SLOTSRESTORE-ASYNC-ACK errno text`:
 *
 *   SLOTSRESTORE-ASYNC-AUTH pass / -SELECT db     once per connection
 *   SLOTSRESTORE-ASYNC delete key                 first for every key
 *   SLOTSRESTORE-ASYNC string key ttl value       a string
 *   SLOTSRESTORE-ASYNC object key ttl payload     any small value (DUMP format)
 *   SLOTSRESTORE-ASYNC list|hash|dict|zset key ttl hint elements...
 *                                                 a big value, in chunks of at most
 *                                                 maxbulks elements / maxbytes bytes,
 *                                                 each with the temporary TTL 3 × timeout
 *   SLOTSRESTORE-ASYNC expire key ttl             after the last chunk: the real TTL (0 = none)
 *
 * Sending is time-sliced (SLICE_MS per turn of the event loop) and windowed
 * (at most maxbytes unacknowledged), and a big value is walked in place a
 * chunk at a time, never copied whole. That is safe because a key in flight
 * does not change: on a MIGRATING slot the ownership guard answers TRYAGAIN
 * to commands on it (keyInFlight) and SLOTSMGRT-EXEC-WRAPPER answers code 1
 * to writes. Anything else that touches it (a client on an OWNED slot, its
 * expiry, an eviction, FLUSHDB) is noticed through Server.keyTouchedHook or
 * by the object's identity, and the key is sent again from its new state (a
 * `delete` first), or after MAX_RESTARTS left here and dropped on the target.
 *
 * One connection per db, as in Codis, kept for reuse and closed after
 * IDLE_MS unused; one batch per db at a time (a second call answers
 * "the specified DB is being migrated"). A batch that makes no progress for
 * `timeout` ms, a closed connection, an error ACK or SLOTSMGRT-ASYNC-CANCEL
 * end it with an error; nothing is deleted here then.
 */
import net from 'node:net';
import type { Server } from '../server.js';
import type { BlockState, Client } from '../client.js';
import type { Db } from '../db/keyspace.js';
import type { CommandInfo } from '../../common/commands/index.js';
import type { RedisObject } from '../types/object.js';
import { NONE, type SkipList } from '../types/skiplist.js';
import { Writer } from '../../common/resp/writer.js';
import { scanReply } from '../../common/resp/scanner.js';
import { decodeReply, ReplyErrorValue } from '../../common/resp/reply.js';
import { CODIS_ASYNC } from '../../common/errors.js';
import { slotOfLatin1 } from '../../common/slots.js';
import { createDumpPayload, writeOptionsFromConfig } from '../persistence/rdb-value.js';
import { blockClient, unblockWith } from '../blocking.js';
import { onClientFree } from '../client-lifecycle.js';
import { tagOf } from './tags.js';

/** A key's progress, as codis numbers it (SLOTSMGRT-ASYNC-STATUS shows it). */
const PREPARE = 0;
const PAYLOAD = 1;
const CHUNKED = 2;
const FILLTTL = 3;
const DONE = 4;

/** Codis's temporary TTL of a value arriving in chunks: 3 × the migration timeout. */
const TEMP_TTL_FACTOR = 3;
/** The most one turn of the event loop spends building messages (ms). */
const SLICE_MS = 2;
/** How often a key that keeps changing while in flight is sent again before it stays here. */
const MAX_RESTARTS = 3;
/** An unused connection to a target is closed after this long (Codis: 60 s). */
const IDLE_MS = 60_000;
/** Codis's type numbers (OBJ_STRING...), for SLOTSMGRT-ASYNC-STATUS. */
const TYPE_CODE = { string: 0, list: 1, set: 2, zset: 3, hash: 4 } as const;

const EMPTY = Buffer.alloc(0);
const B_RESTORE = Buffer.from('SLOTSRESTORE-ASYNC');
const B_DEL = Buffer.from('DEL');
const SUB = {
  delete: Buffer.from('delete'), expire: Buffer.from('expire'), string: Buffer.from('string'), object: Buffer.from('object'),
  list: Buffer.from('list'), hash: Buffer.from('hash'), dict: Buffer.from('dict'), zset: Buffer.from('zset'),
};
/** The whole of a successful ACK up to its text: most replies are checked against it without decoding. */
const ACK_OK = Buffer.from('*3\r\n$22\r\nSLOTSRESTORE-ASYNC-ACK\r\n$1\r\n0\r\n');

interface Job {
  readonly key: string;
  stage: number;
  /** The value being sent (null before PREPARE, or when the key was gone). */
  obj: RedisObject | null;
  /** Absolute expiry in ms, -1 for none. */
  expire: number;
  /** Next element: an index into the list, the hash's fields or the set's members; a skip-list node for a zset. */
  cursor: number;
  /** The zset's skip list while it is walked (a compaction replaces it: the walk must restart). */
  zsl: SkipList | null;
  /** Elements sent so far, and the chunk count estimated at PREPARE (0 for a value sent whole). */
  elements: number;
  chunkedMsgs: number;
  /** Changed since it was read at PREPARE: must be sent again before the batch may finish. */
  touched: boolean;
  /** Some message about the key went out, so the target may hold a copy (a `delete` clears it). */
  sent: boolean;
  restarts: number;
  /** Left on the source (kept changing); the target got a `delete`. */
  abandoned: boolean;
}

export interface BatchOptions {
  timeoutMs: number;
  maxBulks: number;
  maxBytes: number;
  /** The SLOT forms' slot, replied as [moved, remaining]; -1 for the key forms (an integer reply). */
  slot: number;
  /** Tag-mates of every key join the batch (the TAG forms). */
  useTag: boolean;
}

interface Waiter {
  c: Client;
  block: BlockState;
}

class Batch {
  readonly jobs = new Map<string, Job>();
  /** Jobs in sending order; a job sent again is appended once more. */
  readonly queue: Job[] = [];
  qpos = 0;
  /** Hash tags of the keys in the batch: a key with one of them is in flight too (Codis's tags skiplist). */
  readonly tags = new Set<string>();
  /** Slots still to be walked for tag-mates, each from `pos` down to 0 (see scanSlice). */
  readonly scans: { slot: number; pos: number }[] = [];
  estimateMsgs = 0;
  readonly waiters: Waiter[] = [];
  readonly startedAt = Date.now();
  constructor(readonly db: Db, readonly opts: BatchOptions) {}
}

class Link {
  readonly socket: net.Socket;
  connected = false;
  closed = false;
  /** AUTH and SELECT went out on this connection (Codis's `used`). */
  used = false;
  lastUse = Date.now();
  timeoutMs: number;
  batch: Batch | null = null;
  readonly out = new Writer();
  input: Buffer = EMPTY;
  /** Sizes of the messages sent and not yet acknowledged, oldest first (from `head`). */
  sizes: number[] = [];
  head = 0;
  inflightBytes = 0;
  pumpScheduled = false;
  connectTimer: NodeJS.Timeout | null = null;

  constructor(readonly state: AsyncState, readonly dbIndex: number, readonly host: string, readonly port: number, timeoutMs: number) {
    this.timeoutMs = timeoutMs;
    this.socket = net.connect({ host, port });
    this.socket.unref();
  }

  get sending(): number {
    return this.sizes.length - this.head;
  }
}

class AsyncState {
  readonly links = new Map<number, Link>();
  /** Batches under way, on any db: the keyspace hook is attached only while there is one. */
  active = 0;
  constructor(readonly server: Server) {}
}

const states = new WeakMap<Server, AsyncState>();
/** The batch a blocked client waits for, so a client that goes away leaves its queue. */
const waiting = new WeakMap<Client, Batch>();

function stateOf(server: Server): AsyncState {
  let s = states.get(server);
  if (s === undefined) {
    const state = new AsyncState(server);
    s = state;
    states.set(server, state);
    server.cronHooks.push(() => cron(state));
  }
  return s;
}

onClientFree.push((c) => {
  const b = waiting.get(c);
  if (b === undefined) return;
  waiting.delete(c);
  const i = b.waiters.findIndex((w) => w.c === c);
  if (i >= 0) b.waiters.splice(i, 1);
});

// ------------------------------------------------------------------ what other modules ask

/**
 * True while `key` (in db `dbIndex`) is part of a batch the target has not
 * acknowledged yet, or shares a hash tag with a key of that batch: it must
 * be neither written nor read elsewhere until the batch ends (the ownership
 * guard answers TRYAGAIN on a MIGRATING slot; SLOTSMGRT-EXEC-WRAPPER code 1).
 */
export function keyInFlight(server: Server, dbIndex: number, key: string): boolean {
  const state = states.get(server);
  if (state === undefined || state.active === 0) return false;
  const b = state.links.get(dbIndex)?.batch;
  if (b === null || b === undefined) return false;
  if (b.jobs.has(key)) return true;
  if (b.tags.size === 0) return false;
  const tag = tagOf(key);
  return tag !== null && b.tags.has(tag);
}

/** A batch is under way from db `dbIndex` (the target side refuses to import into it meanwhile). */
export function dbMigrating(server: Server, dbIndex: number): boolean {
  const state = states.get(server);
  return state !== undefined && state.active > 0 && (state.links.get(dbIndex)?.batch ?? null) !== null;
}

// ------------------------------------------------------------------ starting a batch

/**
 * SLOTSMGRT*-ASYNC after argument parsing: builds the batch from `keys` (the
 * key forms) or from the slot (up to about `numKeys` messages, Codis's
 * estimate), blocks the client and starts sending. An empty batch is
 * answered at once without connecting.
 */
export function migrateAsync(c: Client, cmd: CommandInfo, argv: Buffer[], host: string, port: number, opts: BatchOptions, keys: string[] | null, numKeys: number): void {
  const server = c.server;
  const state = stateOf(server);
  let link = state.links.get(c.dbIndex);
  if (link !== undefined && link.batch !== null) {
    c.error(CODIS_ASYNC.DB_BUSY);
    return;
  }
  const batch = new Batch(c.db, opts);
  if (keys !== null) selectKeys(batch, keys);
  else selectFromSlot(batch, opts.slot, numKeys);
  if (batch.jobs.size === 0) {
    replyDone(c, batch, 0);
    return;
  }
  if (link !== undefined && (link.host !== host || link.port !== port)) {
    closeLink(link, null, 'interrupted: build new connection');
    link = undefined;
  }
  if (link === undefined) {
    link = openLink(state, c.dbIndex, host, port, opts.timeoutMs);
    state.links.set(c.dbIndex, link);
  }
  link.timeoutMs = opts.timeoutMs;
  link.lastUse = Date.now();
  link.batch = batch;
  if (state.active++ === 0) server.keyTouchedHook = (db, key) => touched(state, db, key);
  blockClient(c, cmd, argv, [], 0, (bc) => {
    // CLIENT UNBLOCK: the batch goes on without this client.
    leave(bc);
    bc.error(CODIS_ASYNC.INTERRUPTED('unblocked'));
  });
  addWaiter(batch, c);
  if (link.connected) pump(link);
}

/**
 * SLOTSMGRT-ASYNC-FENCE: OK when no batch is under way in the client's db;
 * otherwise the client waits for the batch and gets its reply (or error),
 * as codis-server answers every client blocked on the batch.
 */
export function fenceAsync(c: Client, cmd: CommandInfo, argv: Buffer[]): void {
  const batch = states.get(c.server)?.links.get(c.dbIndex)?.batch ?? null;
  if (batch === null) {
    c.reply.ok();
    return;
  }
  blockClient(c, cmd, argv, [], 0, (bc) => {
    leave(bc);
    bc.error(CODIS_ASYNC.INTERRUPTED('unblocked'));
  });
  addWaiter(batch, c);
}

/** SLOTSMGRT-ASYNC-CANCEL: drops the db's connection (and its batch, whose clients get an error); 1 if there was one. */
export function cancelAsync(c: Client): void {
  const link = states.get(c.server)?.links.get(c.dbIndex);
  if (link === undefined) {
    c.reply.int(0);
    return;
  }
  closeLink(link, CODIS_ASYNC.INTERRUPTED('canceled'), 'interrupted: canceled');
  c.reply.int(1);
}

function addWaiter(batch: Batch, c: Client): void {
  batch.waiters.push({ c, block: c.blocked! });
  waiting.set(c, batch);
}

function leave(c: Client): void {
  const b = waiting.get(c);
  if (b === undefined) return;
  waiting.delete(c);
  const i = b.waiters.findIndex((w) => w.c === c);
  if (i >= 0) b.waiters.splice(i, 1);
}

function newJob(key: string): Job {
  return {
    key, stage: PREPARE, obj: null, expire: -1, cursor: 0, zsl: null, elements: 0, chunkedMsgs: 0,
    touched: false, sent: false, restarts: 0, abandoned: false,
  };
}

/** Adds a key (once); its tag joins the batch's tags. */
function addKey(batch: Batch, key: string, o: RedisObject | undefined): void {
  if (batch.jobs.has(key)) return;
  const job = newJob(key);
  batch.jobs.set(key, job);
  batch.queue.push(job);
  if (o !== undefined) batch.estimateMsgs += chunksOf(o, batch.opts.maxBulks);
  const tag = tagOf(key);
  if (tag !== null) batch.tags.add(tag);
}

/** The key forms: the given keys; for TAGONE, a walk of each tagged key's slot adds its tag-mates. */
function selectKeys(batch: Batch, keys: string[]): void {
  const db = batch.db;
  const slots = new Set<number>();
  for (const key of keys) {
    const o = db.peek(key);
    if (o === undefined) continue;
    addKey(batch, key, o);
    if (batch.opts.useTag && tagOf(key) !== null) slots.add(slotOfLatin1(key));
  }
  for (const slot of slots) batch.scans.push({ slot, pos: db.slotKeys[slot]?.length ?? 0 });
}

/**
 * The slot forms: keys from the end of the slot's key array until the
 * estimated message count reaches numKeys (a big value counts its chunks;
 * one that would take the batch past 2 × numKeys waits for a later batch,
 * unless it comes first), as Codis fills a batch. For TAGSLOT, the rest of
 * the array is then walked for tag-mates of the keys taken.
 */
function selectFromSlot(batch: Batch, slot: number, numKeys: number): void {
  const db = batch.db;
  const sk = db.slotKeys[slot];
  if (sk === undefined) return;
  let loops = Math.max(100, numKeys * 10);
  let pos = sk.length;
  while (pos > 0 && batch.estimateMsgs < numKeys && batch.jobs.size < numKeys && loops-- > 0) {
    // A lazily expired key is swap-removed: its place gets the array's last key, already taken, so the walk just goes on.
    if (pos > sk.length) pos = sk.length;
    if (pos === 0) break;
    const key = sk[--pos]!;
    if (batch.jobs.has(key) || db.expireIfNeeded(key)) continue;
    const o = db.dict.get(key);
    if (o === undefined) continue;
    const n = chunksOf(o, batch.opts.maxBulks);
    if (batch.estimateMsgs === 0 || batch.estimateMsgs + n <= numKeys * 2) addKey(batch, key, o);
  }
  if (batch.opts.useTag && batch.tags.size > 0 && pos > 0) batch.scans.push({ slot, pos: Math.min(pos, sk.length) });
}

/**
 * One slice of a tag-mate walk: the slot's key array from `pos` down, like
 * SLOTSSCAN, so a key present for the whole walk is seen even if others are
 * deleted meanwhile (swap-remove moves only already-walked keys down). New
 * keys with a batch tag cannot appear on a MIGRATING slot: they are in flight.
 */
function scanSlice(batch: Batch, deadline: number): void {
  const scan = batch.scans[batch.scans.length - 1]!;
  const sk = batch.db.slotKeys[scan.slot] ?? [];
  if (scan.pos > sk.length) scan.pos = sk.length;
  let n = 0;
  while (scan.pos > 0) {
    const key = sk[--scan.pos]!;
    if (!batch.jobs.has(key)) {
      const tag = tagOf(key);
      if (tag !== null && batch.tags.has(tag)) addKey(batch, key, batch.db.dict.get(key));
    }
    if ((++n & 1023) === 0 && performance.now() > deadline) return;
  }
  batch.scans.pop();
}

/** Codis's estimate: 1 message, or the chunks of a value with more than maxBulks elements (fields and values, members and scores count apart). */
function chunksOf(o: RedisObject, maxBulks: number): number {
  let bulks = 0;
  switch (o.type) {
    case 'list': bulks = o.value.length; break;
    case 'hash': if (!o.value.isListpack) bulks = o.value.length * 2; break;
    case 'set': if (!o.value.isIntset) bulks = o.value.length; break;
    case 'zset': if (!o.value.listpack) bulks = o.value.length * 2; break;
    default: break;
  }
  return bulks <= maxBulks ? 1 : Math.ceil(bulks / maxBulks);
}

// ------------------------------------------------------------------ the connection

function openLink(state: AsyncState, dbIndex: number, host: string, port: number, timeoutMs: number): Link {
  const link = new Link(state, dbIndex, host, port, timeoutMs);
  const s = link.socket;
  link.connectTimer = setTimeout(() => {
    if (!link.connected) closeLink(link, CODIS_ASYNC.CONNECT(host, port), `connect timed out after ${timeoutMs} ms`);
  }, timeoutMs);
  link.connectTimer.unref();
  s.on('connect', () => {
    if (link.connectTimer !== null) clearTimeout(link.connectTimer);
    link.connectTimer = null;
    link.connected = true;
    link.lastUse = Date.now();
    s.setNoDelay(true);
    state.server.log.notice(`slotsmgrt_async: create client ${host}:${port} (DB=${dbIndex}) OK`);
    if (link.batch !== null) pump(link);
  });
  s.on('data', (d: Buffer) => onData(link, d));
  s.on('error', (e: Error) => {
    if (link.connected) closeLink(link, CODIS_ASYNC.INTERRUPTED('connection closed'), e.message);
    else closeLink(link, CODIS_ASYNC.CONNECT(host, port), e.message);
  });
  s.on('close', () => {
    if (link.connected) closeLink(link, CODIS_ASYNC.INTERRUPTED('connection closed'), 'closed by the target');
    else closeLink(link, CODIS_ASYNC.CONNECT(host, port), 'closed while connecting');
  });
  return link;
}

/**
 * Ends a connection: the batch under way (if any) is abandoned, its clients
 * get `reply` (an error), nothing is deleted here. The keys the target
 * already took stay there: each one's next attempt starts with `delete`,
 * and a partly sent big value expires with its temporary TTL.
 */
function closeLink(link: Link, reply: string | null, why: string): void {
  if (link.closed) return;
  link.closed = true;
  const state = link.state;
  if (state.links.get(link.dbIndex) === link) state.links.delete(link.dbIndex);
  if (link.connectTimer !== null) clearTimeout(link.connectTimer);
  link.socket.destroy();
  const batch = link.batch;
  if (batch === null) return;
  link.batch = null;
  deactivate(state);
  state.server.log.warning(`slotsmgrt_async: unlink client ${link.host}:${link.port} (DB=${link.dbIndex}): sending_msgs = ${link.sending}, keys = ${batch.jobs.size}, blocked_list = ${batch.waiters.length}, timeout = ${link.timeoutMs}(ms), elapsed = ${Date.now() - link.lastUse}(ms) (${why})`);
  const msg = reply ?? CODIS_ASYNC.INTERRUPTED(why);
  for (const w of batch.waiters.splice(0)) {
    waiting.delete(w.c);
    if (w.c.blocked === w.block) unblockWith(w.c, (c) => c.error(msg));
  }
}

function deactivate(state: AsyncState): void {
  if (--state.active === 0) state.server.keyTouchedHook = null;
}

function cron(state: AsyncState): void {
  const now = Date.now();
  for (const link of [...state.links.values()]) {
    const idle = now - link.lastUse;
    // A connection being made has its own timer.
    if (!link.connected) continue;
    if (link.batch !== null) {
      if (idle > link.timeoutMs) closeLink(link, CODIS_ASYNC.INTERRUPTED('migration timeout'), 'migration timeout');
    } else if (idle > IDLE_MS) {
      closeLink(link, null, 'idle timeout');
    }
  }
}

/** Server.keyTouchedHook while batches are under way: a key of the batch changed. */
function touched(state: AsyncState, db: Db, key: string): void {
  const b = state.links.get(db.id)?.batch;
  if (b === null || b === undefined || b.db !== db) return;
  const job = b.jobs.get(key);
  if (job !== undefined) job.touched = true;
}

// ------------------------------------------------------------------ sending

function schedulePump(link: Link): void {
  if (link.pumpScheduled) return;
  link.pumpScheduled = true;
  setImmediate(() => {
    link.pumpScheduled = false;
    pump(link);
  });
}

/**
 * Sends what the window allows for at most SLICE_MS, then yields: continues
 * on the next turn while there is room, or when ACKs make room. Finishes
 * the batch once everything is sent and acknowledged.
 */
function pump(link: Link): void {
  const batch = link.batch;
  if (batch === null || link.closed || !link.connected) return;
  const server = link.state.server;
  server.cmdTime = Date.now();
  const deadline = performance.now() + SLICE_MS;
  while (performance.now() < deadline) {
    if (batch.scans.length > 0) {
      scanSlice(batch, deadline);
      continue;
    }
    if (link.inflightBytes >= batch.opts.maxBytes) break;
    while (batch.qpos < batch.queue.length && batch.queue[batch.qpos]!.stage === DONE) batch.qpos++;
    const job = batch.queue[batch.qpos];
    if (job === undefined) break;
    step(link, batch, job, deadline);
  }
  flush(link);
  if (link.closed || link.batch !== batch) return;
  if (!allSent(batch)) {
    if (link.inflightBytes < batch.opts.maxBytes) schedulePump(link);
  } else if (link.sending === 0) {
    finish(link, batch);
  }
}

/** Every message of the batch is written (tag-mate walks done, every job DONE). */
function allSent(batch: Batch): boolean {
  while (batch.qpos < batch.queue.length && batch.queue[batch.qpos]!.stage === DONE) batch.qpos++;
  return batch.scans.length === 0 && batch.qpos >= batch.queue.length;
}

function flush(link: Link): void {
  const chunks = link.out.take();
  if (chunks.length === 0 || link.closed) return;
  const s = link.socket;
  s.cork();
  for (const b of chunks) s.write(b);
  s.uncork();
}

/** Records one message written to `out` since `before` bytes (its size goes into the window). */
function sent(link: Link, before: number): void {
  const n = link.out.size - before;
  link.sizes.push(n);
  link.inflightBytes += n;
}

function ttlArg(ms: number): string {
  return String(ms);
}

/** Writes the next message (or messages) of a job. */
function step(link: Link, batch: Batch, job: Job, deadline: number): void {
  const db = batch.db;
  const w = link.out;
  if (job.stage !== PREPARE && (job.touched || db.dict.get(job.key) !== job.obj || (job.zsl !== null && job.obj?.type === 'zset' && job.obj.value.zsl !== job.zsl))) {
    // Changed under way: send it again from its current state.
    job.restarts++;
    job.stage = PREPARE;
  }
  if (job.stage === PREPARE) {
    prepare(link, batch, job);
    return;
  }
  const o = job.obj!;
  let before = w.size;
  if (job.stage === FILLTTL) {
    const ttl = job.expire === -1 ? 0 : Math.max(1, job.expire - Date.now());
    w.array(4);
    w.bulk(B_RESTORE);
    w.bulk(SUB.expire);
    w.bulkLatin1(job.key);
    w.bulkLatin1(ttlArg(ttl));
    sent(link, before);
    job.stage = DONE;
    return;
  }
  if (job.stage === PAYLOAD) {
    const ttl = job.expire === -1 ? 0 : Math.max(1, job.expire - Date.now());
    w.array(5);
    w.bulk(B_RESTORE);
    if (o.type === 'string') {
      w.bulk(SUB.string);
      w.bulkLatin1(job.key);
      w.bulkLatin1(ttlArg(ttl));
      w.bulk(o.value);
    } else {
      const payload = createDumpPayload(o, writeOptionsFromConfig(link.state.server.config));
      w.bulk(SUB.object);
      w.bulkLatin1(job.key);
      w.bulkLatin1(ttlArg(ttl));
      w.bulk(payload);
    }
    sent(link, before);
    job.stage = DONE;
    return;
  }
  // CHUNKED: the next at most maxBulks elements / maxBytes bytes, cut short when the slice is spent.
  const parts: (string | Buffer)[] = [];
  const maxBulks = batch.opts.maxBulks;
  const maxBytes = Math.max(1, batch.opts.maxBytes - link.inflightBytes);
  let bytes = 0;
  let more = true;
  let hint = 0;
  let sub: Buffer;
  const full = (): boolean => parts.length >= maxBulks || bytes >= maxBytes || ((parts.length & 255) === 0 && parts.length > 0 && performance.now() > deadline);
  switch (o.type) {
    case 'list': {
      const l = o.value;
      sub = SUB.list;
      hint = l.length;
      while (!full()) {
        const e = l.get(job.cursor);
        if (e === undefined) { more = false; break; }
        job.cursor++;
        parts.push(e);
        bytes += e.length;
      }
      if (job.cursor >= l.length) more = false;
      break;
    }
    case 'hash': {
      const h = o.value;
      sub = SUB.hash;
      hint = h.length;
      const fields = h.fields;
      while (!full()) {
        if (job.cursor >= fields.length) { more = false; break; }
        const f = fields[job.cursor]!;
        const v = h.get(f);
        job.cursor++;
        if (v === undefined) continue;
        parts.push(f, v);
        bytes += f.length + v.length;
      }
      if (job.cursor >= fields.length) more = false;
      break;
    }
    case 'set': {
      const s = o.value;
      sub = SUB.dict;
      hint = s.length;
      while (!full()) {
        if (job.cursor >= s.length) { more = false; break; }
        const m = s.at(job.cursor++);
        parts.push(m);
        bytes += m.length;
      }
      if (job.cursor >= s.length) more = false;
      break;
    }
    case 'zset': {
      const zsl = o.value.zsl;
      sub = SUB.zset;
      hint = o.value.length;
      while (!full()) {
        const n = job.cursor;
        if (n === NONE) { more = false; break; }
        const m = zsl.member(n);
        const bits = Buffer.allocUnsafe(8);
        bits.writeDoubleLE(zsl.score(n));
        parts.push(m, bits);
        bytes += m.length + 8;
        job.cursor = zsl.next(n);
      }
      if (job.cursor === NONE) more = false;
      break;
    }
    default:
      // Strings are never chunked.
      job.stage = PAYLOAD;
      return;
  }
  before = w.size;
  w.array(5 + parts.length);
  w.bulk(B_RESTORE);
  w.bulk(sub);
  w.bulkLatin1(job.key);
  w.bulkLatin1(ttlArg(batch.opts.timeoutMs * TEMP_TTL_FACTOR));
  w.bulkLatin1(String(hint));
  for (const p of parts) {
    if (typeof p === 'string') w.bulkLatin1(p);
    else w.bulk(p);
  }
  sent(link, before);
  job.elements += o.type === 'hash' || o.type === 'zset' ? parts.length / 2 : parts.length;
  if (!more) job.stage = FILLTTL;
}

/**
 * PREPARE: reads the key afresh. Gone: only a `delete` when the target may
 * hold an earlier copy. Otherwise (after AUTH / SELECT on a new connection)
 * `delete`, then the value whole or in chunks.
 */
function prepare(link: Link, batch: Batch, job: Job): void {
  const db = batch.db;
  const w = link.out;
  const server = link.state.server;
  const o = db.peek(job.key);
  job.touched = false;
  job.obj = null;
  job.zsl = null;
  job.cursor = 0;
  job.elements = 0;
  job.chunkedMsgs = 0;
  if (o === undefined || job.restarts > MAX_RESTARTS) {
    if (o !== undefined) {
      job.abandoned = true;
      server.log.warning(`slotsmgrt_async: key '${job.key}' changed ${job.restarts} times while in flight, left on the source`);
    }
    if (job.sent) writeDelete(link, job.key);
    job.stage = DONE;
    return;
  }
  if (!link.used) {
    link.used = true;
    const pass = server.config.get('requirepass');
    if (pass !== '') {
      const before = w.size;
      w.command(['SLOTSRESTORE-ASYNC-AUTH', pass]);
      sent(link, before);
    }
    const before = w.size;
    w.command(['SLOTSRESTORE-ASYNC-SELECT', String(link.dbIndex)]);
    sent(link, before);
  }
  writeDelete(link, job.key);
  job.sent = true;
  job.obj = o;
  job.expire = db.getExpire(job.key) ?? -1;
  const n = chunksOf(o, batch.opts.maxBulks);
  if (n >= 2) {
    job.stage = CHUNKED;
    job.chunkedMsgs = n;
    if (o.type === 'zset') {
      job.zsl = o.value.zsl;
      job.cursor = job.zsl.first();
    }
  } else {
    job.stage = PAYLOAD;
  }
}

function writeDelete(link: Link, key: string): void {
  const w = link.out;
  const before = w.size;
  w.array(3);
  w.bulk(B_RESTORE);
  w.bulk(SUB.delete);
  w.bulkLatin1(key);
  sent(link, before);
}

// ------------------------------------------------------------------ acknowledgements

function onData(link: Link, d: Buffer): void {
  if (link.closed) return;
  const buf = link.input.length === 0 ? d : Buffer.concat([link.input, d]);
  let pos = 0;
  const now = Date.now();
  while (pos < buf.length) {
    let end: number;
    try {
      end = scanReply(buf, pos);
    } catch {
      closeLink(link, CODIS_ASYNC.INTERRUPTED('connection closed'), 'protocol error in the reply of the target');
      return;
    }
    if (end < 0) break;
    const n = ACK_OK.length;
    if (!(end - pos > n && buf.compare(ACK_OK, 0, n, pos, pos + n) === 0)) {
      let v: ReturnType<typeof decodeReply>;
      try {
        v = decodeReply(buf.subarray(pos, end));
      } catch {
        v = null;
      }
      let why: string;
      if (v instanceof ReplyErrorValue) why = `target replied -${v.message}`;
      else if (Array.isArray(v) && v.length === 3 && v[0] === 'SLOTSRESTORE-ASYNC-ACK') why = `ack[${String(v[1])}] ${String(v[2])}`;
      else why = 'unexpected reply from the target';
      closeLink(link, CODIS_ASYNC.INTERRUPTED('connection closed'), why);
      return;
    }
    if (link.sending === 0) {
      closeLink(link, CODIS_ASYNC.INTERRUPTED('connection closed'), 'invalid pending messages');
      return;
    }
    link.inflightBytes -= link.sizes[link.head++]!;
    link.lastUse = now;
    pos = end;
  }
  link.input = pos >= buf.length ? EMPTY : Buffer.from(buf.subarray(pos));
  if (link.head === link.sizes.length) {
    link.sizes = [];
    link.head = 0;
  } else if (link.head > 4096 && link.head * 2 > link.sizes.length) {
    link.sizes = link.sizes.slice(link.head);
    link.head = 0;
  }
  const batch = link.batch;
  if (batch === null) return;
  // The last ACK: the keys leave the source in this same turn. Otherwise several ACK reads
  // of one turn of the event loop share one slice of sending, on the next turn.
  if (link.sending === 0 && allSent(batch)) finish(link, batch);
  else schedulePump(link);
}

/**
 * Everything was sent and acknowledged. A key that changed meanwhile goes
 * again (the batch waits for it); otherwise every moved key is deleted here
 * in this one turn, the deletion propagates as one DEL, and the waiting
 * clients get [moved, remaining] (or moved).
 */
function finish(link: Link, batch: Batch): void {
  const db = batch.db;
  let again = false;
  for (const job of batch.jobs.values()) {
    if (job.abandoned || job.obj === null) continue;
    if (job.touched || db.dict.get(job.key) !== job.obj) {
      job.restarts++;
      job.stage = PREPARE;
      batch.queue.push(job);
      again = true;
    }
  }
  if (again) {
    pump(link);
    return;
  }
  const state = link.state;
  const server = state.server;
  link.batch = null;
  link.lastUse = Date.now();
  deactivate(state);
  const moved: Buffer[] = [B_DEL];
  for (const job of batch.jobs.values()) {
    if (job.abandoned || job.obj === null) continue;
    db.delete(job.key);
    db.signalModifiedKey(job.key);
    server.dirty++;
    moved.push(Buffer.from(job.key, 'latin1'));
  }
  if (moved.length > 1 && server.propagateHooks.length > 0) server.propagate(link.dbIndex, moved);
  for (const w of batch.waiters.splice(0)) {
    waiting.delete(w.c);
    if (w.c.blocked === w.block) unblockWith(w.c, (c) => replyDone(c, batch, moved.length - 1));
  }
}

function replyDone(c: Client, batch: Batch, moved: number): void {
  if (batch.opts.slot < 0) {
    c.reply.int(moved);
    return;
  }
  c.reply.array(2);
  c.reply.int(moved);
  c.reply.int(batch.db.slotKeys[batch.opts.slot]?.length ?? 0);
}

// ------------------------------------------------------------------ SLOTSMGRT-ASYNC-STATUS

/** codis-server's status: a flat array of name/value pairs, numbers as bulk strings, nil when the db has no connection. */
export function statusAsync(c: Client): void {
  const link = states.get(c.server)?.links.get(c.dbIndex);
  const r = c.reply;
  if (link === undefined) {
    r.nilArray();
    return;
  }
  const num = (n: number) => r.bulkLatin1(String(n));
  r.array(18);
  r.bulkStr('host'); r.bulkStr(link.host);
  r.bulkStr('port'); num(link.port);
  r.bulkStr('used'); num(link.used ? 1 : 0);
  r.bulkStr('timeout'); num(link.timeoutMs);
  r.bulkStr('lastuse'); num(link.lastUse);
  r.bulkStr('since_lastuse'); num(Date.now() - link.lastUse);
  r.bulkStr('sending_msgs'); num(link.sending);
  const b = link.batch;
  r.bulkStr('blocked_clients'); num(b?.waiters.length ?? 0);
  r.bulkStr('batched_iterator');
  if (b === null) {
    r.nilArray();
    return;
  }
  let removed = 0;
  let chunked = 0;
  for (const j of b.jobs.values()) {
    if (j.stage === DONE && j.obj !== null && !j.abandoned) removed++;
    if (j.chunkedMsgs > 0) chunked++;
  }
  r.array(16);
  r.bulkStr('keys');
  r.array(2);
  num(b.jobs.size);
  r.array(b.jobs.size);
  for (const k of b.jobs.keys()) r.bulkLatin1(k);
  r.bulkStr('timeout'); num(b.opts.timeoutMs);
  r.bulkStr('maxbulks'); num(b.opts.maxBulks);
  r.bulkStr('maxbytes'); num(b.opts.maxBytes);
  r.bulkStr('estimate_msgs'); num(b.estimateMsgs);
  r.bulkStr('removed_keys'); num(removed);
  r.bulkStr('chunked_vals'); num(chunked);
  r.bulkStr('iterators');
  r.array(2);
  let left = 0;
  for (let i = b.qpos; i < b.queue.length; i++) if (b.queue[i]!.stage !== DONE) left++;
  num(left);
  const j = b.queue.slice(b.qpos).find((x) => x.stage !== DONE);
  if (j === undefined) {
    r.nilArray();
    return;
  }
  const type = j.obj === null ? -1 : TYPE_CODE[j.obj.type];
  r.array(16);
  r.bulkStr('key'); r.bulkLatin1(j.key);
  r.bulkStr('val.type'); num(type);
  r.bulkStr('stage'); num(j.stage);
  r.bulkStr('expire'); num(j.expire);
  r.bulkStr('cursor'); num(j.obj?.type === 'hash' || j.obj?.type === 'set' ? j.cursor : 0);
  r.bulkStr('lindex'); num(j.obj?.type === 'list' ? j.cursor : 0);
  r.bulkStr('zindex'); num(j.obj?.type === 'zset' ? j.elements : 0);
  r.bulkStr('chunked_msgs'); num(j.chunkedMsgs);
}
