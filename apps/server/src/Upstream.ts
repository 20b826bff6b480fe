/**
 * Where Schematic is: the real API when SCHEMATIC_API_KEY is set, otherwise the embedded sandbox started
 * in-process on SANDBOX_PORT (data under DATA_DIR/sandbox). Provides the SchematicClient.
 */
import { join } from "node:path"
import { EventOutbox } from "@schematic-capability/event-outbox"
import { SchematicClient, type SchematicConfig } from "@schematic-capability/schematic-client"
import { SchematicSandbox } from "@schematic-capability/schematic-sandbox"
import { Duration, Effect, Layer, Option, Redacted } from "effect"
import { type ListenFailed, listenFailed } from "./NodeListen.js"
import type { ServerConfig } from "./ServerConfig.js"

export const layer = (
  config: ServerConfig,
  options: { readonly sandboxPort?: number } = {}
): Layer.Layer<SchematicClient.SchematicClient, ListenFailed> => {
  if (Option.isSome(config.apiKey)) {
    return Layer.merge(
      SchematicClient.layer({
        apiKey: config.apiKey.value,
        baseUrl: config.apiUrl,
        readsPerSecond: config.readsPerSecond,
        writesPerSecond: config.writesPerSecond
      }),
      Layer.effectDiscard(Effect.logInfo(`Using Schematic at ${config.apiUrl}`))
    )
  }
  const dataDir = join(config.dataDir, "sandbox")
  const sandboxPort = options.sandboxPort ?? config.sandboxPort
  const apiKey = Redacted.make("sch_dev_sandbox")
  return Layer.unwrapEffect(
    Effect.gen(function* () {
      const url = yield* SchematicSandbox.url
      yield* Effect.logInfo(
        `No SCHEMATIC_API_KEY: serving the embedded Schematic sandbox on ${url} (data in ${dataDir}); set SCHEMATIC_API_KEY to use Schematic`
      )
      // Schematic's budgets guard the real API; against the sandbox they apply only when it emulates limits.
      const budget = config.sandboxRateLimit
      return SchematicClient.layer({
        apiKey,
        baseUrl: url,
        readsPerSecond: budget,
        writesPerSecond: budget
      } satisfies SchematicConfig.SchematicConfigInput)
    })
  ).pipe(
    Layer.provide(
      SchematicSandbox.layer({
        port: sandboxPort,
        host: "127.0.0.1",
        dataDir,
        rateLimit: config.sandboxRateLimit,
        seed: Option.getOrUndefined(config.sandboxSeed)
      }).pipe(Layer.mapError((error) => listenFailed("SANDBOX_PORT", sandboxPort, "127.0.0.1", error.cause)))
    )
  )
}

/** The services the operations need: the Schematic client, and the durable event outbox in front of it. */
export const services = (
  config: ServerConfig,
  options: {
    readonly sandboxPort?: number
    /**
     * A guest of DATA_DIR, whose owner (a running server) recovers what its own crash left in flight and moves an
     * outbox written by an earlier version.
     */
    readonly guest?: boolean
  } = {}
) =>
  EventOutbox.layer({
    recoverInFlight: options.guest !== true,
    movesEarlierLayout: options.guest !== true,
    filename: join(config.dataDir, "outbox", "events.db"),
    database: Option.match(config.outboxDatabaseUrl, {
      onNone: () => undefined,
      onSome: (url) => ({ url, lease: Duration.seconds(config.outboxLeaseSeconds) })
    }),
    maxRows: config.outboxMaxRows,
    maxBytes: config.outboxMaxBytes
  }).pipe(Layer.provideMerge(layer(config, options)))
