/*
 * The HyperLogLog commands. Values are Redis strings in Redis's HLL format
 * (server/types/hyperloglog.ts); every write works on a private copy of the
 * string and stores the result back.
 */
import { E } from '../../common/errors.js';
import type { Client } from '../client.js';
import { stringObject, type RedisObject, type StringObject } from '../types/object.js';
import { setRawValue } from '../types/string-ops.js';
import { Hll, HLL_REGISTERS, countRegisters, hllSelfTest, isValidHll } from '../types/hyperloglog.js';
import { keyOf } from './args.js';
import type { Handler } from './index.js';

const INVALID_HLL = 'INVALIDOBJ Corrupted HLL object detected';
const NOT_HLL = 'WRONGTYPE Key is not a valid HyperLogLog string value.';

/** isHLLObjectOrReply: true when the object is a well-formed HLL string; otherwise replies. */
function isHllOrReply(c: Client, o: RedisObject): o is RedisObject & { type: 'string'; value: Buffer } {
  if (o.type !== 'string') {
    c.error(E.WRONGTYPE);
    return false;
  }
  if (!isValidHll(o.value)) {
    c.error(NOT_HLL);
    return false;
  }
  return true;
}

function sparseMax(c: Client): number {
  return c.server.config.num('hll-sparse-max-bytes');
}

function pfaddCommand(c: Client, argv: Buffer[]): void {
  const key = keyOf(argv[1]!);
  const o = c.db.lookupWrite(key);
  let updated = 0;
  let h: Hll;
  if (o === undefined) {
    h = Hll.create();
    updated++;
  } else {
    if (!isHllOrReply(c, o)) return;
    h = Hll.from(o.value);
  }
  const max = sparseMax(c);
  for (let j = 2; j < argv.length; j++) {
    const r = h.add(argv[j]!, max);
    if (r === 1) updated++;
    else if (r === -1) {
      // Redis updates the value in place: registers set before the corrupt spot stay set.
      if (o !== undefined) store(c, key, o, h);
      c.error(INVALID_HLL);
      return;
    }
  }
  if (updated) {
    h.invalidateCache();
    store(c, key, o, h);
    c.db.signalModifiedKey(key);
    c.server.notify('$', 'pfadd', key, c.dbIndex);
    c.server.dirty += updated;
  }
  c.reply.int(updated ? 1 : 0);
}

/** Writes the working copy back: a new key, or the existing object's value (its TTL kept). */
function store(c: Client, key: string, o: RedisObject | undefined, h: Hll): void {
  if (o === undefined) {
    const n = stringObject(Buffer.alloc(0));
    setRawValue(n, h.toBuffer());
    c.db.add(key, n);
  } else setRawValue(o as StringObject, h.toBuffer());
}

function pfcountCommand(c: Client, argv: Buffer[]): void {
  if (argv.length > 2) {
    const max = new Uint8Array(HLL_REGISTERS);
    for (let j = 1; j < argv.length; j++) {
      const o = c.db.lookupRead(keyOf(argv[j]!));
      if (o === undefined) continue;
      if (!isHllOrReply(c, o)) return;
      const h = new Hll(o.value, o.value.length);
      if (!h.mergeInto(max)) {
        c.error(INVALID_HLL);
        return;
      }
    }
    c.reply.int(countRegisters(max));
    return;
  }
  const key = keyOf(argv[1]!);
  const o = c.db.lookupRead(key);
  if (o === undefined) {
    c.reply.int(0);
    return;
  }
  if (!isHllOrReply(c, o)) return;
  const h = new Hll(o.value, o.value.length);
  if (h.validCache()) {
    c.reply.int(h.cachedCard());
    return;
  }
  const card = h.count();
  if (card < 0) {
    c.error(INVALID_HLL);
    return;
  }
  // Update the cache on a copy (the cached cardinality is part of the value).
  const w = Hll.from(o.value);
  w.setCachedCard(card);
  c.db.willChange(key, o);
  setRawValue(o, w.toBuffer());
  c.db.signalModifiedKey(key);
  c.server.dirty++;
  c.reply.int(card);
}

