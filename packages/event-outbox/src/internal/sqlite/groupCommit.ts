/**
 * Storing events in the SQLite file, on the outbox thread: the requests of one turn of its event loop go in one
 * transaction, so they share one commit and one fsync, each request all or none. What is held and not delivered is
 * kept count of in memory, so a full outbox is refused without a query.
 */
import type Database from "better-sqlite3"
import type { NewEvent, SyncAppend } from "../../OutboxStore.js"
import { describeFailure } from "../describeFailure.js"
import { countsOfFile } from "./countsOfFile.js"
import { ANY_COLLIDED, BY_NUMBER, BY_TEXT, COLLIDED, keyIndex, rowByKey, TEXT } from "./keyIndex.js"

/** One request's events, and the sync they belong to, if any. */
export interface StoreRequest {
  readonly events: ReadonlyArray<NewEvent>
  readonly sync?: SyncAppend | undefined
}

/** How each event of a stored request went: its key new, or stored before. */
export const NEW = 0
export const EXISTING = 1
/** Stored before under an id of the first layout (which goes with it). */
export const EXISTING_LEGACY = 2

/**
 * What storing one request's events came to: for each event its `seq`, `accepted_at` and whether its key was stored
 * before (`NEW`, `EXISTING`, or `EXISTING_LEGACY` with its id of the first layout next in `legacyIds`), which make its
 * id (see `eventId`); a full outbox; or a storage failure (SQLite's own, described by `describeFailure`).
 */
export type Stored =
  | { readonly events: ReadonlyArray<number>; readonly legacyIds: ReadonlyArray<string> }
  | { readonly full: string }
  | { readonly failed: string }

export interface Limits {
  readonly maxRows: number
  readonly maxBytes: number
}

export interface GroupCommit {
  /**
   * Stores the events of several requests in one transaction (one fsync): each request all or none. When the
   * transaction fails, none is stored and each is answered with the failure; while `refusing` says why (the file is
   * gone), none is tried.
   */
  readonly store: (requests: ReadonlyArray<StoreRequest>) => ReadonlyArray<Stored>
  /** Events delivered: they no longer count against the limits. */
  readonly release: (rows: number, bytes: number) => void
  /** Counts what is held again, from the file. */
  readonly recount: () => void
}

/**
 * Events are inserted `INSERT_ROWS` to a statement: a statement's run costs far more than a row's values, so one a
 * row made most of what storing a batch cost. A request's last rows go in a statement of their number of rows.
 */
export const INSERT_ROWS = 64

/**
 * A statement inserting `rows` events: the time once (`@now`), then each event's key index (see `keyIndex.ts`), key,
 * payload and size. `OR IGNORE` skips a row whose key is stored (as `ON CONFLICT DO NOTHING` would) and, unlike it,
 * lets no row stop the statement halfway, so SQLite keeps no statement journal to undo its earlier rows: with keys in
 * no order, that journal copied nearly every index page the statement touched. Only a key index can skip a row: a
 * key stored before, or a UUIDv4 key whose number another key holds (stored then on its own, see `insertAll`); if
 * anything else did, the row would not be found by its key, and the transaction fails.
 */
const insertSql = (rows: number): string =>
  `INSERT OR IGNORE INTO outbox_events (key_index, idempotency_key, payload, bytes, state, accepted_at, queued_at, next_attempt_at)
   VALUES ${Array.from({ length: rows }, () => "(?, ?, ?, ?, 'pending', @now, @now, @now)").join(", ")}`

interface KeyRow {
  readonly seq: number
  readonly accepted_at: number
  readonly legacy_id: string | null
}

