/*
 * Splitting a multi-key command by slot owner and merging the replies, as
 * the command table's proxy policy says: MGET merges arrays back in key
 * order, MSET succeeds when every part did, DEL/EXISTS/TOUCH/UNLINK sum.
 * Replies stay raw bytes: array elements are cut out with the scanner.
 */
import { scanReply } from '../common/resp/scanner.js';

/** The raw elements of an array reply, or null if the reply is not an array. */
export function arrayElements(reply: Buffer): Buffer[] | null {
  if (reply[0] !== 42) return null;
  const cr = reply.indexOf(13);
  const n = Number(reply.toString('latin1', 1, cr));
  const out: Buffer[] = [];
  let pos = cr + 2;
  for (let i = 0; i < n; i++) {
    const end = scanReply(reply, pos);
    out.push(reply.subarray(pos, end));
    pos = end;
  }
  return out;
}

export function isError(reply: Buffer): boolean {
  return reply[0] === 45;
}

export type Merge = 'array' | 'sum' | 'ok';

/** Shared: replies are only ever written out, never modified. */
const OK = Buffer.from('+OK\r\n');

/**
 * Merges the replies of the parts. `order[i]` lists, for part i, the indexes
 * (in the original key order) of the keys it carried.
 */
export function mergeReplies(merge: Merge, replies: Buffer[], order: number[][], totalKeys: number): Buffer {
  for (const r of replies) if (isError(r)) return r;
  switch (merge) {
    case 'ok':
      return OK;
    case 'sum': {
      let n = 0;
      for (const r of replies) {
        if (r[0] !== 58) return Buffer.from('-ERR unexpected reply from backend\r\n');
        n += Number(r.toString('latin1', 1, r.length - 2));
      }
      return Buffer.from(`:${n}\r\n`);
    }
    case 'array': {
      const slots: Buffer[] = new Array<Buffer>(totalKeys);
      for (let i = 0; i < replies.length; i++) {
        const els = arrayElements(replies[i]!);
        if (els === null || els.length !== order[i]!.length) return Buffer.from('-ERR unexpected reply from backend\r\n');
        for (let j = 0; j < els.length; j++) slots[order[i]![j]!] = els[j]!;
      }
      return Buffer.concat([Buffer.from(`*${totalKeys}\r\n`), ...slots]);
    }
  }
}
