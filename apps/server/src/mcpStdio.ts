#!/usr/bin/env node
/**
 * MCP over stdio, for desktop clients that start the server themselves. Same configuration as the server;
 * logs go to stderr because stdout carries the protocol. Without SCHEMATIC_API_KEY it embeds the sandbox
 * on a free port, sharing DATA_DIR with a running server: alone, it holds DATA_DIR as a server does; beside a running
 * server, it is the server's guest, and leaves to it the events a crash left in flight (they may be the server's,
 * being sent).
 */
import { NodeRuntime } from "@effect/platform-node"
import { McpStdio } from "@schematic-capability/mcp-adapter"
import { Effect, Option } from "effect"
import * as DataDirLock from "./DataDirLock.js"
import * as JsonLogger from "./JsonLogger.js"
import * as ServerConfig from "./ServerConfig.js"
import * as Upstream from "./Upstream.js"

const stderrJson = JsonLogger.layer((line) => process.stderr.write(line))

const program = Effect.gen(function* () {
  const config = yield* ServerConfig.config
  const keepsData = Option.isNone(config.apiKey) || Option.isNone(config.outboxDatabaseUrl)
  const owner = keepsData
    ? yield* DataDirLock.hold(config.dataDir).pipe(
        Effect.as(true),
        Effect.catchIf(
          (error) => error.held,
          () => Effect.succeed(false)
        )
      )
    : true
  yield* McpStdio.serve({ toolsets: Option.getOrUndefined(config.mcpToolsets) }).pipe(
    Effect.provide(Upstream.services(config, { sandboxPort: 0, guest: !owner }))
  )
}).pipe(Effect.scoped)

program.pipe(
  Effect.catchIf(
    (error): error is DataDirLock.DataDirUnavailable => error instanceof DataDirLock.DataDirUnavailable,
    (error) =>
      Effect.logError(`Cannot start: ${error.message}`).pipe(Effect.zipRight(Effect.sync(() => process.exit(2))))
  ),
  Effect.catchIf(ServerConfig.isConfigError, (error) =>
    Effect.logError(`Invalid configuration: ${ServerConfig.describe(error).join("; ")}`).pipe(
      Effect.zipRight(Effect.sync(() => process.exit(2)))
    )
  ),
  Effect.provide(stderrJson),
  NodeRuntime.runMain({ disablePrettyLogger: true })
)
