#!/usr/bin/env node
/**
 * The deployable server: the REST API on REST_PORT and MCP (Streamable HTTP at /mcp) on MCP_PORT, over
 * Schematic or the embedded sandbox. Structured JSON logs; graceful shutdown on SIGINT / SIGTERM.
 */
import { NodeRuntime } from "@effect/platform-node"
import { CallerRateLimit, Capability, EventSink } from "@schematic-capability/capability-core"
import { OutboxObserver, OutboxStore } from "@schematic-capability/event-outbox"
import { McpHttp } from "@schematic-capability/mcp-adapter"
import { RestApi } from "@schematic-capability/rest-adapter"
import { UpstreamObserver } from "@schematic-capability/schematic-client"
import { Effect, Layer, Option, Runtime, RuntimeFlags, RuntimeFlagsPatch } from "effect"
import * as Access from "./Access.js"
import * as DataDirLock from "./DataDirLock.js"
import * as JsonLogger from "./JsonLogger.js"
import * as Metrics from "./Metrics.js"
import * as NodeListen from "./NodeListen.js"
import * as ServerConfig from "./ServerConfig.js"
import * as Tracing from "./Tracing.js"
import * as Upstream from "./Upstream.js"

const program = Effect.gen(function* () {
  const config = yield* ServerConfig.config
  const authenticator = yield* Access.authenticator(config)
  // Before anything in DATA_DIR is opened; a server that keeps nothing there (Schematic's API and a PostgreSQL
  // outbox) takes no lock, so replicas may share a folder.
  if (Option.isNone(config.apiKey) || Option.isNone(config.outboxDatabaseUrl)) yield* DataDirLock.hold(config.dataDir)
  const callerRateLimit = CallerRateLimit.make(config.rateLimitPerToken)
  // Before the ports open: no caller's first request waits for its operation's checks to compile.
  Capability.prepare()
  const metrics = Metrics.make()
  // REST and MCP are served straight on node:http: no framework between the socket and the operation.
  const rest = Layer.scopedDiscard(
    Effect.gen(function* () {
      const runtime = yield* Effect.runtime<EventSink.EventSink>()
      const sink = yield* EventSink.EventSink
      metrics.readOutboxFrom(() => Runtime.runPromise(runtime)(sink.status))
      const listener = yield* RestApi.listener({
        authenticator,
        callerRateLimit,
        maxBodyBytes: config.maxBodyBytes,
        maxBulkBodyBytes: config.maxBulkBodyBytes,
        logRequestsPerSecond: config.logRequestsPerSecond,
        observe: metrics.request,
        metrics: { contentType: metrics.contentType, render: metrics.render }
      })
      return yield* NodeListen.serve(
        "REST API",
        { port: config.restPort, host: config.host, variable: "REST_PORT" },
        listener
      )
    })
  )
  const mcp = Layer.scopedDiscard(
    Effect.flatMap(
      McpHttp.listener({
        authenticator,
        callerRateLimit,
        allowedHosts: Option.getOrUndefined(config.mcpAllowedHosts),
        allowedOrigins: Option.getOrUndefined(config.mcpAllowedOrigins),
        toolsets: Option.getOrUndefined(config.mcpToolsets),
        maxBodyBytes: config.maxBodyBytes,
        observe: metrics.request
      }),
      (listener) =>
        NodeListen.serve(
          "MCP",
          { port: config.mcpPort, host: config.host, path: "/mcp", variable: "MCP_PORT" },
          listener
        )
    )
  )
  const stopping = Layer.scopedDiscard(Effect.addFinalizer(() => Effect.logInfo("Shutting down")))
  const observers = Layer.mergeAll(
    Layer.succeed(UpstreamObserver.UpstreamObserver, metrics.upstream),
    Layer.succeed(OutboxObserver.OutboxObserver, metrics.outbox)
  )
  return yield* Layer.launch(
    Layer.mergeAll(rest, mcp, stopping).pipe(Layer.provide(Upstream.services(config)), Layer.provide(observers))
  )
}).pipe(Effect.scoped)

program.pipe(
  // First, these two: the configuration errors below are plain Errors, which they are assignable to.
  // A port taken or DATA_DIR in use: one line naming the setting, as for a bad value.
  Effect.catchIf(
    (error): error is NodeListen.ListenFailed | DataDirLock.DataDirUnavailable =>
      error instanceof NodeListen.ListenFailed || error instanceof DataDirLock.DataDirUnavailable,
    (error) =>
      Effect.logError(`Cannot start: ${error.message}`).pipe(Effect.zipRight(Effect.sync(() => process.exit(2))))
  ),
  Effect.catchIf(
    (error): error is OutboxStore.OutboxStorageFailed => error instanceof OutboxStore.OutboxStorageFailed,
    (error) => Effect.logError(error.message).pipe(Effect.zipRight(Effect.sync(() => process.exit(1))))
  ),
  Effect.catchIf(ServerConfig.isConfigError, (error) =>
    Effect.logError(`Invalid configuration: ${ServerConfig.describe(error).join("; ")}`).pipe(
      Effect.zipRight(Effect.sync(() => process.exit(2)))
    )
  ),
  Effect.catchIf(
    (error): error is Access.AccessConfigError => error instanceof Access.AccessConfigError,
    (error) =>
      Effect.logError(`Invalid configuration: ${error.message}`).pipe(
        Effect.zipRight(Effect.sync(() => process.exit(2)))
      )
  ),
  Effect.tapErrorCause((cause) => Effect.logError("The server stopped", cause)),
  // Spans cost time on every request: they are made only when traces are exported. Fiber metrics (on by default:
  // a counter, a gauge and a histogram updated as every fiber starts and ends) are never exported.
  (effect) =>
    Tracing.wanted(process.env)
      ? Effect.provide(effect, Tracing.layer(process.env))
      : Effect.withTracerEnabled(effect, false),
  Effect.withRuntimeFlagsPatch(RuntimeFlagsPatch.disable(RuntimeFlags.RuntimeMetrics)),
  Effect.provide(JsonLogger.layer(JsonLogger.batched(process.stdout))),
  NodeRuntime.runMain({ disablePrettyLogger: true })
)
