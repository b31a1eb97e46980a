/*
 * The product token check of every admin HTTP API (proxy, dashboard):
 * "Authorization: Bearer <token>", compared in constant time.
 */
import { timingSafeEqual } from 'node:crypto';

export function bearerTokenOk(header: string | undefined, token: string): boolean {
  if (header === undefined || !header.startsWith('Bearer ')) return false;
  const a = Buffer.from(header.slice(7));
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}
