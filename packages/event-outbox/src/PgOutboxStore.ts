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
 * The client is `postgres` (postgres.js): a promise client whose callbacks the store answers from directly, so an
 * append runs no fiber (as the SQLite store's, and ingestion expects: `Callback.make`), with arrays bound as
 * parameters, so one `INSERT ... SELECT FROM unnest(...)` stores a whole turn's events.
 *
 * @since 0.2.0
 */
import { randomUUID } from "node:crypto"
import { Callback } from "@schematic-capability/capability-core"
import { Duration, Effect, Exit, Layer, Redacted } from "effect"
import postgres from "postgres"
import { syncCounts } from "./internal/syncCounts.js"
import {
  type Appended,
  type DeadRow,
  type EventState,
  type NewEvent,
  OutboxClosed,
  OutboxFull,
  type OutboxRow,
  OutboxStorageFailed,
  OutboxStore,
  type OutboxStoreShape,
  type SyncAppend
} from "./OutboxStore.js"

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
 * The schema, created when missing. A change to it comes as a further statement here, run under the same advisory
 * lock, so replicas starting together migrate once (see `SCHEMA_CURRENT`).
 */
const SCHEMA = [
  `CREATE TABLE IF NOT EXISTS outbox_events (
    seq BIGSERIAL PRIMARY KEY,
    idempotency_key TEXT NOT NULL UNIQUE,
    payload TEXT NOT NULL,
    bytes INTEGER NOT NULL,
    state TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    accepted_at BIGINT NOT NULL,
    queued_at BIGINT NOT NULL,
    next_attempt_at BIGINT NOT NULL,
    lease_owner TEXT,
    lease_until BIGINT,
    finished_at BIGINT,
    last_error TEXT
  )`,
  "CREATE INDEX IF NOT EXISTS outbox_due ON outbox_events (next_attempt_at, seq) WHERE state = 'pending'",
  "CREATE INDEX IF NOT EXISTS outbox_leased ON outbox_events (lease_until) WHERE state = 'in_flight'",
  "CREATE INDEX IF NOT EXISTS outbox_finished ON outbox_events (finished_at) WHERE state = 'delivered'",
  "CREATE INDEX IF NOT EXISTS outbox_dead ON outbox_events (seq) WHERE state = 'dead'",
  `CREATE TABLE IF NOT EXISTS outbox_syncs (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    source TEXT NOT NULL,
    accepted INTEGER NOT NULL,
    existing INTEGER NOT NULL,
    refused INTEGER NOT NULL,
    started_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
  )`,
  "CREATE INDEX IF NOT EXISTS outbox_syncs_updated_at ON outbox_syncs (updated_at)",
  // One row a record, so a sync's states add up to its records.
  "CREATE TABLE IF NOT EXISTS outbox_sync_events (sync TEXT NOT NULL, seq BIGINT NOT NULL)",
  "CREATE TABLE IF NOT EXISTS outbox_probe (id INTEGER PRIMARY KEY CHECK (id = 1), at BIGINT NOT NULL)",
  // Databases written before a record was one row (a retry added it again): its repeats go, its count is made again
  // from its rows, and the index that keeps it one row takes the place of the one by sync.
  `DO $$ BEGIN
    IF to_regclass('outbox_sync_events_record') IS NULL THEN
      DELETE FROM outbox_sync_events a USING outbox_sync_events b
        WHERE a.sync = b.sync AND a.seq = b.seq AND a.ctid > b.ctid;
      CREATE UNIQUE INDEX outbox_sync_events_record ON outbox_sync_events (sync, seq);
      DROP INDEX IF EXISTS outbox_sync_events_sync;
      UPDATE outbox_syncs s SET accepted = (SELECT COUNT(*) FROM outbox_sync_events m WHERE m.sync = s.id);
    END IF;
  END $$`
]

/**
 * What the schema's last statement makes: when it exists, the schema is current and none of it runs. Even with
 * IF NOT EXISTS, creating an index locks its table, so a replica starting beside others that write would wait on
 * them, or deadlock with them (a prune takes its tables in another order). A further statement names its own here.
 */
const SCHEMA_CURRENT = "outbox_sync_events_record"

/** The advisory lock migrations run under (any number, the same for every replica). */
const MIGRATION_LOCK = 7_245_113

/** `oev_`, the acceptance time (12 hex digits), `seq` (20 hex digits): the SQLite store's ids. */
const eventId = (acceptedAt: number, seq: number) =>
  `oev_${acceptedAt.toString(16).padStart(12, "0")}${seq.toString(16).padStart(20, "0")}`

const EVENT_ID = /^oev_([0-9a-f]{12})([0-9a-f]{20})$/

interface Row {
  seq: string
  idempotency_key: string
  payload: string
  bytes: number
  attempts: number
  accepted_at: string
  last_error: string | null
  finished_at: string | null
}

const toOutboxRow = (row: Row): OutboxRow => ({
  seq: Number(row.seq),
  id: eventId(Number(row.accepted_at), Number(row.seq)),
  idempotencyKey: row.idempotency_key,
  payload: row.payload,
  bytes: row.bytes,
  attempts: row.attempts,
  acceptedAt: Number(row.accepted_at)
})

/** A failure of the database as the log and /readyz say it: PostgreSQL's code and message, never the URL. */
export const describeFailure = (error: unknown): string => {
  if (!(error instanceof Error)) return String(error)
  const code = (error as { readonly code?: unknown }).code
  return typeof code === "string" && !error.message.includes(code) ? `${code}: ${error.message}` : error.message
}

interface Waiting {
  readonly events: ReadonlyArray<NewEvent>
  readonly sync: SyncAppend | undefined
  readonly done: (exit: Exit.Exit<ReadonlyArray<Appended>, OutboxFull | OutboxClosed | OutboxStorageFailed>) => void
}

/** How often the held count that a full outbox is refused by is taken again. */
const HELD_REFRESH_MILLIS = 1000

/** Commits in progress at once: while one waits for its round trips, the next is on its way. */
const COMMITS_AT_ONCE = 2

/**
 * The time on the database's clock, in milliseconds: leases are given and ended by it, so that replicas whose
 * clocks differ agree on when one has passed.
 */
const DB_NOW = "(extract(epoch from clock_timestamp()) * 1000)::bigint"

/** A query that can be called off: cancelled in the database, or taken from the client's queue if not yet sent. */
type Cancellable = { readonly cancel?: () => unknown }

const cancel = (query: Cancellable) => {
  // A cancel request goes on a connection of its own, which fails while the database is down: nothing to do then.
  Promise.resolve(query.cancel?.()).catch(() => {})
}

/**
 * Waits for a query (or a transaction) at most `millis`: past it, the caller hears that the database did not answer,
 * and the work is called off (`callOff`). Work that had already committed stays done: every write of the store is
 * one a retry repeats safely (an event's key is stored once).
 */
const bounded = <A>(work: PromiseLike<A>, millis: number, callOff: () => void = () => {}): Promise<A> =>
  new Promise<A>((resolve, reject) => {
    const timer = setTimeout(() => {
      callOff()
      reject(new Error(`the database did not answer within ${millis} ms`))
    }, millis)
    work.then(
      (value) => {
        clearTimeout(timer)
        resolve(value)
      },
      (error) => {
        clearTimeout(timer)
        reject(error)
      }
    )
  })

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
    const maxRows = options.maxRows ?? DEFAULT_MAX_ROWS
    const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES
    const lease = Duration.decode(options.lease ?? DEFAULT_LEASE)
    const leaseMillis = Duration.toMillis(lease)
    // Which replica holds a lease: this process, for as long as it runs.
    const owner = randomUUID()

    yield* Effect.tryPromise({
      try: () =>
        bounded(
          (async () => {
            // Read from pg_class in the statement's own snapshot: `to_regclass` may answer from a catalog cache
            // that has not yet seen another replica's migration.
            const current = async (on: postgres.Sql) =>
              (
                await on<Array<{ current: boolean }>>`
                  SELECT EXISTS (SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                                 WHERE c.relname = ${SCHEMA_CURRENT} AND n.nspname = current_schema()) AS current`
              )[0]?.current === true
            if (await current(sql)) return
            await sql.begin(async (tx) => {
              await tx`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK})`
              // Another replica may have migrated while this one waited for the lock.
              if (await current(tx as unknown as postgres.Sql)) return
              for (const statement of SCHEMA) await tx.unsafe(statement)
            })
          })(),
          // A migration of a large outbox takes its time; so may waiting for another replica's.
          Math.max(housekeepingMillis, 300_000)
        ),
      catch: (error) =>
        new OutboxStorageFailed({
          message: `The event outbox database could not be opened: ${describeFailure(error)}`,
          reason: describeFailure(error)
        })
    }).pipe(Effect.tapError(() => Effect.promise(() => sql.end({ timeout: 1 }))))

    // What is held and not delivered, across replicas: counted at open, then again every second in the
    // background, so a full outbox is refused without a query on the way of each append.
    let held = { rows: 0, bytes: 0 }
    const countHeld = async () => {
      const counting = sql<Array<{ rows: string; bytes: string }>>`
        SELECT COUNT(*) AS rows, COALESCE(SUM(bytes), 0) AS bytes FROM outbox_events
        WHERE state IN ('pending', 'in_flight', 'dead')`
      const [row] = await bounded(counting, housekeepingMillis, () => cancel(counting))
      held = { rows: Number(row!.rows), bytes: Number(row!.bytes) }
    }
    yield* Effect.promise(() => countHeld().catch(() => {}))
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
    // go together: under load each commit carries the requests that came during the last.
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
        if (rows + request.events.length > maxRows || bytes + size > maxBytes) {
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
          timeoutMillis,
          () => {
            commit.over = true
            for (const query of commit.started) cancel(query)
          }
        )
        held = { rows, bytes }
        for (const [index, request] of taken.entries()) request.done(Exit.succeed(answers[index]!))
      } catch (error) {
        const failure = storageFailed(describeFailure(error))
        for (const request of taken) request.done(Exit.fail(failure))
      }
    }

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

    /** Runs a query (or a few, in a function), called off past `millis`. */
    const within = <A>(run: () => PromiseLike<A> & Cancellable, millis: number) => {
      const running = run()
      return bounded(running, millis, () => cancel(running))
    }
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
        catch: (error) => unavailable(describeFailure(error))
      })

    const shape: OutboxStoreShape = {
      append: (events, sync) =>
        Callback.make((_runtime, done) => {
          if (closed) {
            done(Exit.fail(new OutboxClosed({ message: "The server is shutting down; retry shortly" })))
            return
          }
          waiting.push({ events, sync, done })
          schedule()
        }),
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
          const rows = await sql<Array<Row>>`
            UPDATE outbox_events SET state = 'in_flight', attempts = attempts + 1, lease_owner = ${owner},
              lease_until = ${sql.unsafe(DB_NOW)} + ${leaseMillis}
            WHERE seq IN (SELECT seq FROM outbox_events WHERE state = 'pending' AND next_attempt_at <= ${now}
                          ORDER BY next_attempt_at, seq LIMIT ${limit} FOR UPDATE SKIP LOCKED)
            RETURNING seq, idempotency_key, payload, bytes, attempts, accepted_at`
          return rows.map(toOutboxRow).sort((a, b) => a.seq - b.seq)
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
      find: (ref) =>
        asked(async () => {
          let rows: Array<Row & { state: EventState }>
          if ("idempotencyKey" in ref) {
            rows = await sql`
              SELECT seq, state, idempotency_key, payload, bytes, attempts, accepted_at, last_error, finished_at
              FROM outbox_events WHERE idempotency_key = ${ref.idempotencyKey}`
          } else {
            const match = EVENT_ID.exec(ref.id)
            if (match === null) return undefined
            rows = await sql`
              SELECT seq, state, idempotency_key, payload, bytes, attempts, accepted_at, last_error, finished_at
              FROM outbox_events WHERE seq = ${Number.parseInt(match[2]!, 16)}
                AND accepted_at = ${Number.parseInt(match[1]!, 16)}`
          }
          const row = rows[0]
          return row === undefined
            ? undefined
            : {
                ...toOutboxRow(row),
                state: row.state,
                error: row.last_error,
                finishedAt: row.finished_at === null ? null : Number(row.finished_at)
              }
        }),
      deadLetters: (limit, offset) =>
        asked(async () => {
          const rows = await sql<Array<Row>>`
            SELECT seq, idempotency_key, payload, bytes, attempts, accepted_at, last_error, finished_at
            FROM outbox_events WHERE state = 'dead' ORDER BY seq LIMIT ${limit} OFFSET ${offset}`
          return rows.map(
            (row): DeadRow => ({
              ...toOutboxRow(row),
              error: row.last_error ?? "",
              deadAt: Number(row.finished_at ?? row.accepted_at)
            })
          )
        }),
      requeue: (target, now) =>
        asked(async () => {
          if (target.all) {
            return (
              await sql`UPDATE outbox_events SET state = 'pending', attempts = 0, next_attempt_at = ${now},
                          queued_at = ${now}, finished_at = NULL WHERE state = 'dead'`
            ).count
          }
          const named = (target.ids ?? []).flatMap((id) => {
            const match = EVENT_ID.exec(id)
            return match === null
              ? []
              : [{ acceptedAt: Number.parseInt(match[1]!, 16), seq: Number.parseInt(match[2]!, 16) }]
          })
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
          const [sync] = await sql<
            Array<{
              id: string
              kind: string
              source: string
              accepted: number
              existing: number
              refused: number
              started_at: string
              updated_at: string
            }>
          >`SELECT * FROM outbox_syncs WHERE id = ${id}`
          if (sync === undefined) return undefined
          const states = await sql<Array<{ state: string; n: string; finished: string | null }>>`
            SELECT COALESCE(e.state, 'delivered') AS state, COUNT(*) AS n, MAX(e.finished_at) AS finished
            FROM outbox_sync_events m LEFT JOIN outbox_events e ON e.seq = m.seq WHERE m.sync = ${id} GROUP BY 1`
          return syncCounts(sync, states)
        }),
      close: Effect.promise(async () => {
        if (closed) return
        closed = true
        clearInterval(counting)
        // Appends already handed over are stored before the connections close.
        while (committing > 0 || waiting.length > 0) {
          if (committing === 0) schedule()
          await new Promise((done) => setTimeout(done, 5))
        }
        await sql.end({ timeout: 5 })
      })
    }
    return shape
  })

const storageFailed = (reason: string) =>
  new OutboxStorageFailed({ message: `The event outbox could not store the events: ${reason}`, reason })

const unavailable = (reason: string) =>
  new OutboxStorageFailed({ message: `The event outbox database failed: ${reason}`, reason })

/** The store as a layer; its connections close (after a last commit) when the layer ends. */
export const layer = (options: Options): Layer.Layer<OutboxStore, OutboxStorageFailed> =>
  Layer.scoped(
    OutboxStore,
    Effect.acquireRelease(make(options), (store) => store.close)
  )
