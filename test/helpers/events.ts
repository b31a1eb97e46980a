/*
 * Keyspace events a command script raises on a server, collected by a
 * pattern subscriber, so tests can compare them with real Redis's.
 */
import { RawClient, show } from './raw-client.js';

/** Every reply that arrives until the connection is quiet for `ms`. */
export async function readAll(c: RawClient, ms = 150): Promise<unknown[]> {
  const out: unknown[] = [];
  for (;;) {
    try {
      out.push(show(await c.read(ms)));
    } catch {
      return out;
    }
  }
}

/** Runs the script on a server while a subscriber collects keyspace events. */
export async function events(port: number, script: (string | Buffer)[][]): Promise<unknown[]> {
  const admin = new RawClient(port);
  await admin.connect();
  await admin.call(['FLUSHALL']);
  await admin.call(['CONFIG', 'SET', 'notify-keyspace-events', 'KEA']);
  const sub = new RawClient(port);
  await sub.connect();
  await sub.call(['PSUBSCRIBE', '__key*__:*']);
  for (const argv of script) await admin.call(argv);
  await admin.call(['SET', 'end-marker', '1']);
  const got = await readAll(sub);
  await admin.call(['CONFIG', 'SET', 'notify-keyspace-events', '']);
  sub.close();
  admin.close();
  return got;
}
