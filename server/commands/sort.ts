/*
 * SORT and SORT_RO (Redis 7.0 sort.c): sorts a list, set or sorted set
 * numerically or lexicographically, by the elements or by external keys
 * (BY pattern, hash fields with ->), with LIMIT, GET patterns and STORE.
 */
import { E } from '../../common/errors.js';
import type { Client } from '../client.js';
import { ListValue } from '../types/list.js';
import type { ListObject } from '../types/object.js';
import { isArg, keyOf, toInt } from './args.js';
import type { Handler } from './index.js';

interface SortItem {
  obj: Buffer;
  score: number;
  cmp: Buffer | null;
}

/** Pattern lookups of one SORT call; hashes are read once into a map. */
class PatternLookup {
  private readonly hashes = new Map<string, Map<string, Buffer>>();
  constructor(private readonly c: Client) {}

  /** lookupKeyByPattern: '#' is the element itself; '*' is replaced; "->field" reads a hash field. */
  get(pattern: Buffer, subst: Buffer): Buffer | null {
    if (pattern.length >= 1 && pattern[0] === 0x23 && (pattern.length === 1 || pattern[1] === 0)) return subst;
    // The pattern is a C string for these scans.
    const nul = pattern.indexOf(0);
    const spat = nul >= 0 ? pattern.subarray(0, nul) : pattern;
    const p = spat.indexOf(0x2a);
    if (p < 0) return null;
    const f = spat.indexOf('->', p + 1, 'latin1');
    let field: Buffer | null = null;
    let keyEnd = pattern.length;
    if (f >= 0 && f + 2 < spat.length) {
      field = pattern.subarray(f + 2);
      keyEnd = f;
    }
    const key = Buffer.concat([pattern.subarray(0, p), subst, pattern.subarray(p + 1, keyEnd)]).toString('latin1');
    const o = this.c.db.lookupRead(key);
    if (o === undefined) return null;
    if (field !== null) {
      if (o.type !== 'hash') return null;
      let m = this.hashes.get(key);
      if (m === undefined) {
        m = new Map();
        for (const [hf, hv] of o.value.entries()) m.set(hf.toString('latin1'), hv);
        this.hashes.set(key, m);
      }
      return m.get(field.toString('latin1')) ?? null;
    }
    if (o.type !== 'string') return null;
    return o.value;
  }
}

