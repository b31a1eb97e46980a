/*
 * HELLO's reply, the same from the engine and the proxy: the map Redis 7
 * sends, so clients that check server, version or proto see Redis.
 */
import type { Writer } from './writer.js';

export function writeHelloReply(w: Writer, id: number, role: 'master' | 'replica'): void {
  w.map(7);
  w.bulkStr('server'); w.bulkStr('redis');
  w.bulkStr('version'); w.bulkStr('7.0.15');
  w.bulkStr('proto'); w.int(w.resp);
  w.bulkStr('id'); w.int(id);
  w.bulkStr('mode'); w.bulkStr('standalone');
  w.bulkStr('role'); w.bulkStr(role);
  w.bulkStr('modules'); w.array(0);
}
