/**
 * The SQLite outbox's tables and indexes, created when missing, and the migrations of files written in earlier
 * layouts, run when the file is opened.
 */
import type Database from "better-sqlite3"
import { COLLIDED, KEY_INDEXES, keyIndex } from "./keyIndex.js"
import { WRITES_TABLE } from "./writes.js"

/**
 * One row per accepted event. An event's id is not stored: it is made from `accepted_at` and `seq` (see `eventId`),
 * so storing an event writes no id index and generates no random id, both a large part of what storing a batch
 * cost. `accepted_at` never changes; `queued_at` is when the event last entered the queue (accepted, or re-queued
 * by an operator) and is what the maximum age counts from. Keys are unique through the indexes `keyIndex.ts` tells
 * of, by `key_index` or by their text.
 */
const TABLE = `
CREATE TABLE IF NOT EXISTS outbox_events (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  idempotency_key TEXT NOT NULL,
  key_index INTEGER NOT NULL,
  payload TEXT NOT NULL,
  bytes INTEGER NOT NULL,
  state TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  accepted_at INTEGER NOT NULL,
  queued_at INTEGER NOT NULL,
  next_attempt_at INTEGER NOT NULL,
  finished_at INTEGER,
  last_error TEXT,
  legacy_id TEXT
)`

/**
 * Events by state, an index a state holding only its rows (the pending ones in the order they are due): a delivered
 * event, most of the table, is in none of them, so delivering one removes an entry rather than moving it, and the
 * indexes stay the size of what is held. Queries name one state each (`state = 'pending'`), which is what lets SQLite
 * use these indexes.
 */
const INDEXES = `${KEY_INDEXES}
CREATE INDEX IF NOT EXISTS outbox_pending ON outbox_events(next_attempt_at, seq) WHERE state = 'pending';
CREATE INDEX IF NOT EXISTS outbox_in_flight ON outbox_events(seq) WHERE state = 'in_flight';
CREATE INDEX IF NOT EXISTS outbox_dead ON outbox_events(seq) WHERE state = 'dead';
-- Only finished rows (for pruning): a new event adds nothing to it, so storing one updates one index less.
CREATE INDEX IF NOT EXISTS outbox_finished_at ON outbox_events(state, finished_at) WHERE finished_at IS NOT NULL;
CREATE INDEX IF NOT EXISTS outbox_legacy_id ON outbox_events(legacy_id) WHERE legacy_id IS NOT NULL;
`

/**
 * A bulk sync's record (`outbox_syncs`) and its records' events (`outbox_sync_events`, by `seq`, one row a record):
 * those it stored and those whose keys were stored before, so its progress covers every record it was sent. A record
 * sent again (a retry) is the same row: `accepted` counts the rows, `existing` each sending of a key already stored.
 */
const SYNC_TABLES = `
CREATE TABLE IF NOT EXISTS outbox_syncs (
  rowid INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  kind TEXT NOT NULL,
  source TEXT NOT NULL,
  accepted INTEGER NOT NULL,
  existing INTEGER NOT NULL,
  refused INTEGER NOT NULL,
  started_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS outbox_syncs_updated_at ON outbox_syncs(updated_at);
CREATE TABLE IF NOT EXISTS outbox_sync_events (
  sync INTEGER NOT NULL,
  seq INTEGER NOT NULL
);
`

/** One row that `probe` rewrites: a commit that touches no event, to tell whether storing works again. */
const PROBE = "CREATE TABLE IF NOT EXISTS outbox_probe (id INTEGER PRIMARY KEY CHECK (id = 1), at INTEGER NOT NULL)"

/**
 * The layout this version writes, kept in the file's `user_version`: 0 for those written before it was kept (the
 * tables tell which of those layouts a file has), 3 since keys are indexed as `keyIndex.ts` says and events by
 * state as `INDEXES` does.
 */
export const LAYOUT = 3

