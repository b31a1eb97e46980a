/*
 * `shardis server [config-file] [--name value ...]`: starts the engine like
 * redis-server: the file's directives, then the command line's, override the
 * defaults; a bad directive stops start-up with a message naming the line.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Config, ConfigError } from './config.js';
import { Server } from './server.js';
import { listen, type Listening } from './network.js';
import { installBlocking } from './blocking.js';
import { installPubsub } from './pubsub-registry.js';
import { installServerModules } from './commands/server.js';
import { startCron } from './cron.js';
import { installActiveExpire } from './db/expire.js';
import { ownershipOf } from './slots/ownership.js';
import { persistenceOf } from './persistence/persistence.js';
import { replicationOf } from './replication/replication.js';

/** Splits `--name v1 v2 --other v` into directives, as redis-server does. */
export function parseArgPairs(args: string[]): [string, string[]][] {
  const out: [string, string[]][] = [];
  for (const a of args) {
    if (a.startsWith('--')) out.push([a.slice(2).toLowerCase(), []]);
    else if (out.length > 0) out[out.length - 1]![1].push(a);
    else throw new ConfigError(`Invalid argument '${a}'`);
  }
  return out;
}

export interface Engine {
  server: Server;
  listening: Listening;
  port: number;
  stop(): Promise<void>;
}

/**
 * Creates and starts an engine; used by the CLI and by in-process tests.
 * Only a process of its own changes directory to `dir` (as redis-server
 * does): engines sharing a test process keep paths absolute instead.
 */
export async function startEngine(args: string[], opts: { chdir?: boolean } = {}): Promise<Engine> {
  const config = new Config();
  let text = '';
  let source = '';
  if (args.length > 0 && !args[0]!.startsWith('--')) {
    source = resolve(args[0]!);
    text = args[0] === '-' ? readFileSync(0, 'utf8') : readFileSync(source, 'utf8');
    config.file = args[0] === '-' ? null : source;
    args = args.slice(1);
  }
  config.load(text, source, parseArgPairs(args));
  if (opts.chdir && config.get('dir') !== '') process.chdir(config.get('dir'));
  // CONFIG GET dir answers the absolute directory, and persistence resolves its files against it.
  config.values.set('dir', resolve(config.get('dir') || '.'));
  const server = new Server(config);
  installBlocking(server);
  installPubsub(server);
  installServerModules(server);
  installActiveExpire(server);
  persistenceOf(server).loadAtStartup();
  const listening = await listen(server);
  server.listeningPort = listening.port;
  replicationOf(server);
  if (config.get('slots-managed') === 'yes') ownershipOf(server);
  const stopCron = startCron(server);
  server.log.notice(`Running mode=standalone, port=${listening.port}.`);
  server.log.notice('Ready to accept connections tcp');
  const engine: Engine = {
    server, listening, port: listening.port,
    stop: async () => {
      stopCron();
      for (const c of server.clients.values()) c.conn?.close();
      await listening.close();
    },
  };
  return engine;
}

export async function serverMain(args: string[]): Promise<void> {
  let engine: Engine;
  try {
    engine = await startEngine(args, { chdir: true });
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(e.message + '\n');
      process.exit(1);
    }
    process.stderr.write(`${(e as Error).message}\n`);
    process.exit(1);
  }
  engine.server.shutdownHook = (code) => {
    void engine.stop().finally(() => process.exit(code));
  };
  const onSignal = (sig: 'SIGTERM' | 'SIGINT') => {
    const server = engine.server;
    server.log.warning(`Received ${sig} scheduling shutdown...`);
    // shutdown-on-sigterm / -sigint: 'default' saves when save points are configured.
    const flags = server.config.get(sig === 'SIGTERM' ? 'shutdown-on-sigterm' : 'shutdown-on-sigint').split(' ');
    const save = !flags.includes('nosave') && (flags.includes('save') || server.config.get('save').trim() !== '');
    if (server.prepareShutdown !== null && !server.prepareShutdown(save, flags.includes('force'))) {
      server.log.warning(`${sig} received but errors trying to shut down the server, check the logs for more information`);
      return;
    }
    server.shutdownHook?.(0);
  };
  process.on('SIGTERM', () => onSignal('SIGTERM'));
  process.on('SIGINT', () => onSignal('SIGINT'));
}
