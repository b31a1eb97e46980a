/*
 * Pub/Sub through the proxy. PUBLISH is routed by the slot of the channel
 * name, so a channel lives on one group; SUBSCRIBE goes to that group on a
 * connection of this session's own, PSUBSCRIBE to every group (a pattern
 * can match a channel anywhere). The proxy answers the confirmations itself
 * with the session's own subscription count, only once the backend has
 * confirmed (so a message published right after the reply is not missed),
 * and forwards messages as they come (as RESP3 pushes for RESP3 clients).
 * If a subscriber connection to a backend is lost, the client connection is
 * closed: a client that reconnects and resubscribes is better than one that
 * silently misses messages.
 */
import { Writer } from '../common/resp/writer.js';
import { slotOf } from '../common/slots.js';
import { arrayElements } from './fanout.js';
import { BackendConn } from './backend.js';
import type { Session } from './session.js';

type Kind = 'subscribe' | 'unsubscribe' | 'psubscribe' | 'punsubscribe' | 'ssubscribe' | 'sunsubscribe';

export class Subscriber {
  private readonly channels = new Map<string, number>();
  private readonly patterns = new Set<string>();
  private readonly shard = new Map<string, number>();
  private readonly conns = new Map<number, { conn: BackendConn; waiting: (() => void)[] }>();

  constructor(private readonly s: Session) {}

  get count(): number {
    return this.channels.size + this.patterns.size + this.shard.size;
  }

  private conn(gid: number, addr: string) {
    let c = this.conns.get(gid);
    if (c === undefined) {
      const conn = new BackendConn(addr, { auth: this.s.proxy.opts.backendAuth, db: 0, timeoutMs: 0, noReconnect: true });
      const entry = { conn, waiting: [] as (() => void)[] };
      conn.pushHandler = (r) => this.onBackend(entry, r);
      this.conns.set(gid, entry);
      c = entry;
    }
    return c;
  }

  private onBackend(entry: { conn: BackendConn; waiting: (() => void)[] }, r: Buffer): void {
    if (r[0] === 45) {
      // The subscriber link broke: end the client session rather than lose messages silently.
      this.reset();
      this.s.close();
      return;
    }
    const els = arrayElements(r[0] === 62 ? Buffer.concat([Buffer.from('*'), r.subarray(1)]) : r);
    if (els === null || els.length === 0) return;
    const kind = els[0]!.toString('latin1', els[0]!.indexOf(10) + 1, els[0]!.length - 2);
    if (kind === 'message' || kind === 'pmessage' || kind === 'smessage') {
      // Same bytes, with the push type for RESP3 clients.
      const out = Buffer.from(r);
      out[0] = this.s.resp === 3 ? 62 : 42;
      this.s.push(out);
      return;
    }
    entry.waiting.shift()?.();
  }

  private confirm(kind: Kind, name: Buffer | null, count: number): (w: Writer) => void {
    return (w) => {
      w.push(3);
      w.bulkStr(kind);
      if (name === null) w.nil();
      else w.bulk(name);
      w.int(count);
    };
  }

  /** Replies with a confirmation once every backend in `targets` has confirmed its part. */
  private after(targets: { conn: BackendConn; waiting: (() => void)[] }[], argv: (string | Buffer)[], fill: (w: Writer) => void): void {
    const done = this.s.deferred();
    let left = targets.length;
    if (left === 0) {
      done(fill);
      return;
    }
    for (const t of targets) {
      t.waiting.push(() => {
        if (--left === 0) done(fill);
      });
      t.conn.send(argv, () => {});
    }
  }

  command(name: string, argv: Buffer[]): void {
    const router = this.s.proxy.router;
    const groups = router.groupList();
    if (groups.length === 0) {
      this.s.error('ERR the proxy has no slot table yet', name);
      return;
    }
    const addrOf = (slot: number) => ({ gid: router.groupOfSlot(slot), addr: router.masterAddr(slot)! });
    switch (name) {
      case 'subscribe':
      case 'ssubscribe': {
        const map = name === 'subscribe' ? this.channels : this.shard;
        for (const ch of argv.slice(1)) {
          const key = ch.toString('latin1');
          const { gid, addr } = addrOf(slotOf(ch));
          const had = map.has(key);
          map.set(key, gid);
          const count = name === 'subscribe' ? this.channels.size + this.patterns.size : this.shard.size;
          this.after(had ? [] : [this.conn(gid, addr)], [name.toUpperCase(), ch], this.confirm(name, ch, count));
        }
        return;
      }
      case 'psubscribe':
        for (const p of argv.slice(1)) {
          const key = p.toString('latin1');
          const had = this.patterns.has(key);
          this.patterns.add(key);
          const count = this.channels.size + this.patterns.size;
          this.after(had ? [] : groups.map((g) => this.conn(g.id, g.master)), ['PSUBSCRIBE', p], this.confirm('psubscribe', p, count));
        }
        return;
      case 'unsubscribe':
      case 'sunsubscribe': {
        const map = name === 'unsubscribe' ? this.channels : this.shard;
        const list = argv.length > 1 ? argv.slice(1) : [...map.keys()].map((k) => Buffer.from(k, 'latin1'));
        if (list.length === 0) {
          this.s.localReply(this.confirm(name, null, name === 'unsubscribe' ? this.count - this.shard.size : this.shard.size));
          return;
        }
        for (const ch of list) {
          const key = ch.toString('latin1');
          const gid = map.get(key);
          map.delete(key);
          const count = name === 'unsubscribe' ? this.channels.size + this.patterns.size : this.shard.size;
          const c = gid === undefined ? undefined : this.conns.get(gid);
          this.after(c === undefined ? [] : [c], [name.toUpperCase(), ch], this.confirm(name, ch, count));
        }
        this.closeIdle();
        return;
      }
      case 'punsubscribe': {
        const list = argv.length > 1 ? argv.slice(1) : [...this.patterns].map((k) => Buffer.from(k, 'latin1'));
        if (list.length === 0) {
          this.s.localReply(this.confirm('punsubscribe', null, this.channels.size));
          return;
        }
        for (const p of list) {
          const had = this.patterns.delete(p.toString('latin1'));
          const count = this.channels.size + this.patterns.size;
          this.after(had ? [...this.conns.values()] : [], ['PUNSUBSCRIBE', p], this.confirm('punsubscribe', p, count));
        }
        this.closeIdle();
        return;
      }
    }
  }

  /** Closes the backend connections once nothing is subscribed any more. */
  private closeIdle(): void {
    if (this.count > 0) return;
    const conns = [...this.conns.values()];
    this.conns.clear();
    // Let the pending unsubscribe confirmations arrive first.
    setTimeout(() => {
      for (const c of conns) c.conn.close();
    }, 1000).unref();
  }

  reset(): void {
    this.channels.clear();
    this.patterns.clear();
    this.shard.clear();
    for (const c of this.conns.values()) {
      c.conn.pushHandler = null;
      c.conn.close();
    }
    this.conns.clear();
  }
}
