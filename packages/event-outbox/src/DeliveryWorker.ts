/**
 * Sends stored events to Schematic in batches (`POST /event-batch`, up to 1000, oldest first) and records the
 * outcome. Every event carries its idempotency key, so a batch sent twice is counted once upstream.
 *
 * - accepted: delivered;
 * - refused (400 from Schematic, or refused by the client before sending because it breaks Schematic's rules): split
 *   until the refused event stands alone, then dead-letter it with the message, so one poison event never holds
 *   back the others;
 * - 429, 5xx, timeouts, connection failures: back off with jitter (honouring Retry-After) and try again;
 * - older than `maxAge` before it could be sent: dead-lettered, since Schematic's 24 h dedupe no longer covers it;
 * - the store fails (a lock, a full disk): logged, and the loop backs off and goes on. Rows it had claimed stay in
 *   flight until the next start, which puts them back to pending (or, in a store replicas share, until their lease
 *   ends).
 *
 * In a store replicas share, claimed rows are leased: the worker extends the lease while it sends them (every third
 * of it), so a send that takes longer than the lease (a slow Schematic, retries) keeps them, and another replica
 * takes them over only from a replica that stopped.
 *
 * @since 0.1.0
 */
import { SchematicClient, type SchematicError } from "@schematic-capability/schematic-client"
import { Cause, Duration, Effect, Ref } from "effect"
import { OutboxObserver } from "./OutboxObserver.js"
import { type OutboxRow, OutboxStore } from "./OutboxStore.js"

export interface Options {
  /** Events per upstream request (at most 1000). */
  readonly batchSize: number
  /** Events older than this are dead-lettered instead of sent. */
  readonly maxAge: Duration.DurationInput
  /** How long delivered events are kept (for idempotency answers and status). */
  readonly retention: Duration.DurationInput
  /** How often delivered events older than `retention` are deleted. */
  readonly pruneInterval: Duration.DurationInput
  /** First backoff after a failed batch; doubles per attempt up to `maxBackoff`. */
  readonly baseBackoff: Duration.DurationInput
  readonly maxBackoff: Duration.DurationInput
  /** How often an idle worker looks for due events it was not told about. */
  readonly pollInterval: Duration.DurationInput
  /**
   * After a batch smaller than `batchSize` was delivered, how long the worker lets events gather before it claims
   * the next: while events arrive one at a time, each batch then carries many of them, and a claim, a request to
   * Schematic and a commit serve many events rather than a few.
   */
  readonly fillInterval: Duration.DurationInput
  /** Batches in flight at once: while Schematic takes one, the next is prepared and sent. */
  readonly concurrency: number
  /**
   * Whether events left in flight (by a crash) go back to pending when the worker starts: only the store's owner
   * may, since another process's worker may be sending them (a guest sharing the file while its owner runs).
   */
  readonly recoverInFlight: boolean
}

export const defaults: Options = {
  batchSize: 1000,
  maxAge: Duration.hours(12),
  retention: Duration.hours(48),
  pruneInterval: Duration.minutes(1),
  baseBackoff: Duration.millis(500),
  maxBackoff: Duration.minutes(1),
  pollInterval: Duration.millis(250),
  fillInterval: Duration.millis(50),
  concurrency: 1,
  recoverInFlight: true
}

export interface LastError {
  readonly message: string
  readonly at: number
}

export interface Worker {
  /** Run the loop until `stop`; it finishes the batch in flight first. */
  readonly run: Effect.Effect<void>
  /** New events are stored: look now rather than at the next poll. */
  readonly wake: () => void
  readonly stop: Effect.Effect<void>
  readonly lastError: Effect.Effect<LastError | null>
}

/**
 * A stored event as it is sent. The time it was accepted travels with it, however late it is delivered, and
 * Schematic is told to trust it: an event held back by an outage or a restart is metered in the period it happened in.
 */
const eventsOf = (rows: ReadonlyArray<OutboxRow>) => {
  // Events stored in one commit share the time they were accepted: its text is made once for them.
  let acceptedAt = Number.NaN
  let sentAt = ""
  return rows.map((row) => {
    const event = JSON.parse(row.payload)
    if (event.sent_at === undefined || event.sent_at === null) {
      if (row.acceptedAt !== acceptedAt) {
        acceptedAt = row.acceptedAt
        sentAt = new Date(acceptedAt).toISOString()
      }
      event.sent_at = sentAt
    }
    event.trusted_client_clock ??= true
    return event
  })
}

