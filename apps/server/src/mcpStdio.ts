#!/usr/bin/env node
/**
 * MCP over stdio, for desktop clients that start the server themselves. Same configuration as the server;
 * logs go to stderr because stdout carries the protocol. Without SCHEMATIC_API_KEY it embeds the sandbox
 * on a free port, sharing DATA_DIR with a running server.
 */
import { NodeRuntime } from "@effect/platform-node"
import { McpStdio } from "@schematic-capability/mcp-adapter"
import { Effect } from "effect"
import * as JsonLogger from "./JsonLogger.js"
import * as ServerConfig from "./ServerConfig.js"
import * as Upstream from "./Upstream.js"

const stderrJson = JsonLogger.layer((line) => process.stderr.write(line))

const program = Effect.gen(function* () {
  const config = yield* ServerConfig.config
  yield* McpStdio.serve().pipe(Effect.provide(Upstream.services(config, { sandboxPort: 0 })))
})

program.pipe(
  Effect.catchIf(ServerConfig.isConfigError, (error) =>
    Effect.logError(`Invalid configuration: ${ServerConfig.describe(error).join("; ")}`).pipe(
      Effect.zipRight(Effect.sync(() => process.exit(2)))
    )
  ),
  Effect.provide(stderrJson),
  NodeRuntime.runMain({ disablePrettyLogger: true })
)