const DOUBLE_RE = /^[+-]?(?:inf(?:inity)?|nan(?:\([0-9a-z_]*\))?|0x(?:[0-9a-f]+\.?[0-9a-f]*|\.[0-9a-f]+)(?:p[+-]?\d+)?|(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?)$/i;

/** strtod over the whole value as sort.c checks it: null when Redis reports a conversion error. */
function strtodScore(b: Buffer): number | null {
  const nul = b.indexOf(0);
  const s = (nul >= 0 ? b.subarray(0, nul) : b).toString('latin1');
  if (s.length === 0) return nul >= 0 ? 0 : 0;
  const t = s.replace(/^[ \t\n\v\f\r]+/, '');
  if (!DOUBLE_RE.test(t)) return null;
  const l = t.toLowerCase().replace(/^[+-]/, '');
  const neg = t[0] === '-';
  if (l.startsWith('nan')) return null;
  if (l.startsWith('inf')) return neg ? -Infinity : Infinity;
  let d: number;
  if (l.startsWith('0x')) {
    d = parseHexFloat(l.slice(2));
    if (neg) d = -d;
  } else {
    d = Number(t);
  }
  // ERANGE: overflow to infinity, or underflow of a non-zero value.
  if (!Number.isFinite(d)) return null;
  if (Math.abs(d) < 2.2250738585072014e-308 && /[1-9]/.test(l.replace(/e.*$/, '').replace(/p.*$/, '').replace(/^0x/, ''))) return null;
  return d;
}

function parseHexFloat(s: string): number {
  const [mant, exp] = s.split('p') as [string, string | undefined];
  const [ip, fp = ''] = mant.split('.') as [string, string | undefined];
  let v = ip === '' ? 0 : parseInt(ip, 16);
  for (let i = 0; i < fp.length; i++) v += parseInt(fp[i]!, 16) / 16 ** (i + 1);
  return v * 2 ** (exp === undefined ? 0 : parseInt(exp, 10));
}

function sortGeneric(c: Client, argv: Buffer[], readonly: boolean): void {
  let desc = false;
  let alpha = false;
  let limitStart = 0;
  let limitCount = -1;
  let dontsort = false;
  let sortby: Buffer | null = null;
  let storeArg: Buffer | null = null;
  const gets: Buffer[] = [];

  for (let j = 2; j < argv.length; j++) {
    const left = argv.length - j - 1;
    const a = argv[j]!;
    if (isArg(a, 'ASC')) desc = false;
    else if (isArg(a, 'DESC')) desc = true;
    else if (isArg(a, 'ALPHA')) alpha = true;
    else if (isArg(a, 'LIMIT') && left >= 2) {
      const s = toInt(argv[j + 1]!);
      const n = s === null ? null : toInt(argv[j + 2]!);
      if (s === null || n === null) {
        c.error(E.NOT_INTEGER);
        return;
      }
      limitStart = s;
      limitCount = n;
      j += 2;
    } else if (!readonly && isArg(a, 'STORE') && left >= 1) {
      storeArg = argv[j + 1]!;
      j++;
    } else if (isArg(a, 'BY') && left >= 1) {
      sortby = argv[j + 1]!;
      const nul = sortby.indexOf(0);
      if ((nul >= 0 ? sortby.subarray(0, nul) : sortby).indexOf(0x2a) < 0) dontsort = true;
      j++;
    } else if (isArg(a, 'GET') && left >= 1) {
      gets.push(argv[j + 1]!);
      j++;
    } else {
      c.error(E.SYNTAX);
      return;
    }
  }

  // As Redis: a write lookup when storing (no hit/miss stats), a read lookup otherwise.
  const sortKey = keyOf(argv[1]!);
  const o = storeArg !== null ? c.db.lookupWrite(sortKey) : c.db.lookupRead(sortKey);
  if (o !== undefined && o.type !== 'set' && o.type !== 'list' && o.type !== 'zset') {
    c.error(E.WRONGTYPE);
    return;
  }
  const type = o === undefined ? 'list' : o.type;
  // A set has no order of its own: when the result is stored or goes to a
  // script (clients without a connection: scripts, AOF, replication, where
  // the output is only seen by a script), force ALPHA so it is deterministic.
  if (dontsort && type === 'set' && (storeArg !== null || c.conn === null)) {
    dontsort = false;
    alpha = true;
    sortby = null;
  }

  let vectorlen = o === undefined ? 0 : o.value.length;
  let start = limitStart < 0 ? 0 : limitStart;
  let end = limitCount < 0 ? vectorlen - 1 : start + limitCount - 1;
  if (start >= vectorlen) {
    start = vectorlen - 1;
    end = vectorlen - 2;
  }
  if (end >= vectorlen) end = vectorlen - 1;

  let elements: Buffer[];
  if (o === undefined) {
    elements = [];
  } else if (o.type === 'list' || o.type === 'zset') {
    const all = o.type === 'list' ? [...o.value] : [...o.value.entries()].map((e) => e[0]);
    if (dontsort) {
      if (start !== 0 || end !== vectorlen - 1) vectorlen = end - start + 1;
      elements = [];
      if (end >= start) {
        if (desc) for (let i = all.length - start - 1, n = 0; n < vectorlen; i--, n++) elements.push(all[i]!);
        else for (let i = start, n = 0; n < vectorlen; i++, n++) elements.push(all[i]!);
        end -= start;
        start = 0;
      }
    } else {
      elements = all;
    }
  } else if (o.type === 'set') {
    elements = [...o.value.members()];
  } else {
    elements = [];
  }

  const lookup = new PatternLookup(c);
  const items: SortItem[] = elements.map((obj) => ({ obj, score: 0, cmp: null }));
  let conversionError = false;
  if (!dontsort) {
    for (const it of items) {
      let byval: Buffer;
      if (sortby !== null) {
        const v = lookup.get(sortby, it.obj);
        if (v === null) continue;
        byval = v;
      } else {
        byval = it.obj;
      }
      if (alpha) {
        if (sortby !== null) it.cmp = byval;
      } else {
        const d = strtodScore(byval);
        if (d === null) conversionError = true;
        else it.score = d;
      }
    }
    const byPattern = sortby !== null;
    const sign = desc ? -1 : 1;
    items.sort((a, b) => {
      let cmp: number;
      if (!alpha) {
        if (a.score > b.score) cmp = 1;
        else if (a.score < b.score) cmp = -1;
        else cmp = Buffer.compare(a.obj, b.obj);
      } else if (byPattern) {
        if (a.cmp === null || b.cmp === null) cmp = a.cmp === b.cmp ? 0 : a.cmp === null ? -1 : 1;
        else cmp = Buffer.compare(a.cmp, b.cmp);
      } else {
        cmp = Buffer.compare(a.obj, b.obj);
      }
      return sign * cmp;
    });
  }

  const count = end >= start ? end - start + 1 : 0;
  const outputlen = gets.length > 0 ? gets.length * count : count;
  if (conversionError) {
    c.error("ERR One or more scores can't be converted into double");
    return;
  }
  if (storeArg === null) {
    c.reply.array(outputlen);
    for (let j = start; j <= end; j++) {
      const obj = items[j]!.obj;
      if (gets.length === 0) c.reply.bulk(obj);
      for (const g of gets) {
        const v = lookup.get(g, obj);
        if (v === null) c.reply.nil();
        else c.reply.bulk(v);
      }
    }
    return;
  }
  const out: Buffer[] = [];
  for (let j = start; j <= end; j++) {
    const obj = items[j]!.obj;
    if (gets.length === 0) out.push(Buffer.from(obj));
    for (const g of gets) {
      const v = lookup.get(g, obj);
      out.push(v === null ? Buffer.alloc(0) : Buffer.from(v));
    }
  }
  const storeKey = keyOf(storeArg);
  if (outputlen > 0) {
    const lo: ListObject = { type: 'list', value: ListValue.from(out), lru: 0, idx: -1, snap: 0, sidx: -1 };
    c.db.set(storeKey, lo);
    c.db.signalModifiedKey(storeKey);
    c.server.signalKeyAsReady(c.db, storeKey);
    c.server.notify('l', 'sortstore', storeKey, c.dbIndex);
    c.server.dirty += outputlen;
  } else if (c.db.lookupWrite(storeKey) !== undefined && c.db.delete(storeKey)) {
    c.db.signalModifiedKey(storeKey);
    c.server.notify('g', 'del', storeKey, c.dbIndex);
    c.server.dirty++;
  }
  c.reply.int(outputlen);
}

export const sortHandlers: Record<string, Handler> = {
  sort: (c, argv) => sortGeneric(c, argv, false),
  sort_ro: (c, argv) => sortGeneric(c, argv, true),
};
