/*
 * Connection commands: PING ECHO QUIT RESET SELECT AUTH HELLO and CLIENT.
 */
import { E } from '../../common/errors.js';
import { writeHelloReply } from '../../common/resp/hello.js';
import { globMatch } from '../../common/glob.js';
import type { Client } from '../client.js';
import { intOrReply, isArg, toInt } from './args.js';
import type { Handler } from './index.js';
import { unblockByRequest } from '../blocking.js';
import { resetClientState } from './connection-reset.js';
import { clientInfoLine, clientType } from './client-info.js';
import { pauseClients, unpauseClients } from '../pause.js';

function pingCommand(c: Client, argv: Buffer[]): void {
  if (argv.length > 2) {
    c.error(E.ARITY('ping'));
    return;
  }
  if (c.inPubSubContext) {
    // In RESP2 subscribed mode PING answers with a pong message.
    c.reply.array(2);
    c.reply.bulkStr('pong');
    c.reply.bulk(argv.length > 1 ? argv[1]! : Buffer.alloc(0));
    return;
  }
  if (argv.length > 1) c.reply.bulk(argv[1]!);
  else c.reply.simple('PONG');
}

function echoCommand(c: Client, argv: Buffer[]): void {
  c.reply.bulk(argv[1]!);
}

function quitCommand(c: Client): void {
  c.reply.ok();
  c.conn?.closeAfterReply();
}

function resetCommand(c: Client): void {
  resetClientState(c);
  c.reply.simple('RESET');
}

function selectCommand(c: Client, argv: Buffer[]): void {
  const id = intOrReply(c, argv[1]!);
  if (id === null) return;
  if (id < 0 || id >= c.server.dbs.length) {
    c.error(E.DB_INDEX);
    return;
  }
  c.select(id);
  c.reply.ok();
}

/** Checks a password for a user; replies with the error and returns false on failure. */
function authenticate(c: Client, user: string, pass: Buffer): boolean {
  const required = c.server.config.get('requirepass');
  if (user === 'default' && (required === '' ? true : pass.toString() === required)) {
    c.authenticated = true;
    c.user = 'default';
    return true;
  }
  c.error(E.WRONGPASS);
  return false;
}

function authCommand(c: Client, argv: Buffer[]): void {
  if (argv.length > 3) {
    c.error(E.SYNTAX);
    return;
  }
  if (argv.length === 2 && c.server.config.get('requirepass') === '') {
    c.error(E.AUTH_NOT_SET);
    return;
  }
  const user = argv.length === 3 ? argv[1]!.toString() : 'default';
  if (authenticate(c, user, argv[argv.length - 1]!)) c.reply.ok();
}

function helloCommand(c: Client, argv: Buffer[]): void {
  let ver = 0;
  let i = 1;
  if (argv.length >= 2) {
    const v = toInt(argv[1]!);
    if (v === null) {
      c.error('ERR Protocol version is not an integer or out of range');
      return;
    }
    ver = v;
    i = 2;
    if (ver < 2 || ver > 3) {
      c.error(E.NOPROTO);
      return;
    }
  }
  let setname: Buffer | null = null;
  for (; i < argv.length; i++) {
    const more = argv.length - i - 1;
    if (isArg(argv[i]!, 'AUTH') && more >= 2) {
      if (!authenticate(c, argv[i + 1]!.toString(), argv[i + 2]!)) return;
      i += 2;
    } else if (isArg(argv[i]!, 'SETNAME') && more >= 1) {
      setname = argv[i + 1]!;
      if (!validName(setname)) {
        c.error('ERR Client names cannot contain spaces, newlines or special characters.');
        return;
      }
      i += 1;
    } else {
      c.error(`ERR Syntax error in HELLO option '${argv[i]!.toString()}'`);
      return;
    }
  }
  if (!c.authenticated) {
    c.error('NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO <proto> AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time');
    return;
  }
  if (setname !== null) c.name = setname.toString();
  if (ver !== 0) c.resp = ver as 2 | 3;
  writeHelloReply(c.reply, c.id, c.server.isReplica ? 'replica' : 'master');
}

function validName(b: Uint8Array): boolean {
  for (const ch of b) if (ch < 33 || ch > 126) return false;
  return true;
}

