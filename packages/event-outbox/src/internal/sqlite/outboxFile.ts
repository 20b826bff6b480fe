/**
 * The outbox file and its queries: SQLite through better-sqlite3, synchronous. It runs on the outbox's own thread
 * (`outboxThread.ts`), so its inserts, commits and fsyncs never hold up the thread that serves requests. Storing
 * events is `groupCommit.ts`; the tables and their migrations are `schema.ts`.
 */
import { mkdirSync, statSync } from "node:fs"
import { dirname } from "node:path"
import Database from "better-sqlite3"
import type { Counts, EventRef, EventState, HeldRow, SyncCounts } from "../../OutboxStore.js"
import { describeFailure } from "../describeFailure.js"
import { parseEventId } from "../eventId.js"
import { deadRow, type FinishedRow, heldRow, type StoredRow } from "../storedRows.js"
import { type SyncRow, type SyncStateRow, syncCounts } from "../syncCounts.js"
import { type ClaimedBatch, packClaimed } from "./claimedBatch.js"
import { countsOfFile } from "./countsOfFile.js"
import { groupCommit } from "./groupCommit.js"
import { BY_NUMBER, BY_TEXT, rowByKey } from "./keyIndex.js"
import { createSchema } from "./schema.js"
import { writes } from "./writes.js"

export interface Options {
  readonly filename: string
  readonly maxRows: number
  readonly maxBytes: number
  /** How long a write waits for a lock another connection holds before it fails. */
  readonly busyTimeoutMillis: number
  /** Whether a file of an earlier layout is moved to the current one (see `moveEarlierEvents`); by default it is. */
  readonly movesEarlierLayout?: boolean | undefined
}

const GUEST_REFUSAL =
  "The outbox file was written by an earlier version of the server, which may still be storing events in it; a " +
  "guest of the data folder does not move it to the current layout: start the server of this version, which does"

/**
 * Whether the file is still the one opened. Deleted (or replaced) while open, it still reads and writes through the
 * open descriptor, but what it stores is lost at the next start: new events are refused from then on (delivery of
 * those stored before goes on). Asked with a stat per commit, not per event; answers why, once it is lost.
 */
const watchFile = (filename: string): (() => string | undefined) => {
  if (filename === ":memory:") return () => undefined
  const opened = statSync(filename)
  let lost: string | undefined
  return () => {
    if (lost !== undefined) return lost
    const now = statSync(filename, { throwIfNoEntry: false })
    if (now !== undefined && now.ino === opened.ino && now.dev === opened.dev) return undefined
    lost = `the file ${filename} was ${now === undefined ? "deleted" : "replaced"} while the server ran; events stored before are still delivered: restart the server once they are`
    return lost
  }
}

