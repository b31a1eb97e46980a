/*
 * MULTI/EXEC through the proxy. Codis refuses transactions; we keep them:
 * the proxy queues the commands itself (answering +QUEUED, or an error that
 * makes EXEC fail with EXECABORT, exactly as Redis does), requires every key
 * of the transaction to share one slot, and at EXEC sends MULTI, the
 * commands and EXEC back-to-back to that slot's master. Sent in one batch
 * on a shared connection nothing can interleave; with WATCH the batch goes
 * on the session's own connection that holds the WATCH.
 */
import { E } from '../common/errors.js';
import type { CommandInfo } from '../common/commands/index.js';
import type { Session } from './session.js';
import type { BackendConn } from './backend.js';

const DISCARD_REPLY = () => {};

export class Transaction {
  readonly cmds: Buffer[][] = [];
  slot = -1;
  failed = false;

  constructor(private readonly s: Session) {}

  /** A command issued inside MULTI: checked and queued. */
  queue(cmd: CommandInfo, argv: Buffer[]): void {
    const s = this.s;
    const policy = (cmd.parent ?? cmd).spec.proxy?.kind;
    const route = s.routeOf(cmd, argv);
    if (policy === 'deny' || policy === 'all-groups' || (route.kind === 'keyless' && policy !== 'local' && policy !== 'channel')) {
      this.failed = true;
      s.error(`ERR command '${cmd.fullName}' is not allowed through the proxy`, cmd.fullName);
      return;
    }
    if ((cmd.parent ?? cmd).spec.name === 'subscribe' || (cmd.parent ?? cmd).spec.name === 'psubscribe') {
      this.failed = true;
      s.error(`ERR command '${cmd.fullName}' is not allowed through the proxy inside MULTI`, cmd.fullName);
      return;
    }
    if (route.kind === 'error') {
      this.failed = true;
      s.error(route.msg, cmd.fullName);
      return;
    }
    if (route.kind === 'slot') {
      const slot = route.slot;
      const bound = this.slot >= 0 ? this.slot : s.watch?.slot ?? -1;
      if (bound >= 0 && bound !== slot) {
        this.failed = true;
        s.error(E.CROSSSLOT, cmd.fullName);
        return;
      }
      this.slot = slot;
    }
    this.cmds.push(argv.map((a) => Buffer.from(a)));
    s.localReply((w) => w.simple('QUEUED'));
  }

  static command(s: Session, name: string, cmd: CommandInfo, argv: Buffer[]): void {
    switch (name) {
      case 'multi':
        if (s.tx !== null) {
          s.error(E.MULTI_NESTED, 'multi');
          return;
        }
        s.tx = new Transaction(s);
        s.localReply((w) => w.ok());
        return;
      case 'discard':
        if (s.tx === null) {
          s.error(E.DISCARD_NO_MULTI, 'discard');
          return;
        }
        s.tx = null;
        s.watch?.conn.close();
        s.watch = null;
        s.localReply((w) => w.ok());
        return;
      case 'exec':
        Transaction.exec(s);
        return;
      case 'watch': {
        if (s.tx !== null) {
          s.error(E.WATCH_IN_MULTI, 'watch');
          return;
        }
        const route = s.routeOf(cmd, argv);
        if (route.kind !== 'slot') {
          s.error(route.kind === 'error' ? route.msg : E.SYNTAX, 'watch');
          return;
        }
        if (s.watch !== null && s.watch.slot !== route.slot) {
          s.error(E.CROSSSLOT, 'watch');
          return;
        }
        if (s.watch === null) {
          const conn = s.dedicated(route.slot);
          if (conn === null) {
            s.error('ERR the proxy has no slot table yet', 'watch');
            return;
          }
          s.watch = { slot: route.slot, conn };
        }
        s.watch.conn.send(argv, s.reserve('watch'));
        return;
      }
      case 'unwatch':
        if (s.watch !== null) {
          s.watch.conn.send(argv, s.reserve('unwatch'));
          const c = s.watch.conn;
          s.watch = null;
          setImmediate(() => c.close());
        } else {
          s.localReply((w) => w.ok());
        }
        return;
    }
  }

  private static exec(s: Session): void {
    const tx = s.tx;
    if (tx === null) {
      s.error(E.EXEC_NO_MULTI, 'exec');
      return;
    }
    s.tx = null;
    const watch = s.watch;
    s.watch = null;
    if (tx.failed) {
      watch?.conn.close();
      s.error(E.EXEC_ABORT, 'exec');
      return;
    }
    let conn: BackendConn | null;
    if (watch !== null) conn = watch.conn;
    else if (tx.slot >= 0) conn = s.proxy.router.backendFor(tx.slot, s.db, false, s.resp);
    else if (tx.cmds.length === 0) {
      s.localReply((w) => w.array(0));
      return;
    } else conn = s.proxy.router.backendFor(0, s.db, false, s.resp);
    if (conn === null) {
      s.error('ERR the proxy has no slot table yet', 'exec');
      return;
    }
    const fill = s.reserve('exec');
    conn.send(['MULTI'], DISCARD_REPLY);
    for (const c of tx.cmds) conn.send(c, DISCARD_REPLY);
    conn.send(['EXEC'], (r) => {
      fill(r);
      if (watch !== null) watch.conn.close();
    });
  }
}
