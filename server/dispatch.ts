/*
 * The command pipeline (Redis's processCommand + call): lookup → arity →
 * auth → pub/sub context → MULTI queueing → pause → memory → call. Each
 * guard rejects with Redis's own error; `call` runs a handler with the
 * bookkeeping every execution path shares (clients, EXEC, AOF replay).
 */
import { F, lookupCommand, type CommandInfo } from '../common/commands/index.js';
import { E, argsPreview } from '../common/errors.js';
import type { Client } from './client.js';
import { HANDLERS, type Handler } from './commands/index.js';

const MULTI_IMMEDIATE = new Set(['exec', 'discard', 'multi', 'watch', 'quit', 'reset']);
const PUBSUB_ALLOWED = new Set(['ping', 'subscribe', 'ssubscribe', 'unsubscribe', 'sunsubscribe', 'psubscribe', 'punsubscribe', 'quit', 'reset']);

/** Resolves argv to a command (or subcommand); replies with the error and returns null when it cannot. */
export function resolveCommand(c: Client, argv: Buffer[]): CommandInfo | null {
  const name = argv[0]!.toString('latin1');
  let cmd = c.server.renamed === null ? lookupCommand(name) : c.server.renamed.get(name.toLowerCase());
  if (cmd === undefined) {
    reject(c, E.UNKNOWN_COMMAND(name.length > 128 ? name.slice(0, 128) : name, argsPreview(argv.slice(1))));
    return null;
  }
  if (cmd.subcommands !== null && argv.length >= 2) {
    const sub = cmd.subcommands.get(argv[1]!.toString('latin1').toLowerCase());
    if (sub === undefined) {
      reject(c, E.UNKNOWN_SUBCOMMAND(argv[1]!.toString('latin1').slice(0, 128), cmd.fullName));
      return null;
    }
    cmd = sub;
  }
  const arity = cmd.spec.arity;
  if ((arity > 0 && argv.length !== arity) || argv.length < -arity) {
    reject(c, E.ARITY(cmd.fullName), cmd);
    return null;
  }
  return cmd;
}

/** An error before the command runs: counted as rejected, and it aborts a MULTI in progress. */
function reject(c: Client, msg: string, cmd?: CommandInfo): void {
  if (c.inMulti) c.multiError = true;
  if (cmd) c.server.commandStat(cmd.fullName).rejected++;
  if (cmd !== undefined && cmd.fullName === 'exec') {
    // execCommandAbort: a rejected EXEC discards the transaction (Redis words it so even outside MULTI).
    if (c.inMulti) c.discardMulti();
    msg = `EXECABORT Transaction discarded because of: ${msg.replace(/^-?(ERR )?/, '')}`;
  }
  c.error(msg);
}

/** EXEC of a transaction with writes counts as a write (CLIENT PAUSE WRITE holds it). */
function execHasWrites(c: Client, cmd: CommandInfo): boolean {
  return c.inMulti && cmd.fullName === 'exec' && c.multiQueue.some((q) => (q.cmd.flags & (F.write | F.may_replicate)) !== 0);
}

function passGuards(c: Client, cmd: CommandInfo, argv: Buffer[]): boolean {
  for (const g of c.server.guards) {
    const err = g(c, cmd, argv);
    if (err !== null) {
      reject(c, err, cmd);
      return false;
    }
  }
  return true;
}

/**
 * Runs one command from a client. Returns false when the client must stop
 * reading further commands for now (paused by CLIENT PAUSE).
 */
