/**
 * The outbox file itself: SQLite through better-sqlite3, synchronous. It runs on the outbox's own thread
 * (`outboxThread.ts`), so its inserts, commits and fsyncs never hold up the thread that serves requests.
 */
import { mkdirSync, statSync } from "node:fs"
import { dirname } from "node:path"
import Database from "better-sqlite3"
import type { EventRef, EventState, HeldRow, NewEvent, OutboxRow, SyncAppend, SyncCounts } from "../OutboxStore.js"
import { syncCounts } from "./syncCounts.js"

export interface Options {
  readonly filename: string
  readonly maxRows: number
  readonly maxBytes: number
  /** How long a write waits for a lock another connection holds before it fails. */
  readonly busyTimeoutMillis: number
}

/** A storage failure as the log and the caller see it: SQLite's code (`SQLITE_FULL`, ...) and message. */
export const describeFailure = (error: unknown): string => {
  if (!(error instanceof Error)) return String(error)
  const code = (error as { readonly code?: unknown }).code
  return typeof code === "string" && !error.message.includes(code) ? `${code}: ${error.message}` : error.message
}

/**
 * One row per accepted event. An event's id is not stored: it is made from `accepted_at` and `seq` (see `eventId`),
 * so storing an event writes no id index and generates no random id, both a large part of what storing a batch
 * cost. `accepted_at` never changes; `queued_at` is when the event last entered the queue (accepted, or re-queued
 * by an operator) and is what the maximum age counts from.
 */
const TABLE = `
CREATE TABLE IF NOT EXISTS outbox_events (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  idempotency_key TEXT NOT NULL UNIQUE,
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

const INDEXES = `
CREATE INDEX IF NOT EXISTS outbox_due ON outbox_events(state, next_attempt_at, seq);
-- Only finished rows (for pruning): a new event adds nothing to it, which makes storing a batch about 14% cheaper.
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

/** One row that `probe` rewrites: a commit that touches no event, to tell whether storing works again. */
const PROBE = "CREATE TABLE IF NOT EXISTS outbox_probe (id INTEGER PRIMARY KEY CHECK (id = 1), at INTEGER NOT NULL)"

/**
 * Outboxes written by 0.1 stored a random id per event, with a unique index on it. Their rows move to the current
 * table in one transaction and keep their ids (as `legacy_id`), so an id handed out before the upgrade still finds
 * its event.
 */
const migrate = (db: Database.Database) => {
  const columns = (db.pragma("table_info(outbox_events)") as Array<{ name: string }>).map((column) => column.name)
  if (!columns.includes("id")) return
  db.transaction(() => {
    db.exec("ALTER TABLE outbox_events RENAME TO outbox_events_v1")
    db.exec(TABLE)
    db.exec(`INSERT INTO outbox_events (seq, idempotency_key, payload, bytes, state, attempts, accepted_at, queued_at,
               next_attempt_at, finished_at, last_error, legacy_id)
             SELECT seq, idempotency_key, payload, bytes, state, attempts, accepted_at, accepted_at,
               next_attempt_at, finished_at, last_error, id FROM outbox_events_v1`)
    db.exec("DROP TABLE outbox_events_v1")
  })()
}

/**
 * `oev_`, then the acceptance time in milliseconds (12 hex digits), then `seq` (20 hex digits): 32 hex digits in
 * time order. Both parts are stored and never change, so the id is stable; `seq` alone makes it unique in this
 * outbox, and the time keeps ids from a wiped and restarted outbox from repeating earlier ones.
 */
const eventId = (acceptedAt: number, seq: number) => idPrefix(acceptedAt) + seqHex(seq)

const idPrefix = (acceptedAt: number) => `oev_${acceptedAt.toString(16).padStart(12, "0")}`
const seqHex = (seq: number) => seq.toString(16).padStart(20, "0")

const EVENT_ID = /^oev_([0-9a-f]{12})(0{7}[0-9a-f]{13})$/

