/**
 * Storing events in PostgreSQL: appends wait for the next commit and go together, so under load each commit
 * carries the requests that came during the last. An event is acknowledged once its commit is. A full outbox is
 * refused by a count of what is held, taken again every second in the background, so no append waits for a query
 * of its own.
 */
import { Exit } from "effect"
import type postgres from "postgres"
import {
  type Appended,
  type NewEvent,
  type OutboxClosed,
  OutboxFull,
  type OutboxStorageFailed,
  type SyncAppend
} from "../../OutboxStore.js"
import { describeFailure } from "../describeFailure.js"
import { eventId } from "../eventId.js"
import { shuttingDown, storingFailed } from "../failures.js"
import { bounded, type Cancellable, cancel } from "./timeLimit.js"

export type Done = (exit: Exit.Exit<ReadonlyArray<Appended>, OutboxFull | OutboxClosed | OutboxStorageFailed>) => void

export interface Settings {
  /** Most events held that are not yet delivered, across replicas. */
  readonly maxRows: number
  readonly maxBytes: number
  /** How long a commit may take before it is called off and its appends fail as a storage failure. */
  readonly timeoutMillis: number
  /** How long counting what is held may take. */
  readonly housekeepingMillis: number
}

export interface GroupCommit {
  /** Hands events to the next commit; `done` hears when it has committed (or why not). */
  readonly append: (events: ReadonlyArray<NewEvent>, sync: SyncAppend | undefined, done: Done) => void
  /** Refuses appends from now on (the server is shutting down); answers once those handed over are stored. */
  readonly close: () => Promise<void>
}

interface Waiting {
  readonly events: ReadonlyArray<NewEvent>
  readonly sync: SyncAppend | undefined
  readonly done: Done
}

/** How often the held count that a full outbox is refused by is taken again. */
const HELD_REFRESH_MILLIS = 1000

/** Commits in progress at once: while one waits for its round trips, the next is on its way. */
const COMMITS_AT_ONCE = 2

/**
 * The queries of one commit, so that a commit that takes too long is called off: the query it waits for is
 * cancelled (in a transaction, that rolls it back), and none starts after.
 */
interface Commit {
  readonly started: Array<Cancellable>
  over: boolean
}

const issue = <Q extends Cancellable>(commit: Commit, query: Q): Q => {
  if (commit.over) throw new Error("the commit took too long and was called off")
  commit.started.push(query)
  return query
}

/** Inserts the events; answers each key's row (`seq`, when it was accepted) and whether this insert stored it. */
const insert = async (tx: postgres.Sql, commit: Commit, events: ReadonlyArray<NewEvent>, now: number) => {
  const keys = events.map((event) => event.idempotencyKey)
  const inserted =
    keys.length === 0
      ? []
      : await issue(
          commit,
          tx<Array<{ seq: string; idempotency_key: string }>>`
          INSERT INTO outbox_events (idempotency_key, payload, bytes, state, accepted_at, queued_at, next_attempt_at)
          SELECT k, p, b, 'pending', ${now}, ${now}, ${now}
          FROM unnest(${keys}::text[], ${events.map((event) => event.payload)}::text[],
                      ${events.map((event) => Buffer.byteLength(event.payload))}::int[]) AS t(k, p, b)
          ON CONFLICT (idempotency_key) DO NOTHING
          RETURNING seq, idempotency_key`
        )
  const rows = new Map<string, { seq: number; acceptedAt: number; stored: boolean }>()
  for (const row of inserted) rows.set(row.idempotency_key, { seq: Number(row.seq), acceptedAt: now, stored: true })
  // A key already stored conflicted (after the transaction that stored it committed): its first record.
  const before = [...new Set(keys.filter((key) => !rows.has(key)))]
  if (before.length > 0) {
    const found = await issue(
      commit,
      tx<Array<{ seq: string; idempotency_key: string; accepted_at: string }>>`
        SELECT seq, idempotency_key, accepted_at FROM outbox_events WHERE idempotency_key = ANY(${before}::text[])`
    )
    for (const row of found) {
      rows.set(row.idempotency_key, { seq: Number(row.seq), acceptedAt: Number(row.accepted_at), stored: false })
    }
  }
  return rows
}

