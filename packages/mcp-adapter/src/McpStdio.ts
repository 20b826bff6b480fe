/**
 * MCP over stdio, for desktop clients that start the server as a child process. Logs must go to stderr:
 * stdout carries the protocol.
 *
 * @since 0.1.0
 */
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js"
import type { Operation, Operations } from "@schematic-capability/capability-core"
import { Effect } from "effect"
import * as McpServer from "./McpServer.js"

/** Serves until stdin closes or the fiber is interrupted, on the runtime it runs in (the operations' services). */
export const serve = <Op extends McpServer.AnyOperation = (typeof Operations.all)[number]>(
  options: McpServer.Options<Op> = {}
): Effect.Effect<void, never, Operation.Requirements<Op>> =>
  Effect.gen(function* () {
    const runtime = yield* Effect.runtime<Operation.Requirements<Op>>()
    const server = McpServer.make(runtime, McpServer.registry(options.operations, options.toolsets), options)
    const transport = new StdioServerTransport()
    yield* Effect.acquireRelease(
      Effect.promise(() => server.connect(transport)),
      () => Effect.promise(() => server.close())
    )
    yield* Effect.async<void>((resume) => {
      const done = () => resume(Effect.void)
      process.stdin.once("end", done)
      process.stdin.once("close", done)
      return Effect.sync(() => {
        process.stdin.off("end", done)
        process.stdin.off("close", done)
      })
    })
  }).pipe(Effect.scoped)