/** The stored columns an id names, or undefined when it is not an id of this form. */
const parseEventId = (id: string): { readonly acceptedAt: number; readonly seq: number } | undefined => {
  const match = EVENT_ID.exec(id)
  return match ? { acceptedAt: Number.parseInt(match[1]!, 16), seq: Number.parseInt(match[2]!, 16) } : undefined
}

interface Row {
  seq: number
  state?: EventState
  legacy_id: string | null
  idempotency_key: string
  payload: string
  bytes: number
  attempts: number
  accepted_at: number
  last_error: string | null
  finished_at: number | null
}

const toOutboxRow = (row: Row): OutboxRow => ({
  seq: row.seq,
  id: row.legacy_id ?? eventId(row.accepted_at, row.seq),
  idempotencyKey: row.idempotency_key,
  payload: row.payload,
  bytes: row.bytes,
  attempts: row.attempts,
  acceptedAt: row.accepted_at
})

const deadRow = (row: Row) => ({
  ...toOutboxRow(row),
  error: row.last_error ?? "",
  deadAt: row.finished_at ?? row.accepted_at
})

/** One request's events, and the sync they belong to, if any. */
export interface StoreRequest {
  readonly events: ReadonlyArray<NewEvent>
  readonly sync?: SyncAppend | undefined
}

interface SyncRow {
  rowid: number
  id: string
  kind: string
  source: string
  accepted: number
  existing: number
  refused: number
  started_at: number
  updated_at: number
}

/**
 * What storing one request's events came to: their ids (and which keys were stored before), a full outbox, or a
 * storage failure (SQLite's own, described by `describeFailure`).
 */
export type Stored =
  | { readonly ids: ReadonlyArray<string>; readonly existing: ReadonlyArray<number> }
  | { readonly full: string }
  | { readonly failed: string }