function pfmergeCommand(c: Client, argv: Buffer[]): void {
  const max = new Uint8Array(HLL_REGISTERS);
  let useDense = false;
  for (let j = 1; j < argv.length; j++) {
    const o = c.db.lookupRead(keyOf(argv[j]!));
    if (o === undefined) continue;
    if (!isHllOrReply(c, o)) return;
    const h = new Hll(o.value, o.value.length);
    if (h.encoding === 0) useDense = true;
    if (!h.mergeInto(max)) {
      c.error(INVALID_HLL);
      return;
    }
  }
  const key = keyOf(argv[1]!);
  const o = c.db.lookupWrite(key);
  const h = o === undefined ? Hll.create() : Hll.from((o.value as Buffer));
  if (useDense && !h.toDense()) {
    c.error(INVALID_HLL);
    return;
  }
  const sm = sparseMax(c);
  for (let j = 0; j < HLL_REGISTERS; j++) {
    if (max[j] === 0) continue;
    if (h.encoding === 0) h.denseSet(j, max[j]!);
    else h.sparseSet(j, max[j]!, sm);
  }
  h.invalidateCache();
  store(c, key, o, h);
  c.db.signalModifiedKey(key);
  c.server.notify('$', 'pfadd', key, c.dbIndex);
  c.server.dirty++;
  c.reply.ok();
}

function pfdebugCommand(c: Client, argv: Buffer[]): void {
  const cmd = argv[1]!.toString('latin1');
  const sub = cmd.toLowerCase();
  const key = keyOf(argv[2]!);
  const o = c.db.lookupWrite(key);
  if (o === undefined) {
    c.error('ERR The specified key does not exist');
    return;
  }
  if (!isHllOrReply(c, o)) return;
  const arity = (): boolean => {
    if (argv.length !== 3) {
      c.error(`ERR Wrong number of arguments for the '${cmd}' subcommand`);
      return false;
    }
    return true;
  };
  if (sub === 'getreg') {
    if (!arity()) return;
    const h = Hll.from(o.value);
    if (h.encoding !== 0) {
      if (!h.toDense()) {
        c.error(INVALID_HLL);
        return;
      }
      setRawValue(o, h.toBuffer());
      c.server.dirty++;
    }
    const regs = h.registers();
    c.reply.array(regs.length);
    for (const r of regs) c.reply.int(r);
  } else if (sub === 'decode') {
    if (!arity()) return;
    const text = new Hll(o.value, o.value.length).decode();
    if (text === null) c.error('ERR HLL encoding is not sparse');
    else c.reply.bulkStr(text);
  } else if (sub === 'encoding') {
    if (!arity()) return;
    c.reply.simple(o.value[4] === 0 ? 'dense' : 'sparse');
  } else if (sub === 'todense') {
    if (!arity()) return;
    let conv = 0;
    if (o.value[4] !== 0) {
      const h = Hll.from(o.value);
      if (!h.toDense()) {
        c.error(INVALID_HLL);
        return;
      }
      setRawValue(o, h.toBuffer());
      conv = 1;
      c.server.dirty++;
    }
    c.reply.int(conv);
  } else {
    c.error(`ERR Unknown PFDEBUG subcommand '${cmd}'`);
  }
}

function pfselftestCommand(c: Client): void {
  const err = hllSelfTest();
  if (err === null) c.reply.ok();
  else c.error(err);
}

export const hyperloglogHandlers: Record<string, Handler> = {
  pfadd: pfaddCommand,
  pfcount: pfcountCommand,
  pfmerge: pfmergeCommand,
  pfdebug: pfdebugCommand,
  pfselftest: pfselftestCommand,
};