/** Brings an opened file to the current layout: what is missing is created, what an earlier layout left is moved. */
export const createSchema = (db: Database.Database, move: Pick<MoveOptions, "notice" | "refusal"> = {}): void => {
  const layout = db.pragma("user_version", { simple: true }) as number
  if (layout > LAYOUT) {
    throw new Error(
      `The outbox file was written by a newer version of the server (layout ${layout}; this one knows layouts up to ${LAYOUT})`
    )
  }
  moveEarlierEvents(db, move)
  db.exec(TABLE)
  // The earlier layouts' index of every event by state, delivered ones too.
  db.exec("DROP INDEX IF EXISTS outbox_due")
  db.exec(INDEXES)
  db.exec(SYNC_TABLES)
  migrateSyncRecords(db)
  db.exec(PROBE)
  db.exec(WRITES_TABLE)
  if (layout !== LAYOUT) db.pragma(`user_version = ${LAYOUT}`)
}

const COLUMNS =
  "seq, idempotency_key, payload, bytes, state, attempts, accepted_at, queued_at, next_attempt_at, finished_at, last_error, legacy_id"

/**
 * The tables of earlier layouts, renamed while their events are moved to the current one, and how each gives the
 * values of `COLUMNS`. The first layout stored a random id per event, with a unique index on it: its events keep their
 * ids (as `legacy_id`), so an id handed out before the upgrade still finds its event, and their queue time is when
 * they were accepted. The second made keys unique with a unique index on their text.
 */
const EARLIER = [
  {
    table: "outbox_events_v1",
    hasColumn: "id",
    select: `seq, idempotency_key, payload, bytes, state, attempts, accepted_at, accepted_at, next_attempt_at,
             finished_at, last_error, id`
  },
  { table: "outbox_events_v2", lacksColumn: "key_index", select: COLUMNS }
] as const

/**
 * Events moved a transaction at a time (see `moveEarlierEvents`): each transaction holds the file's write lock, and a
 * guest of the data folder waiting for it gives up after its busy timeout, so each stays well inside one.
 */
export const MOVE_ROWS = 50_000

const tableExists = (db: Database.Database, name: string) =>
  db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(name) !== undefined

/** The earlier layout `outbox_events` is in, if it is in one. */
const earlierLayout = (db: Database.Database) => {
  const columns = (db.pragma("table_info(outbox_events)") as Array<{ name: string }>).map((column) => column.name)
  return EARLIER.find((layout) =>
    "hasColumn" in layout
      ? columns.includes(layout.hasColumn)
      : columns.length > 0 && !columns.includes(layout.lacksColumn)
  )
}

/** Whether the file holds events of an earlier layout, in its table or in one renamed while they are moved. */
const holdsEarlierEvents = (db: Database.Database) =>
  db.transaction(() => earlierLayout(db) !== undefined || EARLIER.some(({ table }) => tableExists(db, table)))()

export interface MoveOptions {
  readonly rowsAtATime?: number | undefined
  /** At most this many transactions (all it takes, by default). */
  readonly transactions?: number | undefined
  /** Told, before the move starts or goes on, how many events it moves. */
  readonly notice?: ((text: string) => void) | undefined
  /**
   * Why this process may not move the file, when it may not: it then fails instead, should the file need moving. A
   * guest of the data folder may not: its owner may be a server of an earlier version, still storing events in the
   * earlier layout while they would be moved.
   */
  readonly refusal?: string | undefined
}

/**
 * Moves the events of an earlier layout to the current table, each key indexed as `keyIndex.ts` says. The earlier
 * table is renamed and an empty current one made in place of it; then its events move `rowsAtATime` a transaction,
 * in order of seq; then it is dropped, and the sequence goes on from where it was, so no seq is used twice. Answers
 * whether the move is done.
 *
 * A large outbox takes a while, and nothing is served meanwhile: a process stopped halfway (say, by a supervisor
 * whose health check the server did not answer) goes on from where it stopped when it opens the file again, rather
 * than starting over. Each step reads where the move is inside its transaction, so a second process moving the file
 * at the same time helps rather than harms. A file that needs no move is only read: opening it takes no write lock.
 */
