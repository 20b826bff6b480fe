/**
 * The outbox store in PostgreSQL, shared by several replicas of the server:
 * - an event is acknowledged once its transaction commits; the appends of one turn of the event loop share one
 *   transaction (one commit), as in the SQLite store;
 * - idempotency keys are unique in the table, so a retry that reaches another replica is stored once;
 * - delivery leases rows: a claim takes due rows with `FOR UPDATE SKIP LOCKED` (two replicas never take the same
 *   row) and marks them in flight until a lease time, on the database's clock (replicas' clocks may differ); the
 *   worker extends the lease while it sends them, however long that takes. A replica that dies leaves its rows
 *   leased, and once the lease has passed another replica takes them over. An event Schematic took is delivered
 *   whoever holds it by then; a retry or a dead letter is recorded only by the replica that still holds it;
 * - every query is bounded in time (`timeout`): a database that is down or cut off fails requests within it, as a
 *   storage failure, instead of holding them while the client reconnects.
 *
 * The schema and its migrations are `internal/pg/schema.ts`; storing events, grouped per commit,
 * `internal/pg/groupCommit.ts`; what follows are the store's other queries.
 *
 * The client is `postgres` (postgres.js): a promise client whose callbacks the store answers from directly, so an
 * append runs no fiber (as the SQLite store's, and ingestion expects: `Callback.make`), with arrays bound as
 * parameters, so one `INSERT ... SELECT FROM unnest(...)` stores a whole turn's events.
 *
 * @since 0.2.0
 */
import { randomUUID } from "node:crypto"
import { Callback } from "@schematic-capability/capability-core"
import { Duration, Effect, Layer, Redacted } from "effect"
import postgres from "postgres"
import { describeFailure } from "./internal/describeFailure.js"
import { parseEventId } from "./internal/eventId.js"
import { storageFailed } from "./internal/failures.js"
import { startGroupCommit } from "./internal/pg/groupCommit.js"
import { createSchema } from "./internal/pg/schema.js"
import { type Cancellable, within } from "./internal/pg/timeLimit.js"
import { writes } from "./internal/pg/writes.js"
import { deadRow, type FinishedRow, heldRow, outboxRow, type StoredRow } from "./internal/storedRows.js"
import { type SyncRow, type SyncStateRow, syncCounts } from "./internal/syncCounts.js"
import { type EventState, OutboxStorageFailed, OutboxStore, type OutboxStoreShape } from "./OutboxStore.js"

export interface Options {
  /** `postgres://user:password@host:port/database`; kept Redacted, never logged. */
  readonly url: Redacted.Redacted<string>
  /** Most events held that are not yet delivered, across replicas (checked against a count taken each second). */
  readonly maxRows?: number | undefined
  readonly maxBytes?: number | undefined
  /** How long a claim holds its rows unless extended; a replica that dies holds them this long. */
  readonly lease?: Duration.DurationInput | undefined
  /**
   * How long a query may take before it fails as a storage failure (default 2 s); connecting gets as long.
   * Housekeeping (pruning, expiry, the held count) gets at least 30 s.
   */
  readonly timeout?: Duration.DurationInput | undefined
  /** Connections in the pool. */
  readonly connections?: number | undefined
}

export const DEFAULT_MAX_ROWS = 1_000_000
export const DEFAULT_MAX_BYTES = 512 * 1024 * 1024
export const DEFAULT_LEASE: Duration.Duration = Duration.seconds(30)
export const DEFAULT_TIMEOUT: Duration.Duration = Duration.seconds(2)

/** The least time housekeeping queries get, which scan more rows than those a request waits for. */
const HOUSEKEEPING_MILLIS = 30_000

/**
 * The time on the database's clock, in milliseconds: leases are given and ended by it, so that replicas whose
 * clocks differ agree on when one has passed.
 */
const DB_NOW = "(extract(epoch from clock_timestamp()) * 1000)::bigint"

/** A failure of the database as the log and /readyz say it: PostgreSQL's code and message, never the URL. */
export { describeFailure }