/** Stores the requests' events, and each sync's records, in `tx`; answers each request's events. */
const storeIn = async (
  tx: postgres.Sql,
  commit: Commit,
  taken: ReadonlyArray<Waiting>,
  events: ReadonlyArray<NewEvent>,
  now: number
): Promise<Array<ReadonlyArray<Appended>>> => {
  const rows = await insert(tx, commit, events, now)
  // A key twice among these is stored by its first request; the later ones find it stored.
  const firstHere = new Set<string>()
  const answers: Array<ReadonlyArray<Appended>> = []
  for (const request of taken) {
    const appended = request.events.map((event) => {
      const key = event.idempotencyKey
      const row = rows.get(key)
      // Stored before, and pruned between the insert and the look-up: the caller retries, and it is stored anew.
      if (row === undefined) throw new Error(`the event ${key} changed while it was stored; retry`)
      const existing = !row.stored || firstHere.has(key)
      firstHere.add(key)
      return { id: eventId(row.acceptedAt, row.seq), idempotencyKey: key, existing, seq: row.seq }
    })
    const sync = request.sync
    if (sync !== undefined) {
      const existing = appended.filter((item) => item.existing).length
      // A record the sync already has (sent again) is not added again: the sync counts its records once.
      const added =
        appended.length === 0
          ? 0
          : (
              await issue(
                commit,
                tx`
                  INSERT INTO outbox_sync_events (sync, seq)
                  SELECT ${sync.id}, s FROM unnest(${appended.map((item) => item.seq)}::bigint[]) AS t(s)
                  ON CONFLICT DO NOTHING`
              )
            ).count
      await issue(
        commit,
        tx`
          INSERT INTO outbox_syncs (id, kind, source, accepted, existing, refused, started_at, updated_at)
          VALUES (${sync.id}, ${sync.kind}, ${sync.source}, ${added}, ${existing}, ${sync.refused}, ${now}, ${now})
          ON CONFLICT (id) DO UPDATE SET accepted = outbox_syncs.accepted + excluded.accepted,
            existing = outbox_syncs.existing + excluded.existing, refused = outbox_syncs.refused + excluded.refused,
            updated_at = excluded.updated_at`
      )
    }
    answers.push(appended.map(({ id, idempotencyKey, existing }) => ({ id, idempotencyKey, existing })))
  }
  return answers
}

/** Counts what is held, then starts taking appends. */
export const startGroupCommit = async (sql: postgres.Sql, settings: Settings): Promise<GroupCommit> => {
  // What is held and not delivered, across replicas: counted now, then again every second in the background.
  let held = { rows: 0, bytes: 0 }
  const countHeld = async () => {
    const counting = sql<Array<{ rows: string; bytes: string }>>`
      SELECT COUNT(*) AS rows, COALESCE(SUM(bytes), 0) AS bytes FROM outbox_events
      WHERE state IN ('pending', 'in_flight', 'dead')`
    const [row] = await bounded(counting, settings.housekeepingMillis, () => cancel(counting))
    held = { rows: Number(row!.rows), bytes: Number(row!.bytes) }
  }
  await countHeld().catch(() => {})
  // One count at a time: a slow one is not joined by the next.
  let countingNow = false
  const counting = setInterval(() => {
    if (countingNow) return
    countingNow = true
    countHeld()
      .catch(() => {})
      .finally(() => {
        countingNow = false
      })
  }, HELD_REFRESH_MILLIS)
  counting.unref()

  let closed = false
  let waiting: Array<Waiting> = []
  let scheduled = false
  // Commits in progress. Appends that arrive while as many as may run are running wait for one to end, and then
  // go together.
  let committing = 0

  const schedule = () => {
    if (scheduled || waiting.length === 0 || committing >= COMMITS_AT_ONCE) return
    scheduled = true
    setImmediate(() => {
      scheduled = false
      if (committing >= COMMITS_AT_ONCE || waiting.length === 0) return
      committing++
      const requests = waiting
      waiting = []
      storeAll(requests).finally(() => {
        committing--
        schedule()
      })
    })
  }

  /**
   * Stores requests together: each all or none. Without syncs, the one INSERT is its own transaction (one round
   * trip); with a sync, the sync's record goes in the same transaction as its events.
   */
  const storeAll = async (requests: ReadonlyArray<Waiting>) => {
    const now = Date.now()
    const taken: Array<Waiting> = []
    let rows = held.rows
    let bytes = held.bytes
    for (const request of requests) {
      const size = request.events.reduce((sum, event) => sum + Buffer.byteLength(event.payload), 0)
      if (rows + request.events.length > settings.maxRows || bytes + size > settings.maxBytes) {
        request.done(
          Exit.fail(new OutboxFull({ message: `The event outbox is full (${rows} events held); retry later` }))
        )
        continue
      }
      rows += request.events.length
      bytes += size
      taken.push(request)
    }
    if (taken.length === 0) return
    try {
      const events = taken.flatMap((request) => request.events)
      const synced = taken.some((request) => request.sync !== undefined)
      const commit: Commit = { started: [], over: false }
      const answers = await bounded(
        synced
          ? sql.begin((tx) => storeIn(tx as unknown as postgres.Sql, commit, taken, events, now))
          : storeIn(sql, commit, taken, events, now),
        settings.timeoutMillis,
        () => {
          commit.over = true
          for (const query of commit.started) cancel(query)
        }
      )
      held = { rows, bytes }
      for (const [index, request] of taken.entries()) request.done(Exit.succeed(answers[index]!))
    } catch (error) {
      const failure = storingFailed(describeFailure(error))
      for (const request of taken) request.done(Exit.fail(failure))
    }
  }

  return {
    append: (events, sync, done) => {
      if (closed) {
        done(Exit.fail(shuttingDown()))
        return
      }
      waiting.push({ events, sync, done })
      schedule()
    },
    close: async () => {
      closed = true
      clearInterval(counting)
      while (committing > 0 || waiting.length > 0) {
        if (committing === 0) schedule()
        await new Promise((done) => setTimeout(done, 5))
      }
    }
  }
}