const describe = (error: SchematicError.SchematicError) =>
  error._tag === "SchematicTransportError" ? `${error.reason}: ${error.message}` : `${error._tag}: ${error.message}`

export const make = (
  options: Partial<Options> = {}
): Effect.Effect<Worker, never, OutboxStore | SchematicClient.SchematicClient> =>
  Effect.gen(function* () {
    const config = { ...defaults, ...options }
    const store = yield* OutboxStore
    const client = yield* SchematicClient.SchematicClient
    const observer = yield* OutboxObserver
    const lastError = yield* Ref.make<LastError | null>(null)
    let stopping = false
    let consecutiveFailures = 0
    let stopped: (() => void) | undefined
    const done = new Promise<void>((resolve) => {
      stopped = resolve
    })

    /**
     * Lanes asleep, each with the way to wake it early: idle lanes wake when events arrive; lanes backing off
     * after a failure wake only to stop. New events must not cut a backoff short: with Schematic down, every
     * accepted request would otherwise send a doomed batch.
     */
    const idle = new Set<() => void>()
    const backingOff = new Set<() => void>()
    // Lanes letting a batch fill wake only to stop: new events are what they wait for.
    const filling = new Set<() => void>()
    // Called for every request that stores events: nothing is made while no lane is idle.
    const wakeIdle = () => {
      if (idle.size > 0) for (const wake of [...idle]) wake()
    }

    const sleep = (millis: number, sleepers: Set<() => void>) =>
      Effect.async<void>((resume) => {
        if (stopping) return resume(Effect.void)
        const wake = () => {
          clearTimeout(timer)
          sleepers.delete(wake)
          resume(Effect.void)
        }
        const timer = setTimeout(wake, Math.max(0, millis))
        sleepers.add(wake)
        return Effect.sync(() => {
          clearTimeout(timer)
          sleepers.delete(wake)
        })
      })

    /** Sends rows, splitting on refusal. Answers the failure that stopped it and the rows it left unresolved. */
    const send = (
      rows: ReadonlyArray<OutboxRow>
    ): Effect.Effect<
      { readonly failure: SchematicError.SchematicError; readonly unresolved: ReadonlyArray<OutboxRow> } | undefined
    > =>
      Effect.gen(function* () {
        observer.batchSent(rows.length)
        // The events are made for the request and not kept: the client sends their JSON text, so nothing holds
        // them while Schematic answers (a batch held across collections is copied, then promoted to the old heap).
        // Schematic's answer (an entry an event) is not kept either: only whether it took the batch.
        const result = yield* Effect.either(Effect.asVoid(client.events.createBatch({ events: eventsOf(rows) })))
        const now = Date.now()
        if (result._tag === "Right") {
          const delivered = yield* store.markDelivered(rows, now)
          observer.delivered(delivered)
          if (delivered < rows.length) {
            yield* Effect.logWarning(
              "Event outbox: events sent were delivered already (another replica took them over while they were sent); Schematic counts each once"
            ).pipe(Effect.annotateLogs({ events: rows.length - delivered }))
          }
          return undefined
        }
        const error = result.left
        // The client's own refusal (it breaks Schematic's published rules) is as final as Schematic's.
        if (error._tag === "SchematicBadRequest" || error._tag === "SchematicInvalidRequest") {
          if (rows.length === 1) {
            const why =
              error._tag === "SchematicBadRequest"
                ? `Schematic refused the event: ${error.message}`
                : `Refused before sending (it breaks Schematic's rules): ${error.message}`
            observer.deadLettered(yield* store.markDead([rows[0]!.seq], why, now))
            return undefined
          }
          const half = Math.ceil(rows.length / 2)
          const first = yield* send(rows.slice(0, half))
          if (first !== undefined)
            return { failure: first.failure, unresolved: [...first.unresolved, ...rows.slice(half)] }
          return yield* send(rows.slice(half))
        }
        return { failure: error, unresolved: rows }
      })

    const leaseMillis = store.lease === undefined ? undefined : Duration.toMillis(store.lease)
    /** Runs `effect` (which sends `rows`) while keeping their lease, extended every third of it, when there is one. */
    const holding = <A>(rows: ReadonlyArray<OutboxRow>, effect: Effect.Effect<A>): Effect.Effect<A> => {
      if (leaseMillis === undefined) return effect
      const seqs = rows.map((row) => row.seq)
      const extend = Effect.catchAllDefect(store.extendLease(seqs), (defect) =>
        Effect.logWarning("Event outbox: the lease on events being sent could not be extended", Cause.die(defect))
      )
      const keep = Effect.forever(Effect.zipRight(Effect.sleep(Duration.millis(leaseMillis / 3)), extend))
      return Effect.scoped(Effect.zipRight(Effect.forkScoped(keep), effect))
    }

    const backoffMillis = (retryAfter = 0) => {
      const base = Duration.toMillis(config.baseBackoff) * 2 ** Math.min(consecutiveFailures, 16)
      const capped = Math.min(base, Duration.toMillis(config.maxBackoff))
      const jittered = capped / 2 + Math.random() * (capped / 2)
      return Math.max(jittered, retryAfter)
    }

    // Finding expired events scans the pending ones, too dear for every batch: it runs at most every hundredth of
    // the maximum age (and at least every 10 s), so an event can outlive the age by that much, well inside
    // Schematic's 24-hour dedupe window that the age protects.
    const expireEvery = Math.min(Duration.toMillis(config.maxAge) / 100, 10_000)
    let expiredAt = Number.NEGATIVE_INFINITY
    const pruneEvery = Duration.toMillis(config.pruneInterval)
    const fillMillis = Duration.toMillis(config.fillInterval)
    let prunedAt = Number.NEGATIVE_INFINITY
    const cycle = Effect.gen(function* () {
      const now = Date.now()
      if (now - prunedAt >= pruneEvery) {
        prunedAt = now
        // The cutoff is taken now, not when the worker started: rows delivered since then age out too.
        yield* store.prune(now - Duration.toMillis(config.retention))
      }
      if (now - expiredAt >= expireEvery) {
        expiredAt = now
        const expired = yield* store.expire(
          now - Duration.toMillis(config.maxAge),
          `Not delivered within ${Duration.format(config.maxAge)}; sending it now could count it twice`,
          now
        )
        if (expired > 0) observer.deadLettered(expired)
      }
      const rows = yield* store.claim(config.batchSize, now)
      if (rows.length === 0) {
        const due = yield* store.nextDueAt
        const poll = Duration.toMillis(config.pollInterval)
        yield* sleep(due === null ? poll : Math.min(poll, due - now), idle)
        return
      }
      const outcome = yield* holding(rows, send(rows))
      if (outcome === undefined) {
        consecutiveFailures = 0
        if (rows.length < config.batchSize) yield* sleep(fillMillis, filling)
        return
      }
      const failure = outcome.failure
      const wait = backoffMillis(failure._tag === "SchematicRateLimited" ? failure.retryAfterMillis : 0)
      consecutiveFailures++
      yield* Ref.set(lastError, { message: describe(failure), at: Date.now() })
      yield* Effect.logWarning(`Event delivery failed; retrying in ${Math.round(wait)} ms`).pipe(
        Effect.annotateLogs({ error: describe(failure), events: rows.length })
      )
      // Only what is unresolved goes back; `send` already recorded the rest.
      yield* store.markRetry(
        outcome.unresolved.map((row) => row.seq),
        Date.now() + wait
      )
      yield* sleep(wait, backingOff)
    })

    // A store failure (SQLite's, as a defect) would otherwise end the loop for good, and with it all delivery.
    const storeFailed = (defect: unknown) =>
      Effect.gen(function* () {
        const wait = backoffMillis()
        consecutiveFailures++
        yield* Effect.logError(
          `Event outbox storage failed during delivery; retrying in ${Math.round(wait)} ms`,
          Cause.die(defect)
        )
        yield* sleep(wait, backingOff)
      })

    return {
      run: Effect.gen(function* () {
        const recovered = config.recoverInFlight ? yield* store.recover : 0
        if (recovered > 0) yield* Effect.logInfo(`Event outbox: ${recovered} events left in flight are pending again`)
        const loop = Effect.gen(function* () {
          while (!stopping) yield* Effect.catchAllDefect(cycle, storeFailed)
        })
        // Each lane claims its own rows (claims are atomic), so no event is sent by two lanes at once.
        yield* Effect.all(
          Array.from({ length: Math.max(1, config.concurrency) }, () => loop),
          { concurrency: "unbounded", discard: true }
        )
      }).pipe(Effect.ensuring(Effect.sync(() => stopped?.()))),
      wake: wakeIdle,
      stop: Effect.gen(function* () {
        stopping = true
        for (const wake of [...idle, ...backingOff, ...filling]) wake()
        yield* Effect.promise(() => done).pipe(Effect.timeout(Duration.seconds(15)), Effect.ignore)
      }),
      lastError: Ref.get(lastError)
    } satisfies Worker
  })
