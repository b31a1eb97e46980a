/*
 * The CLIENT LIST / CLIENT INFO line, field for field as Redis 7.0 prints it.
 */
import type { Client } from '../client.js';

export function clientType(c: Client): 'normal' | 'master' | 'replica' | 'pubsub' {
  if (c.flags.master) return 'master';
  if (c.flags.replica) return 'replica';
  if (c.subscriptionCount > 0) return 'pubsub';
  return 'normal';
}

function flagsOf(c: Client): string {
  let f = '';
  if (c.flags.replica) f += c.monitor ? 'O' : 'S';
  if (c.flags.master) f += 'M';
  if (c.subscriptionCount > 0) f += 'P';
  if (c.inMulti) f += 'x';
  if (c.blocked !== null) f += 'b';
  if (c.dirtyCas) f += 'd';
  if (c.conn !== null && c.conn.addr.includes('/')) f += 'U';
  if (c.noEvict) f += 'e';
  return f === '' ? 'N' : f;
}

export function clientInfoLine(c: Client, caller: Client): string {
  const now = Date.now();
  const qbuf = c.conn?.queryBufferLength ?? 0;
  const omem = c.reply.size;
  const cmd = c.lastCmd;
  return [
    `id=${c.id}`, `addr=${c.conn?.addr ?? ''}`, `laddr=${c.conn?.laddr ?? ''}`, `fd=${c.conn?.fd ?? -1}`,
    `name=${c.name}`, `age=${Math.floor((now - c.createdAt) / 1000)}`, `idle=${Math.floor((now - c.lastInteraction) / 1000)}`,
    `flags=${flagsOf(c)}`, `db=${c.dbIndex}`, `sub=${c.channels.size}`, `psub=${c.patterns.size}`, `ssub=${c.shardChannels.size}`,
    `multi=${c.inMulti ? c.multiQueue.length : -1}`, `qbuf=${qbuf}`, `qbuf-free=${qbuf > 0 ? 20448 : 0}`, `argv-mem=${c.argvMem}`,
    `multi-mem=0`, `rbs=${c.reply.buf.length}`, `rbp=${c.reply.len}`, `obl=${c.reply.len}`, `oll=${c.reply.chunks.length}`,
    `omem=${omem}`, `tot-mem=${omem + qbuf + c.reply.buf.length + 1024}`, `events=r`, `cmd=${cmd}`, `user=${c.user}`,
    `redir=-1`, `resp=${c.resp}`,
  ].join(' ');
}