/** Opens the file, brought to the current layout; `notice` is told what the server's log should say meanwhile. */
export const open = (options: Options, notice?: (text: string) => void) => {
  if (options.filename !== ":memory:") mkdirSync(dirname(options.filename), { recursive: true })
  const db = new Database(options.filename)
  db.pragma("journal_mode = WAL")
  db.pragma("synchronous = FULL")
  db.pragma(`busy_timeout = ${Math.max(0, Math.round(options.busyTimeoutMillis))}`)
  db.pragma("journal_size_limit = 67108864")
  // Checkpoints move the log's pages into the file; at SQLite's default (every 1000 pages) a commit of events with
  // keys in no order, which touches pages all over the key index, set one off nearly every time, and a page changed
  // by many commits was copied once a commit. Every 16384 pages (64 MiB, the log's size limit above) copies it once.
  db.pragma("wal_autocheckpoint = 16384")
  // Pages kept in memory: 16 MiB rather than SQLite's 2 MiB. Events with keys in no order (UUIDs) each land on a page
  // of the key index of their own, and once that index outgrew the cache every event read its page back from the
  // file. The cache fills only as pages are read, so a small outbox uses no more than before. Not more: a commit that
  // split an index page ends by walking the cache's whole hash table (SQLite moves a page through the number of its
  // lock page, past the end of the file, while it orders new pages), so with a larger cache, events with keys in
  // order were stored more slowly and those without order no faster.
  db.pragma("cache_size = -16384")
  createSchema(db, { notice, refusal: options.movesEarlierLayout === false ? GUEST_REFUSAL : undefined })
  const fileLost = watchFile(options.filename)
  const appends = groupCommit(db, options, fileLost)

  const statements = {
    // Oldest first in the order of the outbox_pending index (a new event is due when accepted), so a claim reads
    // `limit` index entries rather than sorting every due event.
    claim: db.prepare(
      `UPDATE outbox_events SET state = 'in_flight', attempts = attempts + 1
       WHERE seq IN (SELECT seq FROM outbox_events WHERE state = 'pending' AND next_attempt_at <= ?
                     ORDER BY next_attempt_at, seq LIMIT ?)
       RETURNING seq, legacy_id, idempotency_key, payload, bytes, attempts, accepted_at`
    ),
    // The batch's rows in one statement (their seqs as a JSON array) rather than a statement a row. It returns no
    // rows: the caller tells their size (see `markDelivered`).
    delivered: db.prepare(
      `UPDATE outbox_events SET state = 'delivered', finished_at = ?, last_error = NULL
       WHERE seq IN (SELECT value FROM json_each(?)) AND state <> 'delivered'`
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
      `SELECT (SELECT COUNT(*) FROM outbox_events WHERE state = 'pending') AS pending,
         (SELECT COUNT(*) FROM outbox_events WHERE state = 'in_flight') AS in_flight,
         (SELECT COUNT(*) FROM outbox_events WHERE state = 'dead') AS dead`
    ),
    // A delivered event always has its finished_at: the index of finished rows counts them.
    countDelivered: db.prepare(
      "SELECT COUNT(*) AS n FROM outbox_events WHERE state = 'delivered' AND finished_at IS NOT NULL"
    ),
    oldest: db.prepare(
      `SELECT MIN(at) AS at FROM (SELECT MIN(accepted_at) AS at FROM outbox_events WHERE state = 'pending'
         UNION ALL SELECT MIN(accepted_at) FROM outbox_events WHERE state = 'in_flight')`
    ),
    findById: db.prepare(
      `SELECT seq, state, legacy_id, idempotency_key, payload, bytes, attempts, accepted_at, last_error, finished_at
       FROM outbox_events WHERE seq = ? AND accepted_at = ?`
    ),
    findByLegacyId: db.prepare(
      `SELECT seq, state, legacy_id, idempotency_key, payload, bytes, attempts, accepted_at, last_error, finished_at
       FROM outbox_events WHERE legacy_id = ?`
    ),
    findByNumber: db.prepare(
      `SELECT seq, state, legacy_id, idempotency_key, payload, bytes, attempts, accepted_at, last_error, finished_at
       FROM outbox_events WHERE ${BY_NUMBER}`
    ),
    findByText: db.prepare(
      `SELECT seq, state, legacy_id, idempotency_key, payload, bytes, attempts, accepted_at, last_error, finished_at
       FROM outbox_events WHERE ${BY_TEXT}`
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

  // Delivered rows are most of the table: counted at open, then kept count of, and counted again once another
  // connection to the file has committed (see `countsOfFile.ts`).
  let deliveredRows = 0
  const delivered = countsOfFile(db, () => {
    deliveredRows = (statements.countDelivered.get() as { n: number }).n
  })
  delivered.now()
  const { pruneWrites, ...keys } = writes(db)

  return {
    ...keys,
    store: appends.store,
    claim: (limit: number, now: number): ClaimedBatch =>
      packClaimed(statements.claim.all(now, limit) as Array<StoredRow>),
    /**
     * Marks the events (`seqs`, `bytes` in all) delivered; answers how many were not already. Only this process
     * sends the rows it claimed, so all of them are still in flight; were one not, what is held is counted again.
     */
    markDelivered: (seqs: ReadonlyArray<number>, bytes: number, now: number): number => {
      const count = statements.delivered.run(now, JSON.stringify(seqs)).changes
      if (count === seqs.length) appends.release(count, bytes)
      else appends.recount()
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
    counts: (): Counts => {
      delivered.ifOthersCommitted()
      const byState = statements.counts.get() as { pending: number; in_flight: number; dead: number }
      return {
        pending: byState.pending,
        inFlight: byState.in_flight,
        delivered: deliveredRows,
        dead: byState.dead,
        oldestPendingAcceptedAt: (statements.oldest.get() as { at: number | null }).at
      }
    },
    /** The event by its id (of either form) or its key. */
    find: (ref: EventRef): HeldRow | undefined => {
      let row: unknown
      if ("idempotencyKey" in ref) {
        row = rowByKey(statements.findByNumber, statements.findByText, ref.idempotencyKey)
      } else {
        const named = parseEventId(ref.id)
        row = named ? statements.findById.get(named.seq, named.acceptedAt) : statements.findByLegacyId.get(ref.id)
      }
      return row === undefined ? undefined : heldRow(row as FinishedRow & { state: EventState })
    },
    deadLetters: (limit: number, offset: number) =>
      (statements.deadLetters.all(limit, offset) as Array<FinishedRow>).map(deadRow),
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
        pruneWrites(before)
        return statements.prune.run(before).changes
      })()
      deliveredRows -= pruned
      return pruned
    },
    syncStatus: (id: string): SyncCounts | undefined => {
      const sync = statements.sync.get(id) as (SyncRow & { rowid: number }) | undefined
      return sync === undefined
        ? undefined
        : syncCounts(sync, statements.syncStates.all(sync.rowid) as Array<SyncStateRow>)
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
