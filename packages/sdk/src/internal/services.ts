/**
 * The services the operations need, composed as the server composes them (`apps/server/src/Upstream.ts`), for one
 * process that embeds the capability: a Schematic client (to Schematic, or to a sandbox started in-process on a
 * loopback port), and an event sink. The sandbox and the durable outbox are imported only when asked for, so a host
 * on Schematic without a data folder loads neither SQLite nor the sandbox's HTTP server.
 */
import { mkdtemp, rm } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { CapabilityError, EventSink } from "@schematic-capability/capability-core"
import { SchematicClient } from "@schematic-capability/schematic-client"
import { Cause, Effect, Layer, Logger, type LogLevel, Redacted } from "effect"

/** The sandbox's own key: it accepts this one only, and nothing outside this process talks to it. */
const SANDBOX_API_KEY = "sch_dev_sandbox"

/** What the operations need (`IdempotentWrites` has a default, keys in memory; the outbox also provides it, keeping them in its file). */
export type Services = SchematicClient.SchematicClient | EventSink.EventSink

export interface ServicesOptions {
  readonly sandbox: boolean
  readonly apiKey?: Redacted.Redacted<string> | undefined
  readonly baseUrl?: string | undefined
  readonly dataDir?: string | undefined
  readonly seed?: "demo" | undefined
  readonly readsPerSecond?: number | undefined
  readonly writesPerSecond?: number | undefined
  readonly logLevel: LogLevel.LogLevel
}

/** A failure to start (a port, a file), as the one failure type callers handle. */
const unavailable = (what: string) => (error: unknown) =>
  new CapabilityError.CapabilityError({
    code: "unavailable",
    message: `${what} could not start: ${error instanceof Error ? error.message : Cause.pretty(Cause.fail(error))}`
  })

/** A folder of its own under the system's temporary folder, removed (with the sandbox's data) when the scope ends. */
const temporaryFolder = Effect.acquireRelease(
  Effect.promise(() => mkdtemp(join(tmpdir(), "schematic-capability-"))),
  (folder) => Effect.promise(() => rm(folder, { recursive: true, force: true }))
)

/** The sandbox in-process on a free loopback port, and a client pointed at it. */
const sandboxClient = (
  options: ServicesOptions
): Layer.Layer<SchematicClient.SchematicClient, CapabilityError.CapabilityError> =>
  Layer.unwrapScoped(
    Effect.gen(function* () {
      const { SchematicSandbox } = yield* Effect.promise(() => import("@schematic-capability/schematic-sandbox"))
      const dataDir = options.dataDir === undefined ? yield* temporaryFolder : join(options.dataDir, "sandbox")
      const client = Layer.unwrapEffect(
        Effect.map(SchematicSandbox.url, (baseUrl) =>
          // No budgets: they guard Schematic's API, not a sandbox of this process's own.
          SchematicClient.layer({ apiKey: SANDBOX_API_KEY, baseUrl, readsPerSecond: 0, writesPerSecond: 0 })
        )
      )
      return client.pipe(
        Layer.provide(
          SchematicSandbox.layer({ port: 0, host: "127.0.0.1", dataDir, seed: options.seed }).pipe(
            Layer.mapError(unavailable("The sandbox"))
          )
        )
      )
    })
  )

/** Where usage events go: straight to Schematic, or, with a data folder, the durable outbox stored in it. */
const eventSink = (
  options: ServicesOptions
): Layer.Layer<EventSink.EventSink, CapabilityError.CapabilityError, SchematicClient.SchematicClient> => {
  const dataDir = options.dataDir
  if (dataDir === undefined) return EventSink.direct
  return Layer.unwrapEffect(
    Effect.map(
      Effect.promise(() => import("@schematic-capability/event-outbox")),
      ({ EventOutbox }) =>
        EventOutbox.layer({ filename: join(dataDir, "outbox", "events.db") }).pipe(
          Layer.mapError(unavailable("The event outbox"))
        )
    )
  )
}

export const layer = (options: ServicesOptions): Layer.Layer<Services, CapabilityError.CapabilityError> => {
  const client: Layer.Layer<SchematicClient.SchematicClient, CapabilityError.CapabilityError> = options.sandbox
    ? sandboxClient(options)
    : SchematicClient.layer({
        apiKey: options.apiKey ?? Redacted.make(""),
        baseUrl: options.baseUrl,
        readsPerSecond: options.readsPerSecond,
        writesPerSecond: options.writesPerSecond
      })
  // The level holds while the services start and for every operation the runtime runs.
  return Layer.provideMerge(eventSink(options), client).pipe(
    Layer.provideMerge(Logger.minimumLogLevel(options.logLevel))
  )
}
