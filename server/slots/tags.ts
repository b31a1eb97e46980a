/*
 * Hash tags for the SLOTSMGRTTAG* commands, sync and async alike: a key and
 * every key of its slot with the same tag move together (Codis's tag-mates).
 * The tag is the slot function's: the bytes between the first '{' and the
 * first '}' after it when they are not empty; an empty `{}` is no tag.
 */
import { hashTagRangeLatin1, slotOfLatin1 } from '../../common/slots.js';
import type { Db } from '../db/keyspace.js';

/** The hash tag of a key held as a latin1 string, or null when it has none. */
export function tagOf(key: string): string | null {
  const [start, end] = hashTagRangeLatin1(key);
  return start === 0 && end === key.length ? null : key.slice(start, end);
}

/** The key and every key of its slot sharing its hash tag (just the key when it has no tag). */
export function tagMates(db: Db, key: string): string[] {
  const tag = tagOf(key);
  if (tag === null) return [key];
  return (db.slotKeys[slotOfLatin1(key)] ?? []).filter((k) => tagOf(k) === tag);
}