const CLIENT_HELP = [
  'CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'GETNAME', '    Return the name of the current connection.',
  'ID', '    Return the ID of the current connection.',
  'INFO', '    Return information about the current client connection.',
  'KILL <ip:port>', '    Kill connection made from <ip:port>.',
  'KILL <option> <value> [<option> <value> [...]]', '    Kill connections. Options are:',
  '    * ADDR (<ip:port>|<unixsocket>:0)', '      Kill connections made from the specified address',
  '    * LADDR (<ip:port>|<unixsocket>:0)', '      Kill connections made to specified local address',
  '    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)', '      Kill connections by type.',
  '    * USER <username>', '      Kill connections authenticated by <username>.',
  '    * SKIPME (YES|NO)', '      Skip killing current connection (default: yes).',
  '    * ID <client-id>', '      Kill connections by client id.',
  '    * MAXAGE <maxage>', '      Kill connections older than the specified age.',
  'LIST [options ...]', '    Return information about client connections. Options:',
  '    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)', '      Return clients of specified type.',
  '    * ID <client-id> [<client-id> ...]', '      Return clients of the specified IDs only.',
  'UNPAUSE', '    Stop the current client pause, resuming traffic.',
  'PAUSE <timeout> [WRITE|ALL]', '    Suspend all, or just write, clients for <timeout> milliseconds.',
  'REPLY (ON|OFF|SKIP)', '    Control the replies sent to the current connection.',
  'SETNAME <name>', '    Assign the name <name> to the current connection.',
  'UNBLOCK <clientid> [TIMEOUT|ERROR]', '    Unblock the specified blocked client.',
  'NO-EVICT (ON|OFF)', '    Protect current client connection from eviction.',
  'HELP', '    Prints this help.',
];

export function replyHelp(c: Client, lines: readonly string[]): void {
  c.reply.array(lines.length);
  for (const l of lines) c.reply.simple(l);
}

function clientListCommand(c: Client, argv: Buffer[]): void {
  let clients = [...c.server.clients.values()];
  if (argv.length === 4 && isArg(argv[2]!, 'TYPE')) {
    const t = argv[3]!.toString().toLowerCase();
    const type = t === 'slave' ? 'replica' : t;
    if (!['normal', 'master', 'replica', 'pubsub'].includes(type)) {
      c.error(`ERR Unknown client type '${argv[3]!.toString()}'`);
      return;
    }
    clients = clients.filter((x) => clientType(x) === type);
  } else if (argv.length >= 4 && isArg(argv[2]!, 'ID')) {
    const ids = new Set<number>();
    for (let i = 3; i < argv.length; i++) {
      const id = toInt(argv[i]!);
      if (id === null || id <= 0) {
        c.error('ERR Invalid client ID');
        return;
      }
      ids.add(id);
    }
    clients = clients.filter((x) => ids.has(x.id));
  } else if (argv.length !== 2) {
    c.error(E.SYNTAX);
    return;
  }
  c.reply.verbatim(clients.map((x) => clientInfoLine(x, c) + '\n').join(''));
}

function clientKillCommand(c: Client, argv: Buffer[]): void {
  const server = c.server;
  if (argv.length === 3) {
    const addr = argv[2]!.toString();
    const target = [...server.clients.values()].find((x) => x.conn?.addr === addr);
    if (target === undefined) {
      c.error('ERR No such client');
      return;
    }
    killClient(target, c);
    c.reply.ok();
    return;
  }
  if (argv.length % 2 !== 0) {
    c.error(E.SYNTAX);
    return;
  }
  const filters: ((x: Client) => boolean)[] = [];
  let skipme = true;
  for (let i = 2; i < argv.length; i += 2) {
    const opt = argv[i]!;
    const val = argv[i + 1]!.toString();
    if (isArg(opt, 'ID')) {
      const id = toInt(argv[i + 1]!);
      if (id === null || id <= 0) {
        c.error('ERR client-id should be greater than 0');
        return;
      }
      filters.push((x) => x.id === id);
    } else if (isArg(opt, 'TYPE')) {
      const t = val.toLowerCase() === 'slave' ? 'replica' : val.toLowerCase();
      if (!['normal', 'master', 'replica', 'pubsub'].includes(t)) {
        c.error(`ERR Unknown client type '${val}'`);
        return;
      }
      filters.push((x) => clientType(x) === t);
    } else if (isArg(opt, 'ADDR')) {
      filters.push((x) => x.conn?.addr === val);
    } else if (isArg(opt, 'LADDR')) {
      filters.push((x) => x.conn?.laddr === val);
    } else if (isArg(opt, 'USER')) {
      if (val !== 'default') {
        c.error(`ERR No such user '${val}'`);
        return;
      }
      filters.push((x) => x.user === val);
    } else if (isArg(opt, 'SKIPME')) {
      if (val.toLowerCase() === 'yes') skipme = true;
      else if (val.toLowerCase() === 'no') skipme = false;
      else {
        c.error(E.SYNTAX);
        return;
      }
    } else if (isArg(opt, 'MAXAGE')) {
      const age = toInt(argv[i + 1]!);
      if (age === null) {
        c.error(E.SYNTAX);
        return;
      }
      filters.push((x) => (Date.now() - x.createdAt) / 1000 >= age);
    } else {
      c.error(E.SYNTAX);
      return;
    }
  }
  let killed = 0;
  for (const x of [...server.clients.values()]) {
    if (skipme && x === c) continue;
    if (filters.every((f) => f(x))) {
      killClient(x, c);
      killed++;
    }
  }
  c.reply.int(killed);
}

