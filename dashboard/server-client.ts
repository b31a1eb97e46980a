/*
 * The dashboard's own commands to servers (migration batches, INFO): one
 * BackendConn per use, replies decoded, error replies thrown.
 */
import { BackendConn } from '../proxy/backend.js';
import { decodeReply, ReplyErrorValue, type ReplyValue } from '../common/resp/reply.js';

export class ServerCommandError extends Error {}

export class ServerClient {
  private readonly conn: BackendConn;

  constructor(readonly addr: string, auth: string, db: number, private readonly timeoutMs: number) {
    this.conn = new BackendConn(addr, { auth, db, timeoutMs, noReconnect: true });
  }

  /** The reply; a server that does not answer within the timeout (frozen, partitioned) fails the call and the connection. */
  call(argv: readonly string[]): Promise<ReplyValue> {
    return new Promise((resolve, reject) => {
      // BackendConn leaves timeouts to its owner's timer: here each call has its own.
      const timer = setTimeout(() => this.conn.close(), this.timeoutMs);
      this.conn.send(argv, (r) => {
        clearTimeout(timer);
        const v = decodeReply(r);
        if (v instanceof ReplyErrorValue) reject(new ServerCommandError(`${this.addr}: ${argv[0]}: ${v.message}`));
        else resolve(v);
      });
    });
  }

  close(): void {
    this.conn.close();
  }
}

/** INFO's "field:value" lines of one or all sections. */
export function parseInfo(text: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const l of text.split('\r\n')) {
    const i = l.indexOf(':');
    if (i > 0 && l[0] !== '#') m.set(l.slice(0, i), l.slice(i + 1));
  }
  return m;
}
