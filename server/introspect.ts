/*
 * COMMAND INFO / DOCS replies, built only from the command table
 * (common/commands), in Redis 7.0's layout (addReplyCommandInfo,
 * addReplyCommandDocs, addReplyCommandKeySpecs) for RESP2 and RESP3.
 */
import type { Writer } from '../common/resp/writer.js';
import type { CommandInfo, KeySpec } from '../common/commands/index.js';

function writeKeySpec(w: Writer, ks: KeySpec): void {
  w.map(ks.notes !== undefined ? 4 : 3);
  if (ks.notes !== undefined) {
    w.bulkStr('notes');
    w.bulkStr(ks.notes);
  }
  w.bulkStr('flags');
  w.set(ks.flags.length);
  for (const f of ks.flags) w.simple(f);
  w.bulkStr('begin_search');
  w.map(2);
  w.bulkStr('type');
  const b = ks.begin;
  if ('index' in b) {
    w.bulkStr('index');
    w.bulkStr('spec');
    w.map(1);
    w.bulkStr('index');
    w.int(b.index);
  } else if ('keyword' in b) {
    w.bulkStr('keyword');
    w.bulkStr('spec');
    w.map(2);
    w.bulkStr('keyword');
    w.bulkStr(b.keyword);
    w.bulkStr('startfrom');
    w.int(b.startfrom);
  } else {
    w.bulkStr('unknown');
    w.bulkStr('spec');
    w.map(0);
  }
  w.bulkStr('find_keys');
  w.map(2);
  w.bulkStr('type');
  const f = ks.find;
  if ('range' in f) {
    w.bulkStr('range');
    w.bulkStr('spec');
    w.map(3);
    w.bulkStr('lastkey');
    w.int(f.range.lastkey);
    w.bulkStr('keystep');
    w.int(f.range.step);
    w.bulkStr('limit');
    w.int(f.range.limit);
  } else if ('keynum' in f) {
    w.bulkStr('keynum');
    w.bulkStr('spec');
    w.map(3);
    w.bulkStr('keynumidx');
    w.int(f.keynum.keynumidx);
    w.bulkStr('firstkey');
    w.int(f.keynum.firstkey);
    w.bulkStr('keystep');
    w.int(f.keynum.step);
  } else {
    w.bulkStr('unknown');
    w.bulkStr('spec');
    w.map(0);
  }
}

/** Flags as COMMAND reports them: declared flags plus the derived movablekeys. */
export function commandFlags(cmd: CommandInfo): string[] {
  const fl = [...cmd.spec.flags];
  if (!fl.includes('movablekeys') && isMovable(cmd)) fl.push('movablekeys');
  return fl;
}

/** populateCommandMovableKeys: keys not at fixed positions. */
function isMovable(cmd: CommandInfo): boolean {
  for (const ks of cmd.spec.keys ?? []) {
    if (!('index' in ks.begin) || !('range' in ks.find)) return true;
  }
  return false;
}

export function writeCommandInfo(w: Writer, cmd: CommandInfo): void {
  const s = cmd.spec;
  w.array(10);
  w.bulkStr(cmd.fullName);
  w.int(s.arity);
  const flags = commandFlags(cmd);
  w.set(flags.length);
  for (const f of flags) w.simple(f);
  w.int(cmd.legacy[0]);
  w.int(cmd.legacy[1]);
  w.int(cmd.legacy[2]);
  w.set(cmd.acl.length);
  for (const a of cmd.acl) w.simple(a);
  // Redis 7.0 replies tips, key specs and subcommands as sets (arrays in RESP2).
  const tips = s.tips ?? [];
  w.set(tips.length);
  for (const t of tips) w.bulkStr(t);
  const keys = s.keys ?? [];
  w.set(keys.length);
  for (const ks of keys) writeKeySpec(w, ks);
  // ...except a non-empty subcommand list, which is an array.
  const subs = cmd.subcommands ? [...cmd.subcommands.values()] : [];
  if (subs.length === 0) w.set(0);
  else w.array(subs.length);
  for (const sub of subs) writeCommandInfo(w, sub);
}

export function writeCommandDocs(w: Writer, cmd: CommandInfo): void {
  const s = cmd.spec;
  let n = 3;
  if (s.complexity !== undefined) n++;
  if (s.docFlags && s.docFlags.length > 0) n++;
  if (s.deprecatedSince !== undefined) n++;
  if (s.replacedBy !== undefined) n++;
  if (cmd.subcommands) n++;
  w.map(n);
  w.bulkStr('summary');
  w.bulkStr(s.summary);
  w.bulkStr('since');
  w.bulkStr(s.since);
  w.bulkStr('group');
  w.bulkStr(s.group);
  if (s.complexity !== undefined) {
    w.bulkStr('complexity');
    w.bulkStr(s.complexity);
  }
  if (s.docFlags && s.docFlags.length > 0) {
    w.bulkStr('doc_flags');
    w.set(s.docFlags.length);
    for (const f of s.docFlags) w.simple(f);
  }
  if (s.deprecatedSince !== undefined) {
    w.bulkStr('deprecated_since');
    w.bulkStr(s.deprecatedSince);
  }
  if (s.replacedBy !== undefined) {
    w.bulkStr('replaced_by');
    w.bulkStr(s.replacedBy);
  }
  if (cmd.subcommands) {
    w.bulkStr('subcommands');
    w.map(cmd.subcommands.size);
    for (const sub of cmd.subcommands.values()) {
      w.bulkStr(sub.fullName);
      writeCommandDocs(w, sub);
    }
  }
}