/**
 * Connects, creates or migrates the schema, and answers the store; fails with the reason when the database cannot
 * be reached or the role may not create what the outbox needs.
 */
export const make = (options: Options): Effect.Effect<OutboxStoreShape, OutboxStorageFailed, never> =>
  Effect.gen(function* () {
    const timeoutMillis = Duration.toMillis(options.timeout ?? DEFAULT_TIMEOUT)
    const housekeepingMillis = Math.max(timeoutMillis, HOUSEKEEPING_MILLIS)
    const sql = postgres(Redacted.value(options.url), {
      max: options.connections ?? 10,
      onnotice: () => {},
      connect_timeout: Math.max(1, Math.ceil(timeoutMillis / 1000)),
      // Seconds before connecting again after a failure: at most one, so the store works again soon after the
      // database does (the client's own backoff grows to 20 s).
      backoff: (retries: number) => Math.min(0.05 * 2 ** retries, 1),
      prepare: true
    })
    const lease = Duration.decode(options.lease ?? DEFAULT_LEASE)
    const leaseMillis = Duration.toMillis(lease)
    // Which replica holds a lease: this process, for as long as it runs.
    const owner = randomUUID()

    yield* Effect.tryPromise({
      // A migration of a large outbox takes its time; so may waiting for another replica's.
      try: () => createSchema(sql, Math.max(housekeepingMillis, 300_000)),
      catch: (error) =>
        new OutboxStorageFailed({
          message: `The event outbox database could not be opened: ${describeFailure(error)}`,
          reason: describeFailure(error)
        })
    }).pipe(Effect.tapError(() => Effect.promise(() => sql.end({ timeout: 1 }))))

    const commits = yield* Effect.promise(() =>
      startGroupCommit(sql, {
        maxRows: options.maxRows ?? DEFAULT_MAX_ROWS,
        maxBytes: options.maxBytes ?? DEFAULT_MAX_BYTES,
        timeoutMillis,
        housekeepingMillis
      })
    )
    let closing: Promise<void> | undefined

    /** A query of delivery's: its failure is the worker's to log and back off from (as a defect). */
    const query = <A>(run: () => PromiseLike<A> & Cancellable, millis = timeoutMillis): Effect.Effect<A> =>
      Effect.tryPromise({
        try: () => within(run, millis),
        catch: (error) => new Error(describeFailure(error))
      }).pipe(Effect.orDie)
    /** A query a request waits for: its failure is the caller's answer (`storage_unavailable`). */
    const asked = <A>(run: () => PromiseLike<A> & Cancellable): Effect.Effect<A, OutboxStorageFailed> =>
      Effect.tryPromise({
        try: () => within(run, timeoutMillis),
        catch: (error) => storageFailed("database", describeFailure(error))
      })

    const keys = writes(sql)
    const shape: OutboxStoreShape = {
      append: (events, sync) => Callback.make((_runtime, done) => commits.append(events, sync, done)),
      probe: Effect.asVoid(
        asked(
          () =>
            sql`INSERT INTO outbox_probe (id, at) VALUES (1, ${Date.now()}) ON CONFLICT (id) DO UPDATE SET at = excluded.at`
        )
      ),
      claim: (limit, now) =>
        query(async () => {
          // Rows a replica leased and did not finish within its lease (it died, or hung) are due again.
          await sql`UPDATE outbox_events SET state = 'pending', lease_owner = NULL, lease_until = NULL
                    WHERE state = 'in_flight' AND lease_until < ${sql.unsafe(DB_NOW)}`
          const rows = await sql<Array<StoredRow>>`
            UPDATE outbox_events SET state = 'in_flight', attempts = attempts + 1, lease_owner = ${owner},
              lease_until = ${sql.unsafe(DB_NOW)} + ${leaseMillis}
            WHERE seq IN (SELECT seq FROM outbox_events WHERE state = 'pending' AND next_attempt_at <= ${now}
                          ORDER BY next_attempt_at, seq LIMIT ${limit} FOR UPDATE SKIP LOCKED)
            RETURNING seq, idempotency_key, payload, bytes, attempts, accepted_at`
          return rows.map(outboxRow).sort((a, b) => a.seq - b.seq)
        }),
      lease,
      extendLease: (seqs) =>
        query(
          () => sql`UPDATE outbox_events SET lease_until = ${sql.unsafe(DB_NOW)} + ${leaseMillis}
                    WHERE seq = ANY(${[...seqs]}::bigint[]) AND state = 'in_flight' AND lease_owner = ${owner}`
        ).pipe(Effect.map((result) => result.count)),
      // Schematic has them: delivered, even when their lease passed to another replica meanwhile (that replica
      // then finds them delivered, and counts none of them).
      markDelivered: (rows, now) =>
        query(
          () => sql`UPDATE outbox_events SET state = 'delivered', finished_at = ${now}, last_error = NULL,
                      lease_owner = NULL, lease_until = NULL
                    WHERE seq = ANY(${rows.map((row) => row.seq)}::bigint[]) AND state <> 'delivered'`
        ).pipe(Effect.map((result) => result.count)),
      markRetry: (seqs, nextAttemptAt) =>
        query(
          () => sql`UPDATE outbox_events SET state = 'pending', next_attempt_at = ${nextAttemptAt}, lease_owner = NULL,
                      lease_until = NULL
                    WHERE seq = ANY(${[...seqs]}::bigint[]) AND state = 'in_flight' AND lease_owner = ${owner}`
        ).pipe(Effect.asVoid),
      markDead: (seqs, error, now) =>
        query(
          () => sql`UPDATE outbox_events SET state = 'dead', finished_at = ${now}, last_error = ${error},
                      lease_owner = NULL, lease_until = NULL
                    WHERE seq = ANY(${[...seqs]}::bigint[]) AND state = 'in_flight' AND lease_owner = ${owner}`
        ).pipe(Effect.map((result) => result.count)),
      expire: (queuedBefore, error, now) =>
        query(
          () => sql`UPDATE outbox_events SET state = 'dead', finished_at = ${now}, last_error = ${error}
                    WHERE state = 'pending' AND queued_at < ${queuedBefore}`,
          housekeepingMillis
        ).pipe(Effect.map((result) => result.count)),
      // Another replica may be delivering what is in flight: leases end on their own (see `claim`).
      recover: Effect.succeed(0),
      counts: asked(async () => {
        const rows = await sql<Array<{ state: string; n: string; oldest: string | null }>>`
          SELECT state, COUNT(*) AS n, MIN(accepted_at) AS oldest FROM outbox_events GROUP BY state`
        const of = (state: string) => rows.find((row) => row.state === state)
        const oldest = [of("pending")?.oldest, of("in_flight")?.oldest]
          .filter((value): value is string => value !== null && value !== undefined)
          .map(Number)
        return {
          pending: Number(of("pending")?.n ?? 0),
          inFlight: Number(of("in_flight")?.n ?? 0),
          delivered: Number(of("delivered")?.n ?? 0),
          dead: Number(of("dead")?.n ?? 0),
          oldestPendingAcceptedAt: oldest.length === 0 ? null : Math.min(...oldest)
        }
      }),
      claimWrite: (scope, key, fingerprint, now, expiredBefore, takeOver) =>
        asked(() => keys.claimWrite(scope, key, fingerprint, now, expiredBefore, takeOver)),
      finishWrite: (scope, key, answer, now) => Effect.asVoid(asked(() => keys.finishWrite(scope, key, answer, now))),
      releaseWrite: (scope, key) => Effect.asVoid(asked(() => keys.releaseWrite(scope, key))),
      find: (ref) =>
        asked(async () => {
          let rows: Array<FinishedRow & { state: EventState }>
          if ("idempotencyKey" in ref) {
            rows = await sql`
              SELECT seq, state, idempotency_key, payload, bytes, attempts, accepted_at, last_error, finished_at
              FROM outbox_events WHERE idempotency_key = ${ref.idempotencyKey}`
          } else {
            const named = parseEventId(ref.id)
            if (named === undefined) return undefined
            rows = await sql`
              SELECT seq, state, idempotency_key, payload, bytes, attempts, accepted_at, last_error, finished_at
              FROM outbox_events WHERE seq = ${named.seq} AND accepted_at = ${named.acceptedAt}`
          }
          const row = rows[0]
          return row === undefined ? undefined : heldRow(row)
        }),
      deadLetters: (limit, offset) =>
        asked(async () => {
          const rows = await sql<Array<FinishedRow>>`
            SELECT seq, idempotency_key, payload, bytes, attempts, accepted_at, last_error, finished_at
            FROM outbox_events WHERE state = 'dead' ORDER BY seq LIMIT ${limit} OFFSET ${offset}`
          return rows.map(deadRow)
        }),
      requeue: (target, now) =>
        asked(async () => {
          if (target.all) {
            return (
              await sql`UPDATE outbox_events SET state = 'pending', attempts = 0, next_attempt_at = ${now},
                          queued_at = ${now}, finished_at = NULL WHERE state = 'dead'`
            ).count
          }
          const named = (target.ids ?? []).flatMap((id) => parseEventId(id) ?? [])
          if (named.length === 0) return 0
          return (
            await sql`UPDATE outbox_events SET state = 'pending', attempts = 0, next_attempt_at = ${now},
                        queued_at = ${now}, finished_at = NULL
                      WHERE state = 'dead' AND (seq, accepted_at) IN (
                        SELECT * FROM unnest(${named.map((item) => item.seq)}::bigint[], ${named.map((item) => item.acceptedAt)}::bigint[]))`
          ).count
        }),
      prune: (before) =>
        query(
          () =>
            sql.begin(async (tx) => {
              await tx`DELETE FROM outbox_sync_events WHERE sync IN (SELECT id FROM outbox_syncs WHERE updated_at < ${before})`
              await tx`DELETE FROM outbox_syncs WHERE updated_at < ${before}`
              await tx`DELETE FROM outbox_writes WHERE started_at < ${before}`
              return (await tx`DELETE FROM outbox_events WHERE state = 'delivered' AND finished_at < ${before}`).count
            }),
          housekeepingMillis
        ),
      nextDueAt: query(async () => {
        // A lease that ends is due too: its rows are taken over then. It ends on the database's clock: how long
        // until then is what this process's clock is told.
        const [row] = await sql<Array<{ due: string | null; lease_in: string | null }>>`
          SELECT (SELECT MIN(next_attempt_at) FROM outbox_events WHERE state = 'pending') AS due,
                 (SELECT MIN(lease_until) FROM outbox_events WHERE state = 'in_flight') - ${sql.unsafe(DB_NOW)} AS lease_in`
        const times = [
          row?.due === null || row?.due === undefined ? undefined : Number(row.due),
          row?.lease_in === null || row?.lease_in === undefined ? undefined : Date.now() + Number(row.lease_in)
        ].filter((value): value is number => value !== undefined)
        return times.length === 0 ? null : Math.min(...times)
      }),
      syncStatus: (id) =>
        asked(async () => {
          const [sync] = await sql<Array<SyncRow>>`SELECT * FROM outbox_syncs WHERE id = ${id}`
          if (sync === undefined) return undefined
          const states = await sql<Array<SyncStateRow>>`
            SELECT COALESCE(e.state, 'delivered') AS state, COUNT(*) AS n, MAX(e.finished_at) AS finished
            FROM outbox_sync_events m LEFT JOIN outbox_events e ON e.seq = m.seq WHERE m.sync = ${id} GROUP BY 1`
          return syncCounts(sync, states)
        }),
      // Appends already handed over are stored before the connections close.
      close: Effect.promise(() => (closing ??= commits.close().then(() => sql.end({ timeout: 5 }))))
    }
    return shape
  })

/** The store as a layer; its connections close (after a last commit) when the layer ends. */
export const layer = (options: Options): Layer.Layer<OutboxStore, OutboxStorageFailed> =>
  Layer.scoped(
    OutboxStore,
    Effect.acquireRelease(make(options), (store) => store.close)
  )