export const moveEarlierEvents = (
  db: Database.Database,
  { rowsAtATime = MOVE_ROWS, transactions = Number.POSITIVE_INFINITY, notice, refusal }: MoveOptions = {}
): boolean => {
  if (!holdsEarlierEvents(db)) return true
  if (refusal !== undefined) throw new Error(refusal)
  let left = transactions
  db.transaction(() => {
    const earlier = earlierLayout(db)
    if (earlier === undefined) return
    left--
    db.exec(`ALTER TABLE outbox_events RENAME TO ${earlier.table}`)
    // Index names are the schema's, not a table's: the earlier table's give way to the current table's, which the
    // move then fills row by row rather than building at its end.
    db.exec(`DROP INDEX IF EXISTS outbox_due; DROP INDEX IF EXISTS outbox_finished_at;
             DROP INDEX IF EXISTS outbox_legacy_id;`)
    db.exec(TABLE)
    db.exec(INDEXES)
  }).immediate()
  db.function("outbox_key_index", { deterministic: true }, keyIndex)
  for (const { table, select } of EARLIER) {
    if (left <= 0) break
    const waiting = db.transaction(() =>
      tableExists(db, table)
        ? (db
            .prepare(`SELECT COUNT(*) FROM ${table} WHERE seq > (SELECT COALESCE(MAX(seq), 0) FROM outbox_events)`)
            .pluck()
            .get() as number)
        : undefined
    )()
    if (waiting === undefined) continue
    if (waiting > 0) {
      notice?.(
        `Event outbox: moving ${waiting} events written by an earlier version to the current layout before the ` +
          `server starts (${rowsAtATime} a transaction; a process stopped meanwhile goes on where it stopped)`
      )
    }
    const moveSome = db.transaction((): boolean => {
      if (!tableExists(db, table)) return false
      const after = db.prepare("SELECT COALESCE(MAX(seq), 0) FROM outbox_events").pluck().get() as number
      const upTo = db
        .prepare(`SELECT MAX(seq) FROM (SELECT seq FROM ${table} WHERE seq > ? ORDER BY seq LIMIT ?)`)
        .pluck()
        .get(after, rowsAtATime) as number | null
      if (upTo === null) {
        db.exec(`DELETE FROM sqlite_sequence WHERE name = 'outbox_events';
                 UPDATE sqlite_sequence SET name = 'outbox_events' WHERE name = '${table}';
                 DROP TABLE ${table};`)
        return false
      }
      db.prepare(
        `INSERT OR IGNORE INTO outbox_events (key_index, ${COLUMNS})
         SELECT outbox_key_index(idempotency_key), ${select} FROM ${table} WHERE seq > ? AND seq <= ? ORDER BY seq`
      ).run(after, upTo)
      // A UUIDv4 key whose number an earlier key took: indexed by its text, and marked.
      db.prepare(
        `INSERT INTO outbox_events (key_index, ${COLUMNS})
         SELECT ${COLLIDED}, ${select} FROM ${table} AS earlier WHERE earlier.seq > ? AND earlier.seq <= ?
           AND NOT EXISTS (SELECT 1 FROM outbox_events AS moved WHERE moved.seq = earlier.seq)`
      ).run(after, upTo)
      return true
    }).immediate
    while (left > 0) {
      left--
      if (!moveSome()) break
    }
  }
  return !holdsEarlierEvents(db)
}

/**
 * Keeps a sync's record one row. Outboxes written before it held a row per sending (a retry added the record again):
 * the repeats go, each sync's count is made again from its rows, and this index takes the place of the one by sync.
 */
const migrateSyncRecords = (db: Database.Database) => {
  if (db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = 'outbox_sync_events_record'").get()) {
    return
  }
  db.transaction(() => {
    db.exec(`DELETE FROM outbox_sync_events WHERE rowid NOT IN (SELECT MIN(rowid) FROM outbox_sync_events GROUP BY sync, seq);
      CREATE UNIQUE INDEX outbox_sync_events_record ON outbox_sync_events(sync, seq);
      DROP INDEX IF EXISTS outbox_sync_events_sync;
      UPDATE outbox_syncs SET accepted = (SELECT COUNT(*) FROM outbox_sync_events m WHERE m.sync = outbox_syncs.rowid);`)
  })()
}