export const open = (options: Options) => {
  if (options.filename !== ":memory:") mkdirSync(dirname(options.filename), { recursive: true })
  const db = new Database(options.filename)
  db.pragma("journal_mode = WAL")
  db.pragma("synchronous = FULL")
  db.pragma(`busy_timeout = ${Math.max(0, Math.round(options.busyTimeoutMillis))}`)
  db.pragma("journal_size_limit = 67108864")
  migrate(db)
  db.exec(TABLE)
  db.exec(INDEXES)
  db.exec(SYNC_TABLES)
  migrateSyncRecords(db)
  db.exec(PROBE)

  // The file as opened. Deleted (or replaced) while open, it still reads and writes through the open descriptor,
  // but what it stores is lost at the next start: new events are refused from then on (delivery of those stored
  // before goes on). Checked with a stat per commit, not per event.
  const opened = options.filename === ":memory:" ? undefined : statSync(options.filename)
  let lost: string | undefined
  const fileLost = (): string | undefined => {
    if (opened === undefined || lost !== undefined) return lost
    const now = statSync(options.filename, { throwIfNoEntry: false })
    if (now !== undefined && now.ino === opened.ino && now.dev === opened.dev) return undefined
    lost = `the file ${options.filename} was ${now === undefined ? "deleted" : "replaced"} while the server ran; events stored before are still delivered: restart the server once they are`
    return lost
  }

  const statements = {
    insert: db.prepare(
      `INSERT INTO outbox_events (idempotency_key, payload, bytes, state, accepted_at, queued_at, next_attempt_at)
       VALUES (?, ?, ?, 'pending', ?, ?, ?) ON CONFLICT (idempotency_key) DO NOTHING`
    ),
    byKey: db.prepare("SELECT seq, accepted_at, legacy_id FROM outbox_events WHERE idempotency_key = ?"),
    held: db.prepare(
      "SELECT COUNT(*) AS rows, COALESCE(SUM(bytes), 0) AS bytes FROM outbox_events WHERE state != 'delivered'"
    ),
    // Oldest first in the order of the outbox_due index (a new event is due when accepted), so a claim reads
    // `limit` index entries rather than sorting every due event.
    claim: db.prepare(
      `UPDATE outbox_events SET state = 'in_flight', attempts = attempts + 1
       WHERE seq IN (SELECT seq FROM outbox_events WHERE state = 'pending' AND next_attempt_at <= ?
                     ORDER BY next_attempt_at, seq LIMIT ?)
       RETURNING seq, legacy_id, idempotency_key, payload, bytes, attempts, accepted_at`
    ),
    delivered: db.prepare(
      "UPDATE outbox_events SET state = 'delivered', finished_at = ?, last_error = NULL WHERE seq = ? AND state <> 'delivered'"
    ),
    retry: db.prepare("UPDATE outbox_events SET state = 'pending', next_attempt_at = ? WHERE seq = ?"),
    dead: db.prepare(
      "UPDATE outbox_events SET state = 'dead', finished_at = ?, last_error = ? WHERE seq = ? AND state = 'in_flight'"
    ),
    expire: db.prepare(
      "UPDATE outbox_events SET state = 'dead', finished_at = ?, last_error = ? WHERE state = 'pending' AND queued_at < ?"
    ),
    recover: db.prepare("UPDATE outbox_events SET state = 'pending' WHERE state = 'in_flight'"),
    // Delivered rows are most of the table; they are counted once at open and then kept count of (below).
    counts: db.prepare(
      "SELECT state, COUNT(*) AS n FROM outbox_events WHERE state IN ('pending', 'in_flight', 'dead') GROUP BY state"
    ),
    countDelivered: db.prepare("SELECT COUNT(*) AS n FROM outbox_events WHERE state = 'delivered'"),
    oldest: db.prepare("SELECT MIN(accepted_at) AS at FROM outbox_events WHERE state IN ('pending', 'in_flight')"),
    findById: db.prepare(
      `SELECT seq, state, legacy_id, idempotency_key, payload, bytes, attempts, accepted_at, last_error, finished_at
       FROM outbox_events WHERE seq = ? AND accepted_at = ?`
    ),
    findByLegacyId: db.prepare(
      `SELECT seq, state, legacy_id, idempotency_key, payload, bytes, attempts, accepted_at, last_error, finished_at
       FROM outbox_events WHERE legacy_id = ?`
    ),
    findByKey: db.prepare(
      `SELECT seq, state, legacy_id, idempotency_key, payload, bytes, attempts, accepted_at, last_error, finished_at
       FROM outbox_events WHERE idempotency_key = ?`
    ),
    deadLetters: db.prepare(
      `SELECT seq, legacy_id, idempotency_key, payload, bytes, attempts, accepted_at, last_error, finished_at FROM outbox_events
       WHERE state = 'dead' ORDER BY seq LIMIT ? OFFSET ?`
    ),
    requeueAll: db.prepare(
      "UPDATE outbox_events SET state = 'pending', attempts = 0, next_attempt_at = ?, queued_at = ?, finished_at = NULL WHERE state = 'dead'"
    ),
    requeueOne: db.prepare(
      "UPDATE outbox_events SET state = 'pending', attempts = 0, next_attempt_at = ?, queued_at = ?, finished_at = NULL WHERE state = 'dead' AND seq = ? AND accepted_at = ?"
    ),
    requeueLegacy: db.prepare(
      "UPDATE outbox_events SET state = 'pending', attempts = 0, next_attempt_at = ?, queued_at = ?, finished_at = NULL WHERE state = 'dead' AND legacy_id = ?"
    ),
    prune: db.prepare("DELETE FROM outbox_events WHERE state = 'delivered' AND finished_at < ?"),
    nextDue: db.prepare("SELECT MIN(next_attempt_at) AS at FROM outbox_events WHERE state = 'pending'"),
    syncUpsert: db.prepare(
      `INSERT INTO outbox_syncs (id, kind, source, accepted, existing, refused, started_at, updated_at)
       VALUES (?, ?, ?, 0, ?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET existing = existing + excluded.existing, refused = refused + excluded.refused,
         updated_at = excluded.updated_at
       RETURNING rowid`
    ),
    // A record the sync already has (sent again) is not added again.
    syncEvent: db.prepare("INSERT INTO outbox_sync_events (sync, seq) VALUES (?, ?) ON CONFLICT DO NOTHING"),
    syncAdded: db.prepare("UPDATE outbox_syncs SET accepted = accepted + ? WHERE rowid = ?"),
    sync: db.prepare("SELECT * FROM outbox_syncs WHERE id = ?"),
    syncStates: db.prepare(
      // An event no longer found was delivered and pruned since.
      `SELECT COALESCE(e.state, 'delivered') AS state, COUNT(*) AS n, MAX(e.finished_at) AS finished
       FROM outbox_sync_events m LEFT JOIN outbox_events e ON e.seq = m.seq WHERE m.sync = ? GROUP BY 1`
    ),
    pruneSyncEvents: db.prepare(
      "DELETE FROM outbox_sync_events WHERE sync IN (SELECT rowid FROM outbox_syncs WHERE updated_at < ?)"
    ),
    pruneSyncs: db.prepare("DELETE FROM outbox_syncs WHERE updated_at < ?"),
    probe: db.prepare("INSERT INTO outbox_probe (id, at) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET at = excluded.at")
  }

  // What is held and not delivered, kept in memory so a full outbox is refused without a query.
  const initial = statements.held.get() as { rows: number; bytes: number }
  let heldRows = initial.rows
  let heldBytes = initial.bytes
  let deliveredRows = (statements.countDelivered.get() as { n: number }).n

  const storeAll = db.transaction((requests: ReadonlyArray<StoreRequest>) => {
    const now = Date.now()
    // Every event stored now shares the first half of its id.
    const prefix = idPrefix(now)
    const results: Array<Stored> = []
    for (const { events, sync } of requests) {
      const sizes = events.map((event) => Buffer.byteLength(event.payload))
      const bytes = sizes.reduce((sum, size) => sum + size, 0)
      if (heldRows + events.length > options.maxRows || heldBytes + bytes > options.maxBytes) {
        results.push({ full: `The event outbox is full (${heldRows} events, ${heldBytes} bytes held); retry later` })
        continue
      }
      const ids: Array<string> = []
      const existing: Array<number> = []
      const seqs: Array<number> = []
      for (const [index, event] of events.entries()) {
        const size = sizes[index]!
        const inserted = statements.insert.run(event.idempotencyKey, event.payload, size, now, now, now)
        if (inserted.changes === 1) {
          heldRows++
          heldBytes += size
          const seq = Number(inserted.lastInsertRowid)
          ids.push(prefix + seqHex(seq))
          seqs.push(seq)
        } else {
          const first = statements.byKey.get(event.idempotencyKey) as Pick<Row, "seq" | "accepted_at" | "legacy_id">
          ids.push(first.legacy_id ?? eventId(first.accepted_at, first.seq))
          existing.push(index)
          seqs.push(first.seq)
        }
      }
      if (sync !== undefined) {
        const { rowid } = statements.syncUpsert.get(
          sync.id,
          sync.kind,
          sync.source,
          existing.length,
          sync.refused,
          now,
          now
        ) as { rowid: number }
        let added = 0
        for (const seq of seqs) added += statements.syncEvent.run(rowid, seq).changes
        if (added > 0) statements.syncAdded.run(added, rowid)
      }
      results.push({ ids, existing })
    }
    return results
  })

  return {
    /**
     * Stores the events of several requests in one transaction (one fsync): each request all or none. When the
     * transaction fails, none is stored and each is answered with the failure.
     */
    store: (requests: ReadonlyArray<StoreRequest>): ReadonlyArray<Stored> => {
      const gone = fileLost()
      if (gone !== undefined) return requests.map(() => ({ failed: gone }))
      const rows = heldRows
      const bytes = heldBytes
      try {
        return storeAll(requests)
      } catch (error) {
        // Rolled back: what the transaction counted before it failed was never stored.
        heldRows = rows
        heldBytes = bytes
        const failed = describeFailure(error)
        return requests.map(() => ({ failed }))
      }
    },
    claim: (limit: number, now: number): ReadonlyArray<OutboxRow> =>
      (statements.claim.all(now, limit) as Array<Row>).map(toOutboxRow),
    /** Marks the events (`seqs`, of `bytes` each) delivered; answers how many were not already. */
    markDelivered: (seqs: ReadonlyArray<number>, bytes: ReadonlyArray<number>, now: number): number => {
      let count = 0
      let size = 0
      db.transaction(() => {
        for (const [index, seq] of seqs.entries()) {
          if (statements.delivered.run(now, seq).changes === 0) continue
          count++
          size += bytes[index]!
        }
      })()
      heldRows -= count
      heldBytes -= size
      deliveredRows += count
      return count
    },
    markRetry: (seqs: ReadonlyArray<number>, nextAttemptAt: number): void =>
      db.transaction(() => {
        for (const seq of seqs) statements.retry.run(nextAttemptAt, seq)
      })(),
    markDead: (seqs: ReadonlyArray<number>, error: string, now: number): number =>
      db.transaction(() => {
        let count = 0
        for (const seq of seqs) count += statements.dead.run(now, error, seq).changes
        return count
      })(),
    expire: (queuedBefore: number, error: string, now: number): number =>
      statements.expire.run(now, error, queuedBefore).changes,
    recover: (): number => statements.recover.run().changes,
    counts: () => {
      const byState = new Map(
        (statements.counts.all() as Array<{ state: string; n: number }>).map((row) => [row.state, row.n])
      )
      return {
        pending: byState.get("pending") ?? 0,
        inFlight: byState.get("in_flight") ?? 0,
        delivered: deliveredRows,
        dead: byState.get("dead") ?? 0,
        oldestPendingAcceptedAt: (statements.oldest.get() as { at: number | null }).at
      }
    },
    find: (ref: EventRef): HeldRow | undefined => {
      let row: Row | undefined
      if ("idempotencyKey" in ref) {
        row = statements.findByKey.get(ref.idempotencyKey) as Row | undefined
      } else {
        const named = parseEventId(ref.id)
        row = (named ? statements.findById.get(named.seq, named.acceptedAt) : statements.findByLegacyId.get(ref.id)) as
          | Row
          | undefined
      }
      return row === undefined
        ? undefined
        : { ...toOutboxRow(row), state: row.state!, error: row.last_error, finishedAt: row.finished_at }
    },
    deadLetters: (limit: number, offset: number) =>
      (statements.deadLetters.all(limit, offset) as Array<Row>).map(deadRow),
    requeue: (target: { readonly ids?: ReadonlyArray<string> | undefined; readonly all?: boolean }, now: number) => {
      if (target.all) return statements.requeueAll.run(now, now).changes
      return db.transaction(() => {
        let moved = 0
        for (const id of target.ids ?? []) {
          const named = parseEventId(id)
          moved += (
            named
              ? statements.requeueOne.run(now, now, named.seq, named.acceptedAt)
              : statements.requeueLegacy.run(now, now, id)
          ).changes
        }
        return moved
      })()
    },
    prune: (before: number): number => {
      const pruned = db.transaction(() => {
        statements.pruneSyncEvents.run(before)
        statements.pruneSyncs.run(before)
        return statements.prune.run(before).changes
      })()
      deliveredRows -= pruned
      return pruned
    },
    syncStatus: (id: string): SyncCounts | undefined => {
      const sync = statements.sync.get(id) as SyncRow | undefined
      return sync === undefined
        ? undefined
        : syncCounts(
            sync,
            statements.syncStates.all(sync.rowid) as Array<{ state: string; n: number; finished: number | null }>
          )
    },
    nextDueAt: (): number | null => (statements.nextDue.get() as { at: number | null }).at,
    /** Commits a write that touches no event: undefined when it worked, else the failure. */
    probe: (now: number): string | undefined => {
      const gone = fileLost()
      if (gone !== undefined) return gone
      try {
        statements.probe.run(now)
        return undefined
      } catch (error) {
        return describeFailure(error)
      }
    },
    close: (): void => {
      db.close()
    }
  }
}

export type OutboxFile = ReturnType<typeof open>
