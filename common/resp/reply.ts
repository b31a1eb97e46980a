/*
 * Decodes one complete RESP2 reply (as BackendConn hands them over) into
 * plain values, for the internal clients that act on replies (the
 * dashboard's migration and health checks) rather than forward them.
 */
export type ReplyValue = string | number | null | ReplyValue[] | ReplyErrorValue;

export class ReplyErrorValue {
  constructor(readonly message: string) {}
}

export function decodeReply(buf: Buffer): ReplyValue {
  let pos = 0;
  const line = (): string => {
    const end = buf.indexOf(13, pos);
    const s = buf.toString('latin1', pos + 1, end);
    pos = end + 2;
    return s;
  };
  const one = (): ReplyValue => {
    const t = buf[pos];
    const l = line();
    switch (t) {
      case 43: return l; // +
      case 45: return new ReplyErrorValue(l); // -
      case 58: return Number(l); // :
      case 36: { // $
        const n = Number(l);
        if (n < 0) return null;
        const s = buf.toString('utf8', pos, pos + n);
        pos += n + 2;
        return s;
      }
      case 42: { // *
        const n = Number(l);
        if (n < 0) return null;
        const out: ReplyValue[] = [];
        for (let i = 0; i < n; i++) out.push(one());
        return out;
      }
      default: throw new Error(`unexpected reply type ${String.fromCharCode(t ?? 63)}`);
    }
  };
  return one();
}