export const groupCommit = (db: Database.Database, limits: Limits, refusing: () => string | undefined): GroupCommit => {
  const inserts: Array<Database.Statement> = []
  const insertOf = (rows: number) => {
    inserts[rows] ??= db.prepare(insertSql(rows))
    return inserts[rows]
  }
  const statements = {
    byNumber: db.prepare(`SELECT seq, accepted_at, legacy_id FROM outbox_events WHERE ${BY_NUMBER}`),
    byText: db.prepare(`SELECT seq, accepted_at, legacy_id FROM outbox_events WHERE ${BY_TEXT}`),
    anyCollided: db.prepare(ANY_COLLIDED).pluck(),
    insertCollided: db.prepare(
      `INSERT INTO outbox_events (key_index, idempotency_key, payload, bytes, state, accepted_at, queued_at, next_attempt_at)
       VALUES (${COLLIDED}, ?, ?, ?, 'pending', @now, @now, @now)`
    ),
    lastSeq: db.prepare("SELECT COALESCE(MAX(seq), 0) FROM outbox_events").pluck(),
    // A state at a time, so each is counted through its own index (see `schema.ts`).
    held: db.prepare(
      `SELECT COUNT(*) AS rows, COALESCE(SUM(bytes), 0) AS bytes FROM (
         SELECT bytes FROM outbox_events WHERE state = 'pending'
         UNION ALL SELECT bytes FROM outbox_events WHERE state = 'in_flight'
         UNION ALL SELECT bytes FROM outbox_events WHERE state = 'dead')`
    ),
    syncUpsert: db.prepare(
      `INSERT INTO outbox_syncs (id, kind, source, accepted, existing, refused, started_at, updated_at)
       VALUES (?, ?, ?, 0, ?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET existing = existing + excluded.existing, refused = refused + excluded.refused,
         updated_at = excluded.updated_at
       RETURNING rowid`
    ),
    // A record the sync already has (sent again) is not added again.
    syncEvent: db.prepare("INSERT INTO outbox_sync_events (sync, seq) VALUES (?, ?) ON CONFLICT DO NOTHING"),
    syncAdded: db.prepare("UPDATE outbox_syncs SET accepted = accepted + ? WHERE rowid = ?")
  }

  // What is held and not delivered (pending, in flight or dead-lettered): counted at open, then kept count of, and
  // counted again once another connection to the file has committed (see `countsOfFile.ts`).
  let heldRows = 0
  let heldBytes = 0
  const held = countsOfFile(db, () => {
    const counted = statements.held.get() as { rows: number; bytes: number }
    heldRows = counted.rows
    heldBytes = counted.bytes
  })
  held.now()
  // The counts as the transaction under way began: what it counted is undone with it, should it fail.
  let begunRows = 0
  let begunBytes = 0

  /**
   * Inserts `events` (of one request or of several), `INSERT_ROWS` to a statement: answers for each its seq, when it
   * was accepted, and whether its key was new; `lastSeq` is the highest seq stored before, and the answer's is the
   * highest after. `collided` says whether any row is marked collided (see `keyIndex.ts`): while one is, each UUIDv4
   * key is first looked for by its text, where it may be although its number is free.
   */
  const insertAll = (
    events: ReadonlyArray<NewEvent>,
    sizes: ReadonlyArray<number>,
    now: number,
    lastSeq: number,
    collided: boolean
  ) => {
    const outcomes: Array<{ seq: number; row: KeyRow | undefined }> = new Array(events.length)
    for (let from = 0; from < events.length; from += INSERT_ROWS) {
      const to = Math.min(from + INSERT_ROWS, events.length)
      // The events of this statement (by their place in `events`), and their key indexes.
      const taken: Array<number> = []
      const indexes: Array<number> = []
      const values: Array<string | number> = []
      for (let at = from; at < to; at++) {
        const key = events[at]!.idempotencyKey
        const index = keyIndex(key)
        const marked = collided && index !== TEXT ? (statements.byText.get(key) as KeyRow | undefined) : undefined
        if (marked !== undefined) {
          outcomes[at] = { seq: marked.seq, row: marked }
          continue
        }
        taken.push(at)
        indexes.push(index)
        values.push(index, key, events[at]!.payload, sizes[at]!)
      }
      if (taken.length === 0) continue
      const before = lastSeq
      const { changes, lastInsertRowid } = insertOf(taken.length).run({ now }, ...values)
      if (changes === taken.length) {
        // Every row inserted: their seqs follow one another up to the last, in the order of the values.
        lastSeq = Number(lastInsertRowid)
        for (let n = 0; n < taken.length; n++)
          outcomes[taken[n]!] = { seq: lastSeq - (taken.length - 1 - n), row: undefined }
        continue
      }
      // Some keys were stored before (by an earlier request, or by an earlier value of this statement), or a UUIDv4
      // key found its number held by another key; and a row not inserted may still have used up a seq: each row is
      // looked up. The rows this statement inserts have seqs above `before`; the first value of a key among them is
      // its new event, a later one finds a seq already answered.
      const answered = new Set<number>()
      for (const [n, at] of taken.entries()) {
        const key = events[at]!.idempotencyKey
        const index = indexes[n]!
        const first = rowByKey(statements.byNumber, statements.byText, key, index) as KeyRow | undefined
        if (first === undefined) {
          if (index === TEXT) throw new Error(`The event with the key ${JSON.stringify(key)} was not stored`)
          // Its number is another key's: stored now, indexed by its text and marked.
          const seq = Number(
            statements.insertCollided.run({ now }, key, events[at]!.payload, sizes[at]!).lastInsertRowid
          )
          collided = true
          answered.add(seq)
          outcomes[at] = { seq, row: undefined }
          lastSeq = Math.max(lastSeq, seq)
        } else if (first.seq > before && !answered.has(first.seq)) {
          answered.add(first.seq)
          outcomes[at] = { seq: first.seq, row: undefined }
          lastSeq = Math.max(lastSeq, first.seq)
        } else outcomes[at] = { seq: first.seq, row: first }
      }
    }
    return { outcomes, lastSeq, collided }
  }

  // BEGIN IMMEDIATE: the transaction reads before it writes, and a transaction that has read is refused at once
  // (SQLITE_BUSY, no wait) when it would write while another connection to the file writes, as a guest of the data
  // folder does. Taking the write lock first waits for the other, within the busy timeout.
  const storeAll = db.transaction((requests: ReadonlyArray<StoreRequest>) => {
    held.ifOthersCommitted()
    begunRows = heldRows
    begunBytes = heldBytes
    const now = Date.now()
    // Every row inserted from here on gets a seq above those stored before it (AUTOINCREMENT).
    let lastSeq = statements.lastSeq.get() as number
    let collided = statements.anyCollided.get() !== undefined
    const results: Array<Stored> = new Array(requests.length)
    // Requests taken and not yet inserted: their events go in the same statements (under load most requests hold
    // one event, and a statement a request cost more than its row did). Each is taken as though all its keys were
    // new; one that would not fit so waits until those before it are inserted and counted as they came out.
    let taken: Array<number> = []
    let takenRows = 0
    let takenBytes = 0
    const sizesOf = requests.map(({ events }) => events.map((event) => Buffer.byteLength(event.payload)))
    const bytesOf = sizesOf.map((sizes) => sizes.reduce((sum, size) => sum + size, 0))
    const insertTaken = () => {
      if (taken.length === 0) return
      const events: Array<NewEvent> = []
      const sizes: Array<number> = []
      // Pushed one by one: a request may hold more events than a call takes arguments.
      for (const index of taken) {
        for (const event of requests[index]!.events) events.push(event)
        for (const size of sizesOf[index]!) sizes.push(size)
      }
      const inserted = insertAll(events, sizes, now, lastSeq, collided)
      lastSeq = inserted.lastSeq
      collided = inserted.collided
      let at = 0
      for (const index of taken) {
        const { sync } = requests[index]!
        const stored: Array<number> = []
        const legacyIds: Array<string> = []
        const seqs: Array<number> = []
        let existing = 0
        for (const size of sizesOf[index]!) {
          const { seq, row } = inserted.outcomes[at++]!
          seqs.push(seq)
          if (row === undefined) {
            heldRows++
            heldBytes += size
            stored.push(seq, now, NEW)
          } else {
            existing++
            stored.push(row.seq, row.accepted_at, row.legacy_id === null ? EXISTING : EXISTING_LEGACY)
            if (row.legacy_id !== null) legacyIds.push(row.legacy_id)
          }
        }
        if (sync !== undefined) {
          const { rowid } = statements.syncUpsert.get(
            sync.id,
            sync.kind,
            sync.source,
            existing,
            sync.refused,
            now,
            now
          ) as { rowid: number }
          let added = 0
          for (const seq of seqs) added += statements.syncEvent.run(rowid, seq).changes
          if (added > 0) statements.syncAdded.run(added, rowid)
        }
        results[index] = { events: stored, legacyIds }
      }
      taken = []
      takenRows = 0
      takenBytes = 0
    }
    const fits = (rows: number, bytes: number) =>
      heldRows + rows <= limits.maxRows && heldBytes + bytes <= limits.maxBytes
    for (let index = 0; index < requests.length; index++) {
      const rows = requests[index]!.events.length
      const bytes = bytesOf[index]!
      if (!fits(takenRows + rows, takenBytes + bytes)) {
        insertTaken()
        if (!fits(rows, bytes)) {
          results[index] = {
            full: `The event outbox is full (${heldRows} events, ${heldBytes} bytes held); retry later`
          }
          continue
        }
      }
      taken.push(index)
      takenRows += rows
      takenBytes += bytes
    }
    insertTaken()
    return results
  }).immediate

  return {
    store: (requests) => {
      const refused = refusing()
      if (refused !== undefined) return requests.map(() => ({ failed: refused }))
      begunRows = heldRows
      begunBytes = heldBytes
      try {
        return storeAll(requests)
      } catch (error) {
        // Rolled back: what the transaction counted before it failed was never stored.
        heldRows = begunRows
        heldBytes = begunBytes
        const failed = describeFailure(error)
        return requests.map(() => ({ failed }))
      }
    },
    release: (rows, bytes) => {
      heldRows -= rows
      heldBytes -= bytes
    },
    recount: held.now
  }
}