export function processCommand(c: Client, argv: Buffer[]): boolean {
  const server = c.server;
  // One clock read per command: call() reuses it as the command's time.
  const now = Date.now();
  c.lastInteraction = now;
  server.cmdTime = now;
  const cmd = resolveCommand(c, argv);
  if (cmd === null) return true;
  const flags = cmd.flags;
  const top = cmd.parent ?? cmd;

  if (!c.authenticated && (flags & F.no_auth) === 0) {
    reject(c, E.NOAUTH, cmd);
    return true;
  }
  if (c.inPubSubContext && !PUBSUB_ALLOWED.has(top.spec.name)) {
    reject(c, E.SUBSCRIBE_CONTEXT(cmd.fullName), cmd);
    return true;
  }
  // Before queueing, as Redis does: a write queued in MULTI waits for the pause to end too.
  if (server.pause !== null && !c.flags.master && !c.flags.replica &&
      (server.pause.mode === 'all' || (flags & (F.write | F.may_replicate)) !== 0 || execHasWrites(c, cmd))) {
    c.pausedCommand = argv;
    server.pausedClients.push(c);
    return false;
  }
  if (c.inMulti && !MULTI_IMMEDIATE.has(top.spec.name)) {
    if (flags & F.no_multi) {
      reject(c, E.NOT_ALLOWED_IN_MULTI, cmd);
      return true;
    }
    if (!passGuards(c, cmd, argv)) return true;
    c.multiQueue.push({ cmd, argv: argv.map((a) => Buffer.from(a)) });
    c.reply.simple('QUEUED');
    return true;
  }
  if (server.guards.length > 0 && !passGuards(c, cmd, argv)) return true;
  call(c, cmd, argv, true);
  if (server.readyKeys.size > 0) server.handleReadyKeys();
  return true;
}

/** Error count when the innermost call() started or the last nested one ended. */
let errorMark = 0;

/**
 * Runs a resolved command and does its bookkeeping: time, command and error
 * stats, slowlog, MONITOR, propagation of writes, CLIENT REPLY modes.
 */
export function call(c: Client, cmd: CommandInfo, argv: Buffer[], timed = false): void {
  const server = c.server;
  const handler: Handler = HANDLERS.get(cmd.fullName)!;
  const mode = c.replyMode;
  const mark = mode === 'on' ? 0 : c.reply.mark();
  const dirty = server.dirty;
  errorMark = server.stats.totalErrorReplies;
  // Commands run by EXEC see the time EXEC started (Redis's fixed_time_expire for nested calls).
  if (!c.inExec && !timed) server.cmdTime = Date.now();
  c.propagateArgv = null;
  c.lastCmd = cmd.fullName;
  const t0 = performance.now();
  try {
    handler(c, argv);
  } catch (e) {
    // A handler bug must never take the server down: report it to the client and the log.
    server.log.warning(`Error running '${cmd.fullName}': ${(e as Error).stack ?? String(e)}`);
    c.error(`ERR internal error running '${cmd.fullName}': ${(e as Error).message}`);
  }
  const us = Math.round((performance.now() - t0) * 1000);
  // A command that blocked (or stayed blocked on a retry) is counted when it is served.
  if (c.blocked !== null && !c.blockRetry) return;
  const st = server.commandStat(cmd.fullName);
  st.calls++;
  st.usec += us;
  if (server.latencyHook !== null) server.latencyHook(cmd, st, us);
  // Errors of nested calls (the commands run by EXEC) are theirs, not the caller's (Redis's prev_err_count).
  if (server.stats.totalErrorReplies !== errorMark) st.failed++;
  errorMark = server.stats.totalErrorReplies;
  server.stats.totalCommands++;
  if (server.dirty !== dirty && (cmd.flags & (F.write | F.may_replicate)) !== 0) {
    const prop = c.propagateArgv ?? argv;
    if (prop.length > 0 && server.propagateHooks.length > 0) {
      server.propagate(c.dbIndex, prop);
      c.woff = server.replOffset;
    }
  }
  // CLIENT REPLY ON's own +OK is sent: only output written while replies stay off is discarded.
  if (mode !== 'on' && c.replyMode !== 'on') {
    c.reply.rollback(mark);
    if (c.keptPushes !== null) {
      for (const b of c.keptPushes) c.reply.raw(b);
      c.keptPushes = null;
    }
    if (mode === 'skip' && c.replyMode === 'skip') c.replyMode = 'on';
  }
  if ((cmd.flags & F.skip_slowlog) === 0) server.slowlogPush(c, argv, us);
  if (server.monitors.size > 0 && (cmd.flags & (F.skip_monitor | F.admin)) === 0) server.feedMonitors(c, argv);
}
