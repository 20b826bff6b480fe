/**
 * The embedded outbox store: one SQLite file in WAL mode with `synchronous=FULL`, so an acknowledged event
 * survives a crash and a power cut. Appends from concurrent requests are committed together (group commit):
 * they share one transaction, and so one fsync.
 *
 * The file is worked on by a thread of its own (`internal/outboxThread.ts`, its queries in
 * `internal/sqlite/outboxFile.ts`): while a batch is stored (inserts, commit, fsync), the thread that serves
 * requests goes on serving them. Each operation here is a request to that thread (`internal/sqlite/threadChannel.ts`).
 *
 * @since 0.1.0
 */
import { existsSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { Worker } from "node:worker_threads"
import { Callback } from "@schematic-capability/capability-core"
import { Duration, Effect, Exit, Layer, Runtime } from "effect"
import { shuttingDown, storageFailed, storingFailed } from "./internal/failures.js"
import { unpackClaimed } from "./internal/sqlite/claimedBatch.js"
import type { Method, Reply, ThreadData } from "./internal/sqlite/messages.js"
import type { OutboxFile } from "./internal/sqlite/outboxFile.js"
import { connect } from "./internal/sqlite/threadChannel.js"
import {
  type Appended,
  type NewEvent,
  OutboxClosed,
  OutboxFull,
  type OutboxStorageFailed,
  OutboxStore,
  type OutboxStoreShape,
  type SyncAppend
} from "./OutboxStore.js"

export interface Options {
  /** The database file; its directory is created. */
  readonly filename: string
  /** Most events held that are not yet delivered (pending, in flight or dead-lettered). */
  readonly maxRows?: number | undefined
  /** Most bytes of event payloads held that are not yet delivered. */
  readonly maxBytes?: number | undefined
  /**
   * How long a write waits for a lock that another connection to the file holds before it fails (default 5 s).
   * While it waits the outbox stores nothing else; when it fails, the events are refused as a storage failure.
   */
  readonly busyTimeout?: Duration.DurationInput | undefined
  /**
   * Whether a file written by an earlier version is moved to the current layout when it is opened (by default it is).
   * A guest of a data folder whose owner may be a server of an earlier version, still storing events in the file,
   * says no: it then fails to open such a file rather than move it under the owner.
   */
  readonly movesEarlierLayout?: boolean | undefined
}

export const DEFAULT_MAX_ROWS = 1_000_000
export const DEFAULT_MAX_BYTES = 512 * 1024 * 1024
export const DEFAULT_BUSY_TIMEOUT: Duration.Duration = Duration.seconds(5)

/**
 * Starts the thread from its script, built next to the package's `index.js` (and bundled next to the server's
 * `main.js`): it is looked for from this module, which lies at the top of both. Run from source (this repository's
 * tests, before a build), the script is TypeScript and is loaded through tsx.
 */
const startThread = (data: ThreadData): Worker => {
  const built = new URL("./internal/outboxThread.js", import.meta.url)
  if (existsSync(fileURLToPath(built))) return new Worker(built, { workerData: data })
  const source = JSON.stringify(new URL("./internal/outboxThread.ts", import.meta.url).href)
  return new Worker(`import("tsx/esm/api").then(({ tsImport }) => tsImport(${source}, ${source}))`, {
    eval: true,
    workerData: data
  })
}

/**
 * Opens the file on its own thread; fails (as a defect) when it cannot be opened. What the thread says meanwhile (a
 * move of an earlier layout's events) is logged on the caller's runtime.
 */
export const make = (options: Options): Effect.Effect<OutboxStoreShape> =>
  Effect.flatMap(Effect.runtime<never>(), (runtime) => open(options, Runtime.runSync(runtime)))

const open = (options: Options, run: (effect: Effect.Effect<void>) => void): Effect.Effect<OutboxStoreShape> =>
  Effect.async<OutboxStoreShape>((resume) => {
    let closed = false
    const thread = startThread({
      filename: options.filename,
      maxRows: options.maxRows ?? DEFAULT_MAX_ROWS,
      maxBytes: options.maxBytes ?? DEFAULT_MAX_BYTES,
      busyTimeoutMillis: Duration.toMillis(options.busyTimeout ?? DEFAULT_BUSY_TIMEOUT),
      movesEarlierLayout: options.movesEarlierLayout
    })
    const channel = connect(
      thread,
      (reply: Reply) =>
        resume(
          "error" in reply
            ? Effect.dieMessage(`The event outbox could not be opened: ${reply.error}`)
            : Effect.succeed(shape)
        ),
      (notice) => run(Effect.logInfo(notice))
    )

    /** A call of delivery's: the file's failure is the worker's to log and back off from (as a defect). */
    const call = <M extends Method>(method: M, ...args: Parameters<OutboxFile[M]>) =>
      Effect.async<ReturnType<OutboxFile[M]>>((resume) =>
        channel.send({ id: channel.nextId(), op: "call", method, args }, (reply) =>
          resume("error" in reply ? Effect.dieMessage(reply.error) : Effect.succeed(reply.value as never))
        )
      )

    /** A call a request waits for: the file's failure is the caller's answer (`storage_unavailable`). */
    const ask = <M extends Method>(method: M, ...args: Parameters<OutboxFile[M]>) =>
      Effect.async<ReturnType<OutboxFile[M]>, OutboxStorageFailed>((resume) =>
        channel.send({ id: channel.nextId(), op: "call", method, args }, (reply) =>
          resume(
            "error" in reply ? Effect.fail(storageFailed("storage", reply.error)) : Effect.succeed(reply.value as never)
          )
        )
      )

    /**
     * `append`'s callback form: answers where the thread's answers arrive, with no fiber. `append` is made from it
     * (`Callback.make`), so ingestion that runs `append` with `Callback.run` starts none either.
     */
    const appendNow = (
      events: ReadonlyArray<NewEvent>,
      sync: SyncAppend | undefined,
      done: (exit: Exit.Exit<ReadonlyArray<Appended>, OutboxFull | OutboxClosed | OutboxStorageFailed>) => void
    ): void => {
      if (closed) {
        done(Exit.fail(shuttingDown()))
        return
      }
      const payloads = events
        .map((event) => (event.payload.includes("\n") ? event.payload.replaceAll("\n", " ") : event.payload))
        .join("\n")
      channel.store(
        events.map((event) => event.idempotencyKey),
        payloads,
        sync,
        (outcome) => {
          if ("closed" in outcome) return done(Exit.fail(new OutboxClosed({ message: outcome.closed })))
          if ("full" in outcome) return done(Exit.fail(new OutboxFull({ message: outcome.full })))
          if ("failed" in outcome) return done(Exit.fail(storingFailed(outcome.failed)))
          done(
            Exit.succeed(
              outcome.ids.map((id, index) => ({
                id,
                idempotencyKey: events[index]!.idempotencyKey,
                existing: outcome.existing[index]!
              }))
            )
          )
        }
      )
    }

    const shape: OutboxStoreShape = {
      append: (events, sync) => Callback.make((_runtime, done) => appendNow(events, sync, done)),
      syncStatus: (id) => ask("syncStatus", id),
      probe: Effect.async<void, OutboxClosed | OutboxStorageFailed>((resume) => {
        if (closed) return resume(Effect.fail(shuttingDown()))
        channel.send({ id: channel.nextId(), op: "call", method: "probe", args: [Date.now()] }, (reply) =>
          resume(
            "error" in reply
              ? Effect.fail(new OutboxClosed({ message: reply.error }))
              : reply.value === undefined
                ? Effect.void
                : Effect.fail(storingFailed(reply.value as string))
          )
        )
      }),
      claim: (limit, now) => Effect.map(call("claim", limit, now), unpackClaimed),
      // One process owns the file (its rows in flight stay so until it starts again): there is no lease to keep.
      lease: undefined,
      extendLease: (seqs) => Effect.succeed(seqs.length),
      markDelivered: (rows, now) => {
        const seqs: Array<number> = []
        let bytes = 0
        for (const row of rows) {
          seqs.push(row.seq)
          bytes += row.bytes
        }
        return call("markDelivered", seqs, bytes, now)
      },
      markRetry: (seqs, nextAttemptAt) => call("markRetry", seqs, nextAttemptAt),
      markDead: (seqs, error, now) => call("markDead", seqs, error, now),
      expire: (queuedBefore, error, now) => call("expire", queuedBefore, error, now),
      recover: Effect.suspend(() => call("recover")),
      claimWrite: (scope, key, fingerprint, now, expiredBefore, takeOver) =>
        ask("claimWrite", scope, key, fingerprint, now, expiredBefore, takeOver),
      finishWrite: (scope, key, answer, now) => ask("finishWrite", scope, key, answer, now),
      releaseWrite: (scope, key) => ask("releaseWrite", scope, key),
      find: (ref) => ask("find", ref),
      counts: Effect.suspend(() => ask("counts")),
      deadLetters: (limit, offset) => ask("deadLetters", limit, offset),
      requeue: (target, now) => ask("requeue", target, now),
      prune: (before) => call("prune", before),
      nextDueAt: Effect.suspend(() => call("nextDueAt")),
      close: Effect.async<void>((resume) => {
        if (closed) return resume(Effect.void)
        closed = true
        // Events already handed to the thread are stored before it closes the file.
        channel.send({ id: channel.nextId(), op: "close" }, () => resume(Effect.void))
      })
    }
  })

/** The store as a layer; closed (after a last commit) when the layer ends. */
export const layer = (options: Options): Layer.Layer<OutboxStore> =>
  Layer.scoped(
    OutboxStore,
    Effect.acquireRelease(make(options), (store) => store.close)
  )
