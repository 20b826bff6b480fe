/**
 * How the SQLite outbox finds an event by its idempotency key. Keys are unique through one of two indexes:
 *
 * - a key that is a UUIDv4 in its usual form (lower-case hex, with hyphens) is indexed by a number made of 52 of its
 *   random bits, the twelve hex digits before its version digit and the one after (`key_index`, at least 0). An entry
 *   of the index is then a few bytes rather than the key's 36 characters, and since such keys come in no order, each
 *   lands on a page of the index of its own: with the smaller entries, a commit rewrites fewer pages and splits fewer;
 * - any other key is indexed by its text (`key_index` is `TEXT`), where keys that rise (a counter, a UUIDv7, a time)
 *   keep landing at the end of the index, as they did before.
 *
 * Two UUIDv4 keys may share those bits. The second to be stored is then indexed by its text and marked (`key_index`
 * is `COLLIDED`). While any row is so marked, a UUIDv4 key is looked for by its text as well before it is stored,
 * since the row holding its number may have been pruned while the marked one was kept.
 *
 * `key_index` is never null: a process of an earlier version, which names no `key_index` when it stores an event,
 * has its rows refused and fails loudly rather than storing a key this layout would not find.
 */

import type Database from "better-sqlite3"

/** `key_index` of a UUIDv4 key whose number another key held when it was stored: indexed by its text instead. */
export const COLLIDED = -1

/** `key_index` of a key that is not a UUIDv4 in its usual form: indexed by its text. */
export const TEXT = -2

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/

/** The number a key is indexed by, or `TEXT` for a key indexed by its text. */
export const keyIndex = (key: string): number =>
  key.length === 36 && UUID_V4.test(key)
    ? // 13 hex digits, 52 bits: exact in a double.
      Number.parseInt(key.slice(0, 8) + key.slice(9, 13) + key.slice(15, 16), 16)
    : TEXT

/** The table's unique indexes on keys (see above), and the one that tells whether any key is marked collided. */
export const KEY_INDEXES = `
CREATE UNIQUE INDEX IF NOT EXISTS outbox_key_index ON outbox_events(key_index) WHERE key_index >= 0;
CREATE UNIQUE INDEX IF NOT EXISTS outbox_key_text ON outbox_events(idempotency_key) WHERE key_index < 0;
CREATE INDEX IF NOT EXISTS outbox_key_collided ON outbox_events(seq) WHERE key_index = ${COLLIDED};
`

/**
 * The conditions that find a key in either index. Each repeats its index's own condition word for word: SQLite uses a
 * partial index only for a query whose conditions imply the index's, and a bound number is not known to be >= 0.
 */
export const BY_NUMBER = "key_index = ? AND key_index >= 0 AND idempotency_key = ?"
export const BY_TEXT = "idempotency_key = ? AND key_index < 0"
export const ANY_COLLIDED = `SELECT 1 FROM outbox_events WHERE key_index = ${COLLIDED} LIMIT 1`

/**
 * The row holding `key` (whose index is `index`), from a statement that finds it `BY_NUMBER` and one that finds it
 * `BY_TEXT`, whatever columns they select: a UUIDv4 key is looked for by its text too, where it is when it collided.
 */
export const rowByKey = (
  byNumber: Database.Statement,
  byText: Database.Statement,
  key: string,
  index: number = keyIndex(key)
): unknown => (index === TEXT ? undefined : byNumber.get(index, key)) ?? byText.get(key)
