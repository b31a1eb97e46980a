/*
 * Bytes → the latin1 string used as a Map key for keys, fields and members
 * (one char per byte, so byte order is string order). latin1Slice is Node's
 * direct decoder: toString() dispatches on the encoding first, and a plain
 * Uint8Array would need a Buffer view allocated around it.
 */
const slice = (Buffer.prototype as Buffer & { latin1Slice(this: Uint8Array, start: number, end: number): string }).latin1Slice;

export function latin1(b: Uint8Array): string {
  return slice.call(b, 0, b.length);
}
