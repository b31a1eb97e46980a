#!/usr/bin/env node
/*
 * The one executable: `shardis <server|proxy|dashboard|admin|demo> ...`.
 */
import { serverMain } from '../server/main.js';
import { proxyMain } from '../proxy/main.js';
import { dashboardMain } from '../dashboard/main.js';
import { adminMain } from '../dashboard/admin-cli.js';
import { demoMain } from '../dashboard/demo.js';

const USAGE = `Usage: shardis <command> [options]

Commands:
  server [redis.conf] [--name value ...]   run a Redis-compatible engine (like redis-server)
  proxy --slots slots.json [--listen h:p]  run a slot-routing proxy in front of server groups
  dashboard --storage fs:DIR|etcd:H:P      run the coordinator (REST API, slot table, proxies)
  admin <command>                          operate the cluster through the dashboard (shardis admin --help)
  demo [data-dir]                          run a local cluster: dashboard, two groups, one proxy (npm start)
`;

const [sub, ...rest] = process.argv.slice(2);
switch (sub) {
  case 'server':
    await serverMain(rest);
    break;
  case 'proxy':
    await proxyMain(rest);
    break;
  case 'dashboard':
    await dashboardMain(rest);
    break;
  case 'admin':
    await adminMain(rest);
    break;
  case 'demo':
    await demoMain(rest);
    break;
  case '-h':
  case '--help':
  case 'help':
  case undefined:
    process.stdout.write(USAGE);
    break;
  default:
    process.stderr.write(`shardis: unknown command '${sub}'\n${USAGE}`);
    process.exit(1);
}
