/*
 * The scripting commands. There is no scripting engine: FUNCTION FLUSH
 * succeeds (the test harness flushes functions between tests), FUNCTION
 * LIST is always empty, with Redis's argument checks and error texts.
 */
import type { Handler } from './index.js';
import { HELP } from '../help-texts.js';
import { isArg } from './args.js';

export const scriptingHandlers: Record<string, Handler> = {
  'function|flush': (c, argv) => {
    if (argv.length > 3) {
      c.error(`ERR unknown subcommand or wrong number of arguments for '${argv[1]!.toString('latin1')}'. Try FUNCTION HELP.`);
      return;
    }
    if (argv.length === 3 && !isArg(argv[2]!, 'ASYNC') && !isArg(argv[2]!, 'SYNC')) {
      c.error('ERR FUNCTION FLUSH only supports SYNC|ASYNC option');
      return;
    }
    c.server.dirty++;
    c.reply.ok();
  },
  'function|list': (c, argv) => {
    let withCode = false;
    let lib = false;
    for (let i = 2; i < argv.length; i++) {
      const a = argv[i]!;
      if (isArg(a, 'WITHCODE') && !withCode) {
        withCode = true;
      } else if (isArg(a, 'LIBRARYNAME') && !lib) {
        if (i + 1 >= argv.length) {
          c.error('ERR library name argument was not given');
          return;
        }
        lib = true;
        i++;
      } else {
        c.error(`ERR Unknown argument ${a.toString('latin1')}`);
        return;
      }
    }
    c.reply.array(0);
  },
  'function|help': (c) => {
    const lines = HELP['function']!;
    c.reply.array(lines.length);
    for (const l of lines) c.reply.simple(l);
  },
};
