/*
 * Redis's error texts, word for word (server.c createSharedObjects and the
 * addReplyError calls of each command). Every part replies through these, so
 * a client cannot tell our server or proxy from Redis by its errors.
 * Texts have no leading '-' and no trailing CRLF.
 */
export const E = {
  SYNTAX: 'ERR syntax error',
  WRONGTYPE: 'WRONGTYPE Operation against a key holding the wrong kind of value',
  NOT_INTEGER: 'ERR value is not an integer or out of range',
  NOT_FLOAT: 'ERR value is not a valid float',
  OVERFLOW: 'ERR increment or decrement would overflow',
  NO_SUCH_KEY: 'ERR no such key',
  OUT_OF_RANGE: 'ERR index out of range',
  DB_INDEX: 'ERR DB index is out of range',
  SAME_OBJECT: 'ERR source and destination objects are the same',
  NOAUTH: 'NOAUTH Authentication required.',
  WRONGPASS: 'WRONGPASS invalid username-password pair or user is disabled.',
  AUTH_NOT_SET: 'ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?',
  OOM: "OOM command not allowed when used memory > 'maxmemory'.",
  EXEC_ABORT: 'EXECABORT Transaction discarded because of previous errors.',
  MULTI_NESTED: 'ERR MULTI calls can not be nested',
  EXEC_NO_MULTI: 'ERR EXEC without MULTI',
  DISCARD_NO_MULTI: 'ERR DISCARD without MULTI',
  WATCH_IN_MULTI: 'ERR WATCH inside MULTI is not allowed',
  BUSYKEY: 'BUSYKEY Target key name already exists.',
  READONLY: "READONLY You can't write against a read only replica.",
  MASTERDOWN: "MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.",
  NOREPLICAS: 'NOREPLICAS Not enough good replicas to write.',
  MISCONF_RDB: "MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to disk. Commands that may modify the data set are disabled, because this instance is configured to report errors during writes if RDB snapshotting fails (stop-writes-on-bgsave-error option). Please check the Redis logs for details about the RDB error.",
  MISCONF_AOF: (why: string) => `MISCONF Errors writing to the AOF file: ${why}`,
  BGSAVE_IN_PROGRESS: 'ERR Background save already in progress',
  BGSAVE_CHILD_ACTIVE: "ERR Another child process is active (AOF?): can't BGSAVE right now. Use BGSAVE SCHEDULE in order to schedule a BGSAVE whenever possible.",
  BGREWRITE_IN_PROGRESS: 'ERR Background append only file rewriting already in progress',
  BGREWRITE_FAILED: "ERR Can't execute an AOF background rewriting. Please check the server logs for more information.",
  BAD_PAYLOAD: 'ERR DUMP payload version or checksum are wrong',
  NOPROTO: 'NOPROTO unsupported protocol version',
  INVALID_EXPIRE: (cmd: string) => `ERR invalid expire time in '${cmd}' command`,
  ARITY: (cmd: string) => `ERR wrong number of arguments for '${cmd}' command`,
  UNKNOWN_COMMAND: (name: string, args: string) => `ERR unknown command '${name}', with args beginning with: ${args}`,
  UNKNOWN_SUBCOMMAND: (sub: string, cmd: string) =>
    `ERR unknown subcommand '${sub}'. Try ${cmd.toUpperCase()} HELP.`,
  SUBSCRIBE_CONTEXT: (cmd: string) =>
    `ERR Can't execute '${cmd}': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context`,
  NOT_ALLOWED_IN_MULTI: 'ERR Command not allowed inside a transaction',
  MIN_MAX_NOT_FLOAT: 'ERR min or max is not a float',
  TIMEOUT_NOT_FLOAT: 'ERR timeout is not a float or out of range',
  TIMEOUT_NEGATIVE: 'ERR timeout is negative',
  CROSSSLOT: "CROSSSLOT Keys in request don't hash to the same slot",
  TRYAGAIN_MULTI: 'TRYAGAIN Multiple keys request during rehashing of slot',
  TRYAGAIN_IN_FLIGHT: 'TRYAGAIN the key is being migrated to another group',
  LOADING: 'LOADING Redis is loading the dataset in memory',
  DENIED: 'DENIED Redis is running in protected mode because protected mode is enabled and no password is set for the default user. In this mode connections are only accepted from the loopback interface. If you want to connect from external computers to Redis you may adopt one of the following solutions: 1) Just disable protected mode sending the command \'CONFIG SET protected-mode no\' from the loopback interface by connecting to Redis from the same host the server is running, however MAKE SURE Redis is not publicly accessible from internet if you do so. Use CONFIG REWRITE to make this change permanent. 2) Alternatively you can just disable the protected mode by editing the Redis configuration file, and setting the protected mode option to \'no\', and then restarting the server. 3) If you started the server manually just for testing, restart it with the \'--protected-mode no\' option. 4) Setup a bind address or an authentication password. NOTE: You only need to do one of the above things in order for the server to start accepting connections from the outside.',
  MAX_CLIENTS: 'ERR max number of clients reached',
} as const;

/*
 * codis-server's texts for the asynchronous migration (slots_async.c): the
 * replies of SLOTSMGRT*-ASYNC and friends on the source, and the messages of
 * the SLOTSRESTORE-ASYNC-ACK replies the target sends back (those are not
 * error replies but the third element of an ACK array).
 */
export const CODIS_ASYNC = {
  BAD_ARG: (what: string, value: string) => `ERR invalid value of ${what} (${value})`,
  DB_BUSY: 'ERR the specified DB is being migrated',
  CONNECT: (host: string, port: number) => `ERR create client to ${host}:${port} failed`,
  INTERRUPTED: (why: string) => `ERR interrupted: ${why}`,
  KEY_IN_FLIGHT: 'ERR the specified key is being migrated',
  ACK_DENIED: 'ERR invalid client, permission denied',
  // ACK messages (errno -1 unless said otherwise).
  ACK_DB_BUSY: 'the specified DB is being migrated',
  ACK_ARGC: (argc: number, cmd: string) => `wrong number of arguments (argc=${argc},cmd=${cmd})`,
  ACK_UNKNOWN: (argc: number, cmd: string) => `unknown command (argc=${argc},cmd=${cmd})`,
  ACK_TTL: (ttl: string) => `invalid TTL value (TTL=${ttl})`,
  ACK_HINT: (hint: string) => `invalid Hint value (Hint=${hint})`,
  ACK_NO_KEY: (key: string) => `the specified key doesn't exist (${key})`,
  ACK_KEY_EXISTS: (key: string) => `the specified key already exists (${key})`,
  ACK_CHECKSUM: 'invalid payload checksum',
  ACK_BODY: 'invalid payload body',
  ACK_WRONG_TYPE: (expectType: number, expectEnc: number, gotType: number, gotEnc: number) =>
    `wrong type (expect=${expectType}/${expectEnc},got=${gotType}/${gotEnc})`,
  ACK_SCORE: (i: number) => `invalid zset score ([${i}]), bad raw bits`,
  ACK_NO_PASSWORD: 'Client sent AUTH, but no password is set',
  ACK_BAD_PASSWORD: 'invalid password',
  ACK_BAD_DB: (db: string) => `invalid DB index (${db})`,
} as const;

/** The argument preview in "unknown command" errors: up to 128 chars per arg, quoted. */
export function argsPreview(args: readonly Uint8Array[]): string {
  let s = '';
  for (const a of args) {
    if (s.length >= 128) break;
    const t = Buffer.from(a).toString('latin1');
    s += `'${t.length > 128 - s.length ? t.slice(0, 128 - s.length) : t}' `;
  }
  return s;
}
