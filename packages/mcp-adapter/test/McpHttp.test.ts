import { request as httpRequest } from "node:http"
import { assert, describe, it } from "@effect/vitest"
import { EventSink } from "@schematic-capability/capability-core"
import type { SchematicClient } from "@schematic-capability/schematic-client"
import { Effect, FiberRef, HashSet, Layer, Logger } from "effect"
import { McpHttp } from "../src/index.js"
import { listenOnLoopback, sandboxServices } from "./support.js"

/** The /mcp listener on a loopback port, every log message it writes kept in `messages`. */
const serve = (messages: Array<unknown>, options: McpHttp.Options = {}) =>
  Effect.gen(function* () {
    yield* Effect.locallyScopedWith(
      FiberRef.currentLoggers,
      HashSet.add(Logger.make(({ message }) => void messages.push(message)))
    )
    return yield* listenOnLoopback(yield* McpHttp.listener(options))
  })

/** A POST to /mcp with the headers the Streamable HTTP transport wants; `host` as given. */
const post = (port: number, body: string, host = `127.0.0.1:${port}`) =>
  Effect.async<{ status: number; body: { error?: { code: number; message: string } } }>((resume) => {
    const request = httpRequest({
      host: "127.0.0.1",
      port,
      path: "/mcp",
      method: "POST",
      headers: {
        host,
        "content-type": "application/json",
        accept: "application/json, text/event-stream",
        "content-length": Buffer.byteLength(body)
      }
    })
    request.on("response", (response) => {
      let text = ""
      response.on("data", (chunk) => {
        text += chunk
      })
      response.on("end", () => resume(Effect.succeed({ status: response.statusCode ?? 0, body: JSON.parse(text) })))
    })
    request.end(body)
  })

describe("McpHttp", () => {
  it.scoped("reads bodies as REST does: JSON nested deeper than 32 levels is refused before any MCP is spoken", () =>
    Effect.gen(function* () {
      const port = yield* serve([])
      const nested = (depth: number) => `${"[".repeat(depth)}${"]".repeat(depth)}`
      const deep = yield* post(
        port,
        `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"list-companies","arguments":{"q":${nested(40)}}}}`
      )
      assert.strictEqual(deep.status, 400)
      assert.strictEqual(deep.body.error?.code, -32700)
      assert.match(deep.body.error?.message ?? "", /deeper than 32/)
      const broken = yield* post(port, "{not json")
      assert.deepStrictEqual([broken.status, broken.body.error?.code], [400, -32700])
    }).pipe(Effect.provide(sandboxServices))
  )

  it.scoped("logs a request that dies and answers it 500", () =>
    Effect.gen(function* () {
      const messages: Array<unknown> = []
      // A Host the allow-list takes but no URL can hold: the SDK's web Request cannot be built for it.
      const port = yield* serve(messages, { allowedHosts: ["bad host"] })
      const died = yield* post(port, `{"jsonrpc":"2.0","id":1,"method":"tools/list"}`, "bad host")
      assert.deepStrictEqual([died.status, died.body.error?.code], [500, -32603])
      assert.include(messages, "MCP request died")
    }).pipe(Effect.provide(sandboxServices))
  )
})

/** The compiler refuses an MCP server whose services do not cover what its operations need. */
export const typed = () => {
  const onlyClient = Layer.empty as unknown as Layer.Layer<SchematicClient.SchematicClient>
  // @ts-expect-error: the built-in operations need an EventSink as well
  const _missing: Effect.Effect<unknown> = McpHttp.listener({}).pipe(Effect.provide(onlyClient))
  const _complete: Effect.Effect<unknown> = McpHttp.listener({}).pipe(
    Effect.provide(EventSink.direct.pipe(Layer.provideMerge(onlyClient)))
  )
  return [_missing, _complete]
}
