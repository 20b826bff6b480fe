/**
 * The embedded outbox store: one SQLite file in WAL mode with `synchronous=FULL`, so an acknowledged event
 * survives a crash and a power cut. Appends from concurrent requests are committed together (group commit):
 * they share one transaction, and so one fsync.
 *
 * The file is worked on by a thread of its own: while a batch is stored (inserts, commit, fsync), the thread that
 * serves requests goes on serving them.
 *
 * @since 0.1.0
 */
import { existsSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { Worker } from "node:worker_threads"
import { Callback } from "@schematic-capability/capability-core"
import { Duration, Effect, Exit, Layer } from "effect"
import type { OutboxFile, Stored } from "./internal/outboxFile.js"
import type { Method, Reply, Request, ThreadData } from "./internal/outboxMessages.js"
import {
  type Appended,
  type NewEvent,
  OutboxClosed,
  OutboxFull,
  OutboxStorageFailed,
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
}

export const DEFAULT_MAX_ROWS = 1_000_000
export const DEFAULT_MAX_BYTES = 512 * 1024 * 1024
export const DEFAULT_BUSY_TIMEOUT: Duration.Duration = Duration.seconds(5)

const storageFailed = (reason: string) =>
  new OutboxStorageFailed({ message: `The event outbox could not store the events: ${reason}`, reason })

const unavailable = (reason: string) =>
  new OutboxStorageFailed({ message: `The event outbox storage failed: ${reason}`, reason })

/**
 * Starts the thread from its script, built next to the package's `index.js`. Run from source (this repository's
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

type Resume = (reply: Reply) => void

/** Events in waiting requests that make a message go to the thread even while it works on another. */
const SEND_AT_ONCE = 256

/** Opens the file on its own thread; fails (as a defect) when it cannot be opened. */
export const make = (options: Options): Effect.Effect<OutboxStoreShape> =>
  Effect.async<OutboxStoreShape>((resume) => {
    const thread = startThread({
      filename: options.filename,
      maxRows: options.maxRows ?? DEFAULT_MAX_ROWS,
      maxBytes: options.maxBytes ?? DEFAULT_MAX_BYTES,
      busyTimeoutMillis: Duration.toMillis(options.busyTimeout ?? DEFAULT_BUSY_TIMEOUT)
    })
    const waiting = new Map<number, Resume>()
    let nextId = 1
    let closed = false
    let stopped: string | undefined

    // The thread keeps the process alive only while an answer is awaited.
    thread.unref()
    // Requests go to the thread in messages, each holding the requests of one turn of the event loop or more:
    // every message wakes the thread, a system call that on a busy machine can also hand this thread's CPU to it.
    // While requests are being worked on, small ones wait and go with the next message, so under load messages
    // follow commits and each commit carries more requests than it would without waiting; a request with many
    // events goes at once, so the thread stores it while this thread reads the next.
    let outgoing: Array<Request> = []
    let outgoingEvents = 0
    // Requests posted and not yet answered.
    let inFlight = 0
    let scheduled = false
    const post = () => {
      scheduled = false
      if (outgoing.length === 0 || stopped !== undefined) return
      if (inFlight > 0 && outgoingEvents < SEND_AT_ONCE) return
      inFlight += outgoing.length
      thread.postMessage(outgoing)
      outgoing = []
      outgoingEvents = 0
    }
    const schedule = () => {
      if (scheduled) return
      scheduled = true
      setImmediate(post)
    }
    const send = (request: Request, resume: Resume) => {
      if (stopped !== undefined) return resume({ id: request.id, error: stopped })
      if (waiting.size === 0) thread.ref()
      waiting.set(request.id, resume)
      outgoing.push(request)
      if (request.op === "store") outgoingEvents += request.keys.length
      schedule()
    }
    const settle = (reply: Reply) => {
      const resume = waiting.get(reply.id)
      if (resume === undefined) return
      waiting.delete(reply.id)
      if (waiting.size === 0) thread.unref()
      resume(reply)
    }
    const stop = (reason: string) => {
      stopped ??= reason
      for (const id of [...waiting.keys()]) settle({ id, error: reason })
    }
    thread.on("error", (error) => stop(`The event outbox thread failed: ${error.message}`))
    thread.on("exit", () => stop("The event outbox is closed"))

    const call = <M extends Method>(method: M, ...args: Parameters<OutboxFile[M]>) =>
      Effect.async<ReturnType<OutboxFile[M]>>((resume) =>
        send({ id: nextId++, op: "call", method, args }, (reply) =>
          resume("error" in reply ? Effect.dieMessage(reply.error) : Effect.succeed(reply.value as never))
        )
      )

    /** A call a request waits for: the file's failure is the caller's answer (`storage_unavailable`). */
    const ask = <M extends Method>(method: M, ...args: Parameters<OutboxFile[M]>) =>
      Effect.async<ReturnType<OutboxFile[M]>, OutboxStorageFailed>((resume) =>
        send({ id: nextId++, op: "call", method, args }, (reply) =>
          resume("error" in reply ? Effect.fail(unavailable(reply.error)) : Effect.succeed(reply.value as never))
        )
      )

    const closing = () => new OutboxClosed({ message: "The server is shutting down; retry shortly" })

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
        done(Exit.fail(closing()))
        return
      }
      const request: Request = {
        id: nextId++,
        op: "store",
        keys: events.map((event) => event.idempotencyKey),
        // A newline in JSON text is whitespace (one inside a string is escaped), so a space does as well.
        payloads: events
          .map((event) => (event.payload.includes("\n") ? event.payload.replaceAll("\n", " ") : event.payload))
          .join("\n"),
        sync
      }
      send(request, (reply) => {
        if ("error" in reply) return done(Exit.fail(new OutboxClosed({ message: reply.error })))
        const stored = reply.value as Stored
        if ("full" in stored) return done(Exit.fail(new OutboxFull({ message: stored.full })))
        if ("failed" in stored) return done(Exit.fail(storageFailed(stored.failed)))
        const existing = new Set(stored.existing)
        done(
          Exit.succeed(
            stored.ids.map((id, index) => ({
              id,
              idempotencyKey: events[index]!.idempotencyKey,
              existing: existing.has(index)
            }))
          )
        )
      })
    }

    const shape: OutboxStoreShape = {
      append: (events, sync) => Callback.make((_runtime, done) => appendNow(events, sync, done)),
      syncStatus: (id) => ask("syncStatus", id),
      probe: Effect.async<void, OutboxClosed | OutboxStorageFailed>((resume) => {
        if (closed) return resume(Effect.fail(closing()))
        send({ id: nextId++, op: "call", method: "probe", args: [Date.now()] }, (reply) =>
          resume(
            "error" in reply
              ? Effect.fail(new OutboxClosed({ message: reply.error }))
              : reply.value === undefined
                ? Effect.void
                : Effect.fail(storageFailed(reply.value as string))
          )
        )
      }),
      claim: (limit, now) => call("claim", limit, now),
      // One process owns the file (its rows in flight stay so until it starts again): there is no lease to keep.
      lease: undefined,
      extendLease: (seqs) => Effect.succeed(seqs.length),
      markDelivered: (rows, now) =>
        call(
          "markDelivered",
          rows.map((row) => row.seq),
          rows.map((row) => row.bytes),
          now
        ),
      markRetry: (seqs, nextAttemptAt) => call("markRetry", seqs, nextAttemptAt),
      markDead: (seqs, error, now) => call("markDead", seqs, error, now),
      expire: (queuedBefore, error, now) => call("expire", queuedBefore, error, now),
      recover: Effect.suspend(() => call("recover")),
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
        send({ id: nextId++, op: "close" }, () => resume(Effect.void))
      })
    }

    const opened: Resume = (reply) =>
      resume(
        "error" in reply
          ? Effect.dieMessage(`The event outbox could not be opened: ${reply.error}`)
          : Effect.succeed(shape)
      )
    waiting.set(0, opened)
    thread.ref()
    thread.on("message", (replies: ReadonlyArray<Reply>) => {
      for (const reply of replies) if (reply.id !== 0) inFlight--
      // The requests that waited go to the thread before these answers are handled: it stores them while this
      // thread writes the answers, instead of after.
      post()
      for (const reply of replies) settle(reply)
    })
  })

/** The store as a layer; closed (after a last commit) when the layer ends. */
export const layer = (options: Options): Layer.Layer<OutboxStore> =>
  Layer.scoped(
    OutboxStore,
    Effect.acquireRelease(make(options), (store) => store.close)
  )
