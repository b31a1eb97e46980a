#!/usr/bin/env node
// Imports command rows (arity, flags, key specs, docs) from a running real
// Redis 7 into common/commands/<group>.ts. A development aid: the generated
// files are the source of truth afterwards and are edited by hand.
//   node tools/import-commands.mjs PORT group[:file] ... [--only name,name] [--skip name,name]
import { Redis } from 'ioredis';
import { writeFileSync } from 'node:fs';

const args = process.argv.slice(2);
const port = Number(args.shift());
const opt = (n) => { const i = args.indexOf(n); if (i < 0) return null; const v = args[i + 1]; args.splice(i, 2); return new Set(v.split(',')); };
const only = opt('--only'); const skip = opt('--skip');
const r = new Redis({ port, protocol: 2 });
const info = await r.call('COMMAND');
const docsFlat = await r.call('COMMAND', 'DOCS');
r.disconnect();

const pairs = (a) => { const o = {}; for (let i = 0; i < a.length; i += 2) o[a[i]] = a[i + 1]; return o; };
const docs = pairs(docsFlat);
const IMPLIED = (flags) => {
  const s = new Set();
  if (flags.includes('write')) s.add('write');
  if (flags.includes('readonly')) s.add('read');
  if (flags.includes('admin')) { s.add('admin'); s.add('dangerous'); }
  if (flags.includes('pubsub')) s.add('pubsub');
  if (flags.includes('fast')) s.add('fast');
  if (flags.includes('blocking')) s.add('blocking');
  if (!flags.includes('fast')) s.add('slow');
  return s;
};
function keySpec(ks) {
  const o = pairs(ks);
  const bs = pairs(o.begin_search); const fk = pairs(o.find_keys);
  const bspec = pairs(bs.spec ?? []); const fspec = pairs(fk.spec ?? []);
  const begin = bs.type === 'index' ? { index: bspec.index } : bs.type === 'keyword' ? { keyword: bspec.keyword, startfrom: bspec.startfrom } : { unknown: true };
  const find = fk.type === 'range' ? { range: { lastkey: fspec.lastkey, step: fspec.keystep, limit: fspec.limit } }
    : fk.type === 'keynum' ? { keynum: { keynumidx: fspec.keynumidx, firstkey: fspec.firstkey, step: fspec.keystep } } : { unknown: true };
  const out = { flags: o.flags, begin, find };
  if (o.notes) out.notes = o.notes;
  return out;
}
function row(c, d, sub) {
  const [fullname, arity, flags, , , , acl, tips, keys, subs] = c;
  const name = sub ? fullname.split('|')[1] : fullname;
  const implied = IMPLIED(flags);
  const extra = acl.map((a) => a.slice(1)).filter((a) => !implied.has(a));
  const o = { name, group: d.group, since: d.since, summary: d.summary };
  if (d.complexity) o.complexity = d.complexity;
  if (d.doc_flags) o.docFlags = d.doc_flags;
  if (d.deprecated_since) o.deprecatedSince = d.deprecated_since;
  if (d.replaced_by) o.replacedBy = d.replaced_by;
  o.arity = arity; o.flags = flags;
  if (extra.length) o.acl = extra;
  if (tips.length) o.tips = tips;
  if (keys.length) o.keys = keys.map(keySpec);
  if (subs && subs.length) {
    const sd = pairs(d.subcommands ?? []);
    o.subcommands = subs.filter((s) => !skip?.has(s[0])).map((s) => row(s, pairs(sd[s[0]] ?? []), true)).sort((a, b) => a.name < b.name ? -1 : 1);
  }
  return o;
}
const fmt = (v, ind = '') => {
  if (Array.isArray(v)) {
    if (v.every((x) => typeof x !== 'object')) return '[' + v.map((x) => JSON.stringify(x)).join(', ') + ']';
    return '[\n' + v.map((x) => ind + '  ' + fmt(x, ind + '  ')).join(',\n') + ',\n' + ind + ']';
  }
  if (v && typeof v === 'object') {
    const ents = Object.entries(v);
    const inner = ents.map(([k, x]) => `${/^[a-z]\w*$/i.test(k) ? k : JSON.stringify(k)}: ${fmt(x, ind + '  ')}`);
    const one = '{ ' + inner.join(', ') + ' }';
    if (one.length < 110 && !one.includes('\n')) return one;
    return '{\n' + inner.map((x) => ind + '  ' + x).join(',\n') + ',\n' + ind + '}';
  }
  return JSON.stringify(v);
};
for (const g of args) {
  const [group, file = group] = g.split(':');
  const rows = info.filter((c) => pairs(docs[c[0]] ?? []).group === group && (!only || only.has(c[0])) && !skip?.has(c[0]))
    .sort((a, b) => a[0] < b[0] ? -1 : 1)
    .map((c) => row(c, pairs(docs[c[0]]), false));
  const ident = file.replace(/-(\w)/g, (_, x) => x.toUpperCase()) + 'Commands';
  const src = `// The ${group} commands. Rows imported from Redis 7.0 (tools/import-commands.mjs), then owned here.\nimport type { CommandSpec } from './spec.js';\n\nexport const ${ident} = ${fmt(rows)} as const satisfies readonly CommandSpec[];\n`;
  writeFileSync(new URL(`../common/commands/${file}.ts`, import.meta.url), src);
  console.log(file, rows.length);
}