/** Kills a client; the caller itself is closed only after its reply is written. */
function killClient(target: Client, caller: Client): void {
  if (target === caller) target.conn?.closeAfterReply();
  else target.conn?.close();
}

function clientPauseCommand(c: Client, argv: Buffer[]): void {
  const ms = intOrReply(c, argv[2]!, 'ERR timeout is not an integer or out of range');
  if (ms === null) return;
  if (ms < 0) {
    c.error('ERR timeout is negative');
    return;
  }
  let mode: 'all' | 'write' = 'all';
  if (argv.length === 4) {
    if (isArg(argv[3]!, 'WRITE')) mode = 'write';
    else if (!isArg(argv[3]!, 'ALL')) {
      c.error('ERR CLIENT PAUSE mode must be WRITE or ALL');
      return;
    }
  } else if (argv.length > 4) {
    c.error(E.SYNTAX);
    return;
  }
  pauseClients(c.server, mode, ms);
  c.reply.ok();
}

function clientReplyCommand(c: Client, argv: Buffer[]): void {
  const a = argv[2]!;
  if (isArg(a, 'ON')) {
    c.replyMode = 'on';
    c.reply.ok();
  } else if (isArg(a, 'OFF')) {
    c.replyMode = 'off';
  } else if (isArg(a, 'SKIP')) {
    if (c.replyMode !== 'off') c.replyMode = 'skip';
  } else {
    c.error(E.SYNTAX);
  }
}

function clientUnblockCommand(c: Client, argv: Buffer[]): void {
  const id = intOrReply(c, argv[2]!);
  if (id === null) return;
  let asError = false;
  if (argv.length === 4) {
    if (isArg(argv[3]!, 'ERROR')) asError = true;
    else if (!isArg(argv[3]!, 'TIMEOUT')) {
      c.error('ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR');
      return;
    }
  }
  const target = c.server.clients.get(id);
  c.reply.int(target !== undefined && unblockByRequest(target, asError) ? 1 : 0);
}

function onOff(c: Client, a: Buffer): boolean | null {
  if (isArg(a, 'ON')) return true;
  if (isArg(a, 'OFF')) return false;
  c.error(E.SYNTAX);
  return null;
}

export const connectionHandlers: Record<string, Handler> = {
  ping: pingCommand,
  echo: echoCommand,
  quit: quitCommand,
  reset: resetCommand,
  select: selectCommand,
  auth: authCommand,
  hello: helloCommand,
  'client|id': (c) => c.reply.int(c.id),
  'client|getname': (c) => (c.name === '' ? c.reply.nil() : c.reply.bulkStr(c.name)),
  'client|setname': (c, argv) => {
    if (!validName(argv[2]!)) {
      c.error('ERR Client names cannot contain spaces, newlines or special characters.');
      return;
    }
    c.name = argv[2]!.toString();
    c.reply.ok();
  },
  'client|list': clientListCommand,
  'client|info': (c) => c.reply.verbatim(clientInfoLine(c, c) + '\n'),
  'client|kill': clientKillCommand,
  'client|pause': clientPauseCommand,
  'client|unpause': (c) => {
    unpauseClients(c.server);
    c.reply.ok();
  },
  'client|reply': clientReplyCommand,
  'client|unblock': clientUnblockCommand,
  'client|no-evict': (c, argv) => {
    const v = onOff(c, argv[2]!);
    if (v === null) return;
    c.noEvict = v;
    c.reply.ok();
  },
  'client|help': (c) => replyHelp(c, CLIENT_HELP),
};

export { globMatch };
